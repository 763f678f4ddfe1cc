"""The values the flow analysis passes around: stored-value origins, stale facts, findings, and the
state at one program point (see :mod:`.flow` for the analysis itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import libcst as cst

from .guards import NO_GUARD, Guard
from .values import NO_COND, Cond, Kind, Obj, Ref, Refs, Rel

ArgKey = Union[int, str]
Origin = tuple[cst.CSTNode, cst.BaseExpression]  # (store statement, stored expression)
# (origin, mutation site, how, condition, object, link, partial, own): ``link`` is the store that made
# the alias the write went through (``b = a[:]`` for ``b[0] = 1``), when it went through a stored name;
# ``partial`` says both the stale value and the write see the object through views (two rows of
# one array), so they may not overlap; ``own`` is the part of the condition that the stored value
# holds the object under (the rest is the write's: ``g = f(x); g += 1`` writes ``x`` only if ``f``
# returns its argument), the only part that says why the stored value aliases (its evidence).
Fact = tuple[Origin, cst.CSTNode, str, Cond, Obj, Union[Origin, None], bool, Cond]
Arg = tuple[Union[str, None], str, Refs]  # (keyword, star, refs)
# What holds a stored value: a local name (str), an attribute or literal dict key of an object
# (``("field", obj, name)``), or the elements of a list or dict (``("elems", obj)``).
Key = Union[str, tuple]
NO_SIGNALS: frozenset[str] = frozenset()


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
    holder: str = "name"
    signals: frozenset[str] = NO_SIGNALS
    link: Origin | None = None
    scope: int = -1  # the scope the stored value and its read are in
    own: Cond = NO_COND  # what of ``cond`` the stored value holds ``obj`` under (see :data:`Fact`)


@dataclass(frozen=True)
class FlowFinding:
    """A stored value read after an in-place write to the object it aliases.

    ``holder`` says what held the value: a local ``name``, a ``field`` (an attribute or a literal
    dict key), or the ``elems`` of a list or dict holding the same object more than once.
    ``signals`` are what the read shows of the code's intent: ``compared`` (the same statement
    also reads the array as it is now, as in ``norm(x - x_old)``), ``writeback`` (the stale value
    is written back into the array it aliases, as in a swap through a temporary), ``swap`` (a
    tuple assignment whose later value is a view of what an earlier target overwrote); and what
    weakens it: ``store`` (the value is only written into, measured or appended to, not read),
    ``partial`` (the value and the write are both views of one array, maybe disjoint).
    """

    origin: Origin
    mutation: cst.CSTNode
    how: str  # "inplace" or "overwrite" (a later call overwrote the buffer)
    read: cst.CSTNode
    evidence: tuple[Evidence, ...]
    chain: tuple[cst.Call, ...]  # call sites, innermost first, that made it manifest
    kind: Kind = Kind.UNKNOWN  # what is known of the aliased object's type (decides fix safety)
    holder: str = "name"
    signals: frozenset[str] = NO_SIGNALS
    link: Origin | None = None
    obj: Obj | None = None  # the object that went stale
    scope: int = -1  # the scope the stored value and its read are in


class State:
    """What holds what at one program point.

    ``env`` maps names and heap slots (see :data:`Key`) to what they refer to; ``origin`` says which
    store put each object there; ``stale`` lists the writes since; ``dups`` the objects a list or
    dict holds more than once; ``plain`` the names that may hold a value without ``.copy()``.
    ``distinct`` holds pairs of names that surely refer to different objects although their refs
    overlap: the halves of a double buffer swapped with ``u, u_next = u_next, u`` are different
    arrays on every path, which a union of objects at the loop head cannot say. ``unique`` holds
    names that are the only holder of the object they refer to, on every path: bound to an array
    made right there (``w = np.dot(X.T, y)`` in either branch) and not stored anywhere since, so a
    write through them changes nothing another name holds.

    ``gates`` says under which guard (see :mod:`.guards`) a name holds a ref to a parameter: after
    ``if copy: array = array.copy()`` the name ``array`` holds the parameter only where ``copy`` is
    false, which a union of refs at the join cannot say. A pair with no entry holds unguarded; a
    guard only ever weakens at joins (what both sides share), so the fixpoint still ends.
    """

    __slots__ = ("env", "origin", "stale", "dups", "plain", "distinct", "unique", "gates")

    def __init__(
        self,
        env: dict[Key, Refs] | None = None,
        origin: dict[Key, frozenset[tuple[Origin, Obj]]] | None = None,
        stale: dict[Key, frozenset[Fact]] | None = None,
        dups: dict[Key, frozenset[Obj]] | None = None,
        plain: dict[str, bool] | None = None,
    ) -> None:
        self.env = env if env is not None else {}
        self.origin = origin if origin is not None else {}
        self.stale = stale if stale is not None else {}
        self.dups = dups if dups is not None else {}
        self.plain = plain if plain is not None else {}
        self.distinct: frozenset[frozenset[str]] = frozenset()
        self.unique: frozenset[str] = frozenset()
        self.gates: dict[tuple[str, Ref], Guard] = {}

    def copy(self) -> "State":
        out = State(dict(self.env), dict(self.origin), dict(self.stale), dict(self.dups), dict(self.plain))
        out.distinct = self.distinct
        out.unique = self.unique
        out.gates = dict(self.gates)
        return out

    def holds(self, name: str, ref: Ref) -> bool:
        return ref in self.env.get(name, ())

    def forget_gates(self, name: str) -> None:
        """``name`` is bound anew (or deleted): what it held and under which guard no longer holds."""
        if self.gates:
            for pair in [p for p in self.gates if p[0] == name]:
                del self.gates[pair]

    def gate(self, name: str, ref: Ref) -> Guard:
        return self.gates.get((name, ref), NO_GUARD) if self.gates else NO_GUARD

    def _join_gates(self, other: "State") -> bool:
        """A pair held on both sides keeps what both guards share; held on one side only, that
        side's guard (the other side's paths do not hold it at all)."""
        changed = False
        for pair in set(self.gates) | set(other.gates):
            name, ref = pair
            mine, theirs = self.holds(name, ref), other.holds(name, ref)
            if mine and theirs:
                new = self.gates.get(pair, NO_GUARD) & other.gates.get(pair, NO_GUARD)
            elif theirs:
                new = other.gates[pair]
            else:
                continue
            if new != self.gates.get(pair, NO_GUARD if mine else None):
                if new:
                    self.gates[pair] = new
                else:
                    self.gates.pop(pair, None)
                changed = True
        return changed

    def holds_distinct(self, pair: frozenset[str]) -> bool:
        """Whether the two names refer to different objects here (recorded, or refs disjoint)."""
        if pair in self.distinct:
            return True
        a, b = tuple(pair)
        ra, rb = self.env.get(a), self.env.get(b)
        if not ra or not rb:
            return True
        objs = {r.obj for r in ra}
        return not any(r.obj in objs for r in rb)

    def join(self, other: "State") -> bool:
        changed = self._join_gates(other) if self.gates or other.gates else False
        if self.unique:
            keep = self.unique & other.unique
            if keep != self.unique:
                self.unique = keep
                changed = True
        if self.distinct or other.distinct:
            keep = frozenset(p for p in self.distinct | other.distinct if self.holds_distinct(p) and other.holds_distinct(p))
            if keep != self.distinct:
                self.distinct = keep
                changed = True
        for mine, theirs in ((self.env, other.env), (self.origin, other.origin), (self.stale, other.stale),
                             (self.dups, other.dups)):
            for key, value in theirs.items():
                cur = mine.get(key)
                if cur is value:  # mostly: both sides are copies of one state
                    continue
                if cur is None:
                    mine[key] = value
                    changed = True
                elif not value <= cur:
                    mine[key] = cur | value
                    changed = True
        for key in other.plain:
            if key not in self.plain:
                self.plain[key] = True
                changed = True
        return changed


