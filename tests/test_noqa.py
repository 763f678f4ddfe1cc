"""`# noqa` in every form ruff and flake8 users write it, and ALI800 for the unused ones."""

from __future__ import annotations

import pytest

from aliaslint import suppression
from conftest import reported, run_cli

HELPER = """\
import numpy as np


def lin(x):
    return x{ret}


def grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        x[i] += h
        fp = f(x){fp}
        x[i] -= 2 * h
        fm = f(
            x,
        ){fm}
        x[i] += h
        g[i] = (fp - fm)[i] / (2 * h)
    return g


print(grad(lin, np.zeros(2)))
"""
ALL = {("ALI002", 5, 12), ("ALI001", 12, 9), ("ALI001", 14, 9)}


def _lint(tmp_path, *args, ret="", fp="", fm="", head=""):
    (tmp_path / "g.py").write_text(head + HELPER.format(ret=ret, fp=fp, fm=fm))
    return run_cli(["-q", *args, "g.py"], cwd=tmp_path)


@pytest.mark.parametrize(
    "comment",
    ["  # noqa: ALI001", "  # noqa:ALI001", "  # NOQA: ali001", "  # noqa: ALI001, ALI002", "  # noqa: ALI001 ALI002",
     "  # noqa", "  # NoQA", "  # noqa: ALI001 -- accepted, see issue 12", "  # type: ignore  # noqa: ALI001"],
)
def test_noqa_forms_on_the_reported_line(tmp_path, comment):
    head = "" if "noqa" in comment else ""
    found = reported(_lint(tmp_path, fp=comment, head=head).output)
    assert found == ALL - {("ALI001", 12, 9)}


def test_noqa_for_another_code_does_not_suppress(tmp_path):
    assert reported(_lint(tmp_path, fp="  # noqa: ALI002").output) == ALL
    assert reported(_lint(tmp_path, fp="  # noqa: E501").output) == ALL


def test_noqa_on_the_last_line_of_a_multi_line_statement(tmp_path):
    assert reported(_lint(tmp_path, fm="  # noqa: ALI001").output) == ALL - {("ALI001", 14, 9)}


def test_noqa_inside_a_string_is_not_a_directive(tmp_path):
    assert reported(_lint(tmp_path, fp='; s = "# noqa"').output) == ALL


def test_file_level_noqa(tmp_path):
    assert _lint(tmp_path, head="# aliaslint: noqa\n").output == ""
    found = reported(_lint(tmp_path, head="# aliaslint: noqa: ALI002\n").output)
    assert found == {("ALI001", 13, 9), ("ALI001", 15, 9)}


def test_ignore_noqa(tmp_path):
    assert reported(_lint(tmp_path, "--ignore-noqa", fp="  # noqa", ret="  # noqa: ALI002").output) == ALL


def test_unused_noqa_is_opt_in(tmp_path):
    (tmp_path / "c.py").write_text("x = 1  # noqa: ALI001\ny = 2  # noqa\nz = 3  # noqa: E501, ALI002\n")
    assert run_cli(["c.py"], cwd=tmp_path).output == "All checks passed!\n"
    r = run_cli(["--extend-select", "ALI800", "c.py"], cwd=tmp_path)
    assert r.output == (
        "c.py:1:8: ALI800 unused `noqa` directive (unused: `ALI001`)\n"
        "c.py:3:8: ALI800 unused `noqa` directive (unused: `ALI002`)\n"
        "Found 2 errors.\n"
    )


def test_used_noqa_is_not_reported_as_unused(tmp_path):
    r = _lint(tmp_path, "--extend-select", "ALI800", fp="  # noqa: ALI001")
    assert reported(r.output) == ALL - {("ALI001", 12, 9)}


def test_unused_noqa_in_any_case_and_none_without_a_directive(tmp_path, monkeypatch):
    # a file whose text holds no "noqa" in any case is not tokenized for its comments
    tokenized: list[str] = []
    real = suppression._comments
    monkeypatch.setattr(suppression, "_comments", lambda text: tokenized.append(text) or real(text))
    (tmp_path / "c.py").write_text("x = 1  # NOQA: ALI001\n")
    (tmp_path / "d.py").write_text("y = 2  # no directive here\n")
    r = run_cli(["--no-cache", "--extend-select", "ALI800", "c.py", "d.py"], cwd=tmp_path)
    assert r.output == "c.py:1:8: ALI800 unused `noqa` directive (unused: `ALI001`)\nFound 1 error.\n"
    assert tokenized == ["x = 1  # NOQA: ALI001\n"]
    assert reported(_lint(tmp_path, "--extend-select", "ALI800").output) == ALL
