"""The flow-sensitive alias analysis of one scope (a function body, a lambda, or module code).

A worklist fixpoint over the scope's CFG tracks, for every local name, which abstract objects it
refers to (:mod:`.values`), where it was stored, and whether an in-place write to one of those
objects has happened since the store. Reading such a *stale* name is a finding: manifest when its
condition is empty, latent (kept in the scope's summary) when it depends on what the caller passes.
Calls to functions of the module apply their summaries (:mod:`.summaries`), which is how a call
site settles a helper's latent findings.

Besides names, a stored value can live in a slot of the heap (an attribute, a literal dict key, the
elements of a list or dict: :mod:`.heap`); a new object from an allocation that runs again (a loop)
leaves what held the older one alone (recency, :meth:`.heap.HeapMixin._renew`); and stale reads are
turned into findings with what their statement shows of intent (:mod:`.reads`).
"""

from __future__ import annotations

import functools
import heapq
from typing import TYPE_CHECKING, Iterable

import libcst as cst

from . import numpy_model as npm
from .cfg import DEF, EVAL, FOR_BIND, NAME_BIND, RETURN_EXPR, SMALL, WITH_BIND
from .guards import (
    NO_GUARD,
    Guard,
    Paths,
    admits,
    bind_consts,
    block_guards,
    block_paths,
    call_consts,
    consistent,
    feasible,
    narrowed,
)
from .heap import CONTAINER_WRITERS, ELEMENT_METHODS, HeapMixin
from .literals import string_value
from .reads import ReadsMixin
from .scopes import ClassInfo, Scope, dotted_name, target_names
from .shapes import constructor_ndim, is_int_expr, random_ndim, reshape_ndim, shape_facts
from .walk import children, is_expression
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
    older,
    param,
    root,
    with_rel,
)

if TYPE_CHECKING:
    from .summaries import ModuleAnalysis

from .state import (  # noqa: F401  (re-exported: rules and summaries import them from here)
    Arg,
    ArgKey,
    Evidence,
    Fact,
    FlowFinding,
    Key,
    LatentFinding,
    Origin,
    State,
)

_BUILTIN_CONTAINERS = {"list": Kind.LIST, "dict": Kind.DICT}
_CODE_CALLABLES = frozenset({"func", "bound", "partial", "class"})  # callables the code defines
_ARRAY_ANNOTATIONS = ("ndarray", "NDArray")  # not ArrayLike: a list is array-like, and slicing it copies
_MAX_VISITS_PER_BLOCK = 60
_SHARES_MEMORY = ("numpy.may_share_memory", "numpy.shares_memory")
_IS_SPARSE = ("scipy.sparse.issparse", "scipy.sparse.isspmatrix")
_NOT_SPARSE = frozenset({Kind.ARRAY, Kind.LIST, Kind.DICT, Kind.IMMUTABLE, Kind.CALLABLE, Kind.RNG})


def _mentions(expr: cst.CSTNode, names: tuple[str, ...]) -> bool:
    if type(expr) is cst.Name:
        return expr.value in names
    if type(expr) is cst.Attribute:
        return expr.attr.value in names or _mentions(expr.value, names)
    if type(expr) is cst.SimpleString:
        return any(n in expr.value for n in names)
    return any(_mentions(c, names) for c in children(expr))


def _root_name(expr: cst.BaseExpression) -> str | None:
    """The name a write goes through: ``x`` in ``x[i]``, ``x.T[i]``, ``x.reshape(-1)[mask]``."""
    while True:
        if type(expr) in (cst.Attribute, cst.Subscript):
            expr = expr.value
        elif type(expr) is cst.Call and type(expr.func) is cst.Attribute \
                and expr.func.attr.value in npm.VIEW_METHODS:
            expr = expr.func.value  # a view of x is written: x itself is not stale
        else:
            break
    return expr.value if type(expr) is cst.Name else None


def _literal_key(expr: cst.BaseExpression) -> object:
    """A dict key or list index written as a literal (``"lin"``, ``0``), else None."""
    if type(expr) is cst.SimpleString:
        return string_value(expr)
    if type(expr) is cst.Integer:
        return int(expr.value, 0) if expr.value.isdigit() or expr.value[:2].lower() in ("0x", "0o", "0b") else None
    return None


def _is_const(expr: cst.BaseExpression | None, value: str) -> bool:
    return type(expr) is cst.Name and expr.value == value


