"""Every fixture declares its findings inline; the CLI must report exactly those (code, row, col)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, expected_markers, reported, run_cli

BUGGY = sorted((FIXTURES / "ali001").glob("*.py"))
SILENT = sorted((FIXTURES / "silent").glob("*.py"))


def test_catalogue_is_not_empty():
    assert len(BUGGY) >= 20 and len(SILENT) >= 10


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
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
