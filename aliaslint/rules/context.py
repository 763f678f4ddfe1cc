"""What a rule sees of one module: the analysis result, and positions and source text of nodes.

Positions are computed only when a rule asks for one, so a file without findings never pays for
LibCST's position metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Collection, Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange

from ..analysis.flow import Evidence, FlowFinding
from ..analysis.snapshots import Candidate, classify
from ..analysis.summaries import ModuleResult
from ..analysis.walk import nodes_of
from ..cst_from_ast import positions_as_parsed
from ..diagnostics import Location, Related

if TYPE_CHECKING:
    from ..skeletons import Skeleton


class OtherFiles:
    """The files of a component but one, as a view of one list of them all: a list made for each
    file took time and memory that grew with the square of the component's size (900,000 pairs
    for scikit-learn's 962 files)."""

    __slots__ = ("_files", "_skip")

    def __init__(self, files: Sequence[tuple[str, cst.Module]], skip: int) -> None:
        self._files = files
        self._skip = skip  # the place in ``files`` of the one left out

    def __len__(self) -> int:
        return len(self._files) - 1

    def __iter__(self) -> Iterator[tuple[str, cst.Module]]:
        skip = self._skip
        return (f for k, f in enumerate(self._files) if k != skip)


@dataclass
class RuleContext:
    """One file's view of an analysis that may span several files of the run (a component).

    ``others`` are the component's other files; their nodes can appear as related locations (the
    call in ``main.py`` that passes an aliasing objective to a helper here) but a rule reports a
    finding only in the file that :meth:`owns` its node.
    """

    path: str
    module: cst.Module
    result: ModuleResult
    others: Collection[tuple[str, cst.Module]] = ()
    positions: "Positions | None" = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.positions is None:
            self.positions = Positions()

    def _own(self) -> dict[cst.CSTNode, CodeRange]:
        return self.positions.of(self.module)  # type: ignore[union-attr]

    def owns_scope(self, scope: int) -> bool:
        """Whether a scope of the component lies in this file: cheap, no positions needed."""
        return self._in_this_file(scope)

    def owns_finding(self, finding: FlowFinding) -> bool:
        """Whether this file reports the finding: its store and read lie in the finding's scope."""
        if finding.scope >= 0:
            return self._in_this_file(finding.scope)
        return self.owns(finding.origin[0])

    def owns(self, node: cst.CSTNode) -> bool:
        return not self.others or node in self._own()

    def locate(self, node: cst.CSTNode) -> tuple[str, Location, Location]:
        """The file and range of any node of the component."""
        r = self._own().get(node)
        path = self.path
        if r is None:
            path, r = self.positions.find(node, self.others)  # type: ignore[union-attr]
        return path, Location(r.start.line, r.start.column + 1), Location(r.end.line, r.end.column + 1)

    def range(self, node: cst.CSTNode) -> tuple[Location, Location]:
        _, start, end = self.locate(node)
        return start, end

    def line(self, node: cst.CSTNode) -> int:
        return self.range(node)[0].row

    def where(self, node: cst.CSTNode) -> str:
        """``line 27`` here, ``main.py:27`` in another file of the component."""
        path, start, _ = self.locate(node)
        return f"line {start.row}" if path == self.path else f"{path}:{start.row}"

    def code(self, node: cst.CSTNode, limit: int = 40) -> str:
        module = self.module if not self.others or node in self._own() else self._module_of(node)
        text = " ".join(self.positions.code(module, node).split())  # type: ignore[union-attr]
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def parenthesized(self, node: cst.BaseExpression) -> bool:
        """Whether the expression, a node of this file, is written in parentheses of its own."""
        return bool(self.positions.as_parsed(self.module, node).lpar)  # type: ignore[union-attr]

    def _module_of(self, node: cst.CSTNode) -> cst.Module:
        path = self.locate(node)[0]
        return next((m for p, m in self.others if p == path), self.module)

    def related(self, message: str, node: cst.CSTNode) -> Related:
        path, start, end = self.locate(node)
        return Related(message, start, end, None if path == self.path else path)

    def scope_name(self, index: int) -> str:
        return self.result.info.scopes[index].name

    def write_then_read(self, mutation: cst.CSTNode, read: cst.CSTNode, reader: str) -> str:
        """``modified in place at line 8 (`x[:]`), and `x_old` is read at line 10``; a read above
        the write is in a later iteration of the loop."""
        later = " (in a later iteration)" if self.line(read) <= self.line(mutation) else ""
        shown = "" if isinstance(mutation, cst.Name) else f" (`{self.code(mutation, 30)}`)"
        return f"modified in place at {self.where(mutation)}{shown}, and {reader} is read at {self.where(read)}{later}"

    def snapshots(self, code: str) -> list[Candidate]:
        """ALI003/ALI004/ALI005 findings of this file, one per site: the witness whose read shows
        the intent (see analysis.snapshots), then the earliest read and write."""
        groups = self.result.cache.get("snapshots")
        if groups is None:
            groups = self.result.cache["snapshots"] = classify(self.result)
        out = []
        for (c, site), group in groups.items():  # type: ignore[attr-defined]
            if c != code or not self._in_this_file(group[0].finding.scope):
                continue
            # a write made inside a function of another file is taken on trust only by ALI001:
            # what that function does to its argument may depend on options (`copy=`) not seen here
            group = [g for g in group if self._visible_write(g.finding.mutation)]
            if group:
                out.append(min(group, key=lambda g: (
                    not g.finding.signals, self.range(g.finding.read)[0], self.range(g.finding.mutation)[0]
                )))
        return sorted(out, key=lambda g: self.range(g.site)[0])

    def _in_this_file(self, scope: int) -> bool:
        return not self.others or self.result.module_node(scope) is self.module

    def _visible_write(self, mutation: cst.CSTNode) -> bool:
        callee = self.result.callee_of.get(mutation)  # type: ignore[call-overload]
        return callee is None or self._in_this_file(callee)

    def evidence_of(self, finding: FlowFinding) -> set[Evidence]:
        """The evidence, unordered (ordering it needs positions)."""
        found = set(finding.evidence)
        value = finding.origin[1]
        if isinstance(value, cst.Call):
            found.update(self.result.call_evidence.get(value, ()))
        return found

    def evidence_for(self, finding: FlowFinding) -> list[Evidence]:
        """Why the stored value aliases: from the call site that settled it, or the call itself."""
        return sorted(self.evidence_of(finding), key=self.evidence_key)

    def evidence_key(self, e: Evidence) -> tuple:  # type: ignore[type-arg]
        """Aliases before buffers, the surest relation first, then by place in the code (the
        aliasing function's too: scopes are numbered in the order their files join the analysis),
        then by the argument and the parameter named, so that the same evidence is shown on every
        run."""
        return (e.kind != "alias", e.rel, self.position(self.result.info.scopes[e.scope].node), self.position(e.passed_at),
                tuple(sorted(self.position(r) for r in e.returns)), str(e.arg), e.returned or "")

    def first_return(self, e: Evidence) -> cst.CSTNode | None:
        """The first in the code of the aliasing function's returns (the analysis keeps them in
        no particular order)."""
        return min(e.returns, key=self.position) if e.returns else None

    def position(self, node: cst.CSTNode | None) -> tuple[str, Location]:
        """A node's place, for ordering nodes of any file of the component."""
        if node is None:
            return ("", Location(0, 0))
        path, start, _ = self.locate(node)
        return (path, start)


