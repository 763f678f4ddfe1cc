"""The flow-sensitive alias analysis of one scope (a function body, a lambda, or module code).

A worklist fixpoint over the scope's CFG tracks, for every local name, which abstract objects it
refers to (:mod:`.values`), where it was stored, and whether an in-place write to one of those
objects has happened since the store. Reading such a *stale* name is a finding: manifest when its
condition is empty, latent (kept in the scope's summary) when it depends on what the caller passes.
Calls to functions of the module apply their summaries (:mod:`.summaries`), which is how a call
site settles a helper's latent findings.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Union

import libcst as cst

from . import numpy_model as npm
from .cfg import DEF, EVAL, FOR_BIND, NAME_BIND, RETURN_EXPR, SMALL, WITH_BIND
from .scopes import ClassInfo, Scope, dotted_name, target_names
from .walk import children
from .values import (
    EMPTY,
    MUTABLE_KINDS,
    NO_COND,
    Cond,
    Kind,
    Obj,
    Ref,
    Refs,
    Rel,
    alloc,
    attr,
    is_callable_obj,
    param,
    root,
    with_rel,
)

if TYPE_CHECKING:
    from .summaries import ModuleAnalysis

ArgKey = Union[int, str]
Origin = tuple[cst.CSTNode, cst.BaseExpression]  # (store statement, stored expression)
Fact = tuple[Origin, cst.CSTNode, str, Cond, Obj]  # (origin, mutation site, how, condition, object)
Arg = tuple[Union[str, None], str, Refs]  # (keyword, star, refs)


@dataclass(frozen=True)
class Evidence:
    """Why a call's result aliases: which function returns what, and who passed it."""

    kind: str  # "alias" (returns its argument or a view of it) or "buffer"
    scope: int  # the function that returns the alias
    rel: Rel
    returns: tuple[cst.CSTNode, ...]  # its return expressions that produce the alias
    arg: ArgKey | None  # which argument of the stored call is aliased
    passed_at: cst.Call | None  # the call that passed the function to a helper
    param: str | None  # the helper's parameter that received it
    returned: str | None = None  # the aliasing function's parameter that it returns


@dataclass(frozen=True)
class LatentFinding:
    origin: Origin
    mutation: cst.CSTNode
    how: str
    read: cst.CSTNode
    cond: Cond
    evidence: tuple[Evidence, ...]
    chain: tuple[cst.Call, ...]
    obj: Obj  # the object that went stale, in this function's terms


@dataclass(frozen=True)
class FlowFinding:
    """A stored value read after an in-place write to the object it aliases."""

    origin: Origin
    mutation: cst.CSTNode
    how: str  # "inplace" or "overwrite" (a later call overwrote the buffer)
    read: cst.CSTNode
    evidence: tuple[Evidence, ...]
    chain: tuple[cst.Call, ...]  # call sites, innermost first, that made it manifest
    kind: Kind = Kind.UNKNOWN  # what is known of the aliased object's type (decides fix safety)


class State:
    __slots__ = ("env", "origin", "stale")

    def __init__(
        self,
        env: dict[str, Refs] | None = None,
        origin: dict[str, frozenset[Origin]] | None = None,
        stale: dict[str, frozenset[Fact]] | None = None,
    ) -> None:
        self.env = env if env is not None else {}
        self.origin = origin if origin is not None else {}
        self.stale = stale if stale is not None else {}

    def copy(self) -> "State":
        return State(dict(self.env), dict(self.origin), dict(self.stale))

    def join(self, other: "State") -> bool:
        changed = False
        for mine, theirs in ((self.env, other.env), (self.origin, other.origin), (self.stale, other.stale)):
            for key, value in theirs.items():
                cur = mine.get(key)
                if cur is None:
                    mine[key] = value
                    changed = True
                elif not value <= cur:
                    mine[key] = cur | value
                    changed = True
        return changed


_ARRAY_ANNOTATIONS = ("ndarray", "NDArray")  # not ArrayLike: a list is array-like, and slicing it copies
_MAX_VISITS_PER_BLOCK = 60


def _mentions(expr: cst.CSTNode, names: tuple[str, ...]) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value in names
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in names or _mentions(expr.value, names)
    if isinstance(expr, cst.SimpleString):
        return any(n in expr.value for n in names)
    return any(_mentions(c, names) for c in children(expr))


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _literal_key(expr: cst.BaseExpression) -> object:
    """A dict key or list index written as a literal (``"lin"``, ``0``), else None."""
    if isinstance(expr, cst.SimpleString):
        return expr.evaluated_value
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0) if expr.value.isdigit() or expr.value[:2].lower() in ("0x", "0o", "0b") else None
    return None


def _is_const(expr: cst.BaseExpression | None, value: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == value


class ScopeAnalysis:
    def __init__(self, mod: "ModuleAnalysis", scope: Scope) -> None:
        self.mod = mod
        self.scope = scope
        self.idx = scope.index
        self.returns: set[Ref] = set()
        self.return_sites: set[tuple[Obj, cst.CSTNode]] = set()
        self.mutates: set[tuple[Obj, Cond]] = set()
        self.latent: set[LatentFinding] = set()
        self.findings: set[FlowFinding] = set()
        self.bindings: dict[str, Refs] = {}
        self._shadow: list[set[str]] = []
        self.in_states: dict[int, State] = {}
        self.uncopyable_return = False

    # --- driver -------------------------------------------------------------------------------
    def run(self) -> None:
        """Fixpoint over the CFG. Findings and summary facts are collected on every visit: in-states
        only grow, so whatever a partial state yields, the final state yields too."""
        cfg = self.scope.cfg
        ins: dict[int, State] = {cfg.entry: self._initial_state()}
        order = cfg.order()
        rank = {b: i for i, b in enumerate(order)}
        heap = [rank[cfg.entry]]
        queued = {cfg.entry}
        visits: dict[int, int] = {}
        while heap:
            b = order[heapq.heappop(heap)]
            queued.discard(b)
            visits[b] = visits.get(b, 0) + 1
            if visits[b] > _MAX_VISITS_PER_BLOCK:
                continue  # a safety net; the lattice is finite, so this does not trigger in practice
            st = ins[b].copy()
            self._block(b, st)
            for s in cfg.blocks[b].succs:
                if s not in ins:
                    ins[s] = st.copy()
                elif not ins[s].join(st):
                    continue
                if s not in queued:
                    queued.add(s)
                    heapq.heappush(heap, rank[s])
        self.in_states = ins

    def _initial_state(self) -> State:
        st = State()
        for p in self.scope.params:
            obj = param(self.idx, p.index)
            st.env[p.name] = frozenset({Ref(obj, Rel.SAME, NO_COND)})
            if p.index == 0 and self.scope.is_bound_method and self.scope.cls is not None:
                self.mod.kinds[obj] = Kind.INSTANCE
                self.mod.instance_class[obj] = self.scope.cls
            elif p.annotation is not None and _mentions(p.annotation, _ARRAY_ANNOTATIONS):
                self.mod.kinds[obj] = Kind.ARRAY
        return st

    def _block(self, b: int, st: State) -> None:
        for kind, node in self.scope.cfg.blocks[b].instrs:
            if kind == SMALL:
                self._small(node, st)
            elif kind == EVAL:
                self.eval(node, st)  # type: ignore[arg-type]
            elif kind == FOR_BIND:
                self._bind_for(node, st)  # type: ignore[arg-type]
            elif kind == WITH_BIND:
                self._bind_target(node.asname.name, self._fresh(node, Kind.UNKNOWN), st, None)  # type: ignore[attr-defined]
            elif kind == NAME_BIND:
                self._bind_name(node.value, EMPTY, st, None)  # type: ignore[attr-defined]
            elif kind == DEF:
                self._define(node, st)
            elif kind == RETURN_EXPR:
                self._return(node, st)  # type: ignore[arg-type]

    # --- statements ---------------------------------------------------------------------------
    def _small(self, node: cst.CSTNode, st: State) -> None:
        if isinstance(node, cst.Assign):
            self._assign(node, st)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                refs = self.eval(node.value, st)
                self._bind_target(node.target, refs, st, (node, node.value))
        elif isinstance(node, cst.AugAssign):
            self._aug_assign(node, st)
        elif isinstance(node, cst.Expr):
            self.eval(node.value, st)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self._return(node.value, st)
        elif isinstance(node, cst.Del):
            self._delete(node.target, st)
        elif isinstance(node, (cst.Raise, cst.Assert)):
            self._eval_children(node, st)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    if alias.asname is not None:
                        names = target_names(alias.asname.name)
                    else:
                        names = [(dotted_name(alias.name) or "").split(".")[0]]
                    for n in names:
                        self._bind_name(n, self._imported(n), st, None)

    def _assign(self, node: cst.Assign, st: State) -> None:
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0].target, (cst.Tuple, cst.List))
            and isinstance(node.value, (cst.Tuple, cst.List))
            and len(node.targets[0].target.elements) == len(node.value.elements)
            and not any(isinstance(e, cst.StarredElement) for e in node.value.elements)
            and not any(isinstance(e, cst.StarredElement) for e in node.targets[0].target.elements)
        ):
            values = [(el.value, self.eval(el.value, st)) for el in node.value.elements]
            for el, (expr, refs) in zip(node.targets[0].target.elements, values, strict=True):
                self._bind_target(el.value, refs, st, (node, expr))
            return
        refs = self.eval(node.value, st)
        for t in node.targets:
            self._bind_target(t.target, refs, st, (node, node.value))

    def _aug_assign(self, node: cst.AugAssign, st: State) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            refs = self.eval(target, st)
            self.eval(node.value, st)
            targets: list[tuple[Obj, Cond]] = []
            for r in refs:
                if is_callable_obj(r.obj):
                    continue
                kind = self.mod.kind(r.obj)
                if kind in MUTABLE_KINDS:
                    targets.append((r.obj, r.cond))
                elif kind == Kind.UNKNOWN and r.obj[0] == "param" and r.obj[1] == self.idx:
                    # `x += h` mutates x only if x is an array or list; the caller knows which.
                    targets.append((r.obj, r.cond | {("mutable", self.idx, r.obj[2])}))
            if targets:
                self._mutate(st, targets, target, "inplace", target.value)
            else:
                self._bind_name(target.value, self._fresh(node, Kind.UNKNOWN), st, None)
            return
        self.eval(node.value, st)
        if isinstance(target, cst.Subscript):
            self._store_subscript(target, st)
        else:
            self._eval_children(target, st)

    def _store_subscript(self, target: cst.Subscript, st: State) -> None:
        base = self.eval(target.value, st)
        for el in target.slice:
            self._eval_children(el, st)
        objs = [(r.obj, r.cond) for r in base if not is_callable_obj(r.obj) and self.mod.kind(r.obj) != Kind.IMMUTABLE]
        self._mutate(st, objs, target, "inplace", _root_name(target.value))

    def _bind_target(self, target: cst.CSTNode, refs: Refs, st: State, origin: Origin | None) -> None:
        if isinstance(target, cst.Name):
            self._bind_name(target.value, refs, st, origin)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._bind_target(el.value, EMPTY, st, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, EMPTY, st, None)
        elif isinstance(target, cst.Subscript):
            self._store_subscript(target, st)
        elif isinstance(target, cst.Attribute):
            self.eval(target.value, st)

    def _bind_name(self, name: str, refs: Refs, st: State, origin: Origin | None) -> None:
        st.env[name] = refs
        st.stale.pop(name, None)
        if origin is not None and any(not is_callable_obj(r.obj) for r in refs):
            st.origin[name] = frozenset({origin})
        else:
            st.origin.pop(name, None)
        if refs:
            prev = self.bindings.get(name)
            self.bindings[name] = refs if prev is None else prev | refs

    def _delete(self, target: cst.CSTNode, st: State) -> None:
        if isinstance(target, cst.Name):
            st.env.pop(target.value, None)
            st.origin.pop(target.value, None)
            st.stale.pop(target.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._delete(el.value, st)
        else:
            self._eval_children(target, st)

    def _bind_for(self, node: cst.For, st: State) -> None:
        refs: set[Ref] = set()
        it = node.iter
        if isinstance(it, (cst.List, cst.Tuple, cst.Set)):
            # `for f in (lin, square):` iterates over known callables.
            for el in it.elements:
                if isinstance(el.value, cst.Name):
                    refs.update(r for r in self._name_refs(el.value.value, st) if is_callable_obj(r.obj))
        else:
            if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value == "values" \
                    and not it.args:
                it = it.func.value  # `for f in objectives.values():`
            if isinstance(it, cst.Name):
                refs.update(self._members(self._name_refs(it.value, st)))
        self._bind_target(node.target, frozenset(refs), st, None)

    def _define(self, node: cst.CSTNode, st: State) -> None:
        if isinstance(node, cst.FunctionDef):
            for d in node.decorators:
                self.eval(d.decorator, st)
            scope = self.mod.info.scope_of[node]
            self._eval_defaults(node.params, st, scope)
            if {"property", "cached_property"} & set(scope.decorators):
                self._bind_name(node.name.value, EMPTY, st, None)
            else:
                self._bind_name(node.name.value, frozenset({Ref(("func", scope.index), Rel.SAME, NO_COND)}), st, None)
        elif isinstance(node, cst.ClassDef):
            for d in node.decorators:
                self.eval(d.decorator, st)
            for a in node.bases:
                self.eval(a.value, st)
            info = next(c for c in self.mod.info.classes if c.node is node)
            self._class_attributes(info.index, node, st)
            self._bind_name(node.name.value, frozenset({Ref(("class", info.index), Rel.SAME, NO_COND)}), st, None)

    def _class_attributes(self, index: int, node: cst.ClassDef, st: State) -> None:
        """``objective = lin`` (or ``staticmethod(lin)``) in a class body: callables the class holds."""
        for stmt in node.body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if not (isinstance(small, cst.Assign) and len(small.targets) == 1
                        and isinstance(small.targets[0].target, cst.Name)):
                    continue
                value, static = small.value, False
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and len(value.args) == 1 \
                        and value.func.value == "staticmethod":
                    value, static = value.args[0].value, True
                refs = frozenset(r for r in self.eval(value, st) if r.obj[0] in ("func", "partial"))
                if refs:
                    self.mod.class_attrs[(index, small.targets[0].target.value)] = (refs, static)

    def _class_attr(self, cls: ClassInfo, name: str, self_obj: Obj | None, depth: int = 0) -> Refs:
        """A callable class attribute, looked up along the bases; through an instance a plain
        function becomes a method bound to it (as Python does), a ``staticmethod`` does not."""
        found = self.mod.class_attrs.get((cls.index, name))
        if found is not None:
            refs, static = found
            if self_obj is None or static:
                return refs
            return frozenset(Ref(("bound", r.obj[1], self_obj), r.rel, r.cond) for r in refs if r.obj[0] == "func")
        if depth > 10:
            return EMPTY
        for base in cls.bases:
            for other in self.mod.info.classes:
                if other.name == base and other is not cls:
                    out = self._class_attr(other, name, self_obj, depth + 1)
                    if out:
                        return out
        return EMPTY

    def _eval_defaults(self, params: cst.Parameters, st: State, scope: Scope) -> None:
        """Evaluate defaults where the function is defined; remember the callables among them, so a
        call that leaves ``f=lin`` out passes ``lin``."""
        for p in [*params.posonly_params, *params.params, *params.kwonly_params]:
            if p.default is not None:
                refs = frozenset(r for r in self.eval(p.default, st) if is_callable_obj(r.obj))
                param_ = scope.param_named(p.name.value)
                if refs and param_ is not None:
                    self.mod.defaults[(scope.index, param_.index)] = refs

    def _return(self, expr: cst.BaseExpression, st: State) -> None:
        refs = self.eval(expr, st)
        if not refs or any(not self._visible(r.obj) and self.mod.kind(r.obj) not in MUTABLE_KINDS for r in refs):
            self.uncopyable_return = True  # e.g. a float: `.copy()` on this function's result could raise
        for r in refs:
            if is_callable_obj(r.obj) or self._visible(r.obj):
                self.returns.add(r)
                self.return_sites.add((r.obj, expr))

    # --- the heart: mutation and reads --------------------------------------------------------
    def _visible(self, obj: Obj) -> bool:
        """Whether callers can see this object (it is not created inside this very call)."""
        r = root(obj)
        return not (r[0] == "alloc" and r[1] == self.idx)

    def _mutate(
        self, st: State, targets: Iterable[tuple[Obj, Cond]], site: cst.CSTNode, how: str, via: str | None
    ) -> None:
        tmap: dict[Obj, list[Cond]] = {}
        for obj, cond in targets:
            tmap.setdefault(obj, []).append(cond)
            if self._visible(obj):
                self.mutates.add((obj, cond))
        if not tmap:
            return
        for name, refs in st.env.items():
            if name == via:
                continue
            origins = st.origin.get(name)
            if not origins:
                continue
            new: list[Fact] = []
            for r in refs:
                conds = tmap.get(r.obj)
                if conds:
                    for c in conds:
                        for o in origins:
                            new.append((o, site, how, r.cond | c, r.obj))
            if new:
                cur = st.stale.get(name)
                st.stale[name] = frozenset(new) if cur is None else cur | frozenset(new)

    def _read(self, node: cst.Name, st: State) -> None:
        facts = st.stale.get(node.value)
        if not facts:
            return
        for origin, site, how, cond, obj in facts:
            if not cond:
                self.findings.add(FlowFinding(origin, site, how, node, (), (), self.mod.kind(obj)))
            elif all(atom[1] == self.idx for atom in cond):
                self.latent.add(LatentFinding(origin, site, how, node, cond, (), (), obj))

    # --- expressions --------------------------------------------------------------------------
    def _fresh(self, node: cst.CSTNode, kind: Kind) -> Refs:
        obj = alloc(self.idx, node)
        if kind != Kind.UNKNOWN:
            self.mod.kinds[obj] = kind
        return frozenset({Ref(obj, Rel.SAME, NO_COND)})

    def _eval_children(self, node: cst.CSTNode, st: State) -> None:
        """Evaluate every expression under ``node`` (for its reads), without entering statements."""
        for child in _expression_children(node, self.mod.children):
            if isinstance(child, cst.BaseExpression):
                self.eval(child, st)
            else:
                self._eval_children(child, st)

    def _name_refs(self, name: str, st: State) -> Refs:
        scope = self.scope
        if scope.is_module or name in scope.locals:
            return st.env.get(name, EMPTY)
        p = scope.parent
        while p is not None:
            if p.is_module or name in p.locals:
                return self.mod.scope_bindings(p.index).get(name, EMPTY)
            p = p.parent
        return EMPTY

    def _imported(self, name: str) -> Refs:
        """What an import binds: a function or class of another file of the run, else nothing known."""
        full = self.scope.imports.get(name)
        target = None if full is None else self.mod.imported(self.scope, full)
        return EMPTY if target is None else frozenset({Ref(target, Rel.SAME, NO_COND)})

    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        """``np.linalg.norm`` -> ``numpy.linalg.norm`` when the root name is an import."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        s: Scope | None = self.scope
        while s is not None:
            if head in s.imports:
                full = s.imports[head]
                return f"{full}.{rest}" if rest else full
            if head in s.locals:
                return None
            s = s.parent
        return None

    def eval(self, e: cst.BaseExpression, st: State) -> Refs:
        t = type(e)
        if t is cst.Name:
            name = e.value  # type: ignore[attr-defined]
            if any(name in s for s in self._shadow):
                return EMPTY
            self._read(e, st)  # type: ignore[arg-type]
            return self._name_refs(name, st)
        if t is cst.Attribute:
            return self._eval_attribute(e, st)  # type: ignore[arg-type]
        if t is cst.Subscript:
            return self._eval_subscript(e, st)  # type: ignore[arg-type]
        if t is cst.Call:
            return self._eval_call(e, st)  # type: ignore[arg-type]
        if t is cst.Lambda:
            index = self.mod.info.scope_of[e].index
            self._eval_defaults(e.params, st, self.mod.info.scopes[index])  # type: ignore[attr-defined]
            return frozenset({Ref(("func", index), Rel.SAME, NO_COND)})
        if t is cst.IfExp:
            self.eval(e.test, st)  # type: ignore[attr-defined]
            return self.eval(e.body, st) | self.eval(e.orelse, st)  # type: ignore[attr-defined]
        if t is cst.BooleanOperation:
            return self.eval(e.left, st) | self.eval(e.right, st)  # type: ignore[attr-defined]
        if t is cst.NamedExpr:
            refs = self.eval(e.value, st)  # type: ignore[attr-defined]
            for n in target_names(e.target):  # type: ignore[attr-defined]
                self._bind_name(n, refs, st, None)
            return refs
        if t is cst.BinaryOperation:
            left = self.eval(e.left, st)  # type: ignore[attr-defined]
            right = self.eval(e.right, st)  # type: ignore[attr-defined]
            is_array = any(self.mod.kind(r.obj) == Kind.ARRAY for r in left | right)
            return self._fresh(e, Kind.ARRAY if is_array else Kind.UNKNOWN)
        if t in (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp):
            self._eval_comprehension(e, st)
            return self._fresh(e, Kind.LIST if t is cst.ListComp else Kind.UNKNOWN)
        if t in (cst.List, cst.Tuple, cst.Set, cst.Dict):
            kind = {cst.List: Kind.LIST, cst.Dict: Kind.DICT}.get(t, Kind.IMMUTABLE if t is cst.Tuple else Kind.UNKNOWN)
            return self._container(e, kind, st)
        if t in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis):
            return EMPTY
        self._eval_children(e, st)
        if t in (cst.UnaryOperation, cst.Comparison):
            return self._fresh(e, Kind.UNKNOWN)
        return EMPTY

    def _container(self, e: cst.BaseExpression, kind: Kind, st: State) -> Refs:
        """A literal container; the callables among its elements (dict values) are remembered, so
        that ``objectives["lin"]`` or ``for f in fs`` finds them again."""
        held: dict[object, Refs] = {}
        position: int | None = 0
        for el in e.elements:  # type: ignore[attr-defined]
            key: object = None
            if isinstance(el, cst.DictElement):
                self.eval(el.key, st)
                key = _literal_key(el.key)
            elif isinstance(el, cst.StarredDictElement):
                self.eval(el.value, st)
                continue
            elif isinstance(el, cst.StarredElement):
                position = None  # later positions are unknown
            elif position is not None:
                key, position = position, position + 1
            refs = frozenset(r for r in self.eval(el.value, st) if is_callable_obj(r.obj))
            if refs and not isinstance(el, cst.StarredElement):
                held[key] = held.get(key, EMPTY) | refs
        out = self._fresh(e, kind)
        if held:
            for r in out:
                mine = self.mod.members.setdefault(r.obj, {})
                for key, refs in held.items():
                    mine[key] = mine.get(key, EMPTY) | refs
        return out

    def _members(self, refs: Refs, key: object = None) -> Refs:
        """The callables held by the containers ``refs`` refer to: under a literal ``key`` (a
        string, or an index) when it is known, else all of them."""
        out: set[Ref] = set()
        for r in refs:
            held = self.mod.members.get(r.obj)
            if not held:
                continue
            if key is None:
                for found in held.values():
                    out.update(found)
            else:
                out.update(held.get(key, EMPTY) | held.get(None, EMPTY))
        return frozenset(out)

    def _eval_comprehension(self, e: cst.CSTNode, st: State) -> None:
        comp = e.for_in  # type: ignore[attr-defined]
        self.eval(comp.iter, st)
        bound: set[str] = set()
        c = comp
        while c is not None:
            bound.update(target_names(c.target))
            c = c.inner_for_in
        self._shadow.append(bound)
        try:
            c = comp
            first = True
            while c is not None:
                if not first:
                    self.eval(c.iter, st)
                first = False
                for cond in c.ifs:
                    self.eval(cond.test, st)
                c = c.inner_for_in
            if isinstance(e, cst.DictComp):
                self.eval(e.key, st)
                self.eval(e.value, st)
            else:
                self.eval(e.elt, st)  # type: ignore[attr-defined]
        finally:
            self._shadow.pop()

    def _array_like(self, refs: Refs) -> Refs:
        return frozenset(
            r for r in refs if not is_callable_obj(r.obj) and self.mod.kind(r.obj) in (Kind.ARRAY, Kind.UNKNOWN)
        )

    def _eval_attribute(self, e: cst.Attribute, st: State) -> Refs:
        if self.qualified_name(e) is not None:
            return EMPTY  # a module attribute such as `np.pi`
        return self._attribute_of(self.eval(e.value, st), e.attr.value)

    def _attribute_of(self, base: Refs, name: str) -> Refs:
        if name in npm.VIEW_ATTRIBUTES:
            return with_rel(self._array_like(base), npm.VIEW_ATTRIBUTES[name])
        if name in npm.PLAIN_ATTRIBUTES:
            return EMPTY
        out: set[Ref] = set()
        for r in base:
            obj = r.obj
            cls = self.mod.instance_class.get(obj)
            if cls is None and obj[0] == "class":
                klass = self.mod.info.classes[obj[1]]
                method = self.mod.info.lookup_method(klass, name)
                if method is not None:
                    out.add(Ref(("func", method.index), Rel.SAME, r.cond))
                else:
                    out.update(self._class_attr(klass, name, None))
                continue
            if cls is not None:
                method = self.mod.info.lookup_method(cls, name)
                if method is not None:
                    target: Obj = ("bound", method.index, obj) if method.is_bound_method else ("func", method.index)
                    out.add(Ref(target, Rel.SAME, r.cond))
                    continue
                held = self._class_attr(cls, name, obj)
                if held:
                    out.update(held)
                    continue
            if is_callable_obj(obj) or self.mod.kind(obj) not in (Kind.UNKNOWN, Kind.INSTANCE):
                continue
            a = attr(obj, name)
            if a is not None:
                out.add(Ref(a, Rel.SAME, r.cond))
        return frozenset(out)

    def _eval_subscript(self, e: cst.Subscript, st: State) -> Refs:
        base = self.eval(e.value, st)
        view = False
        fancy = False
        for el in e.slice:
            self._eval_children(el, st)
            s = el.slice
            if isinstance(s, cst.Slice):
                view = True
            elif isinstance(s, cst.Index):
                v = s.value
                if isinstance(v, cst.Ellipsis) or _is_const(v, "None") or self.qualified_name(v) == "numpy.newaxis":
                    view = True
                elif isinstance(v, (cst.List, cst.ListComp, cst.Comparison)) or (
                    isinstance(v, cst.UnaryOperation) and isinstance(v.operator, cst.BitInvert)
                ):
                    fancy = True
        if fancy:
            return self._fresh(e, Kind.ARRAY)
        if not view:  # an element: a callable the container literal held, else no alias
            index = e.slice[0].slice if len(e.slice) == 1 else None
            key = _literal_key(index.value) if isinstance(index, cst.Index) else None
            return self._members(base, key)
        out: set[Ref] = set()
        for r in base:
            kind = self.mod.kind(r.obj)
            if kind == Kind.ARRAY:
                out.add(Ref(r.obj, max(r.rel, Rel.VIEW), r.cond))
            elif kind == Kind.UNKNOWN and r.obj[0] == "param" and r.obj[1] == self.idx:
                # Slicing a list copies; slicing an array gives a view. The caller knows which.
                out.add(Ref(r.obj, max(r.rel, Rel.VIEW), r.cond | {("array", self.idx, r.obj[2])}))
        return frozenset(out)

    # --- calls --------------------------------------------------------------------------------
    def _eval_args(self, call: cst.Call, st: State) -> list[Arg]:
        return [(a.keyword.value if a.keyword else None, a.star, self.eval(a.value, st)) for a in call.args]

    def _eval_call(self, call: cst.Call, st: State) -> Refs:
        func = call.func
        qn = self.qualified_name(func)
        args = self._eval_args(call, st)
        for (kw, _, refs), a in zip(args, call.args, strict=True):
            if kw == "out":
                objs = [(r.obj, r.cond) for r in refs if not is_callable_obj(r.obj)]
                for obj, _ in objs:
                    self.mod.kinds.setdefault(obj, Kind.ARRAY)  # only arrays take `out=`
                self._mutate(st, objs, call, "inplace", _root_name(a.value))
                if not isinstance(func, cst.Name) and qn is None:
                    self.eval(func, st)
                return frozenset(r for r in refs if not is_callable_obj(r.obj))
        if qn is not None:
            target = self.mod.imported(self.scope, qn)
            if target is not None:
                return self._call_ref(Ref(target, Rel.SAME, NO_COND), call, args, st) or self._fresh(call, Kind.UNKNOWN)
            return self._call_qualified(qn, call, args, st)
        if isinstance(func, cst.Attribute):
            return self._call_method(func, call, args, st)
        callee = self.eval(func, st)
        out: set[Ref] = set()
        for r in callee:
            out |= self._call_ref(r, call, args, st)
        return frozenset(out) if out else self._fresh(call, Kind.UNKNOWN)

    def _call_ref(self, r: Ref, call: cst.Call, args: list[Arg], st: State) -> Refs:
        obj = r.obj
        if obj[0] == "func":
            return self._apply(obj[1], args, call, None, st)
        if obj[0] == "bound":
            return self._apply(obj[1], args, call, obj[2], st)
        if obj[0] == "partial":
            return self._apply(obj[1], args, call, obj, st)
        if obj[0] == "class":
            inst = alloc(self.idx, call)
            self.mod.kinds[inst] = Kind.INSTANCE
            self.mod.instance_class[inst] = self.mod.info.classes[obj[1]]
            return frozenset({Ref(inst, Rel.SAME, NO_COND)})
        if obj[0] == "param" and obj[1] == self.idx:
            return self._call_param(obj[2], args, call, st, r.cond)
        cls = self.mod.instance_class.get(obj)
        if cls is not None:
            method = self.mod.info.lookup_method(cls, "__call__")
            if method is not None:
                return self._apply(method.index, args, call, obj, st)
        return EMPTY

    def _call_qualified(self, qn: str, call: cst.Call, args: list[Arg], st: State) -> Refs:
        first = args[0][2] if args and args[0][0] is None and not args[0][1] else EMPTY
        if qn == "functools.partial":
            return self._partial(first, args[1:])
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword}
        if qn in npm.ALIAS_FUNCTIONS:
            rel = npm.ALIAS_FUNCTIONS[qn]
            if "dtype" in keywords:
                rel = max(rel, Rel.MAYBE_VIEW)
            return with_rel(self._array_like(first), rel)
        if qn in npm.ARRAY_COPY_KEYWORD:
            copy = keywords.get("copy")
            if _is_const(copy, "False"):
                return with_rel(self._array_like(first), Rel.SAME)
            if _is_const(copy, "None"):
                return with_rel(self._array_like(first), Rel.MAYBE_VIEW)
            return self._fresh(call, Kind.ARRAY)
        if qn in npm.MUTATING_FUNCTIONS or (qn.startswith("numpy.") and qn.endswith(".at")):
            objs = [(r.obj, r.cond) for r in first if not is_callable_obj(r.obj)]
            self._mutate(st, objs, call, "inplace", _root_name(call.args[0].value) if call.args else None)
            return EMPTY
        if qn in npm.ARRAY_CONSTRUCTORS:
            return self._fresh(call, Kind.ARRAY)
        return self._fresh(call, Kind.UNKNOWN)

    def _partial(self, funcs: Refs, bound: list[Arg]) -> Refs:
        """``functools.partial(f, a, k=v)`` calls ``f`` with ``a`` in front; keywords change nothing
        here. Bound arguments after a ``*args`` cannot be counted, so nothing is known then."""
        if any(star for _, star, _ in bound):
            return EMPTY
        n = sum(1 for kw, _, _ in bound if kw is None)
        out = set()
        for r in funcs:
            if r.obj[0] == "func":
                out.add(r if n == 0 else Ref(("partial", r.obj[1], n), Rel.SAME, r.cond))
        return frozenset(out)

    def _call_method(self, func: cst.Attribute, call: cst.Call, args: list[Arg], st: State) -> Refs:
        owner = self.eval(func.value, st)
        name = func.attr.value
        out: set[Ref] = set()
        for r in self._attribute_of(owner, name):
            if is_callable_obj(r.obj):
                out |= self._call_ref(r, call, args, st)
        # Array (and list) methods act on the object the attribute was taken from.
        if name in npm.VIEW_METHODS:
            out |= with_rel(self._array_like(owner), npm.VIEW_METHODS[name])
        elif name == "astype":
            copy = next((a.value for a in call.args if a.keyword and a.keyword.value == "copy"), None)
            if _is_const(copy, "False"):
                out |= with_rel(self._array_like(owner), Rel.MAYBE_VIEW)
            elif not out:
                return self._fresh(call, Kind.ARRAY)
        elif name in npm.COPY_METHODS and not out:
            return self._fresh(call, Kind.LIST if name == "tolist" else Kind.ARRAY)
        elif name in npm.MUTATING_METHODS or name in npm.LIST_MUTATING_METHODS:
            objs = [
                (r.obj, r.cond)
                for r in owner
                if not is_callable_obj(r.obj)
                and (
                    (name in npm.MUTATING_METHODS and self.mod.kind(r.obj) in (Kind.ARRAY, Kind.UNKNOWN))
                    or (name in npm.LIST_MUTATING_METHODS and self.mod.kind(r.obj) == Kind.LIST)
                )
            ]
            self._mutate(st, objs, call, "inplace", _root_name(func.value))
        elif name == "shuffle" and args and args[0][0] is None:
            objs = [(r.obj, r.cond) for r in args[0][2] if not is_callable_obj(r.obj)]
            self._mutate(st, objs, call, "inplace", _root_name(call.args[0].value))
        return frozenset(out) if out else self._fresh(call, Kind.UNKNOWN)

    def _call_param(self, j: int, args: list[Arg], call: cst.Call, st: State, cond: Cond) -> Refs:
        """Calling an unknown callable parameter: its result may alias its arguments, or be a buffer."""
        out: set[Ref] = set()
        pos = 0
        for kw, star, refs in args:
            if star:
                break
            key: ArgKey = kw if kw is not None else pos
            if kw is None:
                pos += 1
            for r in refs:
                if not is_callable_obj(r.obj):
                    out.add(Ref(r.obj, Rel.MAYBE_VIEW, r.cond | cond | {("aliases", self.idx, j, key)}))
        buf = ("retbuf", self.idx, j)
        bcond = cond | {("buffer", self.idx, j)}
        self._mutate(st, [(buf, bcond)], call, "overwrite", None)
        out.add(Ref(buf, Rel.SAME, bcond))
        return frozenset(out)

    def _apply(self, callee_index: int, args: list[Arg], call: cst.Call, self_obj: Obj | None, st: State) -> Refs:
        """Apply a module function's summary at this call."""
        mod = self.mod
        callee = mod.info.scopes[callee_index]
        summ = mod.summary(callee_index)
        if summ is None:
            return self._fresh(call, Kind.UNKNOWN)
        binding, arg_of = bind_args(callee, args, self_obj)
        for p in callee.params:  # a callable default the call leaves out
            if p.index not in binding and (callee_index, p.index) in mod.defaults:
                binding[p.index] = mod.defaults[(callee_index, p.index)]
        out: set[Ref] = set()
        evidence: list[Evidence] = []
        for r in summ.returns:
            ok, cond, _ = mod.subst_cond(r.cond, callee, binding, self, call)
            if not ok:
                continue
            for o, rel, oc in mod.subst_obj(r.obj, callee, binding, self, call):
                out.add(Ref(o, max(rel, r.rel), cond | oc))
            if r.obj[0] == "param" and r.obj[1] == callee_index and r.obj[2] in arg_of:
                sites = tuple(n for o, n in summ.return_sites if o == r.obj)
                returned = next((p.name for p in callee.params if p.index == r.obj[2]), None)
                evidence.append(Evidence("alias", callee_index, r.rel, sites, arg_of[r.obj[2]], None, None, returned))
        if summ.returns:
            buffer = mod.buffer_evidence(callee, self_obj)
            if buffer is not None:
                evidence.append(buffer)
        if evidence:
            mod.call_evidence.setdefault(call, set()).update(evidence)
        for obj, c in summ.mutates:
            ok, cond, _ = mod.subst_cond(c, callee, binding, self, call)
            if ok:
                targets = [(o, cond | oc) for o, _, oc in mod.subst_obj(obj, callee, binding, self, call)]
                # Writing into an argument through a call is a write through the argument's name.
                r = root(obj)
                via = None
                if r[0] == "param" and r[1] == callee_index and r[2] in arg_of:
                    via = _root_name(_arg_expr(call, arg_of[r[2]]))
                elif r[0] == "param" and r[1] == callee_index and self_obj is not None and isinstance(call.func, cst.Attribute):
                    via = _root_name(call.func.value)
                self._mutate(st, targets, call, "inplace", via)
        for lf in summ.latent:
            ok, cond, ev = mod.subst_cond(lf.cond, callee, binding, self, call)
            if not ok:
                continue
            objs = [o for o, _, _ in mod.subst_obj(lf.obj, callee, binding, self, call)]
            if cond:
                obj = objs[0] if len(objs) == 1 else lf.obj
                self.latent.add(
                    LatentFinding(lf.origin, lf.mutation, lf.how, lf.read, cond, lf.evidence + ev, lf.chain + (call,), obj)
                )
            else:
                kinds = {mod.kind(o) for o in objs} - {Kind.UNKNOWN}
                kind = kinds.pop() if len(kinds) == 1 else Kind.UNKNOWN
                self.findings.add(
                    FlowFinding(lf.origin, lf.mutation, lf.how, lf.read, lf.evidence + ev, lf.chain + (call,), kind)
                )
        return frozenset(out) if out else self._fresh(call, Kind.UNKNOWN)


_LEAVES = (
    cst.BaseSuite, cst.BaseStatement, cst.BaseParenthesizableWhitespace, cst.Comma, cst.BaseBinaryOp,
    cst.BaseUnaryOp, cst.BaseCompOp, cst.BaseBooleanOp, cst.BaseAugOp, cst.AssignEqual, cst.Colon,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment, cst.Dot,
)


def _expression_children(node: cst.CSTNode, cache: dict[cst.CSTNode, tuple[cst.CSTNode, ...]]) -> tuple[cst.CSTNode, ...]:
    """The children worth descending into; LibCST's ``children`` runs a visitor, so common shapes
    are spelled out here and the rest is computed once per node."""
    if isinstance(node, (cst.Arg, cst.Element, cst.StarredElement)):
        return (node.value,)
    if isinstance(node, cst.SubscriptElement):
        return (node.slice,)
    if isinstance(node, cst.Index):
        return (node.value,)
    if isinstance(node, cst.Slice):
        return tuple(x for x in (node.lower, node.upper, node.step) if x is not None)
    if isinstance(node, cst.UnaryOperation):
        return (node.expression,)
    if isinstance(node, cst.Comparison):
        return (node.left, *(c.comparator for c in node.comparisons))
    cached = cache.get(node)
    if cached is None:
        cached = tuple(c for c in children(node) if not isinstance(c, _LEAVES))
        cache[node] = cached
    return cached


def _arg_expr(call: cst.Call, key: ArgKey) -> cst.BaseExpression:
    pos = 0
    for a in call.args:
        if a.keyword is not None:
            if a.keyword.value == key:
                return a.value
        elif not a.star:
            if pos == key:
                return a.value
            pos += 1
    return call.func


def bind_args(callee: Scope, args: list[Arg], self_obj: Obj | None) -> tuple[dict[int, Refs], dict[int, ArgKey]]:
    """Map a call's arguments onto the callee's parameter indexes (and back, for messages)."""
    binding: dict[int, Refs] = {}
    arg_of: dict[int, ArgKey] = {}
    positional = callee.positional_params()
    i = 0
    if self_obj is not None and self_obj[0] == "partial":
        i = int(self_obj[2])  # bound by functools.partial: values unknown here
    elif self_obj is not None and positional:
        binding[positional[0].index] = frozenset({Ref(self_obj, Rel.SAME, NO_COND)})
        i = 1
    pos = 0
    for kw, star, refs in args:
        if star:
            if star == "*":
                i = len(positional)  # later positionals are unknown
            continue
        if kw is None:
            if i < len(positional):
                binding[positional[i].index] = refs
                arg_of[positional[i].index] = pos
            i += 1
            pos += 1
        else:
            p = callee.param_named(kw)
            if p is not None:
                binding[p.index] = refs
                arg_of[p.index] = kw
    return binding, arg_of
