"""Which stale reads are snapshot bugs (ALI003), appended aliases (ALI004) or slice views taken for
copies (ALI005), and which are aliases the code means to keep.

The flow analysis (:mod:`.flow`) finds every value read after an in-place write to the object it
refers to. Many of those are intended: a view kept as a window into a buffer, a local shortcut for
``self.data``. A finding here needs, besides the stale read, something in the code that shows the
value was meant to keep the old contents:

- a name that says so: ``x_old``, ``prev``, ``best``, ``x0``, ``backup``, ``orig``, ``saved``, ...;
- the read puts the value beside the array as it is now (``norm(x - x_old)``, ``allclose(a, b)``),
  or writes it back into that array (a swap through ``tmp``);
- ``x = x_new`` (a double buffer whose halves are the same array);
- ``b = a[:]``, the list idiom for a copy;
- for containers, the same object held twice (every entry is the last state).

The code then follows from what was stored: the array itself or an integer-indexed row kept as a
state snapshot (``x_old = x``, ``best = swarm[k]``) is ALI003; basic slicing (``a[1:]``,
``a[:, j]``), or a row kept as a temporary, is ALI005, as is a write through such a view that
changes the array it came from; an element of a list or dict is ALI004.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .flow import FlowFinding, Origin
from .literals import string_value
from .summaries import ModuleResult

# Words that name a value kept from before (any part of the name, or its end: `xold`, `gbest`).
_STATE_WORDS = ("old", "prev", "previous", "last", "best", "init", "initial", "start", "first")
_COPY_WORDS = ("backup", "bak", "orig", "original", "saved", "save", "snapshot", "snap", "before", "copy", "cpy",
               "keep", "kept", "stored")
_TEMP_WORDS = ("tmp", "temp")
_NEW_WORDS = ("new", "next", "upd", "updated")
_ZERO_SUFFIX = re.compile(r"^[a-z]{1,6}_?0$")
_SPLIT = re.compile(r"[_\d]+|(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class Candidate:
    code: str  # "ALI003", "ALI004" or "ALI005"
    site: cst.CSTNode  # where the finding is reported
    value: cst.BaseExpression  # what the fix copies
    store: Origin  # the store that made the alias
    name: str  # the snapshot, container or view as written (`x_old`, `self.best`, `hist`)
    finding: FlowFinding  # the witness: its write and its stale read
    through_view: bool = False  # ALI005: the write went through the view, the array was read


def words(name: str) -> list[str]:
    return [w.lower() for w in _SPLIT.split(name) if w]


def _has_word(name: str, vocabulary: tuple[str, ...], glued: bool = True) -> bool:
    parts = words(name)
    if any(p in vocabulary for p in parts):
        return True
    # `xold`, `gbest`, `oldx`: a short stem glued to the word
    return glued and any(
        p != w and len(p) - len(w) <= 2 and (p.endswith(w) or p.startswith(w)) for p in parts for w in vocabulary
        if len(w) >= 3
    )


def state_name(name: str) -> bool:
    return _has_word(name, _STATE_WORDS) or bool(_ZERO_SUFFIX.match(name.lower()))


def copy_name(name: str) -> bool:
    return _has_word(name, _COPY_WORDS) or state_name(name)


def temp_name(name: str) -> bool:
    return _has_word(name, _TEMP_WORDS, glued=False)


def newer_name(source: str, target: str) -> bool:
    """``x = x_new`` (``xnew``, ``new_x``, ``x_next``): the source is the next version of the target."""
    src = words(source)
    rest = [w for w in src if w not in _NEW_WORDS]
    if len(rest) == len(src):
        low = source.lower()
        for w in _NEW_WORDS:
            if low.endswith(w) and low[: -len(w)].rstrip("_") == target.lower():
                return True
            if low.startswith(w) and low[len(w):].lstrip("_") == target.lower():
                return True
        return False
    return "".join(rest) == "".join(words(target))


def _target(store: cst.CSTNode, value: cst.BaseExpression) -> cst.BaseExpression | None:
    """What an assignment binds ``value`` to (``x_old`` in ``x_old = x``)."""
    if type(store) is cst.Assign:
        if len(store.targets) == 1 and type(store.targets[0].target) in (cst.Tuple, cst.List) \
                and type(store.value) in (cst.Tuple, cst.List):
            for t, v in zip(store.targets[0].target.elements, store.value.elements, strict=False):
                if v.value is value:
                    return t.value
            return None
        return store.targets[-1].target
    if type(store) is cst.AnnAssign:
        return store.target
    return None


def _target_name(store: cst.CSTNode, value: cst.BaseExpression) -> str | None:
    target = _target(store, value)
    return None if target is None else _written(target)


def _shown(store: cst.CSTNode, value: cst.BaseExpression, name: str) -> str:
    """The snapshot as the code spells it: ``x_old``, ``self.best``, ``state["x_prev"]``."""
    target = _target(store, value)
    if target is None:
        return f'"{name}"' if type(store) is cst.Dict and name else name
    return " ".join(_EMPTY.code_for_node(target).split())


_EMPTY = cst.Module([])


def _written(target: cst.BaseExpression) -> str | None:
    if type(target) is cst.Name:
        return target.value
    if type(target) is cst.Attribute:
        return target.attr.value
    if type(target) is cst.Subscript and len(target.slice) == 1 and type(target.slice[0].slice) is cst.Index:
        key = target.slice[0].slice.value
        if type(key) is cst.SimpleString:
            return str(string_value(key))
    return None


def _held_name(f: FlowFinding) -> str | None:
    """The snapshot's own name, as the read spells it."""
    read = f.read
    if type(read) is cst.Name:
        return read.value
    if type(read) is cst.Attribute:
        return read.attr.value
    return _written(read) if type(read) is cst.Subscript else None


