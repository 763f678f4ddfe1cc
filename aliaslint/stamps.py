"""Which files are as the last run read them, told by their stat alone, so that a run in which
little changed reads and hashes only what did.

Reading and hashing every file was most of a run that the cache answers (0.3 s of 0.5 s for the
3,293 files of the benchmark corpus), and what a run with one changed file spends before it
checks anything. A file's *stamp* is its device, inode, size, and modification and status-change
times (nanoseconds); the last run's stamp and digest of each file are kept in the cache, and a
file whose stamp is the same is taken to hold what it held then, as ruff's cache and git's index
do. The status-change time is in the stamp because tools cannot set it back (``touch -d`` and
``os.utime`` set the modification time only), so a file rewritten and given its old modification
time again is read again.

A stamp is kept only for a file whose times are older than the moment it was read by more than
:data:`RACY_NS`: a file written again within the same tick of its file system's clock, with the
same size, would otherwise keep the stamp of what was read before (git calls this "racily
clean"). Such a file is read again on every run until it is that old.

If a file trusted by its stamp cannot be read when its content is needed after all, or is not
what its digest says, the run starts again reading every file, and keeps their stamps anew
(``engine.lint_files``): else every later run would trust the stale stamp and start again too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Iterable

from .cache import Cache, key

Stamp = tuple[int, int, int, int, int]  # device, inode, size, modification and status-change times

# Two seconds: the coarsest clock of a file system in use (FAT's), and far above the others'.
RACY_NS = 2_000_000_000
_KIND = "stamps"


def stamp(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class Stamps:
    """The stamps and digests of one run's files: those the last run kept, and this run's."""

    name: str  # the cache entry: one per set of files linted together
    last: dict[str, tuple[Stamp, str]]
    now: dict[str, tuple[Stamp, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, cache: Cache, paths: Iterable[str]) -> "Stamps":
        name = key(_KIND, sorted(os.path.abspath(p) for p in paths))
        found = cache.get(_KIND, name)
        return cls(name, found if isinstance(found, dict) else {})

    def digest(self, path: str, current: Stamp | None) -> str | None:
        """The digest of the file's content, if its stamp says it is what the last run read."""
        found = self.last.get(path)
        if current is None or not (isinstance(found, tuple) and len(found) == 2 and found[0] == current
                                   and isinstance(found[1], str)):
            return None  # none, another stamp, or not an entry this code wrote
        self.now[path] = found
        return found[1]

    def record(self, path: str, before: Stamp | None, digest: str) -> None:
        """Keep the stamp taken before the file was read, unless the file had been written too
        shortly before (see :data:`RACY_NS`)."""
        if before is not None and max(before[3], before[4]) < time.time_ns() - RACY_NS:
            self.now[path] = (before, digest)

    def save(self, cache: Cache) -> None:
        if self.now != self.last:
            cache.put(_KIND, self.name, self.now)
