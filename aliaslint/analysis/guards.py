"""What the ``if`` tests around a statement establish about the function's parameters.

A parameter the body never rebinds keeps, for the whole call, the value the caller passed: under
``if B is None:`` it is ``None``, under ``if cost_only:`` it is true. Two statements whose guards
disagree on one such parameter never both run in one call (a store made only when ``B is None``
and a write made only when ``B is not None``), and a ``return`` guarded by ``if not cost_only``
is not what ``f(z, cost_only=True)`` returns.

A guard is a set of atoms ``(scope, k, state)``: parameter ``k`` of ``scope`` is in ``state``, one
of ``none``, ``notnone``, ``truthy``, ``falsy``, ``isa:T`` and ``not:T`` (``isinstance(p, T)``
true or false, ``T`` as written), ``eq:'s'`` and ``ne:'s'`` (``p == "s"`` true or false, for a
string literal). ``k`` may also be ``(k, name)``: attribute ``name`` of parameter ``k``
(``self.method``) when the function assigns that attribute nowhere, so within one call it keeps
the value it had on entry (what a callee might do to it is not modelled). The guard of a block
holds on every path from the function's entry to it (a must-analysis over the CFG, see
:attr:`.cfg.CFG.assume`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import libcst as cst

from .cfg import CFG
from .literals import string_value
from .scopes import Scope

GuardAtom = tuple[int, object, str]  # k: a parameter index, or (index, attribute name)
Guard = frozenset[GuardAtom]
NO_GUARD: Guard = frozenset()

_CODE = cst.Module([])
_OPPOSITE = {"none": "notnone", "notnone": "none", "truthy": "falsy", "falsy": "truthy"}
# States that cannot hold together for one value (None is falsy).
_CLASH = {("none", "notnone"), ("truthy", "falsy"), ("none", "truthy")}


# A boolean switch (a parameter whose default is ``True`` or ``False``) that a call sets to a value
# aliaslint cannot see (``copy=self.copy``, ``**params``): neither arm of a test on its truth is
# taken, so what a callee does only behind the switch is not held against the call.
UNSEEN_SWITCH = "unseen-switch"


def _clash(a: str, b: str) -> bool:
    if (a, b) in _CLASH or (b, a) in _CLASH:
        return True
    if UNSEEN_SWITCH in (a, b):
        return (b if a == UNSEEN_SWITCH else a) in ("truthy", "falsy")
    if a[:3] == "eq:" and b[:3] in ("eq:", "ne:") or b[:3] == "eq:" and a[:3] == "ne:":
        # one value equals one string: `== "a"` and `== "b"`, or `== "a"` and `!= "a"`
        return (a[3:] != b[3:]) if a[:3] == b[:3] else a[3:] == b[3:]
    if a[:3] == "eq:" or b[:3] == "eq:":
        # a value equal to a string is a string (a str subclass, or an object whose `__eq__` says
        # so, aside), so it is not None and `isinstance(p, str)` holds
        other = b if a[:3] == "eq:" else a
        return other in ("none", "not:str")
    # `isinstance(p, T)` true in one place and false in the other
    return a[:4] in ("isa:", "not:") and b[:4] in ("isa:", "not:") and a[:4] != b[:4] and a[4:] == b[4:]


def consistent(atoms: Iterable[GuardAtom]) -> bool:
    """Whether all atoms can hold in one call."""
    seen: dict[tuple[int, int], set[str]] = {}
    for scope, k, state in atoms:
        states = seen.setdefault((scope, k), set())
        if any(_clash(state, s) for s in states):
            return False
        states.add(state)
    return True


def literal_states(expr: cst.BaseExpression | None) -> frozenset[str] | None:
    """The states a literal argument is in (``True``: truthy and not None), or None if unknown."""
    if type(expr) is cst.Name:
        if expr.value == "None":
            return frozenset({"none", "falsy"})
        if expr.value == "True":
            return frozenset({"notnone", "truthy"})
        if expr.value == "False":
            return frozenset({"notnone", "falsy"})
        return None
    if type(expr) is cst.Integer:
        try:
            value = int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
        return frozenset({"notnone", "truthy" if value else "falsy"})
    if type(expr) is cst.SimpleString:
        try:
            text = string_value(expr)
        except Exception:  # noqa: BLE001  (an odd prefix: nothing is known)
            return None
        return frozenset({"notnone", "truthy" if text else "falsy"})
    return None


def fits(states: frozenset[str], required: str) -> bool:
    """Whether a value in ``states`` can be in ``required``."""
    return not any(_clash(s, required) for s in states)


Subjects = dict[str, int]


def _subject(expr: cst.BaseExpression, params: Subjects, fixed: frozenset[tuple[str, str]]) -> object | None:
    """What a test can speak of: a parameter the body never rebinds (its index), or an attribute of
    one the function never assigns (``(index, name)``)."""
    if type(expr) is cst.Name:
        return params.get(expr.value)
    if type(expr) is cst.Attribute and type(expr.value) is cst.Name and expr.value.value in params \
            and (expr.value.value, expr.attr.value) not in fixed:
        return (params[expr.value.value], expr.attr.value)
    return None


def _string(expr: cst.BaseExpression) -> str | None:
    if type(expr) is cst.SimpleString:
        try:
            value = string_value(expr)
        except Exception:  # noqa: BLE001  (an odd prefix: nothing is known)
            return None
        return value if isinstance(value, str) else None
    return None


def _test_atoms(
    test: cst.BaseExpression, outcome: bool, params: dict[str, int], scope: int, flags: frozenset[str],
    assigned: frozenset[tuple[str, str]] = frozenset(),
) -> set[GuardAtom]:
    """What a test coming out ``outcome`` says of the parameters (only what it surely says).
    Truth is taken only of ``flags`` (parameters with a literal default, ``cost_only=False``): a
    list's truth changes when it is filled, ``None``-ness only when it is rebound."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        return _test_atoms(test.expression, not outcome, params, scope, flags, assigned)
    if type(test) is cst.BooleanOperation:
        both = (type(test.operator) is cst.And) == outcome  # `a and b` true, `a or b` false
        if both:
            return _test_atoms(test.left, outcome, params, scope, flags, assigned) | _test_atoms(
                test.right, outcome, params, scope, flags, assigned
            )
        return set()
    if type(test) is cst.Call and type(test.func) is cst.Name and test.func.value == "isinstance" \
            and len(test.args) == 2:
        subject = _subject(test.args[0].value, params, assigned)
        if subject is None:
            return set()
        kind = " ".join(_CODE.code_for_node(test.args[1].value).split())
        return {(scope, subject, ("isa:" if outcome else "not:") + kind)}  # type: ignore[arg-type]
    if type(test) is cst.Name and test.value in params and test.value in flags:
        return {(scope, params[test.value], "truthy" if outcome else "falsy")}
    if type(test) is cst.Comparison and len(test.comparisons) == 1:
        left, comp = test.left, test.comparisons[0]
        right = comp.comparator
        if type(left) is cst.Name and left.value == "None":
            left, right = right, left
        if type(left) is cst.Name and left.value in params and type(right) is cst.Name \
                and right.value == "None" and type(comp.operator) in (cst.Is, cst.IsNot):
            state = "none" if type(comp.operator) is cst.Is else "notnone"
            return {(scope, params[left.value], state if outcome else _OPPOSITE[state])}
        if type(comp.operator) in (cst.Equal, cst.NotEqual):
            if _string(left) is not None:
                left, right = right, left
            text, subject = _string(right), _subject(left, params, assigned)
            if text is not None and subject is not None:
                equal = (type(comp.operator) is cst.Equal) == outcome
                return {(scope, subject, ("eq:" if equal else "ne:") + repr(text))}  # type: ignore[arg-type]
    return set()


def _assigned_attrs(scope: Scope, params: Subjects) -> frozenset[tuple[str, str]]:
    """``(name, attr)`` for every ``name.attr = ...`` (or ``+=``, ``del``) the function makes on a
    parameter, nested functions included (what :mod:`.scopes` noted of each body)."""
    out: set[tuple[str, str]] = set()
    todo = [scope]
    while todo:
        s = todo.pop()
        out.update(t for t in s.attr_targets if t[0] in params)
        todo.extend(s.children)
    return frozenset(out)


def _flag_params(scope: Scope) -> frozenset[str]:
    """Parameters whose default is a literal (``True``, ``None``, ``0``, ``"auto"``)."""
    node = scope.node
    if type(node) not in (cst.FunctionDef, cst.Lambda):
        return frozenset()
    ps = node.params
    return frozenset(
        p.name.value for p in [*ps.posonly_params, *ps.params, *ps.kwonly_params]
        if p.default is not None and literal_states(p.default) is not None
    )


def _subjects(scope: Scope) -> tuple[Subjects, frozenset[str], frozenset[tuple[str, str]]]:
    """What the tests of a scope can speak of, for :func:`block_guards` and :func:`block_paths`:
    the parameters it never rebinds, those with a literal default (flags), and the attributes of
    parameters it assigns (which are therefore no subjects)."""
    params = {p.name: p.index for p in scope.params if p.name not in scope.assigned}
    if not params:
        return params, frozenset(), frozenset()
    return params, _flag_params(scope), _assigned_attrs(scope, params)


