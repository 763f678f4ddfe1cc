"""The sandbox runner, run for real: each misbehaving program must end in the right status and
reason, within its timeout, leaving no process of it and no file behind.

Every test goes through the ``run`` fixture, which works from an empty directory of its own (so
"nothing was created in the caller's cwd" can be checked), records the temporary directory and the
process group of each run (by wrapping ``tempfile.mkdtemp`` and ``subprocess.Popen``), and asserts
afterwards that both are gone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from aliaslint.confirm import SandboxResult, run_program
from aliaslint.confirm import sandbox

TIMEOUT = 2.0
SLACK = 3.0  # cleanup after a timeout: kill, reap, drain, remove the directory
ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not ROOT, reason="privileges are only dropped when running as root")


@dataclass
class Runs:
    """What the fixture saw of the runs of one test."""

    cwd: Path
    workdirs: list[str] = field(default_factory=list)
    pgids: list[int] = field(default_factory=list)


def _gone(pid: int, group: bool) -> bool:
    try:
        (os.killpg if group else os.kill)(pid, 0)
    except ProcessLookupError:
        return True
    return False


def assert_gone(pid: int, group: bool = False) -> None:
    """No process (or group) ``pid`` is left; checked at once: the runner reaps before returning."""
    assert _gone(pid, group), f"{'group' if group else 'process'} {pid} is still there"


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runs:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    seen = Runs(cwd)
    real_mkdtemp = tempfile.mkdtemp
    real_popen = subprocess.Popen

    def mkdtemp(*args: object, **kwargs: object) -> str:
        path = real_mkdtemp(*args, **kwargs)  # type: ignore[arg-type]
        seen.workdirs.append(path)
        return path

    class Popen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            seen.pgids.append(self.pid)

    monkeypatch.setattr(sandbox.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(sandbox.subprocess, "Popen", Popen)
    return seen


@pytest.fixture
def run(runs: Runs) -> Callable[..., SandboxResult]:
    """Run a (dedented) program and check the universal promises: in time, nothing left behind."""

    def run_checked(source: str, *, timeout: float = TIMEOUT, **kwargs: object) -> SandboxResult:
        before = len(runs.workdirs)
        start = time.monotonic()
        result = run_program(textwrap.dedent(source), timeout=timeout, **kwargs)  # type: ignore[arg-type]
        elapsed = time.monotonic() - start
        assert elapsed < timeout + SLACK, f"took {elapsed:.1f} s"
        assert result.seconds <= timeout + 0.5
        assert len(runs.workdirs) == before + 1
        assert not os.path.exists(runs.workdirs[-1]), "the sandbox directory was left behind"
        assert_gone(runs.pgids[-1], group=True)
        assert list(runs.cwd.iterdir()) == [], "something was created in the caller's cwd"
        return result

    return run_checked


# --- what a good program gets -------------------------------------------------------------------


def test_ok_program_reports_a_numpy_array(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import numpy as np
        a = np.arange(6, dtype=np.int64).reshape(2, 3)
        print("hello")
        _aliaslint_report({"a": a, "f": np.float64(1.5), "i": np.int64(7), "o": object(),
                           "c": np.array([1 + 2j])})
        """
    )
    assert (result.status, result.returncode, result.reason) == ("ok", 0, "exit status 0")
    assert result.stdout == "hello\n"
    payload = result.payload
    assert isinstance(payload, dict)
    assert payload["a"] == {"ndarray": [[0, 1, 2], [3, 4, 5]], "shape": [2, 3], "dtype": "int64"}
    assert payload["f"] == 1.5 and payload["i"] == 7
    assert payload["o"].startswith("<object object at")
    assert payload["c"] == {"ndarray": ["(1+2j)"], "shape": [1], "dtype": "complex128"}


def test_last_report_wins_and_no_report_is_none(run: Callable[..., SandboxResult]) -> None:
    assert run("_aliaslint_report(1)\n_aliaslint_report([2, 3])\n").payload == [2, 3]
    assert run("x = 1\n").payload is None


