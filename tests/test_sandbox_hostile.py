"""Hostile code under ``--confirm``, through the command: each run ends in time with its verdict,
the user's folder is untouched, and no sandbox folder or process is left behind.
(tests/test_sandbox.py runs the same kinds of program through ``run_program`` directly.)"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conftest import run_cli
from test_confirm import CENTRAL, confirmations, processes_with, sandbox_dirs, write

TIMED_OUT = "inconclusive: the program as written timed out (timed out after 2.0 s)"
CONFIRMED = "confirmed (zero-gradient): grad(lin, x=[1. 2.]) returned [0. 0.]; with the fix it returns [1. 1.]"

HOSTILE = {
    "fork_bomb": ("    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n"
                  "            pass\n    return x", TIMED_OUT),
    "closes_stdout_and_stderr": ("    import os\n    os.close(1)\n    os.close(2)\n    return x",
                                 "inconclusive: grad(lin, x=[1. 2.]) raised OSError: [Errno 9] Bad file descriptor "
                                 "before reaching the stale read"),
    "floods_stdout": ("    import sys\n    for _ in range(200):\n        sys.stdout.write('y' * 100000)\n    return x",
                      CONFIRMED),
    "deletes_its_working_folder": ("    import os, shutil\n    os.chdir(os.environ['HOME'])\n"
                                   "    for p in os.listdir('.'):\n"
                                   "        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)\n    return x", CONFIRMED),
    "sleeps_in_a_thread_past_the_timeout": ("    import threading, time\n"
                                            "    threading.Thread(target=time.sleep, args=(4321,)).start()\n    return x",
                                            TIMED_OUT),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_code_under_confirm(tmp_path: Path, case: str) -> None:
    body, verdict = HOSTILE[case]
    write(tmp_path, "bad.py", CENTRAL.format(name="lin", body=body))
    before = sandbox_dirs()
    start = time.monotonic()
    r = run_cli(["--confirm", "--confirm-timeout", "2", "-q", "--no-cache", "--select", "ALI001", "bad.py"], cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert (r.exit_code, confirmations(r.output), r.stderr) == (1, [verdict] * 2, "")
    assert len(r.output.splitlines()) == 4  # the flood stays in the sandbox
    assert elapsed < 2 * 2 + 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py"]
    assert sandbox_dirs() <= before
    assert processes_with("4321") == []


def test_socket_to_a_local_listener_is_cut_off_or_documented(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.1)
        port = listener.getsockname()[1]
        body = f"    import socket\n    socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')\n    return x"
        write(tmp_path, "bad.py", CENTRAL.format(name="lin", body=body))
        r = run_cli(["--confirm", "--confirm-timeout", "2", "-q", "--no-cache", "--select", "ALI001", "bad.py"],
                    cwd=tmp_path)
        try:
            listener.accept()[0].close()
            reached = True
        except (socket.timeout, BlockingIOError):
            reached = False
    lines = confirmations(r.output)
    if reached:  # no network namespace here: docs/sandbox.md says so ("Network: isolated only when unshare works")
        pytest.skip("the network is not isolated on this machine (documented in docs/sandbox.md)")
    assert lines == ["inconclusive: grad(lin, x=[1. 2.]) raised OSError: [Errno 101] Network is unreachable "
                     "before reaching the stale read"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py"]
