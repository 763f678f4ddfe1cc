"""The command as users meet it: exact output and exit codes on real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"

EXAMPLE_OUTPUT = """\
finite_difference.py:10:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result stored at line 20 goes stale when the argument is modified in place
finite_difference.py:20:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 21 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument
finite_difference.py:22:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 23 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument
Found 3 errors.
[*] 2 fixable with the --fix option.
(1 hidden fix can be enabled with the --unsafe-fixes option.)
"""

CLEAN = "import numpy as np\n\ndef f(x):\n    return x.copy()\n"


def test_bundled_example_exact_output(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "finite_difference.py")
    r = run_cli(["finite_difference.py"], cwd=tmp_path)
    assert r.output == EXAMPLE_OUTPUT
    assert r.exit_code == 1


def test_quiet_drops_the_summary(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "finite_difference.py")
    r = run_cli(["-q", "finite_difference.py"], cwd=tmp_path)
    assert r.output == "".join(EXAMPLE_OUTPUT.splitlines(keepends=True)[:3])


def test_clean_file_passes(tmp_path):
    (tmp_path / "ok.py").write_text(CLEAN)
    r = run_cli(["ok.py"], cwd=tmp_path)
    assert (r.exit_code, r.output) == (0, "All checks passed!\n")


def test_default_path_is_the_current_folder_and_skips_tool_folders(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "grad.py")
    for skipped in (".git", ".venv", "venv", "build", "dist", "__pycache__", "node_modules", "site-packages"):
        (tmp_path / skipped).mkdir()
        shutil.copy(EXAMPLE, tmp_path / skipped / "grad.py")
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "pkg" / "sub" / "stub.pyi")
    (tmp_path / "pkg" / "notes.txt").write_text("x = 1\n")
    r = run_cli(["-q"], cwd=tmp_path)
    paths = sorted({line.split(":")[0] for line in r.output.splitlines()})
    assert paths == ["grad.py", os.path.join("pkg", "sub", "stub.pyi")]
    assert r.exit_code == 1


def test_paths_outside_the_working_directory_are_absolute(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(EXAMPLE, src / "g.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = run_cli(["-q", str(src)], cwd=elsewhere)
    assert r.output.splitlines()[0].startswith(str(src / "g.py") + ":10:12: ALI002 ")


def test_missing_path_is_a_usage_error_and_others_are_still_linted(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "g.py")
    r = run_cli(["nope.py", "g.py"], cwd=tmp_path)
    assert r.exit_code == 2
    assert r.stderr == "aliaslint: error: nope.py: no such file or directory\n"
    assert r.output == EXAMPLE_OUTPUT.replace("finite_difference.py", "g.py")


def test_unknown_option_is_a_usage_error(tmp_path):
    r = run_cli(["--no-such-option"], cwd=tmp_path)
    assert r.exit_code == 2
    assert "No such option" in r.stderr


def test_syntax_error_gives_one_line_and_the_run_goes_on(tmp_path):
    (tmp_path / "a_broken.py").write_text("def f(:\n    pass\n")
    shutil.copy(EXAMPLE, tmp_path / "b.py")
    r = run_cli(["-q", "."], cwd=tmp_path)
    lines = r.output.splitlines()
    assert lines[0].startswith("a_broken.py:1:7: ALI900 syntax error: ")
    assert len(lines) == 4 and all(line.startswith("b.py:") for line in lines[1:])
    assert r.exit_code == 1


def test_undecodable_file_gives_one_line(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"x = '\xff\xfe'\n")
    r = run_cli(["bad.py"], cwd=tmp_path)
    assert r.output.startswith("bad.py:1:1: ALI900 cannot decode file: ")
    assert len(r.output.splitlines()) == 2
    assert r.exit_code == 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_gives_one_line(tmp_path):
    p = tmp_path / "secret.py"
    p.write_text(CLEAN)
    p.chmod(0)
    r = run_cli(["secret.py"], cwd=tmp_path)
    assert r.output.startswith("secret.py:1:1: ALI900 cannot read file: Permission denied")


def test_folder_named_like_a_file_is_searched(tmp_path):
    (tmp_path / "x.py").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "x.py" / "g.py")
    r = run_cli(["-q", "x.py"], cwd=tmp_path)
    assert len(r.output.splitlines()) == 3


def test_linting_never_runs_the_code(tmp_path):
    (tmp_path / "side_effect.py").write_text("open('created.txt', 'w').write('ran')\n")
    run_cli(["side_effect.py"], cwd=tmp_path)
    assert not (tmp_path / "created.txt").exists()


def test_installed_command_and_python_m(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "finite_difference.py")
    exe = Path(sys.executable).parent / "aliaslint"
    for cmd in ([str(exe)], [sys.executable, "-m", "aliaslint"]):
        p = subprocess.run([*cmd, "finite_difference.py"], cwd=tmp_path, capture_output=True, text=True)
        assert (p.returncode, p.stdout) == (1, EXAMPLE_OUTPUT)


def test_bundled_example_really_is_wrong():
    p = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "[0.]"


def test_broken_symlink_gives_one_line_and_the_run_goes_on(tmp_path):
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    (tmp_path / "ok.py").write_text(CLEAN)
    r = run_cli(["dangling.py", "ok.py"], cwd=tmp_path)
    assert r.output == "dangling.py:1:1: ALI900 cannot read file: No such file or directory\nFound 1 error.\n"
    assert r.exit_code == 1
