"""How fast aliaslint lints the numpy/scipy/scikit-learn corpus: cold, warm, one file changed, with
the cost of parsing alone (``ast.parse`` and ``libcst.parse_module``) as baselines.

Run: python benchmarks/speed.py [--cache DIR] [--jobs N] [--no-baselines] [--repeat N]
Prints files, lines, wall and CPU seconds, lines per second and peak RSS (the largest single
process: aliaslint or one of its workers) for each aliaslint run, and the baselines' wall time on
the same number of processes, with the ratios. The rows of a second or two that can be run again
alike (the file changed again, the file alone) are run ``--repeat`` times: the median run is
shown, with the range. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

from audit import linted_files
from corpus import corpus_paths


# Runs the command and prints the peak RSS of its largest process. It runs in a process of its own
# for each measurement: a process's figure for its children is the largest since it started, so
# measuring every run from this script would repeat the cold run's peak for all later ones.
# aliaslint's big checks run in processes forked from a server process (multiprocessing's
# "forkserver"), which outlives aliaslint's own by a moment and is not waited for by it: without
# this process made their "subreaper" (Linux), which then waits for them, neither their CPU time
# nor their peak RSS would be counted.
_PEAK = """
import os, resource, subprocess, sys
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except (OSError, AttributeError):
    print("peak RSS and CPU time may leave out processes started from a fork server", file=sys.stderr)
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
while True:  # the fork server and what it started, once they end
    try:
        os.wait()
    except ChildProcessError:
        break
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


# An installed aliaslint has its modules compiled; run from a checkout in an environment that
# says not to write bytecode, every run would compile them again (0.2 s for all of them).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one aliaslint run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PEAK, *command], check=False, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, returncode = (int(x) for x in done.stdout.split())
    if returncode not in (0, 1):
        sys.exit(f"aliaslint exited with {returncode}:\n{done.stderr}")
    if done.stderr:  # what the measuring process could not count, or what aliaslint said
        print(done.stderr, end="", file=sys.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak / 1024


def median_run(command: list[str], times: int, before: Callable[[int], None] | None = None) -> tuple[float, float, float, str]:
    """:func:`run` ``times`` times (``before(k)`` ahead of the ``k``-th, if given): the run of median
    wall time, and the range of all, for a row that one run would leave to this machine's noise."""
    results = []
    for k in range(times):
        if before is not None:
            before(k)
        results.append(run(command))
    wall, cpu, rss = sorted(results)[len(results) // 2]
    spread = f" (median of {times}: {min(results)[0]:.2f} to {max(results)[0]:.2f} s)" if times > 1 else ""
    return wall, cpu, rss, spread


def _ast(path: Path) -> None:
    import ast

    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, RecursionError):
        pass


def _libcst(path: Path) -> None:
    import libcst

    try:
        libcst.parse_module(path.read_bytes())
    except Exception:
        pass


def baseline(parse: object, files: list[Path], jobs: int) -> float:
    start = time.perf_counter()
    if jobs == 1:
        for f in files:
            parse(f)  # type: ignore[operator]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(parse, files, chunksize=16))  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for aliaslint and the baselines (default: 2)")
    parser.add_argument("--aliaslint", default=f"{shlex.quote(sys.executable)} -m aliaslint",
                        help="the command that runs aliaslint")
    parser.add_argument("--no-baselines", action="store_true", help="skip the ast and libcst baselines")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the file changed again and of the file alone, of which the median is shown (default: 5)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    roots = corpus_paths(args.cache)
    files = linted_files(roots)
    lines = sum(f.read_bytes().count(b"\n") for f in files)
    print(f"corpus: {len(files)} files, {lines:,} lines ({', '.join(r.name for r in roots)})")
    with tempfile.TemporaryDirectory(prefix="aliaslint-speed-") as cache:
        command = [*shlex.split(args.aliaslint), "check", "--isolated", "--exit-zero", "-q", "--statistics",
                   "--jobs", str(args.jobs), "--cache-dir", cache, *map(str, roots)]
        rows: list[tuple[str, tuple[float, float, float, str]]] = [("cold", (*run(command), "")), ("warm", (*run(command), ""))]
        # a test module, which no other file imports (the cache then checks it with only what it
        # reads); a module that two other files import (checked with them); and a helper module
        # that most of scikit-learn imports (its whole component is checked)
        changed = max(files, key=lambda f: ("sklearn" in str(f), -abs(f.stat().st_size - 20_000)))
        read = next((f for f in files if f.parts[-3:] == ("scipy", "special", "_basic.py")), None)
        imported = next((f for f in files if f.parts[-3:] == ("sklearn", "utils", "extmath.py")), None)
        edits = [(label, path) for label, path in (
            ("one file changed", changed), ("one file read by two others changed", read),
            ("one imported file changed", imported)) if path is not None]
        for k, (label, path) in enumerate(edits):
            original = path.read_bytes()
            try:
                path.write_bytes(original + b"\n# changed by benchmarks/speed.py\n")
                count = original.count(b"\n")
                rows.append((f"{label} ({path.name}, {count} lines)", (*run(command), "")))
                if k == 0:  # as when a file is edited and saved again: what the last check parsed is kept
                    def edit(again: int, path: Path = path, original: bytes = original) -> None:
                        path.write_bytes(original + f"\n# changed again by benchmarks/speed.py ({again})\n".encode())

                    rows.append(("the same file changed again", median_run(command, args.repeat, edit)))
            finally:
                path.write_bytes(original)
            if k < len(edits) - 1:
                run(command)  # not measured: the next run then sees its own change only, not this undone
        own = [*shlex.split(args.aliaslint), "check", "--isolated", "--exit-zero", "-q", "--no-cache", str(changed)]
        rows.append(("that file alone, no cache", median_run(own, args.repeat)))
    for label, (wall, cpu, rss, spread) in rows:
        print(f"aliaslint {label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {lines / wall:,.0f} lines/s, peak RSS {rss:.0f} MB{spread}")
    if args.no_baselines:
        return
    cold = rows[0][1][0]
    for name, parse in (("ast.parse", _ast), ("libcst.parse_module", _libcst)):
        wall = baseline(parse, files, args.jobs)
        print(f"baseline {name} on {args.jobs} process(es): {wall:.2f} s wall; aliaslint cold / baseline = {cold / wall:.1f}")


if __name__ == "__main__":
    main()