class Positions:
    """Node positions of a component's modules, each computed at most once and only when asked:
    every file's context of a component shares one, so reporting in many files that refer to
    each other costs each module's positions once, not once per file.

    A module built from ``ast`` (see :mod:`..cst_from_ast`, its text in ``converted``), or a
    skeleton or body built so, has no spaces nor parentheses to take positions or text from:
    LibCST parses its text then, and each of its nodes stands for the node of LibCST's tree in
    its place (a tree of another shape raises :class:`..cst_from_ast.ShapeMismatch`, and the
    check is made again with LibCST's trees)."""

    def __init__(self, skeletons: "Mapping[int, Skeleton] | None" = None,
                 converted: "Mapping[int, str | bytes] | None" = None) -> None:
        # by module id: the module, its nodes' positions, and LibCST's node for each converted one
        self._by_module: dict[int, tuple[cst.Module, dict[cst.CSTNode, CodeRange], dict[cst.CSTNode, cst.CSTNode]]] = {}
        self._skeletons = skeletons or {}  # files parsed without their functions' bodies, by module id
        self._converted = converted or {}  # the texts of modules built from `ast`, by module id
        self._nodes: dict[int, set[cst.CSTNode]] = {}  # the nodes a walk reaches, by module id

    def _of(self, module: cst.Module) -> tuple[cst.Module, dict[cst.CSTNode, CodeRange], dict[cst.CSTNode, cst.CSTNode]]:
        found = self._by_module.get(id(module))
        if found is None:
            skeleton = self._skeletons.get(id(module))
            if skeleton is not None:
                positions, node_of = skeleton.as_parsed()
            else:
                positions, node_of = positions_as_parsed(module, self._converted.get(id(module)))
            found = self._by_module[id(module)] = (module, positions, node_of)
        return found

    def of(self, module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
        return self._of(module)[1]

    def find(self, node: cst.CSTNode, files: Collection[tuple[str, cst.Module]]) -> tuple[str, CodeRange]:
        """The file of those given that holds the node, and its range there.

        Only that file's positions are made: a file is passed over when a walk of its tree
        (`walk.nodes_of`, a fraction of the cost of positions) does not reach the node. A file
        made of a skeleton and bodies parsed on their own is asked for its positions, as is every
        file where no walk reaches the node (whitespace and punctuation, which trees built from
        `ast` may share). Asked of every file in turn, a node near the end of a component of 230
        files made positions for all of them: a check in 12.5 s against 6 s for the same files
        in the other order."""
        for path, module in files:
            if id(module) in self._by_module or id(module) in self._skeletons or node in self._walked(module):
                positions = self.of(module)
                if node in positions:
                    return path, positions[node]
        return next((p, pos[node]) for p, pos in ((p, self.of(m)) for p, m in files) if node in pos)

    def _walked(self, module: cst.Module) -> set[cst.CSTNode]:
        found = self._nodes.get(id(module))
        if found is None:
            found = self._nodes[id(module)] = nodes_of(module)
        return found

    def as_parsed(self, module: cst.Module, node: cst.CSTNode) -> cst.CSTNode:
        """The node of LibCST's own tree that ``node`` stands for (itself, unless converted)."""
        if id(module) not in self._converted and id(module) not in self._skeletons:
            return node
        return self._of(module)[2].get(node, node)

    def code(self, module: cst.Module, node: cst.CSTNode) -> str:
        """The node's text, as written."""
        return module.code_for_node(self.as_parsed(module, node))
