"""The ``aliaslint`` command: options in, text out, an exit code. No analysis happens here."""

from __future__ import annotations

import functools
import gc
import os
import re
import sys
import threading
from collections import Counter
from typing import Any, Callable

import click

from . import __version__
from .cache import DEFAULT_DIR as DEFAULT_CACHE_DIR, Cache
from .cache_pruning import prune_if_due
from .deep_stack import deep_threads
from .diagnostics import Diagnostic
from .discovery import discover, is_excluded
from .engine import FileOutcome, fix_files, fix_source, lint_files, lint_source
from .fixes import applicable, decode, stop_writing
from .formats import RENDERERS, WITH_SUMMARY, FormatContext, RuleInfo, renderer
from .formats.concise import format_diff_summary, format_fix_summary, format_summary
from .rules import FILE_ERROR_CODE, FILE_ERROR_NAME, RULES, RULES_BY_CODE
from .settings import ConfigError, Settings, check_selector, resolve

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_NEWLINE = re.compile(r"\r\n|\r|\n")


class _DefaultToCheck(click.Group):
    """``aliaslint PATH...`` means ``aliaslint check PATH...``; ``aliaslint rule ALI001`` is a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage errors as one line (`aliaslint: error: ...`, exit 2), never a traceback.

        The command runs in a thread with a deep stack (see `_run_deep`): deeply nested code must
        give findings or one line, not a RecursionError. Ctrl-C gives one line and exit status 130;
        an unexpected error one line and exit status 2.
        """
        kwargs["standalone_mode"] = False
        try:
            return _run_deep(lambda: super(_DefaultToCheck, self).main(*args, **kwargs))
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"aliaslint: error: {e.format_message()}", err=True)
            sys.exit(EXIT_ERROR)
        except (click.Abort, KeyboardInterrupt, _Interrupted):
            _say("aliaslint: interrupted")
            sys.exit(130)
        except RecursionError:
            _say("aliaslint: error: code nested too deeply to analyse")
            sys.exit(EXIT_ERROR)
        except MemoryError:
            _say("aliaslint: error: out of memory")
            sys.exit(EXIT_ERROR)
        except Exception as e:  # a bug in aliaslint: one line, not a traceback
            _say(f"aliaslint: error: internal error ({type(e).__name__}: {_first_line(e)})")
            sys.exit(EXIT_ERROR)

    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C must not reach click, which would print a blank line before our one line.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None


class _Interrupted(Exception):
    """Ctrl-C, carried past click's own KeyboardInterrupt handling."""


def _run_deep(work: Callable[[], Any]) -> Any:
    """``work()`` in a thread with a deep stack and a high recursion limit (see :mod:`.deep_stack`);
    its result or exception.

    Ctrl-C reaches the main thread, which raises KeyboardInterrupt in the worker so that it unwinds
    as it would have in the main thread (a fix being written is finished or removed, sandboxes are
    cleaned up). A second Ctrl-C ends the process at once. Where the exception lands in a callback
    that Python calls on its own (a weakref's: importing a module runs some), Python would print
    it as ignored and the work would go on: it is raised again instead (see :func:`_dropped`).
    """
    box: dict[str, Any] = {}
    # Waiting on a lock the worker releases, not on Thread.join(): a join interrupted by Ctrl-C
    # marks a running thread as stopped in Python 3.11 (bpo-45274), and the next join returns at once.
    running = threading.Lock()
    running.acquire()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as e:  # handed to the calling thread
            box["error"] = e
        finally:
            running.release()

    with deep_threads() as deep:  # the stack size also holds for the threads and processes the run starts
        if not deep:  # a platform without settable thread stacks: run here
            return work()
        worker = threading.Thread(target=target, name="aliaslint", daemon=True)
        stop_writing.clear()
        try:
            worker.start()
            running.acquire()
        except KeyboardInterrupt:
            stop_writing.set()
            if worker.ident is None:  # it never started
                raise
            dropped = threading.Event()
            default, sys.unraisablehook = sys.unraisablehook, _dropped(worker, dropped, sys.unraisablehook)
            _interrupt(worker)
            try:
                while not running.acquire(timeout=0.01):
                    if dropped.is_set():
                        dropped.clear()
                        _interrupt(worker)
            except KeyboardInterrupt:
                _say("aliaslint: interrupted")
                os._exit(130)
            finally:
                sys.unraisablehook = default
        worker.join()
    if stop_writing.is_set():  # interrupted, whatever the worker made of it
        raise KeyboardInterrupt
    if "error" in box:
        raise box["error"]
    return box.get("result")


