"""The fix every aliasing rule offers: take a copy of the expression that aliases.

Edits only insert text (`.copy()`, and parentheses where the expression binds looser than an
attribute access), so comments, spacing and quoting around the expression stay as they were.
"""

from __future__ import annotations

import libcst as cst

from ..diagnostics import Edit, Fix
from .context import RuleContext

# Expressions that `.copy()` can follow without parentheses.
_PRIMARIES = (cst.Name, cst.Attribute, cst.Subscript, cst.Call, cst.List, cst.Dict, cst.Set, cst.ListComp)


def copy_fix(ctx: RuleContext, expr: cst.BaseExpression, applicability: str) -> Fix:
    start, end = ctx.range(expr)
    if isinstance(expr, _PRIMARIES) or ctx.parenthesized(expr):
        edits: tuple[Edit, ...] = (Edit(".copy()", end, end),)
    else:
        edits = (Edit("(", start, start), Edit(").copy()", end, end))
    return Fix(applicability, f"Copy `{ctx.code(expr, 30)}`", edits)
