"""Every fixture declares its findings inline; the CLI must report exactly those (code, row, col)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, expected_markers, reported, run_cli

RULE_DIRS = ("ali001", "ali003", "ali004", "ali005")
BUGGY = sorted(p for d in RULE_DIRS for p in (FIXTURES / d).glob("*.py"))
SILENT = sorted((FIXTURES / "silent").glob("*.py"))


def test_catalogue_is_not_empty():
    assert len(BUGGY) >= 20 and len(SILENT) >= 10


@pytest.mark.parametrize("rule", ["ALI003", "ALI004", "ALI005"])
def test_each_new_rule_has_six_shapes_and_six_look_alikes(rule):
    shapes = [p for p in (FIXTURES / rule.lower()).glob("*.py") if any(c == rule for c, _, _ in expected_markers(p))]
    prefix = {"ALI003": "snapshot_", "ALI004": "appended_", "ALI005": "slice_"}[rule]
    look_alikes = [p for p in SILENT if p.name.startswith(prefix)]
    assert len(shapes) >= 6 and len(look_alikes) >= 6


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reports_exactly_the_marked_findings(path):
    expected = expected_markers(path)
    assert expected, f"{path.name} declares no findings"
    r = run_cli(["-q", str(path)], cwd=path.parent)
    assert reported(r.output) == expected, r.output
    assert r.exit_code == 1


@pytest.mark.parametrize("path", SILENT, ids=lambda p: p.stem)
def test_stays_silent_on_look_alikes(path):
    assert not expected_markers(path)
    r = run_cli([str(path)], cwd=path.parent)
    assert r.output == "All checks passed!\n"
    assert r.exit_code == 0
