"""ALI100 `unguarded-finite-difference`: a helper stores a callable's results uncopied between
in-place changes of the array it passes (off by default).

## What it does
Finds a function that calls a callable parameter on an array parameter, stores the result without
a copy (`fp = f(x)`), then changes the array in place (`x[i] = old - h`) before reading the stored
result. It is reported at the store even when no call in the linted code passes an aliasing
callable: this is the latent form of ALI001, for libraries whose callers are not in view. A
wrapper that passes its own callable on (`def descend(objective, x0): ... num_grad(objective, x)`)
inherits the finding, but it is reported once, in the helper's terms (`num_grad` stores `f(x)`).

It is off by default; enable it with `--select ALI100` or `extend-select = ["ALI100"]`.

## Why is this bad
The helper is correct only for callables that return fresh arrays. Any caller passing `lambda x: x`,
a function returning `x.T`, `x[:]`, `x.reshape(-1)` or `np.asarray(x)`, or one that writes into a
persistent output buffer, gets a stored value that changes with the array: a central difference of
the same object, a gradient of zeros. `aliaslint --confirm --select ALI100` runs the helper with
such callables (probes) and shows which of them break it.

## Example
```python
def num_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f(x)          # ALI100
        x[i] = old - h
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g
```

## Use instead
```python
        fp = np.array(f(x), copy=True)   # or f(x).copy() when f returns arrays
```

## Fix safety
The fix appends `.copy()` to the stored call. It is **unsafe**: nothing shows what the callable
returns, and a Python float has no `.copy()`.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..analysis.flow import LatentFinding
from ..diagnostics import Diagnostic
from .ali001_stale_call_result import stale_call_findings
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI100"
NAME = "unguarded-finite-difference"
SUMMARY = "helper stores a callable parameter's result uncopied across in-place changes of the array it passed"


def _callable_param_call(latent: LatentFinding, scope: int) -> int | None:
    """The parameter index ``j`` when the finding needs only "parameter j returns its argument"
    (and, for ``x += ...``, "the array parameter is mutable", as every ndarray is), and the stored
    value is what calling ``j`` returned (``g = f(x); g += 1`` writes ``x`` through ``f``'s result:
    the stored ``x`` is no call's result)."""
    atoms = latent.cond
    if not atoms or latent.how != "inplace" or not isinstance(latent.origin[1], cst.Call):
        return None
    if any(a[1] != scope or a[0] not in ("aliases", "mutable") for a in atoms):
        return None  # it needs more than this function's own callable and array parameters
    params = {a[2] for a in atoms if a[0] == "aliases"}
    stored = {a[2] for a in latent.own if a[0] == "aliases"}
    return params.pop() if len(params) == 1 and stored == params else None


def _by_file(ctx: RuleContext) -> dict[cst.Module, list[tuple[int, LatentFinding, int]]]:
    """Each summary's latent findings that need only its function's callable and array
    parameters, with that parameter, by the file that holds the helper's store. Found once per
    component: going through every summary for each of its files took time that grew with the
    square of its size."""
    found = ctx.result.cache.get(CODE)
    if found is None:
        found = {}
        for scope, summary in ctx.result.summaries.items():
            for latent in summary.latent:
                j = _callable_param_call(latent, scope)
                if j is not None:
                    found.setdefault(ctx.result.module_node(latent.scope), []).append((scope, latent, j))
        ctx.result.cache[CODE] = found
    return found  # type: ignore[return-value]


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    candidates = _by_file(ctx).get(ctx.module, ())
    manifest = set(stale_call_findings(ctx)) if candidates else set()
    stores: dict[object, tuple[tuple[object, ...], LatentFinding, int, int]] = {}
    for scope, latent, j in candidates:
        if latent.origin in manifest:
            continue
        # The helper's own finding before one a caller inherited (it names the function that
        # holds the store), then the first read, the first write, the first parameter: the
        # message says no more than this key, so the choice never depends on a set's order.
        (read_in, *read), (write_in, *write) = ctx.locate(latent.read), ctx.locate(latent.mutation)
        key = (bool(latent.chain), *read, *write, j, read_in, write_in)
        best = stores.get(latent.origin)
        if best is None or key < best[0]:
            stores[latent.origin] = (key, latent, scope, j)
    for (store, value), (_, latent, scope, j) in stores.items():
        assert isinstance(value, cst.Call)
        fn = ctx.scope_name(scope)
        param = next((p.name for p in ctx.result.info.scopes[scope].params if p.index == j), "the callable")
        stored = ctx.code(value)
        msg = (
            f"`{fn}` stores `{stored}` uncopied and modifies its argument in place at line "
            f"{ctx.line(latent.mutation)} before the stored value is read at line {ctx.line(latent.read)}; "
            f"if `{param}` returns its argument or a view of it (`lambda x: x`, `x.T`, `np.asarray`), "
            f"the stored value changes with the argument"
        )
        start, end = ctx.range(store)
        related = (
            ctx.related("modified in place here", latent.mutation),
            ctx.related("stale value read here", latent.read),
        )
        yield Diagnostic(CODE, NAME, msg, ctx.path, start, end, related, copy_fix(ctx, value, "unsafe"))