def block_guards(scope: Scope) -> dict[int, Guard]:
    """The guard of every reachable block of the scope's CFG (computed once per scope)."""
    cached = scope.guards
    if cached is not None:
        return cached  # type: ignore[return-value]
    cfg = scope.cfg
    params, flags, assigned = _subjects(scope)
    out: dict[int, Guard] = {}
    if params and cfg.assume:
        order = cfg.order()
        reachable = set(order)
        own = {
            b: frozenset(_test_atoms(test, outcome, params, scope.index, flags, assigned))
            for b, (test, outcome) in cfg.assume.items()
        }
        readers = _readers(cfg, order)
        dirty = set(order)  # blocks whose predecessors changed since they were last computed
        changed = True
        while changed:  # greatest fixpoint: start from "everything" (absent) and shrink
            changed = False
            for b in order:
                if b not in dirty:
                    continue  # it would compute what it did
                dirty.discard(b)
                preds = [p for p in cfg.blocks[b].preds if p in reachable]
                if b == cfg.entry or not preds:
                    incoming: Guard = NO_GUARD
                else:
                    known = [out[p] for p in preds if p in out]
                    if not known:
                        continue
                    # an unvisited block is "anything"; one predecessor's guard is kept as it is
                    # (a frozenset's intersection with nothing else would be a copy)
                    incoming = known[0] if len(known) == 1 else frozenset.intersection(*known)
                guard = (incoming | own[b] if b in own else incoming) or NO_GUARD  # the empty one shared
                if out.get(b) != guard:
                    out[b] = guard
                    dirty.update(readers[b])
                    changed = True
    scope.guards = out
    return out


def _readers(cfg: CFG, order: list[int]) -> dict[int, list[int]]:
    """For each reachable block (``order``), the reachable blocks that list it among their
    predecessors: those that read what it computes. The fixpoints here compute a block again
    only when one it reads has changed since it was last computed, which gives the values that
    computing every block in every round gives, in half the work or less."""
    out: dict[int, list[int]] = {b: [] for b in order}
    for b in order:
        for p in cfg.blocks[b].preds:
            if p in out:
                out[p].append(b)
    return out


# --- constants a call passes ------------------------------------------------------------------------
@dataclass(frozen=True)
class CallConsts:
    """The literal arguments of a call (position or keyword -> states), what else it passes, and
    whether it has no ``*args``/``**kwargs`` (then a parameter it leaves out has its default)."""

    literals: tuple[tuple[object, frozenset[str]], ...] = ()
    keywords: tuple[str, ...] = ()
    positional: int = 0
    complete: bool = False


NO_CONSTS = CallConsts()


def call_consts(call: cst.Call) -> CallConsts:
    literals: list[tuple[object, frozenset[str]]] = []
    keywords: list[str] = []
    pos = 0
    complete = True
    for a in call.args:
        if a.star:
            complete = False
            if a.star == "*":
                break  # later positions are unknown
            continue
        key: object
        if a.keyword is not None:
            key = a.keyword.value
            keywords.append(a.keyword.value)
        else:
            key = pos
            pos += 1
        states = literal_states(a.value)
        if states is not None:
            literals.append((key, states))
    return CallConsts(tuple(literals), tuple(keywords), pos, complete)


def bind_consts(fn: Scope, consts: CallConsts, shift: int = 0, defaults: bool = True) -> dict[int, frozenset[str]]:
    """The states of ``fn``'s parameters that a call with these constants fixes; ``shift``
    positional arguments come in front (a bound instance, ``functools.partial``'s), and without
    ``defaults`` a parameter the call leaves out is unknown (``partial`` may have bound it)."""
    positional = fn.positional_params()
    out: dict[int, frozenset[str]] = {}
    for key, states in consts.literals:
        if isinstance(key, int):
            i = key + shift
            p = positional[i] if i < len(positional) else None
        else:
            p = fn.param_named(str(key))
        if p is not None:
            out[p.index] = states
    if defaults and type(fn.node) is cst.FunctionDef:
        ps = fn.node.params
        every = [*ps.posonly_params, *ps.params, *ps.kwonly_params]
        for p, node in zip(fn.params, every, strict=False):
            if node.default is None or p.index in out:
                continue
            passed = p.name in consts.keywords or p.positional and positional.index(p) < consts.positional + shift
            if passed or not consts.complete:
                if _is_bool(node.default):
                    out[p.index] = frozenset({UNSEEN_SWITCH})
                continue
            states = literal_states(node.default)
            if states is not None:
                out[p.index] = states
    return out


