"""Make the stale read observable: wrap the value computed from it in ``_aliaslint_observe(0, ...)``.

The wrapped expression is the read grown through arithmetic and indexing (``(fp - fm) / (2*h)``,
``(x - x_old)[i]``), stopping at a call argument or a statement: that is the value the code goes on
to use, so it is what differs between the program as written and the fixed one. Edits only insert
text, at positions of the original module, so they combine with the fix's edits.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from .. import cst_identity  # noqa: F401  (before any node is made)
from ..diagnostics import Edit, Location

OBSERVE = "_aliaslint_observe"

_GROW_THROUGH = (cst.BinaryOperation, cst.UnaryOperation)


def _grows(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    if isinstance(parent, _GROW_THROUGH):
        return True
    return isinstance(parent, cst.Subscript) and parent.value is child


def _is_target(node: cst.CSTNode, parents: dict[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether ``node`` sits on the left of an assignment (then it is not a value to observe)."""
    child = node
    parent = parents.get(child)
    while parent is not None and not isinstance(parent, cst.BaseSmallStatement):
        if isinstance(parent, (cst.AssignTarget, cst.Del)):
            return True
        if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is child:
            return True
        child, parent = parent, parents.get(parent)
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is child:
        return True
    return isinstance(parent, cst.Del)


def observation_edits(text: str, read: Location, grow: bool = True) -> tuple[Edit, ...] | None:
    """Edits that report the value of the read at ``read`` (a name's start), or None if no name
    starts there. ``grow=False`` wraps the name alone (the fallback when the grown form fails)."""
    wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    name = next(
        (n for n, r in positions.items()
         if isinstance(n, cst.Name) and (r.start.line, r.start.column + 1) == (read.row, read.column)),
        None,
    )
    if name is None:
        return None
    node: cst.CSTNode = name
    if grow:
        while (parent := parents.get(node)) is not None and _grows(parent, node) \
                and not _is_target(parent, parents):
            node = parent
    r = positions[node]
    start = Location(r.start.line, r.start.column + 1)
    end = Location(r.end.line, r.end.column + 1)
    return (Edit(f"{OBSERVE}(0, ", start, start), Edit(")", end, end))
