"""One input of a run (:class:`SourceFile`) and how it is read: at once, or, when its stamp says
it is what the last run read (see :mod:`.stamps`), only when a check needs its content. A file
that cannot be read becomes one ALI900 diagnostic, so that the run goes on with the others."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from .analysis.imports import FunctionSpan
from .cache import content_digest
from .diagnostics import Diagnostic, Location
from .discovery import display_path
from .rules import FILE_ERROR_CODE, FILE_ERROR_NAME
from .settings import Settings
from .stamps import Stamps, stamp

DEFAULT_SETTINGS = Settings()


def file_error(path: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    loc = Location(row, column)
    return Diagnostic(FILE_ERROR_CODE, FILE_ERROR_NAME, message, path, loc, loc)


@dataclass
class SourceFile:
    """One input of a run: where it is (for its module name), how it is shown, its bytes."""

    path: str
    shown: str
    source: bytes | str | None  # None: not read yet, as the last run read it (see .stamps)
    settings: Settings = DEFAULT_SETTINGS
    too_deep: bool = False  # CPython's parser refused its nesting: LibCST would take minutes and GBs
    functions: tuple[FunctionSpan, ...] | None = None  # where its functions stand, from the `ast` pass
    digest: str | None = None  # of its content, when known before it is read (see .stamps)


def read_source(path: str, settings: Settings = DEFAULT_SETTINGS) -> SourceFile | Diagnostic:
    shown = display_path(path)
    try:
        with open(path, "rb") as fh:
            return SourceFile(path, shown, fh.read(), settings)
    except OSError as e:
        return file_error(shown, f"cannot read file: {e.strerror or e}")


def read_stamped(path: str, settings: Settings, stamps: Stamps | None) -> SourceFile | Diagnostic:
    """The file unread when its stamp is the last run's, else read, its stamp kept (without
    ``stamps``, read)."""
    if stamps is None:
        return read_source(path, settings)
    before = stamp(path)  # taken before reading: a change after it gives the next run another
    digest = stamps.digest(path, before)
    if digest is not None:
        return SourceFile(path, display_path(path), None, settings, digest=digest)
    found = read_source(path, settings)
    if isinstance(found, SourceFile):
        assert found.source is not None
        found.digest = content_digest(found.source)
        stamps.record(path, before, found.digest)
    return found


class NotAsStamped(Exception):
    """A file its stamp said was unchanged could not be read, or changed while the run went on."""


def read_now(f: SourceFile) -> SourceFile:
    """The file with its content, read now if its stamp stood for it (see :mod:`.stamps`)."""
    if f.source is not None:
        return f
    try:
        with open(f.path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise NotAsStamped(f.path) from e
    if content_digest(data) != f.digest:
        raise NotAsStamped(f.path)
    return replace(f, source=data)


def read_needed(files: list[SourceFile], needed: Iterable[int]) -> list[SourceFile]:
    out = list(files)
    for i in set(needed):
        out[i] = read_now(out[i])
    return out