class ScopeAnalysis(HeapMixin, ReadsMixin):
    def __init__(self, mod: "ModuleAnalysis", scope: Scope) -> None:
        self.mod = mod
        self.scope = scope
        self.idx = scope.index
        # Per instruction: reads of names (for the `compared` signal), stale reads waiting for the
        # end of the instruction, and the objects its subscript stores write into.
        self._reads: list[tuple[Key, Refs, frozenset[Fact] | None, tuple[int, ...]]] = []
        # Comparisons and arithmetic being evaluated (`x - x_old`, `f(x) < f(best)`, `allclose(a, b)`):
        # two reads under one of them are set beside each other.
        self._beside: list[int] = []
        self._beside_of: dict[cst.CSTNode, tuple[int, ...]] = {}
        self._pending: list[tuple[cst.CSTNode, Key, frozenset[Fact], str, bool]] = []
        self._targets: set[Obj] = set()
        self._instr: cst.CSTNode | None = None
        self._st: State | None = None
        self._quiet = 0  # > 0 while a container is evaluated without reading its elements
        self._storing = 0  # > 0 while a value is evaluated only to be written into or measured
        self._held: set[Obj] = set()  # allocations some name or slot has held (see _renew)
        self._has_fields = False
        self._literals: dict[cst.CSTNode, list[tuple[object, cst.BaseExpression, Refs]]] = {}
        self._made: set[Obj] = set()  # allocations made by the current instruction and not yet bound
        self.returns: set[Ref] = set()
        self.return_sites: set[tuple[Obj, cst.CSTNode]] = set()
        self.mutates: set[tuple[Obj, Cond]] = set()
        self.latent: set[LatentFinding] = set()
        self.findings: set[FlowFinding] = set()
        self.bindings: dict[str, Refs] = {}
        self._shadow: list[set[str]] = []
        self.in_states: dict[int, State] = {}
        self.uncopyable_return = False
        # What the `if` tests around the current block say of the parameters (see .guards), and
        # under which guards each returned object is returned and each object written into.
        self._guards: dict[int, Guard] = {}
        self._guard: Guard = NO_GUARD
        self._paths_of: dict[int, Paths] = {}
        self._ways_here: Paths = (NO_GUARD,)  # the ways into the current block (see .guards.block_paths)
        self._block_index = -1
        self.return_guards: set[tuple[Ref, Guard]] = set()
        self.mutate_guards: set[tuple[tuple[Obj, Cond], Guard]] = set()

    # --- driver -------------------------------------------------------------------------------
    def run(self) -> None:
        """Fixpoint over the CFG. Findings and summary facts are collected on every visit: in-states
        only grow, so whatever a partial state yields, the final state yields too."""
        cfg = self.scope.cfg
        self._guards = block_guards(self.scope)
        self._paths_of = block_paths(self.scope)
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
            given = False  # the first successor seen for the first time takes `st` itself
            for s in cfg.blocks[b].succs:
                if s not in ins:
                    ins[s] = st.copy() if given else st
                    given = True
                elif not ins[s].join(st):
                    continue
                if s not in queued:
                    queued.add(s)
                    heapq.heappush(heap, rank[s])
        self.in_states = ins

    def _initial_state(self) -> State:
        st = State()
        names = self.scope.param_nodes()
        for p in self.scope.params:
            obj = param(self.idx, p.index)
            st.env[p.name] = frozenset({Ref(obj, Rel.SAME, NO_COND)})
            if p.name in names:  # so that a write through an alias of a parameter makes it stale
                st.origin[p.name] = frozenset({((self.scope.node, names[p.name]), obj)})
            if p.index == 0 and self.scope.is_bound_method and self.scope.cls is not None:
                self.mod.kinds[obj] = Kind.INSTANCE
                self.mod.instance_class[obj] = self.scope.cls
            elif p.annotation is not None and _mentions(p.annotation, _ARRAY_ANNOTATIONS):
                self.mod.kinds[obj] = Kind.ARRAY
        return st

    def _block(self, b: int, st: State) -> None:
        self._st = st
        self._block_index = b
        self._guard = self._guards.get(b, NO_GUARD)
        ways = self._paths_of.get(b)
        if ways:  # each way also carries what every way shares
            ways = tuple(w | self._guard for w in ways if consistent(w | self._guard)) or (self._guard,)
        self._ways_here = ways if ways else (self._guard,)
        assumed = self.scope.cfg.assume.get(b)
        if assumed is not None:
            self._assume(assumed[0], assumed[1], st)
        for kind, node in self.scope.cfg.blocks[b].instrs:
            self._instr = node
            self._reads.clear()
            self._beside_of.clear()
            self._targets.clear()
            self._literals.clear()
            self._made.clear()
            self._instruction(kind, node, st)
            if self._pending:
                self._flush(st)

    def _assume(self, test: cst.BaseExpression, outcome: bool, st: State) -> None:
        """Narrow the state on entering one arm of an ``if``: the arm's guard gates every parameter
        a name holds here, a false ``np.may_share_memory(a, b)`` says ``a`` is not ``b``, and a
        true ``sp.issparse(a)`` that ``a`` is no ndarray (see :meth:`_sparse`)."""
        if self._guard:
            for name, refs in st.env.items():
                if isinstance(name, str):
                    for r in refs:
                        if self._gated(r.obj):
                            pair = (name, r)
                            st.gates[pair] = st.gates.get(pair, NO_GUARD) | self._guard
        while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
            test, outcome = test.expression, not outcome
        if type(test) is not cst.Call or not test.args:
            return
        qn = self.qualified_name(test.func)
        if not outcome and len(test.args) == 2 and qn in _SHARES_MEMORY:
            a, b = (arg.value for arg in test.args)
            if type(a) is cst.Name and type(b) is cst.Name:
                self._apart(a.value, b.value, st)
                self._apart(b.value, a.value, st)
        elif outcome and len(test.args) == 1 and qn in _IS_SPARSE and type(test.args[0].value) is cst.Name:
            self._sparse(test.args[0].value.value, st)

    def _sparse(self, name: str, st: State) -> None:
        """``issparse(name)`` is true: an object known to be an ndarray (or list, dict, number) is
        not what ``name`` holds here, and a parameter is, only if the caller passed a sparse matrix
        (a ``sparse`` atom, settled where the kind of the argument is known)."""
        refs = st.env.get(name)
        if not refs:
            return
        kept: set[Ref] = set()
        for r in refs:
            gate = st.gates.pop((name, r), None)
            if r.obj[0] == "param" and r.obj[1] == self.idx:
                new = Ref(r.obj, r.rel, r.cond | {("sparse", self.idx, r.obj[2])})
                kept.add(new)
                if gate:
                    st.gates[(name, new)] = gate
            elif self.mod.kind(r.obj) not in _NOT_SPARSE:
                kept.add(r)
                if gate:
                    st.gates[(name, r)] = gate
        st.env[name] = frozenset(kept)

    def _apart(self, name: str, other: str, st: State) -> None:
        """``name`` shares no memory with ``other``: it is no view of what ``other`` is whole."""
        whole = {r.obj for r in st.env.get(other, ()) if r.rel == Rel.SAME}
        refs = st.env.get(name)
        if refs and whole and any(r.obj in whole for r in refs):
            st.env[name] = frozenset(r for r in refs if r.obj not in whole)
            for r in refs:
                if r.obj in whole:
                    st.gates.pop((name, r), None)

    def _gated(self, obj: Obj) -> bool:
        """Whether a name's hold on this object is worth a gate: a parameter's, which a summary
        may return or write into."""
        r = root(obj)
        return r[0] == "param" and r[1] == self.idx

    def _instruction(self, kind: str, node: cst.CSTNode, st: State) -> None:
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
        if type(node) is cst.Assign:
            self._assign(node, st)
        elif type(node) is cst.AnnAssign:
            if node.value is not None:
                refs = self.eval(node.value, st)
                self._fill_literal(st, node.value, refs)
                self._bind_target(node.target, refs, st, (node, node.value))
        elif type(node) is cst.AugAssign:
            self._aug_assign(node, st)
        elif type(node) is cst.Expr:
            self.eval(node.value, st)
        elif type(node) is cst.Return:
            if node.value is not None:
                self._return(node.value, st)
        elif type(node) is cst.Del:
            self._delete(node.target, st)
        elif type(node) in (cst.Raise, cst.Assert):
            self._eval_children(node, st)
        elif type(node) in (cst.Import, cst.ImportFrom):
            if type(node.names) is not cst.ImportStar:
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
            and type(node.targets[0].target) in (cst.Tuple, cst.List)
            and type(node.value) in (cst.Tuple, cst.List)
            and len(node.targets[0].target.elements) == len(node.value.elements)
            and not any(type(e) is cst.StarredElement for e in node.value.elements)
            and not any(type(e) is cst.StarredElement for e in node.targets[0].target.elements)
        ):
            values = [(el.value, self.eval(el.value, st)) for el in node.value.elements]
            kept = self._swapped_pairs(node, st)
            written: list[cst.Subscript] = []
            for el, (expr, refs) in zip(node.targets[0].target.elements, values, strict=True):
                self._check_swap(node, expr, refs, el.value, written)
                self._bind_target(el.value, refs, st, (node, expr))
                if type(el.value) is cst.Subscript:
                    written.append(el.value)
            if kept:
                st.distinct = st.distinct | kept
            return
        refs = self.eval(node.value, st)
        self._fill_literal(st, node.value, refs)
        for t in node.targets:
            self._bind_target(t.target, refs, st, (node, node.value))

    def _aug_assign(self, node: cst.AugAssign, st: State) -> None:
        target = node.target
        if type(target) is cst.Name:
            self._quiet += 1
            self._storing += 1
            try:
                refs = self.eval(target, st)
            finally:
                self._quiet -= 1
                self._storing -= 1
            value = self.eval(node.value, st)
            if type(node.operator) is cst.AddAssign:
                # `traj += [x]` on a list: x becomes one more element
                self._fill_literal(st, node.value, value)
                for r in value:
                    key = ("elems", r.obj)
                    for origin, o in st.origin.get(key, frozenset()):
                        self._store_elements(st, refs, frozenset(x for x in st.env.get(key, EMPTY) if x.obj == o), origin)
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
                self._mutate(st, targets, target, "inplace", target.value, refs)
            else:
                self._bind_name(target.value, self._fresh(node, Kind.UNKNOWN), st, None)
            return
        self.eval(node.value, st)
        if type(target) is cst.Subscript:
            self._store_subscript(target, st)
        else:
            self._eval_children(target, st)

    def _store_subscript(
        self, target: cst.Subscript, st: State, value: Refs | None = None, origin: Origin | None = None
    ) -> None:
        self._quiet += 1  # a store into a container does not read what it holds
        self._storing += 1
        try:
            base = self.eval(target.value, st)
        finally:
            self._quiet -= 1
            self._storing -= 1
        for el in target.slice:
            self._eval_children(el, st)
        objs = [(r.obj, r.cond) for r in base if not is_callable_obj(r.obj) and self.mod.kind(r.obj) != Kind.IMMUTABLE]
        if type(target.value) is cst.Name and target.value.value in narrowed(self.scope).get(self._block_index, ()):
            # `if isinstance(scores, dict): scores[k] = v`: a parameter is written only when the
            # caller passes a container (a number passed there is left alone)
            objs = [
                (o, c | {("mutable", self.idx, o[2])}) if o[0] == "param" and o[1] == self.idx
                and self.mod.kind(o) == Kind.UNKNOWN else (o, c)
                for o, c in objs
            ]
        self._targets.update(o for o, _ in objs)
        self._mutate(st, objs, target, "inplace", _root_name(target.value), base)
        if value is not None and origin is not None:
            self._store_into(st, base, target, value, origin)

    def _bind_target(self, target: cst.CSTNode, refs: Refs, st: State, origin: Origin | None) -> None:
        if type(target) is cst.Name:
            self._bind_name(target.value, refs, st, origin)
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._bind_target(el.value, EMPTY, st, None)
        elif type(target) is cst.StarredElement:
            self._bind_target(target.value, EMPTY, st, None)
        elif type(target) is cst.Subscript:
            self._store_subscript(target, st, refs, origin)
        elif type(target) is cst.Attribute:
            self._quiet += 1
            self._storing += 1
            try:
                base = self.eval(target.value, st)
            finally:
                self._quiet -= 1
                self._storing -= 1
            if origin is not None:
                self._store_field(st, base, target.attr.value, refs, origin)

    def _bind_name(self, name: str, refs: Refs, st: State, origin: Origin | None) -> None:
        if st.distinct:
            self._rename_pairs(name, origin, st, refs)
        objs_now = {r.obj for r in refs}
        self._share(st, objs_now, name)
        if name in st.unique:
            st.unique = st.unique - {name}
        if objs_now and objs_now <= self._made:
            st.unique = st.unique | {name}  # the only holder of an array made right here
            self._made -= objs_now
        st.env[name] = refs
        st.stale.pop(name, None)
        st.forget_gates(name)
        if self._guard:
            for r in refs:
                if self._gated(r.obj):
                    st.gates[(name, r)] = self._guard
        objs = [r.obj for r in refs if not is_callable_obj(r.obj)]
        if origin is not None and objs:
            st.origin[name] = frozenset((origin, o) for o in objs)
            self._note_guard(origin[0])
            for r in refs:
                if not is_callable_obj(r.obj):
                    self.mod.link_conds.setdefault((origin, r.obj), set()).add(r.cond)
            self._hold(objs)
            self._note_copyable(origin, refs, st)
        else:
            st.origin.pop(name, None)
        if not objs or (origin is not None and self._maybe_plain(origin[1], st)):
            st.plain[name] = True
        else:
            st.plain.pop(name, None)
        if refs:
            prev = self.bindings.get(name)
            self.bindings[name] = refs if prev is None else prev | refs

    def _delete(self, target: cst.CSTNode, st: State) -> None:
        if type(target) is cst.Name:
            st.env.pop(target.value, None)
            st.forget_gates(target.value)
            st.origin.pop(target.value, None)
            st.stale.pop(target.value, None)
            st.plain.pop(target.value, None)
            st.unique = st.unique - {target.value}
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._delete(el.value, st)
        else:
            self._eval_children(target, st)

    def _bind_for(self, node: cst.For, st: State) -> None:
        refs: set[Ref] = set()
        it = node.iter
        if type(it) in (cst.List, cst.Tuple, cst.Set):
            # `for f in (lin, square):` iterates over known callables.
            for el in it.elements:
                if type(el.value) is cst.Name:
                    refs.update(r for r in self._name_refs(el.value.value, st) if is_callable_obj(r.obj))
        else:
            if type(it) is cst.Call and type(it.func) is cst.Attribute and it.func.attr.value == "values" \
                    and not it.args:
                it = it.func.value  # `for f in objectives.values():`
            if type(it) is cst.Name:
                refs.update(self._members(self._name_refs(it.value, st)))
        self._bind_target(node.target, frozenset(refs), st, None)

    def _define(self, node: cst.CSTNode, st: State) -> None:
        if type(node) is cst.FunctionDef:
            for d in node.decorators:
                self.eval(d.decorator, st)
            scope = self.mod.info.scope_of[node]
            self._eval_defaults(node.params, st, scope)
            if {"property", "cached_property"} & set(scope.decorators):
                self._bind_name(node.name.value, EMPTY, st, None)
            else:
                self._bind_name(node.name.value, frozenset({Ref(("func", scope.index), Rel.SAME, NO_COND)}), st, None)
        elif type(node) is cst.ClassDef:
            for d in node.decorators:
                self.eval(d.decorator, st)
            for a in node.bases:
                self.eval(a.value, st)
            info = self.mod.info.class_of(node)
            self._class_attributes(info.index, node, st)
            self._bind_name(node.name.value, frozenset({Ref(("class", info.index), Rel.SAME, NO_COND)}), st, None)

    def _class_attributes(self, index: int, node: cst.ClassDef, st: State) -> None:
        """``objective = lin`` (or ``staticmethod(lin)``) in a class body: callables the class holds."""
        for stmt in node.body.body:
            if type(stmt) is not cst.SimpleStatementLine:
                continue
            for small in stmt.body:
                if not (type(small) is cst.Assign and len(small.targets) == 1
                        and type(small.targets[0].target) is cst.Name):
                    continue
                value, static = small.value, False
                if type(value) is cst.Call and type(value.func) is cst.Name and len(value.args) == 1 \
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
        for other in self.mod.info.base_classes(cls):
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
        name = expr.value if type(expr) is cst.Name else None
        for r in refs:
            if is_callable_obj(r.obj) or self._visible(r.obj):
                self.returns.add(r)
                self.return_sites.add((r.obj, expr))
                gate = st.gate(name, r) if name is not None else NO_GUARD
                self.return_guards.add((r, self._guard | gate))

    # --- the heart: mutation and reads --------------------------------------------------------
    def _visible(self, obj: Obj) -> bool:
        """Whether callers can see this object (it is not created inside this very call)."""
        r = root(obj)
        return not (r[0] == "alloc" and r[1] == self.idx)

    def _mutate(
        self, st: State, targets: Iterable[tuple[Obj, Cond]], site: cst.CSTNode, how: str, via: str | None,
        through: Refs = EMPTY,
    ) -> None:
        """An in-place write into ``targets`` (through the refs ``through``, when known)."""
        viewed = {r.obj for r in through if r.rel >= Rel.VIEW}
        tmap: dict[Obj, list[Cond]] = {}
        guard_of = self.mod.node_guard or self.mod.node_paths
        if guard_of and len(self._ways_here[0]) + len(self._ways_here) > 1 and via is not None and st.origin.get(via):
            # `scores` holds the argument only where `isinstance(scorer, M)` is false; a write
            # through `scores` where it is true cannot reach the argument
            reach = st.origin[via]
            targets = [
                (obj, cond) for obj, cond in targets
                if not any(ob == obj for _, ob in reach)
                or any(ob == obj and feasible(self._ways(o[0]), self._ways_here) for o, ob in reach)
            ]
        for obj, cond in targets:
            tmap.setdefault(obj, []).append(cond)
            if self._visible(obj):
                self.mutates.add((obj, cond))
                self.mutate_guards.add(((obj, cond), self._guard | self._via_gate(st, via, obj, cond)))
        if not tmap:
            return
        self._note_guard(site)
        if via is not None and via in st.unique:
            return  # nothing else holds what `via` refers to
        via_origins = st.origin.get(via) if via is not None else None
        for key, refs in st.env.items():
            if key == via:
                continue
            origins = st.origin.get(key)
            if not origins:
                continue
            if via is not None and st.distinct and frozenset({key, via}) in st.distinct:
                continue  # the other half of a swapped double buffer
            new: list[Fact] = []
            for r in refs:
                conds = tmap.get(r.obj)
                if not conds:
                    continue
                links: list[Origin | None] = [o for o, ob in via_origins if ob == r.obj] if via_origins else []
                partial = r.rel >= Rel.VIEW and r.obj in viewed
                for o, ob in origins:
                    if ob != r.obj:
                        continue
                    for link in links or (None,):
                        if guard_of and not feasible(
                            self._ways(o[0]), self._ways(link[0] if link else None), self._ways_here
                        ):
                            continue  # the store, the alias and the write never run in one call
                        kappas = self.mod.link_conds.get((link, r.obj)) if link is not None else None
                        for c in conds:
                            if kappas and not any(k <= c for k in kappas):
                                continue  # `c` is what another store of `via` made it hold
                            new.append((o, site, how, r.cond | c, r.obj, link, partial, r.cond))
            if new:
                cur = st.stale.get(key)
                st.stale[key] = frozenset(new) if cur is None else cur | frozenset(new)

    def _via_gate(self, st: State, via: str | None, obj: Obj, cond: Cond) -> Guard:
        """What the gates of the name a write goes through say of the object written: only what
        every ref of the name that the write can go through shares."""
        if via is None or not st.gates:
            return NO_GUARD
        base = root(obj)
        gates = [st.gate(via, r) for r in st.env.get(via, ()) if r.obj == base and r.cond <= cond]
        return frozenset.intersection(*gates) if gates else NO_GUARD

    def _read(self, node: cst.Name, st: State) -> None:
        facts = st.stale.get(node.value)
        if facts:
            self._pending.append((node, node.value, facts, "name", self._storing > 0))
            self._beside_of[node] = tuple(self._beside)

    def _note_guard(self, node: cst.CSTNode) -> None:
        """Remember the guard a store or write runs under (only guarded ones are kept), and the
        ways into it when there are several."""
        if self._guard:
            self.mod.node_guard[node] = self._guard
        if self._ways_here != (self._guard,):
            self.mod.node_paths[node] = self._ways_here

    def _ways(self, node: cst.CSTNode | None) -> Paths:
        """The ways into a noted store or write (see :meth:`_note_guard`)."""
        ways = self.mod.node_paths.get(node) if node is not None else None
        if ways is not None:
            return ways
        return (self.mod.node_guard.get(node, NO_GUARD),) if node is not None else (NO_GUARD,)

    # --- expressions --------------------------------------------------------------------------
    def _fresh(self, node: cst.CSTNode, kind: Kind, ndim: int | None = None) -> Refs:
        obj = alloc(self.idx, node)
        if kind != Kind.UNKNOWN:
            self.mod.kinds[obj] = kind
        if ndim is not None and ndim >= 2:
            self.mod.ndims[obj] = ndim
        if obj in self._held and self._st is not None:
            self._renew(self._st, obj)
        self._made.add(obj)
        return frozenset({Ref(obj, Rel.SAME, NO_COND)})

    def _eval_children(self, node: cst.CSTNode, st: State) -> None:
        """Evaluate every expression under ``node`` (for its reads), without entering statements."""
        for child in _expression_children(node, self.mod.children):
            if is_expression(child):
                self.eval(child, st)
            else:
                self._eval_children(child, st)

    def _name_refs(self, name: str, st: State) -> Refs:
        scope = self.scope
        if scope.is_module:
            return self.mod.imports_read(st.env.get(name, EMPTY))
        if name in scope.locals:
            return st.env.get(name, EMPTY)
        p = scope.parent
        while p is not None:
            if p.is_module:
                return self.mod.imports_read(self.mod.scope_bindings(p.index).get(name, EMPTY))
            if name in p.locals:
                return self.mod.scope_bindings(p.index).get(name, EMPTY)
            p = p.parent
        return EMPTY

    def _imported(self, name: str) -> Refs:
        """What an import binds: a function or class of another file of the run, else nothing known."""
        if self.scope.is_module:
            return self.mod.import_binding(self.scope, name)
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
            refs = self._name_refs(name, st)
            if refs and not self._quiet:
                self._reads.append((name, refs, st.stale.get(name), tuple(self._beside)))
                self._read_contents(st, e, refs)
            return refs
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
            return self._binary(e, st)  # type: ignore[arg-type]
        if t in (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp):
            self._eval_comprehension(e, st)
            return self._fresh(e, Kind.LIST if t is cst.ListComp else Kind.UNKNOWN)
        if t in (cst.List, cst.Tuple, cst.Set, cst.Dict):
            kind = {cst.List: Kind.LIST, cst.Dict: Kind.DICT}.get(t, Kind.IMMUTABLE if t is cst.Tuple else Kind.UNKNOWN)
            return self._container(e, kind, st)
        if t in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis):
            return EMPTY
        if t is cst.Comparison:
            self._beside.append(id(e))
            try:
                self._eval_children(e, st)
            finally:
                self._beside.pop()
            return self._fresh(e, Kind.UNKNOWN)
        self._eval_children(e, st)
        if t is cst.UnaryOperation:
            return self._fresh(e, Kind.UNKNOWN)
        return EMPTY

    def _binary(self, e: cst.BinaryOperation, st: State) -> Refs:
        concat = type(e.operator) is cst.Add and type(e.right) is cst.List
        self._quiet += concat  # `hist + [x]` copies references: it reads no element
        self._beside.append(id(e))
        try:
            left = self.eval(e.left, st)
            right = self.eval(e.right, st)
        finally:
            self._quiet -= concat
            self._beside.pop()
        kinds = {self.mod.kind(r.obj) for r in left | right}
        if Kind.ARRAY in kinds:
            ndim = None
            if type(e.operator) is not cst.MatrixMultiply:  # broadcasting keeps the larger ndim
                ndim = max((self.mod.ndims.get(r.obj, 0) for r in left | right if r.rel == Rel.SAME), default=0)
            return self._fresh(e, Kind.ARRAY, ndim)
        if type(e.operator) is cst.Add and (Kind.LIST in kinds or type(e.right) is cst.List):
            self._fill_literal(st, e.right, right)
            self._fill_literal(st, e.left, left)
            out = self._fresh(e, Kind.LIST)
            made = next(iter(out)).obj  # operands from the last iteration hold the older object now
            parts = [frozenset(Ref(older(r.obj) if r.obj == made else r.obj, r.rel, r.cond) for r in side)
                     for side in (left, right)]
            self._concat(st, made, parts)
            return out
        return self._fresh(e, Kind.UNKNOWN)

    def _container(self, e: cst.BaseExpression, kind: Kind, st: State) -> Refs:
        """A literal container; the callables among its elements (dict values) are remembered, so
        that ``objectives["lin"]`` or ``for f in fs`` finds them again."""
        held: dict[object, Refs] = {}
        position: int | None = 0
        for el in e.elements:  # type: ignore[attr-defined]
            key: object = None
            if type(el) is cst.DictElement:
                self.eval(el.key, st)
                key = _literal_key(el.key)
            elif type(el) is cst.StarredDictElement:
                self.eval(el.value, st)
                continue
            elif type(el) is cst.StarredElement:
                position = None  # later positions are unknown
            elif position is not None:
                key, position = position, position + 1
            every = self.eval(el.value, st)
            refs = frozenset(r for r in every if is_callable_obj(r.obj))
            if refs and type(el) is not cst.StarredElement:
                held[key] = held.get(key, EMPTY) | refs
            if every and type(el) not in (cst.StarredElement, cst.StarredDictElement) and len(every) != len(refs):
                self._literals.setdefault(e, []).append((key, el.value, every))
        out = self._fresh(e, kind)
        if held:
            # A new table, not the old one changed, so that its readers are woken. What the literal
            # held is peeked at: only this scope writes it, and a read that notes its reader
            # would count as reading a missing fact (see `ModuleAnalysis.age`).
            for r in out:
                mine = dict(self.mod.members.peek(r.obj) or {})
                for key, refs in held.items():
                    mine[key] = mine.get(key, EMPTY) | refs
                self.mod.members[r.obj] = mine
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
            if type(e) is cst.DictComp:
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
        base = self.eval(e.value, st)
        self._read_field(st, e, base, e.attr.value)
        out = self._attribute_of(base, e.attr.value)
        if out and not self._quiet:
            self._read_contents(st, e, out)
        return out

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
        keyed = len(e.slice) == 1 and type(e.slice[0].slice) is cst.Index \
            and type(e.slice[0].slice.value) is cst.SimpleString
        self._quiet += keyed  # d["best"] reads that key (below), not every entry of d
        try:
            base = self.eval(e.value, st)
        finally:
            self._quiet -= keyed
        view = False
        fancy = False
        for el in e.slice:
            self._eval_children(el, st)
            s = el.slice
            if type(s) is cst.Slice:
                view = True
            elif type(s) is cst.Index:
                v = s.value
                if type(v) is cst.Ellipsis or _is_const(v, "None") or self.qualified_name(v) == "numpy.newaxis":
                    view = True
                elif type(v) in (cst.List, cst.ListComp, cst.Comparison) or (
                    type(v) is cst.UnaryOperation and type(v.operator) is cst.BitInvert
                ):
                    fancy = True
        if fancy:
            return self._fresh(e, Kind.ARRAY)
        if not view:  # an element: a callable the container literal held, a row, else no alias
            index = e.slice[0].slice if len(e.slice) == 1 else None
            key = _literal_key(index.value) if type(index) is cst.Index else None
            if isinstance(key, str):
                self._read_field(st, e, frozenset(r for r in base if self.mod.kind(r.obj) == Kind.DICT), key)
            if type(index) is cst.Index:
                return self._members(base, key) | self._row(e, base, index.value)
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

    def _row(self, e: cst.Subscript, base: Refs, index: cst.BaseExpression) -> Refs:
        """``a[i]`` with an integer ``i`` on an array of two dimensions or more is a view (a row)."""
        arrays = [r for r in base if r.rel == Rel.SAME and (
            self.mod.kind(r.obj) == Kind.ARRAY or (r.obj[0] == "param" and r.obj[1] == self.idx))]
        if not arrays:
            return EMPTY  # (the scope's shape facts cost a walk: only for arrays)
        facts = shape_facts(self.scope)
        if not is_int_expr(index, facts.ints):
            return EMPTY
        named_2d = type(e.value) is cst.Name and e.value.value in facts.matrices
        out: set[Ref] = set()
        for r in arrays:
            if not (named_2d or self.mod.ndims.get(r.obj, 0) >= 2):
                continue
            kind = self.mod.kind(r.obj)
            if kind == Kind.ARRAY:
                out.add(Ref(r.obj, Rel.VIEW, r.cond))
            elif kind == Kind.UNKNOWN and r.obj[0] == "param" and r.obj[1] == self.idx:
                out.add(Ref(r.obj, Rel.VIEW, r.cond | {("array", self.idx, r.obj[2])}))
        return frozenset(out)

    # --- calls --------------------------------------------------------------------------------
    def _eval_args(self, call: cst.Call, st: State) -> list[Arg]:
        quiet = type(call.func) is cst.Name and call.func.value == "len"  # len(hist) reads no element
        self._quiet += quiet
        self._storing += quiet
        try:
            return [(a.keyword.value if a.keyword else None, a.star, self.eval(a.value, st)) for a in call.args]
        finally:
            self._quiet -= quiet
            self._storing -= quiet

    def _eval_call(self, call: cst.Call, st: State) -> Refs:
        func = call.func
        qn = self.qualified_name(func)
        compares = qn in npm.COMPARING_FUNCTIONS
        if compares:
            self._beside.append(id(call))
        try:
            args = self._eval_args(call, st)
        finally:
            if compares:
                self._beside.pop()
        target = self.mod.imported(self.scope, qn) if qn is not None else None
        # a function of the code called by its name: `out=` is then its own parameter, which its
        # summary describes, not NumPy's output argument
        callee = self.eval(func, st) if qn is None and type(func) is cst.Name else None
        own = target is not None or any(r.obj[0] in _CODE_CALLABLES for r in callee or ())
        for (kw, _, refs), a in zip(args, call.args, strict=True):
            if kw == "out" and not own:
                objs = [(r.obj, r.cond) for r in refs if not is_callable_obj(r.obj)]
                for obj, _ in objs:
                    self.mod.assume_kind(obj, Kind.ARRAY)  # only arrays take `out=`
                self._mutate(st, objs, call, "inplace", _root_name(a.value), refs)
                if type(func) is not cst.Name and qn is None:
                    self.eval(func, st)
                return frozenset(r for r in refs if not is_callable_obj(r.obj))
        if qn is not None:
            if target is not None:
                return self._call_ref(Ref(target, Rel.SAME, NO_COND), call, args, st) or self._fresh(call, Kind.UNKNOWN)
            return self._call_qualified(qn, call, args, st)
        if self._has_fields and self._call_drops_fields(call):
            self._drop_fields(st, (r.obj for _, _, refs in args for r in refs))
        if type(func) is cst.Attribute:
            return self._call_method(func, call, args, st)
        if callee is None:
            callee = self.eval(func, st)
        out: set[Ref] = set()
        for r in callee:
            out |= self._call_ref(r, call, args, st)
        if not out and not callee and type(func) is cst.Name and func.value in _BUILTIN_CONTAINERS \
                and func.value not in self.scope.locals:
            return self._fresh(call, _BUILTIN_CONTAINERS[func.value])
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
            if inst in self._held and self._st is not None:
                self._renew(self._st, inst)
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
        if _is_const(keywords.get("copy"), "True"):
            return self._fresh(call, Kind.ARRAY if qn.startswith("numpy.") else Kind.UNKNOWN)
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
            if qn in npm.MUTATING_FUNCTIONS and qn != "numpy.random.shuffle":
                for obj, _ in objs:
                    self.mod.assume_kind(obj, Kind.ARRAY)  # np.copyto(x, ...) needs an ndarray
            self._mutate(st, objs, call, "inplace", _root_name(call.args[0].value) if call.args else None, first)
            return EMPTY
        if qn in npm.RNG_CONSTRUCTORS:
            return self._fresh(call, Kind.RNG)
        if qn in npm.ELEMENTWISE:
            operands = [r for kw, star, refs in args if kw is None and not star for r in refs]
            if any(self.mod.kind(r.obj) == Kind.ARRAY for r in operands):
                ndim = max((self.mod.ndims.get(r.obj, 0) for r in operands if r.rel == Rel.SAME), default=0)
                return self._fresh(call, Kind.ARRAY, ndim)
        if qn in npm.ARRAY_CONSTRUCTORS or (qn.startswith("numpy.random.") and qn.count(".") == 2):
            ndim = constructor_ndim(qn, call)
            if ndim == 0:
                return EMPTY  # np.random.rand() and friends without a size: a float
            if ndim is None and (qn.endswith("_like") or qn in ("numpy.copy", "numpy.array")):
                ndim = max((self.mod.ndims.get(r.obj, 0) for r in first if r.rel == Rel.SAME), default=0)
            if qn in npm.ARRAY_CONSTRUCTORS or ndim:
                return self._fresh(call, Kind.ARRAY, ndim)
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
        name = func.attr.value
        quiet = name in CONTAINER_WRITERS  # hist.append(x) reads no element of hist
        storing = quiet and not name.startswith("pop")  # ... nor its value (pop returns one)
        self._quiet += quiet
        self._storing += storing
        try:
            owner = self.eval(func.value, st)
        finally:
            self._quiet -= quiet
            self._storing -= storing
        if self._has_fields and self._call_drops_fields(call):
            self._drop_fields(st, (r.obj for r in owner))
        special = self._container_method(name, owner, call, args, st) or self._random_method(name, owner, call)
        if special is not None:
            return special
        out: set[Ref] = set()
        for r in self._attribute_of(owner, name):
            if is_callable_obj(r.obj):
                out |= self._call_ref(r, call, args, st)
        # Array (and list) methods act on the object the attribute was taken from.
        if name == "reshape" and not out and type(func.value) not in (cst.Name, cst.Attribute, cst.Subscript):
            return self._fresh(call, Kind.ARRAY, reshape_ndim(call))  # a new array reshaped: no name sees it
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
            self._mutate(st, objs, call, "inplace", _root_name(func.value), owner)
        elif name == "shuffle" and args and args[0][0] is None:
            objs = [(r.obj, r.cond) for r in args[0][2] if not is_callable_obj(r.obj)]
            self._mutate(st, objs, call, "inplace", _root_name(call.args[0].value))
        return frozenset(out) if out else self._fresh(call, Kind.UNKNOWN)

    def _container_method(self, name: str, owner: Refs, call: cst.Call, args: list[Arg], st: State) -> Refs | None:
        """``hist.append(x)``, ``hist.insert(0, x)``, ``hist.extend([x])``: x becomes an element;
        ``hist.clear()`` forgets them. The list itself is mutated as before (returns None)."""
        lists = frozenset(r for r in owner if self.mod.kind(r.obj) == Kind.LIST)
        if not lists:
            return None
        pos = ELEMENT_METHODS.get(name)
        positional = [refs for kw, star, refs in args if kw is None and not star]
        if pos is not None and len(positional) > pos and len(call.args) > pos:
            self._store_elements(st, lists, positional[pos], (call, call.args[pos].value))
        elif name == "extend" and call.args:
            literal = call.args[0].value
            self._fill_literal(st, literal, positional[0] if positional else EMPTY)
            for r in positional[0] if positional else EMPTY:
                key = ("elems", r.obj)
                for origin, o in st.origin.get(key, frozenset()):
                    self._store_elements(st, lists, frozenset(x for x in st.env.get(key, EMPTY) if x.obj == o), origin)
        elif name == "clear":
            self._clear_elements(st, lists)
        return None

    def _random_method(self, name: str, owner: Refs, call: cst.Call) -> Refs | None:
        """``rng.random((n, d))``: a new array (a float without ``size``)."""
        if not any(self.mod.kind(r.obj) == Kind.RNG for r in owner):
            return None
        if name == "permutation":
            return self._fresh(call, Kind.ARRAY)
        ndim = random_ndim(name, call)
        if ndim is None:
            return self._fresh(call, Kind.UNKNOWN)
        return EMPTY if ndim == 0 else self._fresh(call, Kind.ARRAY, ndim)

    def _call_param(self, j: int, args: list[Arg], call: cst.Call, st: State, cond: Cond) -> Refs:
        """Calling an unknown callable parameter: its result may alias its arguments, or be a buffer."""
        out: set[Ref] = set()
        pos = 0
        consts = call_consts(call)  # what a flag argument selects (`cost_only=True`) is settled with the callable
        for kw, star, refs in args:
            if star:
                break
            key: ArgKey = kw if kw is not None else pos
            if kw is None:
                pos += 1
            for r in refs:
                if not is_callable_obj(r.obj):
                    out.add(Ref(r.obj, Rel.MAYBE_VIEW, r.cond | cond | {("aliases", self.idx, j, key, consts)}))
        buf = ("retbuf", self.idx, j)
        # The call writes into the buffer whenever the callable writes into what it returns on some
        # call ("writes"); its result is the buffer only when this call returns it ("buffer").
        self._mutate(st, [(buf, cond | {("writes", self.idx, j, consts)})], call, "overwrite", None)
        out.add(Ref(buf, Rel.SAME, cond | {("buffer", self.idx, j, consts)}))
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
        made = alloc(self.idx, call)
        if made in self._held and self._st is not None:
            self._renew(self._st, made)
        consts = call_consts(call)
        partial = self_obj is not None and self_obj[0] == "partial"
        shift = (int(self_obj[2]) if partial else 1) if self_obj is not None else 0  # type: ignore[index]
        values = bind_consts(callee, consts, shift, defaults=not partial)  # `cost_only=True` picks a branch
        for r in summ.returns:
            if not summ.returned(r, callee_index, values):
                continue
            ok, cond, _ = mod.subst_cond(r.cond, callee, binding, self, call)
            if not ok:
                continue
            for o, rel, oc in mod.subst_obj(r.obj, callee, binding, self, call):
                out.add(Ref(o, max(rel, r.rel), cond | oc))
            if r.obj[0] == "param" and r.obj[1] == callee_index and r.obj[2] in arg_of:
                sites = tuple(n for o, n in summ.return_sites if o == r.obj)
                returned = next((p.name for p in callee.params if p.index == r.obj[2]), None)
                evidence.append(Evidence("alias", callee_index, r.rel, sites, arg_of[r.obj[2]], None, None, returned))
        if out:
            buffer = mod.buffer_evidence(callee, self_obj, consts)
            if buffer is not None:
                evidence.append(buffer)
        if evidence:
            mod.call_evidence.setdefault(call, set()).update(evidence)
        if any(a.keyword is not None and a.keyword.value == "copy" and _is_const(a.value, "True") for a in call.args):
            kinds = {mod.kind(r.obj) for r in out}
            out = set(self._fresh(call, Kind.ARRAY if kinds == {Kind.ARRAY} else Kind.UNKNOWN))  # copy=True
        guard_of = mod.node_guard
        for obj, c in summ.mutates:
            if not summ.written((obj, c), callee_index, values):
                continue  # written only behind a flag this call does not set
            ok, cond, _ = mod.subst_cond(c, callee, binding, self, call)
            if ok:
                targets = [(o, cond | oc) for o, _, oc in mod.subst_obj(obj, callee, binding, self, call)]
                # Writing into an argument through a call is a write through the argument's name.
                r = root(obj)
                via = None
                if r[0] == "param" and r[1] == callee_index and r[2] in arg_of:
                    via = _root_name(_arg_expr(call, arg_of[r[2]]))
                elif r[0] == "param" and r[1] == callee_index and self_obj is not None and type(call.func) is cst.Attribute:
                    via = _root_name(call.func.value)
                mod.callee_of[call] = callee_index
                self._mutate(st, targets, call, "inplace", via)
        for lf in summ.latent:
            if values and guard_of and not all(
                admits(guard_of.get(n, NO_GUARD), callee_index, values)
                for n in (lf.origin[0], lf.mutation, lf.read, lf.link[0] if lf.link else None)
            ):
                continue
            ok, cond, _ = mod.subst_cond(lf.cond, callee, binding, self, call)
            if not ok:
                continue
            # the evidence is why the stored value aliases: of its own atoms only, not the write's
            _, own, ev = mod.subst_cond(lf.own, callee, binding, self, call)
            objs = [o for o, _, _ in mod.subst_obj(lf.obj, callee, binding, self, call)]
            if cond:
                obj = objs[0] if len(objs) == 1 else lf.obj
                self.latent.add(
                    LatentFinding(lf.origin, lf.mutation, lf.how, lf.read, cond, lf.evidence + ev, lf.chain + (call,),
                                  obj, lf.holder, lf.signals, lf.link, lf.scope, own)
                )
            else:
                kinds = {mod.kind(o) for o in objs} - {Kind.UNKNOWN}
                kind = kinds.pop() if len(kinds) == 1 else Kind.UNKNOWN
                self.findings.add(
                    FlowFinding(lf.origin, lf.mutation, lf.how, lf.read, lf.evidence + ev, lf.chain + (call,), kind,
                                lf.holder, lf.signals, lf.link, objs[0] if objs else lf.obj, lf.scope)
                )
        return frozenset(out) if out else self._fresh(call, Kind.UNKNOWN)


