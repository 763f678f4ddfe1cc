"""Changed files and the files that read them re-checked with only the files they read: when none
of them settles anything another file reports, the others' diagnostics are the last run's. Every
run here must print exactly what a run without the cache prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from aliaslint import checker
from aliaslint.analysis import flow
from aliaslint.analysis.scopes import Scope
from aliaslint.cache import Cache
from aliaslint.engine import SourceFile
from aliaslint.skeletons import Skeleton

from conftest import record_checks, reported, run_cli
from test_project import MAIN, NUMDIFF, make

SINE = """\
import numpy as np

from .numdiff import num_grad

print(num_grad({objective}, np.array([1.0, 2.0])))
"""

# a file's own finding: its own objective and its own loop, nothing settled in another file
OWN = """

def ident(v):
    return v


def own_grad():
    x = np.zeros(3)
    fp = ident(x)
    x += 1.0
    return fp - x
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[list[str]]]:
    """``numdiff.py`` is read by three sinks: ``lin.py`` settles its latent finding, ``sine.py``
    and ``plain.py`` do not (``sine.py`` asks ``plain.py`` for a name it does not define). The
    list records the files of every check."""
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/numdiff.py": NUMDIFF,
        "pkg/lin.py": MAIN.format(imports="from .numdiff import num_grad", call="num_grad"),
        "pkg/sine.py": SINE.format(objective="np.sin") + "from .plain import helper\n",
        "pkg/plain.py": SINE.format(objective="np.cos"),
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [["lin.py", "numdiff.py", "plain.py", "sine.py"]]
    return tmp_path, seen


def lint(root: Path, seen: list[list[str]]) -> list[list[str]]:
    """Run with the cache, check its output against a run without, and say what was checked."""
    seen.clear()
    cached = run_cli(["-q", "."], cwd=root).output
    checks = list(seen)
    assert cached == run_cli(["-q", "--no-cache", "."], cwd=root).output
    return checks


def test_a_changed_file_that_settles_nothing_elsewhere_is_checked_with_its_cone(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    assert lint(root, seen) == [["numdiff.py", "sine.py"]]
    assert {("ALI001", 14, 5), ("ALI002", 9, 12)} <= reported(run_cli(["-q", "."], cwd=root).output)  # its own
    make(root, {"pkg/plain.py": SINE.format(objective="np.tan")})
    assert lint(root, seen) == [["numdiff.py", "plain.py"]]  # the last run's results carried over


def test_an_edit_undone_is_not_checked_again_with_the_next_change(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    assert lint(root, seen) == [["numdiff.py", "sine.py"]]
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + "from .plain import helper\n"})
    assert lint(root, seen) == []  # the first run's contents again: the cache answers
    make(root, {"pkg/plain.py": SINE.format(objective="np.tan")})
    assert lint(root, seen) == [["numdiff.py", "plain.py"]]  # not sine.py: the undone edit is not one


def test_an_edit_undone_while_another_component_changed_is_not_checked_again(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"alone.py": "import numpy as np\n\nx = np.ones(3)\nx += 1\n"})
    assert lint(root, seen) == [["alone.py"]]
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    assert lint(root, seen) == [["numdiff.py", "sine.py"]]
    # the package's first contents, whose results the cache has, and a new file elsewhere
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + "from .plain import helper\n",
                "alone.py": "import numpy as np\n\nx = np.ones(4)\nx += 1\n"})
    assert lint(root, seen) == [["alone.py"]]
    make(root, {"pkg/plain.py": SINE.format(objective="np.tan")})
    assert lint(root, seen) == [["numdiff.py", "plain.py"]]


def test_changed_files_that_settle_nothing_elsewhere_are_checked_with_their_cones_together(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN, "pkg/plain.py": SINE.format(objective="np.tan") + OWN})
    assert lint(root, seen) == [["numdiff.py", "plain.py", "sine.py"]]
    assert ("ALI001", 14, 5) in reported(run_cli(["-q", "."], cwd=root).output)


