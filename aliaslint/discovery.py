"""From the paths a user names to the files to lint, honouring excludes and .gitignore."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from dataclasses import dataclass
from typing import Callable

import pathspec

from .settings import Settings, matches

# Folders never descended into unless `exclude` replaces this list.
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", ".eggs", ".mypy_cache",
    ".ruff_cache", ".aliaslint_cache", ".pytest_cache", "__pycache__", "__pypackages__",
    "build", "dist", "_build", "buck-out", "node_modules", "site-packages",
)
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Discovered:
    files: list[tuple[str, Settings]]
    missing: list[str]


class _Ignores:
    """.gitignore files from the repository root down, each matched relative to its folder."""

    def __init__(self) -> None:
        self._cwd = os.getcwd()  # asked once: `os.path.abspath` asks the system for every path
        self._heads: dict[str, tuple[tuple[str, pathspec.PathSpec], ...]] = {}  # by a path's folder as given
        self._specs: dict[str, pathspec.PathSpec | None] = {}
        self._chains: dict[str, tuple[tuple[str, pathspec.PathSpec], ...]] = {}  # see _applying

    def _spec(self, folder: str) -> pathspec.PathSpec | None:
        if folder not in self._specs:
            path = os.path.join(folder, ".gitignore")
            spec = None
            if os.path.isfile(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        spec = pathspec.GitIgnoreSpec.from_lines(fh)
                except OSError:
                    spec = None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, path: str, is_dir: bool) -> bool:
        head, tail = os.path.split(path)
        plain = tail not in ("", ".", "..")  # else `head` is not the folder the path is in
        chain = self._heads.get(head) if plain else None
        if chain is None:
            chain = self._applying(os.path.dirname(self._full(path)))
            if plain:
                self._heads[head] = chain
        if not chain:  # most folders: no .gitignore applies
            return False
        full = self._full(path)
        for folder, spec in chain:
            rel = os.path.relpath(full, folder).replace(os.sep, "/") + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False

    def _full(self, path: str) -> str:
        return os.path.normpath(os.path.join(self._cwd, path))

    def _applying(self, folder: str) -> tuple[tuple[str, pathspec.PathSpec], ...]:
        """The .gitignore files that apply in ``folder``, innermost first: its own and those
        above it, up to the repository's root (the folder that holds ``.git``)."""
        found = self._chains.get(folder)
        if found is None:
            spec = self._spec(folder)
            found = ((folder, spec),) if spec is not None else ()
            parent = os.path.dirname(folder)
            if not os.path.isdir(os.path.join(folder, ".git")) and parent != folder:
                found += self._applying(parent)
            self._chains[folder] = found
        return found


def excluded(path: str, settings: Settings, ignores: _Ignores, is_dir: bool) -> bool:
    patterns = (*(settings.exclude if settings.exclude is not None else DEFAULT_EXCLUDE), *settings.extend_exclude)
    name = os.path.basename(os.path.normpath(path))
    names, paths = _split(patterns)
    if names.match(name):
        return True
    if paths:
        root = settings.root or os.getcwd()
        if any(matches(p, path, root) for p in paths):
            return True
    return settings.respect_gitignore and ignores.ignored(path, is_dir)


@functools.lru_cache(maxsize=64)
def _split(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Patterns of a bare name, as one compiled expression (every file and folder of a walk is
    tested against all of them), and the patterns with a ``/``, matched against the path."""
    names = [fnmatch.translate(p) for p in patterns if "/" not in p]
    return re.compile("|".join(names) if names else "(?!)"), tuple(p for p in patterns if "/" in p)


def is_excluded(path: str, settings: Settings) -> bool:
    """Whether excludes or .gitignore cover ``path`` (for a name given with --stdin-filename)."""
    return excluded(path, settings, _Ignores(), False)


def discover(paths: list[str], settings_for: Callable[[str], Settings]) -> Discovered:
    files: list[tuple[str, Settings]] = []
    missing: list[str] = []
    ignores = _Ignores()
    for path in paths:
        settings = settings_for(path)
        if os.path.isdir(path):
            if settings.force_exclude and excluded(path, settings, ignores, True):
                continue
            files.extend((f, settings) for f in _walk(path, settings, ignores))
        elif os.path.lexists(path):
            # Named explicitly: linted whatever its suffix, unless --force-exclude says otherwise.
            if not (settings.force_exclude and excluded(path, settings, ignores, False)):
                files.append((path, settings))
        else:
            missing.append(path)
    seen: set[str] = set()
    unique = []
    for f, s in files:
        key = os.path.normpath(f)
        if key not in seen:
            seen.add(key)
            unique.append((f, s))
    return Discovered(unique, missing)


def _walk(top: str, settings: Settings, ignores: _Ignores) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames if not excluded(os.path.join(dirpath, d), settings, ignores, True)
        )
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if name.endswith(PYTHON_SUFFIXES) and _regular(full) and not excluded(full, settings, ignores, False):
                out.append(full)
    return out


def _regular(path: str) -> bool:
    """A file found by walking is linted only if it is (or links to) a regular file, as in ruff:
    a broken symlink, a FIFO (reading it would wait forever), a socket or a device is skipped.
    A path named explicitly is always tried, and reported if it cannot be read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def display_path(path: str, cwd: str | None = None) -> str:
    """The path relative to the working directory when it lies under it, else as absolute."""
    if cwd is None and not os.path.isabs(path):
        # what the rest gives for a path already relative to it, without asking the system where
        # it is (for each file of a run: most of the time taken to read the stamps of 3,293 files)
        rel = os.path.normpath(path)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel
    cwd = cwd or os.getcwd()
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, cwd)
    except ValueError:
        return full
    return full if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel
