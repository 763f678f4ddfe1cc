"""Skeletons and function bodies kept in the cache, so that a check of a few files' cones
unpickles what an earlier run parsed instead of parsing it again.

A check of one changed file of a big component parses the files it reads as skeletons, and the
bodies of the functions its analysis visits (see :mod:`.skeletons`): for a test module of
scikit-learn, 46 skeletons and 179 bodies, about 0.95 s, a third of the run. Unpickling the same
trees took 0.30 s. A file's skeleton depends only on its content (where its functions stand comes
from ``ast`` over the same text), on aliaslint's code and on the LibCST that parsed it, so its
entry is keyed by those: one entry per file, the skeleton and each body pickled apart, a body
unpickled only when its function is first visited.

Entries are written by the check that parsed what they hold (:func:`keep`), and, in a run that
checks whole components in worker processes, by the workers while they have nothing else to do
(:func:`prefill`): there, one process analyses the largest component for most of the run while
the others wait, and what they parse then is what the next change's check would parse. Only the
files another file reads are kept that way: no other file's cone holds the others.
"""

from __future__ import annotations

import shutil
import sys
from functools import lru_cache
from typing import Sequence

import libcst as cst

from .analysis.imports import FunctionSpan
from .cache import Cache, code_digest, content_digest, key
from .skeletons import BodyNotParsed, Skeleton, file_lines, parse_skeleton, pickled, unpickle

KIND = "trees"

# A file to keep ahead: its path, content digest and where its functions stand, when known.
Ahead = tuple[str, str, tuple[FunctionSpan, ...] | None]


def folder() -> str:
    """The entries' folder: one per aliaslint code, LibCST and Python, as no other can read them,
    so that the first entry this one writes can remove the others (:func:`_prune`)."""
    return f"{KIND}/{key(code_digest(), _parser())[:20]}"


@lru_cache(maxsize=1)
def _parser() -> str:
    """The LibCST and Python that made the trees: another LibCST's nodes may have other fields."""
    try:
        from libcst._version import __version__ as version
    except ImportError:  # not where it has always been: ask the installed distribution (slower)
        from importlib.metadata import version as installed

        version = installed("libcst")
    return f"libcst {version} python {sys.version_info[0]}.{sys.version_info[1]}"


_pruned: set[tuple[str, str]] = set()  # (cache folder, trees folder kept) this process has pruned


def _prune(cache: Cache) -> None:
    """Remove the trees another aliaslint, LibCST or Python kept (about 50 MB for NumPy, SciPy and
    scikit-learn each), once per cache folder and process. Two versions used in turn on one
    folder each remove what the other kept, which costs only their next checks' time."""
    mine = folder().rsplit("/", 1)[1]
    if (str(cache.folder), mine) in _pruned:
        return
    _pruned.add((str(cache.folder), mine))
    try:
        found = list((cache.folder / KIND).iterdir())
    except OSError:
        return
    for path in found:
        if path.name == mine:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def load(cache: Cache, text: str, digest: str, convert: bool = False) -> Skeleton | None:
    """The file's skeleton as the cache keeps it (``None`` when it does not, or the entry is not
    one this code wrote), its kept bodies ready to unpickle; the bodies it does not keep are built
    from ``ast`` with ``convert`` (see :func:`.skeletons.parse_skeleton`)."""
    entry = cache.get(folder(), digest)
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], bytes)
            and isinstance(entry[1], dict)):
        return None
    found = unpickle(entry[0], tuple)
    if found is None or len(found) != 3 or not isinstance(found[0], cst.Module) or not isinstance(found[1], dict):
        return None
    module, stubs, converted = found
    return Skeleton(module, file_lines(text), stubs, kept=entry[1], blob=entry[0], converted=converted is True,
                    convert=convert)


def keep(cache: Cache, skeleton: Skeleton, digest: str) -> None:
    """Write the file's entry when this check parsed something it did not hold: the skeleton,
    or a body. Nothing here raises: the entry only saves a later check time."""
    if skeleton.blob is not None and not skeleton.fresh:
        return
    try:
        blob = skeleton.blob if skeleton.blob is not None else pickled((skeleton.module, skeleton.spans, skeleton.converted))
        bodies = dict(skeleton.kept)
        for first, fragment in skeleton.fresh.items():
            bodies[first] = pickled((fragment, first in skeleton.converted_bodies))
    except Exception:  # nested too deep for pickle, or no memory left for it: parsed each time
        return
    _prune(cache)
    cache.put(folder(), digest, (blob, bodies))


def prefill(cache: Cache, files: Sequence[Ahead]) -> int:
    """Parse and keep the skeleton and every body of each file the cache holds nothing of; the
    bytes of source parsed. It only saves later runs time: a file that cannot be read or changed
    since its digest was taken is left out, and nothing here raises. A file that gives no entry
    (one LibCST cannot parse, or with nothing to leave out) is marked so, and not parsed again
    the next time."""
    parsed = 0
    for path, digest, functions in files:
        try:
            if cache.has(folder(), digest):
                continue
            with open(path, "rb") as fh:
                raw = fh.read()
            if content_digest(raw) != digest:
                continue
        except Exception:
            continue
        parsed += len(raw)
        try:
            _parse_and_keep(cache, raw, digest, functions)
        except Exception:  # an optimisation for later runs must not stop this one
            pass
        if not cache.has(folder(), digest):
            _prune(cache)
            cache.put(folder(), digest, None)  # which `load` takes for no entry
    return parsed


def _parse_and_keep(cache: Cache, raw: bytes, digest: str, functions: tuple[FunctionSpan, ...] | None) -> None:
    text = raw.decode("utf-8")
    if text.startswith("\ufeff"):
        return  # parsed whole, as the checker does
    skeleton = parse_skeleton(text, functions, convert=True)
    if skeleton is None:
        return
    for stub in list(skeleton.stubs):
        try:
            skeleton.parse_body(stub)
        except BodyNotParsed:
            pass  # parsed again by the check that needs it, which then parses the file whole
    keep(cache, skeleton, digest)
