"""The hooks through the real pre-commit, as a team adding aliaslint to its config would run them.

The hooks' repository is this working tree, committed as it stands into a repository of its own
(what `pre-commit try-repo` does for each call, with a new environment each time: three calls took
about 50 s, most of it installing aliaslint three times). Here a config names that commit, so
pre-commit installs the hooks' environment once and runs both hooks from it."""

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


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _commit_all(repo: Path) -> str:
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "snapshot")
    return _git(repo, "rev-parse", "HEAD").strip()


def _hooks_repository(into: Path) -> str:
    """The tracked files of this working tree as they are now, uncommitted changes included,
    committed into a repository of their own; gives the commit."""
    into.mkdir()
    _git(into, "init", "-q")
    for name in _git(ROOT, "ls-files", "-z").split("\0"):
        source = ROOT / name
        if name and source.is_file():  # a tracked file deleted in the working tree is left out
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return _commit_all(into)


def _run(repo: Path, hook: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", hook, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_hook_fails_on_the_buggy_file_and_fix_hook_repairs_it(tmp_path):
    rev = _hooks_repository(tmp_path / "hooks")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    shutil.copy(EXAMPLE, repo / "buggy.py")
    (repo / "clean.py").write_text("import numpy as np\n\n\ndef f(x):\n    return x.copy()\n")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'hooks'}\n  rev: {rev}\n  hooks:\n  - id: aliaslint\n  - id: aliaslint-fix\n")
    _commit_all(repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "PRE_COMMIT_COLOR": "never"}

    check = _run(repo, "aliaslint", env)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "buggy.py:20:9: ALI001 [*] result of `f(x)` aliases `x`" in check.stdout
    assert "clean.py" not in check.stdout.split("Failed", 1)[-1]

    fix = _run(repo, "aliaslint-fix", env)
    assert fix.returncode == 1  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in fix.stdout
    assert "fx_addh = f(x).copy()" in (repo / "buggy.py").read_text()

    again = _run(repo, "aliaslint", env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(list((tmp_path / "cache").glob("repo*/"))) == 1  # one environment served every run