def _dropped(worker: threading.Thread, dropped: threading.Event,
             default: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable hook that, for a KeyboardInterrupt Python could not raise in ``worker``,
    says nothing and sets ``dropped``, for the waiting thread to raise it again; it does not raise
    it itself, which would land in the hook."""

    def hook(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and threading.current_thread() is worker:
            dropped.set()
            return None
        return default(unraisable)

    return hook


def _interrupt(worker: threading.Thread) -> None:
    """Raise KeyboardInterrupt in ``worker`` at its next Python instruction."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident or 0), ctypes.py_object(KeyboardInterrupt))


def _say(line: str) -> None:
    try:
        click.echo(line, err=True)
    except Exception:
        pass


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Find aliasing bugs in NumPy code."""


def run() -> Any:
    """The ``aliaslint`` command (``main`` as a program, not called from other code).

    An analysis leaves its syntax trees and states in reference cycles that only the cyclic
    collector frees, and the interpreter runs it once more on the way out: half a second after
    re-checking one file of scikit-learn, for memory the process is about to give back anyway.
    Frozen (`gc.freeze`), what is left is not examined again.
    """
    try:
        return main(prog_name="aliaslint")
    finally:
        gc.freeze()


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    """Comma-separated rule selectors, checked against the rule registry."""
    if not value:
        return None
    out = tuple(c.strip() for v in value for c in v.split(",") if c.strip())
    for c in out:
        try:
            check_selector(c, f"--{param.name.replace('_', '-')}")  # type: ignore[union-attr]
        except ConfigError as e:
            raise click.BadParameter(f"unknown rule code `{c}`") from e
    return out


def _per_file(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Any, ...] | None:
    if not value:
        return None
    pairs = []
    for v in value:
        pattern, sep, codes = v.rpartition(":")
        if not sep or not pattern:
            raise click.BadParameter(f"expected PATTERN:CODES, got `{v}`")
        pairs.append((pattern, _codes(ctx, param, (codes,)) or ()))
    return tuple(pairs)


def _paths(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    return tuple(value) or None


@main.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix/--no-fix", default=False, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply (with --fix) or offer unsafe fixes.")
@click.option("--diff", is_flag=True, help="Print a unified diff of what --fix would change; write nothing.")
@click.option("--output-format", type=click.Choice(list(RENDERERS)), default="concise", show_default=True,
              help="How findings are printed.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write findings to this file.")
@click.option("--stdin-filename", metavar="PATH", help="The name to report for source read from stdin.")
@click.option("--select", multiple=True, callback=_codes, metavar="CODES", help="Rules to enable (replaces the default).")
@click.option("--extend-select", multiple=True, callback=_codes, metavar="CODES", help="Rules to enable as well.")
@click.option("--ignore", multiple=True, callback=_codes, metavar="CODES", help="Rules to disable.")
@click.option("--per-file-ignores", multiple=True, callback=_per_file, metavar="GLOB:CODES",
              help="Rules to disable in files matching GLOB.")
@click.option("--fixable", multiple=True, callback=_codes, metavar="CODES", help="Rules whose fixes may be applied.")
@click.option("--unfixable", multiple=True, callback=_codes, metavar="CODES", help="Rules whose fixes are never applied.")
@click.option("--exclude", multiple=True, callback=_paths, metavar="GLOB", help="Replace the default excluded paths.")
@click.option("--extend-exclude", multiple=True, callback=_paths, metavar="GLOB", help="Exclude these paths as well.")
@click.option("--force-exclude/--no-force-exclude", default=None, help="Apply excludes to paths named explicitly too.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip files ignored by .gitignore.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="Read settings from this pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--ignore-noqa", is_flag=True, help="Report findings even where `# noqa` suppresses them.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("--exit-zero", is_flag=True, help="Exit with status 0 even when there are findings.")
@click.option("--show-settings", is_flag=True, help="Print the settings that apply to the first path, then exit.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, without the summary lines.")
@click.option("--confirm", is_flag=True,
              help="Run each finding's code as written and with its fix, in a sandbox, and show the difference.")
@click.option("--confirm-timeout", type=click.FloatRange(0, 3600, min_open=True), default=10.0, show_default=True,
              metavar="SECONDS", help="Wall-clock limit of each --confirm run.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for linting and parallel --confirm runs (default: the available cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache of earlier results.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              envvar="ALIASLINT_CACHE_DIR", show_envvar=True,
              help=f"Where results are cached (default: {DEFAULT_CACHE_DIR}/ at the project root).")
@click.version_option(__version__, "-V", "--version", prog_name="aliaslint")
def check(
    paths: tuple[str, ...],
    fix: bool,
    diff: bool,
    output_format: str,
    output_file: str | None,
    stdin_filename: str | None,
    config_file: str | None,
    isolated: bool,
    statistics: bool,
    exit_zero: bool,
    show_settings: bool,
    quiet: bool,
    confirm: bool,
    confirm_timeout: float,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    **overrides: Any,
) -> None:
    """Lint PATHS (files or folders; default: the current folder; `-` reads stdin)."""
    overrides["extend_select"] = overrides["extend_select"] or None
    overrides["extend_exclude"] = overrides["extend_exclude"] or None
    overrides["ignore_noqa"] = overrides["ignore_noqa"] or None  # a flag: only ever turns it on
    use_stdin = paths == ("-",) or (stdin_filename is not None and not paths)
    if "-" in paths and not use_stdin:
        raise click.UsageError("`-` (stdin) cannot be combined with other paths")

    @functools.lru_cache(maxsize=None)
    def settings_for(path: str) -> Settings:
        try:
            return resolve(path, config_file, isolated, overrides)
        except ConfigError as e:
            click.echo(f"aliaslint: error: {e}", err=True)
            sys.exit(EXIT_ERROR)

    _source_lines.cache_clear()  # files may have changed since an earlier run in this process
    out = _Output(output_format, output_file, quiet, statistics)
    if confirm and not diff:
        out.confirm = functools.partial(_confirm, timeout=confirm_timeout, jobs=jobs or _cores())
    if show_settings:
        click.echo(settings_for(stdin_filename or (paths[0] if paths and paths != ("-",) else ".")).describe(), nl=False)
        sys.exit(EXIT_CLEAN)
    if use_stdin:
        code = _stdin(stdin_filename or "stdin", settings_for(stdin_filename or "."), fix, diff, out)
        sys.exit(EXIT_CLEAN if exit_zero and code == EXIT_FINDINGS else code)
    found = discover(list(paths) or ["."], settings_for)
    for path in found.missing:
        click.echo(f"aliaslint: error: {path}: no such file or directory", err=True)
    failed = bool(found.missing)
    if fix or diff:
        outcomes = fix_files(found.files, write=not diff)
        failed |= _report_errors(outcomes)
        if diff:
            code = _diff(outcomes, quiet, failed)
        else:
            remaining = sorted((d for o in outcomes for d in o.diagnostics), key=Diagnostic.sort_key)
            out.emit(remaining, _unsafe(found.files), format_fix_summary(len(remaining), sum(o.fixed for o in outcomes)))
            code = EXIT_ERROR if failed else EXIT_FINDINGS if remaining else EXIT_CLEAN
    else:
        first = found.files[0][1] if found.files else None
        cache = None if no_cache or first is None else Cache(cache_dir or os.path.join(first.root or os.getcwd(), DEFAULT_CACHE_DIR))
        diagnostics = lint_files(found.files, jobs or _cores(), cache)
        unsafe = _unsafe(found.files)
        out.emit(diagnostics, unsafe, _check_summary(diagnostics, unsafe))
        if cache is not None:  # after the output: at most once a day, and never the run's concern
            prune_if_due(cache)
        code = EXIT_ERROR if failed else EXIT_FINDINGS if diagnostics else EXIT_CLEAN
    sys.exit(EXIT_CLEAN if exit_zero and code == EXIT_FINDINGS else code)


def _unsafe(files: list[tuple[str, Settings]]) -> bool:
    return any(s.unsafe_fixes for _, s in files[:1])


def _check_summary(diagnostics: list[Diagnostic], unsafe: bool) -> str:
    fixable = sum(applicable(d, unsafe) for d in diagnostics)
    hidden = 0 if unsafe else sum(applicable(d, True) for d in diagnostics) - fixable
    return format_summary(len(diagnostics), fixable, hidden)


class _Output:
    """Where and how findings go: the chosen format, an output file, statistics instead of lines."""

    def __init__(self, fmt: str, output_file: str | None, quiet: bool, statistics: bool) -> None:
        self.fmt, self.output_file, self.quiet, self.statistics = fmt, output_file, quiet, statistics
        self.lines: Callable[[str, int], str | None] = source_line
        self.confirm: Callable[[list[Diagnostic], Callable[[str, int], str | None]], list[Diagnostic]] | None = None

    def emit(self, diagnostics: list[Diagnostic], unsafe: bool, summary: str | None) -> None:
        if self.confirm is not None and not self.statistics:
            diagnostics = self.confirm(diagnostics, self.lines)
        if self.statistics:
            text = format_statistics(diagnostics, unsafe)
        else:
            text = renderer(self.fmt)(diagnostics, format_context(unsafe, self.lines))
            if summary is not None and not self.quiet and self.fmt in WITH_SUMMARY:
                text += summary + "\n"
        if self.output_file is None:
            click.echo(text, nl=False)
            return
        try:
            with open(self.output_file, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
                fh.write(text)
        except OSError as e:
            click.echo(f"aliaslint: error: {self.output_file}: cannot write output: {e.strerror}", err=True)
            sys.exit(EXIT_ERROR)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _confirm(diagnostics: list[Diagnostic], lines: Callable[[str, int], str | None], *, timeout: float,
             jobs: int) -> list[Diagnostic]:
    """The findings with their --confirm verdicts, run on the text the findings point into."""
    from .confirm.confirm import confirm  # the sandbox is loaded only when asked for

    by_path: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    files = [(path, _text_of(path, lines), found) for path, found in by_path.items()]
    done = confirm(files, timeout=timeout, jobs=jobs, read=lambda path: _text_of(path, lines) or None)
    return sorted((d for ds in done for d in ds), key=Diagnostic.sort_key)


def _text_of(path: str, lines: Callable[[str, int], str | None]) -> str:
    """A file's text as the findings saw it, rebuilt line by line from what the formats read."""
    out, row = [], 1
    while (line := lines(path, row)) is not None:
        out.append(line)
        row += 1
    return "\n".join(out)


def format_statistics(diagnostics: list[Diagnostic], unsafe: bool) -> str:
    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if applicable(d, unsafe)}
    names = {d.code: d.name for d in diagnostics}
    return "".join(
        f"{n:>5}\t{code}\t{'[*] ' if code in fixable else ''}{names[code]}\n" for code, n in sorted(counts.items())
    )


