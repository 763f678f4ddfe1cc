"""``--confirm``: for each finding, build two programs (as written, with the fix), run both in the
sandbox, and attach the verdict to the diagnostic.

A finding can be confirmed when it has a fix and a stale read to watch: its own (ALI001 and the
rules that report a read) or, for a finding at a function's ``return`` (ALI002), the read of a
finding that the returned alias causes. Everything else is ``inconclusive`` with the reason, never
silently skipped. Runs go through a thread pool bounded by ``jobs``; each run is its own process.
"""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Sequence

from ..diagnostics import Confirmation, Diagnostic, Edit, Related
from ..fixes import apply_edits
from ..rules import FILE_ERROR_CODE, UNUSED_NOQA_CODE
from .driver import CannotDrive, Plan, enclosing_function, plan, where
from .harness import build_program
from .instrument import observation_edits
from .sandbox import SandboxResult, run_program
from .verdict import compare, inconclusive

READ_ROLE = "read here"  # how a rule's related location for the stale read ends
PASSED_ROLE = "passed here"  # ... and for the call that passed the aliasing callable
RETURNS_ROLE = "returns this"  # ... and for the aliasing function's return
PROBE_CODES = frozenset({"ALI100"})  # latent findings: drive the callable parameters with probes
_NOT_RUN = frozenset({FILE_ERROR_CODE, UNUSED_NOQA_CODE})  # not findings about code: nothing to run


@dataclass(frozen=True)
class Target:
    fix_edits: tuple[Edit, ...]
    read: Related
    passed_row: int | None
    probe: bool


@dataclass(frozen=True)
class _Job:
    plan: Plan
    read_line: int
    original: str
    fixed: str


def _role(d: Diagnostic, role: str) -> Related | None:
    return next((r for r in d.related if r.message.endswith(role)), None)


def target(d: Diagnostic, siblings: Sequence[Diagnostic]) -> Target | str:
    """What to run for ``d``, or why it cannot be run."""
    if d.fix is None:
        return "this finding has no fix to compare against"
    source = d
    if _role(d, READ_ROLE) is None:
        source = next((s for s in siblings if (r := _role(s, RETURNS_ROLE)) is not None
                       and r.location == d.location and _role(s, READ_ROLE) is not None), d)
    read = _role(source, READ_ROLE)
    if read is None:
        return "this finding has no stale read to observe"
    passed = _role(source, PASSED_ROLE)
    edits = list(d.fix.edits)
    for s in siblings:  # findings that feed the same read are one bug: fix them together, as --fix would
        if s is not d and s.code == d.code and s.fix is not None and (r := _role(s, READ_ROLE)) is not None \
                and r.location.row == read.location.row:
            edits.extend(e for e in s.fix.edits if e not in edits)
    return Target(tuple(edits), read, passed.location.row if passed else None, d.code in PROBE_CODES)


def _compiles(text: str) -> bool:
    try:
        compile(text, "<confirm>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def prepare(text: str, tree: ast.Module, t: Target) -> _Job | str:
    """The two programs of one finding, or why they cannot be built."""
    fn = enclosing_function(tree, t.read.location.row)
    if fn is None:
        return f"the stale read is {where(tree, t.read.location.row)}"
    try:
        driven = plan(tree, text, fn, t.passed_row, t.probe)
    except CannotDrive as e:
        return str(e)
    for grow in (True, False):
        observe = observation_edits(text, t.read.location, grow)
        if observe is None:
            return "the stale read could not be found in the source"
        original = apply_edits(text, observe)
        fixed = apply_edits(text, (*t.fix_edits, *observe))
        if _compiles(original) and _compiles(fixed):
            break
    else:
        return "the stale read could not be instrumented"
    needed = [fn.name]
    return _Job(driven, t.read.location.row,
                build_program(original, needed, driven.cases, driven.definitions),
                build_program(fixed, needed, driven.cases, driven.definitions))


def confirm(files: Sequence[tuple[str, Sequence[Diagnostic]]], *, timeout: float = 10.0,
            jobs: int = 1) -> list[list[Diagnostic]]:
    """Each file's diagnostics (``(source text, diagnostics)`` in, same order out), confirmed."""
    verdicts: dict[tuple[int, int], Confirmation] = {}
    work: list[tuple[tuple[int, int], _Job]] = []
    for i, (text, diagnostics) in enumerate(files):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            tree = None
        for j, d in enumerate(diagnostics):
            if d.code in _NOT_RUN:
                continue
            if tree is None:
                verdicts[i, j] = inconclusive("the file cannot be parsed")
                continue
            t = target(d, diagnostics)
            job = t if isinstance(t, str) else prepare(text, tree, t)
            if isinstance(job, str):
                verdicts[i, j] = inconclusive(job)
            else:
                work.append(((i, j), job))
    programs = [p for _, job in work for p in (job.original, job.fixed)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs: list[SandboxResult] = list(pool.map(lambda p: run_program(p, timeout=timeout), programs))
    for k, (key, job) in enumerate(work):
        verdicts[key] = compare(job.plan, job.read_line, runs[2 * k], runs[2 * k + 1])
    return [
        [replace(d, confirmation=verdicts[i, j]) if (i, j) in verdicts else d for j, d in enumerate(diagnostics)]
        for i, (_, diagnostics) in enumerate(files)
    ]
