"""Hostile files through the command: each gives its one line (or is skipped, where ruff skips it),
never a traceback, and the buggy file beside it is still reported exactly as on its own.

Hostile bytes are written with ``write_bytes``; each run is the real command, in-process
(``run_cli``) or as the installed ``aliaslint`` where the test needs a process of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aliaslint.cli
from conftest import run_cli

EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"
EXE = Path(sys.executable).parent / "aliaslint"

# The findings of the bundled example when it is called z.py (it sorts after every hostile file).
Z = """\
z.py:10:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result stored at line 20 goes stale when the argument is modified in place
z.py:20:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 21 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument
z.py:22:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 23 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument
"""
Z_FIXED = EXAMPLE.read_bytes().replace(b"= f(x)\n", b"= f(x).copy()\n")
Z_FIXED_UNSAFE = Z_FIXED  # copying the stored results also settles ALI002


def _summary(n: int, fixable: int = 2, hidden: int = 1) -> str:
    errors = "error" if n == 1 else "errors"
    return (f"Found {n} {errors}.\n[*] {fixable} fixable with the --fix option.\n"
            f"({hidden} hidden fix can be enabled with the --unsafe-fixes option.)\n")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "z.py")
    return tmp_path



# name, bytes, the ALI900 line (None: linted like any file, nothing to report)
HOSTILE_BYTES = [
    ("syntax_error", b"def f(:\n    pass\n", "a.py:1:7: ALI900 syntax error: invalid syntax"),
    ("nul_byte", b"x = 1\x00\n",
     "a.py:1:1: ALI900 syntax error: tokenizer error: '\\0' is not a valid character in this position"),
    ("invalid_utf8", b"x = '\xff\xfe'\n", "a.py:1:1: ALI900 cannot decode file: invalid or missing encoding declaration"),
    ("bad_cookie", b"# -*- coding: no-such-codec -*-\nx = 1\n",
     "a.py:1:1: ALI900 cannot decode file: unknown encoding: no-such-codec"),
    ("latin1_cookie", b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", None),
    ("utf8_bom", b"\xef\xbb\xbfx = '\xc3\xa9'\n", None),
    ("crlf", b"import numpy as np\r\nx = np.zeros(3)\r\nx += 1\r\n", None),
    ("lone_cr", b"import numpy as np\rx = np.zeros(3)\rx += 1\r", None),
    ("empty", b"", None),
    ("only_a_bom", b"\xef\xbb\xbf", None),
    ("form_feed_and_tabs", b"\x0c\nif True:\n\tx = 1\n", None),
]


@pytest.mark.parametrize("name, data, line", HOSTILE_BYTES, ids=[c[0] for c in HOSTILE_BYTES])
def test_hostile_bytes_give_one_line_and_the_neighbour_is_reported(work: Path, name: str, data: bytes,
                                                                     line: str | None) -> None:
    (work / "a.py").write_bytes(data)
    r = run_cli(["--no-cache", "."], cwd=work)
    n = 3 + (line is not None)
    assert r.output == (line + "\n" if line else "") + Z + _summary(n)
    assert r.exit_code == 1
    assert r.stderr == ""


@pytest.mark.parametrize("name, data, line", HOSTILE_BYTES, ids=[c[0] for c in HOSTILE_BYTES])
def test_fixing_beside_a_hostile_file_leaves_it_byte_for_byte(work: Path, name: str, data: bytes,
                                                              line: str | None) -> None:
    (work / "a.py").write_bytes(data)
    r = run_cli(["--no-cache", "-q", "--fix", "--unsafe-fixes", "."], cwd=work)
    assert r.output == (line + "\n" if line else "")
    assert r.exit_code == (1 if line else 0)
    assert (work / "a.py").read_bytes() == data
    assert (work / "z.py").read_bytes() == Z_FIXED_UNSAFE


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_findings_and_fixes_in_crlf_and_cr_files(tmp_path: Path, newline: str) -> None:
    data = EXAMPLE.read_bytes().replace(b"\n", newline.encode())
    (tmp_path / "z.py").write_bytes(data)
    r = run_cli(["--no-cache", "z.py"], cwd=tmp_path)
    assert r.output == Z + _summary(3)
    run_cli(["--no-cache", "--fix", "--unsafe-fixes", "z.py"], cwd=tmp_path)
    assert (tmp_path / "z.py").read_bytes() == Z_FIXED_UNSAFE.replace(b"\n", newline.encode())


def test_folder_named_x_py_is_searched_not_read(work: Path) -> None:
    (work / "x.py").mkdir()
    (work / "x.py" / "inner.txt").write_text("not python\n")
    for args in (["."], ["x.py", "z.py"]):
        r = run_cli(["--no-cache", *args], cwd=work)
        assert (r.exit_code, r.output, r.stderr) == (1, Z + _summary(3), "")


def test_broken_symlink_is_skipped_by_the_walk_and_reported_when_named(work: Path) -> None:
    (work / "a.py").symlink_to(work / "gone.py")
    r = run_cli(["--no-cache", "."], cwd=work)
    assert (r.exit_code, r.output, r.stderr) == (1, Z + _summary(3), "")
    r = run_cli(["--no-cache", "a.py", "z.py"], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: No such file or directory\n" + Z + _summary(4)


def test_missing_path_named_explicitly_is_an_error_and_the_rest_runs(work: Path) -> None:
    r = run_cli(["--no-cache", "gone.py", "z.py"], cwd=work)
    assert (r.exit_code, r.output, r.stderr) == (2, Z + _summary(3), "aliaslint: error: gone.py: no such file or directory\n")


def test_symlink_loop_between_folders_ends(work: Path) -> None:
    (work / "l1").mkdir()
    (work / "l2").mkdir()
    (work / "l1" / "to2").symlink_to(work / "l2")
    (work / "l2" / "to1").symlink_to(work / "l1")
    for args in (["."], ["l1/to2/to1/to2", "z.py"]):
        r = run_cli(["--no-cache", *args], cwd=work)
        assert (r.exit_code, r.output, r.stderr) == (1, Z + _summary(3), "")


def test_fifo_found_by_the_walk_is_skipped_not_waited_on(work: Path) -> None:
    os.mkfifo(work / "a.py")
    p = subprocess.run([str(EXE), "--no-cache", "."], cwd=work, capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (1, Z + _summary(3), "")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode; see the /proc/self/mem test")
def test_unreadable_file_gives_one_line(work: Path) -> None:
    (work / "a.py").write_text("x = 1\n")
    (work / "a.py").chmod(0)
    r = run_cli(["--no-cache", "."], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: Permission denied\n" + Z + _summary(4)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_file_whose_read_fails_gives_one_line(work: Path) -> None:
    """A file that exists, is a regular file and cannot be read, also as root: reading
    /proc/self/mem at offset 0 fails with EIO (nothing is mapped there)."""
    (work / "a.py").symlink_to("/proc/self/mem")
    r = run_cli(["--no-cache", "."], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: Input/output error\n" + Z + _summary(4)
    r = run_cli(["--no-cache", "-q", "--fix", "."], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: Input/output error\n"
    assert (work / "z.py").read_bytes() == Z_FIXED


def test_path_that_disappears_during_the_run(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the walk, gone before it is read: one line, the rest goes on."""
    (work / "a.py").write_text("x = 1\n")
    real = aliaslint.cli.discover

    def discover_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        (work / "a.py").unlink()
        return found

    monkeypatch.setattr(aliaslint.cli, "discover", discover_then_delete)
    r = run_cli(["--no-cache", "."], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: No such file or directory\n" + Z + _summary(4)
    (work / "a.py").write_text("x = 1\n")
    r = run_cli(["--no-cache", "-q", "--fix", "."], cwd=work)
    assert r.output == "a.py:1:1: ALI900 cannot read file: No such file or directory\n"
    assert (work / "z.py").read_bytes() == Z_FIXED
    assert sorted(p.name for p in work.iterdir()) == ["z.py"]


def test_folder_that_disappears_during_the_walk(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = work / "sub"
    sub.mkdir()
    (sub / "a.py").write_text("x = 1\n")
    real_walk = os.walk

    def walk(top, *args, **kwargs):  # type: ignore[no-untyped-def]
        shutil.rmtree(sub)
        yield from real_walk(top, *args, **kwargs)

    monkeypatch.setattr("aliaslint.discovery.os.walk", walk)
    r = run_cli(["--no-cache", "."], cwd=work)
    assert (r.exit_code, r.output, r.stderr) == (1, Z + _summary(3), "")


# Nesting: valid Python that recurses once per level in LibCST and in the analysis.
NESTED = {
    "parentheses_1000": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
    "unary_minus_1000": "x = " + "-" * 1000 + "1\n",
    "sum_of_5000": "x = 1" + " + 1" * 5000 + "\n",
    "calls_3000": "x = f" + "(1)" * 3000 + "\n",
    "attributes_3000": "x = a" + ".b" * 3000 + "\n",
    "in_a_function_with_a_write": "import numpy as np\n\ndef g(x):\n    x += 1\n    return 1" + " + x" * 1000 + "\n",
}


@pytest.mark.parametrize("name", list(NESTED))
def test_deep_nesting_gives_findings_not_a_recursion_error(work: Path, name: str) -> None:
    (work / "a.py").write_text(NESTED[name])
    p = subprocess.run([str(EXE), "--no-cache", "."], cwd=work, capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (1, Z + _summary(3), "")
    p = subprocess.run([str(EXE), "--no-cache", "-q", "--fix", "--unsafe-fixes", "."], cwd=work,
                       capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert (work / "a.py").read_text() == NESTED[name]
    assert (work / "z.py").read_bytes() == Z_FIXED_UNSAFE


@pytest.mark.slow
def test_nesting_python_refuses_is_one_line(work: Path) -> None:
    """1,000 nested brackets: LibCST parses them, CPython's parser stops at 200 (about 15 s)."""
    (work / "a.py").write_text("x = " + "[" * 1000 + "1" + "]" * 1000 + "\n")
    p = subprocess.run([str(EXE), "--no-cache", "."], cwd=work, capture_output=True, text=True, timeout=120)
    assert p.stderr == ""
    assert p.stdout.endswith(Z + _summary(p.stdout.count("\n") - 3))
    assert all(line.startswith(("a.py:1:", "z.py:")) for line in p.stdout.splitlines()[:-3])


@pytest.mark.slow
def test_fifty_thousand_line_function(work: Path) -> None:
    """About 20 s (35 s on a busy machine), most of it LibCST's parse."""
    body = "".join(f"    x[{i % 7}] += {i}\n" for i in range(50_000))
    (work / "a.py").write_text("import numpy as np\n\ndef big(x):\n" + body + "    return x\n")
    start = time.monotonic()
    p = subprocess.run([str(EXE), "--no-cache", "."], cwd=work, capture_output=True, text=True, timeout=240)
    assert (p.returncode, p.stdout, p.stderr) == (1, Z + _summary(3), ""), time.monotonic() - start


def _twenty_megabytes(tmp_path: Path, line: str, before: str, after: str) -> bytes:
    n = (20 * 1024 * 1024) // len(line)
    data = (before + line * n + after).encode() + EXAMPLE.read_bytes()
    (tmp_path / "big.py").write_bytes(data)
    return data


def test_twenty_megabyte_file_is_linted_and_fixed(tmp_path: Path) -> None:
    """20 MiB in a docstring, the buggy example after it: positions at line 216,000 and up, and a
    20 MiB file written back whole (about 5 s to lint, 7 s to fix)."""
    data = _twenty_megabytes(tmp_path, "padding " * 12 + "\n", '"""\n', '"""\n')
    offset = data.count(b"\n") - EXAMPLE.read_bytes().count(b"\n")
    p = subprocess.run([str(EXE), "--no-cache", "-q", "big.py"], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert p.stdout.splitlines()[1].startswith(f"big.py:{20 + offset}:9: ALI001 [*] result of `f(x)`")
    assert (p.returncode, len(p.stdout.splitlines()), p.stderr) == (1, 3, "")
    p = subprocess.run([str(EXE), "--no-cache", "-q", "--fix", "big.py"], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert (tmp_path / "big.py").read_bytes() == data.replace(b"= f(x)\n", b"= f(x).copy()\n")


@pytest.mark.slow
def test_twenty_megabytes_of_comments(tmp_path: Path) -> None:
    """211,000 comment lines (about 40 s, 0.4 GB)."""
    data = _twenty_megabytes(tmp_path, "# " + "padding " * 12 + "\n", "", "")
    p = subprocess.run([str(EXE), "--no-cache", "-q", "--fix", "big.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert (tmp_path / "big.py").read_bytes() == data.replace(b"= f(x)\n", b"= f(x).copy()\n")


def test_unexpected_error_is_one_line(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in aliaslint outside the per-file guard still ends in one line, exit status 2."""

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("boom")

    monkeypatch.setattr(aliaslint.cli, "lint_files", broken)
    r = run_cli(["--no-cache", "."], cwd=work)
    assert (r.exit_code, r.output, r.stderr) == (2, "", "aliaslint: error: internal error (KeyError: 'boom')\n")


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def _too_deep_in_time(work: Path, text: str, seconds: int) -> subprocess.CompletedProcess[str]:
    """The run over ``text`` in ``a.py`` (beside the buggy ``z.py``), within ``seconds`` and 2 GB."""
    (work / "a.py").write_text(text)
    try:
        return subprocess.run([str(EXE), "--no-cache", "."], cwd=work, capture_output=True, text=True, timeout=seconds,
                              preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"took more than {seconds} s")


# LibCST's native parser takes 46 s and 3.5 GB on 8,000 nested unary minus signs (minutes on 40,000),
# which CPython's parser refuses at once: aliaslint takes CPython's word for it.
def test_nesting_libcst_parses_slowly_is_one_line_in_time(work: Path) -> None:
    p = _too_deep_in_time(work, "x = " + "-" * 8000 + "1\n", 10)
    assert (p.returncode, p.stdout, p.stderr) == (
        1, "a.py:1:1: ALI900 cannot parse file: nesting too deep\n" + Z + _summary(4), "")


# A sum of 30,000 terms in a function with a write (so it is analysed): CPython's parser takes the
# chain, but its tree nests 30,000 deep, deeper than the conversion from `ast` recurses. LibCST's
# parser ran for more than five minutes on 20,000 terms; aliaslint says the file nests too deep.
def test_nesting_the_conversion_refuses_is_one_line_in_time(work: Path) -> None:
    p = _too_deep_in_time(work, "def g(x):\n    x += 1\n    return 1" + " + x" * 30_000 + "\n", 30)
    assert (p.returncode, p.stdout, p.stderr) == (
        1, "a.py:1:1: ALI900 cannot parse file: nesting too deep\n" + Z + _summary(4), "")
