"""LibCST parsing without re-checking what its parser has already checked.

Every LibCST node checks its own fields when it is made (`CSTNode.__post_init__` calls
`_validate`): that a `Name` is an identifier, that a call's positional arguments come before its
keywords, and so on. That is a guard for code that builds nodes by hand. A tree from LibCST's
parser has been checked by its grammar already, and the checks were about a tenth of the time of
`libcst.parse_module` over `scipy/optimize` (LibCST's own source notes the cost at `__post_init__`). So
:func:`parse_module` turns them off while the parser runs and on again after, and nodes made
anywhere else (by a fix, or a caller of LibCST in the same process) are still checked.

It does this only where it knows what it turns off: `__post_init__` must be LibCST's own, which
does nothing but call `_validate`, and no node class may have one of its own. With any other
LibCST, the parse is LibCST's, checks included.

While it runs, the parser's spaces and newlines are also shared: a `SimpleWhitespace` or a
`Newline` is made once per process for each value (the parser makes every node by calling its
class, so `__new__` can hand back the one made before). They are nearly half of a tree's nodes
(9,856 and 1,820 of the 24,377 of `sklearn/utils/validation.py`), and the trees most of a big
run's memory: checking scikit-learn alone peaked at 546 to 554 MB instead of 668 to 679 MB, in
the same time. What reads the trees (the analysis, the rules) never walks into whitespace nor asks
where it is; code generation, and so every other node's position, is the same. Other leaves
(commas, operators, colons) are left alone: the analysis walks to a slice's colons and a relative
import's dots, and sharing nodes made of other nodes cost more time than it saved memory.

A name's text is interned as well (`sys.intern`): each `Name` of a tree had a string of its own
(strings were a sixth of a tree's memory, most of them names'), though a file repeats a few
hundred names (12,047 texts among the 109,257 strings of 200 files of scikit-learn). 200 trees
took 46.1 MB instead of 52.6 MB, and checking scikit-learn alone peaked at 479 to 482 MB instead
of 498 to 504 MB (two runs each). The parser makes every `Name` through its class, whose
`__post_init__` (in place of the one that does nothing, above) interns the text while the parser
runs, and is taken off again after.

Making the nodes is what the parser spends most of its Python time on, and a LibCST node's
`__init__` is a frozen dataclass's: it sets each field through `object.__setattr__`, then calls
`__post_init__`. Each node class is given instead, once, an `__init__` made from its dataclass
fields that sets its slots directly, and calls `__post_init__` only outside a parse (where it
checks the node), interning a `Name`'s text inside one. That took parsing 150 files of
scikit-learn from 2.61 to 2.41 s (the fastest of five runs each, the trees equal); nodes made
anywhere else are made as LibCST makes them, checks included. A class whose `__init__` is not
the one dataclasses wrote, or whose fields this does not know how to take, keeps its own.

All of this holds inside :func:`parsing`, which :mod:`.cst_from_ast` uses too: it builds trees
from Python's `ast` and leaves spaces and punctuation to their defaults, so there a field left
out takes one default made once for its class (LibCST's parser passes every field).

Trees are pickled to be kept in the cache (:mod:`.kept_trees`), and a node's state was LibCST's:
a dict of its fields, which `__getstate__` builds by asking `dataclasses.fields` for them, node
by node, and `__setstate__` sets one by one through ``object.__setattr__``. Each node class is
given, when this module is first imported (before any tree is pickled or unpickled here), a
state that is the tuple of its fields' values, read by one ``operator.attrgetter`` and set
through the slots' descriptors (:func:`_fast_states`): the skeletons of `sklearn/utils` pickled
in 0.22 s instead of 0.51 s and unpickled in 0.17 s instead of 0.26 s, 40% smaller before
compression. A node with a field unset (none is, once made) keeps LibCST's dict, which
`__setstate__` still takes; a class whose state functions are not LibCST's keeps its own.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import operator
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import libcst as cst
from libcst._nodes.base import CSTNode

from . import cst_identity  # noqa: F401  (before any node is made)


_MISSING = object()


def _unchecked(self: CSTNode) -> None:
    """What a node does when it is made, while :func:`parse_module` runs: nothing."""


def _interned(self: cst.Name) -> None:
    """What a `Name` does when it is made, while :func:`parse_module` runs: share its text."""
    object.__setattr__(self, "value", sys.intern(self.value))


def _node_classes() -> Iterator[type]:
    seen: set[type] = set()
    todo = [CSTNode]
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            yield t
            todo.extend(t.__subclasses__())


@functools.cache
def checks_can_be_skipped() -> bool:
    """Whether a node's `__post_init__` is only the `_validate` call this module knows."""
    own = CSTNode.__dict__.get("__post_init__")
    code = getattr(own, "__code__", None)
    if code is None or code.co_names != ("_validate",):
        return False
    return all("__post_init__" not in t.__dict__ for t in _node_classes() if t is not CSTNode)


