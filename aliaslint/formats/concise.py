"""The default one-line-per-finding format, ``path:line:col: CODE [*] message``.

Vim's and Emacs' default error formats read these lines as they are. ``[*]`` marks a finding whose
fix ``--fix`` would apply.
"""

from __future__ import annotations

from typing import Sequence

from ..diagnostics import Diagnostic
from . import FormatContext


def format_diagnostic(d: Diagnostic, fixable: bool = False) -> str:
    mark = " [*]" if fixable else ""
    return f"{d.path}:{d.location.row}:{d.location.column}: {d.code}{mark} {d.message}"


def format_confirmation(d: Diagnostic) -> str:
    """The ``--confirm`` verdict, indented under its finding (editors read it as a continuation)."""
    return f"  {d.confirmation.line}\n" if d.confirmation is not None else ""


def render(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    from ..fixes import applicable

    return "".join(
        format_diagnostic(d, applicable(d, ctx.unsafe_fixes)) + "\n" + format_confirmation(d) for d in diagnostics
    )


def _errors(n: int) -> str:
    return f"{n} error{'s' if n != 1 else ''}"


def format_summary(count: int, fixable: int = 0, hidden_unsafe: int = 0) -> str:
    """What ``aliaslint`` prints last when it only checks."""
    if count == 0:
        return "All checks passed!"
    lines = [f"Found {_errors(count)}."]
    if fixable:
        lines.append(f"[*] {fixable} fixable with the --fix option.")
    if hidden_unsafe:
        fixes = "fix" if hidden_unsafe == 1 else "fixes"
        lines.append(f"({hidden_unsafe} hidden {fixes} can be enabled with the --unsafe-fixes option.)")
    return "\n".join(lines)


def format_fix_summary(remaining: int, fixed: int) -> str:
    """What ``aliaslint --fix`` prints last."""
    if remaining == 0 and fixed == 0:
        return "All checks passed!"
    return f"Found {_errors(remaining + fixed)} ({fixed} fixed, {remaining} remaining)."


def format_diff_summary(fixable: int) -> str:
    """What ``aliaslint --diff`` prints last (on stderr, so the diff stays clean)."""
    if fixable == 0:
        return "No errors would be fixed."
    return f"Would fix {_errors(fixable)}."
