"""`# noqa` comments: reading them, applying them, and finding the unused ones.

Semantics follow ruff and flake8: `# noqa` (blanket) or `# noqa: ALI001, ALI002` on a line of the
reported span, case-insensitive, trailing text allowed; `# aliaslint: noqa` on a line of its own
silences the whole file (or only the codes it names).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .rules import ali800_unused_noqa

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(
    r"#\s*aliaslint\s*:\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


@dataclass(eq=False)
class Directive:
    row: int
    column: int  # 1-based, of the `#`
    end_column: int
    codes: tuple[str, ...] | None  # None: blanket
    used: set[str] = field(default_factory=set)


@dataclass
class Directives:
    by_row: dict[int, list[Directive]]
    file_codes: tuple[str, ...] | None | bool  # False: none; None: the whole file; else those codes


def _comments(text: str) -> list[tuple[int, int, str]]:
    try:
        return [
            (tok.start[0], tok.start[1], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        out = []
        for row, line in enumerate(text.splitlines(), start=1):
            i = line.find("#")
            if i >= 0:
                out.append((row, i, line[i:]))
        return out


def _codes(group: str | None) -> tuple[str, ...] | None:
    if not group:
        return None
    return tuple(c.upper() for c in re.split(r"[,\s]+", group.strip()) if c)


def parse(text: str) -> Directives:
    by_row: dict[int, list[Directive]] = {}
    file_codes: tuple[str, ...] | None | bool = False
    for row, col, comment in _comments(text):
        m = _FILE_NOQA.match(comment)
        if m:
            file_codes = _codes(m.group("codes"))
            continue
        for m in _NOQA.finditer(comment):
            d = Directive(row, col + m.start() + 1, col + m.end() + 1, _codes(m.group("codes")))
            by_row.setdefault(row, []).append(d)
    return Directives(by_row, file_codes)


def suppress(
    diagnostics: list[Diagnostic], text: str, path: str, report_unused: bool
) -> list[Diagnostic]:
    """Drop suppressed diagnostics; add ALI800 for unused ALI directives when asked."""
    if (not diagnostics and not report_unused) or "noqa" not in text.lower():
        # no directive to apply or report: tokenizing the text to find its comments took 15% of
        # a run over scikit-learn with ALI800 selected, for the few files that hold one
        return diagnostics
    directives = parse(text)
    kept: list[Diagnostic] = []
    for d in diagnostics:
        if _suppressed(d, directives):
            continue
        kept.append(d)
    if report_unused:
        for row in sorted(directives.by_row):
            for directive in directives.by_row[row]:
                if directive.codes is None:
                    continue  # a blanket noqa may serve other tools
                unused = [c for c in directive.codes if c.startswith("ALI") and c not in directive.used]
                if unused:
                    kept.append(
                        ali800_unused_noqa.diagnostic(path, row, directive.column, directive.end_column, unused)
                    )
    return kept


def _suppressed(d: Diagnostic, directives: Directives) -> bool:
    if directives.file_codes is None or (directives.file_codes and d.code in directives.file_codes):
        return True
    hit = False
    for row in range(d.location.row, d.end_location.row + 1):
        for directive in directives.by_row.get(row, ()):
            if directive.codes is None or d.code in directive.codes:
                directive.used.add(d.code)
                hit = True
    return hit
