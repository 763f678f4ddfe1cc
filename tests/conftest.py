from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from aliaslint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
REPOSITORY = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"#\s*error:\s*(?P<body>.*)$")
ENTRY = re.compile(r"(?P<code>ALI\d{3})\s+col\s+(?P<col>\d+)")
FINDING = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>ALI\d{3}) ")


@dataclass
class Result:
    exit_code: int
    output: str
    stderr: str
    output_bytes: bytes = b""


def run_cli(args: list[str], cwd: Path | None = None, stdin: bytes | None = None) -> Result:
    """Run the aliaslint command in-process, as a user would from ``cwd`` (with ``stdin`` piped in)."""
    runner = CliRunner()
    old = os.getcwd()
    here = Path(cwd if cwd is not None else old).resolve()
    env = {"ALIASLINT_CACHE_DIR": _scratch_cache()} if here.is_relative_to(REPOSITORY) else None
    try:
        if cwd is not None:
            os.chdir(cwd)
        r = runner.invoke(main, args, input=stdin, env=env, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(r.exit_code, r.stdout, r.stderr, r.stdout_bytes)


@pytest.fixture(scope="session", autouse=True)
def _own_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test process (pytest-xdist runs one per core) has a temporary folder of its own: the
    confirmation tests check that no sandbox folder is left behind, and must not see one that a
    test in the process beside them has open. pytest removes it with its older runs' folders."""
    own = str(tmp_path_factory.mktemp("tmp"))
    before = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = own  # for subprocesses, and for this one
    yield
    if before[0] is None:
        del os.environ["TMPDIR"]
    else:
        os.environ["TMPDIR"] = before[0]
    tempfile.tempdir = before[1]


@functools.cache
def _scratch_cache() -> str:
    """Where runs from inside the repository (on the fixtures) cache: never in the source tree."""
    path = tempfile.mkdtemp(prefix="aliaslint-test-cache-")
    atexit.register(shutil.rmtree, path, True)
    return path


def expected_markers(path: Path) -> set[tuple[str, int, int]]:
    """The findings a fixture declares with trailing ``# error: ALI001 col 9`` comments."""
    out = set()
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = MARKER.search(line)
        if m:
            for e in ENTRY.finditer(m.group("body")):
                out.add((e.group("code"), row, int(e.group("col"))))
    return out


def record_checks(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The file names of every component check (`checker.check_group`) from now on, in order."""
    from aliaslint import checker

    seen: list[list[str]] = []
    real = checker.check_group

    def recording(files, *args):  # type: ignore[no-untyped-def]
        seen.append([Path(f.path).name for f in files])
        return real(files, *args)

    monkeypatch.setattr(checker, "check_group", recording)
    return seen


def reported(output: str) -> set[tuple[str, int, int]]:
    out = set()
    for line in output.splitlines():
        m = FINDING.match(line)
        if m:
            out.add((m.group("code"), int(m.group("row")), int(m.group("col"))))
    return out


@pytest.fixture
def cli():
    return run_cli


def halved(paths: list[Path]) -> list[object]:
    """The fixtures, and every other file of aliaslint's own code: the rest run under ``-m slow``
    (a test over each file of aliaslint is most of its time; the suite must stay under five
    minutes on two cores)."""
    package = REPOSITORY / "aliaslint"
    out: list[object] = []
    ours = 0
    for path in paths:
        if path.resolve().is_relative_to(package):
            ours += 1
            if ours % 2 == 0:
                out.append(pytest.param(path, marks=pytest.mark.slow))
                continue
        out.append(path)
    return out