# --- regions: a write into one row does not change a view of another ----------------------------
def _int(expr: cst.BaseExpression | None) -> int | None:
    if type(expr) is cst.Integer:
        return int(expr.value, 0) if expr.value.isdigit() else None
    return None


def _span(el: cst.SubscriptElement) -> tuple[int, int] | None:
    """A literal, non-negative range of one axis (``2`` is [2, 3), ``1:4`` is [1, 4))."""
    s = el.slice
    if type(s) is cst.Index:
        i = _int(s.value)
        return None if i is None else (i, i + 1)
    if s.step is not None:
        return None
    lo = 0 if s.lower is None else _int(s.lower)
    hi = _int(s.upper) if s.upper is not None else None
    if lo is None or (s.upper is not None and hi is None):
        return None
    return (lo, hi if hi is not None else 1 << 62)


def _offset(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    """``i`` and ``i - 1`` (or ``i + 2``): the same index moved by a non-zero literal."""
    for x, y in ((a, b), (b, a)):
        if type(y) is cst.BinaryOperation and type(y.operator) in (cst.Add, cst.Subtract) \
                and y.left.deep_equals(x) and _int(y.right) not in (None, 0):
            return True
    return False


def _axis_disjoint(a: cst.SubscriptElement, b: cst.SubscriptElement) -> bool:
    sa, sb = _span(a), _span(b)
    if sa is not None and sb is not None:
        return sa[1] <= sb[0] or sb[1] <= sa[0]
    x, y = a.slice, b.slice
    if type(x) is cst.Index and type(y) is cst.Index and _offset(x.value, y.value):
        return True
    if type(x) is cst.Slice and type(y) is cst.Slice and x.step is None and y.step is None:
        # `[:n]` and `[n:]`: one ends where the other starts
        if x.upper is not None and y.lower is not None and x.lower is None and y.upper is None:
            return x.upper.deep_equals(y.lower)
        if y.upper is not None and x.lower is not None and y.lower is None and x.upper is None:
            return y.upper.deep_equals(x.lower)
    return False


def disjoint(view: cst.BaseExpression, write: cst.CSTNode) -> bool:
    """Whether the code shows that a write into ``write`` cannot touch the view ``view``."""
    if not (type(view) is cst.Subscript and type(write) is cst.Subscript):
        return False
    if not view.value.deep_equals(write.value):
        return False
    return any(_axis_disjoint(a, b) for a, b in zip(view.slice, write.slice, strict=False))


# --- the classification -----------------------------------------------------------------------------
def _shape(value: cst.BaseExpression) -> str:
    """``whole`` (the array itself), ``slice`` (basic slicing), or ``row`` (an integer index)."""
    if type(value) is not cst.Subscript:
        return "whole"
    if any(type(el.slice) is cst.Slice for el in value.slice):
        return "slice"
    return "row"


def _full_slice(value: cst.BaseExpression) -> bool:
    return type(value) is cst.Subscript and all(
        type(el.slice) is cst.Slice and el.slice.lower is None and el.slice.upper is None and el.slice.step is None
        for el in value.slice
    )


def _is_param_origin(origin: Origin) -> bool:
    return type(origin[0]) in (cst.FunctionDef, cst.Lambda)


def _makes(f: FlowFinding, origin: Origin) -> bool:
    """Whether the store created the stale object (``x = np.zeros(3)``) rather than aliasing one."""
    obj = f.obj
    return obj is not None and obj[0] == "alloc" and obj[2] is origin[1]


def _asks_for_buffer(value: cst.BaseExpression) -> bool:
    """``res = np.dot(a, b, out=buf)``: the code asked for the buffer itself."""
    return type(value) is cst.Call and any(a.keyword is not None and a.keyword.value == "out" for a in value.args)


def _snapshot(f: FlowFinding) -> Candidate | None:
    """The stale value is the snapshot itself: ``x_old = x``, then ``x`` changes, then ``x_old``."""
    store, value = f.origin
    if _is_param_origin(f.origin) or _makes(f, f.origin) or _apart(value, f) or _asks_for_buffer(value):
        return None
    name = (_target_name(store, value) if f.holder == "name" else _written_at(store, value)) or _held_name(f) or ""
    shape = _shape(value)
    compared, writeback = "compared" in f.signals, "writeback" in f.signals
    shown = _shown(store, value, name)
    if "swap" in f.signals:
        return Candidate("ALI005", value, value, f.origin, shown, f)
    if compared and _twin(value, f):
        compared = False  # `a = x.T; b = x.T`: made alike to be one memory, not one kept from before
    if shape == "whole":
        source = value.value if type(value) is cst.Name else None
        if copy_name(name) or compared or (source is not None and newer_name(source, name)):
            return Candidate("ALI003", store, value, f.origin, shown, f)
        return None
    if shape == "row" and state_name(name):
        return Candidate("ALI003", store, value, f.origin, shown, f)
    if _full_slice(value) or copy_name(name) or temp_name(name) or compared or writeback:
        return Candidate("ALI005", value, value, f.origin, shown, f)
    return None


def _twin(value: cst.BaseExpression, f: FlowFinding) -> bool:
    """The write went through another name made by the very same expression (``a = x.T`` beside
    ``b = x.T``): two handles on one memory, which the code reads side by side on purpose."""
    link = f.link
    return link is not None and link != f.origin and type(value) is not cst.Name and link[1].deep_equals(value)


def _written_at(store: cst.CSTNode, value: cst.BaseExpression) -> str | None:
    """The attribute or key a field store writes (``best`` in ``self.best = x``)."""
    if type(store) is cst.Dict:
        for el in store.elements:
            if type(el) is cst.DictElement and el.value is value and type(el.key) is cst.SimpleString:
                return str(string_value(el.key))
        return None
    if type(store) in (cst.Assign, cst.AnnAssign):
        return _target_name(store, value)
    return None


def _apart(value: cst.BaseExpression, f: FlowFinding) -> bool:
    """The write cannot touch the stale value, or the code does not show that it does: a write
    into another part of the array, directly or through another view (``coef = coefs[n]`` beside
    ``prev = coefs[n - 1]``), or two views of one array whose overlap is unknown."""
    if disjoint(value, f.mutation):
        return True
    if f.link is not None and disjoint(value, f.link[1]):
        return True
    return "partial" in f.signals and not (f.link is not None and f.link[1].deep_equals(value))


def _through_view(f: FlowFinding) -> Candidate | None:
    """The write went through a view believed to be a copy: ``b = a[:]; b[0] = 1``, then ``a``."""
    link = f.link
    if link is None or link == f.origin or _is_param_origin(link) or f.holder != "name" or "partial" in f.signals:
        return None  # (two views of one array: whether they overlap is unknown)
    store, value = link
    if _shape(value) == "whole" or _makes(f, link):
        return None
    name = _target_name(store, value) or ""
    read = f.read.value if type(f.read) is cst.Name else None
    if read == name:
        return None
    # writing into a view named `prev` is how code steps a window forward; into a "copy" it is not
    if _full_slice(value) or _has_word(name, _COPY_WORDS) or "compared" in f.signals:
        return Candidate("ALI005", value, value, link, _shown(store, value, name), f, through_view=True)
    return None


def classify(result: ModuleResult) -> dict[tuple[str, cst.CSTNode], list[Candidate]]:
    """Every snapshot, appended-alias and slice-view finding of the module, grouped by the site
    it is reported at (the rule picks the clearest witness among them)."""
    out: dict[tuple[str, cst.CSTNode], list[Candidate]] = {}
    for f in result.findings:
        if f.how != "inplace" or "store" in f.signals:
            continue  # a buffer overwritten by a call (ALI001), or a stale value only written into
        value = f.origin[1]
        if type(value) is cst.Call and (f.evidence or result.call_evidence.get(value)):
            continue  # ALI001: a call result that aliases
        if f.holder == "elems":
            # an element of a literal (`ys = [y]`, `traj += [x]`) is reported where it is written
            site = value if type(f.origin[0]) in (cst.List, cst.Dict) else f.origin[0]
            cand: Candidate | None = Candidate("ALI004", site, value, f.origin, _held_name(f) or "", f)
        else:
            cand = _snapshot(f) or _through_view(f)
        if cand is not None:
            out.setdefault((cand.code, cand.site), []).append(cand)
    return out