def test_files_are_importable_and_unimported_modules_never_run(
    run: Callable[..., SandboxResult], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    module = f"open('side_effect.txt', 'w').write('ran')\nopen({str(outside)!r}, 'w')\n"
    files = {"mod.py": module, "pkg/helper.py": "def f():\n    return 42\n"}
    result = run(
        """
        import os
        from pkg.helper import f
        _aliaslint_report({"f": f(), "listing": sorted(os.listdir("."))})
        """,
        files=files,
    )
    assert result.status == "ok", result.stderr
    assert result.payload == {"f": 42, "listing": ["_aliaslint_program.py", "mod.py", "pkg"]}
    assert not outside.exists()
    # Importing it does run it, but its relative write stays in the sandbox directory.
    result = run(
        """
        import os
        try:
            import mod
        except OSError as e:
            _aliaslint_report(["blocked", sorted(os.listdir("."))])
        else:
            _aliaslint_report(["ran", sorted(os.listdir("."))])
        """,
        files=files,
    )
    assert result.payload[1] == ["_aliaslint_program.py", "mod.py", "pkg", "side_effect.txt"]
    if ROOT:  # nobody may not write into pytest's root-owned tmp_path
        assert result.payload[0] == "blocked" and not outside.exists()


def test_bad_file_names_are_refused_before_running(runs: Runs) -> None:
    for name in ["/etc/x.py", "../x.py", "a/../../x.py", "", "_aliaslint_program.py"]:
        with pytest.raises(ValueError):
            run_program("pass", files={name: ""})
    with pytest.raises(ValueError):
        run_program("pass", timeout=0)
    assert runs.workdirs == [] and runs.pgids == []


def test_environment_limits_and_user(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import os, resource, sys
        limits = {name: resource.getrlimit(getattr(resource, "RLIMIT_" + name))
                  for name in ["AS", "CPU", "FSIZE", "NOFILE", "CORE", "NPROC"]}
        _aliaslint_report({"env": dict(os.environ), "cwd": os.getcwd(), "uid": os.getuid(),
                           "gid": os.getgid(), "groups": os.getgroups(), "limits": limits,
                           "isolated": sys.flags.isolated,
                           "nobytecode": sys.flags.dont_write_bytecode,
                           "stdin": sys.stdin.read(), "sid": os.getsid(0) == os.getpid(),
                           "pgrp": os.getpgrp() == os.getpid()})
        """,
        memory_mb=512,
    )
    p = result.payload
    assert result.status == "ok", result.stderr
    env = p["env"]
    allowed = {"PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "OMP_NUM_THREADS",
               "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}
    assert set(env) <= allowed
    assert env["HOME"] == env["TMPDIR"] == p["cwd"]
    assert env["LC_ALL"] == "C.UTF-8" and env["OPENBLAS_NUM_THREADS"] == "1"
    assert (p["isolated"], p["nobytecode"], p["stdin"]) == (1, 1, "")
    assert p["sid"] and p["pgrp"]  # a session and a process group of its own
    limits = p["limits"]
    assert limits["AS"] == [512 * 2**20] * 2
    assert limits["CPU"][0] == 3  # ceil(2.0) + 1
    assert limits["FSIZE"] == [sandbox.FILE_SIZE_LIMIT] * 2
    assert limits["NOFILE"] == [sandbox.OPEN_FILES_LIMIT] * 2
    assert limits["CORE"] == [0, 0]
    if ROOT:
        uid, gid = sandbox._nobody()
        assert (p["uid"], p["gid"], p["groups"]) == (uid, gid, [])
        assert limits["NPROC"] == [sandbox.PROCESS_LIMIT] * 2


# --- each accident, contained -------------------------------------------------------------------


def test_infinite_loop_times_out(run: Callable[..., SandboxResult]) -> None:
    result = run("while True:\n    pass\n")
    assert (result.status, result.reason) == ("timeout", "timed out after 2.0 s")
    assert result.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    "source",
    ["bytearray(10**10)\n", "import numpy as np\nnp.ones(10**9 * 2)\n"],
    ids=["bytearray", "numpy"],
)
def test_huge_allocation_is_a_memory_error(run: Callable[..., SandboxResult], source: str) -> None:
    result = run(source)
    assert result.status == "memory"
    assert result.reason.startswith("MemoryError")
    assert result.returncode == 1


def test_relative_write_lands_in_the_sandbox_only(
    run: Callable[..., SandboxResult], runs: Runs
) -> None:
    result = run(
        """
        import os
        with open("out.txt", "w") as f:
            f.write("data")
        os.makedirs("sub/dir")
        _aliaslint_report(os.path.abspath("out.txt"))
        """
    )
    assert result.status == "ok", result.stderr
    assert os.path.dirname(result.payload) == runs.workdirs[-1]
    assert not os.path.exists(result.payload)


def test_exit_status(run: Callable[..., SandboxResult]) -> None:
    result = run("import os\nos._exit(3)\n")
    assert (result.status, result.returncode, result.reason) == ("error", 3, "exit status 3")
    result = run("import sys\nsys.exit(4)\n")
    assert (result.status, result.returncode, result.reason) == ("error", 4, "exit status 4")


def test_uncaught_exception_and_syntax_error(run: Callable[..., SandboxResult]) -> None:
    result = run("raise ValueError('first line\\nsecond line')\n")
    assert (result.status, result.returncode) == ("error", 1)
    assert result.reason == "ValueError: first line"
    assert "Traceback" in result.stderr
    result = run("def f(:\n")
    assert result.status == "error" and result.reason.startswith("SyntaxError: ")


def test_segmentation_fault_is_a_crash(run: Callable[..., SandboxResult]) -> None:
    result = run("import ctypes\nctypes.string_at(0)\n")
    assert (result.status, result.reason) == ("crashed", "killed by SIGSEGV")
    assert result.returncode == -signal.SIGSEGV


def test_grandchild_is_killed_with_the_child(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import os, subprocess, time
        p = subprocess.Popen(["sleep", "60"])
        _aliaslint_report({"child": os.getpid(), "grandchild": p.pid})
        time.sleep(60)
        """
    )
    assert result.status == "timeout"
    assert_gone(result.payload["child"])
    assert_gone(result.payload["grandchild"])


def test_grandchild_that_left_the_group_is_found_and_killed(
    run: Callable[..., SandboxResult],
) -> None:
    result = run(
        """
        import os, subprocess
        p = subprocess.Popen(["sleep", "60"], start_new_session=True)
        _aliaslint_report({"grandchild": p.pid, "pgid": os.getpgid(p.pid)})
        """
    )
    assert result.status == "ok", result.stderr
    assert result.payload["pgid"] == result.payload["grandchild"]  # really another group
    assert_gone(result.payload["grandchild"])
    assert any("left the process group" in note for note in result.notes)


def test_runs_in_other_threads_are_not_taken_for_escapees(
    runs: Runs, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--confirm`` runs programs side by side in threads. A child still between fork and exec
    holds every pipe of the parent, the other runs' too; it must not be killed as their escapee.
    The slow preexec widens that window from microseconds to a fifth of a second."""
    real = sandbox._make_preexec

    def slow(plan: object, channel: int) -> Callable[[], None]:
        inner = real(plan, channel)  # type: ignore[arg-type]

        def preexec() -> None:
            inner()
            time.sleep(0.2)

        return preexec

    monkeypatch.setattr(sandbox, "_make_preexec", slow)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda i: run_program(f"_aliaslint_report({i})"), range(12)))
    assert [(r.status, r.reason, r.payload) for r in results] == [
        ("ok", "exit status 0", i) for i in range(12)
    ]
    assert not any(os.path.exists(w) for w in runs.workdirs)


def test_fork_loop_is_bounded_by_the_process_limit(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import os, time
        pids, error = [], None
        while len(pids) < 1000:  # a bound of its own, should the limit not apply
            try:
                pid = os.fork()
            except OSError as e:
                error = type(e).__name__
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            pids.append(pid)
        _aliaslint_report({"forks": len(pids), "error": error, "pids": pids})
        """
    )
    assert result.status == "ok", result.stderr
    assert result.payload["error"] == "BlockingIOError"
    if ROOT:
        assert 0 < result.payload["forks"] < sandbox.PROCESS_LIMIT
    for pid in result.payload["pids"]:
        assert_gone(pid)


def test_fork_bomb_times_out_and_leaves_nothing(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import os
        _aliaslint_report(os.getpid())
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """
    )
    assert result.status == "timeout"


def test_closed_stdout_does_not_lose_the_payload(run: Callable[..., SandboxResult]) -> None:
    result = run("import os\nos.close(1)\nos.close(2)\n_aliaslint_report({'still': 'here'})\n")
    assert result.payload == {"still": "here"}
    assert result.status == "ok"


def test_megabytes_of_output_are_bounded(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import sys
        for _ in range(50):
            sys.stdout.write("x" * 100_000)
            sys.stderr.write("y" * 100_000)
        _aliaslint_report("done")
        """
    )
    assert (result.status, result.payload) == ("ok", "done")
    for text, char in ((result.stdout, "x"), (result.stderr, "y")):
        assert text.startswith(char * sandbox.OUTPUT_LIMIT)
        assert len(text) < sandbox.OUTPUT_LIMIT + 100
        assert text.endswith(f"{sandbox.TRUNCATED_MARKER} (5000000 bytes in all)")


@root_only
def test_changing_directory_and_deleting_only_hurts_the_sandbox(
    run: Callable[..., SandboxResult], tmp_path: Path
) -> None:
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("keep me")
    result = run(
        f"""
        import os, shutil
        os.makedirs("sub")
        open("sub/a.txt", "w").close()
        os.chdir("sub")
        os.remove("a.txt")
        done = {{"own": os.listdir(".")}}
        for what, action in [("chdir", lambda: os.chdir({str(tmp_path)!r})),
                             ("remove", lambda: os.remove({str(sentinel)!r})),
                             ("rmtree", lambda: shutil.rmtree({str(tmp_path)!r}))]:
            try:
                action()
                done[what] = "ok"
            except OSError as e:
                done[what] = type(e).__name__
        _aliaslint_report(done)
        """
    )
    assert result.status == "ok", result.stderr
    assert result.payload["own"] == []
    assert result.payload["remove"] == "PermissionError"
    assert result.payload["rmtree"] == "PermissionError"
    assert sentinel.read_text() == "keep me"


def test_network_is_cut_off_or_said_not_to_be(run: Callable[..., SandboxResult]) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = run(
            f"""
            import socket
            s = socket.socket()
            s.settimeout(1)
            try:
                s.connect(("127.0.0.1", {port}))
                _aliaslint_report("connected")
            except OSError as e:
                _aliaslint_report(type(e).__name__)
            """
        )
    assert result.status == "ok", result.stderr
    if result.network_isolated:
        assert result.payload != "connected"
        assert not any(note.startswith("network not isolated") for note in result.notes)
    else:
        assert result.payload == "connected"
        assert any(note.startswith("network not isolated") for note in result.notes)


def test_non_daemon_thread_sleeping_in_c_times_out(run: Callable[..., SandboxResult]) -> None:
    result = run(
        """
        import threading, time
        threading.Thread(target=time.sleep, args=(60,)).start()
        _aliaslint_report("main thread returned")
        """
    )
    assert (result.status, result.reason) == ("timeout", "timed out after 2.0 s")
    assert result.payload == "main thread returned"


# --- when the sandbox cannot be set up, and statuses no quick test can provoke --------------------


def test_a_sandbox_that_cannot_be_set_up_is_unsupported(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "_limits", lambda *args: ((-1, 1, 1),))  # no such resource
    result = run_program("_aliaslint_report(1)", timeout=TIMEOUT)
    assert result.status == "unsupported"
    assert result.reason.startswith("could not start the sandbox: ValueError")
    assert result.payload is None and result.returncode is None
    assert not os.path.exists(runs.workdirs[-1])
    assert list(runs.cwd.iterdir()) == []


def test_signals_we_did_not_send_are_named() -> None:
    empty = sandbox._Channel()
    classify = sandbox._classify
    assert classify(-signal.SIGXCPU, False, 2.0, 3, empty, "") == (
        "timeout", "CPU time limit of 3 s exceeded (SIGXCPU)")
    status, reason = classify(-signal.SIGKILL, False, 2.0, 3, empty, "")
    assert status == "crashed" and reason.startswith("killed by SIGKILL")
    assert classify(-signal.SIGABRT, False, 2.0, 3, empty, "") == ("crashed", "killed by SIGABRT")
    # An exception the prelude did not see (say, raised while the interpreter shut down).
    stderr = "Traceback (most recent call last):\n  File \"x\", line 1\nfoo.BarError: went wrong\n"
    assert classify(1, False, 2.0, 3, empty, stderr) == ("error", "BarError: went wrong")
