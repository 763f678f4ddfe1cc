"""Output formats as users meet them: exact output on the bundled example for every format, JSON
that parses with ruff's keys, SARIF that the official schema and a real SARIF reader accept, and
GitHub workflow commands that survive any path or message.

Snapshots live in tests/formats/; run with ALIASLINT_UPDATE_SNAPSHOTS=1 to rewrite them after an
intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from aliaslint import __version__
from aliaslint.cli import main
from aliaslint.diagnostics import Diagnostic, Edit, Fix, Location, Related
from aliaslint.formats import FormatContext, RuleInfo
from aliaslint.formats import full, github, sarif
from conftest import run_cli

EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"
SNAPSHOTS = Path(__file__).parent / "formats"
SARIF_SCHEMA = SNAPSHOTS / "sarif-schema-2.1.0.json"
CLEAN = "import numpy as np\n\ndef f(x):\n    return x.copy()\n"
SUMMARY = (
    "Found 3 errors.\n"
    "[*] 2 fixable with the --fix option.\n"
    "(1 hidden fix can be enabled with the --unsafe-fixes option.)\n"
)
TOP_KEYS = {
    "cell", "code", "name", "message", "severity", "filename", "location", "end_location",
    "noqa_row", "url", "fix", "related", "confirmation",
}
POSITION_KEYS = {"location", "end_location"}
SNAPSHOT_FILES = {
    "full": "fd.full.txt",
    "json": "fd.json",
    "json-lines": "fd.jsonl",
    "sarif": "fd.sarif",
    "github": "fd.github.txt",
}


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def fd(tmp_path: Path) -> Path:
    """The bundled example (two safe-fix findings with related locations, one unsafe) as fd.py."""
    shutil.copy(EXAMPLE, tmp_path / "fd.py")
    return tmp_path


def lint(cwd: Path, *args: str) -> tuple[int, str]:
    r = run_cli(list(args), cwd=cwd)
    return r.exit_code, r.output


def placeholders(text: str, tmp_path: Path) -> str:
    """The output with the per-run temporary folder replaced, so snapshots compare across runs."""
    return text.replace(tmp_path.as_uri(), "file://<TMP>").replace(str(tmp_path), "<TMP>")


def sarif_for_snapshot(text: str, tmp_path: Path) -> str:
    """The SARIF log with the tool version and the rules' help (the docs, checked elsewhere)
    replaced, so editing a rule's docs or releasing does not break the format's snapshot."""
    log = json.loads(text)
    assert text == json.dumps(log, indent=2) + "\n"
    driver = log["runs"][0]["tool"]["driver"]
    driver["version"] = "<VERSION>"
    for rule in driver["rules"]:
        rule["help"] = {key: f"<docs of {rule['id']}>" for key in rule["help"]}
    return placeholders(json.dumps(log, indent=2) + "\n", tmp_path)


def assert_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("ALIASLINT_UPDATE_SNAPSHOTS"):
        path.write_text(actual, encoding="utf-8", newline="")
    assert actual == path.read_text(encoding="utf-8")


def context(lines: dict[str, list[str]] | None = None) -> FormatContext:
    """A format context over in-memory files, for unit tests of one renderer."""
    files = lines or {}

    def source_line(path: str, row: int) -> str | None:
        rows = files.get(path, [])
        return rows[row - 1] if 0 < row <= len(rows) else None

    rule = RuleInfo("ALI001", "stale-call-result", "summary", "")
    return FormatContext("/work", False, "1.0", {"ALI001": rule}, source_line)


def diagnostic(
    start: tuple[int, int],
    end: tuple[int, int],
    path: str = "a.py",
    message: str = "msg",
    fix: Fix | None = None,
) -> Diagnostic:
    return Diagnostic("ALI001", "stale-call-result", message, path, Location(*start), Location(*end), fix=fix)


def sarif_validator() -> jsonschema.Draft4Validator:
    """The official schema, with `uri` and `uri-reference` formats checked too (jsonschema skips
    formats silently without rfc3986-validator, so make sure it is there)."""
    checker = jsonschema.FormatChecker()
    assert not checker.conforms("a b.py", "uri-reference"), "install rfc3986-validator (test extra)"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=checker)


# -- exact output on the bundled example ---------------------------------------------------------


@pytest.mark.parametrize("fmt", list(SNAPSHOT_FILES))
def test_exact_output_of_each_format(fd: Path, fmt: str) -> None:
    """What a user sees for the bundled example, byte for byte (temporary folder aside)."""
    code, out = lint(fd, "--output-format", fmt, "fd.py")
    assert code == 1
    actual = sarif_for_snapshot(out, fd) if fmt == "sarif" else placeholders(out, fd)
    assert_snapshot(SNAPSHOT_FILES[fmt], actual)


def test_full_marks_unsafe_fixes_applicable_with_unsafe_fixes(fd: Path) -> None:
    """`[*]` follows --unsafe-fixes; the help line still says the fix is unsafe."""
    _, out = lint(fd, "--output-format", "full", "--unsafe-fixes", "-q", "fd.py")
    assert out.startswith("fd.py:10:12: ALI002 [*] `lin` returns")
    assert "help: Copy `x` (unsafe)\n" in out


def test_full_from_stdin_shows_the_buffer_not_a_file_of_that_name(tmp_path: Path) -> None:
    """Source read from stdin is shown from the buffer, even when a file of that name exists."""
    (tmp_path / "named.py").write_text("# a different file\n" * 40)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        args = ["--output-format", "full", "-q", "--stdin-filename", "named.py"]
        r = CliRunner().invoke(main, args, input=EXAMPLE.read_text())
    finally:
        os.chdir(old)
    blocks = r.stdout.split("\n\n")
    assert blocks[0] == (
        "named.py:10:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result stored at line 20 "
        "goes stale when the argument is modified in place\n"
        "   |\n10 |     return x\n   |            ^\n   |\nhelp: Copy `x` (unsafe)"
    )
    assert len(blocks) == 4 and blocks[-1] == ""
    assert "a different file" not in r.stdout


# -- json and json-lines -------------------------------------------------------------------------


def test_json_has_ruffs_keys_and_one_based_positions(fd: Path) -> None:
    """Every object has exactly the documented keys, and each span selects the reported code."""
    _, out = lint(fd, "--output-format", "json", "fd.py")
    findings = json.loads(out)
    source = (fd / "fd.py").read_text().splitlines()
    assert len(findings) == 3
    for f in findings:
        assert set(f) == TOP_KEYS
        assert (f["cell"], f["url"], f["confirmation"], f["severity"]) == (None, None, None, "error")
        assert f["filename"] == str(fd / "fd.py")
        assert f["noqa_row"] == f["location"]["row"]
        assert set(f["fix"]) == {"applicability", "message", "edits"}
        for e in f["fix"]["edits"]:
            assert set(e) == {"content"} | POSITION_KEYS
        for r in f["related"]:
            assert set(r) == {"message", "filename"} | POSITION_KEYS
            assert r["filename"] == f["filename"]  # one file here; test_project covers another file
    stored = findings[1]
    assert stored["code"] == "ALI001" and stored["fix"]["applicability"] == "safe"
    line = source[stored["location"]["row"] - 1]
    assert line[stored["location"]["column"] - 1 : stored["end_location"]["column"] - 1] == "fx_addh = f(x)"
    write = stored["related"][0]
    assert source[write["location"]["row"] - 1][write["location"]["column"] - 1 :].startswith("x[index]")


def test_json_lines_is_one_compact_object_per_finding(fd: Path) -> None:
    """Each line parses alone and holds exactly what the JSON array holds, keys sorted."""
    _, array = lint(fd, "--output-format", "json", "fd.py")
    _, lines = lint(fd, "--output-format", "json-lines", "fd.py")
    objects = [json.loads(line) for line in lines.splitlines()]
    assert objects == json.loads(array)
    assert lines.splitlines() == [json.dumps(o, sort_keys=True, separators=(",", ":")) for o in objects]


def test_json_keeps_non_ascii_exact(tmp_path: Path) -> None:
    """A non-ASCII file name comes back exactly after parsing (the output itself is ASCII)."""
    shutil.copy(EXAMPLE, tmp_path / "grädient.py")
    _, out = lint(tmp_path, "--output-format", "json", "grädient.py")
    assert out.isascii()
    assert {f["filename"] for f in json.loads(out)} == {str(tmp_path / "grädient.py")}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("json", "[]\n"), ("json-lines", ""), ("github", ""), ("full", "All checks passed!\n")],
)
def test_clean_file(tmp_path: Path, fmt: str, expected: str) -> None:
    """Nothing to report is still a valid document: `[]` for JSON, no lines for line formats."""
    (tmp_path / "ok.py").write_text(CLEAN)
    assert lint(tmp_path, "--output-format", fmt, "ok.py") == (0, expected)


# -- sarif -------------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema(fd: Path) -> None:
    _, out = lint(fd, "--output-format", "sarif", "fd.py")
    sarif_validator().validate(json.loads(out))


def test_sarif_of_a_clean_run_validates_and_lists_the_rules(tmp_path: Path) -> None:
    """Rules are listed even when nothing is found, so ruleIndex never shifts between runs."""
    (tmp_path / "ok.py").write_text(CLEAN)
    _, out = lint(tmp_path, "--output-format", "sarif", "ok.py")
    log = json.loads(out)
    sarif_validator().validate(log)
    run = log["runs"][0]
    assert run["results"] == []
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(ids) and {"ALI001", "ALI002"} <= set(ids)


def test_sarif_rules_carry_the_docs_and_indexes_point_at_them(fd: Path) -> None:
    from aliaslint.rules import RULES_BY_CODE

    _, out = lint(fd, "--output-format", "sarif", "fd.py")
    run = json.loads(out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["version"] == __version__
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    ali001 = rules[[r["id"] for r in rules].index("ALI001")]
    assert ali001["help"]["markdown"] == RULES_BY_CODE["ALI001"].docs.strip()
    assert "## What it does" in ali001["help"]["text"]


def test_sarif_uris_are_encoded_and_outside_files_absolute(tmp_path: Path) -> None:
    """Spaces, `#` and non-ASCII in names are percent-encoded; a file outside the working folder
    gets an absolute file URI; the log still validates (URI formats included)."""
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "sub dir").mkdir(parents=True)
    outside.mkdir()
    shutil.copy(EXAMPLE, project / "sub dir" / "fd #1 ä.py")
    shutil.copy(EXAMPLE, outside / "fd.py")
    _, out = lint(project, "--output-format", "sarif", ".", str(outside / "fd.py"))
    log = json.loads(out)
    sarif_validator().validate(log)
    uris = {
        loc["physicalLocation"]["artifactLocation"].get("uriBaseId", ""): loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"%SRCROOT%": "sub%20dir/fd%20%231%20%C3%A4.py", "": (outside / "fd.py").as_uri()}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"


def test_sarif_uri_cannot_look_like_a_scheme() -> None:
    assert sarif.artifact_location("c:x.py", "/work") == {"uri": "c%3Ax.py", "uriBaseId": "%SRCROOT%"}
    assert sarif.directory_uri("/") == "file:///"


def test_sarif_tools_reads_our_log(fd: Path) -> None:
    """A real consumer (sarif-tools, from PyPI) loads the log written with -o and counts what we
    count, by rule, at our files and lines."""
    from sarif.loader import load_sarif_file

    code, out = lint(fd, "--output-format", "sarif", "-o", "out.sarif", "fd.py")
    assert (code, out) == (1, "")
    records = load_sarif_file(str(fd / "out.sarif")).get_records()
    assert sorted((r["Code"], r["Location"], r["Line"], r["Severity"]) for r in records) == [
        ("ALI001", "fd.py", 20, "error"),
        ("ALI001", "fd.py", 22, "error"),
        ("ALI002", "fd.py", 10, "error"),
    ]
    summary = subprocess.run(
        [sys.executable, "-m", "sarif", "summary", "out.sarif"],
        cwd=fd, capture_output=True, text=True, timeout=60, check=True,
    )
    counts = dict(line.rsplit(": ", 1) for line in summary.stdout.splitlines() if ": " in line)
    assert {k: v for k, v in counts.items() if k in ("error", "warning", "note")} == {
        "error": "3", "warning": "0", "note": "0",
    }
    by_rule = {k.split()[1]: v for k, v in counts.items() if k.startswith(" - ")}
    assert by_rule == {"ALI001": "2", "ALI002": "1"}


# -- github --------------------------------------------------------------------------------------


def test_github_escapes_percent_newlines_and_property_separators() -> None:
    """`%`, CR and LF are escaped everywhere; `:` and `,` too in property values (the file),
    never in the message, where they are ordinary text."""
    d = diagnostic((3, 5), (4, 1), path="dir,1/a:b%.py", message="100% stale:\r\nsee, here")
    assert github.render([d], context()) == (
        "::error title=aliaslint (ALI001),file=dir%2C1/a%3Ab%25.py,line=3,col=5,endLine=4,endColumn=1"
        "::dir,1/a:b%25.py:3:5: ALI001 100%25 stale:%0D%0Asee, here\n"
    )


def test_github_escapes_percent_before_the_other_escapes() -> None:
    """A literal `%0A` in a message must stay text, not turn into a newline."""
    assert github.escape_data("%0A\n") == "%250A%0A"
    assert github.escape_property("%3A:") == "%253A%3A"


# -- full: the snippet ---------------------------------------------------------------------------


def test_full_caret_spans_the_whole_finding_on_its_row() -> None:
    d = diagnostic((2, 5), (2, 8))
    text = full.render([d], context({"a.py": ["x = 1", "y = abc + 1"]}))
    assert text == "a.py:2:5: ALI001 msg\n  |\n2 | y = abc + 1\n  |     ^^^\n  |\n\n"


def test_full_multi_row_span_underlines_to_the_end_of_its_first_row() -> None:
    d = diagnostic((1, 5), (3, 2))
    assert full.snippet("y = f(a,", d)[2] == "  |     ^^^^"


def test_full_empty_span_and_span_past_the_line_still_show_one_caret() -> None:
    assert full.snippet("abc", diagnostic((1, 2), (1, 2)))[2] == "  |  ^"
    assert full.snippet("abc", diagnostic((1, 4), (1, 4)))[2] == "  |    ^"


def test_full_aligns_carets_after_tabs_and_wide_characters() -> None:
    """Tabs expand to the next multiple of four and CJK characters take two cells, so carets sit
    under the span as a terminal shows it."""
    assert full.snippet("\tx = y", diagnostic((1, 2), (1, 3)))[1:3] == ["1 |     x = y", "  |     ^"]
    assert full.snippet("s = '漢字' + x", diagnostic((1, 5), (1, 9)))[1:3] == [
        "1 | s = '漢字' + x",
        "  |     ^^^^^^",
    ]


def test_full_help_line_says_when_a_fix_is_not_safe() -> None:
    edit = (Edit(".copy()", Location(1, 2), Location(1, 2)),)
    assert full.help_line(Fix("safe", "Copy `x`", edit)) == "help: Copy `x`"
    assert full.help_line(Fix("unsafe", "Copy `x`", edit)) == "help: Copy `x` (unsafe)"
    assert full.help_line(Fix("display-only", "Copy `x`", edit)) == "help: Copy `x` (display-only)"


def test_full_without_source_prints_the_finding_and_help_only() -> None:
    fix = Fix("display-only", "Copy `x`", (Edit(".copy()", Location(1, 2), Location(1, 2)),))
    text = full.render([diagnostic((1, 1), (1, 2), fix=fix)], context())
    assert text == "a.py:1:1: ALI001 msg\nhelp: Copy `x` (display-only)\n\n"


# -- where output goes and what follows it ---------------------------------------------------------


@pytest.mark.parametrize("fmt", list(SNAPSHOT_FILES))
def test_output_file_gets_everything_and_stdout_nothing(fd: Path, fmt: str) -> None:
    _, printed = lint(fd, "--output-format", fmt, "fd.py")
    code, out = lint(fd, "--output-format", fmt, "-o", "report.out", "fd.py")
    assert (code, out) == (1, "")
    assert (fd / "report.out").read_text(encoding="utf-8") == printed


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_summary_follows_human_formats_unless_quiet(fd: Path, fmt: str) -> None:
    _, out = lint(fd, "--output-format", fmt, "fd.py")
    _, quiet = lint(fd, "--output-format", fmt, "-q", "fd.py")
    assert out == quiet + SUMMARY


@pytest.mark.parametrize("fmt", ["json", "json-lines", "sarif", "github"])
def test_machine_formats_have_no_summary(fd: Path, fmt: str) -> None:
    _, out = lint(fd, "--output-format", fmt, "fd.py")
    _, quiet = lint(fd, "--output-format", fmt, "-q", "fd.py")
    assert out == quiet
    assert "Found" not in out and "fixable" not in out


def test_sarif_related_locations_and_fixes_share_the_result_file() -> None:
    """Related spans and fix edits are in the finding's file: the same artifact, numbered ids."""
    fix = Fix("safe", "Copy `f(x)`", (Edit(".copy()", Location(20, 23), Location(20, 23)),))
    write = Related("modified in place here", Location(21, 9), Location(21, 17))
    read = Related("stale value read here", Location(24, 29), Location(24, 36))
    d = Diagnostic("ALI001", "stale-call-result", "m", "fd.py", Location(20, 9), Location(20, 23), (write, read), fix)
    result = sarif.sarif_log([d], context())["runs"][0]["results"][0]
    artifact = {"uri": "fd.py", "uriBaseId": "%SRCROOT%"}
    assert [r["id"] for r in result["relatedLocations"]] == [0, 1]
    assert all(r["physicalLocation"]["artifactLocation"] == artifact for r in result["relatedLocations"])
    change = result["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"] == artifact
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 20, "startColumn": 23, "endLine": 20, "endColumn": 23},
        "insertedContent": {"text": ".copy()"},
    }]
