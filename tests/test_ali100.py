"""ALI100 is off by default; selected, it reports latent finite-difference helpers at their stores."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, expected_markers, reported, run_cli

BUGGY = sorted((FIXTURES / "ali100").glob("*.py"))
SILENT = sorted((FIXTURES / "ali100_silent").glob("*.py"))


def test_catalogue_is_not_empty():
    assert len(BUGGY) >= 6 and len(SILENT) >= 6


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_reports_exactly_the_marked_stores(path):
    expected = expected_markers(path)
    assert expected and {code for code, _, _ in expected} == {"ALI100"}
    r = run_cli(["-q", "--extend-select", "ALI100", path.name], cwd=path.parent)
    assert reported(r.output) == expected, r.output
    assert r.exit_code == 1


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_is_off_by_default(path):
    assert run_cli([path.name], cwd=path.parent).output == "All checks passed!\n"


@pytest.mark.parametrize("path", SILENT, ids=lambda p: p.stem)
def test_stays_silent_on_look_alikes(path):
    r = run_cli(["--extend-select", "ALI100", path.name], cwd=path.parent)
    assert r.output == "All checks passed!\n"


def test_a_store_that_ali001_reports_is_not_reported_twice(tmp_path):
    helper = (FIXTURES / "ali100" / "central_difference.py").read_text()
    (tmp_path / "m.py").write_text(helper + "\n\nnum_grad(lambda x: x, [1.0, 2.0])\n")
    r = run_cli(["-q", "--extend-select", "ALI100", "m.py"], cwd=tmp_path)
    assert reported(r.output) == {("ALI001", 9, 9), ("ALI001", 11, 9), ("ALI002", 17, 20)}


def test_message_and_unsafe_fix(tmp_path):
    path = FIXTURES / "ali100" / "forward_difference_baseline.py"
    r = run_cli(["--select", "ALI100", "--unsafe-fixes", "--diff", path.name], cwd=path.parent)
    assert "-    base = func(x0)  # error: ALI100 col 5\n+    base = func(x0).copy()  # error: ALI100 col 5\n" in r.output
    r = run_cli(["--select", "ALI100", path.name], cwd=path.parent)
    assert r.output.splitlines()[0] == (
        "forward_difference_baseline.py:5:5: ALI100 `forward_grad` stores `func(x0)` uncopied and modifies its "
        "argument in place at line 8 before the stored value is read at line 9; if `func` returns its argument or "
        "a view of it (`lambda x: x`, `x.T`, `np.asarray`), the stored value changes with the argument"
    )


def test_a_finding_a_wrapper_inherits_is_told_in_the_helpers_terms():
    """`descend` inherits `num_grad`'s latent findings with its own `objective` as the condition;
    each store is still reported once, naming the helper that holds it and the helper's parameter."""
    path = FIXTURES / "ali100" / "helper_called_by_a_wrapper.py"
    r = run_cli(["-q", "--extend-select", "ALI100", path.name], cwd=path.parent)
    lines = r.output.splitlines()
    assert [line.split(" ALI100 ")[0] for line in lines] == [f"{path.name}:9:9:", f"{path.name}:11:9:"]
    assert all("ALI100 `num_grad` stores `f(x)` uncopied" in line and "if `f` returns" in line for line in lines)


def test_a_file_without_such_a_store_never_computes_positions(tmp_path, monkeypatch):
    """Which file reports a latent finding is told by its scope: the files of a component that
    report nothing pay nothing for LibCST's positions (on SciPy and scikit-learn linted together,
    computing them for every file took gigabytes)."""
    from aliaslint.rules import context

    helper = (FIXTURES / "ali100" / "central_difference.py").read_text()
    (tmp_path / "numdiff.py").write_text(helper)
    (tmp_path / "user.py").write_text("from numdiff import num_grad\n\nAXIS = 0\n\n\ndef slope(f, x):\n    return num_grad(f, x)[AXIS]\n")
    located: list[int] = []
    real = context.positions_as_parsed
    monkeypatch.setattr(context, "positions_as_parsed", lambda module, text: located.append(len(module.body)) or real(module, text))
    r = run_cli(["-q", "--no-cache", "--extend-select", "ALI100", "numdiff.py", "user.py"], cwd=tmp_path)
    assert [line.split(" ALI100 ")[0] for line in r.output.splitlines()] == ["numdiff.py:9:9:", "numdiff.py:11:9:"]
    assert located == [2]  # numdiff.py alone (two statements; user.py has three)
