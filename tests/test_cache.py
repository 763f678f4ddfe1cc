"""The results cache and the worker pool: same output as a cold single-process run, always."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from aliaslint import checker, engine, sources, stamps, survey
from aliaslint.analysis.imports import ImportFacts
from aliaslint.cache import Cache

from conftest import FIXTURES, run_cli
from test_project import MAIN, NUMDIFF, make

ALI002_LINE = (
    "main.py:7:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result stored at numdiff.py:9 "
    "goes stale when the argument is modified in place"
)


def two_files(root: Path) -> None:
    make(root, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})


def entries(cache: Path, kind: str) -> list[Path]:
    return sorted((cache / kind).glob("[0-9a-f]*"))


def test_a_warm_run_prints_what_the_cold_run_printed_and_analyses_nothing(tmp_path: Path) -> None:
    two_files(tmp_path)
    cold = run_cli(["-q", "."], cwd=tmp_path)
    cache = tmp_path / ".aliaslint_cache"
    assert (cache / ".gitignore").read_text().endswith("*\n")  # never committed by accident
    assert len(entries(cache, "results")) == 1  # the two files are one component
    assert len(entries(cache, "imports")) == 2
    stamp = entries(cache, "results")[0].stat().st_mtime_ns
    warm = run_cli(["-q", "."], cwd=tmp_path)
    assert (warm.exit_code, warm.output) == (cold.exit_code, cold.output)
    assert ALI002_LINE in warm.output.splitlines()
    assert entries(cache, "results")[0].stat().st_mtime_ns == stamp  # read, not written again


def test_a_run_where_no_file_changed_is_answered_by_one_entry(tmp_path: Path) -> None:
    two_files(tmp_path)
    (tmp_path / "other.py").write_text("import numpy as np\n\nx = np.ones(3)\nx += 1\n")
    cold = run_cli(["-q", "."], cwd=tmp_path)
    cache = tmp_path / ".aliaslint_cache"
    assert len(entries(cache, "results")) == 3  # two components and the whole run
    shutil.rmtree(cache / "imports")
    warm = run_cli(["-q", "."], cwd=tmp_path)
    assert (warm.exit_code, warm.output) == (cold.exit_code, cold.output)
    assert not (cache / "imports").exists()  # no file was even surveyed
    (tmp_path / "other.py").write_text("import numpy as np\n\nx = np.ones(4)\nx += 1\n")
    again = run_cli(["-q", "."], cwd=tmp_path)
    assert (again.exit_code, again.output) == (cold.exit_code, cold.output)
    assert len(entries(cache, "imports")) == 3  # a change: the run is surveyed again


def test_editing_the_helper_changes_the_finding_in_the_callers_file(tmp_path: Path) -> None:
    two_files(tmp_path)
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()
    helper = tmp_path / "numdiff.py"
    helper.write_text(NUMDIFF.replace("fp = f(x)", "fp = f(x).copy()").replace("fm = f(x)", "fm = f(x).copy()"))
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "")  # main.py did not change, but what it depends on did
    helper.write_text(NUMDIFF)
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()


def test_settings_are_part_of_the_key(tmp_path: Path) -> None:
    two_files(tmp_path)
    run_cli(["-q", "."], cwd=tmp_path)
    r = run_cli(["-q", "--select", "ALI002", "."], cwd=tmp_path)
    assert r.output.splitlines() == [ALI002_LINE]
    r = run_cli(["-q", "--ignore", "ALI002", "."], cwd=tmp_path)
    assert ALI002_LINE not in r.output.splitlines() and r.output.count("ALI001") == 2


def test_corrupt_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    two_files(tmp_path)
    cold = run_cli(["-q", "."], cwd=tmp_path)
    cache = tmp_path / ".aliaslint_cache"
    for path in entries(cache, "results") + entries(cache, "imports"):
        path.write_bytes(b"aliaslint-cache-1\n\x80\x04truncated")
    again = run_cli(["-q", "."], cwd=tmp_path)
    assert (again.exit_code, again.output) == (cold.exit_code, cold.output)
    store = Cache(str(cache))
    assert all(store.get("results", p.name) is not None for p in entries(cache, "results"))


def test_no_cache_and_cache_dir(tmp_path: Path) -> None:
    two_files(tmp_path)
    cold = run_cli(["-q", "--no-cache", "."], cwd=tmp_path)
    assert not (tmp_path / ".aliaslint_cache").exists()
    elsewhere = tmp_path.parent / f"{tmp_path.name}-cache"
    r = run_cli(["-q", "--cache-dir", str(elsewhere), "."], cwd=tmp_path)
    assert r.output == cold.output
    assert entries(elsewhere, "results") and not (tmp_path / ".aliaslint_cache").exists()
    shutil.rmtree(elsewhere)
    env = {**os.environ, "ALIASLINT_CACHE_DIR": str(elsewhere)}  # as ruff's RUFF_CACHE_DIR
    p = subprocess.run([sys.executable, "-m", "aliaslint", "-q", "."], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert p.stdout == cold.output
    assert entries(elsewhere, "results") and not (tmp_path / ".aliaslint_cache").exists()
    shutil.rmtree(elsewhere)


def test_concurrent_runs_share_the_cache_safely(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    expected = run_cli(["--no-cache", "--select", "ALL", "fixtures"], cwd=tmp_path).output
    command = [sys.executable, "-m", "aliaslint", "--select", "ALL", "fixtures"]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=240)[0] for p in runs]
    assert outputs == [expected] * 3
    assert not list((tmp_path / ".aliaslint_cache").rglob(".tmp-*"))  # no half-written entry left
    assert run_cli(["--select", "ALL", "fixtures"], cwd=tmp_path).output == expected


def test_worker_processes_give_the_single_process_output(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    single = run_cli(["--no-cache", "--jobs", "1", "--select", "ALL", "fixtures"], cwd=tmp_path)
    pooled = run_cli(["--no-cache", "--jobs", "2", "--select", "ALL", "fixtures"], cwd=tmp_path)
    assert len(list((tmp_path / "fixtures").rglob("*.py"))) > 16  # enough files for the pool to start
    assert (pooled.exit_code, pooled.output) == (single.exit_code, single.output)


def test_a_run_the_cache_answers_never_loads_libcst(tmp_path: Path) -> None:
    """Importing LibCST and the analysis is a third of a warm run; only checking needs them."""
    two_files(tmp_path)
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from aliaslint.cli import main\n"
        "r = CliRunner().invoke(main, ['-q', '.'])\n"
        "print(r.exit_code, 'libcst' in sys.modules, 'aliaslint.analysis.flow' in sys.modules)\n"
        "print(r.output, end='')\n"
    )

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
        return out.stdout.splitlines()

    cold = run()
    assert cold[0] == "1 True True" and ALI002_LINE in cold[1:]
    warm = run()
    assert warm == ["1 False False", *cold[1:]]


def test_what_another_build_of_aliaslint_found_of_a_files_imports_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `imports` entries are the first pass's facts about a file, which a new build may find
    differently: an entry written by another build (here one that found no imports at all) is
    not read, and `main.py` still passes its aliasing objective to `numdiff.py`'s helper."""
    two_files(tmp_path)
    monkeypatch.setattr(engine, "code_digest", lambda: "another build")
    run_cli(["-q", "."], cwd=tmp_path)
    cache = Cache(str(tmp_path / ".aliaslint_cache"))
    for entry in entries(tmp_path / ".aliaslint_cache", "imports"):
        facts = cache.get("imports", entry.name)
        assert isinstance(facts, ImportFacts)
        cache.put("imports", entry.name, replace(facts, queries=frozenset()))
    monkeypatch.undo()
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()


