"""Results kept between runs, so that re-linting unchanged code costs a hash and a read.

Eight kinds of entries, each one file under ``<cache dir>/<kind>/``, named by a digest of what decides
its content:

- ``imports``: what a file imports, keyed by its content and module name and by a digest of
  aliaslint's own code (another build may find other facts), so that a warm run finds the
  components (files analysed together) without parsing anything;
- ``results``: a component's diagnostics, keyed by the content, path and settings of every file in
  it, by the aliaslint version and by a digest of aliaslint's own code. A change to any file of a
  component (a helper imported by the caller) gives the whole component a new key. The whole run's
  diagnostics are kept the same way, keyed over all its files, so a run in which nothing changed
  is one read, without even the ``imports`` pass;
- ``latest``: a component's last diagnostics with its files' content digests and the links between
  them, keyed by their paths and settings but not their contents, which files settled nothing
  that another file reports, and which LibCST parsed whole: when every changed file, and every
  file that reads one, is of that kind, only those are checked (with the files they read, those
  known to parse as skeletons, see ``skeletons.py``), and the others' diagnostics are taken from
  here (see ``engine._Task``);
- ``state``: a component's ``latest`` entry as it was for one set of contents, keyed as its
  ``results`` are, and ``run``: for a run's files (by path and settings), the key of the contents
  their components' ``latest`` entries are of. When an edit is undone, the cache answers for the
  contents before it, and the ``latest`` entries are put back to those from ``state``
  (``engine._keep_latest``): else the next change would check the undone file again with it;
- ``stamps``: the stat and content digest of each file of a run, keyed by the run's paths, so that
  a file unchanged since is read only if it must be checked (see ``stamps.py``);
- ``survey``: what the ``imports`` pass concluded of a run's files, keyed by their paths and
  aliaslint's own code: the links between them, kept while the changed files import what they
  did (see ``survey.survey_run``);
- ``trees``: a file's skeleton and function bodies as LibCST parsed them, pickled, keyed by its
  content, in a folder per aliaslint code and versions of LibCST and Python (the first entry
  written removes the other folders), so that a check of a changed file's cone unpickles the files
  it reads instead of parsing them (see ``kept_trees.py``).

Entries are written to a temporary file and renamed into place, so a concurrent run reads either a
whole entry or none; an entry that cannot be read (a crash, a truncated disk, another version's
format) is a miss and is written again. The cache is an optimisation: no failure here stops a run.
Entries no run has used for a while are removed (see ``cache_pruning.py``): reading an entry
a day old or more marks it used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from . import __version__

DEFAULT_DIR = ".aliaslint_cache"
FORMAT = b"aliaslint-cache-1\n"  # the first line of every entry
# The folders entries are kept in, one a kind (``trees`` holds a folder of its own, see kept_trees).
KINDS = ("imports", "results", "latest", "state", "run", "stamps", "survey", "trees")
TEMPORARY = ".tmp-"  # how an entry being written is named, until it is renamed into place
# An entry read this long after it was written or last marked is marked used again (its
# modification time set to now): cache_pruning removes the entries no run used for a month.
MARK_AFTER = 24 * 3600.0


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of aliaslint's own sources: results from another build of the code never match."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def content_digest(source: bytes | str) -> str:
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def key(*parts: Iterable[str] | str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        for item in [part] if isinstance(part, str) else part:
            h.update(item.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        h.update(b"\1")
    return h.hexdigest()


class Cache:
    """One cache folder. Reads and writes never raise: a problem is a miss."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._ready = False

    def get(self, kind: str, name: str) -> Any:
        path = self.folder / kind / name
        try:
            with open(path, "rb") as fh:
                data = fh.read()
                mtime = os.fstat(fh.fileno()).st_mtime
        except OSError:
            return None
        if not data.startswith(FORMAT):
            return None
        if time.time() - mtime >= MARK_AFTER:
            _mark_used(path)
        try:
            return pickle.loads(data[len(FORMAT):])
        except Exception:  # a truncated or foreign entry: rewritten on the next put
            return None

    def has(self, kind: str, name: str) -> bool:
        return (self.folder / kind / name).is_file()

    def put(self, kind: str, name: str, value: Any) -> None:
        try:
            self._prepare()
            folder = self.folder / kind  # a kind may be a folder within another (see kept_trees)
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMPORARY)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(FORMAT)
                    fh.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
                os.replace(tmp, folder / name)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, pickle.PicklingError, RecursionError):
            pass

    def _prepare(self) -> None:
        """Create the folder with a ``.gitignore`` and a ``CACHEDIR.TAG``, as ruff and pytest do."""
        if self._ready:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by aliaslint automatically.\n*\n")
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# This is aliaslint's cache.\n")
        self._ready = True


def _mark_used(path: Path) -> None:
    """Set the entry's modification time to now (a read-only cache stays as it is)."""
    try:
        os.utime(path)
    except OSError:
        pass
