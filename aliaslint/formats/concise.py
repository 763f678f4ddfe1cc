"""The default one-line-per-finding format, ``path:line:col: CODE message``.

Vim's and Emacs' default error formats read these lines as they are.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic


def format_diagnostic(d: Diagnostic) -> str:
    return f"{d.path}:{d.location.row}:{d.location.column}: {d.code} {d.message}"


def format_summary(count: int) -> str:
    if count == 0:
        return "All checks passed!"
    return f"Found {count} error{'s' if count != 1 else ''}."
