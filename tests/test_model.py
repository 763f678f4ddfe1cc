"""Unit tests of the alias model: the CFG, NumPy's view/copy relations, summaries."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from aliaslint.analysis.cfg import build_function_cfg
from aliaslint.analysis.flow import ScopeAnalysis
from aliaslint.analysis.scopes import collect_scopes
from aliaslint.analysis.summaries import ModuleAnalysis, analyze_module
from aliaslint.analysis.tables import Readers, SharedTable
from aliaslint.analysis.values import Rel


def exit_refs(body: str, name: str, params: str = "x") -> set[tuple[str, Rel]]:
    """What ``name`` refers to at the end of ``def f(<params>): <body>``, as (object kind, relation)."""
    src = "import numpy as np\nfrom numpy import asarray as aa\nimport numpy\n\n"
    src += f"def f({params}):\n" + textwrap.indent(textwrap.dedent(body), "    ") + "\n"
    mod = ModuleAnalysis(collect_scopes(cst.parse_module(src)))
    mod.run()
    scope = mod.info.scopes[1]
    analysis = ScopeAnalysis(mod, scope)
    analysis.run()
    st = analysis.in_states[scope.cfg.exit]
    return {(f"{r.obj[0]}{r.obj[2]}" if r.obj[0] == "param" else r.obj[0], r.rel) for r in st.env.get(name, ())}


X_SAME = {("param0", Rel.SAME)}
X_VIEW = {("param0", Rel.VIEW)}
X_MAYBE = {("param0", Rel.MAYBE_VIEW)}


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("x", X_SAME),
        ("np.asarray(x)", X_SAME),
        ("numpy.asarray(x)", X_SAME),
        ("aa(x)", X_SAME),
        ("np.asarray(x, dtype=float)", X_MAYBE),
        ("np.array(x, copy=False)", X_SAME),
        ("x.T", X_VIEW),
        ("x[:]", X_VIEW),
        ("x[::2]", X_VIEW),
        ("x[..., 0]", X_VIEW),
        ("x[None]", X_VIEW),
        ("x.transpose()", X_VIEW),
        ("x.squeeze()", X_VIEW),
        ("np.atleast_2d(x)", X_VIEW),
        ("np.swapaxes(x, 0, 1)", X_VIEW),
        ("x.reshape(-1)", X_MAYBE),
        ("x.ravel()", X_MAYBE),
        ("np.ravel(x)", X_MAYBE),
        ("x.astype(np.float64, copy=False)", X_MAYBE),
        ("x.T[1:]", X_VIEW),
        ("x if x.ndim else x.T", X_SAME | X_VIEW),
    ],
)
def test_alias_relations(expr, expected):
    assert exit_refs(f"y = {expr}", "y") == expected


@pytest.mark.parametrize(
    "expr",
    [
        "x.copy()", "np.copy(x)", "np.array(x)", "x.flatten()", "x.astype(np.float32)", "x + 0", "x * 2",
        "-x", "x[[0, 1]]", "x[x > 0]", "float(x[0])", "x.sum()", "x.tolist()", "np.sort(x)", "x[0]", "x[i]",
        "np.concatenate([x, x])", "list(x)", "copy.deepcopy(x)",
    ],
)
def test_fresh_values_alias_nothing(expr):
    assert not any(kind == "param0" for kind, _ in exit_refs(f"i = 0\ny = {expr}", "y"))


def test_rebinding_replaces_the_alias():
    assert exit_refs("y = x\ny = x + 1", "y") == {("alloc", Rel.SAME)}


def test_branches_join():
    assert exit_refs("if x.ndim:\n    y = x.T\nelse:\n    y = x.copy()", "y") == X_VIEW | {("alloc", Rel.SAME)}


def test_loop_carried_binding_reaches_the_loop_head():
    # y is bound at the end of one iteration and seen at the start of the next.
    src = """
import numpy as np

def f(x, n):
    y = None
    for _ in range(n):
        if y is not None:
            z = y
        y = x.T
    return z
