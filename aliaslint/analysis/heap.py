"""Where else a stored value can live: attributes, literal dict keys, and container elements.

A snapshot is not always a local name. ``self.best = x`` and ``state["x_prev"] = x`` keep ``x`` in a
*field* of an object; ``history.append(x)``, ``traj += [x]`` and ``out[k] = x`` keep it among the
*elements* of a list or dict. Both are slots of the flow state (:class:`.flow.State`), keyed by the
holding object, so that an in-place write to ``x`` marks them stale exactly as it marks names:

    ("field", obj, name)   attribute ``name`` of ``obj``, or its literal string key ``name``
    ("elems", obj)         the elements of the list or dict ``obj``

A field is read where ``obj.name`` or ``obj["name"]`` is read (or the whole dict is). Elements are
read wherever the container is read for its contents, which excludes being the receiver of
``append`` and friends, a subscript store, ``len``, and ``+=``. A stale element read is kept only
when the container holds the object more than once (``dups``): every entry is then the last state,
which is the bug; a fresh array appended and then filled in is not.

This module also holds the *recency* rule (:meth:`HeapMixin._renew`): when an allocation runs
again (the next loop iteration), whatever held the previous object now holds an older one, which
writes through the new object's names do not touch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

import libcst as cst

from .. import cst_identity  # noqa: F401  (before any node is made)
from .values import EMPTY, Kind, Obj, Ref, Refs, is_callable_obj, older

if TYPE_CHECKING:
    from .state import Key, Origin, State
    from .summaries import ModuleAnalysis

# Calls that may reassign what an object's attributes or keys hold are assumed to, except these.
_READ_ONLY_BUILTINS = frozenset(
    "len print repr str int float bool abs min max sum any all sorted isinstance type id hash iter "
    "enumerate zip range round format hasattr getattr callable".split()
)
_READ_ONLY_METHODS = frozenset("get keys values items copy count index __getitem__ __len__".split())
# Methods that put elements into a list (the position of the element argument).
ELEMENT_METHODS = {"append": 0, "insert": 1, "appendleft": 0}
CONTAINER_WRITERS = frozenset(
    "append extend insert appendleft extendleft pop popitem popleft remove clear update setdefault sort reverse".split()
)


class HeapMixin:
    """Slot operations of :class:`.flow.ScopeAnalysis` (it provides the attributes used here)."""

    mod: "ModuleAnalysis"
    idx: int
    _held: set[Obj]
    _quiet: int
    _storing: int
    _share: Callable[..., None]
    _note_guard: Callable[[cst.CSTNode], None]
    _has_fields: bool
    _pending: list
    _literals: dict[cst.CSTNode, list[tuple[object, cst.BaseExpression, Refs]]]

    # --- storing --------------------------------------------------------------------------------
    def _hold(self, objs: Iterable[Obj]) -> None:
        for o in objs:
            if o[0] == "alloc" and len(o) == 3 and o[1] == self.idx:
                self._held.add(o)

    def _put(self, st: "State", key: "Key", refs: Refs, origin: "Origin", weak: bool) -> None:
        """Store ``refs`` into slot ``key`` (replacing what it held unless ``weak``)."""
        objs = [r.obj for r in refs if not is_callable_obj(r.obj)]
        if not objs and weak:
            return
        self._hold(objs)
        self._share(st, set(objs))
        self._note_guard(origin[0])
        pairs = frozenset((origin, o) for o in objs)
        if weak:
            held = st.env.get(key, EMPTY)
            again = {o for o in objs if any(r.obj == o for r in held)}
            if again:
                st.dups[key] = st.dups.get(key, frozenset()) | again
            st.env[key] = held | frozenset(r for r in refs if not is_callable_obj(r.obj))
            st.origin[key] = st.origin.get(key, frozenset()) | pairs
        else:
            st.env[key] = frozenset(r for r in refs if not is_callable_obj(r.obj))
            st.origin[key] = pairs
            st.stale.pop(key, None)
        self._note_copyable(origin, refs, st)

    def _store_field(self, st: "State", bases: Refs, name: str, value: Refs, origin: "Origin") -> None:
        """``obj.name = value`` or ``obj["name"] = value``."""
        objs = [r.obj for r in bases if not is_callable_obj(r.obj) and self.mod.kind(r.obj) != Kind.IMMUTABLE]
        for o in objs:
            self._has_fields = True
            self._put(st, ("field", o, name), value, origin, weak=len(objs) > 1)

    def _store_elements(self, st: "State", containers: Refs, value: Refs, origin: "Origin") -> None:
        """``value`` becomes one more element of each list or dict ``containers`` refers to."""
        for r in containers:
            if r.rel == 0 and self.mod.kind(r.obj) in (Kind.LIST, Kind.DICT):
                # (a list appended to itself is a recursive structure, not a stale entry)
                self._put(st, ("elems", r.obj), frozenset(v for v in value if v.obj != r.obj), origin, weak=True)

    def _store_into(self, st: "State", bases: Refs, target: cst.Subscript, value: Refs, origin: "Origin") -> None:
        """``d["best"] = x`` is a field of a dict; ``out[k] = x`` one more element of a list or dict."""
        from .flow import _literal_key

        key = None
        if len(target.slice) == 1 and type(target.slice[0].slice) is cst.Index:
            key = _literal_key(target.slice[0].slice.value)
        if isinstance(key, str):
            dicts = frozenset(r for r in bases if self.mod.kind(r.obj) == Kind.DICT)
            self._store_field(st, dicts, key, value, origin)
        else:
            self._store_elements(st, bases, value, origin)

    def _fill_literal(self, st: "State", literal: cst.BaseExpression, refs: Refs) -> None:
        """A list or dict literal that is kept: its elements (and literal keys) become slots."""
        elements = self._literals.get(literal)
        if not elements:
            return
        for key, expr, value in elements:
            origin = (literal, expr)
            if type(literal) is cst.Dict and isinstance(key, str):
                self._store_field(st, refs, key, value, origin)
            else:
                self._store_elements(st, refs, value, origin)

    def _concat(self, st: "State", result: Obj, parts: Iterable[Refs]) -> None:
        """``traj + [x]``: the new list holds the elements of both."""
        for refs in parts:
            for r in refs:
                key = ("elems", r.obj)
                if key in st.env:
                    for origin, o in st.origin.get(key, frozenset()):
                        self._put(st, ("elems", result), frozenset(x for x in st.env[key] if x.obj == o), origin, True)
                    if key in st.stale:
                        mine = ("elems", result)
                        st.stale[mine] = st.stale.get(mine, frozenset()) | st.stale[key]
                    if key in st.dups:
                        st.dups[("elems", result)] = st.dups.get(("elems", result), frozenset()) | st.dups[key]

    def _clear_elements(self, st: "State", containers: Refs) -> None:
        for r in containers:
            key = ("elems", r.obj)
            for d in (st.env, st.origin, st.stale, st.dups):
                d.pop(key, None)

    def _drop_fields(self, st: "State", objs: Iterable[Obj]) -> None:
        """A call that receives an object may rebind its attributes: forget what they held."""
        if not self._has_fields:
            return
        objs = set(objs)
        if not objs:
            return
        for key in [k for k in st.env if isinstance(k, tuple) and k[0] == "field" and k[1] in objs]:
            for d in (st.env, st.origin, st.stale):
                d.pop(key, None)

    def _call_drops_fields(self, call: cst.Call) -> bool:
        func = call.func
        if type(func) is cst.Name:
            return func.value not in _READ_ONLY_BUILTINS
        if type(func) is cst.Attribute:
            return func.attr.value not in _READ_ONLY_METHODS
        return True

    # --- reading --------------------------------------------------------------------------------
    def _read_field(self, st: "State", node: cst.CSTNode, bases: Refs, name: str) -> None:
        if not self._has_fields:
            return
        for r in bases:
            key = ("field", r.obj, name)
            facts = st.stale.get(key)
            if facts:
                self._pending.append((node, key, facts, "field", self._storing > 0))

    def _read_contents(self, st: "State", node: cst.CSTNode, refs: Refs) -> None:
        """``refs`` are read for what they hold (``np.array(hist)``, ``return d``, ``for h in hist``)."""
        for r in refs:
            key = ("elems", r.obj)
            facts = st.stale.get(key)
            if facts:
                dups = st.dups.get(key)
                if dups:
                    again = frozenset(f for f in facts if f[4] in dups)
                    if again:
                        self._pending.append((node, key, again, "elems", False))
            if self._has_fields and self.mod.kind(r.obj) == Kind.DICT:
                for k, facts in list(st.stale.items()):
                    if isinstance(k, tuple) and k[0] == "field" and k[1] == r.obj:
                        self._pending.append((node, k, facts, "field", False))

    # --- recency ----------------------------------------------------------------------------------
    def _renew(self, st: "State", obj: Obj) -> None:
        """``obj``'s allocation runs again: what held the previous object holds an older one now."""
        old = older(obj)
        self.mod.age(obj, old)

        def swap(o: Obj) -> Obj:
            if o == obj:
                return old
            if o[0] == "attr" and o[1] == obj:
                return ("attr", old, *o[2:])
            return o

        moved: list[tuple["Key", "Key"]] = []
        env = st.env
        for key, refs in env.items():
            for r in refs:  # whether swap changes one, without a call for each ref of each name
                o = r.obj
                if o == obj or (o[0] == "attr" and o[1] == obj):
                    env[key] = frozenset(Ref(swap(x.obj), x.rel, x.cond) for x in refs)
                    break
            if isinstance(key, tuple) and key[1] == obj:
                moved.append((key, (key[0], old, *key[2:])))
        for key, pairs in list(st.origin.items()):
            if any(o == obj for _, o in pairs):
                st.origin[key] = frozenset((origin, swap(o)) for origin, o in pairs)
        for key, facts in list(st.stale.items()):
            if any(f[4] == obj for f in facts):
                st.stale[key] = frozenset((*f[:4], swap(f[4]), *f[5:]) for f in facts)
        for key, objs in list(st.dups.items()):
            if obj in objs:
                st.dups[key] = frozenset(swap(o) for o in objs)
        for key, new_key in moved:
            for d in (st.env, st.origin, st.stale, st.dups):
                if key in d:
                    value = d.pop(key)
                    d[new_key] = d[new_key] | value if new_key in d else value

    # --- fixes --------------------------------------------------------------------------------------
    def _note_copyable(self, origin: "Origin", refs: Refs, st: "State") -> None:
        """Remember what a store stored, and whether it may be a value without ``.copy()`` (``None``,
        a number) on some path; :meth:`.summaries.ModuleResult.is_copyable` decides with the final
        object kinds. A fix must never make code raise where it did not."""
        plain = self._maybe_plain(origin[1], st) or any(is_callable_obj(r.obj) for r in refs) or not refs
        prev = self.mod.stored.get(origin)
        objs = frozenset(r.obj for r in refs) if refs else EMPTY  # the empty one shared (see values.frozen)
        if prev is None:
            self.mod.stored[origin] = (objs, plain)
        elif not (objs <= prev[0] and (prev[1] or not plain)):  # a visit again mostly stores the same
            self.mod.stored[origin] = (prev[0] | objs, prev[1] or plain)

    def _maybe_plain(self, expr: cst.BaseExpression, st: "State") -> bool:
        """Whether ``expr`` may be a value without ``.copy()`` (``None``, a number) on some path."""
        if type(expr) is cst.Name:
            return expr.value in st.plain or expr.value not in st.env
        if type(expr) in (cst.IfExp, cst.BooleanOperation):
            return True
        return False
