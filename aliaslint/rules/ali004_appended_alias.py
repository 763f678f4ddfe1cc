"""ALI004 `appended-alias`: the same array is put into a list or dict again and again while it is
changed in place, so every entry is its last state.

## What it does
Finds `history.append(x)` (or `history.insert(i, x)`, `history.extend([x])`, `traj += [x]`,
`traj = traj + [x]`, `ys = [y]`, `out[k] = x` on a list or dict) where the collection ends up
holding the same array object more than once, `x` is changed in place after it was put in
(`x += dx`, `x[i] = ...`, `x -= lr * g`, `out=x`, ...), and the collection is read afterwards
(`np.array(history)`, `return traj`, `for h in history`, `history[-1]`).

An array that is new in every iteration (`x = x + dx`, `x = step(x)`, `row = np.empty(n)`) is a
different object each time and is not reported, even when it is filled in after being appended.

## Why is this bad
A list holds references, not values. Appending `x` stores the array itself; the next `x += dx`
changes the entry already stored. After the loop every entry is the final state: a trajectory
that does not move, a loss curve of one repeated value.

## Example
```python
def gradient_descent(grad, x0, lr=0.1, steps=100):
    x = np.array(x0, dtype=float)
    path = []
    for _ in range(steps):
        path.append(x)            # ALI004
        x -= lr * grad(x)
    return np.array(path)         # every row is the last x
```

## Use instead
```python
        path.append(x.copy())
```

## Fix safety
The fix appends `.copy()` to the stored element (`path.append(x.copy())`, `traj += [x.copy()]`).
It is **safe** when the element is known to be an ndarray, list or dict on every path, and
**unsafe** otherwise (a value of unknown type may have no `.copy()`).
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Diagnostic
from .ali003_stale_snapshot import applicability
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI004"
NAME = "appended-alias"
SUMMARY = "array stored in a list or dict is stored again after an in-place change: every entry is its last state"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for cand in ctx.snapshots(CODE):
        f = cand.finding
        holder = f"`{cand.name}`" if cand.name else "the collection"
        item = ctx.code(cand.value)
        msg = (
            f"{holder} holds `{item}` itself, not a copy, and holds it more than once: `{item}` is "
            f"{ctx.write_then_read(f.mutation, f.read, holder)} with every such entry equal to its last state"
        )
        start, end = ctx.range(cand.site)
        related = (ctx.related("modified in place here", f.mutation), ctx.related("collection read here", f.read))
        fix = copy_fix(ctx, cand.value, applicability(ctx, cand))
        yield Diagnostic(CODE, NAME, msg, ctx.path, start, end, related, fix)
