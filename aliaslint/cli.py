"""The ``aliaslint`` command: options in, text out, an exit code. No analysis happens here."""

from __future__ import annotations

import sys

import click

from . import __version__
from .discovery import discover
from .engine import lint_files
from .formats.concise import format_diagnostic, format_summary

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, without the summary line.")
@click.version_option(__version__, "-V", "--version", prog_name="aliaslint")
def main(paths: tuple[str, ...], quiet: bool) -> None:
    """Find aliasing bugs in NumPy code: stored values that silently change with the array they
    alias. PATHS are files or folders (default: the current folder)."""
    found = discover(list(paths) or ["."])
    for path in found.missing:
        click.echo(f"aliaslint: error: {path}: no such file or directory", err=True)
    diagnostics = lint_files(found.files)
    for d in diagnostics:
        click.echo(format_diagnostic(d))
    if not quiet:
        click.echo(format_summary(len(diagnostics)))
    if found.missing:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if diagnostics else EXIT_CLEAN)