def test_a_changed_file_that_now_settles_a_finding_elsewhere_is_checked_with_its_component(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/sine.py": SINE.format(objective="lambda x: x")})
    whole = ["lin.py", "numdiff.py", "plain.py", "sine.py"]
    assert lint(root, seen) == [["numdiff.py", "sine.py"], whole]
    out = run_cli(["-q", "."], cwd=root).output
    assert "passed at pkg/sine.py:5" in out or "passed at pkg/lin.py:10" in out
    assert {("ALI001", 9, 9), ("ALI001", 11, 9)} <= reported(out)


def test_a_file_that_settled_a_finding_elsewhere_is_checked_with_its_component(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/lin.py": MAIN.format(imports="from .numdiff import num_grad", call="num_grad").replace(
        "print(num_grad(lin,", "print(num_grad(np.sin,")})
    whole = ["lin.py", "numdiff.py", "plain.py", "sine.py"]
    assert lint(root, seen) == [whole]
    assert run_cli(["-q", "."], cwd=root).output == ""  # its findings in numdiff.py are gone
    make(root, {"pkg/lin.py": "# settles them again\n" + MAIN.format(imports="from .numdiff import num_grad", call="num_grad")})
    assert lint(root, seen) == [["lin.py", "numdiff.py"], whole]


@pytest.mark.parametrize("changes", [
    {"pkg/numdiff.py": NUMDIFF.replace("fp = f(x)", "fp = f(x).copy()")},  # read by the others
    {"pkg/sine.py": SINE.format(objective="np.tanh"), "pkg/lin.py": "# changed\n" + MAIN.format(
        imports="from .numdiff import num_grad", call="num_grad")},  # two sinks, one settling a finding elsewhere
])
def test_other_changes_check_the_whole_component(project, changes: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, changes)
    assert [len(files) for files in lint(root, seen)] == [4]


def test_a_file_that_becomes_read_by_another_is_checked_with_its_reader(project) -> None:  # type: ignore[no-untyped-def]
    """`sine.py` imports `helper` from `plain.py`, which now defines it."""
    root, seen = project
    make(root, {"pkg/plain.py": SINE.format(objective="np.tan") + "\n\ndef helper():\n    pass\n"})
    assert lint(root, seen) == [["numdiff.py", "plain.py", "sine.py"]]


