"""The code a confirmation program carries with it: observing reads, running cases, reporting.

It is text (``RUNTIME``), placed at the top of every generated program and run only in the sandbox.
Values are encoded to JSON *when they are observed*: the point of the exercise is that an aliased
array changes afterwards, so keeping a reference would show its later state instead.

One program runs several *cases* (one call of the helper each: a call site's arguments, generated
arrays of a few shapes, or one aliasing probe). After each case the whole record so far is
reported, so a run that later times out still tells what the earlier cases saw.
"""

from __future__ import annotations

MAX_OBSERVATIONS = 20
"""Values kept per read site and case; later evaluations are only counted."""
MAX_ELEMENTS = 10_000
"""Arrays larger than this are kept as shape, dtype and a digest of their bytes."""

RUNTIME = (
    r'''
import sys as _aliaslint_sys

_aliaslint_cases = []
_aliaslint_current = None


def _aliaslint_encode(value, depth=0):
    np = _aliaslint_sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        out = {"ndarray": None, "shape": list(value.shape), "dtype": str(value.dtype)}
        if value.size > MAX_ELEMENTS:
            import hashlib
            out["digest"] = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        elif value.dtype.kind in "biuf":
            out["ndarray"] = value.tolist()
        elif value.dtype.kind == "c":
            out["ndarray"] = np.stack([value.real, value.imag], axis=-1).tolist()
            out["complex"] = True
        else:
            out["ndarray"] = [repr(v) for v in value.ravel().tolist()]
            out["flat"] = True
        return out
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, complex):
        return {"complex": [value.real, value.imag]}
    if isinstance(value, (list, tuple)) and depth < 4 and len(value) <= 1000:
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_aliaslint_encode(v, depth + 1) for v in value]}
    if isinstance(value, dict) and depth < 4 and len(value) <= 1000:
        return {"dict": [[repr(k), _aliaslint_encode(v, depth + 1)] for k, v in value.items()]}
    return {"repr": repr(value)[:200]}


def _aliaslint_observe(key, value):
    """Record what a read saw, then hand the value on unchanged."""
    case = _aliaslint_current
    if case is not None:
        seen = case["observed"].setdefault(str(key), [])
        case["reads"] += 1
        if len(seen) < MAX_OBSERVATIONS:
            seen.append(_aliaslint_encode(value))
    return value


import builtins as _aliaslint_builtins

_aliaslint_builtins._aliaslint_observe = _aliaslint_observe  # the helper may be in a module of its own


def _aliaslint_show(**arguments):
    """Record the arguments a case passes, before the call can change them."""
    if _aliaslint_current is not None:
        _aliaslint_current["arguments"] = {k: _aliaslint_encode(v) for k, v in arguments.items()}


def _aliaslint_main(cases):
    global _aliaslint_current
    for label, case in cases:
        record = {"label": label, "observed": {}, "reads": 0, "arguments": {}}
        _aliaslint_current = record
        try:
            record["returned"] = _aliaslint_encode(case())
        except Exception as e:
            lines = str(e).strip().splitlines()
            record["raised"] = type(e).__name__ + (": " + lines[0][:300] if lines else "")
        finally:
            _aliaslint_current = None
        _aliaslint_cases.append(record)
        _aliaslint_report({"cases": _aliaslint_cases})
'''
    .replace("MAX_OBSERVATIONS", str(MAX_OBSERVATIONS))
    .replace("MAX_ELEMENTS", str(MAX_ELEMENTS))
)

PROBES: tuple[tuple[str, str], ...] = (
    ("identity", "def _aliaslint_probe_identity(x, *args, **kwargs):\n    return x\n"),
    ("x.T", "def _aliaslint_probe_transpose(x, *args, **kwargs):\n    return x.T\n"),
    ("x[...]", "def _aliaslint_probe_ellipsis(x, *args, **kwargs):\n    return x[...]\n"),
    ("x.reshape(-1)", "def _aliaslint_probe_reshape(x, *args, **kwargs):\n    return x.reshape(-1)\n"),
    ("np.asarray(x)",
     "def _aliaslint_probe_asarray(x, *args, **kwargs):\n"
     "    import numpy\n"
     "    return numpy.asarray(x)\n"),
    ("persistent buffer",
     "_aliaslint_buffer = {}\n"
     "def _aliaslint_probe_buffer(x, *args, **kwargs):\n"
     "    import numpy\n"
     "    x = numpy.asarray(x)\n"
     "    out = _aliaslint_buffer.get('out')\n"
     "    if out is None or out.shape != x.shape:\n"
     "        out = _aliaslint_buffer['out'] = numpy.empty(x.shape)\n"
     "    out[...] = x\n"
     "    return out\n"),
)
"""Aliasing callables for a helper that no call site drives with one: (shown as, definition)."""


def probe_name(definition: str) -> str:
    """The function a probe definition defines (its last ``def``)."""
    return definition.rsplit("def ", 1)[1].split("(", 1)[0]
