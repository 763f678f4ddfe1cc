"""The rule registry: one module per rule, each with its docs beside its code."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterable

from ..diagnostics import Diagnostic
from . import ali001_stale_call_result, ali002_returns_argument_alias, ali800_unused_noqa
from . import ali003_stale_snapshot, ali004_appended_alias, ali005_slice_view_mutation
from . import ali100_unguarded_finite_difference
from .context import RuleContext


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    docs: str
    check: Callable[[RuleContext], Iterable[Diagnostic]] | None  # None: reported by the suppression pass
    default: bool = True


def _rule(module: ModuleType, default: bool = True) -> Rule:
    docs = (module.__doc__ or "").strip()
    return Rule(module.CODE, module.NAME, module.SUMMARY, docs, getattr(module, "check", None), default)


RULES: tuple[Rule, ...] = (
    _rule(ali001_stale_call_result),
    _rule(ali002_returns_argument_alias),
    _rule(ali003_stale_snapshot),
    _rule(ali004_appended_alias),
    _rule(ali005_slice_view_mutation),
    _rule(ali100_unguarded_finite_difference, default=False),
    _rule(ali800_unused_noqa, default=False),
)

# Files that cannot be read or parsed get one diagnostic of this code; it is not a rule.
FILE_ERROR_CODE = "ALI900"
FILE_ERROR_NAME = "file-error"

UNUSED_NOQA_CODE = ali800_unused_noqa.CODE

RULES_BY_CODE = {r.code: r for r in RULES}
