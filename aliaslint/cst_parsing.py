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
"""

from __future__ import annotations

import functools
from typing import Iterator

import libcst as cst
from libcst._nodes.base import CSTNode


def _unchecked(self: CSTNode) -> None:
    """What a node does when it is made, while :func:`parse_module` runs: nothing."""


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


def parse_module(source: str | bytes) -> cst.Module:
    """``libcst.parse_module(source)``, without the per-node checks its grammar makes redundant."""
    if not checks_can_be_skipped():
        return cst.parse_module(source)
    checked = CSTNode.__dict__["__post_init__"]
    CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        CSTNode.__post_init__ = checked  # type: ignore[method-assign]
