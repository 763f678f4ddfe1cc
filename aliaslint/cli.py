"""The ``aliaslint`` command: options in, text out, an exit code. No analysis happens here."""

from __future__ import annotations

import sys

import click

from . import __version__
from .diagnostics import Diagnostic
from .discovery import discover
from .engine import FileOutcome, fix_file, lint_files
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
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, without the summary lines.")
@click.version_option(__version__, "-V", "--version", prog_name="aliaslint")
def main(paths: tuple[str, ...], fix: bool, unsafe_fixes: bool, diff: bool, quiet: bool) -> None:
    """Find aliasing bugs in NumPy code: stored values that silently change with the array they
    alias. PATHS are files or folders (default: the current folder)."""
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


def _report_errors(outcomes: list[FileOutcome]) -> bool:
    for o in outcomes:
        if o.error is not None:
            path = o.diagnostics[0].path if o.diagnostics else "?"
            click.echo(f"aliaslint: error: {path}: {o.error}", err=True)
    return any(o.error is not None for o in outcomes)


def _diff(outcomes: list[FileOutcome], quiet: bool, failed: bool) -> int:
    for o in outcomes:
        if o.diff:
            click.echo(o.diff, nl=False)
    fixable = sum(o.fixed for o in outcomes)
    if not quiet:
        click.echo(format_diff_summary(fixable), err=True)
    return EXIT_ERROR if failed else EXIT_FINDINGS if fixable else EXIT_CLEAN
