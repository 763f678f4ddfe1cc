"""ALI001 `stale-call-result`: a stored call result aliases an array that is then modified in place.

## What it does
Finds an assignment that stores the result of a call, `fp = f(x)`, where the callee returns `x`
itself, a view of `x` (`x.T`, `x[:]`, `x.reshape(-1)`, `np.asarray(x)`, ...) or a persistent output
buffer, and `x` (or the buffer) is then changed in place (`x[i] = ...`, `x += h`, `out=x`, another
call that overwrites the buffer) before the stored name is read.

When the callee is a parameter (`def grad(f, x)`), the finding is reported only where some call in
the linted code passes an aliasing callable, e.g. `grad(lin, x)` with `def lin(x): return x`.

When the callee returns its argument only behind a boolean switch (`if copy: a = a.copy()`), the
call decides: `check(x)` with `copy=False` by default, or `check(x, copy=False)`, is reported;
`check(x, copy=True)` is not, and neither is a call whose switch value the code does not show
(`check(x, copy=self.copy)`, `check(x, **params)`).

## Why is this bad
The stored value is not a snapshot: it *is* the array, so it changes with every later write. A
central-difference gradient then computes `(f(x) - f(x)) / (2*h)` of the same object and returns
exactly zero, or half the true value; a Jacobian comes out with wrong columns.

## Example
```python
def lin(x):
    return x

def grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f(x)          # ALI001: fp is x
        x[i] = old - h
        fm = f(x)          # ALI001: fm is x
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g

grad(lin, np.array([0.001]))   # array([0.])
```

## Use instead
```python
        fp = f(x).copy()
        ...
        fm = f(x).copy()
```
or make the callee return a copy (see ALI002).

## Fix safety
The fix appends `.copy()` to the stored call. It is **safe** when the stored value is known to be
an ndarray, list or dict (an array built in the linted code, or a NumPy view), since all of those
have `.copy()` and the copy keeps exactly the value the code meant to keep. It is **unsafe** when
the aliased object's type is unknown (it might lack `.copy()`), and **display-only** when the
callee may also return something without `.copy()` (a scalar, `None`): the fix must never make
code raise where it did not.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..analysis.flow import Evidence, FlowFinding, _root_name
from ..analysis.values import MUTABLE_KINDS, Rel
from ..diagnostics import Diagnostic
from .context import RuleContext
from .copy_fix import copy_fix

CODE = "ALI001"
NAME = "stale-call-result"
SUMMARY = "stored call result aliases an array that is modified in place before it is read"


def stale_call_findings(ctx: RuleContext) -> dict[tuple[cst.CSTNode, cst.BaseExpression], list[FlowFinding]]:
    """Findings whose stored value is a call result that aliases, grouped by store."""
    found = ctx.result.cache.get("stale_calls")
    if found is not None:
        return found  # type: ignore[return-value]
    groups: dict[tuple[cst.CSTNode, cst.BaseExpression], list[FlowFinding]] = {}
    for f in ctx.result.findings:
        if written_through_own_view(f):
            continue
        if isinstance(f.origin[1], cst.Call) and ctx.evidence_of(f):
            groups.setdefault(f.origin, []).append(f)
    ctx.result.cache["stale_calls"] = groups  # the same for every file of the component
    return groups


def written_through_own_view(f: FlowFinding) -> bool:
    """``X = check_array(X)``, then ``labels = X[:, i]; labels[mask] = 0``, then ``X`` read: the write
    goes through a view the code took of the stored value itself, so it changes that value on
    purpose (ALI005 judges whether the view was believed to be a copy)."""
    link = f.link
    return (
        link is not None and isinstance(f.read, cst.Name) and link != f.origin
        and _root_name(link[1]) == f.read.value and isinstance(link[1], (cst.Subscript, cst.Call, cst.Attribute))
    )


def _arg_text(ctx: RuleContext, call: cst.Call, key: object) -> str | None:
    pos = 0
    for a in call.args:
        if a.star:
            return None
        if a.keyword is None:
            if pos == key:
                return ctx.code(a.value)
            pos += 1
        elif a.keyword.value == key:
            return ctx.code(a.value)
    return None


def message(ctx: RuleContext, finding: FlowFinding, ev: Evidence) -> str:
    call = finding.origin[1]
    assert isinstance(call, cst.Call)
    call_text = ctx.code(call)
    fn = ctx.scope_name(ev.scope)
    mut, read = ctx.line(finding.mutation), ctx.line(finding.read)
    if ev.passed_at is not None:
        who = f"`{ctx.code(call.func)}` is `{fn}` (passed at {ctx.where(ev.passed_at)}), which"
    else:
        who = f"`{fn}`"
    if ev.kind == "buffer":
        first = ctx.first_return(ev)
        buf = ctx.code(first) if first is not None else "its output buffer"
        return (
            f"result of `{call_text}` is a persistent buffer that the call at line {mut} overwrites "
            f"before this value is read at line {read}; {who} returns `{buf}`, which it writes into"
        )
    arg = _arg_text(ctx, call, ev.arg) or "its argument"
    relation = "aliases" if ev.rel == Rel.SAME else "is a view of" if ev.rel == Rel.VIEW else "may be a view of"
    verb = {Rel.SAME: "returns its argument", Rel.VIEW: "returns a view of its argument"}.get(
        ev.rel, "may return a view of its argument"
    )
    return (
        f"result of `{call_text}` {relation} `{arg}`, which {_modified(ctx, finding)} "
        f"before this value is read at line {read}; {who} {verb}"
    )


def _modified(ctx: RuleContext, finding: FlowFinding) -> str:
    """``is modified in place at line 21``, or, when the write is made inside a function the code
    calls, that call: ``is modified in place inside the call `self.get_paths(key)` at line 21``."""
    mutation = finding.mutation
    callee = ctx.result.callee_of.get(mutation)  # type: ignore[call-overload]
    if callee is not None and isinstance(mutation, cst.Call):
        return f"is modified in place inside the call `{ctx.code(mutation)}` at {ctx.where(mutation)}"
    return f"is modified in place at {ctx.where(mutation)}"


def _related_write(ctx: RuleContext, finding: FlowFinding) -> str:
    if finding.how != "inplace":
        return "overwritten by this call"
    callee = ctx.result.callee_of.get(finding.mutation)  # type: ignore[call-overload]
    if callee is not None and isinstance(finding.mutation, cst.Call):
        return f"modified in place inside `{ctx.scope_name(callee)}`, called here"
    return "modified in place here"


def pick(ctx: RuleContext, findings: list[FlowFinding]) -> FlowFinding:
    """The clearest witness: the earliest read, then the earliest write before it, then one whose
    value is known to be an array (its fix is safe), then the earliest call sites that settled it;
    always the same one, whatever order the analysis found them in."""
    return min(findings, key=lambda f: (
        ctx.range(f.read)[0], ctx.range(f.mutation)[0], f.kind not in MUTABLE_KINDS,
        tuple(ctx.position(c) for c in f.chain), tuple(ctx.evidence_key(e) for e in ctx.evidence_for(f)),
    ))


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for (store, _value), findings in stale_call_findings(ctx).items():
        if not ctx.owns_finding(findings[0]):
            continue  # another file of the run reports it
        f = pick(ctx, findings)
        ev = ctx.evidence_for(f)[0]
        start, end = ctx.range(store)
        related = [
            ctx.related(_related_write(ctx, f), f.mutation),
            ctx.related("stale value read here", f.read),
        ]
        if ev.passed_at is not None:
            related.append(ctx.related(f"`{ctx.scope_name(ev.scope)}` passed here", ev.passed_at))
        ret = ctx.first_return(ev)
        if ret is not None:
            related.append(ctx.related(f"`{ctx.scope_name(ev.scope)}` returns this", ret))
        fix = copy_fix(ctx, f.origin[1], applicability(ctx, f, ev))
        yield Diagnostic(CODE, NAME, message(ctx, f, ev), ctx.path, start, end, tuple(related), fix)


def applicability(ctx: RuleContext, finding: FlowFinding, ev: Evidence) -> str:
    """Safe when the stored value is known to have `.copy()`; never a fix that can raise."""
    summary = ctx.result.summaries.get(ev.scope)
    if summary is None or summary.uncopyable_return:
        return "display-only"  # the callee may also return a scalar or None
    if finding.kind in MUTABLE_KINDS or ev.rel != Rel.SAME:
        return "safe"  # an array, list or dict, or a NumPy view: all have `.copy()`
    return "unsafe"  # a mutable object of unknown type: it may have no `.copy()`
