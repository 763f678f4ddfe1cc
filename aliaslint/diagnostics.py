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
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, Location, str]:
        return (self.path, self.location, self.code)
