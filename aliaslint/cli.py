"""The ``aliaslint`` command: options in, text out, an exit code. No analysis happens here."""

from __future__ import annotations

import sys

import click

from . import __version__
from .diagnostics import Diagnostic
from .discovery import discover
from .engine import FileOutcome, fix_file, fix_source, lint_files, lint_source
from .fixes import applicable
from .formats.concise import format_diagnostic, format_diff_summary, format_fix_summary, format_summary

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply (with --fix) or offer fixes that change behaviour elsewhere."
)
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--stdin-filename", metavar="PATH", help="The name to report for source read from stdin.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, without the summary lines.")
@click.version_option(__version__, "-V", "--version", prog_name="aliaslint")
def main(
    paths: tuple[str, ...], fix: bool, unsafe_fixes: bool, diff: bool, stdin_filename: str | None, quiet: bool
) -> None:
    """Find aliasing bugs in NumPy code: stored values that silently change with the array they
    alias. PATHS are files or folders (default: the current folder); `-` reads stdin."""
    if paths == ("-",) or (stdin_filename is not None and not paths):
        sys.exit(_stdin(stdin_filename or "stdin", fix, unsafe_fixes, diff, quiet))
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
        for d in remaining:
            click.echo(format_diagnostic(d, applicable(d, unsafe_fixes)))
        if not quiet:
            click.echo(format_fix_summary(len(remaining), fixed))
        sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if remaining else EXIT_CLEAN)
    diagnostics = lint_files(found.files)
    fixable = sum(applicable(d, unsafe_fixes) for d in diagnostics)
    hidden = 0 if unsafe_fixes else sum(applicable(d, True) for d in diagnostics) - fixable
    for d in diagnostics:
        click.echo(format_diagnostic(d, applicable(d, unsafe_fixes)))
    if not quiet:
        click.echo(format_summary(len(diagnostics), fixable, hidden))
    sys.exit(EXIT_ERROR if failed else EXIT_FINDINGS if diagnostics else EXIT_CLEAN)


def _stdin(name: str, fix: bool, unsafe: bool, diff: bool, quiet: bool) -> int:
    """Lint a buffer from stdin; with --fix the fixed source goes to stdout and findings to stderr."""
    raw = sys.stdin.buffer.read()
    if not (fix or diff):
        diagnostics = lint_source(raw, name)
        for d in diagnostics:
            click.echo(format_diagnostic(d, applicable(d, unsafe)))
        if not quiet:
            fixable = sum(applicable(d, unsafe) for d in diagnostics)
            hidden = 0 if unsafe else sum(applicable(d, True) for d in diagnostics) - fixable
            click.echo(format_summary(len(diagnostics), fixable, hidden))
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
