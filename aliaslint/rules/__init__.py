"""The rule registry: one module per rule, each with its docs beside its code."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterable

from ..diagnostics import Diagnostic
from . import ali001_stale_call_result, ali002_returns_argument_alias
from .context import RuleContext


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    docs: str
    check: Callable[[RuleContext], Iterable[Diagnostic]]
    default: bool = True


def _rule(module: ModuleType) -> Rule:
    return Rule(module.CODE, module.NAME, module.SUMMARY, (module.__doc__ or "").strip(), module.check)


RULES: tuple[Rule, ...] = (
    _rule(ali001_stale_call_result),
    _rule(ali002_returns_argument_alias),
)

# Files that cannot be read or parsed get one diagnostic of this code; it is not a rule.
FILE_ERROR_CODE = "ALI900"
FILE_ERROR_NAME = "file-error"

RULES_BY_CODE = {r.code: r for r in RULES}
