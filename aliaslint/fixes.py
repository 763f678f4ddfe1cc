"""Applying fixes: choosing edits, applying them to text, and writing files safely.

Text is decoded exactly as Python would (coding cookie, UTF-8 BOM) and written back in the same
encoding; edits only insert or replace characters at LibCST positions, so newlines (CRLF, lone CR),
tabs and a missing final newline survive untouched.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import stat
import tempfile
import threading
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable


from .diagnostics import Diagnostic, Edit, Location

MAX_PASSES = 20

# Set when the run is interrupted (Ctrl-C): from then on no file is written. The interrupt reaches
# the fixing thread as an exception at its next Python instruction; the flag also holds when that
# exception is caught on the way (by code that catches broadly) or arrives as the run ends.
stop_writing = threading.Event()
_NEWLINE = re.compile(r"\r\n|\r|\n")


class FixError(Exception):
    """A file that could not be fixed; its message is one line for the user."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode(raw: bytes) -> Decoded:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    return Decoded(raw.decode(encoding), encoding)


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _NEWLINE.finditer(text)]


def _offset(starts: list[int], loc: Location) -> int:
    return starts[loc.row - 1] + loc.column - 1


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    starts = _line_starts(text)
    spans = sorted(
        ((_offset(starts, e.location), _offset(starts, e.end_location), e.content) for e in edits),
        key=lambda s: (s[0], s[1]),
        reverse=True,
    )
    for begin, end, content in spans:
        text = text[:begin] + content + text[end:]
    return text


def applicable(d: Diagnostic, unsafe: bool) -> bool:
    return d.fix is not None and (d.fix.applicability == "safe" or (unsafe and d.fix.applicability == "unsafe"))


def choose_fixes(diagnostics: Iterable[Diagnostic], unsafe: bool, code: str | None = None) -> list[Diagnostic]:
    """The fixes of one pass: those of the lowest rule code that has any (or of ``code``), whose
    edits touch no other chosen fix (the rest wait for the next pass).

    One code per pass because the rules overlap: copying a stored result (ALI001) also settles
    the finding at the function that returned the alias (ALI002), so that function is left alone.
    """
    candidates = [d for d in diagnostics if applicable(d, unsafe)]
    if not candidates:
        return []
    first = code if code is not None else min(d.code for d in candidates)
    taken: list[tuple[Location, Location]] = []
    chosen: list[Diagnostic] = []
    for d in sorted(candidates, key=Diagnostic.sort_key):
        if d.code != first:
            continue
        assert d.fix is not None
        spans = [(e.location, e.end_location) for e in d.fix.edits]
        if any(not (end < t0 or t1 < start) for start, end in spans for t0, t1 in taken):
            continue
        taken.extend(spans)
        chosen.append(d)
    return chosen


@dataclass(frozen=True)
class FixResult:
    text: str
    fixed: int
    remaining: list[Diagnostic]


def fix_text(text: str, lint: Callable[[str], list[Diagnostic]], unsafe: bool) -> FixResult:
    """Apply fixes pass by pass until none applies; never return text that does not parse."""
    result = fix_texts([text], lambda texts: [lint(texts[0])], [unsafe])[0]
    if isinstance(result, FixError):
        raise result
    return result


def fix_texts(texts: list[str], lint: Callable[[list[str]], list[list[Diagnostic]]],
              unsafe: list[bool]) -> list[FixResult | FixError]:
    """Fix several files that are analysed together (a helper and its callers), pass by pass.

    Each pass applies the lowest rule code fixable in *any* of the files, so that copying the
    stored result in the helper's file (ALI001) comes before changing the aliasing function in the
    caller's file (ALI002), as in one file. A file whose fix would not parse keeps its last good
    text and takes no further fixes; the others go on.
    """
    import libcst as cst  # only a run that fixes needs it

    from . import cst_identity  # noqa: F401  (before any node is made)

    texts = list(texts)
    fixed = [0] * len(texts)
    failed: list[FixError | None] = [None] * len(texts)
    diagnostics = lint(texts)
    for _ in range(MAX_PASSES):
        open_ = [i for i in range(len(texts)) if failed[i] is None]
        codes = [d.code for i in open_ for d in diagnostics[i] if applicable(d, unsafe[i])]
        if not codes:
            break
        first = min(codes)
        changed = False
        for i in open_:
            chosen = choose_fixes(diagnostics[i], unsafe[i], first)
            if not chosen:
                continue
            new = apply_edits(texts[i], [e for d in chosen for e in d.fix.edits])  # type: ignore[union-attr]
            try:
                cst.parse_module(new)
            except (cst.ParserSyntaxError, RecursionError) as e:
                failed[i] = FixError(
                    f"a fix produced code that does not parse ({type(e).__name__}); file left unchanged")
                continue
            texts[i] = new
            fixed[i] += len(chosen)
            changed = True
        if not changed:
            break
        diagnostics = lint(texts)
    return [failed[i] or FixResult(texts[i], fixed[i], diagnostics[i]) for i in range(len(texts))]


def check_writable(path: str) -> None:
    """Refuse read-only files and folders by their mode bits, even when running as root."""
    try:
        mode = os.stat(path).st_mode
        folder_mode = os.stat(os.path.dirname(os.path.abspath(path))).st_mode
    except OSError as e:
        raise FixError(f"cannot write fixes: {e.strerror}") from e
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise FixError("cannot write fixes: file is read-only")
    if not folder_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise FixError("cannot write fixes: folder is read-only")


def atomic_write(path: str, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    if stop_writing.is_set():
        raise KeyboardInterrupt
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".aliaslint-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise FixError(f"cannot write fixes: {e.strerror}") from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise FixError(f"cannot write fixes: {e.strerror}") from e
        raise


def _patch_lines(text: str) -> list[str]:
    """Lines as `patch` sees them: ended by LF only (a CR stays part of its line)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(old: str, new: str, path: str) -> str:
    """A diff that `patch -p0` applies, including to files without a final newline."""
    a, b = _patch_lines(old), _patch_lines(new)
    out: list[str] = []
    for line in difflib.unified_diff(a, b, fromfile=path, tofile=path):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