# --- stamps: files unchanged since the last run are not read -------------------------------------

def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    original = sources.read_source

    def counting(path: str, *args: object) -> object:
        read.append(Path(path).name)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "read_source", counting)
    return read


def test_files_whose_stamp_is_unchanged_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "RACY_NS", 0)  # the files were just written: trust their stamps all the same
    two_files(tmp_path)
    (tmp_path / "other.py").write_text("import numpy as np\n\nx = np.ones(3)\nx += 1\n")
    read = _counting_reads(monkeypatch)
    cold = run_cli(["-q", "."], cwd=tmp_path)
    assert sorted(read) == ["main.py", "numdiff.py", "other.py"]
    read.clear()
    warm = run_cli(["-q", "."], cwd=tmp_path)
    assert (warm.exit_code, warm.output, read) == (cold.exit_code, cold.output, [])
    (tmp_path / "other.py").write_text("import numpy as np\n\nx = np.ones(4)\nx += 1\n")
    again = run_cli(["-q", "."], cwd=tmp_path)
    assert (again.exit_code, again.output, read) == (cold.exit_code, cold.output, ["other.py"])


@pytest.fixture
def helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two files, their stamps trusted however recently they were written."""
    monkeypatch.setattr(stamps, "RACY_NS", 0)
    two_files(tmp_path)
    return tmp_path / "numdiff.py"


def test_a_file_rewritten_with_its_size_and_modification_time_is_read_again(tmp_path: Path, helper: Path) -> None:
    before = helper.stat()
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()
    copied = NUMDIFF.replace("fp = f(x)\n", "fp = +f(x)\n").replace("fm = f(x)\n", "fm = +f(x)\n")
    helper.write_text(copied.replace("h=1e-6", "h=1e6").replace("(2 * h)", "(2* h)"))  # the same size
    os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = helper.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if after.st_ctime_ns == before.st_ctime_ns:
        pytest.skip("this file system's clock did not tell the two writes apart")
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "")  # `+f(x)` makes a new array: nothing goes stale


def test_a_file_whose_stamp_said_it_was_unchanged_but_was_not_is_read_after_all(
    tmp_path: Path, helper: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = stamps.stamp(str(helper))
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()
    helper.write_text(NUMDIFF.replace("fp = f(x)", "fp = f(x).copy()").replace("fm = f(x)", "fm = f(x).copy()"))
    (tmp_path / "main.py").write_text(MAIN.format(imports="from numdiff import num_grad", call="num_grad") + "\n")
    # a file system that kept the helper's stamp: its component is checked again (main.py
    # changed), the helper is read, is not what its digest says, and the run starts over
    real = sources.stamp
    monkeypatch.setattr(sources, "stamp", lambda p: old if Path(p).name == "numdiff.py" else real(p))
    read = _counting_reads(monkeypatch)
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "")
    assert sorted(read) == ["main.py", "main.py", "numdiff.py"]  # read whole the second time
    read.clear()  # the stamps kept since are the files' as read then: the next run trusts them
    assert (run_cli(["-q", "."], cwd=tmp_path).output, read) == ("", [])


def test_a_stamp_is_kept_only_for_a_file_written_before_the_racy_window() -> None:
    s = stamps.Stamps("name", {})
    now = time.time_ns()
    s.record("fresh.py", (1, 2, 3, now, now), "d1")
    s.record("old.py", (1, 2, 3, now - 3 * stamps.RACY_NS, now - 3 * stamps.RACY_NS), "d2")
    s.record("touched.py", (1, 2, 3, now - 3 * stamps.RACY_NS, now), "d3")  # its inode changed just now
    s.record("gone.py", None, "d4")
    assert s.now == {"old.py": ((1, 2, 3, now - 3 * stamps.RACY_NS, now - 3 * stamps.RACY_NS), "d2")}
    later = stamps.Stamps("name", dict(s.now))
    assert later.digest("old.py", (1, 2, 3, now - 3 * stamps.RACY_NS, now - 3 * stamps.RACY_NS)) == "d2"
    assert later.digest("old.py", (1, 2, 4, now - 3 * stamps.RACY_NS, now - 3 * stamps.RACY_NS)) is None
    assert later.digest("old.py", None) is None
    assert later.digest("new.py", (1, 2, 3, 4, 5)) is None


# --- the survey: the last run's, when the changed files define and import what they did ----------

def _surveyed(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    original = survey.survey_files

    def recording(files: list[sources.SourceFile], *args: object, **kwargs: object) -> object:
        calls.append(sorted(Path(f.path).name for f in files))
        return original(files, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(survey, "survey_files", recording)
    return calls


def test_a_change_that_keeps_what_a_file_imports_surveys_that_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    two_files(tmp_path)
    (tmp_path / "other.py").write_text("import numpy as np\n\nx = np.ones(3)\nx += 1\n")
    surveyed = _surveyed(monkeypatch)
    assert ALI002_LINE in run_cli(["-q", "."], cwd=tmp_path).output.splitlines()
    helper = tmp_path / "numdiff.py"
    helper.write_text(NUMDIFF.replace("fp = f(x)", "fp = f(x).copy()").replace("fm = f(x)", "fm = f(x).copy()"))
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "")
    assert surveyed == [["main.py", "numdiff.py", "other.py"], ["numdiff.py"]]


def test_a_change_to_what_a_file_imports_surveys_every_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = "def num_grad(f, x):\n    return f(x) - f(x)\n"
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports=own, call="num_grad")})
    surveyed = _surveyed(monkeypatch)
    assert run_cli(["-q", "."], cwd=tmp_path).output == ""  # main.py calls its own num_grad
    (tmp_path / "main.py").write_text(MAIN.format(imports="from numdiff import num_grad", call="num_grad"))
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert ALI002_LINE in r.output.splitlines()  # the two files are one component now
    assert surveyed == [["main.py", "numdiff.py"], ["main.py"], ["main.py", "numdiff.py"]]


def test_a_changed_file_whose_former_facts_are_gone_from_the_cache_surveys_every_file_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    two_files(tmp_path)
    surveyed = _surveyed(monkeypatch)
    run_cli(["-q", "."], cwd=tmp_path)
    shutil.rmtree(tmp_path / ".aliaslint_cache" / "imports")
    # what main.py imported is not known any more, and now nothing can be read of it
    (tmp_path / "main.py").write_text(MAIN.format(imports="from numdiff import num_grad", call="num_grad(") + "\n")
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (1, run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output)
    assert "ALI900" in r.output
    assert surveyed == [["main.py", "numdiff.py"], ["main.py"], ["main.py", "numdiff.py"], ["main.py", "numdiff.py"]]


def test_a_file_a_check_parses_as_a_skeleton_comes_with_where_its_functions_stand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = MAIN.format(imports="from numdiff import num_grad", call="num_grad").replace("return x", "return x.copy()")
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": caller, "other.py": caller})
    cold = run_cli(["-q", "."], cwd=tmp_path)
    spans: list[tuple[str, bool]] = []
    original = checker.parse_skeleton

    def recording(text: str, functions: object = None, convert: bool = False) -> object:
        spans.append((text.splitlines()[0], functions is not None))
        return original(text, functions, convert)  # type: ignore[arg-type]

    monkeypatch.setattr(checker, "parse_skeleton", recording)
    (tmp_path / "main.py").write_text(caller + "\n")  # checked with its cone: the helper a skeleton
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output) == (cold.exit_code, cold.output)
    assert spans == [("import numpy as np", True)]


def test_stamps_and_a_survey_this_code_did_not_write_are_ignored(tmp_path: Path, helper: Path) -> None:
    cold = run_cli(["-q", "."], cwd=tmp_path)
    store = Cache(str(tmp_path / ".aliaslint_cache"))
    (stamped,) = entries(tmp_path / ".aliaslint_cache", "stamps")
    store.put("stamps", stamped.name, {path: 5 for path in store.get("stamps", stamped.name)})
    (surveyed,) = entries(tmp_path / ".aliaslint_cache", "survey")
    last = store.get("survey", surveyed.name)
    store.put("survey", surveyed.name, replace(last, writes=()))
    helper.write_text(NUMDIFF.replace("fp = f(x)", "fp = f(x).copy()").replace("fm = f(x)", "fm = f(x).copy()"))
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output, r.stderr) == (0, "", "")
    helper.write_text(NUMDIFF)
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert (r.exit_code, r.output, r.stderr) == (cold.exit_code, cold.output, "")
