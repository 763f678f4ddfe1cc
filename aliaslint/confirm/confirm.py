"""``--confirm``: for each finding, build two programs (as written, with the fix), run both in the
sandbox, and attach the verdict to the diagnostic.

A finding can be confirmed when it has a fix and a stale read to watch: its own (ALI001 and the
rules that report a read) or, for a finding at a function's ``return`` (ALI002), the read of a
finding that the returned alias causes. Everything else is ``inconclusive`` with the reason, never
silently skipped. Runs go through a thread pool bounded by ``jobs``; each run is its own process.
"""

from __future__ import annotations

import ast
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ..diagnostics import Confirmation, Diagnostic, Edit, Related
from ..analysis.imports import module_name
from ..fixes import apply_edits
from ..rules import FILE_ERROR_CODE, UNUSED_NOQA_CODE
from .driver import CannotDrive, Plan, enclosing_function, plan, where
from .harness import build_module, build_program
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
    """What to run for one finding: the fix's edits per file, the read to watch, the driving call."""

    edits: tuple[tuple[str, tuple[Edit, ...]], ...]  # (file, its edits)
    read: Related
    read_path: str
    passed_row: int | None
    passed_path: str
    probe: bool
    path: str  # the finding's own file

    @property
    def read_at(self) -> str:
        row = self.read.location.row
        return f"line {row}" if self.read_path == self.path else f"{self.read_path}:{row}"

    def edits_for(self, path: str) -> tuple[Edit, ...]:
        return next((e for p, e in self.edits if p == path), ())


@dataclass(frozen=True)
class _Job:
    plan: Plan
    read_at: str
    original: str
    fixed: str
    files_original: dict[str, str] | None = None
    files_fixed: dict[str, str] | None = None


def _role(d: Diagnostic, role: str) -> Related | None:
    return next((r for r in d.related if r.message.endswith(role)), None)


def target(d: Diagnostic, everything: Sequence[Diagnostic]) -> Target | str:
    """What to run for ``d``, or why it cannot be run. ``everything`` holds the findings of all
    files: a function's ALI002 is confirmed through the stale read of the ALI001 it causes."""
    if d.fix is None:
        return "this finding has no fix to compare against"
    source = d
    if _role(d, READ_ROLE) is None:
        source = next((s for s in everything if (r := _role(s, RETURNS_ROLE)) is not None
                       and (r.path or s.path) == d.path and r.location == d.location
                       and _role(s, READ_ROLE) is not None), d)
    read = _role(source, READ_ROLE)
    if read is None:
        return "this finding has no stale read to observe"
    read_path = read.path or source.path
    passed = _role(source, PASSED_ROLE)
    edits: dict[str, list[Edit]] = {d.path: list(d.fix.edits)}
    for s in everything:  # findings that feed the same read are one bug: fix them together, as --fix would
        r = _role(s, READ_ROLE)
        if s is not d and s.code == d.code and s.fix is not None and r is not None \
                and (r.path or s.path) == read_path and r.location.row == read.location.row:
            mine = edits.setdefault(s.path, [])
            mine.extend(e for e in s.fix.edits if e not in mine)
    return Target(tuple((p, tuple(e)) for p, e in edits.items()), read, read_path,
                  passed.location.row if passed else None,
                  (passed.path or source.path) if passed else read_path, d.code in PROBE_CODES, d.path)