def format_context(unsafe: bool, lines: Callable[[str, int], str | None] | None = None) -> FormatContext:
    rules = {r.code: RuleInfo(r.code, r.name, r.summary, r.docs) for r in RULES}
    rules[FILE_ERROR_CODE] = RuleInfo(FILE_ERROR_CODE, FILE_ERROR_NAME, "file cannot be read or parsed", "")
    return FormatContext(os.getcwd(), unsafe, __version__, rules, lines or source_line)


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


def _stdin(name: str, settings: Settings, fix: bool, diff: bool, out: _Output) -> int:
    """Lint a buffer from stdin; with --fix the fixed source goes to stdout and findings to stderr."""
    raw = sys.stdin.buffer.read()
    try:
        buffer_lines = tuple(_NEWLINE.split(decode(raw).text))
    except (SyntaxError, UnicodeDecodeError, LookupError):
        buffer_lines = ()
    out.lines = lambda path, row: buffer_lines[row - 1] if 0 < row <= len(buffer_lines) else None
    if settings.force_exclude and is_excluded(name, settings):
        if fix:
            sys.stdout.buffer.write(raw)  # an excluded buffer passes through unchanged
        return EXIT_CLEAN
    if not (fix or diff):
        diagnostics = lint_source(raw, name, settings)
        out.emit(diagnostics, settings.unsafe_fixes, _check_summary(diagnostics, settings.unsafe_fixes))
        return EXIT_FINDINGS if diagnostics else EXIT_CLEAN
    outcome, fixed_source = fix_source(raw, name, settings)
    if diff:
        click.echo(outcome.diff, nl=False)
        if not out.quiet:
            click.echo(format_diff_summary(outcome.fixed), err=True)
        return EXIT_FINDINGS if outcome.fixed else EXIT_CLEAN
    sys.stdout.buffer.write(fixed_source)
    sys.stdout.buffer.flush()
    text = renderer("concise")(outcome.diagnostics, format_context(settings.unsafe_fixes))
    click.echo(text, nl=False, err=True)
    if outcome.error is not None:
        click.echo(f"aliaslint: error: {name}: {outcome.error}", err=True)
        return EXIT_ERROR
    if not out.quiet:
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


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print the documentation of every rule.")
def rule(code: str | None, show_all: bool) -> None:
    """Print the documentation of rule CODE (e.g. ALI001)."""
    if show_all:
        click.echo("\n\n".join(r.docs for r in RULES))
        return
    if code is None:
        raise click.UsageError("name a rule code (e.g. `aliaslint rule ALI001`) or use --all")
    found = RULES_BY_CODE.get(code.upper())
    if found is None:
        click.echo(f"aliaslint: error: unknown rule code `{code}`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(found.docs)
