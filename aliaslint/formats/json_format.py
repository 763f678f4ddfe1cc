"""The ``json`` and ``json-lines`` formats: ruff's JSON objects, plus ``related`` and ``confirmation``.

Every object has the same keys, sorted, so tools written for ruff's output read ours. Rows and
columns are 1-based (columns count code points), end exclusive; ``filename`` is absolute.
Non-ASCII text is written as ``\\u`` escapes: the same JSON to any parser, and it cannot fail on
an output stream that is not UTF-8 (or on a file name that is not valid Unicode).
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from ..diagnostics import Confirmation, Diagnostic, Edit, Fix, Location, Related
from . import FormatContext


def render(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    """A JSON array with two-space indents; ``[]`` when there is nothing to report."""
    return json.dumps([to_json(d, ctx.cwd) for d in diagnostics], indent=2, sort_keys=True) + "\n"


def render_lines(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    """One compact JSON object per line (nothing at all when there is nothing to report)."""
    return "".join(
        json.dumps(to_json(d, ctx.cwd), sort_keys=True, separators=(",", ":")) + "\n" for d in diagnostics
    )


def to_json(d: Diagnostic, cwd: str) -> dict[str, Any]:
    return {
        "cell": None,
        "code": d.code,
        "confirmation": None if d.confirmation is None else confirmation(d.confirmation),
        "end_location": location(d.end_location),
        "filename": absolute(d.path, cwd),
        "fix": None if d.fix is None else fix(d.fix),
        "location": location(d.location),
        "message": d.message,
        "name": d.name,
        "noqa_row": d.location.row,
        "related": [related(r, d.path, cwd) for r in d.related],
        "severity": "error",
        "url": None,
    }


def absolute(path: str, cwd: str) -> str:
    """A displayed path made absolute again (the displayed one is relative to ``cwd``)."""
    return os.path.normpath(os.path.join(cwd, path))


def location(loc: Location) -> dict[str, int]:
    return {"row": loc.row, "column": loc.column}


def fix(f: Fix) -> dict[str, Any]:
    return {"applicability": f.applicability, "message": f.message, "edits": [edit(e) for e in f.edits]}


def edit(e: Edit) -> dict[str, Any]:
    return {"content": e.content, "location": location(e.location), "end_location": location(e.end_location)}


def related(r: Related, path: str, cwd: str) -> dict[str, Any]:
    """A related location, with its file: the finding's own, or another file of the run."""
    return {"message": r.message, "filename": absolute(r.path or path, cwd), "location": location(r.location),
            "end_location": location(r.end_location)}


def confirmation(c: Confirmation) -> dict[str, Any]:
    """``--confirm``'s verdict: status, symptom, the driven call, what each run gave, and why."""
    return {"status": c.status, "symptom": c.symptom, "call": c.call, "original": c.original,
            "fixed": c.fixed, "reason": c.reason}