@functools.cache
def _shareable() -> tuple[type, ...]:
    """The node classes shared while parsing: whitespace of one line, and newlines. The analysis
    never walks into them (see :func:`.analysis.walk.children`), nor asks where one is. Neither when
    one of them makes its nodes in a way this module does not know (a ``__new__`` of its own)."""
    found = (cst.SimpleWhitespace, cst.Newline)
    return () if any(t.__new__ is not object.__new__ for t in found) else found


# Whether the nodes being made are checked (False while parse_module runs): read by the `__init__`s
# of :func:`_fast_inits`, a list so that all of them see one value.
_CHECKED = [True]

# Fields whose value is made while parsing as `__post_init__` (see `_interned`) would.
_WHILE_PARSING: dict[tuple[type, str], Callable[[Any], Any]] = {(cst.Name, "value"): sys.intern}


def _fast_init(t: type) -> Callable[..., None] | None:
    """An ``__init__`` for node class ``t`` that does what its dataclass ``__init__`` does (the
    same parameters, defaults and default factories; each field set; ``__post_init__`` called),
    except while parsing; None when ``t``'s own is not one dataclasses wrote or its fields are
    of a kind this does not make (keyword-only, or not taken by ``__init__``)."""
    own = t.__dict__.get("__init__")
    if getattr(getattr(own, "__code__", None), "co_filename", None) != "<string>":
        return None
    # a default factory's parameter has dataclasses' own marker as its default, as in theirs (some
    # callers pass the signature's defaults on)
    theirs = inspect.signature(own).parameters
    scope: dict[str, Any] = {"_checked": _CHECKED, "_set": object.__setattr__}
    params: list[str] = []
    body: list[str] = []
    for k, f in enumerate(dataclasses.fields(t)):
        if not f.init or f.kw_only or not f.name.isidentifier():
            return None
        slot = getattr(t, f.name, None)
        if type(slot).__name__ == "member_descriptor":
            scope[f"_slot{k}"] = slot.__set__  # type: ignore[union-attr]
            setter = f"_slot{k}(self, {{}})"
        else:
            setter = f"_set(self, {f.name!r}, {{}})"
        if f.default is not dataclasses.MISSING:
            scope[f"_default{k}"] = f.default
            params.append(f"{f.name}=_default{k}")
        elif f.default_factory is not dataclasses.MISSING:
            if f.name not in theirs:
                return None
            scope[f"_factory{k}"], scope[f"_marker{k}"] = f.default_factory, theirs[f.name].default
            # while parsing, one default made for every node of the class: a space, a bracket
            # (only :mod:`.cst_from_ast` leaves them out; LibCST's parser passes every field)
            scope[f"_shared{k}"] = f.default_factory()
            params.append(f"{f.name}=_marker{k}")
            body.append(f"    if {f.name} is _marker{k}: {f.name} = _factory{k}() if _checked[0] else _shared{k}")
        else:
            params.append(f.name)
        made = _WHILE_PARSING.get((t, f.name))
        if made is not None:
            scope[f"_made{k}"] = made
            body.append("    " + setter.format(f"{f.name} if _checked[0] else _made{k}({f.name})"))
        else:
            body.append("    " + setter.format(f.name))
    body.append("    if _checked[0]: self.__post_init__()")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), scope)
    made_init = scope["__init__"]
    made_init.__qualname__ = f"{t.__qualname__}.__init__"
    made_init.__module__ = t.__module__
    return made_init  # type: ignore[no-any-return]


# The `__init__`s dataclasses wrote for the classes that now have one of :func:`_fast_init`.
DATACLASS_INITS: dict[type, Callable[..., None]] = {}


@functools.cache
def _fast_inits() -> None:
    """Give every node class that can have one the `__init__` of :func:`_fast_init`, once."""
    for t in list(_node_classes()):
        made = _fast_init(t)
        if made is not None:
            DATACLASS_INITS[t] = t.__dict__["__init__"]
            t.__init__ = made  # type: ignore[misc]


