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

import sys
from functools import lru_cache
from typing import Sequence

import libcst as cst

from .cache import Cache, code_digest, content_digest, key
from .skeletons import BodyNotParsed, Skeleton, file_lines, parse_skeleton, pickled, unpickle

KIND = "trees"


def _name(digest: str) -> str:
    return key(code_digest(), _parser(), KIND, digest)


@lru_cache(maxsize=1)
def _parser() -> str:
    """The LibCST and Python that made the trees: another LibCST's nodes may have other fields."""
    try:
        from libcst._version import __version__ as version
    except ImportError:  # not where it has always been: ask the installed distribution (slower)
        from importlib.metadata import version as installed

        version = installed("libcst")
    return f"libcst {version} python {sys.version_info[0]}.{sys.version_info[1]}"


def load(cache: Cache, text: str, digest: str) -> Skeleton | None:
    """The file's skeleton as the cache keeps it (``None`` when it does not, or the entry is not
    one this code wrote), its kept bodies ready to unpickle."""
    entry = cache.get(KIND, _name(digest))
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], bytes)
            and isinstance(entry[1], dict)):
        return None
    found = unpickle(entry[0], tuple)
    if found is None or len(found) != 2 or not isinstance(found[0], cst.Module) or not isinstance(found[1], dict):
        return None
    module, stubs = found
    return Skeleton(module, file_lines(text), stubs, kept=entry[1], blob=entry[0])


def keep(cache: Cache, skeleton: Skeleton, digest: str) -> None:
    """Write the file's entry when this check parsed something it did not hold: the skeleton,
    or a body."""
    if skeleton.blob is not None and not skeleton.fresh:
        return
    try:
        blob = skeleton.blob if skeleton.blob is not None else pickled((skeleton.module, skeleton.spans))
        bodies = dict(skeleton.kept)
        for first, fragment in skeleton.fresh.items():
            bodies[first] = pickled(fragment)
    except RecursionError:  # nested too deep for pickle: parsed each time
        return
    cache.put(KIND, _name(digest), (blob, bodies))


def prefill(cache: Cache, files: Sequence[tuple[str, str]]) -> None:
    """Parse and keep the skeleton and every body of each file (path, content digest) the cache
    holds none of. It only saves later runs time: a file that cannot be read, changed since its
    digest was taken, or that LibCST cannot parse is left out, and nothing here raises."""
    for path, digest in files:
        try:
            if cache.has(KIND, _name(digest)):
                continue
            with open(path, "rb") as fh:
                raw = fh.read()
            if content_digest(raw) != digest:
                continue
            text = raw.decode("utf-8")
            if text.startswith("\ufeff"):
                continue  # parsed whole, as the checker does
            skeleton = parse_skeleton(text)
            if skeleton is None:
                continue
            for stub in list(skeleton.stubs):
                try:
                    skeleton.parse_body(stub)
                except BodyNotParsed:
                    pass  # parsed again by the check that needs it, which then parses the file whole
            keep(cache, skeleton, digest)
        except Exception:  # an optimisation for later runs must not stop this one
            continue
