"""Ctrl-C during `aliaslint --fix --unsafe-fixes` on many buggy files: every file is either as it
was or fully fixed (byte for byte what an uninterrupted run writes), no temporary file is left, and
the command ends with one line and a non-zero exit status, never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXES = Path(__file__).parent / "fixes"
EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"
EXE = Path(sys.executable).parent / "aliaslint"
COPIES = 6


def _populate(folder: Path) -> dict[str, bytes]:
    sources = [EXAMPLE, *sorted(FIXES.glob("*.py"))]
    out = {}
    for k in range(COPIES):
        for src in sources:
            name = f"m{k:02d}_{src.stem}.py"
            shutil.copy(src, folder / name)
            out[name] = src.read_bytes()
    return out


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What an uninterrupted run writes."""
    ref = tmp_path_factory.mktemp("reference")
    _populate(ref)
    p = subprocess.run([str(EXE), "--no-cache", "-q", "--fix", "--unsafe-fixes", "."], cwd=ref,
                       capture_output=True, text=True, timeout=300)
    assert p.stderr == ""
    return {f.name: f.read_bytes() for f in ref.iterdir() if f.is_file()}


def _default_signals() -> None:
    """In the child: SIGINT as in a terminal, whatever the test runner inherited (an ignored SIGINT
    stays ignored across exec, and Python then never raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


def _started(pid: int) -> bool:
    """The command runs in a second thread once the interpreter has imported it (see cli._run_deep);
    a Ctrl-C before that lands in Python's start-up, not in aliaslint."""
    try:
        return len(os.listdir(f"/proc/{pid}/task")) >= 2
    except OSError:
        return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("delay", [0.0, 0.3, 0.8, 2.0])
def test_sigint_leaves_every_file_untouched_or_fully_fixed(tmp_path: Path, expected: dict[str, bytes],
                                                            delay: float) -> None:
    original = _populate(tmp_path)
    assert any(original[n] != expected[n] for n in original)
    proc = subprocess.Popen([str(EXE), "--no-cache", "-q", "--fix", "--unsafe-fixes", "."], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_signals)
    deadline = time.monotonic() + 30
    while not _started(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # finished before the signal arrived
        assert (out, err) == (b"", b"")
    elif proc.returncode == -signal.SIGINT:
        # the work was over and the interpreter was exiting, which restores the default handler
        assert (out, err) == (b"", b"")
    else:
        assert (proc.returncode, err) == (130, b"aliaslint: interrupted\n")
        assert b"Traceback" not in out
    now = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    assert sorted(now) == sorted(original), "a temporary file was left behind"
    partial = [n for n in now if now[n] not in (original[n], expected[n])]
    assert partial == []
    if proc.returncode == 0:
        assert now == expected


def test_second_sigint_ends_at_once_with_one_line(tmp_path: Path) -> None:
    # some seconds of work even on a fast machine, so that both signals land while it runs
    functions = "".join(f"def g{i}(x):\n    y = x\n    x += 1\n    return y\n\n" for i in range(12000))
    (tmp_path / "slow.py").write_text("import numpy as np\n\n" + functions)
    proc = subprocess.Popen([str(EXE), "--no-cache", "slow.py"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=_default_signals)
    while not _started(proc.pid) and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    # The first Ctrl-C may already have ended the work: the second one then lands while the
    # interpreter exits, where Python has given SIGINT back its default action, and the process
    # ends by the signal. Either way it ends at once, with the one line.
    assert (out, err) == (b"", b"aliaslint: interrupted\n")
    assert proc.returncode in (130, -signal.SIGINT)


# Work whose time is mostly in a weakref callback, as an import's is in moments (importlib's
# module locks): Python reports an exception raised there as "Exception ignored" and goes on.
_IN_CALLBACKS = """
import os, signal, sys, threading, weakref
from aliaslint import cli

class O:
    pass

def cb(ref):
    for _ in range(2000):
        pass

def work():
    while True:
        o = O()
        r = weakref.ref(o, cb)
        del o

threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    cli._run_deep(work)
except KeyboardInterrupt:
    print("interrupted")
"""


def test_a_ctrl_c_that_lands_in_a_callback_is_raised_again_where_it_can_be() -> None:
    """Ctrl-C reaches the command's thread as an exception raised at its next instruction; where
    that is a callback Python calls on its own (a weakref's, an import's module lock's), Python
    prints it as ignored and the work goes on. It is raised again until it lands in the work."""
    done = subprocess.run([sys.executable, "-c", _IN_CALLBACKS], capture_output=True, text=True, timeout=30,
                          preexec_fn=_default_signals)
    assert (done.stdout, done.stderr) == ("interrupted\n", "")
