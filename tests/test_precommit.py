"""The hooks through the real pre-commit, as a team adding aliaslint to its config would run them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "aliaslint" / "examples" / "finite_difference.py"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"

pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is in the test extra")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _try(repo: Path, hook: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(ROOT), hook, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_hook_fails_on_the_buggy_file_and_fix_hook_repairs_it(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    shutil.copy(EXAMPLE, repo / "buggy.py")
    (repo / "clean.py").write_text("import numpy as np\n\n\ndef f(x):\n    return x.copy()\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "init")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}

    check = _try(repo, "aliaslint", env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "buggy.py:20:9: ALI001 [*] result of `f(x)` aliases `x`" in check.stdout
    assert "clean.py" not in check.stdout.split("Failed", 1)[-1]

    fix = _try(repo, "aliaslint-fix", env)
    assert fix.returncode == 1  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in fix.stdout
    assert "fx_addh = f(x).copy()" in (repo / "buggy.py").read_text()

    again = _try(repo, "aliaslint", env)
    assert again.returncode == 0, again.stdout + again.stderr
