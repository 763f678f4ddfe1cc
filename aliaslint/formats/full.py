"""The ``full`` format: each finding's concise line, the source line it is on with a caret line
under the span, and the fix's ``help:`` line, like ruff's full output.

```
fd.py:20:9: ALI001 [*] result of `f(x)` aliases `x`, ...
   |
20 |         fx_addh = f(x)
   |         ^^^^^^^^^^^^^^
   |
help: Copy `f(x)`

```

Carets are aligned by display width (tabs expand to the next multiple of four, wide East Asian
characters take two cells, combining marks none), so they sit under the span in a terminal.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

from ..diagnostics import Diagnostic, Fix
from . import FormatContext
from .concise import format_diagnostic

TAB_WIDTH = 4


def render(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    return "".join(format_full(d, ctx) for d in diagnostics)


def format_full(d: Diagnostic, ctx: FormatContext) -> str:
    """One finding as a block of lines ending with a blank line."""
    from ..fixes import applicable

    lines = [format_diagnostic(d, applicable(d, ctx.unsafe_fixes))]
    source = ctx.source_line(d.path, d.location.row)
    if source is not None:
        lines.extend(snippet(source, d))
    if d.fix is not None:
        lines.append(help_line(d.fix))
    if d.confirmation is not None:
        lines.append(f"confirmation: {d.confirmation.line}")
    return "\n".join(lines) + "\n\n"


def snippet(source: str, d: Diagnostic) -> list[str]:
    """The gutter-framed source line and the caret line under the span's part on that row."""
    row = d.location.row
    gutter = " " * len(str(row))
    text, offsets = expand(source)
    start = d.location.column - 1
    end = d.end_location.column - 1 if d.end_location.row == row else len(source)
    before = _cell(offsets, start)
    carets = max(_cell(offsets, end) - before, 1)
    return [
        f"{gutter} |",
        _framed(str(row), text),
        _framed(gutter, " " * before + "^" * carets),
        f"{gutter} |",
    ]


def help_line(fix: Fix) -> str:
    """``help:`` and the fix's message, saying when applying it needs more than ``--fix``."""
    note = "" if fix.applicability == "safe" else f" ({fix.applicability})"
    return f"help: {fix.message}{note}"


def expand(line: str) -> tuple[str, list[int]]:
    """The line as a terminal shows it (tabs expanded), and the display cell where each code
    point starts (one more entry: where the line ends)."""
    out: list[str] = []
    offsets: list[int] = []
    cell = 0
    for ch in line:
        offsets.append(cell)
        if ch == "\t":
            spaces = TAB_WIDTH - cell % TAB_WIDTH
            out.append(" " * spaces)
            cell += spaces
        else:
            out.append(ch)
            cell += char_width(ch)
    offsets.append(cell)
    return "".join(out), offsets


def char_width(ch: str) -> int:
    """Terminal cells taken by one code point: 0 for combining marks, 2 for wide characters."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _cell(offsets: list[int], index: int) -> int:
    """The display cell of a 0-based code point index; past the line's end, one cell each."""
    if index < len(offsets):
        return offsets[max(index, 0)]
    return offsets[-1] + index - (len(offsets) - 1)


def _framed(gutter: str, text: str) -> str:
    return f"{gutter} | {text}" if text else f"{gutter} |"
