"""The work aliaslint skips changes nothing: linking only files whose names resolve into each other,
leaving unparsed a lone file without any in-place write, and spreading components over worker
processes give exactly the diagnostics of analysing every file of the run as one component, and so
does the order of a component's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aliaslint.diagnostics import Diagnostic
from aliaslint.checker import lint_group
from aliaslint.engine import SourceFile, lint_sources

from conftest import FIXTURES
from test_project import MAIN, NUMDIFF, make

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[SourceFile]:
    project = tmp_path_factory.mktemp("project")
    make(project, {
        "pkg/__init__.py": "from .numdiff import num_grad\n",
        "pkg/numdiff.py": NUMDIFF,
        "main.py": MAIN.format(imports="import pkg", call="pkg.num_grad"),
        "other.py": MAIN.format(imports="from pkg.numdiff import num_grad as g", call="g"),
    })
    paths = sorted(project.rglob("*.py"))
    paths += sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "tests" / "fixes").glob("*.py"))
    paths += sorted((ROOT / "aliaslint").rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))  # real code
    return [SourceFile(str(p), str(p), p.read_bytes()) for p in paths]


@pytest.fixture(scope="module")
def expected(files: list[SourceFile]) -> list[list[Diagnostic]]:
    return lint_group(files)  # one component: every name resolves wherever it can


def test_linking_and_skipping_change_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert sum(map(len, expected)) > 100  # the comparison covers many findings, in several files each
    assert any(d.related and any(r.path for r in d.related) for found in expected for d in found)
    assert lint_sources(files) == expected


def test_worker_processes_change_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert lint_sources(files, jobs=2) == expected


def test_the_order_of_a_components_files_changes_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert lint_group(files[::-1])[::-1] == expected
