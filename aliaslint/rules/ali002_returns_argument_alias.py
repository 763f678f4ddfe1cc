"""ALI002 `returns-argument-alias`: a function returns its argument (or a view of it), and a caller
keeps that result while the argument is modified in place.

## What it does
Reports the `return` expression (or lambda body) of a function that returns one of its array
arguments itself, or a view of it (`x`, `x.T`, `x[:]`, `x[::2]`, `x.reshape(-1)`, `x.ravel()`,
`np.asarray(x)`, `np.atleast_2d(x)`, `x.astype(dtype, copy=False)`, `x.squeeze()`), when that
result reaches a stale store reported by ALI001.

It is silent for functions that return their argument but whose results are never kept across an
in-place change: returning a view is often intended.

## Why is this bad
Callers such as finite-difference helpers assume `f(x)` is a new value. When it is `x` itself,
every result they stored changes as soon as they perturb `x`, and the derivative comes out as zero.

## Example
```python
def lin(x):
    return x          # ALI002

def transposed(x):
    return x.T        # ALI002 (a view)
```

## Use instead
```python
def lin(x):
    return x.copy()
```
or copy at the call site that keeps the value (ALI001).

## Fix safety
The fix appends `.copy()` to the returned expression (`return x` -> `return x.copy()`, `return x.T`
-> `return x.T.copy()`). It is **unsafe**: it changes the function for every caller, costs a copy on
every call, and raises if some caller passes a value without `.copy()` (a Python float).
"""

from __future__ import annotations

from typing import Iterator

from ..analysis.values import Rel
from ..diagnostics import Diagnostic
from .ali001_stale_call_result import stale_call_findings
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI002"
NAME = "returns-argument-alias"
SUMMARY = "function returns its argument or a view of it, and a caller keeps the result across an in-place change"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    stores: dict[object, tuple[tuple[object, ...], str, str, Rel, str | None]] = {}
    for (store, _value), findings in stale_call_findings(ctx).items():
        if not any(ev.kind == "alias" and ctx.owns_scope(ev.scope) for f in findings for ev in ctx.evidence_of(f)):
            continue  # none of the aliasing functions is in this file: no position needed
        path, start, _ = ctx.locate(store)
        key = (path != ctx.path, path, start.row)  # the first store in this file, else in another
        for f in findings:
            for ev in ctx.evidence_for(f):
                if ev.kind != "alias" or not ctx.owns_scope(ev.scope):
                    continue
                # the first store, then the first evidence: a return that hands back several
                # parameters (`return f(b, c, a)`) names the same one on every run
                chosen = (*key, ctx.evidence_key(ev))
                for ret in ev.returns:
                    prev = stores.get(ret)
                    if ctx.owns(ret) and (prev is None or chosen < prev[0]):
                        stores[ret] = (chosen, ctx.where(store), ctx.scope_name(ev.scope), ev.rel, ev.returned)
    for ret, (_key, where, fn, rel, returned) in stores.items():
        arg = f"`{returned}`" if returned else "its argument"
        what = {Rel.SAME: f"its argument {arg} itself", Rel.VIEW: f"a view of its argument {arg}"}.get(
            rel, f"what may be a view of its argument {arg}"
        )
        start, end = ctx.range(ret)  # type: ignore[arg-type]
        msg = (
            f"`{fn}` returns {what}, not a copy; the result stored at {where} goes stale "
            f"when the argument is modified in place"
        )
        yield Diagnostic(CODE, NAME, msg, ctx.path, start, end, (), copy_fix(ctx, ret, "unsafe"))  # type: ignore[arg-type]
