"""[tool.aliaslint], rule selection, excludes and .gitignore, through the command as users run it."""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest

from aliaslint import discovery
from aliaslint.rules import RULES

from conftest import reported, run_cli

EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"
ALL3 = {("ALI002", 10, 12), ("ALI001", 20, 9), ("ALI001", 22, 9)}


def _project(tmp_path: Path, config: str | None) -> Path:
    root = tmp_path / "proj"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / ".git").mkdir()
    shutil.copy(EXAMPLE, root / "src" / "pkg" / "fd.py")
    if config is not None:
        (root / "pyproject.toml").write_text(config)
    return root


def _files(output: str) -> dict[str, set[tuple[str, int, int]]]:
    out: dict[str, set[tuple[str, int, int]]] = {}
    for line in output.splitlines():
        path = line.split(":", 1)[0]
        out.setdefault(path, set()).update(reported(line))
    return out


def test_config_is_found_from_a_subfolder(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nignore = ["ALI002"]\n')
    r = run_cli(["-q", "."], cwd=root / "src" / "pkg")
    assert reported(r.output) == {("ALI001", 20, 9), ("ALI001", 22, 9)}


def test_nearest_table_wins_and_pyproject_without_table_is_skipped(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nselect = ["ALI002"]\n')
    (root / "src" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    r = run_cli(["-q", "pkg"], cwd=root / "src")
    assert reported(r.output) == {("ALI002", 10, 12)}


def test_cli_wins_over_config_and_isolated_ignores_it(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nselect = ["ALI002"]\n')
    assert reported(run_cli(["-q", "--select", "ALI001", "src"], cwd=root).output) == ALL3 - {("ALI002", 10, 12)}
    assert reported(run_cli(["-q", "--isolated", "src"], cwd=root).output) == ALL3
    other = tmp_path / "other.toml"
    other.write_text('[tool.aliaslint]\nignore = ["ALI001"]\n')
    assert reported(run_cli(["-q", "--config", str(other), "src"], cwd=root).output) == {("ALI002", 10, 12)}


def test_prefix_selectors_and_extend_select(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nselect = ["ALI00"]\nignore = ["ALI002"]\n')
    assert reported(run_cli(["-q", "src"], cwd=root).output) == ALL3 - {("ALI002", 10, 12)}


def test_per_file_ignores_with_globs(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint.per-file-ignores]\n"tests/**/*.py" = ["ALI001"]\n"src/*/fd.py" = ["ALI002"]\n')
    (root / "tests" / "deep").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "tests" / "deep" / "t.py")
    files = _files(run_cli(["-q", "."], cwd=root).output)
    assert files == {
        "src/pkg/fd.py": ALL3 - {("ALI002", 10, 12)},
        "tests/deep/t.py": {("ALI002", 10, 12)},
    }


def test_gitignore_is_respected_unless_turned_off(tmp_path):
    root = _project(tmp_path, None)
    shutil.copy(EXAMPLE, root / "src" / "generated.py")
    (root / ".gitignore").write_text("generated.py\n")
    assert set(_files(run_cli(["-q", "."], cwd=root).output)) == {"src/pkg/fd.py"}
    assert set(_files(run_cli(["-q", "--no-respect-gitignore", "."], cwd=root).output)) == {
        "src/generated.py",
        "src/pkg/fd.py",
    }


def test_gitignore_files_apply_from_the_repository_root_down(tmp_path):
    """Each .gitignore matches relative to its own folder; one above the repository's root (the
    folder holding `.git`) is not the repository's and does not apply."""
    root = _project(tmp_path, None)
    (tmp_path / ".gitignore").write_text("*.py\n")
    (root / ".gitignore").write_text("gen/\n")
    (root / "src" / ".gitignore").write_text("pkg/local.py\n")
    for rel in ("src/pkg/local.py", "src/pkg/other/local.py", "gen/g.py", "src/gen/h.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLE, root / rel)
    assert set(_files(run_cli(["-q", "."], cwd=root).output)) == {"src/pkg/fd.py", "src/pkg/other/local.py"}


def test_a_path_is_ignored_whatever_way_it_is_spelled(tmp_path, monkeypatch):
    """`.gitignore` files are looked up once per folder as the path spells it; spellings with
    `.` or `..` give what the path's absolute folder gives."""
    root = _project(tmp_path, None)
    (root / ".gitignore").write_text("gen/\n")
    (root / "src" / ".gitignore").write_text("pkg/local.py\n")
    (root / "gen").mkdir()
    monkeypatch.chdir(root / "src")
    # those that end in `.` or `..` first: their folder is not the one their spelling's head names
    spelled = ["pkg/..", "../gen/..", "..", ".", "pkg/local.py", "./pkg/local.py", "pkg/../pkg/local.py", "../gen",
               "../gen/x.py", "../src/../gen/x.py", "pkg/fd.py", str(root / "gen" / "x.py"), "../src/pkg/local.py"]
    shared = discovery._Ignores()
    for path in spelled * 2:
        is_dir = not path.endswith(".py")
        assert shared.ignored(path, is_dir) == discovery._Ignores().ignored(os.path.abspath(path), is_dir), path
    assert [p for p in spelled if shared.ignored(p, not p.endswith(".py"))] == [
        "pkg/local.py", "./pkg/local.py", "pkg/../pkg/local.py", "../gen", "../gen/x.py", "../src/../gen/x.py",
        str(root / "gen" / "x.py"), "../src/pkg/local.py"]


def test_a_path_is_shown_as_given_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in ("a.py", "./a.py", "sub/../a.py", "sub/./b/c.py", "../x.py", "sub/../../x.py", ".", str(tmp_path / "a.py"),
                 str(tmp_path.parent / "x.py")):
        assert discovery.display_path(path) == discovery.display_path(path, os.getcwd()), path
    assert discovery.display_path("sub/../a.py") == "a.py"
    assert discovery.display_path("../x.py") == str(tmp_path.parent / "x.py")


def test_exclude_and_explicit_paths_and_force_exclude(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nextend-exclude = ["src/pkg"]\n')
    assert run_cli(["."], cwd=root).output == "All checks passed!\n"
    # Named explicitly, a file is linted anyway ...
    assert reported(run_cli(["-q", "src/pkg/fd.py"], cwd=root).output) == ALL3
    # ... unless --force-exclude (what pre-commit, which names every file, needs).
    r = run_cli(["--force-exclude", "src/pkg/fd.py"], cwd=root)
    assert (r.exit_code, r.output) == (0, "All checks passed!\n")


@pytest.mark.parametrize(
    "config, message",
    [
        ('select = "ALI001"\n', '`select` must be a list of strings, e.g. select = ["ALI001"]'),
        ("colour = true\n", "unknown key `colour` in [tool.aliaslint]"),
        ('ignore = ["ALI999"]\n', "`ignore`: unknown rule code `ALI999`"),
        ("respect-gitignore = 1\n", "`respect-gitignore` must be true or false"),
        ('per-file-ignores = { "a.py" = "ALI001" }\n', "`per-file-ignores`: `a.py` must map to a list of rule codes"),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key(tmp_path, config, message):
    root = _project(tmp_path, "[tool.aliaslint]\n" + config)
    r = run_cli(["src"], cwd=root)
    assert r.exit_code == 2
    assert r.output == ""
    assert r.stderr == f"aliaslint: error: {root / 'pyproject.toml'}: {message}\n"


def test_broken_toml_is_one_line(tmp_path):
    root = _project(tmp_path, "[tool.aliaslint\nselect = []\n")
    r = run_cli(["src"], cwd=root)
    assert r.exit_code == 2
    assert r.stderr.startswith(f"aliaslint: error: {root / 'pyproject.toml'}: invalid TOML: ")
    assert r.stderr.count("\n") == 1


def test_unknown_code_on_the_command_line(tmp_path):
    r = run_cli(["--ignore", "ALI001,XYZ1", "."], cwd=tmp_path)
    assert (r.exit_code, r.stderr) == (2, "aliaslint: error: Invalid value for '--ignore': unknown rule code `XYZ1`\n")


def test_fixable_and_unfixable(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nunfixable = ["ALI001"]\n')
    r = run_cli(["src"], cwd=root)
    assert "[*]" not in r.output
    assert run_cli(["--fix", "src"], cwd=root).output.endswith("(0 fixed, 3 remaining).\n")


def test_unsafe_fixes_from_config(tmp_path):
    root = _project(tmp_path, "[tool.aliaslint]\nunsafe-fixes = true\n")
    r = run_cli(["src"], cwd=root)
    assert r.output.endswith("Found 3 errors.\n[*] 3 fixable with the --fix option.\n")
    r = run_cli(["--no-unsafe-fixes", "src"], cwd=root)
    assert r.output.endswith("[*] 2 fixable with the --fix option.\n(1 hidden fix can be enabled with the --unsafe-fixes option.)\n")


def test_show_settings(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nextend-select = ["ALI800"]\n')
    r = run_cli(["--show-settings", "src"], cwd=root)
    assert r.exit_code == 0
    assert f"config file: {root / 'pyproject.toml'}\n" in r.output
    assert "enabled: ALI001, ALI002, ALI003, ALI004, ALI005, ALI800, ALI900\n" in r.output


def test_statistics_and_exit_zero(tmp_path):
    root = _project(tmp_path, None)
    r = run_cli(["--statistics", "src"], cwd=root)
    assert r.output == "    2\tALI001\t[*] stale-call-result\n    1\tALI002\treturns-argument-alias\n"
    assert r.exit_code == 1
    assert run_cli(["--exit-zero", "src"], cwd=root).exit_code == 0


def test_rule_docs(tmp_path):
    r = run_cli(["rule", "ali001"], cwd=tmp_path)
    assert r.exit_code == 0
    assert r.output.startswith("ALI001 `stale-call-result`: ")
    for heading in ("## What it does", "## Why is this bad", "## Example", "## Use instead", "## Fix safety"):
        assert heading in r.output
    everything = run_cli(["rule", "--all"], cwd=tmp_path).output
    assert all(f"{code} `" in everything for code in ("ALI001", "ALI002", "ALI800"))
    bad = run_cli(["rule", "ALI123"], cwd=tmp_path)
    assert (bad.exit_code, bad.stderr) == (2, "aliaslint: error: unknown rule code `ALI123`\n")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_the_registry_reads_what_each_rule_module_defines(rule):
    """The registry reads the rule modules' source instead of importing them (see aliaslint.rules)."""
    module = importlib.import_module(f"aliaslint.rules.{rule.module}")
    assert (rule.code, rule.name, rule.summary) == (module.CODE, module.NAME, module.SUMMARY)
    assert rule.docs == (module.__doc__ or "").strip()
    assert rule.check is getattr(module, "check", None)


def test_stdin_filename_drives_config_per_file_ignores_and_excludes(tmp_path):
    root = _project(tmp_path, '[tool.aliaslint]\nper-file-ignores = { "tests/*" = ["ALI001"] }\nextend-exclude = ["gen_*.py"]\n')
    source = EXAMPLE.read_bytes()

    def run(*args):
        return run_cli(["-q", *args], root, source)

    assert reported(run("--stdin-filename", "src/a.py").output) == ALL3
    assert reported(run("--stdin-filename", "tests/t.py").output) == {("ALI002", 10, 12)}
    assert run("--stdin-filename", "tests/t.py").output.startswith("tests/t.py:10:12: ALI002 ")
    assert run("--stdin-filename", "src/gen_x.py").output.startswith("src/gen_x.py:10:12:")
    excluded = run("--force-exclude", "--stdin-filename", "src/gen_x.py")
    assert (excluded.exit_code, excluded.output) == (0, "")
