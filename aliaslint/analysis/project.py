"""Several files of one run analysed together, so that a helper in one file and the aliasing objective
passed to it from another are found together.

Each file gets a dotted module name from its place among packages (folders with ``__init__.py``);
the imports between the files (``from .util import num_grad``, ``import pkg.grad as g``) are
resolved to the functions and classes they name, following re-exports. Files linked by such imports
form a *component* (found by :mod:`.imports` without parsing); a component's scopes are numbered
into one :class:`ModuleInfo` and go through one summary fixpoint, exactly as a single module would.
Files that import nothing from each other stay alone, so a run over unrelated files costs what it
did before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from .imports import MAX_REEXPORT_DEPTH, absolute_import, modelled_elsewhere
from .scopes import ClassInfo, ModuleInfo, Scope, collect_scopes
from .summaries import ModuleAnalysis, ModuleResult
from .values import Obj


@dataclass(eq=False)
class SourceModule:
    """One parsed file: where it is, its dotted name, and whether it is a package's ``__init__``."""

    path: str
    name: str
    is_package: bool
    module: cst.Module
    info: ModuleInfo | None = field(default=None, repr=False)


class Resolver:
    """Which function or class of the run a qualified name denotes, for the flow analysis."""

    def __init__(self, modules: Sequence[SourceModule]) -> None:
        self.by_name = {m.name: m for m in modules}
        self.module_of_scope: dict[int, SourceModule] = {}
        for m in modules:
            assert m.info is not None
            self.module_of_scope[m.info.scopes[0].index] = m

    def module_of(self, scope: Scope) -> SourceModule | None:
        s: Scope | None = scope
        while s is not None and not s.is_module:
            s = s.parent
        return None if s is None else self.module_of_scope.get(s.index)

    def target(self, scope: Scope, qualified: str) -> Obj | None:
        """The object ``qualified`` (as the scope's imports spell it) names, if the run defines it."""
        importer = self.module_of(scope)
        if importer is None:
            return None
        name = absolute_import(importer, qualified)
        if modelled_elsewhere(importer.name, name):
            return None
        return self._lookup(name, 0)

    def _lookup(self, name: str, depth: int) -> Obj | None:
        if depth > MAX_REEXPORT_DEPTH or "." not in name:
            return None
        owner, _, attr = name.rpartition(".")
        m = self.by_name.get(owner)
        if m is None or m.info is None:
            return None
        module_scope = m.info.scopes[0]
        for s in m.info.scopes:
            if s.parent is module_scope and s.name == attr and isinstance(s.node, cst.FunctionDef):
                return ("func", s.index)
        for c in m.info.classes:
            if c.name == attr and _is_top_level(c, m.module):
                return ("class", c.index)
        reexport = module_scope.imports.get(attr)
        if reexport is not None:
            return self._lookup(absolute_import(m, reexport), depth + 1)
        return None



def _is_top_level(cls: ClassInfo, module: cst.Module) -> bool:
    return any(stmt is cls.node for stmt in module.body)



def merge(modules: Sequence[SourceModule]) -> ModuleInfo:
    """One :class:`ModuleInfo` over several files: scopes and classes numbered one after another."""
    scopes: list[Scope] = []
    classes: list[ClassInfo] = []
    scope_of: dict[cst.CSTNode, Scope] = {}
    for m in modules:
        info = m.info
        assert info is not None
        offset_s, offset_c = len(scopes), len(classes)
        for s in info.scopes:
            s.index = offset_s + s.index
        for c in info.classes:
            c.index = offset_c + c.index
        scopes.extend(info.scopes)
        classes.extend(info.classes)
        scope_of.update(info.scope_of)
    return ModuleInfo(modules[0].module, scopes, classes, scope_of)


def settles_elsewhere(result: ModuleResult, scopes: set[int]) -> bool:
    """Whether the analysis of these scopes (one file's) concluded something another file reports.

    A caller settles a helper's latent finding (a finding in the helper's scope), stores the
    result of an aliasing function of another file (ALI002 reports at that function's return), or
    inherits a helper's latent finding into its own summary (ALI100 reports it at the helper's
    store). A file whose scopes did none of these can change without changing any other file's
    report, as long as no other file reads its functions (see :func:`.imports.sinks`).
    """
    for i in scopes:
        for f in result.found_by.get(i, ()):
            if f.scope not in scopes:
                return True
            value = f.origin[1]
            more = result.call_evidence.get(value, ()) if isinstance(value, cst.Call) else ()  # type: ignore[call-overload]
            if any(ev.scope not in scopes for ev in (*f.evidence, *more)):
                return True
        summary = result.summaries.get(i)
        if summary is not None and any(lf.scope not in scopes for lf in summary.latent):
            return True
    return False


def analyze_component(modules: Sequence[SourceModule], only: Sequence[SourceModule] | None = None) -> ModuleResult:
    """The summary fixpoint over one component; the result is shared by its files. With
    ``only``, just what those files' findings need (see :meth:`.ModuleAnalysis.run`).

    Merging renumbers the files' scopes, so scopes are collected afresh on every call.
    """
    for m in modules:
        m.info = collect_scopes(m.module)
    if len(modules) == 1:
        return ModuleAnalysis(modules[0].info).run()  # type: ignore[arg-type]
    analysis = ModuleAnalysis(merge(modules), resolver=Resolver(modules))
    return analysis.run(None if only is None else [s.index for m in only for s in m.info.scopes])  # type: ignore[union-attr]
