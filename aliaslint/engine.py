"""Lint one source, one file, or many: parse, analyse, run the rules, sort the diagnostics.

Nothing here prints; a file that cannot be read or parsed becomes one ALI900 diagnostic so that the
run goes on with the other files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Iterable

import libcst as cst

from .analysis.summaries import analyze_module
from .diagnostics import Diagnostic, Location
from .discovery import display_path
from .fixes import FixError, atomic_write, decode, encode, fix_text, unified_diff
from .rules import FILE_ERROR_CODE, FILE_ERROR_NAME, RULES, UNUSED_NOQA_CODE
from .settings import Settings
from .suppression import suppress
from .rules.context import RuleContext


DEFAULT_SETTINGS = Settings()


def file_error(path: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    loc = Location(row, column)
    return Diagnostic(FILE_ERROR_CODE, FILE_ERROR_NAME, message, path, loc, loc)


def lint_source(source: bytes | str, path: str, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    """Diagnostics for one source, after rule selection, per-file ignores, noqa and fixability."""
    enabled = settings.enabled() - settings.ignored_for(path)
    rules = [r for r in RULES if r.code in enabled and r.check is not None]
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as e:
        return [_syntax_error(source, path, e)]
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as e:
        return [file_error(path, f"cannot decode file: {_one_line(e)}")]
    except RecursionError:
        return [file_error(path, "cannot parse file: nesting too deep")]
    out: list[Diagnostic] = []
    if rules:
        try:
            result = analyze_module(module)
            ctx = RuleContext(path, module, result)
            for rule in rules:
                out.extend(rule.check(ctx))  # type: ignore[misc]
        except RecursionError:
            return [file_error(path, "cannot analyse file: nesting too deep")]
        except Exception as e:  # a bug in aliaslint must not stop the run over the other files
            return [file_error(path, f"internal error while analysing this file ({type(e).__name__}: {_one_line(e)})")]
    if not settings.ignore_noqa:
        text = source if isinstance(source, str) else module.code
        out = suppress(out, text, path, UNUSED_NOQA_CODE in enabled)
    fixable = settings.fixable_codes()
    out = [d if d.fix is None or d.code in fixable else replace(d, fix=None) for d in out]
    return sorted(out, key=Diagnostic.sort_key)


def lint_file(path: str, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    shown = display_path(path)
    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError as e:
        return [file_error(shown, f"cannot read file: {e.strerror or e}")]
    return lint_source(source, shown, settings)


def lint_files(paths: Iterable[str], settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for path in paths:
        out.extend(lint_file(path, settings))
    return sorted(out, key=Diagnostic.sort_key)


@dataclass
class FileOutcome:
    """What fixing one file did: the diagnostics left, how many fixes, the diff, or an error."""

    path: str
    diagnostics: list[Diagnostic]
    fixed: int = 0
    diff: str = ""
    error: str | None = None


def fix_source(raw: bytes, shown: str, settings: Settings = DEFAULT_SETTINGS) -> tuple[FileOutcome, bytes]:
    """Fix one source; returns what happened and the bytes to write (the input when nothing changed)."""
    unsafe = settings.unsafe_fixes
    try:
        decoded = decode(raw)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return FileOutcome(shown, lint_source(raw, shown, settings)), raw

    def lint(text: str) -> list[Diagnostic]:
        return lint_source(text, shown, settings)

    try:
        result = fix_text(decoded.text, lint, unsafe)
    except FixError as e:
        return FileOutcome(shown, lint(decoded.text), error=str(e)), raw
    if result.fixed == 0:
        return FileOutcome(shown, result.remaining), raw
    diff = unified_diff(decoded.text, result.text, shown)
    return FileOutcome(shown, result.remaining, result.fixed, diff), encode(result.text, decoded.encoding)


def fix_file(path: str, settings: Settings = DEFAULT_SETTINGS, write: bool = True) -> FileOutcome:
    """Fix one file in place (``write``) or only compute the diff; never leave it half written."""
    shown = display_path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        return FileOutcome(shown, [file_error(shown, f"cannot read file: {e.strerror or e}")])
    outcome, data = fix_source(raw, shown, settings)
    if not write or outcome.fixed == 0:
        return outcome
    try:
        atomic_write(path, data)
    except FixError as e:
        return FileOutcome(shown, lint_source(raw, shown, settings), error=str(e))
    return FileOutcome(shown, outcome.diagnostics, outcome.fixed)


def _syntax_error(source: bytes | str, path: str, e: cst.ParserSyntaxError) -> Diagnostic:
    """One line for a file LibCST cannot parse, placed where CPython places it when it agrees.

    LibCST's parser often points past the real error; CPython's message and position are the ones
    users know from running their code.
    """
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as se:
        if se.lineno:
            return file_error(path, f"syntax error: {se.msg}", se.lineno, max(se.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError):
        pass
    first = " ".join(str(e.message).split()) or "invalid syntax"
    return file_error(path, f"syntax error: {first}", max(e.raw_line, 1), e.raw_column + 1)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
