"""The editor patterns the README gives, applied to real output: they must find file, line, column,
code and message."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import run_cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "aliaslint" / "examples" / "finite_difference.py"


def _block(lang: str, containing: str) -> str:
    for m in re.finditer(rf"```{lang}\n(.*?)```", README, re.S):
        if containing in m.group(1):
            return m.group(1)
    raise AssertionError(f"no ```{lang} block with {containing!r} in the README")


def _emacs_to_python(rx: str) -> str:
    return rx.replace(r"\(?:", "(?:").replace(r"\(", "(").replace(r"\)", ")").replace(r"\|", "|")


def test_vscode_problem_matcher_reads_concise_output(tmp_path):
    tasks = json.loads(_block("json", "problemMatcher"))
    pattern = tasks["tasks"][0]["problemMatcher"]["pattern"]
    rx = re.compile(pattern["regexp"])
    shutil.copy(EXAMPLE, tmp_path / "fd.py")
    lines = run_cli(["-q", "fd.py"], cwd=tmp_path).output.splitlines()
    m = rx.match(lines[1])
    assert m is not None
    got = {k: m.group(pattern[k]) for k in ("file", "line", "column", "code", "message")}
    assert got == {
        "file": "fd.py",
        "line": "20",
        "column": "9",
        "code": "ALI001",
        "message": lines[1].split("ALI001 [*] ", 1)[1],
    }
    assert all(rx.match(line) for line in lines)


def test_emacs_flymake_pattern_reads_stdin_output():
    elisp = _block("elisp", "aliaslint-flymake-regexp")
    literal = re.search(r'\(defvar aliaslint-flymake-regexp\s+"((?:[^"\\]|\\.)*)"', elisp).group(1)
    rx = re.compile(_emacs_to_python(literal.encode().decode("unicode_escape")))
    p = subprocess.run(
        [sys.executable, "-m", "aliaslint", "-q", "-"], input=EXAMPLE.read_bytes(), capture_output=True, check=False
    )
    lines = p.stdout.decode().splitlines()
    matches = [rx.match(line) for line in lines]
    assert all(matches) and len(matches) == 3
    assert [m.groups()[:3] for m in matches] == [("10", "12", "ALI002"), ("20", "9", "ALI001"), ("22", "9", "ALI001")]
    assert matches[1].group(4).startswith("result of `f(x)` aliases `x`")


def test_vim_errorformat_reads_concise_output(tmp_path):
    vim = _block("vim", "errorformat")
    fmt = re.search(r"set errorformat=(.+)", vim).group(1).replace("\\ ", " ")
    rx = re.compile(
        "^" + re.escape(fmt).replace("%f", "(?P<f>.+?)").replace("%l", r"(?P<l>\d+)")
        .replace("%c", r"(?P<c>\d+)").replace("%m", "(?P<m>.*)") + "$"
    )
    shutil.copy(EXAMPLE, tmp_path / "fd.py")
    line = run_cli(["-q", "fd.py"], cwd=tmp_path).output.splitlines()[0]
    m = rx.match(line)
    assert m and (m["f"], m["l"], m["c"]) == ("fd.py", "10", "12") and m["m"].startswith("ALI002 ")
