"""Run one generated Python program in a child process, contained against accidents.

``aliaslint --confirm`` proves a finding by running a small program twice (as written and with the
fix applied) and comparing what each run observed. This module is only the runner: it executes one
program text and returns a :class:`SandboxResult`. Nothing runs unless :func:`run_program` is
called.

The containment is meant for *accidents* (an infinite loop, a huge allocation, a stray write to a
relative path, a forgotten background process, a fork loop), not for malice: there is no seccomp
filter, no mount namespace, and the child can read what its user can read. ``docs/sandbox.md``
lists what is and is not contained, with every limit and its value.

How a run goes:

1. A fresh ``tempfile.mkdtemp()`` becomes the child's working directory, ``HOME`` and ``TMPDIR``;
   the program (and any ``files``) are written there. When we are root the directory is handed to
   the ``nobody`` user, whom the child becomes.
2. The child is ``sys.executable -I -B`` in its own session and process group, with a scrubbed
   environment, stdin from ``/dev/null``, ``resource`` limits, a network namespace of its own when
   ``unshare`` works, and no way to gain privileges (``PR_SET_NO_NEW_PRIVS``).
3. A small prelude (passed with ``-c``) defines ``_aliaslint_report(obj)``, which writes one JSON
   line to an anonymous in-memory file (the *channel*) inherited as an extra descriptor: closing or
   flooding stdout does not touch it, and the program cannot delete it from its directory.
4. The parent reads stdout and stderr into bounded buffers while waiting, with a wall-clock
   deadline. When the main process ends or the deadline passes, the whole process group is killed
   with ``SIGKILL``; processes that left the group but still hold one of the run's pipes or its
   channel are found through ``/proc`` and killed too; the parent reaps them and waits until none is
   left, then removes the directory.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import math
import os
import pwd
import re
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator

__all__ = [
    "FILE_SIZE_LIMIT",
    "OPEN_FILES_LIMIT",
    "OUTPUT_LIMIT",
    "PROCESS_LIMIT",
    "SandboxResult",
    "run_program",
]

STATUSES = ("ok", "error", "timeout", "memory", "crashed", "unsupported")

OUTPUT_LIMIT = 64 * 1024
"""Bytes of stdout (and, separately, of stderr) kept; the rest is counted and dropped."""
FILE_SIZE_LIMIT = 16 * 1024 * 1024
"""RLIMIT_FSIZE: the largest file the child may write (the channel included)."""
OPEN_FILES_LIMIT = 64
"""RLIMIT_NOFILE: enough for Python and NumPy, small enough to stop a descriptor leak early."""
PROCESS_LIMIT = 64
"""RLIMIT_NPROC for the sandbox user: bounds a fork loop (threads count too)."""
CLEANUP_GRACE = 5.0
"""Seconds to wait for killed processes to disappear before giving up (and saying so)."""
DRAIN_GRACE = 1.0
"""Seconds to keep reading the pipes once every process is gone."""
PROGRAM_NAME = "_aliaslint_program.py"
RESERVED_PREFIX = "_aliaslint_"
TRUNCATED_MARKER = "... [truncated]"

NOBODY_FALLBACK = 65534

_FORKING = threading.Lock()
"""Held while a child is between fork and exec, and while a run looks for its escapees.