"""
    result = analyze_module(cst.parse_module(src))
    returns = result.summaries[1].returns
    assert {(r.obj[0], r.obj[2], r.rel) for r in returns} == {("param", 0, Rel.VIEW)}


def test_cfg_has_back_edges_for_loops_and_breaks():
    body = cst.parse_module("while c:\n    if d:\n        break\n    e()\nf()\n").body
    cfg = build_function_cfg(body)
    order = cfg.order()
    back = [(b, s) for b in order for s in cfg.blocks[b].succs if order.index(s) <= order.index(b)]
    assert back, "a while loop needs a back edge"
    assert cfg.exit in order


def test_cfg_covers_try_with_match_and_returns():
    src = textwrap.dedent(
        """
        try:
            a = 1
        except ValueError as e:
            b = e
        else:
            c = 2
        finally:
            d = 3
        with open(p) as fh:
            g = fh
        match v:
            case [x, *rest]:
                h = x
            case {"k": y}:
                h = y
        return h
        """
    )
    cfg = build_function_cfg(cst.parse_module(src).body)
    kinds = [k for b in cfg.blocks for k, _ in b.instrs]
    assert kinds.count("name") >= 4  # e, x, rest, y
    assert "with" in kinds


def test_summary_records_returned_and_mutated_parameters():
    src = """
import numpy as np

def view_of(a, b):
    return b[1:]

def bump(v, i):
    v[i] += 1.0

class M:
    def __init__(self):
        self.out = np.zeros(3)

    def f(self, x):
        np.multiply(x, 2.0, out=self.out)
        return self.out
"""
    result = analyze_module(cst.parse_module(src))
    by_name = {s.name: s.index for s in result.info.scopes}
    view_of = result.summaries[by_name["view_of"]]
    assert {(r.obj[2], r.rel) for r in view_of.returns} == {(1, Rel.VIEW)}
    bump = result.summaries[by_name["bump"]]
    assert {o for o, _ in bump.mutates} == {("param", by_name["bump"], 0)}
    f = result.summaries[by_name["M.f"]]
    out = ("attr", ("param", by_name["M.f"], 0), "out")
    assert {r.obj for r in f.returns} == {out}
    assert (out, frozenset()) in f.mutates


def test_latent_finding_waits_for_a_call_site():
    src = """
def grad(f, x, h):
    fp = f(x)
    x[0] += h
    return fp - f(x)
"""
    result = analyze_module(cst.parse_module(src))
    assert not result.findings
    latent = result.summaries[1].latent
    assert len(latent) == 1
    (lf,) = latent
    assert {a[0] for a in lf.cond} == {"aliases"}


def test_call_site_with_a_copying_callable_settles_nothing():
    src = """
def grad(f, x, h):
    fp = f(x)
    x[0] += h
    return fp - f(x)

def sq(x):
    return x ** 2

grad(sq, [1.0], 1e-6)
"""
    assert not analyze_module(cst.parse_module(src)).findings


def test_diagnostics_keep_related_locations():
    from aliaslint.diagnostics import Location
    from aliaslint.engine import lint_source

    src = (Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py").read_text()
    ali001 = [d for d in lint_source(src, "fd.py") if d.code == "ALI001"]
    first = ali001[0]
    assert (first.location, first.end_location) == (Location(20, 9), Location(20, 23))
    assert [(r.message, r.location.row, r.location.column) for r in first.related] == [
        ("modified in place here", 21, 9),
        ("stale value read here", 24, 29),
        ("`lin` passed here", 31, 11),
        ("`lin` returns this", 10, 12),
    ]
    assert first.fix is not None and first.fix.applicability == "safe"
    assert [(e.content, e.location) for e in first.fix.edits] == [(".copy()", Location(20, 23))]


@pytest.mark.parametrize(
    "annotation, needs_array_atom", [("", True), (": np.ndarray", False), (": ArrayLike", True)]
)
def test_slice_of_a_parameter_is_a_view_only_if_it_is_an_array(annotation, needs_array_atom):
    # A list slice copies, so slicing a parameter of unknown type is a view only on condition.
    src = f"import numpy as np\n\ndef f(x{annotation}):\n    return x[1:]\n"
    result = analyze_module(cst.parse_module(src))
    (ret,) = result.summaries[1].returns
    assert ret.rel == Rel.VIEW
    assert ({a[0] for a in ret.cond} == {"array"}) is needs_array_atom


# --- snapshots, containers and views (ALI003-ALI005) ---------------------------------------------
def _findings(src: str):
    return analyze_module(cst.parse_module(textwrap.dedent(src))).findings


@pytest.mark.parametrize(
    "setup, expected",
    [
        ("a = np.zeros((3, 2))\nk = 1", X_VIEW),  # a constructor's shape: 2-d, integer index
        ("a = np.eye(3)\nk = np.argmin(a.sum(axis=0))", X_VIEW),
        ("a = np.arange(6.0).reshape(3, 2)\nfor k in range(3):\n    pass", X_VIEW),
        ("a = np.zeros(3)\nk = 1", set()),  # 1-d: an element
        ("a = np.zeros((3, 2))\nk = (0, 1)", set()),  # a tuple index: maybe an element
        ("a = [np.zeros(2), np.zeros(2)]\nk = 1", set()),  # a list of arrays: the element itself
    ],
)
def test_integer_index_of_a_2d_array_is_a_view(setup, expected):
    got = exit_refs(f"{setup}\ny = a[k]", "y", params="")
    assert {(kind, rel) for kind, rel in got if kind == "alloc"} == {("alloc", r) for _, r in expected}


def test_usage_shows_two_dimensions():
    got = exit_refs("y = x[0]\nz = x[1, 2]", "y", params="x: np.ndarray")
    assert got == X_VIEW


def test_random_generators_make_arrays_and_scalars():
    src = """