def _is_bool(expr: cst.BaseExpression) -> bool:
    return type(expr) is cst.Name and expr.value in ("True", "False")


def admits(guard: Guard, scope: int, values: dict[int, frozenset[str]]) -> bool:
    """Whether a statement under ``guard`` can run in a call that fixes ``values``."""
    for s, k, state in guard:
        if s == scope and k in values and not fits(values[k], state):
            return False
    return True


# --- isinstance narrowing ------------------------------------------------------------------------------
def _checked_names(test: cst.BaseExpression) -> set[str]:
    """Names a true ``isinstance(name, ...)`` test (or a conjunction of them) has checked."""
    if type(test) is cst.BooleanOperation and type(test.operator) is cst.And:
        return _checked_names(test.left) | _checked_names(test.right)
    if type(test) is cst.Call and type(test.func) is cst.Name and test.func.value == "isinstance" \
            and len(test.args) == 2 and type(test.args[0].value) is cst.Name:
        return {test.args[0].value.value}
    return set()


def _bound_in(instrs: list[tuple[str, cst.CSTNode]]) -> set[str]:
    from .cfg import DEF, FOR_BIND, NAME_BIND, SMALL, WITH_BIND
    from .scopes import target_names

    out: set[str] = set()
    for kind, node in instrs:
        if kind == SMALL:
            if type(node) is cst.Assign:
                for t in node.targets:
                    out.update(target_names(t.target))
            elif type(node) in (cst.AnnAssign, cst.AugAssign):
                out.update(target_names(node.target))
            elif type(node) is cst.Del:
                out.update(target_names(node.target))
            elif type(node) in (cst.Import, cst.ImportFrom):
                return {"*"}  # (rare here) forget everything
        elif kind == FOR_BIND:
            out.update(target_names(node.target))  # type: ignore[attr-defined]
        elif kind == WITH_BIND:
            out.update(target_names(node.asname.name))  # type: ignore[attr-defined]
        elif kind == NAME_BIND:
            out.add(node.value)  # type: ignore[attr-defined]
        elif kind == DEF:
            out.add(node.name.value)  # type: ignore[attr-defined]
    return out


def narrowed(scope: Scope) -> dict[int, frozenset[str]]:
    """Per block, the names an enclosing ``if isinstance(name, ...)`` has checked on every path
    and that the block does not rebind (a block that rebinds a name forgets it, even before)."""
    cached = scope.narrowed
    if cached is not None:
        return cached  # type: ignore[return-value]
    cfg = scope.cfg
    own = {b: frozenset(_checked_names(test)) for b, (test, outcome) in cfg.assume.items() if outcome}
    own = {b: n for b, n in own.items() if n}
    out: dict[int, frozenset[str]] = {}
    if own:
        order = cfg.order()
        reachable = set(order)
        kills = {b: _bound_in(cfg.blocks[b].instrs) for b in order}
        changed = True
        while changed:
            changed = False
            for b in order:
                preds = [p for p in cfg.blocks[b].preds if p in reachable]
                if b == cfg.entry or not preds:
                    incoming: frozenset[str] = frozenset()
                else:
                    known = [out[p] for p in preds if p in out]
                    if not known:
                        continue
                    incoming = frozenset.intersection(*known)
                facts = incoming | own.get(b, frozenset())
                facts = frozenset() if "*" in kills[b] else facts - kills[b]
                if out.get(b) != facts:
                    out[b] = facts
                    changed = True
    scope.narrowed = out
    return out


# --- paths: the guard of each way into a block ------------------------------------------------------
Paths = tuple[Guard, ...]
MAX_PATHS = 8  # more ways into a block than this: keep only what all of them share


