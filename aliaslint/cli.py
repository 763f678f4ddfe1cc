"""The ``aliaslint`` command: options in, text out, an exit code. No analysis happens here."""

from __future__ import annotations

import functools
import os
import re
import sys

import click

from . import __version__
from .diagnostics import Diagnostic
from .discovery import discover
from .engine import FileOutcome, fix_file, fix_source, lint_files, lint_source
from .fixes import applicable, decode
from .formats import RENDERERS, WITH_SUMMARY, FormatContext, RuleInfo, renderer
from .rules import FILE_ERROR_CODE, FILE_ERROR_NAME, RULES
from .formats.concise import format_diagnostic, format_diff_summary, format_fix_summary, format_summary

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_NEWLINE = re.compile(r"\r\n|\r|\n")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or offer fixes that change behaviour elsewhere."
)
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option(
    "--output-format",
    type=click.Choice(list(RENDERERS)),
    default="concise",
    show_default=True,
    help="How findings are printed.",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write findings to this file.")
@click.option("--stdin-filename", metavar="PATH", help="The name to report for source read from stdin.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, without the summary lines.")
@click.version_option(__version__, "-V", "--version", prog_name="aliaslint")
def main(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    output_format: str,
    output_file: str | None,
    stdin_filename: str | None,
    quiet: bool,
) -> None:
    """Find aliasing bugs in NumPy code: stored values that silently change with the array they
    alias. PATHS are files or folders (default: the current folder); `-` reads stdin."""
    if paths == ("-",) or (stdin_filename is not None and not paths):
        sys.exit(_stdin(stdin_filename or "stdin", fix, unsafe_fixes, diff, quiet, output_format, output_file))
    if "-" in paths:
        raise click.UsageError("`-` (stdin) cannot be combined with other paths")
    found = discover(list(paths) or ["."])
    for path in found.missing:
        click.echo(f"aliaslint: error: {path}: no such file or directory", err=True)
    failed = bool(found.missing)
    if fix or diff:
        outcomes = [fix_file(f, unsafe=unsafe_fixes, write=not diff) for f in found.files]
        failed |= _report_errors(outcomes)
        if diff:
            sys.exit(_diff(outcomes, quiet, failed))
        remaining = sorted((d for o in outcomes for d in o.diagnostics), key=Diagnostic.sort_key)
        fixed = sum(o.fixed for o in outcomes)
        summary = None if quiet else format_fix_summary(len(remaining), fixed)
        _emit(remaining, output_format, output_file, unsafe_fixes, summary)
        sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if remaining else EXIT_CLEAN)
    diagnostics = lint_files(found.files)
    fixable = sum(applicable(d, unsafe_fixes) for d in diagnostics)
    hidden = 0 if unsafe_fixes else sum(applicable(d, True) for d in diagnostics) - fixable
    summary = None if quiet else format_summary(len(diagnostics), fixable, hidden)
    _emit(diagnostics, output_format, output_file, unsafe_fixes, summary)
    sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if diagnostics else EXIT_CLEAN)


def _emit(
    diagnostics: list[Diagnostic], fmt: str, output_file: str | None, unsafe: bool, summary: str | None
) -> None:
    """Render in the chosen format; summary lines only follow the human formats."""
    text = renderer(fmt)(diagnostics, format_context(unsafe))
    if summary is not None and fmt in WITH_SUMMARY:
        text += summary + "\n"
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output_file, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as e:
        click.echo(f"aliaslint: error: {output_file}: cannot write output: {e.strerror}", err=True)
        sys.exit(EXIT_ERROR)


def format_context(unsafe: bool) -> FormatContext:
    rules = {r.code: RuleInfo(r.code, r.name, r.summary, r.docs) for r in RULES}
    rules[FILE_ERROR_CODE] = RuleInfo(FILE_ERROR_CODE, FILE_ERROR_NAME, "file cannot be read or parsed", "")
    return FormatContext(os.getcwd(), unsafe, __version__, rules, source_line)


@functools.lru_cache(maxsize=64)
def _source_lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, "rb") as fh:
            return tuple(_NEWLINE.split(decode(fh.read()).text))
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return ()


def source_line(path: str, row: int) -> str | None:
    lines = _source_lines(path)
    return lines[row - 1] if 0 < row <= len(lines) else None


def _stdin(name: str, fix: bool, unsafe: bool, diff: bool, quiet: bool, fmt: str, output_file: str | None) -> int:
    """Lint a buffer from stdin; with --fix the fixed source goes to stdout and findings to stderr."""
    raw = sys.stdin.buffer.read()
    if not (fix or diff):
        diagnostics = lint_source(raw, name)
        fixable = sum(applicable(d, unsafe) for d in diagnostics)
        hidden = 0 if unsafe else sum(applicable(d, True) for d in diagnostics) - fixable
        _emit(diagnostics, fmt, output_file, unsafe, None if quiet else format_summary(len(diagnostics), fixable, hidden))
        return EXIT_FINDINGS if diagnostics else EXIT_CLEAN
    outcome, fixed_source = fix_source(raw, name, unsafe=unsafe)
    if diff:
        click.echo(outcome.diff, nl=False)
        if not quiet:
            click.echo(format_diff_summary(outcome.fixed), err=True)
        return EXIT_FINDINGS if outcome.fixed else EXIT_CLEAN
    sys.stdout.buffer.write(fixed_source)
    sys.stdout.buffer.flush()
    for d in outcome.diagnostics:
        click.echo(format_diagnostic(d, applicable(d, unsafe)), err=True)
    if outcome.error is not None:
        click.echo(f"aliaslint: error: {name}: {outcome.error}", err=True)
        return EXIT_ERROR
    if not quiet:
        click.echo(format_fix_summary(len(outcome.diagnostics), outcome.fixed), err=True)
    return EXIT_FINDINGS if outcome.diagnostics else EXIT_CLEAN


def _report_errors(outcomes: list[FileOutcome]) -> bool:
    for o in outcomes:
        if o.error is not None:
            click.echo(f"aliaslint: error: {o.path}: {o.error}", err=True)
    return any(o.error is not None for o in outcomes)


def _diff(outcomes: list[FileOutcome], quiet: bool, failed: bool) -> int:
    for o in outcomes:
        if o.diff:
            click.echo(o.diff, nl=False)
    fixable = sum(o.fixed for o in outcomes)
    if not quiet:
        click.echo(format_diff_summary(fixable), err=True)
    return EXIT_ERROR if failed else EXIT_FINDINGS if fixable else EXIT_CLEAN
