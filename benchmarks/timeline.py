"""Where a cold run's time goes, process by process: the survey's span and CPU time, each big
check's (a part of the sinks, a layer's step, a whole component, a parse ahead) start, end, CPU
time and peak RSS, and the small checks of the pool summed.

Run: python benchmarks/timeline.py [--cache DIR] [--jobs 2] [--all] [PATH ...]
Lints the corpus (or the PATHs) once, without the cache, and prints the schedule, times in seconds
from the command's start. ``--all`` lists every check, small ones too. It measures; it asserts
nothing. A cold run is bound by its CPU time on the places it has and by the chain of steps that
wait for one another (see docs/architecture.md, "Speed"): this shows which.

Each process of the run (the command, the pool's workers, the processes the fork server starts)
loads a ``sitecustomize`` module from a temporary folder put first on ``PYTHONPATH``, which wraps
the engine's check and survey entry points to append one line per call to a log. aliaslint itself
is unchanged; the wrapping costs next to nothing per call.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from corpus import corpus_paths

# Loaded by every Python process of the run (a fork server starts Python anew, so it is loaded
# there too, before the server imports the engine). Each wrapped call appends
# "pid kind files reported start end cpu rss first-reported-path" to $ALIASLINT_TIMELINE_LOG.
_HOOK = r'''
import os, resource, time, functools
_LOG = os.environ.get("ALIASLINT_TIMELINE_LOG")
_T0 = float(os.environ.get("ALIASLINT_TIMELINE_T0", "0"))


def _wrap(module, name, kind):
    real = getattr(module, name)

    @functools.wraps(real)
    def wrapped(work, *args, **kwargs):
        start, cpu = time.time(), time.process_time()
        try:
            return real(work, *args, **kwargs)
        finally:
            files = work[0] if kind in ("check", "own") else work
            shown = work[1] if kind in ("check", "own") and work[1] is not None else range(len(files))
            head = files[shown[0]] if len(shown) else None
            first = getattr(head[0] if isinstance(head, tuple) else head, "path", "-")
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            with open(_LOG, "a") as log:
                log.write(f"{os.getpid()} {kind} {len(files)} {len(shown)} {start - _T0:.2f} {time.time() - _T0:.2f} "
                          f"{time.process_time() - cpu:.2f} {rss:.0f} {first}\n")

    setattr(module, name, wrapped)


if _LOG:
    import aliaslint.engine as _engine
    import aliaslint.survey as _survey

    _wrap(_engine, "_check", "check")
    _wrap(_engine, "_check_and_end", "own")
    _wrap(_engine, "_parse_ahead", "ahead")
    _wrap(_survey, "imports_deep", "survey")
'''


@dataclass(frozen=True)
class Call:
    pid: int
    kind: str  # survey (a share of it), check (in the pool), own (a process of its own), ahead
    files: int  # parsed (a check's cones included)
    reported: int
    start: float
    end: float
    cpu: float
    rss: float
    first: str


def read_log(text: str) -> list[Call]:
    calls = []
    for line in text.splitlines():
        pid, kind, files, reported, start, end, cpu, rss, first = line.split(" ", 8)
        calls.append(Call(int(pid), kind, int(files), int(reported), float(start), float(end), float(cpu),
                          float(rss), first))
    return calls


def report(calls: list[Call], wall: float, every: bool) -> str:
    """The schedule as lines of text (a pure function of the log, for the reader)."""
    out = [f"run: {wall:.1f} s wall"]
    survey = [c for c in calls if c.kind == "survey"]
    if survey:
        out.append(f"survey: {min(c.start for c in survey):.1f} to {max(c.end for c in survey):.1f} s, "
                   f"{sum(c.cpu for c in survey):.1f} s CPU in {len(survey)} shares")
    big = sorted((c for c in calls if c.kind != "survey" and (every or c.kind != "check")), key=lambda c: c.start)
    for c in big:
        out.append(f"{c.kind:5} {c.files:5} files ({c.reported:4} reported)  {c.start:6.1f} to {c.end:6.1f} s  "
                   f"{c.cpu:6.1f} s CPU  {c.rss:4.0f} MB  pid {c.pid}  first {c.first}")
    small = [c for c in calls if c.kind == "check"]
    if small:
        out.append(f"pool checks: {len(small)}, {sum(c.files for c in small)} files, {sum(c.cpu for c in small):.1f} s CPU, "
                   f"from {min(c.start for c in small):.1f} to {max(c.end for c in small):.1f} s")
    out.append(f"CPU logged: {sum(c.cpu for c in calls):.1f} s")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default: 2)")
    parser.add_argument("--all", action="store_true", help="list every check, small ones too")
    parser.add_argument("paths", nargs="*", help="what to lint (default: the corpus)")
    args = parser.parse_args()
    paths = args.paths or [str(p) for p in corpus_paths(args.cache)]
    with tempfile.TemporaryDirectory(prefix="aliaslint-timeline-") as folder:
        Path(folder, "sitecustomize.py").write_text(_HOOK)
        log = Path(folder, "log")
        log.touch()
        start = time.time()
        env = {**os.environ, "ALIASLINT_TIMELINE_LOG": str(log), "ALIASLINT_TIMELINE_T0": repr(start),
               "PYTHONPATH": os.pathsep.join([folder, *filter(None, [os.environ.get("PYTHONPATH")])])}
        command = [sys.executable, "-m", "aliaslint", "check", "--isolated", "--exit-zero", "-q", "--no-cache",
                   "--jobs", str(args.jobs), *paths]
        print("$", shlex.join(command), flush=True)
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        wall = time.time() - start  # each process wrote its lines before it handed its result back
        print(report(read_log(log.read_text()), wall, args.all))


if __name__ == "__main__":
    main()