def _test_paths(
    test: cst.BaseExpression, outcome: bool, params: Subjects, scope: int, flags: frozenset[str],
    assigned: frozenset[tuple[str, str]],
) -> list[Guard]:
    """What a test coming out ``outcome`` says, as alternatives (one of them holds): a false
    ``a and b`` says that ``a`` is false or that ``b`` is."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        return _test_paths(test.expression, not outcome, params, scope, flags, assigned)
    if type(test) is cst.BooleanOperation:
        left = _test_paths(test.left, outcome, params, scope, flags, assigned)
        right = _test_paths(test.right, outcome, params, scope, flags, assigned)
        if (type(test.operator) is cst.And) == outcome:  # both hold
            both = [a | b for a in left for b in right if consistent(a | b)]
            return list(_bounded(both)) if both else [NO_GUARD]
        return list(_bounded(left + right))  # one of them holds
    return [frozenset(_test_atoms(test, outcome, params, scope, flags, assigned))]


def _complementary(a: str, b: str) -> bool:
    """Whether every value is in exactly one of the two states."""
    if _OPPOSITE.get(a) == b:
        return True
    pair = {a[:4], b[:4]}
    return a[4:] == b[4:] and (pair == {"isa:", "not:"}) or a[3:] == b[3:] and {a[:3], b[:3]} == {"eq:", "ne:"}


def _merged(paths: set[Guard]) -> set[Guard]:
    """Two ways that differ only in one test's outcome (``m == "a"`` and ``m != "a"``) are one way
    that knows nothing of that test."""
    changed = True
    while changed:
        changed = False
        for p in list(paths):
            for q in list(paths):
                d = p ^ q
                if len(d) == 2:
                    (s1, k1, a), (s2, k2, b) = sorted(d, key=repr)
                    if (s1, k1) == (s2, k2) and _complementary(a, b):
                        paths -= {p, q}
                        paths.add(p & q)
                        changed = True
                        break
            if changed:
                break
    return paths


def _normal(paths: list[Guard]) -> list[Guard]:
    """Without duplicates and without a path that asks more than another one (it adds nothing)."""
    uniq = sorted(_merged(set(paths)), key=len)
    out: list[Guard] = []
    for p in uniq:
        if not any(q <= p for q in out):
            out.append(p)
    return out


def _bounded(paths: list[Guard]) -> Paths:
    paths = _normal(paths)
    if len(paths) > MAX_PATHS:
        return (frozenset.intersection(*paths),)
    return tuple(sorted(paths, key=lambda g: (len(g), sorted(map(repr, g)))))


def block_paths(scope: Scope) -> dict[int, Paths]:
    """For each reachable block, the guards of the ways into it: one of them holds whenever the
    block runs. A block after ``if m == "a": (if k == "b": raise)`` is reached with ``m == "a"``
    and ``k != "b"``, or with ``m != "a"``; the guard of :func:`block_guards` keeps only what
    every way shares. Only blocks whose ways say more than that guard are listed."""
    cached = scope.paths
    if cached is not None:
        return cached  # type: ignore[return-value]
    cfg = scope.cfg
    params, flags, assigned = _subjects(scope)
    out: dict[int, Paths] = {}
    result: dict[int, Paths] = {}
    if params and cfg.assume:
        order = cfg.order()
        own = {
            b: _test_paths(test, outcome, params, scope.index, flags, assigned)
            for b, (test, outcome) in cfg.assume.items()
        }
        readers = _readers(cfg, order)
        dirty = set(order)  # blocks whose predecessors changed since they were last computed
        changed, rounds = True, 0
        while changed and rounds < 2 * len(order) + 4:  # a join that collapses may keep changing
            changed, rounds = False, rounds + 1
            for b in order:
                if b not in dirty:
                    continue  # it would compute what it did
                dirty.discard(b)
                if b == cfg.entry:
                    incoming: list[Guard] = [NO_GUARD]
                else:
                    incoming = [g for p in cfg.blocks[b].preds if p in out for g in out[p]]
                    if not incoming:
                        continue
                if b in own:
                    incoming = [g | t for g in incoming for t in own[b] if consistent(g | t)]
                    if not incoming:
                        incoming = [NO_GUARD]  # the tests contradict each other: assume nothing
                paths = _bounded(incoming)
                if out.get(b) != paths:
                    out[b] = paths
                    dirty.update(readers[b])
                    changed = True
        if not changed:
            guards = block_guards(scope)
            result = {b: p for b, p in out.items() if len(p) > 1 or p[0] != guards.get(b, NO_GUARD)}
    scope.paths = result
    return result


def feasible(*alternatives: Paths) -> bool:
    """Whether one way into each of the statements is consistent with one way into each other."""
    if all(len(paths) == 1 for paths in alternatives):
        return consistent(frozenset().union(*(paths[0] for paths in alternatives)))
    partial: list[Guard] = [NO_GUARD]
    for paths in alternatives:
        partial = _normal([p | g for p in partial for g in paths if consistent(p | g)])
        if not partial:
            return False
        if len(partial) > 4 * MAX_PATHS:
            return True  # too many to follow: assume they can
    return True