import numpy as np

def f():
    rng = np.random.default_rng(0)
    X = rng.random((4, 2))
    s = rng.random()
    t = np.random.rand()
    X0 = X
    X += 1
    return X0, s, t
"""
    (found,) = _findings(src)
    assert found.kind.name == "ARRAY" and found.origin[1].value == "X"


def test_a_new_array_each_iteration_leaves_older_ones_alone():
    # row is allocated in every iteration: appending then filling it is not a stale element
    src = """
import numpy as np

def f(n):
    rows = []
    prev = None
    for i in range(n):
        row = np.empty(2)
        rows.append(row)
        row[:] = i
        if prev is not None:
            print(prev - row)
        prev = row
    return rows
"""
    assert not _findings(src)


def test_an_element_held_twice_goes_stale_when_the_array_changes():
    src = """
import numpy as np

def f(n):
    x = np.zeros(2)
    hist = []
    for _ in range(n):
        hist.append(x)
        x += 1
    return hist
"""
    (found,) = [f for f in _findings(src) if f.holder == "elems"]
    assert isinstance(found.origin[0], cst.Call) and found.mutation.value == "x"


def test_fields_and_dict_keys_hold_snapshots():
    src = """
import numpy as np

def f(obj, d):
    x = np.zeros(2)
    obj.best = x
    d = {"prev": x}
    x += 1
    return obj.best, d["prev"]
"""
    holders = {f.holder for f in _findings(src)}
    assert holders == {"field"}
    assert len(_findings(src)) == 2


def test_swapped_double_buffer_halves_stay_distinct():
    src = """
import numpy as np

def f(n):
    u = np.zeros(3)
    u_new = np.zeros(3)
    for _ in range(n):
        u_new[:] = u + 1
        u, u_new = u_new, u
    return u
"""
    assert not _findings(src)


def test_fresh_arrays_in_both_branches_are_held_alone():
    src = """
import numpy as np

def f(n, c, X):
    old = np.zeros(2)
    for _ in range(n):
        if c:
            w = X @ X
        else:
            w = X @ X / 2
        w /= 3
        print(w - old)
        old = w
"""
    assert not _findings(src)


def test_tuple_swap_of_rows_is_found_and_of_1d_elements_is_not():
    rows = "import numpy as np\n\ndef f():\n    A = np.eye(3)\n    A[0], A[1] = A[1], A[0]\n    return A\n"
    (found,) = _findings(rows)
    assert found.signals == {"swap"}
    assert not _findings(rows.replace("np.eye(3)", "np.zeros(3)"))


def test_copyable_needs_an_array_on_every_path():
    src = """
import numpy as np

def f(c, p):
    x = np.zeros(2) if c else None
    a = x
    y = np.zeros(2)
    b = y
    q = p