_SHARED: dict[tuple[type, object], CSTNode] = {}  # (class, value) -> the one node of it, for the process
_sharing = False  # whether parse_module is running


def _shared_new(cls: type, value: object = _MISSING, **fields: Any) -> Any:
    """While :func:`parse_module` runs, the node of this class and value made before; else, and
    outside it, a node of its own. Its ``__init__`` runs again on it with the same value."""
    if not _sharing or value is _MISSING or fields:  # (``copy`` and ``pickle`` make it with no value)
        return object.__new__(cls)
    found = _SHARED.get((cls, value))
    if found is None:
        found = _SHARED[(cls, value)] = object.__new__(cls)
    return found


def parse_module(source: str | bytes) -> cst.Module:
    """``libcst.parse_module(source)``, without the per-node checks its grammar makes redundant,
    its spaces and newlines shared, its names' texts interned."""
    with parsing():
        return cst.parse_module(source)


def prepare() -> None:
    """Make now what a process's first parse makes once: the node classes' `__init__`s (see
    :func:`_fast_inits`) and the shared nodes' ``__new__``. The fork server does so when it
    imports the checker, and the processes it forks for big checks start with them (about 0.04 s
    each; ten or so in a cold run of the corpus)."""
    if checks_can_be_skipped():
        _share()
        _fast_inits()


@contextmanager
def parsing() -> Iterator[None]:
    """While it lasts, nodes are made as :func:`parse_module` makes them (unchecked, spaces and
    newlines shared, names interned): for LibCST's parser, or code that builds a tree the parser
    would have built (:mod:`.cst_from_ast`). Outside it, as LibCST makes them."""
    if not checks_can_be_skipped() or not _CHECKED[0]:
        yield
        return
    global _sharing
    checked = CSTNode.__dict__["__post_init__"]
    _share()
    _fast_inits()
    CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    cst.Name.__post_init__ = _interned  # type: ignore[method-assign]
    _sharing = True
    _CHECKED[0] = False
    try:
        yield
    finally:
        _CHECKED[0] = True
        _sharing = False
        del cst.Name.__post_init__  # it has none of its own (see checks_can_be_skipped)
        CSTNode.__post_init__ = checked  # type: ignore[method-assign]


@functools.cache
def _share() -> None:
    """Give the shareable classes :func:`_shared_new`, once: it stays (taking a ``__new__`` off a
    class again leaves CPython refusing the class's arguments), and shares only while parsing."""
    for t in _shareable():
        t.__new__ = _shared_new  # type: ignore[method-assign]


def _fast_state(t: type) -> tuple[Callable[[Any], Any], Callable[[Any, Any], None]] | None:
    """A ``__getstate__`` and ``__setstate__`` for node class ``t`` that keep its fields' values
    as a tuple; None when ``t``'s are not the ones LibCST's ``add_slots`` gives, or a field is
    not a slot."""
    theirs = t.__dict__.get("__getstate__"), t.__dict__.get("__setstate__")
    if any(getattr(f, "__qualname__", None) not in ("add_slots.<locals>.__getstate__", "add_slots.<locals>.__setstate__")
           for f in theirs):
        return None
    dict_state, dict_set = theirs
    names = tuple(f.name for f in dataclasses.fields(t))
    slots = [getattr(t, name, None) for name in names]
    if any(type(slot).__name__ != "member_descriptor" for slot in slots):
        return None
    setters = tuple(slot.__set__ for slot in slots)  # type: ignore[union-attr]
    read = operator.attrgetter(*names) if len(names) > 1 else None
    name = names[0] if len(names) == 1 else None

    def __getstate__(self: Any) -> Any:
        try:
            return read(self) if read is not None else (getattr(self, name),) if name is not None else ()
        except AttributeError:  # a field unset: LibCST's dict, of those set
            return dict_state(self)

    def __setstate__(self: Any, state: Any) -> None:
        if type(state) is dict:
            dict_set(self, state)
            return
        # (no check that the lengths agree, which took a fifth of unpickling: the trees kept are
        # in a folder of their own for each LibCST, see kept_trees.folder)
        for put, value in zip(setters, state):
            put(self, value)

    return __getstate__, __setstate__


@functools.cache
def _fast_states() -> None:
    """Give every node class that can have them the state functions of :func:`_fast_state`, once."""
    for t in list(_node_classes()):
        made = _fast_state(t)
        if made is not None:
            t.__getstate__, t.__setstate__ = made  # type: ignore[attr-defined]


_fast_states()  # before any tree is pickled or unpickled in this process
