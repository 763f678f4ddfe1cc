"""The cache stays bounded: entries no run used for a month go, once a day, and above a size
the least recently used ones; never a file aliaslint did not write, never a run's output."""

from __future__ import annotations

import os
import time
from pathlib import Path

from aliaslint.cache import FORMAT, KINDS, Cache
from aliaslint.cache_pruning import DAY, MARKER, prune

from conftest import run_cli
from test_cache import ALI002_LINE, entries, two_files

OTHER = "import numpy as np\n\nx = np.ones({})\nx += 1\n"


def age(paths: list[Path], days: float) -> None:
    """As if each file was last written or used ``days`` ago."""
    then = time.time() - days * DAY
    for p in paths:
        os.utime(p, (then, then))


def files_in(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache)


def holds_main_findings(cache: Path, path: Path) -> bool:
    found = Cache(str(cache)).get("results", path.name)
    return isinstance(found, list) and any(d.code == "ALI002" and Path(d.path).name == "main.py"
                                           for diags in found for d in diags)


def test_entries_no_run_used_for_a_month_are_removed_once_a_day(tmp_path: Path) -> None:
    two_files(tmp_path)
    other = tmp_path / "other.py"
    other.write_text(OTHER.format(3))
    cold = run_cli(["-q", "."], cwd=tmp_path)
    assert ALI002_LINE in cold.output.splitlines()
    cache = tmp_path / ".aliaslint_cache"
    assert {p.name for p in cache.iterdir() if p.is_dir()} <= set(KINDS)  # where pruning looks
    assert (cache / MARKER).is_file()  # the first run pruned, and found nothing to remove
    # a month without runs: every entry, a killed run's temporary file and a file of the user's
    month_old = files_in(cache)
    leftover = cache / "results" / ".tmp-k1lled00"
    leftover.write_bytes(b"")
    users = cache / "results" / "notes.txt"
    users.write_text("not aliaslint's\n")
    age([*month_old, leftover, users], 40)

    age([cache / MARKER], 0.5)  # pruned half a day ago: not again yet
    other.write_text(OTHER.format(4))
    assert run_cli(["-q", "."], cwd=tmp_path).output == cold.output
    assert all(p.exists() for p in [*month_old, leftover, users])

    age([cache / MARKER], 2)
    other.write_text(OTHER.format(5))
    assert run_cli(["-q", "."], cwd=tmp_path).output == cold.output
    assert time.time() - (cache / MARKER).stat().st_mtime < 600
    kept = [p for p in month_old if p.exists()]
    assert not leftover.exists() and users.exists()
    # the last two runs read the results of main.py and numdiff.py (unchanged), so they are kept;
    # the facts of their imports were not read (the first run's survey stood), so they went; the
    # facts of other.py's first version were read when it changed (were its imports the same?)
    results = [p for p in kept if p.parent.name == "results"]
    assert len(results) == 1 and holds_main_findings(cache, results[0])
    facts = [Cache(str(cache)).get("imports", p.name) for p in kept if p.parent.name == "imports"]
    assert [f.name for f in facts] == ["other"]
    gone = sorted(p.parent.name for p in month_old if not p.exists())
    # the facts of main.py and numdiff.py; the results of other.py's first version and of the whole run
    assert gone == ["imports", "imports", "results", "results"]
    # what went is found again when needed: a change to main.py surveys the files anew
    main = tmp_path / "main.py"
    main.write_text(main.read_text() + "\n")
    again = run_cli(["-q", "."], cwd=tmp_path)
    assert (again.exit_code, again.output) == (cold.exit_code, cold.output)
    assert {Cache(str(cache)).get("imports", p.name).name for p in entries(cache, "imports")} == {
        "main", "numdiff", "other"}


def test_reading_an_entry_a_day_old_marks_it_used(tmp_path: Path) -> None:
    store = Cache(str(tmp_path))
    store.put("results", "a" * 40, [1])
    store.put("results", "b" * 40, [2])
    old, recent = entries(tmp_path, "results")
    age([old], 3)
    age([recent], 0.5)
    before = recent.stat().st_mtime
    assert store.get("results", old.name) == [1] and store.get("results", recent.name) == [2]
    assert time.time() - old.stat().st_mtime < 600
    assert recent.stat().st_mtime == before  # marked at most once a day: no write for each read


def test_above_the_cap_the_least_recently_used_entries_go(tmp_path: Path) -> None:
    store = Cache(str(tmp_path))
    for k in range(10):
        store.put("results", f"{k:040x}", bytes(1000))
    paths = entries(tmp_path, "results")
    for k, p in enumerate(paths):
        age([p], k / 24)  # entry k last used k hours ago
    size = paths[0].stat().st_size
    now = time.time()
    assert prune(tmp_path, now, max_bytes=10 * size) == 0  # at the cap, not above it
    assert prune(tmp_path, now, max_bytes=8 * size) == 4  # above it: down to three quarters
    assert [p.exists() for p in paths] == [True] * 6 + [False] * 4
    assert prune(tmp_path, now, max_bytes=8 * size) == 0


def test_only_entries_in_the_entries_folders_are_removed(tmp_path: Path) -> None:
    store = Cache(str(tmp_path))
    store.put("trees/0123", "c" * 40, b"tree")  # a folder within a kind's
    tree = tmp_path / "trees" / "0123" / ("c" * 40)
    elsewhere = tmp_path / "elsewhere" / ("d" * 40)  # an entry's format, in no entries' folder
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(FORMAT + b"x")
    foreign = tmp_path / "results" / (".tmp-" + "e" * 8)  # a temporary name, not aliaslint's content
    foreign.parent.mkdir()
    foreign.write_bytes(b"someone else's")
    age([tree, elsewhere, foreign], 40)
    assert prune(tmp_path, time.time()) == 1
    assert not tree.exists() and elsewhere.exists() and foreign.exists()