"""
    result = analyze_module(cst.parse_module(src))
    by_target = {o[0].targets[0].target.value: o for o in result.stored}
    assert not result.is_copyable(by_target["a"])
    assert result.is_copyable(by_target["b"])
    assert not result.is_copyable(by_target["q"])  # a parameter of unknown type


@pytest.mark.parametrize(
    "name, state, copy",
    [("x_old", True, True), ("xold", True, True), ("gbest", True, True), ("x0", True, True), ("prev", True, True),
     ("backup", False, True), ("orig_col", False, True), ("data", False, False), ("total", False, False),
     ("hold", True, True), ("column", False, False)],
)
def test_snapshot_names(name, state, copy):
    from aliaslint.analysis.snapshots import copy_name, state_name

    assert (state_name(name), copy_name(name)) == (state, copy)


@pytest.mark.parametrize(
    "source, target, expected",
    [("x_new", "x", True), ("xnew", "x", True), ("new_x", "x", True), ("u_next", "u", True), ("V_new", "V", True),
     ("y", "x", False), ("x_new", "y", False)],
)
def test_newer_name(source, target, expected):
    from aliaslint.analysis.snapshots import newer_name

    assert newer_name(source, target) is expected


@pytest.mark.parametrize(
    "view, write, expected",
    [("a[:n]", "a[n:]", True), ("a[0]", "a[1]", True), ("a[1:3]", "a[3:5]", True), ("a[k]", "a[k - 1]", True),
     ("a[:, 0]", "a[:, 1]", True), ("a[i]", "a[j]", False), ("a[:n]", "a[1:]", False), ("a[0]", "b[1]", False)],
)
def test_disjoint_regions(view, write, expected):
    from aliaslint.analysis.snapshots import disjoint

    assert disjoint(cst.parse_expression(view), cst.parse_expression(write)) is expected


@pytest.mark.parametrize(
    "read, compared",
    [("np.linalg.norm(x - x_old)", True), ("np.allclose(x, x_old)", True), ("f(x) < f(x_old)", True),
     ("g(x, x_old)", False), ("(x_old, x)", False)],
)
def test_compared_means_set_beside_each_other(read, compared):
    src = f"import numpy as np\n\ndef h(f, g):\n    x = np.zeros(2)\n    x_old = x\n    x += 1\n    return {read}\n"
    (found,) = _findings(src)
    assert ("compared" in found.signals) is compared


def test_copy_true_makes_a_new_object():
    src = """
import numpy as np

def as_array(a, copy=False):
    if copy:
        return np.array(a)
    return np.asarray(a)

def f():
    x = np.zeros(2)
    y = as_array(x, copy=True)
    z = np.asarray(x, copy=True)
    x += 1
    return y, z
