"""--fix, --diff and --unsafe-fixes on real files: exact bytes before and after."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, reported, run_cli

FIXES = Path(__file__).parent / "fixes"
CASES = sorted(FIXES.glob("*.py"))
EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"


def _flags(path: Path) -> list[str]:
    return ["--unsafe-fixes"] if path.name.startswith("unsafe_") else []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fix_fixture(tmp_path, case):
    target = tmp_path / case.name
    shutil.copy(case, target)
    r = run_cli(["--fix", *_flags(case), case.name], cwd=tmp_path)
    assert target.read_bytes() == (FIXES / (case.name + ".fixed")).read_bytes()
    assert r.exit_code == 0, r.output
    # Re-linted: clean. Re-fixed: not a byte changes.
    assert run_cli([case.name], cwd=tmp_path).output == "All checks passed!\n"
    before = target.read_bytes()
    again = run_cli(["--fix", *_flags(case), case.name], cwd=tmp_path)
    assert (again.exit_code, again.output) == (0, "All checks passed!\n")
    assert target.read_bytes() == before


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fixed_fixture_computes_the_right_thing(case):
    broken = subprocess.run([sys.executable, str(case)], capture_output=True, text=True, check=True).stdout
    fixed = subprocess.run(
        [sys.executable, str(FIXES / (case.name + ".fixed"))], capture_output=True, text=True, check=True
    ).stdout
    assert broken != fixed


def test_fix_bundled_example_then_it_prints_the_right_gradient(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "fd.py")
    r = run_cli(["--fix", "fd.py"], cwd=tmp_path)
    assert r.output == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert r.exit_code == 0
    p = subprocess.run([sys.executable, "fd.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "[1.]"
    assert run_cli(["fd.py"], cwd=tmp_path).output == "All checks passed!\n"


def test_a_write_through_a_callable_result_is_not_fixed_at_the_array_it_changes(tmp_path):
    """`x = np.ones(3); g = f(x); g += 1; return x` with `f` returning its argument was reported
    at `x = np.ones(3)`, whose copy settles nothing: each pass appended `.copy()` again, twenty
    times (the passes' limit)."""
    case = FIXTURES / "silent" / "written_through_a_callable_result.py"
    shutil.copy(case, tmp_path / case.name)
    r = run_cli(["--fix", "--unsafe-fixes", "--select", "ALL", case.name], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "All checks passed!\n")
    assert (tmp_path / case.name).read_bytes() == case.read_bytes()


def test_unsafe_fixes_alone_only_shows_them(tmp_path):
    shutil.copy(FIXES / "unsafe_returns.py", tmp_path / "u.py")
    before = (tmp_path / "u.py").read_bytes()
    r = run_cli(["-q", "--unsafe-fixes", "u.py"], cwd=tmp_path)
    assert (tmp_path / "u.py").read_bytes() == before
    lines = r.output.splitlines()
    assert lines[0].startswith("u.py:8:16: ALI002 [*] `Problem.model` returns a view")
    assert sum(" [*] " in line for line in lines) == 3
    safe_only = run_cli(["--fix", "u.py"], cwd=tmp_path)
    assert safe_only.output.endswith("Found 5 errors (0 fixed, 5 remaining).\n")
    assert (tmp_path / "u.py").read_bytes() == before


def test_display_only_fix_is_never_applied(tmp_path):
    src = (
        "import numpy as np\n\n"
        "def f(x):\n    if x.ndim == 0:\n        return 0.0\n    return x\n\n"
        "def g(x):\n    y = f(x)\n    x[0] = 1.0\n    return y\n\n"
        "g(np.zeros(2))\n"
    )
    (tmp_path / "d.py").write_text(src)
    r = run_cli(["--fix", "d.py"], cwd=tmp_path)
    assert reported(r.output) == {("ALI001", 9, 5), ("ALI002", 6, 12)}
    assert "[*]" not in r.output
    assert (tmp_path / "d.py").read_text() == src


def _fix_bytes(tmp_path: Path, data: bytes) -> bytes:
    (tmp_path / "enc.py").write_bytes(data)
    r = run_cli(["--fix", "enc.py"], cwd=tmp_path)
    assert r.exit_code == 0, r.output
    return (tmp_path / "enc.py").read_bytes()


BODY = (
    "import numpy as np{nl}{nl}"
    "def ident(v):{nl}    return v{nl}{nl}"
    "def h(n):{nl}{nl}\tx = np.zeros(n){nl}\tz = ident(x){tail}{nl}\tx[0] = 1.0{nl}\treturn z{nl}{nl}"
    "h(2){end}"
)


@pytest.mark.parametrize(
    "prefix, nl, end, encoding, tail",
    [
        (b"# -*- coding: latin-1 -*-\n", "\n", "\n", "latin-1", "  # d\xe9riv\xe9e"),
        (b"\xef\xbb\xbf", "\n", "\n", "utf-8", "  # d\xe9riv\xe9e \u2202"),
        (b"", "\r\n", "\r\n", "utf-8", ""),
        (b"", "\r", "\r", "utf-8", ""),
        (b"", "\n", "", "utf-8", ""),
    ],
    ids=["latin1-cookie", "utf8-bom", "crlf", "lone-cr", "no-final-newline"],
)
def test_encoding_newlines_and_tabs_survive(tmp_path, prefix, nl, end, encoding, tail):
    before = prefix + BODY.format(nl=nl, end=end, tail=tail).encode(encoding)
    after = prefix + BODY.format(nl=nl, end=end, tail=tail).replace("ident(x)", "ident(x).copy()").encode(encoding)
    assert _fix_bytes(tmp_path, before) == after


def test_read_only_file_and_folder_are_left_alone_and_others_fixed(tmp_path):
    ro_dir = tmp_path / "locked"
    ro_dir.mkdir()
    shutil.copy(EXAMPLE, tmp_path / "a.py")
    shutil.copy(EXAMPLE, tmp_path / "b.py")
    shutil.copy(EXAMPLE, ro_dir / "c.py")
    (tmp_path / "a.py").chmod(0o444)
    ro_dir.chmod(0o555)
    try:
        r = run_cli(["-q", "--fix", "."], cwd=tmp_path)
        assert r.exit_code == 2
        assert r.stderr.splitlines() == [
            "aliaslint: error: a.py: cannot write fixes: file is read-only",
            f"aliaslint: error: {os.path.join('locked', 'c.py')}: cannot write fixes: folder is read-only",
        ]
        assert (tmp_path / "a.py").read_bytes() == EXAMPLE.read_bytes()
        assert (ro_dir / "c.py").read_bytes() == EXAMPLE.read_bytes()
        assert b".copy()" in (tmp_path / "b.py").read_bytes()
        assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o444
    finally:
        ro_dir.chmod(0o755)


def test_fix_keeps_the_file_mode(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "fd.py")
    (tmp_path / "fd.py").chmod(0o750)
    run_cli(["--fix", "fd.py"], cwd=tmp_path)
    assert stat.S_IMODE((tmp_path / "fd.py").stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["fd.py"]  # no temporary file left behind


def test_diff_writes_nothing_and_applies_with_patch(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(EXAMPLE, work / "fd.py")
    shutil.copy(FIXES / "lambda_and_nested.py", work / "ln.py")
    (work / "ok.py").write_text("x = 1\n")
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    r = run_cli(["--diff", "."], cwd=work)
    assert r.exit_code == 1
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before
    assert r.output.startswith("--- fd.py\n+++ fd.py\n@@ -17,9 +17,9 @@\n")
    assert "-        fx_addh = f(x)\n+        fx_addh = f(x).copy()\n" in r.output
    assert r.stderr == "Would fix 4 errors.\n"
    (tmp_path / "change.patch").write_text(r.output)
    subprocess.run(["patch", "-p0", "-s", "-i", str(tmp_path / "change.patch")], cwd=work, check=True)
    assert (work / "ln.py").read_bytes() == (FIXES / "lambda_and_nested.py.fixed").read_bytes()
    assert run_cli(["--diff", "."], cwd=work).exit_code == 0


def test_diff_of_a_file_without_final_newline_applies(tmp_path):
    data = EXAMPLE.read_bytes().rstrip(b"\n")
    (tmp_path / "fd.py").write_bytes(data)
    r = run_cli(["--diff", "fd.py"], cwd=tmp_path)
    (tmp_path / "p.patch").write_text(r.output)
    subprocess.run(["patch", "-p0", "-s", "-i", "p.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "fd.py").read_bytes() == data.replace(b"= f(x)\n", b"= f(x).copy()\n")


def test_stdin_is_linted_as_stdin(tmp_path):
    r = run_cli(["-q", "-"], tmp_path, EXAMPLE.read_bytes())
    assert r.exit_code == 1
    assert r.output.splitlines()[0].startswith("stdin:10:12: ALI002 ")


def test_fix_from_stdin_writes_the_source_to_stdout_and_nothing_to_disk(tmp_path):
    r = run_cli(["--fix", "--stdin-filename", "src/fd.py"], tmp_path, EXAMPLE.read_bytes())
    assert r.exit_code == 0
    assert r.output_bytes == EXAMPLE.read_bytes().replace(b"= f(x)\n", b"= f(x).copy()\n")
    assert r.stderr == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert list(tmp_path.iterdir()) == []


def test_a_fix_that_would_not_parse_leaves_the_source_alone():
    from aliaslint.diagnostics import Diagnostic, Edit, Fix, Location
    from aliaslint.fixes import FixError, fix_text

    loc = Location(1, 5)
    broken = Diagnostic("ALI001", "stale-call-result", "m", "p.py", loc, loc, (), Fix("safe", "m", (Edit("(", loc, loc),)))
    with pytest.raises(FixError, match="does not parse"):
        fix_text("x = 1\n", lambda text: [broken], unsafe=False)
