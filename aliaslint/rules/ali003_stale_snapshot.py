"""ALI003 `stale-snapshot`: a value kept as "the old state" is the array itself, which is then
changed in place.

## What it does
Finds a snapshot taken by assignment, `x_old = x` (or `prev = x`, `best = x`, `x0 = x`, a row such
as `best = swarm[k]`, an attribute `self.best = x`, a dict entry `state["x_prev"] = x`), followed by
an in-place update of the array (`x += dx`, `x[i] = ...`, `x -= lr * g`, `np.add(x, d, out=x)`,
`np.copyto(x, ...)`, a call that writes into it) and a later read of the snapshot. The loop-carried
form counts too: `x = x_new` at the end of one iteration, `x_new[i] = ...` in the next.

It reports only what the code shows was meant to be a snapshot: a name that says so (`old`, `prev`,
`best`, `last`, `init`, `x0`, `backup`, `orig`, `saved`, ...), a read that sets the snapshot beside
the current array (`np.linalg.norm(x - x_old)`, `np.allclose(x, prev)`), or `x = x_new`. Aliases
kept on purpose, such as `data = self.data`, are left alone. Slicing (`x_old = x[:]`) is ALI005.

## Why is this bad
Assignment never copies an array: `x_old` *is* `x`. After `x -= lr * g`, `x - x_old` is zero, so
a convergence test stops after the first step (or never stops), and a "best so far" follows the
current iterate instead of keeping the best one.

## Example
```python
def power_iteration(A, iters=100, tol=1e-10):
    x = np.ones(A.shape[0])
    for _ in range(iters):
        x_old = x                          # ALI003
        x[:] = A @ x
        x /= np.linalg.norm(x)
        if np.linalg.norm(x - x_old) < tol:  # always 0: stops after one step
            break
    return x
```

## Use instead
```python
        x_old = x.copy()
```

## Fix safety
The fix appends `.copy()` to the stored value (`x_old = x.copy()`, `best = swarm[k].copy()`). It is
**safe** when the stored value is known to be an ndarray, list or dict on every path (all have
`.copy()`, and the copy is exactly the snapshot the code meant), and **unsafe** otherwise: a value
of unknown type, or one that may be `None` or a number on some path, might have no `.copy()`.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..analysis.snapshots import Candidate
from ..diagnostics import Diagnostic
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI003"
NAME = "stale-snapshot"
SUMMARY = "snapshot of an array is the array itself, which is modified in place before the snapshot is read"


def applicability(ctx: RuleContext, cand: Candidate) -> str:
    """Safe only when the stored value surely has `.copy()`: a fix must never make code raise."""
    return "safe" if ctx.result.is_copyable(cand.store) else "unsafe"


def _written(ctx: RuleContext, mutation: cst.CSTNode) -> str:
    """What the write goes through, as written: `x` in `x[i] = ...`, `x += dx`, `x.sort()`, `out=x`."""
    node: cst.CSTNode = mutation
    if isinstance(node, cst.Call):
        out = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "out"), None)
        if out is not None:
            node = out
        elif isinstance(node.func, cst.Attribute) and not node.args:
            node = node.func.value
        elif node.args:
            node = node.args[0].value
    while isinstance(node, cst.Subscript):
        node = node.value
    return f"`{ctx.code(node)}`" if isinstance(node, (cst.Name, cst.Attribute)) else "the array"


def _what(ctx: RuleContext, cand: Candidate) -> str:
    value = cand.value
    if isinstance(value, cst.Subscript):
        base = ctx.code(value.value)
        return f"a view of `{base}` (an integer index on an array of two or more dimensions returns a view), not a copy"
    return f"`{ctx.code(value)}` itself, not a copy"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for cand in ctx.snapshots(CODE):
        f = cand.finding
        name = f"`{cand.name}`" if cand.name else "the snapshot"
        msg = (
            f"{name} is {_what(ctx, cand)}: {_written(ctx, f.mutation)} is "
            f"{ctx.write_then_read(f.mutation, f.read, name)} with the new contents"
        )
        start, end = ctx.range(cand.site)
        related = (ctx.related("modified in place here", f.mutation), ctx.related("stale snapshot read here", f.read))
        fix = copy_fix(ctx, cand.value, applicability(ctx, cand))
        yield Diagnostic(CODE, NAME, msg, ctx.path, start, end, related, fix)