"""
    assert not _findings(src)


def _guards_by_line(src: str) -> dict[str, set[tuple[str, str]]]:
    """The guard of each small statement of ``f``, by its code, as (parameter name, state)."""
    from aliaslint.analysis.guards import block_guards

    module = cst.parse_module(textwrap.dedent(src))
    info = collect_scopes(module)
    scope = next(s for s in info.scopes if s.name == "f")
    names = {p.index: p.name for p in scope.params}
    out: dict[str, set[tuple[str, str]]] = {}
    for b, guard in block_guards(scope).items():
        for _kind, node in scope.cfg.blocks[b].instrs:
            out[module.code_for_node(node).strip()] = {
                (names[k] if isinstance(k, int) else f"{names[k[0]]}.{k[1]}", state) for _s, k, state in guard
            }
    return out


def test_guards_follow_if_tests_on_parameters_never_rebound():
    found = _guards_by_line(
        """
        def f(a, B=None, flag=False, items=()):
            if B is None:
                x = 1
            else:
                x = 2
            if not flag and B is not None:
                y = 3
            if flag:
                return 4
            z = 5
            if items:
                w = 6
            a = 7
            if a is None:
                v = 8
        """
    )
    assert found["x = 1"] == {("B", "none")}
    assert found["x = 2"] == {("B", "notnone")}
    assert found["y = 3"] == {("flag", "falsy"), ("B", "notnone")}
    assert found["return 4"] == {("flag", "truthy")}
    assert found["z = 5"] == {("flag", "falsy")}  # the true branch returned
    assert found["w = 6"] == {("flag", "falsy")}  # `items` has no literal default: its truth may change
    assert found["v = 8"] == {("flag", "falsy")}  # `a` is rebound: nothing is known of it


def test_guards_consistency_and_call_literals():
    from aliaslint.analysis.guards import UNSEEN_SWITCH, admits, bind_consts, call_consts, consistent

    assert not consistent([(1, 0, "none"), (1, 0, "notnone")])
    assert not consistent([(1, 0, "none"), (1, 0, "truthy")])
    assert consistent([(1, 0, "none"), (2, 0, "notnone")])  # different functions
    module = cst.parse_module(
        "def loss(f, cost_only=False, scale=None):\n    return f\n\n"
        "loss(z, cost_only=True)\nloss(z)\nloss(*args)\nloss(z, cost_only=flag)\nloss(z, **kw)\n"
    )
    info = collect_scopes(module)
    fn = info.scopes[1]
    calls = [s.body[0].value for s in module.body[1:]]
    assert bind_consts(fn, call_consts(calls[0])) == {1: frozenset({"notnone", "truthy"}), 2: frozenset({"none", "falsy"})}
    assert bind_consts(fn, call_consts(calls[1])) == {1: frozenset({"notnone", "falsy"}), 2: frozenset({"none", "falsy"})}
    # `*args`, a name or `**kw` may pass anything: a boolean switch is then unseen (neither arm of a
    # test on its truth), any other parameter unknown (every arm)
    unseen = {1: frozenset({UNSEEN_SWITCH})}
    assert bind_consts(fn, call_consts(calls[2])) == unseen
    assert bind_consts(fn, call_consts(calls[3])) == {**unseen, 2: frozenset({"none", "falsy"})}
    assert bind_consts(fn, call_consts(calls[4])) == unseen
    assert not admits(frozenset({(1, 1, "falsy")}), 1, {1: frozenset({"notnone", "truthy"})})
    assert not admits(frozenset({(1, 1, "falsy")}), 1, unseen)
    assert not admits(frozenset({(1, 1, "truthy")}), 1, unseen)
    assert admits(frozenset({(1, 1, "notnone")}), 1, unseen)


def test_guards_on_string_equality_and_attributes_never_assigned():
    from aliaslint.analysis.guards import consistent

    found = _guards_by_line(
        """
        def f(self, method="exact"):
            if self.metric == "precomputed":
                a = 1
            if "pca" != self.init:
                b = 2
            if method == "fast":
                c = 3
            if isinstance(self.init, str):
                d = 4
            if self.rate == "auto":
                e = 5
            self.rate = 0.5
        """
    )
    assert found["a = 1"] == {("self.metric", "eq:'precomputed'")}
    assert found["b = 2"] == {("self.init", "ne:'pca'")}
    assert found["c = 3"] == {("method", "eq:'fast'")}
    assert found["d = 4"] == {("self.init", "isa:str")}
    assert found["e = 5"] == set()  # the function assigns `self.rate`: its value may change
    assert not consistent([(1, (0, "m"), "eq:'a'"), (1, (0, "m"), "eq:'b'")])
    assert not consistent([(1, (0, "m"), "eq:'a'"), (1, (0, "m"), "ne:'a'")])
    assert consistent([(1, (0, "m"), "eq:'a'"), (1, (0, "m"), "ne:'b'")])
    assert not consistent([(1, (0, "m"), "eq:'a'"), (1, (0, "m"), "not:str")])  # equal to a string: a str
    assert consistent([(1, (0, "m"), "eq:'a'"), (1, (0, "n"), "eq:'b'")])  # other attributes


def _paths_of(src: str) -> tuple[dict[str, set], object]:
    from aliaslint.analysis.guards import block_guards, block_paths

    module = cst.parse_module(textwrap.dedent(src))
    info = collect_scopes(module)
    scope = next(s for s in info.scopes if s.name == "f")
    paths, guards = block_paths(scope), block_guards(scope)
    out: dict[str, set] = {}
    for b in scope.cfg.order():
        ways = paths.get(b, (guards.get(b, frozenset()),))
        for _kind, node in scope.cfg.blocks[b].instrs:
            out[module.code_for_node(node).strip()] = {frozenset(state for _s, _k, state in w) for w in ways}
    return out, scope


def test_paths_keep_what_a_raising_branch_says():
    from aliaslint.analysis.guards import feasible

    found, _ = _paths_of(
        """
        def f(self):
            if self.rate == "auto":
                r = 1
            else:
                r = 2
            if self.metric == "pre":
                if isinstance(self.init, str) and self.init == "pca":
                    raise ValueError
            if self.metric == "pre":
                link = 3
            if self.init == "pca":
                read = 4
        """
    )
    # `rate` is "auto" on one way and not on the other: the two ways are one
    assert found["link = 3"] == {frozenset({"eq:'pre'", "not:str"}), frozenset({"eq:'pre'", "ne:'pca'"})}
    assert found["read = 4"] == {frozenset({"ne:'pre'", "eq:'pca'"})}
    link = tuple(frozenset({(1, (0, "metric"), "eq:'pre'"), (1, (0, "init"), s)}) for s in ("not:str", "ne:'pca'"))
    read = (frozenset({(1, (0, "metric"), "ne:'pre'"), (1, (0, "init"), "eq:'pca'")}),)
    assert not feasible(link, read)
    assert feasible(link, (frozenset({(1, (0, "init"), "eq:'tsne'")}),))


def test_gates_join_keeps_what_both_sides_share():
    from aliaslint.analysis.state import State
    from aliaslint.analysis.values import Ref

    p = Ref(("param", 1, 0), Rel.SAME, frozenset())
    made = Ref(("alloc", 1, "copy"), Rel.SAME, frozenset())
    falsy, truthy = (1, 2, "falsy"), (1, 2, "truthy")
    kept = State({"a": frozenset({p})})
    kept.gates[("a", p)] = frozenset({falsy})
    copied = State({"a": frozenset({made})})
    # held on one side only: that side's guard
    joined = copied.copy()
    assert joined.join(kept)
    assert joined.gates == {("a", p): frozenset({falsy})}
    joined = kept.copy()
    joined.join(copied)
    assert joined.gates == {("a", p): frozenset({falsy})}
    # held on both sides under opposite outcomes: unguarded
    other = State({"a": frozenset({p})})
    other.gates[("a", p)] = frozenset({truthy})
    joined = kept.copy()
    assert joined.join(other)
    assert joined.gates == {}
    # held unguarded on one side: unguarded
    plain = State({"a": frozenset({p})})
    joined = plain.copy()
    assert not joined.join(kept)
    assert joined.gates == {}
    # the same object under another condition is another ref, with a gate of its own
    sparse = Ref(p.obj, Rel.SAME, frozenset({("sparse", 1, 0)}))
    both = State({"a": frozenset({sparse})})
    both.gates[("a", sparse)] = frozenset({truthy})
    joined = kept.copy()
    joined.join(both)
    assert joined.gates == {("a", p): frozenset({falsy}), ("a", sparse): frozenset({truthy})}


def test_summary_returns_parameter_only_where_the_copy_switch_is_off():
    from aliaslint.analysis.guards import UNSEEN_SWITCH

    module = cst.parse_module(
        "import numpy as np\n\n"
        "def check(a, copy=False):\n"
        "    orig = a\n"
        "    if copy:\n"
        "        if np.may_share_memory(a, orig):\n"
        "            a = a.copy()\n"
        "    return a\n"
    )
    result = analyze_module(module)
    summary = result.summaries[1]
    (returned,) = summary.returns
    assert returned.obj == ("param", 1, 0)
    assert summary.return_guards == {(returned, frozenset({(1, 1, "falsy")}))}
    assert summary.returned(returned, 1, {1: frozenset({"notnone", "falsy"})})
    assert not summary.returned(returned, 1, {1: frozenset({"notnone", "truthy"})})
    assert not summary.returned(returned, 1, {1: frozenset({UNSEEN_SWITCH})})


def test_a_shared_table_wakes_the_scopes_that_read_a_key_when_its_value_changes() -> None:
    readers = Readers()
    table = SharedTable(readers, lambda key: None)
    readers.start(3)
    assert table.get("k") is None and "j" not in table  # a miss is a read too
    assert readers.finish() == set()
    readers.start(5)
    table.setdefault("k", 1)
    table["k"] = 1  # the same value: no one to wake
    table.setdefault("k", 2)  # already there: nothing changes
    table["other"] = 7  # read by no one
    assert readers.finish() == {3} and table["k"] == 1
    readers.start(5)
    table["j"] = 2
    assert readers.finish() == {3}
    assert table.get("new") is None  # read outside any scope's analysis: noted nowhere
    table["new"] = 4
    assert readers.woken == set()


def test_a_scope_is_woken_by_its_own_write_only_to_a_key_it_found_missing() -> None:
    readers = Readers()
    table = SharedTable(readers, lambda key: None)
    table["there"] = 1
    readers.start(7)
    assert table["there"] == 1
    table["there"] = 2  # seen as it is made: one visit writing a key twice must not wake itself
    assert readers.finish() == set()
    readers.start(7)
    assert table.get("late") is None
    table["late"] = 1  # read earlier in the same visit while it was missing: read it again
    assert readers.finish() == {7}
    readers.start(7)
    assert table["late"] == 1
    table["late"] = 2
    assert readers.finish() == set()


def test_a_read_asks_for_the_scope_that_writes_the_key_when_only_some_are_analysed() -> None:
    readers = Readers()
    table = SharedTable(readers, lambda key: key[0])
    readers.start(1)
    assert table.get((2, "x")) is None  # all scopes are analysed: nothing to ask for
    readers.finish()
    readers.demand = {1}
    readers.start(1)
    assert table.get((2, "x")) is None and (3, "y") not in table and table.get((1, "z")) is None
    table.get((2, "w"))
    assert readers.asked == [2, 3] and readers.demand == {1, 2, 3}


def test_only_the_scopes_a_file_reads_are_analysed_for_it() -> None:
    """`main`'s module body reads the summary of `run`, which reads `helper`'s; `unused` is read
    by no one, and a lone function that never runs gets no summary."""
    code = (
        "def helper(x):\n    return x\n\n\ndef run(x):\n    return helper(x)\n\n\n"
        "def unused(x):\n    x += 1\n    return x\n\n\nprint(run(1))\n"
    )
    module = cst.parse_module(code)
    everything = ModuleAnalysis(collect_scopes(module)).run()
    module_only = ModuleAnalysis(collect_scopes(module)).run([0])
    assert sorted(everything.summaries) == [0, 1, 2, 3]
    assert {i: module_only.summaries[i] for i in module_only.summaries} == {i: everything.summaries[i] for i in (0, 1, 2)}


def test_a_file_that_joins_a_merged_module_is_numbered_after_it_and_its_classes_are_found() -> None:
    """A file parsed only when a name is first resolved into it joins the component's
    ModuleInfo after the class lookups have been indexed: they must see its classes too."""
    first = collect_scopes(cst.parse_module("class A:\n    def f(self):\n        pass\n"))
    assert [c.name for c in first.classes_named("A")] == ["A"] and first.class_of(first.classes[0].node).name == "A"
    second = collect_scopes(cst.parse_module("def g():\n    pass\n\n\nclass B(A):\n    pass\n"))
    node = second.classes[0].node
    first.extend(second)
    assert [s.index for s in first.scopes] == list(range(len(first.scopes))) and len(first.scopes) == 4
    assert first.classes_named("B")[0].index == 1 and first.class_of(node).name == "B"


def test_a_shared_table_reads_as_a_dict() -> None:
    table = SharedTable(Readers(), lambda key: None)
    table["a"] = 1
    assert table["a"] == 1 and table.get("a") == 1 and table.get("b", 2) == 2 and "a" in table
    with pytest.raises(KeyError):
        table["b"]
    assert table.setdefault("b", 3) == 3 and table.setdefault("b", 4) == 3 and dict(table) == {"a": 1, "b": 3}
    assert not isinstance(table, dict)  # see SharedTable: compiled code would read a dict past its overrides
    assert sorted(table) == ["a", "b"] and len(table) == 2 and table == {"a": 1, "b": 3}


def test_peeking_at_a_shared_table_makes_no_reader() -> None:
    readers = Readers()
    table = SharedTable(readers, lambda key: None)
    table["a"] = 1
    readers.start(3)
    assert table.peek("a") == 1 and table.peek("b") is None and table.holds("a") and not table.holds("b")
    assert readers.finish() == set()
    readers.start(5)
    table["a"] = 2
    table["b"] = 2
    assert readers.finish() == set()  # scope 3 only peeked: it is not woken


def _visits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the scopes the analysis visits from now on, one entry per visit, in order."""
    runs: list[str] = []
    real = ScopeAnalysis.run

    def counting(self: ScopeAnalysis) -> None:
        runs.append(self.scope.name)
        real(self)

    monkeypatch.setattr(ScopeAnalysis, "run", counting)
    return runs


