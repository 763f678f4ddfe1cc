"""Reading a stale value: what the statement shows of intent, and what is surely not shared.

Part of :class:`.flow.ScopeAnalysis`. A stale read becomes a finding at the end of its instruction,
when every read of the statement is known: the ``compared`` signal needs to know whether the array
as it is now was read beside the stale alias (``norm(x - x_old)``). Two must-facts of the state keep
the may-alias sets honest where loops join paths: pairs of names that are surely different arrays
(a double buffer swapped with ``u, u_next = u_next, u``), and names that are the only holder of
the array they refer to (made right there, stored nowhere since).
"""

from __future__ import annotations

import libcst as cst

from .guards import feasible
from .values import EMPTY, Kind, Obj, Refs, Rel

from .state import FlowFinding, Key, LatentFinding, Origin, State


class ReadsMixin:
    """Stale reads, intent signals and must-facts of :class:`.flow.ScopeAnalysis`."""

    def _swapped_pairs(self, node: cst.Assign, st: State) -> frozenset[frozenset[str]]:
        """``a, b = b, a`` only renames: names that were different arrays still are."""
        targets = [el.value for el in node.targets[0].target.elements]  # type: ignore[attr-defined]
        values = [el.value for el in node.value.elements]  # type: ignore[attr-defined]
        if not all(type(x) is cst.Name for x in (*targets, *values)):
            return frozenset()
        names = [t.value for t in targets]  # type: ignore[attr-defined]
        if sorted(names) != sorted(v.value for v in values) or len(set(names)) != len(names):  # type: ignore[attr-defined]
            return frozenset()
        return frozenset(
            frozenset({a, b}) for i, a in enumerate(names) for b in names[i + 1:] if st.holds_distinct(frozenset({a, b}))
        )

    def _check_swap(
        self, node: cst.Assign, value: cst.BaseExpression, refs: Refs, target: cst.BaseExpression,
        written: list[cst.Subscript],
    ) -> None:
        """``A[i], A[j] = A[j], A[i]``: the values are evaluated first, so on an array of two
        dimensions ``A[i]`` is a view of the row the first target just overwrote."""
        if not written or type(value) is not cst.Subscript:
            return
        views = {r.obj for r in refs if r.rel >= Rel.VIEW and not r.cond and self.mod.kind(r.obj) == Kind.ARRAY}
        hit = views & self._targets
        if hit and any(w.deep_equals(value) for w in written):
            first = next(w for w in written if w.deep_equals(value))
            obj = next(iter(hit))
            self.findings.add(
                FlowFinding((node, value), first, "inplace", target, (), (), Kind.ARRAY, "name",
                            frozenset({"swap"}), None, obj, self.idx)
            )

    def _share(self, st: State, objs: set[Obj], name: Key | None = None) -> None:
        """``objs`` get one more holder: names that held them alone no longer do."""
        if st.unique and any(o[0] == "alloc" for o in objs):  # only new arrays are held alone
            st.unique = frozenset(
                u for u in st.unique if u != name and not any(r.obj in objs for r in st.env.get(u, EMPTY))
            )

    def _rename_pairs(self, name: str, origin: Origin | None, st: State, new: Refs) -> None:
        """``name`` is rebound: its pairs go, unless it copies another name (``tmp = u``)."""
        source = origin[1].value if origin is not None and type(origin[1]) is cst.Name else None
        if origin is not None and source is None and type(origin[1]) is cst.Call:
            old = {r.obj for r in st.env.get(name, EMPTY)}
            if new and old and all(r.obj in old for r in new):
                return  # `p = np.asarray(p, dtype=...)`: still one of the arrays it was
        kept = {p for p in st.distinct if name not in p}
        if source is not None and source != name:
            for p in st.distinct:
                if source in p:
                    (other,) = p - {source}
                    if other != name:
                        kept.add(frozenset({name, other}))
        st.distinct = frozenset(kept)

    def _flush(self, st: State) -> None:
        """Turn the instruction's stale reads into findings, now that all its reads are known."""
        guard_of = self.mod.node_guard or self.mod.node_paths
        for node, key, facts, holder, store in self._pending:
            for origin, site, how, cond, obj, link, partial, own in facts:
                if guard_of and not feasible(
                    self._ways(origin[0]), self._ways(link[0] if link else None), self._ways(site), self._ways_here
                ):
                    continue  # the store, the write and this read never run in one call
                signals = self._signals(node, key, obj, store, partial)
                if not cond:
                    self.findings.add(
                        FlowFinding(origin, site, how, node, (), (), self.mod.kind(obj), holder, signals, link, obj,
                                    self.idx)
                    )
                elif all(atom[1] == self.idx for atom in cond):
                    self.latent.add(
                        LatentFinding(origin, site, how, node, cond, (), (), obj, holder, signals, link, self.idx, own)
                    )
        self._pending.clear()

    def _signals(self, node: cst.CSTNode, key: Key, obj: Obj, store: bool, partial: bool) -> frozenset[str]:
        """What the statement of a stale read shows: the array read as it is now beside its stale
        alias (``compared``), or the stale value written back into the array (``writeback``)."""
        out = set()
        if store:
            out.add("store")
        if partial:
            out.add("partial")
        mine = set(self._beside_of.get(node, ()))
        for other, refs, facts, beside in self._reads:
            if other != key and mine.intersection(beside) and any(r.obj == obj for r in refs) \
                    and not (facts and any(f[4] == obj for f in facts)):
                out.add("compared")
                break
        instr = self._instr
        if type(instr) is cst.Assign and instr.value is node and obj in self._targets:
            out.add("writeback")
        if type(instr) in (cst.Assign, cst.AnnAssign) and type(instr.value) is cst.Subscript \
                and instr.value.value is node:
            out.add("store")  # `v = a[i]` keeps a view of the stale name: only reading `v` reads it
        return frozenset(out)


