"""Function summaries and the module-level fixpoint that links them.

A summary says what calling a function does, in terms of its own parameters: which parameters (or
persistent buffers) it returns, which objects it writes into, and which of its reads of stale values
depend on what the caller passes (latent findings). Summaries are recomputed round by round until no
summary, no module binding and no fact of a shared table (:mod:`.tables`) that a scope read
changes; the last round's manifest findings are the result.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import libcst as cst

from .flow import Arg, Evidence, FlowFinding, LatentFinding, Origin, ScopeAnalysis
from .guards import NO_CONSTS, CallConsts, Guard, Paths, admits, bind_consts
from .scopes import ClassInfo, ModuleInfo, Scope, add_body, collect_scopes
from .tables import Readers, SharedTable
from .values import (
    EMPTY,
    MUTABLE_KINDS,
    NO_COND,
    Atom,
    Cond,
    Kind,
    Obj,
    Ref,
    Refs,
    Rel,
    UNLOADED,
    alloc,
    attr,
    frozen,
    is_callable_obj,
    root,
)

if TYPE_CHECKING:
    from .project import Resolver

MAX_ROUNDS = 8
# How deep visits of functions first asked for by their callers nest (see ModuleAnalysis.run).
_NESTED_VISITS = 8
_KIND_ATOMS = ("mutable", "array", "sparse")  # atoms a call settles by what it knows of the argument's kind


@dataclass(frozen=True)
class Summary:
    returns: frozenset[Ref]
    return_sites: frozenset[tuple[Obj, cst.CSTNode]]
    mutates: frozenset[tuple[Obj, Cond]]
    latent: frozenset[LatentFinding]
    uncopyable_return: bool = False  # some return value may lack `.copy()` (a scalar, None, ...)
    # Under which guards (see .guards) each returned ref is returned, and each write is made.
    return_guards: frozenset[tuple[Ref, Guard]] = frozenset()
    mutate_guards: frozenset[tuple[tuple[Obj, Cond], Guard]] = frozenset()

    def returned(self, ref: Ref, scope: int, values: dict[int, frozenset[str]]) -> bool:
        """Whether a call whose constants fix ``values`` can return ``ref`` (one of ``returns``)."""
        return not values or _guarded(self.return_guards, ref, scope, values)

    def written(self, write: tuple[Obj, Cond], scope: int, values: dict[int, frozenset[str]]) -> bool:
        """Whether a call whose constants fix ``values`` can make ``write`` (one of ``mutates``)."""
        return not values or _guarded(self.mutate_guards, write, scope, values)


def _guarded(pairs: frozenset[tuple[Any, Guard]], obj: object, scope: int, values: dict[int, frozenset[str]]) -> bool:
    guards = [g for o, g in pairs if o == obj]
    return not guards or any(admits(g, scope, values) for g in guards)


@dataclass
class ModuleResult:
    """What the analysis of one module established; the rules turn it into diagnostics."""

    info: ModuleInfo
    findings: frozenset[FlowFinding]
    summaries: Mapping[int, Summary]
    call_evidence: dict[cst.Call, set[Evidence]]
    stored: dict[Origin, tuple[frozenset[Obj], bool]] = field(default_factory=dict)  # see is_copyable
    kinds: Mapping[Obj, Kind] = field(default_factory=dict)
    callee_of: dict[cst.Call, int] = field(default_factory=dict)  # a write made inside this function
    cache: dict[str, object] = field(default_factory=dict)  # what the rules derive once for every file
    found_by: dict[int, frozenset[FlowFinding]] = field(default_factory=dict)  # scope -> what its analysis found

    def module_node(self, scope: int) -> cst.Module:
        """The file (its module node) a scope of the component is in."""
        s: Scope | None = self.info.scopes[scope]
        while s is not None and not s.is_module:
            s = s.parent
        assert s is not None
        return s.node  # type: ignore[return-value]

    def is_copyable(self, origin: Origin) -> bool:
        """Whether what this store stored surely has ``.copy()``: an ndarray, list or dict on every
        path (never ``None`` or a number), so appending ``.copy()`` cannot make the code raise."""
        found = self.stored.get(origin)
        if found is None:
            return False
        objs, plain = found
        return bool(objs) and not plain and all(self.kinds.get(o) in MUTABLE_KINDS for o in objs)


@dataclass
class ModuleAnalysis:
    info: ModuleInfo
    # What scopes write for one another wakes its readers when it changes (see .tables): the
    # summaries, each scope's bindings (what nested scopes see), and the facts below.
    _readers: Readers = field(default_factory=Readers)
    summaries: SharedTable[int, Summary] = field(init=False)
    bindings: SharedTable[int, dict[str, Refs]] = field(init=False)
    kinds: SharedTable[Obj, Kind] = field(init=False)
    ndims: SharedTable[Obj, int] = field(init=False)  # at least this many dimensions (only >= 2 kept)
    callee_of: dict[cst.Call, int] = field(default_factory=dict)  # calls that write through a summary
    stored: dict[Origin, tuple[frozenset[Obj], bool]] = field(default_factory=dict)  # what each store stored
    instance_class: SharedTable[Obj, ClassInfo] = field(init=False)
    call_evidence: dict[cst.Call, set[Evidence]] = field(default_factory=dict)
    children: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = field(default_factory=dict)
    resolver: "Resolver | None" = None  # imports between the files of one run (see .project)
    # Functions an earlier check found to say nothing (see :meth:`know_quiet`), by scope: whether
    # a value they return may lack ``.copy()``.
    quiet: dict[int, bool] = field(default_factory=dict)
    # Callables the code shows inside containers and classes, and as parameter defaults:
    members: SharedTable[Obj, dict[object, Refs]] = field(init=False)  # container literal -> key -> callables
    class_attrs: SharedTable[tuple[int, str], tuple[Refs, bool]] = field(init=False)  # -> (callables, static)
    defaults: SharedTable[tuple[int, int], Refs] = field(init=False)  # (function, param) -> callables
    node_guard: dict[cst.CSTNode, Guard] = field(default_factory=dict)  # guarded stores and writes (.guards)
    node_paths: dict[cst.CSTNode, Paths] = field(default_factory=dict)  # ... whose ways say more (.guards)
    link_conds: dict[tuple[Origin, Obj], set[Cond]] = field(default_factory=dict)  # a name's store -> its conditions

    def __post_init__(self) -> None:
        scopes, classes = self.info.scopes, self.info.classes

        def of_class(key: tuple[int, str]) -> int | None:  # the scope that runs the class body
            where = classes[key[0]].where
            return None if where is None else where.index

        def of_function(key: tuple[int, int]) -> int | None:  # the scope that runs the `def`
            parent = scopes[key[0]].parent
            return None if parent is None else parent.index

        writers: dict[str, Callable[[Any], int | None]] = {
            "summaries": int, "bindings": int, "kinds": maker, "ndims": maker, "instance_class": maker,
            "members": maker, "class_attrs": of_class, "defaults": of_function,
        }
        for name, writer in writers.items():
            setattr(self, name, SharedTable(self._readers, writer))
        if self.resolver is not None:
            self.info.resolve = self.resolver.target
        self._stand_ins = False  # whether some import binds a stand-in (see import_binding)
        self._visit_now: Callable[[int], None] | None = None  # see run
        self._looked_up: dict[Obj, Refs] = {}

    def imported(self, scope: Scope, qualified: str) -> Obj | None:
        """The function or class of another file of the run that an imported name denotes."""
        return None if self.resolver is None else self.resolver.target(scope, qualified)

    def import_binding(self, scope: Scope, name: str) -> Refs:
        """What a module's import statement binds ``name`` to. When finding it would parse a file
        not parsed yet, a stand-in, looked up when the name is read (:meth:`imports_read`): a
        module body imports much that the functions asked about never use, and each file it
        parses imports more (only a check of some files of a component parses files lazily,
        see :func:`.project.analyze_component`)."""
        full = scope.imports.get(name)
        if full is None or self.resolver is None:
            return EMPTY
        target = self.resolver.target(scope, full, load=False)
        if target is UNLOADED:
            self._stand_ins = True
            return frozenset({Ref(("import", scope.index, name), Rel.SAME, NO_COND)})
        return EMPTY if target is None else frozenset({Ref(target, Rel.SAME, NO_COND)})

    def imports_read(self, refs: Refs) -> Refs:
        """``refs`` (of a module scope's name) with each stand-in for an import replaced by what it
        names, so that a read sees what an import looked up at once would have bound."""
        if not self._stand_ins or not any(r.obj[0] == "import" for r in refs):
            return refs
        out = {r for r in refs if r.obj[0] != "import"}
        for r in refs:
            if r.obj[0] == "import":
                found = self._looked_up.get(r.obj)
                if found is None:
                    scope = self.info.scopes[r.obj[1]]
                    target = self.imported(scope, scope.imports[r.obj[2]])
                    found = self._looked_up[r.obj] = (
                        EMPTY if target is None else frozenset({Ref(target, Rel.SAME, NO_COND)}))
                out |= found
        return frozenset(out)

    def age(self, obj: Obj, old: Obj) -> None:
        """What is known of an allocation holds for its older objects too (see HeapMixin._renew).

        Whether the older object has it yet is asked without noting a read (``holds``): noted, a
        missing key is a fact read while missing, and writing it would visit the scope again
        for nothing (see :class:`.tables.Readers`)."""
        tables: tuple[SharedTable[Obj, Any], ...] = (self.kinds, self.ndims, self.members, self.instance_class)
        for table in tables:
            if obj in table and not table.holds(old):
                table[old] = table[obj]

    def assume_kind(self, obj: Obj, kind: Kind) -> None:
        """Record what a use shows of an object's kind (only arrays take ``out=``), unless another
        scope makes the object (a module's global array): facts are written only by the scope
        their key names, which checking one file with only the scopes it reads relies on (see
        :meth:`run`), and which keeps a file that no other reads from changing what the others
        conclude."""
        if maker(obj) == self._readers.current:
            self.kinds.setdefault(obj, kind)

    def kind(self, obj: Obj) -> Kind:
        if is_callable_obj(obj):
            return Kind.CALLABLE
        return self.kinds.get(obj, Kind.UNKNOWN)

    def know_quiet(self, index: int, uncopyable: bool) -> None:
        """Take a function's summary from an earlier check that found it says nothing (it returns
        no value a caller can see, writes nothing a caller can see, holds no latent finding),
        rather than analysing it: when only some scopes are analysed, a call to it is then
        answered without parsing or visiting it, nor what it calls (see :func:`.project.quiet_functions`)."""
        self.quiet[index] = uncopyable
        self.summaries[index] = Summary(frozenset(), frozenset(), frozenset(), frozenset(), uncopyable)
        if self._readers.demand is not None:
            self._readers.demand.add(index)  # so that reading its summary asks for no visit

    def summary(self, index: int) -> Summary | None:
        """A function's summary, remembering that the scope being analysed depends on it. When
        the function was never visited (or, when only some scopes are analysed, never asked
        for), it is analysed first (see :meth:`run`)."""
        if self._visit_now is not None:
            self._visit_now(index)
        return self.summaries.get(index)

    def scope_bindings(self, index: int) -> dict[str, Refs]:
        """What an enclosing scope (a module body, a function) binds, read by a scope within it;
        a scope never visited is analysed first, as for :meth:`summary`, even one whose summary
        is known to say nothing: what it binds is not known."""
        self.quiet.pop(index, None)
        if self._visit_now is not None:
            self._visit_now(index)
        return self.bindings.get(index, {})

    def run(self, only: Iterable[int] | None = None, order: Iterable[int] | None = None) -> ModuleResult:
        """Analyse every scope (first in ``order``, when given), then again only those whose inputs
        changed, to a fixpoint.

        With ``only``, the scopes whose findings are wanted (one file's): those, and the scopes
        whose summaries, bindings and facts they read, found as they read them. Every fact a
        scope reads is written by one scope known from the fact's key (:class:`.tables.SharedTable`),
        so those scopes reach the values the whole fixpoint would give them.
        """
        scopes = self.info.scopes
        queue: deque[int] = deque()
        if only is None:
            queue.extend(range(len(scopes)) if order is None else order)
            if len(set(queue)) < len(scopes):  # what ``order`` left out follows it
                queue.extend(sorted(set(range(len(scopes))).difference(queue)))
        queued = set(queue)
        # With ``only``, the scope found last goes first (a scope asked for is a callee of the one
        # that asked), so a caller runs again once its callees have settled, not between them.
        heap: list[tuple[int, int]] = []  # (-rank, scope)
        rank: dict[int, int] = {}  # the order scopes were found in, the files' own first
        if only is not None:
            self._readers.demand = set(only)
            for i in sorted(self._readers.demand, reverse=True):  # the first, the module's, first
                rank[i] = len(rank)
                heapq.heappush(heap, (-rank[i], i))
            queued.update(self._readers.demand)
            self._readers.demand |= set(self.quiet)  # not to be asked for: their summaries are known
        runs: dict[int, int] = {}
        findings: dict[int, frozenset[FlowFinding]] = {}

        def visit(index: int) -> None:
            runs[index] = runs.get(index, 0) + 1
            if runs[index] > MAX_ROUNDS:
                return  # a safety net for pathological recursion between summaries
            if scopes[index].unparsed is not None:
                add_body(self.info, scopes[index])
            self._readers.start(index)
            analysis = ScopeAnalysis(self, scopes[index])
            analysis.run()
            woken = self._readers.finish()  # for what this visit changed in the shared tables
            findings[index] = frozen(analysis.findings)
            summary = Summary(
                frozen(analysis.returns),
                frozen(analysis.return_sites),
                frozen(analysis.mutates),
                frozen(analysis.latent),
                analysis.uncopyable_return,
                frozen(analysis.return_guards),
                frozen(analysis.mutate_guards),
            )
            # written outside the visit, so a scope that read its own summary (a recursive
            # function) is woken by its change too
            self.summaries[index] = summary
            self.bindings[index] = analysis.bindings
            woken |= self._readers.finish()
            for w in sorted(woken - queued):
                queued.add(w)
                if only is None:
                    queue.append(w)
                else:
                    heapq.heappush(heap, (-rank[w], w))

        # A scope whose summary or bindings are read before its first visit (a function a call
        # reaches, a module body whose names a function reads) is analysed there and then, the
        # reader's visit going on with what it made, rather than after it (the reader then
        # visited again): those were the readers' most common reasons to be woken. A scope
        # already queued keeps its place, passed over unless it is woken by then. In a cold run
        # of the corpus (where the big checks ask for some scopes only) this took the repeated
        # visits from 11,837 to 2,518 and the analysis from 66 to 53 s of CPU; a whole component
        # of SciPy and scikit-learn took 8% fewer visits. Depth is bounded: the deepest ones
        # wait for their turn.
        depth = 0

        def visit_now(index: int) -> None:
            nonlocal depth
            readers = self._readers
            if depth >= _NESTED_VISITS:
                return
            if index in runs or index in self.quiet:
                return
            if only is not None:
                assert readers.demand is not None
                readers.demand.add(index)
                rank.setdefault(index, len(rank))  # one asked for in this visit has none yet
            queued.discard(index)  # visited now: its place in the queue, if any, is passed over
            saved = readers.current, readers.woken, readers.missed
            depth += 1
            try:
                visit(index)
            finally:
                depth -= 1
                readers.current, readers.woken, readers.missed = saved

        self._visit_now = visit_now
        while queue or heap:
            index = queue.popleft() if queue else heapq.heappop(heap)[1]
            if index not in queued:
                continue  # visited already, nested in a caller's visit, and not woken since
            queued.discard(index)
            visit(index)
            asked = self._readers.asked  # never asked for before, so neither queued nor visited
            if asked:
                for a in asked:
                    if a not in runs:  # else visited since it was asked for, nested
                        queued.add(a)
                        rank[a] = len(rank)
                        heapq.heappush(heap, (-rank[a], a))
                asked.clear()
        self._visit_now = None
        self._readers.demand = None
        all_findings = frozenset().union(*findings.values()) if findings else frozenset()
        return ModuleResult(self.info, all_findings, self.summaries, self.call_evidence, self.stored, self.kinds,
                            self.callee_of, found_by=findings)

    # --- settling conditions at a call site ---------------------------------------------------
    def subst_obj(
        self, obj: Obj, callee: Scope, binding: dict[int, Refs], caller: ScopeAnalysis, call: cst.Call
    ) -> list[tuple[Obj, Rel, Cond]]:
        """An object named in the callee's terms, seen from the caller."""
        k = obj[0]
        if k == "param" and obj[1] == callee.index:
            return [(r.obj, r.rel, r.cond) for r in binding.get(obj[2], EMPTY)]
        if k == "attr":
            out = []
            for base, rel, cond in self.subst_obj(obj[1], callee, binding, caller, call):
                a = attr(base, obj[2])
                if a is not None:
                    out.append((a, rel, cond))
            return out
        if k == "retbuf" and obj[1] == callee.index:
            out = []
            for r in binding.get(obj[2], EMPTY):
                if r.obj[0] == "param" and r.obj[1] == caller.idx:
                    out.append((("retbuf", caller.idx, r.obj[2]), Rel.SAME, r.cond))
                else:
                    for fn, self_obj in self.callables_of(r.obj):
                        out.extend((b, Rel.SAME, r.cond) for b in self.buffers(fn, self_obj)[0])
            return out
        if k == "alloc" and obj[1] == callee.index:
            fresh = alloc(caller.idx, call)
            if obj in self.kinds:
                self.kinds[fresh] = self.kinds[obj]
            return [(fresh, Rel.SAME, NO_COND)]
        return [(obj, Rel.SAME, NO_COND)]

    def subst_cond(
        self, cond: Cond, callee: Scope, binding: dict[int, Refs], caller: ScopeAnalysis, call: cst.Call
    ) -> tuple[bool, Cond, tuple[Evidence, ...]]:
        """Settle the callee's condition atoms with the arguments of this call.

        Returns whether the condition can hold, what remains of it (now about the caller's own
        parameters), and the evidence for the atoms that the arguments satisfied.
        """
        if not cond:
            return True, NO_COND, ()
        remaining: set[Atom] = set()
        evidence: list[Evidence] = []
        for atom in cond:
            kind, scope = atom[0], atom[1]
            if scope != callee.index:
                remaining.add(atom)
                continue
            refs = binding.get(atom[2], EMPTY)
            param_name = next((p.name for p in callee.params if p.index == atom[2]), None)
            converted: Atom | None = None
            satisfied = False
            for r in refs:
                if r.obj[0] == "param" and r.obj[1] == caller.idx:
                    if kind in _KIND_ATOMS and self.kind(r.obj) != Kind.UNKNOWN:
                        satisfied = satisfied or self._kind_fits(kind, self.kind(r.obj))
                    else:
                        converted = (kind, caller.idx, r.obj[2], *atom[3:])
                    continue
                if kind in _KIND_ATOMS:
                    satisfied = satisfied or self._kind_fits(kind, self.kind(r.obj))
                    continue
                for fn, self_obj in self.callables_of(r.obj):
                    if kind == "aliases":
                        ev = self.alias_evidence(fn, self_obj, atom[3], atom[4] if len(atom) > 4 else NO_CONSTS)
                    else:
                        consts = atom[3] if len(atom) > 3 else NO_CONSTS
                        ev = self.buffer_evidence(fn, self_obj, consts, returned=kind == "buffer")
                    if ev is not None:
                        satisfied = True
                        evidence.append(
                            Evidence(
                                ev.kind,
                                ev.scope,
                                ev.rel,
                                ev.returns,
                                atom[3] if kind == "aliases" else None,
                                call,
                                param_name,
                                ev.returned,
                            )
                        )
            if satisfied:
                continue
            if converted is not None:
                remaining.add(converted)
                continue
            return False, NO_COND, ()
        return True, frozenset(remaining), tuple(evidence)

    @staticmethod
    def _kind_fits(atom_kind: str, kind: Kind) -> bool:
        if atom_kind == "sparse":  # what is not known to be something else may be a sparse matrix
            return kind in (Kind.UNKNOWN, Kind.INSTANCE)
        return kind in MUTABLE_KINDS if atom_kind == "mutable" else kind == Kind.ARRAY

    def callables_of(self, obj: Obj) -> list[tuple[Scope, Obj | None]]:
        if obj[0] == "func":
            return [(self.info.scopes[obj[1]], None)]
        if obj[0] == "partial":  # functools.partial(f, a, ...): arguments shift by the bound ones
            return [(self.info.scopes[obj[1]], obj)]
        if obj[0] == "bound":
            return [(self.info.scopes[obj[1]], obj[2])]
        cls = self.instance_class.get(obj)
        if cls is not None:
            method = self.info.lookup_method(cls, "__call__")
            if method is not None:
                return [(method, obj)]
        return []

    def alias_evidence(
        self, fn: Scope, self_obj: Obj | None, key: object, consts: CallConsts = NO_CONSTS
    ) -> Evidence | None:
        """Does calling ``fn`` (with the literal arguments ``consts``) return (a view of) the
        argument passed at ``key``?"""
        summ = self.summary(fn.index)
        if summ is None:
            return None
        values = self._const_values(fn, self_obj, consts)
        if isinstance(key, str):
            p = fn.param_named(key)
            k = p.index if p is not None else None
        else:
            positional = fn.positional_params()
            i = int(key) + shift_of(self_obj)  # type: ignore[call-overload]
            k = positional[i].index if i < len(positional) else None
        if k is None:
            return None
        target = ("param", fn.index, k)
        best: Rel | None = None
        for r in summ.returns:
            # An "array" atom only says slicing made a view; the helper writes into the argument
            # by index, so it is an array (or list) there. Other atoms cannot be settled here.
            if r.obj == target and all(a[0] == "array" for a in r.cond) and summ.returned(r, fn.index, values):
                best = r.rel if best is None else min(best, r.rel)
        if best is None:
            return None
        sites = tuple(n for o, n in summ.return_sites if o == target)
        returned = next(p.name for p in fn.params if p.index == k)
        return Evidence("alias", fn.index, best, sites, key, None, None, returned)  # type: ignore[arg-type]

    @staticmethod
    def _const_values(fn: Scope, self_obj: Obj | None, consts: CallConsts) -> dict[int, frozenset[str]]:
        if consts is NO_CONSTS or not consts.literals and not consts.complete:
            return {}
        partial = self_obj is not None and self_obj[0] == "partial"
        return bind_consts(fn, consts, shift_of(self_obj), defaults=not partial)

    def buffers(
        self, fn: Scope, self_obj: Obj | None, consts: CallConsts = NO_CONSTS, returned: bool = True
    ) -> tuple[set[Obj], tuple[cst.CSTNode, ...]]:
        """Persistent objects that ``fn`` both writes into and returns (as seen by its caller):
        with ``returned``, those a call with the literal arguments ``consts`` returns; else those
        such a call writes into (and some call returns)."""
        summ = self.summary(fn.index)
        if summ is None:
            return set(), ()
        values = self._const_values(fn, self_obj, consts)
        written_values = values if not returned else {}
        returned_values = values if returned else {}

        def outside(obj: Obj) -> Obj | None:
            k = obj[0]
            if k == "param" and obj[1] == fn.index:
                bound = self_obj is not None and self_obj[0] != "partial" and obj[2] == 0
                return self_obj if bound else None
            if k == "attr":
                base = outside(obj[1])
                return None if base is None else attr(base, obj[2])
            if k in ("alloc", "retbuf") and obj[1] == fn.index:
                return None
            return obj

        written = {outside(o) for o, c in summ.mutates if not c and summ.written((o, c), fn.index, written_values)} - {None}
        found: set[Obj] = set()
        sites: list[cst.CSTNode] = []
        for r in summ.returns:
            if r.cond or is_callable_obj(r.obj) or not summ.returned(r, fn.index, returned_values):
                continue
            seen = outside(r.obj)
            if seen is not None and seen in written:
                found.add(seen)
                if r.obj in self.kinds:
                    self.assume_kind(seen, self.kinds[r.obj])
                sites.extend(n for o, n in summ.return_sites if o == r.obj)
        return found, tuple(sites)  # type: ignore[return-value]

    def buffer_evidence(
        self, fn: Scope, self_obj: Obj | None, consts: CallConsts = NO_CONSTS, returned: bool = True
    ) -> Evidence | None:
        found, sites = self.buffers(fn, self_obj, consts, returned)
        if not found:
            return None
        return Evidence("buffer", fn.index, Rel.SAME, sites, None, None, None)


def maker(obj: Obj) -> int | None:
    """The scope that makes an object (an allocation, a parameter, and their attributes), whose
    analysis alone writes facts about it."""
    r = root(obj)
    return r[1] if r[0] in ("param", "alloc", "retbuf") else None


def shift_of(self_obj: Obj | None) -> int:
    """How many positional arguments a call of a bound callable adds in front: the instance, or
    the arguments ``functools.partial`` bound (``("partial", scope, n)``)."""
    if self_obj is None:
        return 0
    return int(self_obj[2]) if self_obj[0] == "partial" else 1


def analyze_module(module: cst.Module) -> ModuleResult:
    return ModuleAnalysis(collect_scopes(module)).run()


__all__ = ["Arg", "ModuleAnalysis", "ModuleResult", "Summary", "analyze_module"]
