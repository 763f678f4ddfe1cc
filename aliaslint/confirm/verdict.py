"""Compare what the program observed as written and with the fix into one :class:`Confirmation`.

Pure functions of the two runs' records: which case differs first, in what (the value at the stale
read, the returned value or exception, the printed output), and how to say it in one line.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..diagnostics import Confirmation
from .driver import Plan, Shown
from .sandbox import SandboxResult

CONFIRMED, NOT_REPRODUCED, INCONCLUSIVE = "confirmed", "not-reproduced", "inconclusive"
ZERO_GRADIENT, WRONG_RESULT = "zero-gradient", "wrong-result"
_SHOW_LIMIT = 80


def inconclusive(reason: str) -> Confirmation:
    return Confirmation(INCONCLUSIVE, reason=reason, line=f"inconclusive: {reason}")


def _as_array(value: Any) -> np.ndarray | None:
    if isinstance(value, dict) and "ndarray" in value and value["ndarray"] is not None \
            and not value.get("flat") and not value.get("complex"):
        return np.array(value["ndarray"], dtype=value.get("dtype") or None).reshape(value["shape"])
    return None


def show(value: Any) -> str:
    """A value as NumPy prints it, on one line, shortened."""
    array = _as_array(value)
    if array is not None:
        text = np.array2string(array, precision=6, threshold=24, max_line_width=10**6)
    elif isinstance(value, dict) and "ndarray" in value:
        text = f"<{value.get('dtype')} array of shape {tuple(value.get('shape', ()))}>"
    elif isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind in ("list", "tuple"):
            items = ", ".join(show(v) for v in inner)
            text = f"[{items}]" if kind == "list" else f"({items}{',' if len(inner) == 1 else ''})"
        elif kind == "dict":
            text = "{" + ", ".join(f"{k}: {show(v)}" for k, v in inner) + "}"
        elif kind == "complex":
            text = repr(complex(*inner))
        else:
            text = str(inner)
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split()).replace("[ ", "[")
    return text if len(text) <= _SHOW_LIMIT else text[: _SHOW_LIMIT - 3] + "..."


def _all_zero(value: Any) -> bool:
    array = _as_array(value)
    if array is not None:
        return array.size > 0 and array.dtype.kind in "biuf" and not np.any(array)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def _same(a: Any, b: Any) -> bool:
    """Equal as the runs recorded them, NaN equal to NaN."""
    x, y = _as_array(a), _as_array(b)
    if x is not None and y is not None:
        return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f" == y.dtype.kind))
    return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


def call_text(plan: Plan, index: int, arguments: dict[str, Any]) -> str:
    parts = []
    for s in plan.shown[index]:
        if s.text is not None:
            parts.append(s.text)
        else:
            parts.append(f"{s.param}={show(arguments.get(s.param))}")
    return f"{plan.helper}({', '.join(parts)})"


def _outcome(case: dict[str, Any]) -> str:
    if "raised" in case:
        return f"raised {case['raised']}"
    return f"returned {show(case.get('returned'))}"


def _reads(case: dict[str, Any]) -> list[Any]:
    return list(case.get("observed", {}).get("0", []))


def _first_difference(a: list[Any], b: list[Any]) -> int | None:
    for i, (x, y) in enumerate(zip(a, b)):
        if not _same(x, y):
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _cases(run: SandboxResult) -> list[dict[str, Any]] | None:
    payload = run.payload
    if isinstance(payload, dict) and isinstance(payload.get("cases"), list):
        return payload["cases"]
    return None


def _failure(name: str, run: SandboxResult) -> str:
    what = {"timeout": "timed out", "memory": "ran out of memory", "crashed": "crashed",
            "unsupported": "could not be run"}.get(run.status, "failed")
    return f"the program {name} {what} ({run.reason})"


def compare(plan: Plan, read_at: str, original: SandboxResult, fixed: SandboxResult) -> Confirmation:
    """The verdict of one finding from its two runs."""
    for name, run in (("as written", original), ("with the fix", fixed)):
        if run.status not in ("ok", "error"):
            return inconclusive(_failure(name, run))
    before, after = _cases(original), _cases(fixed)
    if before is None or after is None:
        failed = original if before is None else fixed
        return inconclusive(f"the program could not be built or run: {failed.reason}")
    pairs = list(zip(before, after))
    broken = [i for i, (a, b) in enumerate(pairs) if _differs(a, b)]
    if broken:
        return _confirmed(plan, read_at, pairs, broken)
    if original.stdout != fixed.stdout:
        first = _first_line_difference(original.stdout, fixed.stdout)
        return Confirmation(CONFIRMED, WRONG_RESULT, None, first[0], first[1],
                            line=f"confirmed (wrong-result): it printed {first[0]!r}; with the fix {first[1]!r}")
    reached = [i for i, (a, _) in enumerate(pairs) if a.get("reads")]
    if not reached:
        if pairs and all("raised" in a for a, _ in pairs):
            a = pairs[0][0]
            return inconclusive(f"{call_text(plan, 0, a.get('arguments', {}))} raised {a['raised']} "
                                "before reaching the stale read")
        return inconclusive("the driven calls never reached the stale read")
    i = reached[0]
    a = pairs[i][0]
    call = call_text(plan, i, a.get("arguments", {}))
    outcome = _outcome(a)
    return Confirmation(NOT_REPRODUCED, None, call, outcome, outcome,
                        line=f"not-reproduced: {call} {outcome} as written and with the fix")


def _differs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if _first_difference(_reads(a), _reads(b)) is not None:
        return True
    if ("raised" in a) != ("raised" in b):
        return True
    if "raised" in a:
        return bool(a["raised"] != b["raised"])
    return not _same(a.get("returned"), b.get("returned"))


def _confirmed(plan: Plan, read_at: str, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]],
               broken: list[int]) -> Confirmation:
    i = broken[0]
    a, b = pairs[i]
    call = call_text(plan, i, a.get("arguments", {}))
    both_returned = "returned" in a and "returned" in b and not _same(a["returned"], b["returned"])
    notes = []
    if both_returned:
        orig, fix = a["returned"], b["returned"]
        zero = _all_zero(orig) and not _all_zero(fix)
        original, fixed = show(orig), show(fix)
        text = f"{call} returned {original}; with the fix it returns {fixed}"
    else:
        reads_a, reads_b = _reads(a), _reads(b)
        k = _first_difference(reads_a, reads_b)
        if k is not None and k < len(reads_a) and k < len(reads_b):
            orig, fix = reads_a[k], reads_b[k]
            zero = _all_zero(orig) and not _all_zero(fix)
            original, fixed = show(orig), show(fix)
            text = f"in {call}, the stale read at {read_at} saw {original}; with the fix it sees {fixed}"
            if "raised" in a and "raised" in b:
                raised_a, raised_b = a["raised"].rstrip("."), b["raised"].rstrip(".")
                notes.append(f"both runs then raised {raised_a}" if raised_a == raised_b
                             else f"then it raised {raised_a}, and with the fix {raised_b}")
            elif "raised" in a or "raised" in b:
                notes.append(f"then as written it {_outcome(a)}, and with the fix it {_outcome(b)}")
        else:
            zero = False
            original, fixed = _outcome(a), _outcome(b)
            text = f"{call} {original}; with the fix it {fixed}"
    probes = [plan.probes[j] for j in broken if plan.probes[j]]
    if probes:
        unique = list(dict.fromkeys(probes))
        notes.append(f"it breaks when passed {', '.join(unique)}")
    symptom = ZERO_GRADIENT if zero else WRONG_RESULT
    reason = "; ".join(notes) or None
    line = f"confirmed ({symptom}): {text}" + (f"; {reason}" if reason else "")
    return Confirmation(CONFIRMED, symptom, call, original, fixed, reason, line)


def _first_line_difference(a: str, b: str) -> tuple[str, str]:
    la, lb = a.splitlines(), b.splitlines()
    for x, y in zip(la, lb):
        if x != y:
            return x, y
    return (la[len(lb)] if len(la) > len(lb) else ""), (lb[len(la)] if len(lb) > len(la) else "")


__all__ = ["CONFIRMED", "INCONCLUSIVE", "NOT_REPRODUCED", "Shown", "compare", "inconclusive", "show"]
