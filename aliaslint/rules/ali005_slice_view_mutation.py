"""ALI005 `slice-view-mutation`: a slice of a NumPy array, kept as if it were a copy, changes with
the array (or changes it).

## What it does
Finds `b = a[:]`, `a[1:]`, `a[:, j]`, or `a[i]` on an array of two or more dimensions, kept as a
copy, after which one side is changed in place and the other read: `a` changes and `b` is read
(a "backup" taken before an in-place detrend), or `b` changes and `a` is read (a "copy" that
writes through to the original). Row swaps through views are included: `tmp = A[i]; A[i] = A[j];
A[j] = tmp` and `A[i], A[j] = A[j], A[i]`.

Only arrays the code shows to be NumPy arrays are considered (made by NumPy constructors or
calls, arithmetic on arrays, parameters annotated `np.ndarray`/`NDArray`): slicing a Python list
copies it, and a value of unknown type is left alone. A slice kept on purpose as a window into a
buffer is not reported; the code must show it was taken as a copy: the `[:]` idiom, a name such
as `backup`, `orig`, `saved`, `old`, `tmp`, a swap, or a read that sets it beside the array. A
write into a part of the array the view does not cover (`head = a[:n]; a[n:] = 0`) is not
reported.

## Why is this bad
NumPy basic slicing returns a view, not a copy (unlike a Python list): `b = a[:]` shares `a`'s
memory. The "backup" changes with the array, and writing into the "copy" changes the original.
A row swap through a view writes the same row twice.

## Example
```python
def detrend(y: np.ndarray):
    raw = y[:]                  # ALI005: a view
    y -= y.mean()
    return y, raw               # raw is detrended too

def swap_rows(A, k, p):         # A: 2-d array
    A[k], A[p] = A[p], A[k]     # ALI005: both rows end up equal to A[p]
```

## Use instead
```python
    raw = y.copy()              # or y[:].copy()
    A[[k, p]] = A[[p, k]]       # or A[k], A[p] = A[p], A[k].copy()
```

## Fix safety
The fix appends `.copy()` to the slice (`raw = y[:].copy()`, `A[k], A[p] = A[p], A[k].copy()`). It
is **safe**: the finding needs the sliced value to be a NumPy array, and a slice of an array always
has `.copy()`.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..diagnostics import Diagnostic
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI005"
NAME = "slice-view-mutation"
SUMMARY = "slice of a NumPy array kept as a copy is a view: one side is modified in place and the other read"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for cand in ctx.snapshots(CODE):
        f = cand.finding
        value = cand.value
        assert isinstance(value, cst.Subscript)
        view, base = ctx.code(value), ctx.code(value.value)
        kept = f"`{cand.name}`" if cand.name else f"`{view}`"
        how = "basic slicing" if any(isinstance(el.slice, cst.Slice) for el in value.slice) else "integer indexing of a 2-d array"
        what = f"`{view}` is a view of `{base}`, not a copy (NumPy {how} returns a view)"
        if "swap" in f.signals:
            msg = (
                f"{what}: the assignment to `{ctx.code(f.mutation)}` changes it before it is stored into "
                f"`{ctx.code(f.read)}`, so both get the same values"
            )
        elif cand.through_view:
            msg = (
                f"{what}: writing into {kept} at {ctx.where(f.mutation)} changes `{base}`, "
                f"which is read at {ctx.where(f.read)}"
            )
        else:
            msg = f"{what}: `{base}` is {ctx.write_then_read(f.mutation, f.read, kept)} with the new contents"
        start, end = ctx.range(cand.site)
        related = (
            ctx.related("modified in place here", f.mutation),
            ctx.related("stale value read here" if not cand.through_view else "array read here", f.read),
        )
        safe = f.kind.name == "ARRAY" or ctx.result.is_copyable(cand.store)
        fix = copy_fix(ctx, value, "safe" if safe else "unsafe")
        yield Diagnostic(CODE, NAME, msg, ctx.path, start, end, related, fix)