def _compiles(text: str) -> bool:
    try:
        compile(text, "<confirm>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _parse(text: str | None) -> ast.Module | None:
    try:
        return None if text is None else ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def prepare(t: Target, text_of: Callable[[str], str | None]) -> _Job | str:
    """The two programs of one finding, or why they cannot be built."""
    text = text_of(t.read_path)
    tree = _parse(text)
    if text is None or tree is None:
        return f"{t.read_path} cannot be read or parsed"
    fn = enclosing_function(tree, t.read.location.row)
    if fn is None:
        return f"the stale read is {where(tree, t.read.location.row)}"
    caller_text, caller_tree = text, tree
    if t.passed_path != t.read_path:
        caller_text = text_of(t.passed_path)
        caller_tree = _parse(caller_text)
        if caller_text is None or caller_tree is None:
            return f"{t.passed_path} cannot be read or parsed"
    try:
        driven = plan(caller_tree, caller_text, fn, t.passed_row, t.probe)
    except CannotDrive as e:
        return str(e)
    for grow in (True, False):
        observe = observation_edits(text, t.read.location, grow)
        if observe is None:
            return "the stale read could not be found in the source"
        original = apply_edits(text, observe)
        fixed = apply_edits(text, (*t.edits_for(t.read_path), *observe))
        if _compiles(original) and _compiles(fixed):
            break
    else:
        return "the stale read could not be instrumented"
    if t.passed_path == t.read_path:
        return _Job(driven, t.read_at,
                    build_program(original, [fn.name], driven.cases, driven.definitions),
                    build_program(fixed, [fn.name], driven.cases, driven.definitions))
    # The call is in another file: it becomes the program, the helper's file a module beside it.
    caller_fixed = apply_edits(caller_text, t.edits_for(t.passed_path))
    if not _compiles(caller_fixed):
        return "the fix does not compile"
    module_file, packages = _module_files(t.read_path)
    return _Job(driven, t.read_at,
                build_program(caller_text, [], driven.cases, driven.definitions),
                build_program(caller_fixed, [], driven.cases, driven.definitions),
                {**packages, module_file: build_module(original)},
                {**packages, module_file: build_module(fixed)})


def _module_files(path: str) -> tuple[str, dict[str, str]]:
    """Where a module goes beside the program so that its importers find it, and the (empty)
    ``__init__.py`` of each package above it."""
    name, is_package = module_name(os.path.abspath(path))
    parts = name.split(".")
    packages = {"/".join([*parts[:k], "__init__.py"]): "" for k in range(1, len(parts) if not is_package else len(parts))}
    module_file = "/".join(parts) + ("/__init__.py" if is_package else ".py")
    return module_file, packages


def confirm(files: Sequence[tuple[str, str, Sequence[Diagnostic]]], *, timeout: float = 10.0, jobs: int = 1,
            read: Callable[[str], str | None] | None = None) -> list[list[Diagnostic]]:
    """Each file's diagnostics (``(path, source text, diagnostics)`` in, same order out), confirmed.

    ``read`` gives the text of another file of the run (where the call driving a helper is) by its
    displayed path.
    """
    texts = {path: text for path, text, _ in files}

    def text_of(path: str) -> str | None:
        return texts[path] if path in texts else (read(path) if read is not None else None)

    everything = [d for _, _, ds in files for d in ds]
    verdicts: dict[tuple[int, int], Confirmation] = {}
    work: list[tuple[tuple[int, int], _Job]] = []
    for i, (_, _, diagnostics) in enumerate(files):
        for j, d in enumerate(diagnostics):
            if d.code in _NOT_RUN:
                continue
            t = target(d, everything)
            job = t if isinstance(t, str) else prepare(t, text_of)
            if isinstance(job, str):
                verdicts[i, j] = inconclusive(job)
            else:
                work.append(((i, j), job))
    runs_in = [(p, f) for _, job in work for p, f in ((job.original, job.files_original), (job.fixed, job.files_fixed))]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs: list[SandboxResult] = list(pool.map(lambda pf: run_program(pf[0], timeout=timeout, files=pf[1]), runs_in))
    for k, (key, job) in enumerate(work):
        verdicts[key] = compare(job.plan, job.read_at, runs[2 * k], runs[2 * k + 1])
    return [
        [replace(d, confirmation=verdicts[i, j]) if (i, j) in verdicts else d for j, d in enumerate(diagnostics)]
        for i, (_, _, diagnostics) in enumerate(files)
    ]
