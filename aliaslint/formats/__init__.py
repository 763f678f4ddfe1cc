"""Output formats: pure functions from diagnostics to text.

``concise`` (the default) and ``full`` are followed by the summary lines the CLI prints; the other
formats are complete documents on their own. Each format module exposes a ``render`` function
named in :data:`RENDERERS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from ..diagnostics import Diagnostic


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str
    docs: str


@dataclass(frozen=True)
class FormatContext:
    cwd: str  # absolute; JSON filenames are absolute, SARIF URIs relative to it
    unsafe_fixes: bool  # whether unsafe fixes count as applicable (the `[*]` mark)
    version: str
    rules: Mapping[str, RuleInfo]  # every code that can appear, with its docs
    source_line: Callable[[str, int], str | None]  # (diagnostic path, 1-based row) -> that line's text


Renderer = Callable[[Sequence[Diagnostic], FormatContext], str]

# format name -> "module:function" under aliaslint.formats
RENDERERS: dict[str, str] = {
    "concise": "concise:render",
    "full": "full:render",
    "json": "json_format:render",
    "json-lines": "json_format:render_lines",
    "sarif": "sarif:render",
    "github": "github:render",
}
WITH_SUMMARY = frozenset({"concise", "full"})


def renderer(name: str) -> Renderer:
    module, _, function = RENDERERS[name].partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)  # type: ignore[no-any-return]