def test_a_scope_is_not_visited_again_for_reading_a_key_only_to_write_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """An allocation made again in a loop gives its older object the kind it has, and a literal
    holding callables adds them to what the literal held; each looks at the key it is about to
    write, which must not count as reading a fact that was missing (the scope would be visited
    again for nothing: about 5% of the visits of a big component). A real read of a missing
    fact still brings the scope back."""
    src = textwrap.dedent("""\
        import numpy as np

        def helper(x):
            return x

        def renewed(n):
            out = []
            for i in range(n):
                a = np.zeros(3)
                fs = [helper, np.copy]
                out.append(fs[0](a))
            return out

        def late(x):
            y = x + 1
            np.add(x, 1, out=x)
            return y
        """)
    runs = _visits(monkeypatch)
    analyze_module(cst.parse_module(src))
    assert runs == ["<module>", "helper", "renewed", "late", "late"]


def test_a_function_called_before_its_first_visit_is_analysed_there_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    """``caller`` comes first and calls ``helper``, whose summary is not made yet: ``helper`` is
    analysed at the call, and ``caller`` goes on with its summary instead of being visited again
    once ``helper`` is done. ``helper`` keeps its place in the queue, but is not visited twice;
    the recursive ``again`` reads its own summary while it is analysed, and is visited again
    until that summary stops changing, as before."""
    src = textwrap.dedent("""\
        import numpy as np

        def caller():
            x = np.zeros(3)
            y = helper(x)
            x[0] = 1
            return y

        def helper(x):
            return x

        def again(x, n):
            if n:
                return again(x, n - 1)
            return x
        """)
    runs = _visits(monkeypatch)
    result = analyze_module(cst.parse_module(src))
    assert runs == ["<module>", "caller", "helper", "again", "again", "again"]
    assert len(result.findings) == 1  # `y` is `x`, read after `x[0] = 1`