_LEAVES = (
    cst.BaseSuite, cst.BaseStatement, cst.BaseParenthesizableWhitespace, cst.Comma, cst.BaseBinaryOp,
    cst.BaseUnaryOp, cst.BaseCompOp, cst.BaseBooleanOp, cst.BaseAugOp, cst.AssignEqual, cst.Colon,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment, cst.Dot,
)


@functools.cache
def _is_leaf(t: type) -> bool:
    """``issubclass(t, _LEAVES)``, decided once per type: most are abstract, and ``isinstance``
    with an abstract class a node is not of goes through ``ABCMeta.__instancecheck__``."""
    return issubclass(t, _LEAVES)


def _expression_children(node: cst.CSTNode, cache: dict[cst.CSTNode, tuple[cst.CSTNode, ...]]) -> tuple[cst.CSTNode, ...]:
    """The children worth descending into; LibCST's ``children`` runs a visitor, so common shapes
    are spelled out here (by exact type: these classes have no subclasses) and the rest is computed
    once per node."""
    t = type(node)
    if t is cst.Arg or t is cst.Element or t is cst.StarredElement:
        return (node.value,)  # type: ignore[attr-defined]
    if t is cst.SubscriptElement:
        return (node.slice,)  # type: ignore[attr-defined]
    if t is cst.Index:
        return (node.value,)  # type: ignore[attr-defined]
    if t is cst.Slice:
        return tuple(x for x in (node.lower, node.upper, node.step) if x is not None)  # type: ignore[attr-defined]
    if t is cst.UnaryOperation:
        return (node.expression,)  # type: ignore[attr-defined]
    if t is cst.Comparison:
        return (node.left, *(c.comparator for c in node.comparisons))  # type: ignore[attr-defined]
    cached = cache.get(node)
    if cached is None:
        cached = tuple(c for c in children(node) if not _is_leaf(type(c)))
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
