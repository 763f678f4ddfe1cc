"""What a rule sees of one module: the analysis result, and positions and source text of nodes.

Positions are computed only when a rule asks for one, so a file without findings never pays for
LibCST's position metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from ..analysis.flow import Evidence, FlowFinding
from ..analysis.summaries import ModuleResult
from ..diagnostics import Location, Related


@dataclass
class RuleContext:
    path: str
    module: cst.Module
    result: ModuleResult
    _positions: dict[cst.CSTNode, CodeRange] | None = field(default=None, repr=False)

    def range(self, node: cst.CSTNode) -> tuple[Location, Location]:
        if self._positions is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = dict(wrapper.resolve(PositionProvider))
        r = self._positions[node]
        return Location(r.start.line, r.start.column + 1), Location(r.end.line, r.end.column + 1)

    def line(self, node: cst.CSTNode) -> int:
        return self.range(node)[0].row

    def code(self, node: cst.CSTNode, limit: int = 40) -> str:
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def related(self, message: str, node: cst.CSTNode) -> Related:
        start, end = self.range(node)
        return Related(message, start, end)

    def scope_name(self, index: int) -> str:
        return self.result.info.scopes[index].name

    def evidence_for(self, finding: FlowFinding) -> list[Evidence]:
        """Why the stored value aliases: from the call site that settled it, or the call itself."""
        found = list(finding.evidence)
        value = finding.origin[1]
        if isinstance(value, cst.Call):
            found.extend(self.result.call_evidence.get(value, ()))
        return sorted(set(found), key=lambda e: (e.kind != "alias", e.rel, e.scope))
