"""Keeping the cache folder from growing for as long as the project lives.

The cache's entries are keyed by contents (see :mod:`.cache`), so that an edit undone is answered
at once: an edit adds entries and replaces none. Each save of a scikit-learn test module added
about 150 KB (its component's ``state`` and ``results``, the file's ``imports``); an editor that
lints on save would add that many times a day, and every new aliaslint keys everything anew.
ruff's cache does not grow so, as its entries are keyed by path; ours must be pruned.

So, at the end of a run, at most once a day (:func:`prune_if_due`): the entries that no run has
used for 30 days go, then, while what is left takes more than 1 GiB, the least recently used ones
until three quarters of that is left (:func:`prune`). An entry's modification time tells when a
run last used it: a run writes it, or reads it and marks it (:meth:`.Cache.get`, when it was
last marked a day before or more, so that a run reading thousands of entries sets their times
once a day). The cache of NumPy, SciPy and scikit-learn is about 10 MB, and 160 MB with every
file's trees kept, so a cap of 1 GiB only matters after years of edits of a big project.

Only what aliaslint wrote is removed, and only in the entries' own folders (:data:`.cache.KINDS`):
files that begin with the entries' format line, and the temporary files of a run killed while
writing one, a day old or more. Another run may be using the cache meanwhile: an entry removed
under it is a miss for it, as a corrupt entry is (see :mod:`.cache`). Nothing here raises.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

from .cache import FORMAT, KINDS, TEMPORARY, Cache

DAY = 24 * 3600.0
MAX_AGE = 30 * DAY  # an entry no run used for this long is removed
MAX_BYTES = 1 << 30  # above this, the least recently used entries go, down to three quarters of it
EVERY = DAY  # how often a run prunes; the marker file's modification time says when it last did
MARKER = "last-pruned"


def prune_if_due(cache: Cache, now: float | None = None) -> int:
    """Prune the cache (:func:`prune`) when no run has for a day; the entries removed."""
    now = time.time() if now is None else now
    marker = cache.folder / MARKER
    try:
        if now - marker.stat().st_mtime < EVERY:
            return 0
    except FileNotFoundError:
        if not cache.folder.is_dir():
            return 0  # no run wrote anything there: nothing to prune
    except OSError:
        return 0
    try:  # marked first: a run started meanwhile finds it done
        marker.touch()
        os.utime(marker, (now, now))
    except OSError:
        return 0  # a cache this run cannot write to is not this run's to prune
    return prune(cache.folder, now)


def prune(folder: Path, now: float, max_age: float = MAX_AGE, max_bytes: int = MAX_BYTES) -> int:
    """Remove from the cache ``folder`` the entries not used for ``max_age`` seconds, then the
    least recently used ones while the rest take more than ``max_bytes`` (down to three
    quarters of it), and temporary files left a day or more ago; the entries removed."""
    found: list[tuple[float, int, Path]] = []
    for path, stat in _files(folder):
        if path.name.startswith(TEMPORARY):
            if now - stat.st_mtime >= DAY:
                _remove(path, allow_empty=True)
        else:
            found.append((stat.st_mtime, stat.st_size, path))
    found.sort(key=lambda entry: entry[0])  # least recently used first
    total = sum(size for _, size, _ in found)
    target = max_bytes if total <= max_bytes else max_bytes * 3 // 4
    removed = 0
    for mtime, size, path in found:
        if now - mtime < max_age and total <= target:
            break  # every entry after this one is used more recently
        if _remove(path):
            total -= size
            removed += 1
    return removed


def _files(folder: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """The files of the entries' folders, and of the folders within them (``trees`` keeps one per
    aliaslint code, LibCST and Python); links are not followed."""
    for kind in KINDS:
        yield from _files_in(folder / kind, nested=True)


def _files_in(where: Path, nested: bool) -> Iterator[tuple[Path, os.stat_result]]:
    try:
        with os.scandir(where) as found:
            items = list(found)
    except OSError:
        return
    for item in items:
        try:
            if item.is_file(follow_symlinks=False):
                yield Path(item.path), item.stat(follow_symlinks=False)
            elif nested and item.is_dir(follow_symlinks=False):
                yield from _files_in(Path(item.path), nested=False)
        except OSError:
            continue


def _remove(path: Path, allow_empty: bool = False) -> bool:
    """Remove the file if aliaslint wrote it: it begins with the entries' format line (or, for a
    temporary file, is empty: a run stopped before writing into it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(FORMAT))
        if head != FORMAT and not (allow_empty and head == b""):
            return False
        path.unlink()
        return True
    except OSError:
        return False