Between fork and exec a new child still holds every descriptor of this process, the pipes of
runs going on in other threads included; a run that scanned ``/proc`` for holders of its pipes
then would take that child for an escapee and kill it (and reap it, so that its own run read
"exit status 0"). After exec the child holds only its own run's descriptors.
"""

# Linux constants (linux/sched.h, linux/prctl.h, linux/capability.h).
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PR_SET_KEEPCAPS = 8
_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_RAISE = 2
_CAP_DAC_READ_SEARCH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


@dataclass(frozen=True)
class SandboxResult:
    """What one run of one program did.

    ``status`` is one of ``STATUSES``: "ok" (exit 0), "error" (non-zero exit or uncaught
    exception), "timeout" (wall clock or CPU time ran out), "memory" (MemoryError), "crashed"
    (killed by a signal we did not send, e.g. SIGSEGV) or "unsupported" (the sandbox could not be
    set up here; nothing ran). ``reason`` is one line for humans. ``payload`` is the value the
    program last passed to ``_aliaslint_report`` (decoded JSON), or None.

    ``network_isolated`` says whether this run had a network namespace of its own; ``notes`` lists,
    one line each, anything this run did not contain or had to clean up, so that a caller can show
    it rather than guess.
    """

    status: str
    returncode: int | None
    stdout: str
    stderr: str
    payload: object | None
    reason: str
    seconds: float
    network_isolated: bool = False
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# The prelude: runs in the child before the program, passed with -c so it needs no file.
# argv: [-c, channel fd, program path]. It keeps its own names out of the program's namespace.
# ---------------------------------------------------------------------------------------------

_PRELUDE = r'''
def _aliaslint_prelude():
    import builtins, json, os, sys, types

    fd = int(sys.argv[1])
    path = sys.argv[2]

    def default(o):
        np = sys.modules.get("numpy")
        if np is not None:
            if isinstance(o, np.ndarray):
                return {"ndarray": o.tolist(), "shape": list(o.shape), "dtype": str(o.dtype)}
            if isinstance(o, np.generic):
                return o.item()
        return repr(o)

    def send(record):
        record["pid"] = os.getpid()
        try:
            text = json.dumps(record, default=default)
        except (TypeError, ValueError, RecursionError):
            record["value"] = repr(record.get("value"))
            text = json.dumps(record, default=repr)
        data = memoryview((text + "\n").encode("utf-8"))
        while data:
            data = data[os.write(fd, data):]

    def _aliaslint_report(obj):
        """Send obj to the runner as JSON; the last report of a run wins."""
        send({"kind": "report", "value": obj})

    builtins._aliaslint_report = _aliaslint_report
    with open(path, encoding="utf-8") as f:
        source = f.read()
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    try:
        exec(compile(source, path, "exec"), main.__dict__)
    except SystemExit:
        raise
    except BaseException as e:
        lines = str(e).splitlines()
        try:
            send({"kind": "exception", "type": type(e).__name__,
                  "message": lines[0][:500] if lines else "",
                  "memory": isinstance(e, MemoryError)})
        except BaseException:
            pass
        # Print the traceback without this prelude's frame, then exit as an uncaught one would.
        tb = e.__traceback__.tb_next if e.__traceback__ else None
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        sys.exit(1)

_aliaslint_prelude()
'''


# ---------------------------------------------------------------------------------------------
# Planning (in the parent): who the child runs as, which limits, which namespaces.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Everything the child's preexec function needs, decided in the parent beforehand.

    The preexec function runs between fork and exec, where doing little and deciding nothing is
    safest, so every lookup (user ids, paths, libc symbols) happens here.
    """

    drop: bool
    uid: int
    gid: int
    keep_read_search: bool
    unshare_flags: int
    limits: tuple[tuple[int, int, int], ...]
    notes: tuple[str, ...]


def _nobody() -> tuple[int, int]:
    """uid and gid of ``nobody`` (65534 when the account is missing)."""
    try:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return NOBODY_FALLBACK, NOBODY_FALLBACK


def _interpreter_paths() -> list[str]:
    """Paths the child interpreter must reach: its binary, the stdlib and the site-packages."""
    paths = {os.path.realpath(sys.executable), sys.prefix, sys.base_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    return sorted(p for p in paths if os.path.exists(p))


def _allows(st: os.stat_result, uid: int, gid: int, bits: int) -> bool:
    """Would ``uid:gid`` (with no supplementary groups) get ``bits`` (r=4, x=1) on this inode?"""
    if st.st_uid == uid:
        shift = 6
    elif st.st_gid == gid:
        shift = 3
    else:
        shift = 0
    return (st.st_mode >> shift) & bits == bits


def _reachable(path: str, uid: int, gid: int, bits: int | None = None) -> bool:
    """Can ``uid:gid`` walk down to ``path`` and use it? (Directories on the way need x.)

    ``bits`` is what the path itself needs; by default read (and search, for a directory).
    """
    real = os.path.realpath(path)
    parts = real.split(os.sep)
    try:
        for i in range(2, len(parts)):
            if not _allows(os.stat(os.sep.join(parts[:i]) or os.sep), uid, gid, 1):
                return False
        st = os.stat(real)
    except OSError:
        return False
    if bits is None:
        bits = 5 if stat.S_ISDIR(st.st_mode) else 4
    return _allows(st, uid, gid, bits)


def _user_tasks(uid: int) -> int:
    """Processes and threads owned by ``uid``: RLIMIT_NPROC counts them all against the limit."""
    count = 0
    for name in _proc_pids():
        try:
            with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except (OSError, KeyError, ValueError):
            continue
    return count


def _current_nproc() -> int:
    """The process limit in force: without /proc we cannot count the user's processes."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    return soft if soft != resource.RLIM_INFINITY else 2**31 - 1


def _clamped(resource_id: int, soft: int, hard: int) -> tuple[int, int, int]:
    """Our limit, never above the current hard limit (an unprivileged parent cannot raise it)."""
    import resource

    _, cur_hard = resource.getrlimit(resource_id)
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
    return resource_id, min(soft, hard), hard


def _limits(timeout: float, memory_mb: int, nproc: int) -> tuple[tuple[int, int, int], ...]:
    """The resource limits, as (resource, soft, hard). CPU: soft sends SIGXCPU, hard SIGKILL."""
    import resource

    cpu = math.ceil(timeout) + 1
    wanted = [
        (resource.RLIMIT_AS, memory_mb * 1024 * 1024, memory_mb * 1024 * 1024),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT, FILE_SIZE_LIMIT),
        (resource.RLIMIT_NOFILE, OPEN_FILES_LIMIT, OPEN_FILES_LIMIT),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NPROC, nproc, nproc),
    ]
    return tuple(_clamped(r, s, h) for r, s, h in wanted)


def _plan(timeout: float, memory_mb: int, workdir: str) -> _Plan:
    """Decide the child's user, capabilities, namespaces and limits for this machine.

    As root we become ``nobody``: root is exempt from RLIMIT_NPROC and can write anywhere. If
    ``nobody`` cannot reach the interpreter (e.g. it lives under a 0700 ``/root``), the child keeps
    the single capability CAP_DAC_READ_SEARCH, which lets it read and search every file but write
    none; the note says so. The same holds when the working directory sits under such a directory
    (a caller's TMPDIR inside a private folder). Without root we stay who we are and try an
    unprivileged user namespace for the network.
    """
    notes: list[str] = []
    linux = sys.platform.startswith("linux")
    if os.geteuid() == 0:
        uid, gid = _nobody()
        # The working directory itself will be handed over; the way to it must be open.
        keep = not (all(_reachable(p, uid, gid) for p in _interpreter_paths())
                    and _reachable(os.path.dirname(workdir), uid, gid, bits=1))
        if keep:
            notes.append(
                "nobody cannot reach the interpreter or the working directory, so the child keeps"
                " CAP_DAC_READ_SEARCH: it can read (not write) every file"
            )
        nproc = PROCESS_LIMIT
        flags = _CLONE_NEWNET
        drop = True
    else:
        uid, gid, keep, drop = os.getuid(), os.getgid(), False, False
        notes.append("not running as root: the child runs as the calling user")
        nproc = _user_tasks(uid) + PROCESS_LIMIT if os.path.isdir("/proc") else _current_nproc()
        flags = _CLONE_NEWUSER | _CLONE_NEWNET
    if not linux:
        flags = 0
        notes.append("not Linux: no network namespace, no capability or prctl settings")
    return _Plan(drop, uid, gid, keep and linux, flags, _limits(timeout, memory_mb, nproc),
                 tuple(notes))


# ---------------------------------------------------------------------------------------------
# libc through ctypes: unshare, prctl, capset. Loaded in the parent, called in the child.
# ---------------------------------------------------------------------------------------------


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """The C library with argument types set, or None where it (or Linux) is not there."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
        libc.prctl.restype = ctypes.c_int
        libc.unshare.argtypes = [ctypes.c_int]
        libc.unshare.restype = ctypes.c_int
        libc.capset.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        libc.capset.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def _check(result: int, what: str) -> None:
    """Turn a libc -1 into an OSError naming the call."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(libc: ctypes.CDLL, option: int, arg: int = 0, what: str = "prctl") -> None:
    _check(libc.prctl(option, arg, 0, 0, 0), what)


# ---------------------------------------------------------------------------------------------
# In the child, between fork and exec.
# ---------------------------------------------------------------------------------------------


def _write_record(fd: int, record: dict[str, object]) -> None:
    """One JSON line to the channel, all of it."""
    data = memoryview((json.dumps(record) + "\n").encode("utf-8"))
    while data:
        data = data[os.write(fd, data):]


def _make_preexec(plan: _Plan, channel: int) -> Callable[[], None]:
    """The function subprocess runs in the child before exec: namespaces, limits, user.

    Order matters: ``unshare`` needs root, so it comes before dropping privileges; the parent-death
    signal is reset by a change of user, so it comes after. What was done is written to the channel
    as a "setup" record; a failure is written as "setup-error" (subprocess itself only reports
    "Exception occurred in preexec_fn").
    """
    import resource

    libc = _libc()
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    caps = (_CapData * 2)()
    bit = 1 << _CAP_DAC_READ_SEARCH
    caps[0].effective = caps[0].permitted = caps[0].inheritable = bit

    def isolate_network() -> str | None:
        if not plan.unshare_flags or libc is None:
            return "no unshare on this system"
        try:
            _check(libc.unshare(plan.unshare_flags), "unshare")
        except OSError as e:
            return str(e)
        return None

    def drop_privileges() -> None:
        if plan.keep_read_search:
            assert libc is not None
            _prctl(libc, _PR_SET_KEEPCAPS, 1, "prctl(PR_SET_KEEPCAPS)")
        os.setgroups([])
        os.setresgid(plan.gid, plan.gid, plan.gid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
        if plan.keep_read_search:
            assert libc is not None
            _check(libc.capset(ctypes.byref(header), caps), "capset")
            _check(libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_RAISE, _CAP_DAC_READ_SEARCH, 0, 0),
                   "prctl(PR_CAP_AMBIENT_RAISE)")

    def preexec() -> None:
        try:
            network_error = isolate_network()
            for resource_id, soft, hard in plan.limits:
                resource.setrlimit(resource_id, (soft, hard))
            if plan.drop:
                drop_privileges()
            if libc is not None:
                _prctl(libc, _PR_SET_NO_NEW_PRIVS, 1, "prctl(PR_SET_NO_NEW_PRIVS)")
                _prctl(libc, _PR_SET_PDEATHSIG, signal.SIGKILL, "prctl(PR_SET_PDEATHSIG)")
            _write_record(channel, {"kind": "setup", "pid": os.getpid(),
                                    "network_isolated": network_error is None,
                                    "network_error": network_error})
        except BaseException as e:
            _write_record(channel, {"kind": "setup-error", "message": f"{type(e).__name__}: {e}"})
            raise

    return preexec


# ---------------------------------------------------------------------------------------------
# The working directory and the channel.
# ---------------------------------------------------------------------------------------------


def _relative_name(name: str) -> str:
    """A ``files`` key as a safe relative path, or ValueError: nothing may land outside the dir."""
    norm = os.path.normpath(name)
    parts = norm.split(os.sep)
    if (not name or os.path.isabs(name) or norm in (".", "") or ".." in parts
            or parts[0].startswith(RESERVED_PREFIX)):
        raise ValueError(f"files: not a plain relative path (or a reserved name): {name!r}")
    return norm


def _populate(workdir: str, source: str, files: dict[str, str] | None) -> str:
    """Write the program and the extra files; return the program's path."""
    for name, text in (files or {}).items():
        path = os.path.join(workdir, _relative_name(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = text if isinstance(text, bytes) else str(text).encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
    program = os.path.join(workdir, PROGRAM_NAME)
    with open(program, "w", encoding="utf-8") as f:
        f.write(source)
    return program


def _hand_over(workdir: str, uid: int, gid: int) -> None:
    """Give the directory tree to the sandbox user, so that it is the one place it can write."""
    os.chown(workdir, uid, gid)
    for root, dirs, names in os.walk(workdir):
        for name in dirs + names:
            os.lchown(os.path.join(root, name), uid, gid)


def _remove_tree(path: str) -> bool:
    """Remove the working directory, whatever modes the program left on it. True when gone."""

    def force(func: Callable[[str], object], p: str, _exc: object) -> None:
        try:
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=force)
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)
    return not os.path.lexists(path)


def _open_channel() -> int:
    """An anonymous file for the child's reports: no name to delete, no reader to block on.

    ``memfd_create`` keeps it in memory; elsewhere an unlinked temporary file does the same job.
    O_APPEND keeps lines from several processes of one program whole.
    """
    if hasattr(os, "memfd_create"):
        try:
            fd = os.memfd_create("aliaslint-channel", os.MFD_CLOEXEC)
        except OSError:
            fd = -1
    else:
        fd = -1
    if fd < 0:
        f = tempfile.TemporaryFile()
        fd = os.dup(f.fileno())
        f.close()
        os.set_inheritable(fd, False)
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_APPEND)
    return fd


@dataclass
class _Channel:
    """What the channel held after the run."""

    setup: dict[str, object] = field(default_factory=dict)
    setup_error: str | None = None
    reported: bool = False
    payload: object | None = None
    exception: dict[str, object] | None = None
    unreadable: int = 0


def _read_channel(fd: int, main_pid: int) -> _Channel:
    """Parse the channel's JSON lines. Exceptions count only from the main process."""
    data = bytearray()
    while len(data) < FILE_SIZE_LIMIT:
        chunk = os.pread(fd, min(1 << 20, FILE_SIZE_LIMIT - len(data)), len(data))
        if not chunk:
            break
        data += chunk
    out = _Channel()
    for line in bytes(data).splitlines():
        try:
            record = json.loads(line)
            kind = record["kind"]
        except (ValueError, TypeError, KeyError):
            out.unreadable += 1
            continue
        if kind == "setup":
            out.setup = record
        elif kind == "setup-error":
            out.setup_error = str(record.get("message"))
        elif kind == "report":
            out.reported, out.payload = True, record.get("value")
        elif kind == "exception" and record.get("pid") == main_pid:
            out.exception = record
    return out


# ---------------------------------------------------------------------------------------------
# Watching the child: bounded output, deadline, and killing everything it started.
# ---------------------------------------------------------------------------------------------


class _Capture:
    """The first ``limit`` bytes of a stream, and how many there were in all."""

    def __init__(self, limit: int = OUTPUT_LIMIT) -> None:
        self.limit = limit
        self.data = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.total > len(self.data):
            text += f"\n{TRUNCATED_MARKER} ({self.total} bytes in all)"
        return text


def _read_ready(sel: selectors.BaseSelector, timeout: float) -> None:
    """Read whatever the pipes have (up to ``timeout`` waiting); unregister a pipe at EOF."""
    for key, _ in sel.select(timeout):
        if key.data is None:  # the pidfd: the main process ended; the caller polls it
            continue
        try:
            chunk = os.read(key.fd, 65536)
        except OSError:
            chunk = b""
        if chunk:
            key.data.add(chunk)
        else:
            sel.unregister(key.fileobj)


def _pipes_open(sel: selectors.BaseSelector) -> bool:
    return any(key.data is not None for key in sel.get_map().values())


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when ``pid`` exits (Linux 5.3+), so we need not poll."""
    if not hasattr(os, "pidfd_open"):
        return None
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def _wait_main(proc: subprocess.Popen[bytes], sel: selectors.BaseSelector, timeout: float,
               has_pidfd: bool) -> bool:
    """Read output until the main process ends or the deadline passes; True if it timed out."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        _read_ready(sel, remaining if has_pidfd else min(remaining, 0.02))
    return False


def _drain(sel: selectors.BaseSelector, grace: float) -> None:
    """Read the rest of the output; every writer is dead, so EOF comes at once, barring escapees."""
    deadline = time.monotonic() + grace
    while _pipes_open(sel) and time.monotonic() < deadline:
        _read_ready(sel, max(0.0, deadline - time.monotonic()))


def _killpg(pgid: int) -> bool:
    """SIGKILL the group; False if it no longer exists."""
    try:
        os.killpg(pgid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # only possible for processes that are no longer ours
        return True


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _proc_pids() -> Iterator[str]:
    try:
        names = os.listdir("/proc")
    except OSError:
        return iter(())
    return (n for n in names if n.isdigit())


def _proc_owner_and_group(pid: str) -> tuple[int, int] | None:
    """(real uid, process group) of a process from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            pgrp = int(f.read().rsplit(")", 1)[1].split()[2])
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1]), pgrp
    except (OSError, ValueError, IndexError):
        pass
    return None


def _escapees(pgid: int, objects: set[tuple[int, int]], uid: int | None) -> list[int]:
    """Processes outside the group, other than us, holding one of the run's pipes or channel open.

    They can only have inherited them from the program, so they are its descendants that left the
    process group (``setsid``, ``setpgid``). With ``uid`` set, only that user's processes count.
    """
    found = []
    me = os.getpid()
    for pid in _proc_pids():
        if int(pid) == me:
            continue
        who = _proc_owner_and_group(pid)
        if who is None or who[1] == pgid or (uid is not None and who[0] != uid):
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in objects:
                found.append(int(pid))
                break
    return found


def _reap(pgid: int, pids: list[int]) -> None:
    """Collect the exit status of killed processes that are our children (as their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-pgid, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _kill_everything(pgid: int, objects: set[tuple[int, int]], uid: int | None) -> tuple[bool, int]:
    """Kill the group and its escapees, reap them, wait until none is left.

    Returns (all gone, number of escapees killed). Killed orphans are reparented to us (see
    ``_Subreaper``) so that we can reap them at once; without that, init would, in its own time.
    """
    _killpg(pgid)
    escaped: list[int] = []
    with _FORKING:
        for _ in range(3):  # an escapee may have forked again before it died
            found = [p for p in _escapees(pgid, objects, uid) if p not in escaped]
            if not found:
                break
            for pid in found:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            escaped += found
    deadline = time.monotonic() + CLEANUP_GRACE
    while True:
        _reap(pgid, escaped)
        alive = _group_exists(pgid) or any(_pid_exists(p) for p in escaped)
        if not alive:
            return True, len(escaped)
        if time.monotonic() > deadline:
            return False, len(escaped)
        _killpg(pgid)
        time.sleep(0.005)


class _Subreaper:
    """Make this process the subreaper of its descendants while at least one run is going on.

    Killed grandchildren would otherwise be reparented to init and stay visible as zombies (in the
    group, to ``killpg(pgid, 0)``) until init reaps them, which on some machines takes seconds. The
    flag is process-wide, hence the count; we clear it only if we set it.
    """

    _lock = threading.Lock()
    _users = 0
    _set_by_us = False

    def __enter__(self) -> _Subreaper:
        libc = _libc()
        with self._lock:
            if type(self)._users == 0 and libc is not None:
                current = ctypes.c_int(0)
                if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.addressof(current), 0, 0, 0) == 0 \
                        and not current.value:
                    type(self)._set_by_us = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
            type(self)._users += 1
        return self

    def __exit__(self, *exc: object) -> None:
        libc = _libc()
        with self._lock:
            type(self)._users -= 1
            if type(self)._users == 0 and type(self)._set_by_us and libc is not None:
                libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
                type(self)._set_by_us = False


# ---------------------------------------------------------------------------------------------
# Turning what happened into a status and a reason.
# ---------------------------------------------------------------------------------------------

_TRACEBACK_LAST = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _exception_from_stderr(stderr: str) -> tuple[str, str] | None:
    """(type, message) from a traceback's last line, for exceptions the prelude did not see."""
    if "Traceback (most recent call last):" not in stderr:
        return None
    lines = [line for line in stderr.splitlines() if line.strip()]
    m = _TRACEBACK_LAST.match(lines[-1]) if lines else None
    if not m:
        return None
    return m.group("type").rsplit(".", 1)[-1], (m.group("message") or "").strip()


def _classify(returncode: int, timed_out: bool, timeout: float, cpu_limit: int,
              channel: _Channel, stderr: str) -> tuple[str, str]:
    """The status and the one-line reason for a finished run."""
    if timed_out:
        return "timeout", f"timed out after {float(timeout)} s"
    if returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return "timeout", f"CPU time limit of {cpu_limit} s exceeded (SIGXCPU)"
        if sig == signal.SIGKILL:
            return "crashed", "killed by SIGKILL (CPU time hard limit or the out-of-memory killer)"
        if "MemoryError" in stderr or "Cannot allocate memory" in stderr:
            return "memory", f"killed by {_signal_name(sig)} after running out of memory"
        return "crashed", f"killed by {_signal_name(sig)}"
    if returncode == 0:
        return "ok", "exit status 0"
    if channel.exception is not None:
        kind = str(channel.exception.get("type"))
        message = str(channel.exception.get("message") or "")
        status = "memory" if channel.exception.get("memory") else "error"
        return status, f"{kind}: {message}" if message else kind
    parsed = _exception_from_stderr(stderr)
    if parsed:
        kind, message = parsed
        status = "memory" if kind.endswith("MemoryError") else "error"
        return status, f"{kind}: {message}" if message else kind
    return "error", f"exit status {returncode}"


def _unsupported(reason: str, notes: tuple[str, ...] = ()) -> SandboxResult:
    return SandboxResult("unsupported", None, "", "", None, reason, 0.0, False, notes)


def _child_env(workdir: str) -> dict[str, str]:
    """Only what a program needs: PATH, a UTF-8 locale, its own HOME and TMPDIR, one BLAS thread.

    OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE pass through because NumPy may not start without them
    on machines whose CPU OpenBLAS misdetects.
    """
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": workdir,
        "TMPDIR": workdir,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


# ---------------------------------------------------------------------------------------------
# The entry point.
# ---------------------------------------------------------------------------------------------


def run_program(source: str, *, timeout: float = 10.0, memory_mb: int = 1024,
                files: dict[str, str] | None = None) -> SandboxResult:
    """Run ``source`` once in a contained child process and say what happened.

    ``timeout`` is wall-clock seconds (the CPU limit is one second more); ``memory_mb`` bounds the
    address space; ``files`` maps relative paths to texts placed beside the program (importable
    modules, data). The call never hangs past ``timeout`` plus a few seconds of cleanup, leaves no
    process of the program and removes its directory, even when the program misbehaves.
    """
    if not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if not (isinstance(memory_mb, int) and memory_mb > 0):
        raise ValueError(f"memory_mb must be a positive integer, not {memory_mb!r}")
    for name in files or {}:
        _relative_name(name)
    if os.name != "posix" or not sys.executable:
        return _unsupported(f"no sandbox on this platform ({sys.platform})")
    try:
        import resource  # noqa: F401  (POSIX only)
    except ImportError:
        return _unsupported("the resource module is missing")

    workdir = tempfile.mkdtemp(prefix="aliaslint-sandbox-")
    channel = -1
    try:
        plan = _plan(timeout, memory_mb, workdir)
        program = _populate(workdir, source, files)
        if plan.drop:
            _hand_over(workdir, plan.uid, plan.gid)
        channel = _open_channel()
        with _Subreaper():
            return _run(plan, workdir, program, channel, timeout)
    finally:
        if channel >= 0:
            os.close(channel)
        _remove_tree(workdir)


def _start(plan: _Plan, workdir: str, program: str, channel: int) -> subprocess.Popen[bytes]:
    """Start the child: isolated interpreter, own session, scrubbed environment, preexec limits."""
    argv = [sys.executable, "-I", "-B", "-X", "faulthandler", "-c", _PRELUDE, str(channel), program]
    with _FORKING:  # Popen returns once the child has exec'd (or failed to)
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=workdir, env=_child_env(workdir), start_new_session=True,
            preexec_fn=_make_preexec(plan, channel), pass_fds=(channel,), close_fds=True,
        )


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


@dataclass
class _Watched:
    """What watching the child saw, before the channel is read."""

    stdout: str
    stderr: str
    timed_out: bool
    seconds: float
    notes: list[str]


def _watch(proc: subprocess.Popen[bytes], plan: _Plan, channel: int, timeout: float,
           start: float) -> _Watched:
    """Capture output until the main process ends or times out; then kill and reap everything.

    On any error in the parent (even KeyboardInterrupt) the group is still killed before leaving.
    """
    assert proc.stdout is not None and proc.stderr is not None
    out, err = _Capture(), _Capture()
    objects = {_identity(proc.stdout.fileno()), _identity(proc.stderr.fileno()), _identity(channel)}
    sel = selectors.DefaultSelector()
    pidfd = _pidfd(proc.pid)
    notes: list[str] = []
    try:
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        if pidfd is not None:
            sel.register(pidfd, selectors.EVENT_READ, None)
        timed_out = _wait_main(proc, sel, timeout, pidfd is not None)
        seconds = time.monotonic() - start
        if timed_out:  # reap the main process here, before _reap could take its status
            _killpg(proc.pid)
            proc.wait()
        elif _group_exists(proc.pid):
            notes.append("processes the program left running in its process group were killed")
        gone, escaped = _kill_everything(proc.pid, objects, plan.uid if plan.drop else None)
        if escaped:
            notes.append(f"{escaped} process(es) that left the process group were found and killed")
        if not gone:
            notes.append(f"processes of the program were left {CLEANUP_GRACE} s after SIGKILL")
        if pidfd is not None:
            sel.unregister(pidfd)
        _drain(sel, DRAIN_GRACE)
    finally:
        if proc.poll() is None:  # only after an error in the parent: never leave the child behind
            _killpg(proc.pid)
            proc.wait()
        sel.close()
        proc.stdout.close()
        proc.stderr.close()
        if pidfd is not None:
            os.close(pidfd)
    return _Watched(out.text(), err.text(), timed_out, round(seconds, 3), notes)


def _run(plan: _Plan, workdir: str, program: str, channel: int, timeout: float) -> SandboxResult:
    """Start the child, watch it, and turn what happened into a result."""
    import resource

    start = time.monotonic()
    try:
        proc = _start(plan, workdir, program, channel)
    except (OSError, subprocess.SubprocessError) as e:
        failed = _read_channel(channel, -1).setup_error
        return _unsupported(f"could not start the sandbox: {failed or e}", plan.notes)
    watched = _watch(proc, plan, channel, timeout, start)
    chan = _read_channel(channel, proc.pid)
    isolated = bool(chan.setup.get("network_isolated"))
    notes = [*plan.notes, *watched.notes]
    if not isolated:
        notes.append(f"network not isolated: {chan.setup.get('network_error') or 'unknown'}")
    if chan.unreadable:
        notes.append(f"{chan.unreadable} unreadable line(s) on the result channel")
    cpu_limit = next(soft for r, soft, _ in plan.limits if r == resource.RLIMIT_CPU)
    status, reason = _classify(proc.returncode, watched.timed_out, timeout, cpu_limit, chan,
                               watched.stderr)
    return SandboxResult(status, proc.returncode, watched.stdout, watched.stderr,
                         chan.payload if chan.reported else None, reason, watched.seconds,
                         isolated, tuple(notes))