def test_checking_some_scopes_analyses_what_they_read_before_it_is_visited_at_the_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With only the functions asked for, ``first`` reads what the module body binds (never
    asked for) to find ``second``, then the summary of ``second`` (asked for too, not visited
    yet): each is analysed at the read, and ``first`` is not visited again for them (it was
    visited three times). ``reads_global`` then finds the module body's bindings made. What
    they conclude is what the whole module's analysis concludes."""
    src = textwrap.dedent("""\
        import numpy as np

        SCALE = np.ones(3)

        def first(x):
            y = second(x)
            x[0] = 1
            return y

        def second(x):
            return x

        def reads_global():
            s = SCALE
            SCALE[0] = 2
            return s
        """)
    module = cst.parse_module(src)
    everything = ModuleAnalysis(collect_scopes(module)).run()
    runs = _visits(monkeypatch)
    some = ModuleAnalysis(collect_scopes(module)).run([1, 2, 3])
    assert runs == ["first", "<module>", "second", "reads_global"]
    assert some.summaries == everything.summaries
    assert {f.scope for f in everything.findings} == {1, 3} and some.findings == everything.findings


def test_a_function_known_to_say_nothing_is_analysed_after_all_when_a_nested_scope_reads_its_names() -> None:
    """A summary that says nothing, taken from an earlier check (`ModuleAnalysis.know_quiet`),
    stands for the function's callers, not for what it binds: a scope nested in it that reads
    its names has it analysed, and sees `y` hold the parameter `inner` writes into."""
    info = collect_scopes(cst.parse_module("def outer(x):\n    y = x\n\n    def inner():\n        y[0] = 1\n\n    inner()\n"))
    outer, inner = (next(s for s in info.scopes if s.name == name) for name in ("outer", "outer.inner"))
    mod = ModuleAnalysis(info)
    mod.know_quiet(outer.index, False)
    mod.run([inner.index])
    assert [obj for obj, _ in mod.summaries.peek(inner.index).mutates] == [("param", outer.index, 0)]
    assert outer.index not in mod.quiet