def test_a_changed_file_read_by_others_is_checked_with_its_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`use.py` keeps its own function's result across a call of `util.py`'s `bump`, which writes
    into its argument: ALI001 and ALI002, both in `use.py`. When `bump` stops writing, `util.py`
    and `use.py` are checked again with the file they read (`base.py`), not `other.py`."""
    use = "import numpy as np\n\nfrom .util import bump\n" + OWN.replace("    x += 1.0\n", "    bump(x)\n")
    util = "from .base import scale\n\n\ndef bump(v):\n    {}\n"
    make(tmp_path, {
        "pkg/base.py": "def scale(v):\n    return 2.0 * v\n",
        "pkg/util.py": util.format("v += scale(1.0)"),
        "pkg/use.py": use,
        "pkg/other.py": "from .base import scale\n\nprint(scale(3.0))\n",
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [["base.py", "other.py", "use.py", "util.py"]]
    assert reported(run_cli(["-q", "."], cwd=tmp_path).output) == {("ALI001", 12, 5), ("ALI002", 7, 12)}
    make(tmp_path, {"pkg/util.py": util.format("return v + scale(1.0)")})
    assert lint(tmp_path, seen) == [["base.py", "use.py", "util.py"]]
    assert run_cli(["-q", "."], cwd=tmp_path).output == ""


def test_a_package_that_re_exports_a_changed_module_does_not_make_its_other_importers_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`use_b.py` and `use_c.py` import `b` and `c` through `pkg/__init__.py`, which also
    re-exports `a.bump`: only the re-export is read of `__init__.py`, so a change to `a.py` is
    checked with `use_a.py` and `__init__.py` (and the modules `__init__.py` imports), not with
    them."""
    use_a = "import numpy as np\n\nfrom pkg import bump\n" + OWN.replace("    x += 1.0\n", "    bump(x)\n")
    make(tmp_path, {
        "pkg/__init__.py": "from .a import bump\nfrom .b import b\nfrom .c import c\n",
        "pkg/a.py": "def bump(v):\n    v += 1.0\n",
        "pkg/b.py": "def b(v):\n    return v + 1\n",
        "pkg/c.py": "def c(v):\n    return v + 2\n",
        "use_a.py": use_a,
        "use_b.py": "from pkg import b\n\nprint(b(1))\n",
        "use_c.py": "from pkg import c\n\nprint(c(1))\n",
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [["__init__.py", "a.py", "b.py", "c.py", "use_a.py", "use_b.py", "use_c.py"]]
    assert reported(run_cli(["-q", "."], cwd=tmp_path).output) == {("ALI001", 12, 5), ("ALI002", 7, 12)}
    make(tmp_path, {"pkg/a.py": "def bump(v):\n    return v + 1.0\n"})
    assert lint(tmp_path, seen) == [["__init__.py", "a.py", "b.py", "c.py", "use_a.py"]]
    assert run_cli(["-q", "."], cwd=tmp_path).output == ""


def test_a_file_that_stops_defining_what_another_reads_is_checked_with_that_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`util.py` renames `bump`, which `use.py` imports: `use.py` no longer reads it, but what it
    concluded from it must go."""
    use = "import numpy as np\n\nfrom .base import scale\nfrom .util import bump\n" + OWN.replace(
        "    x += 1.0\n", "    bump(x)\n    x *= scale(1.0)\n")
    make(tmp_path, {
        "pkg/base.py": "def scale(v):\n    return 2.0 * v\n",
        "pkg/util.py": "from .base import scale\n\n\ndef bump(v):\n    v += scale(1.0)\n",
        "pkg/use.py": use,
        "pkg/other.py": "from .base import scale\n\nprint(scale(3.0))\n",
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [["base.py", "other.py", "use.py", "util.py"]]
    assert "modified in place inside the call `bump(x)` at line 14" in run_cli(["-q", "."], cwd=tmp_path).output
    make(tmp_path, {"pkg/util.py": "from .base import scale\n\n\ndef bump2(v):\n    v += scale(1.0)\n"})
    assert lint(tmp_path, seen) == [["base.py", "use.py", "util.py"]]
    assert "modified in place at line 15" in run_cli(["-q", "."], cwd=tmp_path).output


def test_a_change_read_by_most_of_the_component_checks_it_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`util.py` and the three files that read it are more than half of the six."""
    reader = "from .util import bump\n\nbump([0.0])\n"
    util = "from .base import scale\n\n\ndef bump(v):\n    {}\n"
    make(tmp_path, {
        "pkg/base.py": "def scale(v):\n    return 2.0 * v\n",
        "pkg/util.py": util.format("v += scale(1.0)"),
        "pkg/r1.py": reader, "pkg/r2.py": reader, "pkg/r3.py": reader,
        "pkg/other.py": "from .base import scale\n\nprint(scale(3.0))\n",
    })
    seen = record_checks(monkeypatch)
    whole = ["base.py", "other.py", "r1.py", "r2.py", "r3.py", "util.py"]
    assert lint(tmp_path, seen) == [whole]
    make(tmp_path, {"pkg/util.py": util.format("return v + scale(1.0)")})
    assert lint(tmp_path, seen) == [whole]
    make(tmp_path, {"pkg/r1.py": "# changed\n" + reader, "pkg/r2.py": "# changed\n" + reader})
    assert lint(tmp_path, seen) == [["base.py", "r1.py", "r2.py", "util.py"]]


def test_a_changed_file_whose_reader_settles_a_finding_elsewhere_checks_the_whole_component(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`use.py` keeps the result of `util.py`'s `ident` across an in-place write: ALI002 is
    reported in `util.py`, so a change to `util.py` checks the whole component."""
    use = "import numpy as np\n\nfrom .util import ident\n\nx = np.zeros(3)\nfp = ident(x)\nx += 1.0\nprint(fp - x)\n"
    util = "from .base import scale\n\n\ndef ident(v):\n    return {}\n"
    whole = ["base.py", "other.py", "use.py", "util.py"]
    make(tmp_path, {
        "pkg/base.py": "def scale(v):\n    return 2.0 * v\n",
        "pkg/util.py": util.format("v"),
        "pkg/use.py": use,
        "pkg/other.py": "from .base import scale\n\nprint(scale(3.0))\n",
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [whole]
    assert reported(run_cli(["-q", "."], cwd=tmp_path).output) == {("ALI001", 6, 1), ("ALI002", 5, 12)}
    make(tmp_path, {"pkg/util.py": util.format("v.copy()")})
    assert lint(tmp_path, seen) == [whole]
    assert run_cli(["-q", "."], cwd=tmp_path).output == ""


def test_a_file_that_no_longer_parses_leaves_its_component(project) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    make(root, {"pkg/plain.py": "def broken(:\n"})
    assert sorted(lint(root, seen)) == [["lin.py", "numdiff.py", "sine.py"], ["plain.py"]]
    assert "pkg/plain.py:1:12: ALI900" in run_cli(["-q", "."], cwd=root).output


def test_a_file_whose_finding_another_file_reports_is_checked_with_its_component(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`use.py` keeps the result of `ident.py`'s `ident` across an in-place write: ALI001 in
    `use.py`, and ALI002 at `ident`'s return, in `ident.py`."""
    use = "import numpy as np\n\nfrom .ident import ident\n\nx = np.zeros(3)\nfp = ident(x)\nx += 1.0\nprint(fp - x{})\n"
    make(tmp_path, {
        "pkg/ident.py": "def ident(v):\n    return v\n",
        "pkg/use.py": use.format(""),
        "pkg/other.py": "from .ident import ident\n\nprint(ident(1))\n",
    })
    seen = record_checks(monkeypatch)
    assert lint(tmp_path, seen) == [["ident.py", "other.py", "use.py"]]
    assert reported(run_cli(["-q", "."], cwd=tmp_path).output) == {("ALI001", 6, 1), ("ALI002", 2, 12)}
    make(tmp_path, {"pkg/use.py": use.format(" + 1.0")})
    assert lint(tmp_path, seen) == [["ident.py", "other.py", "use.py"]]
    make(tmp_path, {"pkg/other.py": "from .ident import ident\n\nprint(ident(2))\n"})
    assert lint(tmp_path, seen) == [["ident.py", "other.py"]]


def test_a_file_whose_summary_another_file_reports_is_checked_with_its_component(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`wrap.py`'s `my_grad` passes an array to `helper.py`'s `num_grad` and its own callable
    parameter: it takes `num_grad`'s latent finding into its summary without the condition on
    the array, and ALI100 reports that at `num_grad`'s store, in `helper.py`."""
    helper = "def num_grad(f, x, h=1e-6):\n    y = x[:]\n    fp = f(y)\n    y += h\n    return fp - f(y)\n"
    wrap = "import numpy as np\n\nfrom .helper import num_grad\n\n\ndef my_grad(f):\n    return num_grad(f, np.zeros(3))\n"
    make(tmp_path, {
        "pkg/helper.py": helper,
        "pkg/wrap.py": wrap,
        "pkg/other.py": "import numpy as np\n\nfrom .helper import num_grad\n\nprint(num_grad(np.sin, np.ones(2)))\n",
    })
    seen = record_checks(monkeypatch)
    args = ["-q", "--select", "ALI100", "."]
    assert run_cli(args, cwd=tmp_path).output.startswith("pkg/helper.py:3:5: ALI100 ")
    make(tmp_path, {"pkg/wrap.py": wrap.replace("np.zeros(3)", "[0.0] * 3")})
    seen.clear()
    assert run_cli(args, cwd=tmp_path).output == run_cli(["--no-cache", *args], cwd=tmp_path).output == ""
    assert seen[0] == ["helper.py", "other.py", "wrap.py"]


def record_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the checker parses, whole or as skeletons, in order."""
    parsed: list[str] = []
    real_parse, real_skeleton = checker._parse, checker._parse_skeleton

    def skeleton(f: SourceFile, trees: Cache | None, *rest: bool) -> tuple[Skeleton, str] | None:
        found = real_skeleton(f, trees, *rest)
        if found is not None:
            parsed.append(Path(f.path).name)
        return found

    monkeypatch.setattr(checker, "_parse", lambda f, *rest: parsed.append(Path(f.path).name) or real_parse(f, *rest))
    monkeypatch.setattr(checker, "_parse_skeleton", skeleton)
    return parsed


def record_visits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the scopes the analysis visits from now on, in order."""
    visits: list[str] = []
    real = flow.ScopeAnalysis.__init__

    def recording(self: flow.ScopeAnalysis, mod: object, scope: Scope) -> None:
        visits.append(scope.name)
        real(self, mod, scope)  # type: ignore[arg-type]

    monkeypatch.setattr(flow.ScopeAnalysis, "__init__", recording)
    return visits


def test_a_file_checked_with_its_cone_parses_only_the_files_its_analysis_reaches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`extra.py` is in `sine.py`'s cone (`numdiff.py` imports from it), but only `numdiff.other`,
    which nothing calls, uses it: it is not parsed."""
    numdiff = NUMDIFF + "\n\ndef other():\n    from .extra import thing\n\n    return thing()\n"
    make(tmp_path, {
        "pkg/numdiff.py": numdiff,
        "pkg/extra.py": "def thing():\n    return 1\n",
        "pkg/lin.py": MAIN.format(imports="from .numdiff import num_grad", call="num_grad"),
        "pkg/sine.py": SINE.format(objective="np.sin"),
    })
    checked = record_checks(monkeypatch)
    parsed = record_parses(monkeypatch)
    before = run_cli(["-q", "."], cwd=tmp_path).output
    make(tmp_path, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    checked.clear()
    parsed.clear()
    after = run_cli(["-q", "."], cwd=tmp_path).output
    assert checked == [["extra.py", "numdiff.py", "sine.py"]] and parsed == ["sine.py", "numdiff.py"]
    assert after == run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output != before


IMPORTS = "from .bump import bump\nfrom .unused import thing\n"


@pytest.mark.parametrize("step", [
    IMPORTS + "\n\ndef step(v):\n    g = bump\n    g(v)\n",  # read by the function
    IMPORTS + '\nWAYS = {"bump": bump}\n\n\ndef step(v):\n    WAYS["bump"](v)\n',  # read by the module body
])
def test_a_module_body_import_is_parsed_only_when_a_name_it_binds_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """`step.py`'s module body imports `bump` and `thing`; only `bump` is read (as a value, not
    a call by its name), so `unused.py` is not parsed, and the write through `g` still makes
    `run.py`'s stored result stale."""
    own = OWN.replace("    x += 1.0\n", "    step(x)\n")
    make(tmp_path, {
        "pkg/bump.py": "def bump(v):\n    v += 1.0\n",
        "pkg/unused.py": "def thing():\n    return 1\n",
        "pkg/step.py": step,
        "pkg/run.py": "import numpy as np\n\nfrom .step import step\n",
    })
    checked = record_checks(monkeypatch)
    parsed = record_parses(monkeypatch)
    assert run_cli(["-q", "."], cwd=tmp_path).output == ""
    make(tmp_path, {"pkg/run.py": "import numpy as np\n\nfrom .step import step\n" + own})
    checked.clear()
    parsed.clear()
    after = run_cli(["-q", "."], cwd=tmp_path).output
    assert checked == [["bump.py", "run.py", "step.py", "unused.py"]] and parsed == ["run.py", "step.py", "bump.py"]
    assert after == run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output == (
        "pkg/run.py:7:12: ALI002 `ident` returns its argument `v` itself, not a copy; the result stored at line 12"
        " goes stale when the argument is modified in place\n"
        "pkg/run.py:12:5: ALI001 [*] result of `ident(x)` aliases `x`, which is modified in place inside the call"
        " `step(x)` at line 13 before this value is read at line 14; `ident` returns its argument\n"
    )


@pytest.mark.parametrize("entry", [b"aliaslint-cache-1\n\x80\x04truncated", "wrong shape"])
def test_a_damaged_latest_entry_checks_the_whole_component(project, entry: bytes | str) -> None:  # type: ignore[no-untyped-def]
    root, seen = project
    (path,) = sorted((root / ".aliaslint_cache" / "latest").glob("[0-9a-f]*"))
    if isinstance(entry, bytes):
        path.write_bytes(entry)
    else:
        cache = Cache(str(root / ".aliaslint_cache"))
        cache.put("latest", path.name, {**cache.get("latest", path.name), "alone": 5})  # type: ignore[dict-item]
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    assert lint(root, seen) == [["lin.py", "numdiff.py", "plain.py", "sine.py"]]


@pytest.mark.parametrize("damage", ["wrong shape", "not mappings"])
def test_a_latest_entry_whose_quiet_functions_are_damaged_still_checks_the_cone(project, damage: str) -> None:  # type: ignore[no-untyped-def]
    """The functions the last run found to say nothing are taken only when the entry holds them
    as this code writes them; else they are analysed."""
    root, seen = project
    (path,) = sorted((root / ".aliaslint_cache" / "latest").glob("[0-9a-f]*"))
    cache = Cache(str(root / ".aliaslint_cache"))
    entry = cache.get("latest", path.name)
    assert isinstance(entry, dict) and len(entry["quiet"]) == 4
    quiet = damage if damage == "wrong shape" else (damage,) * len(entry["quiet"])
    cache.put("latest", path.name, {**entry, "quiet": quiet})
    make(root, {"pkg/sine.py": SINE.format(objective="np.sin") + OWN})
    assert lint(root, seen) == [["numdiff.py", "sine.py"]]


def test_a_function_first_asked_for_by_its_caller_is_analysed_before_the_caller_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`a.py` changes and is checked with its cone: `top` reads `middle`'s summary, which reads
    `bottom`'s; each is analysed when first read, so none is visited twice (before, `middle` and
    `top` were visited again once their callees were done)."""
    a = "import numpy as np\n\nfrom .b import middle\n\n\ndef top(x):\n    y = middle(x)\n    x += 1\n    return y - x\n"
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/c.py": "def bottom(x):\n    x += 1\n    return x\n",
        "pkg/b.py": "from .c import bottom\n\n\ndef middle(x):\n    return bottom(x)\n",
        "pkg/a.py": a,
        "pkg/d.py": "from .b import middle\n\nprint(middle(1))\n",
    })
    run_cli(["-q", "."], cwd=tmp_path)
    make(tmp_path, {"pkg/a.py": a.replace("return y - x", "return y[0] - x")})
    checked = record_checks(monkeypatch)
    visits = record_visits(monkeypatch)
    after = run_cli(["-q", "."], cwd=tmp_path).output
    assert checked == [["a.py", "b.py", "c.py"]] and visits == ["<module>", "top", "middle", "bottom"]
    monkeypatch.undo()
    assert after == run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output


def test_a_function_an_earlier_check_found_to_say_nothing_is_not_analysed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`build` returns a new array and writes nothing a caller sees: its summary says nothing,
    and the component's check keeps that. When `a.py` changes and is checked with its cone, its
    call to `build` is answered from there: neither `build` nor `make`, which only `build`
    calls, is analysed, and `c.py` is not parsed. `scale` writes into its argument: it is."""
    a = ("import numpy as np\n\nfrom .b import build, scale\n\n\ndef top():\n    x = np.zeros(3) + build(3)\n"
         "    y = ident(x)\n    scale(x)\n    return y - x\n\n\ndef ident(v):\n    return v\n")
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/c.py": "import numpy as np\n\n\ndef make(n):\n    return np.zeros(n)\n",
        "pkg/b.py": "from .c import make\n\n\ndef build(n):\n    return make(n) * 2\n\n\ndef scale(x):\n    x *= 2\n",
        "pkg/a.py": a,
        "pkg/d.py": "from .b import build\n\nprint(build(1))\n",
    })
    run_cli(["-q", "."], cwd=tmp_path)
    make(tmp_path, {"pkg/a.py": a.replace("return y - x", "return y[0] - x")})
    checked = record_checks(monkeypatch)
    parsed = record_parses(monkeypatch)
    visits = record_visits(monkeypatch)
    after = run_cli(["-q", "."], cwd=tmp_path).output
    assert checked == [["a.py", "b.py", "c.py"]] and parsed == ["a.py", "b.py"]
    assert sorted(visits) == ["<module>", "ident", "scale", "top"]
    monkeypatch.undo()
    assert after == run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output == (
        "pkg/a.py:8:5: ALI001 [*] result of `ident(x)` aliases `x`, which is modified in place inside the call"
        " `scale(x)` at line 9 before this value is read at line 10; `ident` returns its argument\n"
        "pkg/a.py:14:12: ALI002 `ident` returns its argument `v` itself, not a copy; the result stored at line 8"
        " goes stale when the argument is modified in place\n"
    )
