"""The values every stage exchanges: where something is, what is wrong there, how to fix it.

Positions are 1-based rows and columns (columns count code points), end exclusive, in every output;
LibCST's 0-based columns are converted once, where diagnostics are made.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    row: int
    column: int


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding (the write, the read, the aliasing function)."""

    message: str
    location: Location
    end_location: Location
    path: str | None = None  # another file of the run (a helper's caller); None: the finding's own file


@dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    applicability: str  # "safe", "unsafe" or "display-only"
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Confirmation:
    """What running the flagged code as written and with its fix showed (``--confirm``).

    ``status`` is "confirmed", "not-reproduced" or "inconclusive"; ``symptom`` ("zero-gradient" or
    "wrong-result") only when confirmed. ``call`` is the driven call as shown to users, ``original``
    and ``fixed`` what each run produced (a value or an exception), ``reason`` the one line that
    explains an inconclusive run or adds what else happened (both runs then raised, which probes broke
    the code).
    """

    status: str
    symptom: str | None = None
    call: str | None = None
    original: str | None = None
    fixed: str | None = None
    reason: str | None = None
    line: str = ""  # the whole sentence shown under the finding in text output


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    confirmation: Confirmation | None = None

    def sort_key(self) -> tuple[str, Location, str]:
        return (self.path, self.location, self.code)
