"""The rule registry: one module per rule, each with its docs beside its code.

Every run needs each rule's code, name, summary and docs (for the settings and the output), but a
run answered from the cache needs none of the checks, and importing a rule module loads LibCST and
the analysis. So the registry reads those four from the rule modules' source, and a rule's module
is imported only when its :attr:`Rule.check` is asked for.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Callable, Iterable

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from .context import RuleContext

# (module, enabled by default), in the order rules are listed and documented
_MODULES = (
    ("ali001_stale_call_result", True),
    ("ali002_returns_argument_alias", True),
    ("ali003_stale_snapshot", True),
    ("ali004_appended_alias", True),
    ("ali005_slice_view_mutation", True),
    ("ali100_unguarded_finite_difference", False),
    ("ali800_unused_noqa", False),
)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    docs: str
    module: str  # its module in this package
    checks: bool  # False: no check of its own; the suppression pass reports it (ALI800)
    default: bool = True

    @property
    def check(self) -> Callable[[RuleContext], Iterable[Diagnostic]] | None:
        return import_module(f"{__name__}.{self.module}").check if self.checks else None


def _read(module: str, default: bool) -> Rule:
    """The rule a module defines, from its source: its docstring, the string constants ``CODE``,
    ``NAME`` and ``SUMMARY``, and whether it defines ``check``."""
    with open(os.path.join(os.path.dirname(__file__), f"{module}.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    constants: dict[str, str] = {}
    checks = False
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            constants[stmt.targets[0].id] = ast.literal_eval(stmt.value) if isinstance(stmt.value, ast.Constant) else None
        elif isinstance(stmt, ast.FunctionDef) and stmt.name == "check":
            checks = True
    docs = (ast.get_docstring(tree, clean=False) or "").strip()
    return Rule(constants["CODE"], constants["NAME"], constants["SUMMARY"], docs, module, checks, default)


RULES: tuple[Rule, ...] = tuple(_read(module, default) for module, default in _MODULES)

# Files that cannot be read or parsed get one diagnostic of this code; it is not a rule.
FILE_ERROR_CODE = "ALI900"
FILE_ERROR_NAME = "file-error"

RULES_BY_CODE = {r.code: r for r in RULES}
UNUSED_NOQA_CODE = next(r.code for r in RULES if not r.checks)
