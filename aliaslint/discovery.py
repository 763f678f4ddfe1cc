"""From the paths a user names to the files to lint."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Folders never descended into (a user can still name a file inside one explicitly).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".eggs", ".mypy_cache",
        ".ruff_cache", ".aliaslint_cache", ".pytest_cache", "__pycache__", "__pypackages__",
        "build", "dist", "_build", "buck-out", "node_modules", "site-packages",
    }
)
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    files: list[str]
    missing: list[str]


def discover(paths: list[str]) -> Discovered:
    files: list[str] = []
    missing: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            files.extend(_walk(path))
        elif os.path.lexists(path):
            files.append(path)  # named explicitly: linted whatever its suffix
        else:
            missing.append(path)
    seen: set[str] = set()
    unique = []
    for f in files:
        key = os.path.normpath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return Discovered(unique, missing)


def _walk(top: str) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(PYTHON_SUFFIXES):
                out.append(os.path.join(dirpath, name))
    return out


def display_path(path: str, cwd: str | None = None) -> str:
    """The path relative to the working directory when it lies under it, else as absolute."""
    cwd = cwd or os.getcwd()
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, cwd)
    except ValueError:
        return full
    return full if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel
