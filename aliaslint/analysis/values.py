"""Abstract values of the alias model.

A name holds a set of :class:`Ref`: "this value is (a view of) that abstract object, provided these
conditions hold". Objects are plain tuples so that states hash and compare cheaply during the
fixpoint; the helpers below are the only code that builds them, so their shapes live in one place.

Object shapes::

    ("param", scope, k)        parameter k of function scope ``scope``
    ("alloc", scope, node)     an object created by ``node`` while running ``scope``
    ("alloc", scope, node, 1)  an *older* object made by ``node`` (an earlier loop iteration): once
                               ``node`` runs again, what names and containers held before is no longer
                               what the newest object is, so writes through new names leave it alone
    ("attr", base, name)       attribute ``name`` of object ``base`` (bounded depth)
    ("retbuf", scope, j)       what calling parameter j of ``scope`` returns when it is a buffer
    ("func", scope)            the function (def or lambda) ``scope``
    ("bound", scope, self)     method ``scope`` bound to object ``self``
    ("partial", scope, n)      ``functools.partial(f, ...)`` of function ``scope``, ``n`` positionals bound
    ("class", name)            a class defined in the module
    ("import", scope, name)    what module scope ``scope`` imported as ``name``, from a file not
                               parsed yet: found, and that file parsed, only when the name is read
                               (see :meth:`.summaries.ModuleAnalysis.imports_read`)

Condition atoms (a ref or fact holds only when every atom of its condition holds)::

    ("aliases", scope, j, arg, c)  calling parameter j of ``scope`` (with the literal arguments
                                ``c``) returns (a view of) its argument ``arg`` (a position, or a
                                keyword name)
    ("buffer", scope, j, c)     calling parameter j (with the literal arguments ``c``, see
                                :class:`.guards.CallConsts`) returns a persistent buffer it overwrites
    ("writes", scope, j, c)     calling parameter j (so) writes into a persistent buffer that it
                                returns on some call
    ("mutable", scope, k)       parameter k of ``scope`` is a mutable container (``+=`` mutates it)
    ("array", scope, k)         parameter k of ``scope`` is an ndarray (slicing it makes a view)
    ("sparse", scope, k)        parameter k of ``scope`` may be a SciPy sparse matrix (what a true
                                ``issparse(p)`` says; an argument known to be an ndarray is not)

Conditions on a function's own parameters make a finding *latent*; call sites settle them.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, NamedTuple

Obj = tuple[Any, ...]
Atom = tuple[Any, ...]
Cond = frozenset[Atom]

NO_COND: Cond = frozenset()


class Rel(IntEnum):
    """How a value relates to the object it refers to; larger is less certain."""

    SAME = 0
    VIEW = 1
    MAYBE_VIEW = 2


class Kind(IntEnum):
    """What is known of an object's type; only what decides whether ``+=`` mutates it."""

    UNKNOWN = 0
    ARRAY = 1
    LIST = 2
    DICT = 3
    INSTANCE = 4
    CALLABLE = 5
    IMMUTABLE = 6
    RNG = 7  # a NumPy random generator: its sampling methods make new arrays


MUTABLE_KINDS = frozenset({Kind.ARRAY, Kind.LIST, Kind.DICT})


class Ref(NamedTuple):
    obj: Obj
    rel: Rel
    cond: Cond


Refs = frozenset[Ref]
EMPTY: Refs = frozenset()


def frozen(items: "set[Any] | frozenset[Any]") -> frozenset[Any]:
    """``frozenset(items)``, the empty one shared: an empty frozenset takes 200 bytes, and most of
    a summary's sets are empty (their sets were an eighth of what the analysis of scikit-learn's
    `utils` and `decomposition` kept, 3.4 of 26 MB)."""
    return frozenset(items) if items else EMPTY

# What a lookup of an imported name answers, asked not to parse, when the name leads into a file
# not parsed yet (see :meth:`.project.Resolver.target`).
UNLOADED: Obj = ("unloaded",)


def param(scope: int, k: int) -> Obj:
    return ("param", scope, k)


def alloc(scope: int, node: object) -> Obj:
    return ("alloc", scope, node)


def older(obj: Obj) -> Obj:
    """The summary of earlier objects from the same allocation site (recency abstraction)."""
    return obj if len(obj) == 4 else (*obj, 1)


MAX_ATTR_DEPTH = 2


def attr(base: Obj, name: str) -> Obj | None:
    """The attribute object, or None past the depth bound (keeps the lattice finite)."""
    depth, cur = 0, base
    while cur[0] == "attr":
        depth += 1
        cur = cur[1]
    if depth >= MAX_ATTR_DEPTH or base[0] in ("func", "bound", "class"):
        return None
    return ("attr", base, name)


def root(obj: Obj) -> Obj:
    while obj[0] == "attr":
        obj = obj[1]
    return obj


def is_callable_obj(obj: Obj) -> bool:
    """An imported name not looked up yet counts: it can name only a function or a class."""
    return obj[0] in ("func", "bound", "class", "partial", "import")


def with_rel(refs: Refs, rel: Rel) -> Refs:
    """Refs seen through an operation of relation ``rel`` (a view of a view is a view)."""
    return frozenset(Ref(r.obj, max(r.rel, rel), r.cond) for r in refs if not is_callable_obj(r.obj))


def with_cond(refs: Refs, cond: Cond) -> Refs:
    if not cond:
        return refs
    return frozenset(Ref(r.obj, r.rel, r.cond | cond) for r in refs)


REL_WORDS = {
    Rel.SAME: "returns its argument",
    Rel.VIEW: "returns a view of its argument",
    Rel.MAYBE_VIEW: "may return a view of its argument",
}
