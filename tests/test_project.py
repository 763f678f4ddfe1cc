"""Files of one run analysed together: a helper in one file, the aliasing objective in another."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from aliaslint import checker
from aliaslint.analysis.imports import ImportFacts, absolute_import, components, import_facts, module_name, module_names
from aliaslint.analysis import project
from aliaslint.analysis.project import SourceModule
from aliaslint.rules import context
from aliaslint.rules.context import OtherFiles

from conftest import record_checks, reported, run_cli

NUMDIFF = """\
import numpy as np


def num_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g
"""

MAIN = """\
import numpy as np

{imports}


def lin(x):
    return x


print({call}(lin, np.array([1.0, 2.0])))
"""


def make(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_two_file_user_story(tmp_path: Path) -> None:
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert r.output.splitlines() == [
        "main.py:7:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result stored at numdiff.py:9 "
        "goes stale when the argument is modified in place",
        "numdiff.py:9:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 10 before this "
        "value is read at line 13; `f` is `lin` (passed at main.py:10), which returns its argument",
        "numdiff.py:11:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at line 12 before this "
        "value is read at line 13; `f` is `lin` (passed at main.py:10), which returns its argument",
    ]
    assert r.exit_code == 1
    # Either file alone shows nothing: the bug needs both.
    assert run_cli(["numdiff.py"], cwd=tmp_path).output == "All checks passed!\n"
    assert run_cli(["main.py"], cwd=tmp_path).output == "All checks passed!\n"


def test_positions_are_made_only_for_the_files_that_report_or_hold_a_related_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Positions take a parse by LibCST. `main.py`'s finding points at `numdiff.py:9`, past five
    files of the component in path order that hold no finding and no related location: none of
    them is parsed for positions (it took every file before the one that held the node)."""
    fillers = {f"mz{k}.py": f"import numpy as np\nfrom numdiff import num_grad\n\nG{k} = num_grad(np.sin, np.ones(3))\n"
               for k in range(5)}
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad"),
                    **fillers})
    texts = {(tmp_path / name).read_text(): name for name in ["numdiff.py", "main.py", *fillers]}
    made: list[str] = []
    real = context.positions_as_parsed

    def positions_as_parsed(module, text=None):  # type: ignore[no-untyped-def]
        made.append(texts.get(text.decode() if isinstance(text, bytes) else text, "?"))
        return real(module, text)

    monkeypatch.setattr(context, "positions_as_parsed", positions_as_parsed)
    r = run_cli(["-q", "--no-cache", "."], cwd=tmp_path)
    assert [line.split(" ")[0] for line in r.output.splitlines()] == ["main.py:7:12:", "numdiff.py:9:9:", "numdiff.py:11:9:"]
    assert "(passed at main.py:10)" in r.output and "stored at numdiff.py:9" in r.output
    assert sorted(made) == ["main.py", "numdiff.py"]


def test_a_component_is_analysed_in_path_order_whatever_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """How much work the fixpoint does depends on the order it first visits scopes in, so the
    command line's order of paths must not reach it."""
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})
    seen = record_checks(monkeypatch)
    forward = run_cli(["-q", "--no-cache", "main.py", "numdiff.py"], cwd=tmp_path)
    backward = run_cli(["-q", "--no-cache", "numdiff.py", "main.py"], cwd=tmp_path)
    assert seen == [["main.py", "numdiff.py"], ["main.py", "numdiff.py"]]
    assert backward.output == forward.output and len(forward.output.splitlines()) == 3


def test_a_component_is_first_visited_callees_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files a file imports from are visited before it (their summaries are then done when it
    reads them), each file's scopes in their own order, every scope once; the path order is the
    other way round here, and so is one import, which goes round in a circle."""
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from .b import middle\n\n\ndef top(x):\n    return middle(x)\n",
        "pkg/b.py": "from .c import bottom\n\n\ndef middle(x):\n    return bottom(x)\n",
        "pkg/c.py": "def bottom(x):\n    x += 1\n    return x\n\n\ndef back():\n    from .a import top\n    return top\n",
    })
    orders: list[list[str]] = []
    real = project.callees_first

    def recording(modules, info, resolver):  # type: ignore[no-untyped-def]
        order = real(modules, info, resolver)
        orders.append([f"{Path(resolver.module_of(info.scopes[i]).path).name}:{info.scopes[i].name}" for i in order])
        return order

    monkeypatch.setattr(project, "callees_first", recording)
    run_cli(["-q", "--no-cache", "."], cwd=tmp_path)
    assert orders == [["c.py:<module>", "c.py:bottom", "c.py:back", "b.py:<module>", "b.py:middle",
                       "a.py:<module>", "a.py:top"]]


PROBLEM = """\
def identity(x):
    return x


class Problem:
    objective = staticmethod(identity)
"""

SOLVER = NUMDIFF + """

from .{problem} import Problem


def gradient(x):
    p = Problem()
    return num_grad(p.objective, x)
"""


@pytest.mark.parametrize("problem", ["aproblem", "zproblem"])
def test_what_a_file_concludes_does_not_depend_on_the_names_of_the_files_it_imports(
    tmp_path: Path, problem: str,
) -> None:
    """`gradient` reads the class attribute before `Problem`'s file is analysed when that file's
    path sorts after its own: the attribute must wake it when it appears."""
    make(tmp_path, {"pkg/__init__.py": "", f"pkg/{problem}.py": PROBLEM, "pkg/solver.py": SOLVER.format(problem=problem)})
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert sorted(r.output.splitlines(), key=lambda line: "problem" not in line) == [
        f"pkg/{problem}.py:2:12: ALI002 `identity` returns its argument `x` itself, not a copy; the result stored at "
        "pkg/solver.py:9 goes stale when the argument is modified in place",
        "pkg/solver.py:9:9: ALI001 result of `f(x)` aliases `x`, which is modified in place at line 10 before this "
        "value is read at line 13; `f` is `identity` (passed at line 22), which returns its argument",
        "pkg/solver.py:11:9: ALI001 result of `f(x)` aliases `x`, which is modified in place at line 12 before this "
        "value is read at line 13; `f` is `identity` (passed at line 22), which returns its argument",
    ]


def test_a_base_class_is_found_in_the_subclass_own_file_first(tmp_path: Path) -> None:
    """Two files of one component define a `Model`; `Fit`'s base is the one beside it, wherever the
    other file's path sorts."""
    model = "class Model:\n    def model(self, x):\n        return x{copy}\n"
    fit = NUMDIFF + "\n\n{model}\n\nclass Fit(Model):\n    def grad(self, x):\n        return num_grad(self.model, x)\n"
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": model.format(copy="") + "\n\nfrom .b import Fit\n",
        "pkg/b.py": fit.format(model=model.format(copy=".copy()")),
    })
    assert run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output == ""
    make(tmp_path, {"pkg/b.py": fit.format(model=model.format(copy=""))})
    assert reported(run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output) == {
        ("ALI001", 9, 9), ("ALI001", 11, 9), ("ALI002", 19, 16)}


@pytest.mark.parametrize("imports, base", [("from .b import Model", "Model"), ("from . import b", "b.Model")])
def test_a_base_class_is_the_one_its_import_names(tmp_path: Path, imports: str, base: str) -> None:
    """`a.py` and `b.py` both define a `Model`; `Fit` imports `b`'s, and `a` sorts first. Only
    `b`'s `Model` decides, whether it copies or not."""
    model = "class Model:\n    def model(self, x):\n        return x{copy}\n"
    fit = f"{imports}\n\n" + NUMDIFF + f"\n\nclass Fit({base}):\n    def grad(self, x):\n        return num_grad(self.model, x)\n"
    make(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": model.format(copy="") + "\n\nfrom .c import Fit\n",
        "pkg/b.py": model.format(copy=".copy()"),
        "pkg/c.py": fit,
    })
    assert run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output == ""
    make(tmp_path, {"pkg/b.py": model.format(copy="")})
    assert reported(run_cli(["-q", "--no-cache", "."], cwd=tmp_path).output) == {
        ("ALI001", 11, 9), ("ALI001", 13, 9), ("ALI002", 3, 16)}


def test_related_locations_name_the_other_file(tmp_path: Path) -> None:
    import json

    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})
    found = json.loads(run_cli(["--output-format", "json", "--select", "ALI001", "."], cwd=tmp_path).output)
    passed = [r for r in found[0]["related"] if r["message"] == "`lin` passed here"]
    assert passed == [{"message": "`lin` passed here", "filename": str(tmp_path / "main.py"),
                       "location": {"row": 10, "column": 7}, "end_location": {"row": 10, "column": 42}}]


def test_an_objective_with_several_returns_is_shown_by_its_first(tmp_path: Path) -> None:
    """The analysis keeps a function's return sites unordered; the message shows the first."""
    import json

    lin = "def lin(x, k=0):\n" + "".join(f"    if k == {k}:\n        return x\n" for k in range(6)) + "    return x\n"
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")
                    .replace("def lin(x):\n    return x\n", lin)})
    for _ in range(4):  # each run lays the trees out anew in memory, where their sets take their order
        found = json.loads(run_cli(["--output-format", "json", "--select", "ALI001", "--no-cache", "."], cwd=tmp_path).output)
        returns = [r["location"] for f in found for r in f["related"] if r["message"] == "`lin` returns this"]
        assert returns == [{"row": 8, "column": 16}] * 2


PACKAGE_FORMS = {
    "relative": ({"pkg/__init__.py": "", "pkg/util.py": NUMDIFF,
                  "pkg/main.py": MAIN.format(imports="from .util import num_grad", call="num_grad")}, "pkg/util.py"),
    "module_alias": ({"pkg/__init__.py": "", "pkg/grad.py": NUMDIFF,
                      "run.py": MAIN.format(imports="import pkg.grad as g", call="g.num_grad")}, "pkg/grad.py"),
    "reexport": ({"pkg/__init__.py": "from .util import num_grad\n", "pkg/util.py": NUMDIFF,
                  "run.py": MAIN.format(imports="from pkg import num_grad", call="num_grad")}, "pkg/util.py"),
    "parent_relative": ({"pkg/__init__.py": "", "pkg/num/__init__.py": "", "pkg/num/diff.py": NUMDIFF,
                         "pkg/app/__init__.py": "",
                         "pkg/app/main.py": MAIN.format(imports="from ..num.diff import num_grad", call="num_grad")},
                        "pkg/num/diff.py"),
}


def test_imports_between_files_are_followed(tmp_path: Path) -> None:
    for form, (files, helper) in PACKAGE_FORMS.items():
        root = tmp_path / form
        make(root, files)
        r = run_cli(["-q", "--select", "ALI001", "."], cwd=root)
        assert reported(r.output) == {("ALI001", 9, 9), ("ALI001", 11, 9)}, (form, r.output)
        assert all(line.startswith(f"{helper}:") for line in r.output.splitlines()), (form, r.output)


def test_an_objective_imported_into_the_helpers_file(tmp_path: Path) -> None:
    make(tmp_path, {
        "objectives.py": "def lin(x):\n    return x.T\n",
        "fd.py": NUMDIFF + "\n\nfrom objectives import lin\nnum_grad(lin, np.ones(3))\n",
    })
    r = run_cli(["-q", "."], cwd=tmp_path)
    assert reported(r.output) == {("ALI001", 9, 9), ("ALI001", 11, 9), ("ALI002", 2, 12)}


def test_look_alikes_across_files_stay_silent(tmp_path: Path) -> None:
    make(tmp_path / "copying", {"numdiff.py": NUMDIFF, "main.py": MAIN.format(
        imports="from numdiff import num_grad", call="num_grad").replace("return x\n", "return x.copy()\n")})
    make(tmp_path / "unrelated", {"a/numdiff.py": NUMDIFF, "b/numdiff.py": "def num_grad(f, x):\n    return 0\n",
                                  "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})
    for case in ("copying", "unrelated"):
        assert run_cli([str(tmp_path / case)]).output == "All checks passed!\n", case


def test_fix_copies_in_the_helpers_file_first(tmp_path: Path) -> None:
    main = MAIN.format(imports="from numdiff import num_grad", call="num_grad")
    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": main})
    r = run_cli(["--fix", "--unsafe-fixes", "."], cwd=tmp_path)
    assert r.output == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert (tmp_path / "main.py").read_text() == main  # ALI002 settled by the copies in numdiff.py
    assert "fp = f(x).copy()" in (tmp_path / "numdiff.py").read_text()
    assert run_cli(["."], cwd=tmp_path).output == "All checks passed!\n"


def test_module_names_and_components(tmp_path: Path) -> None:
    make(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": "", "top.py": ""})
    assert module_name(str(tmp_path / "pkg/sub/m.py")) == ("pkg.sub.m", False)
    assert module_name(str(tmp_path / "pkg/sub/__init__.py")) == ("pkg.sub", True)
    assert module_name(str(tmp_path / "top.py")) == ("top", False)
    paths = [str(tmp_path / p) for p in ("pkg/sub/m.py", "top.py", "pkg/sub/__init__.py", "pkg/__init__.py")]
    assert module_names(paths) == [("pkg.sub.m", False), ("top", False), ("pkg.sub", True), ("pkg", True)]
    m = SourceModule("m.py", "pkg.sub.m", False, None)  # type: ignore[arg-type]
    init = SourceModule("__init__.py", "pkg.sub", True, None)  # type: ignore[arg-type]
    assert absolute_import(m, ".util.f") == "pkg.sub.util.f"
    assert absolute_import(m, "..x") == "pkg.x"
    assert absolute_import(init, ".util") == "pkg.sub.util"
    assert absolute_import(m, "numpy.linalg") == "numpy.linalg"


def facts(name: str, source: str, package: bool = False) -> ImportFacts:
    return import_facts(ast.parse(textwrap.dedent(source)), name, package)


def test_files_are_linked_only_where_a_name_resolves_into_another_file() -> None:
    files = [
        facts("a", "import numpy as np\ndef f(x):\n    return x\n"),
        facts("b", "from a import f\nfrom a import missing\n"),  # f resolves: b joins a
        facts("c", "import numpy as np\nnp.zeros(3)\n"),  # numpy is not in the run
        facts("d", "import c\nc.np\n"),  # imports c, but `np` is no function or class of c
        facts("pkg", "from .impl import solve\n", package=True),  # re-export
        facts("pkg.impl", "class Model:\n    def fit(self):\n        pass\ndef solve(A):\n    pass\n"),
        facts("e", "import pkg as p\np.solve(1)\n"),  # resolves through pkg/__init__ into pkg.impl
        facts("g", "from pkg.impl import fit\n"),  # a method of a module-level class resolves too
    ]
    assert components(files) == [[0, 1], [2], [3], [4, 5, 6, 7]]
    twins = [facts("x", "def f():\n    pass\n"), facts("x", "def f():\n    pass\n"), facts("y", "from x import f\n")]
    assert components(twins) == [[0], [1], [2]]  # two files named alike link nowhere


def test_numpy_from_outside_gets_the_model_even_with_numpy_sources_in_the_run(tmp_path: Path) -> None:
    # a stand-in NumPy package whose `asarray` would copy: code outside it still gets the model's
    # `np.asarray` (no copy) and stays apart from NumPy's files; NumPy's own files link as usual
    files = [
        facts("numpy", "from ._core import asarray, zeros\n", package=True),
        facts("numpy._core", "def asarray(a):\n    return a.copy()\ndef zeros(n):\n    pass\n"),
        facts("numpy.linalg", "from numpy._core import asarray\n"),
        facts("user", "import numpy as np\nnp.asarray(1)\nfrom numpy import zeros\n"),
    ]
    assert components(files) == [[0, 1, 2], [3]]
    make(tmp_path, {
        "numpy/__init__.py": "from ._core import asarray\n",
        "numpy/_core.py": "def asarray(a):\n    return a.copy()\n",
        "main.py": "import numpy as np\n\n\ndef view(x):\n    return np.asarray(x)\n\n\n"
                   "def step(x):\n    before = view(x)\n    x[0] += 1.0\n    return before\n",
    })
    r = run_cli(["-q", "--select", "ALI001", "main.py", "numpy"], cwd=tmp_path)
    assert reported(r.output) == {("ALI001", 9, 5)}, r.output


@pytest.mark.parametrize("enabled", [True, False])
def test_linting_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    """The collector is off while a component is parsed and its trees are frozen while analysed
    (checker.py); afterwards it is as before, nothing stays frozen, and the findings are the same."""
    import gc

    from aliaslint.engine import SourceFile

    make(tmp_path, {"numdiff.py": NUMDIFF, "main.py": MAIN.format(imports="from numdiff import num_grad", call="num_grad")})
    files = [SourceFile(str(p), p.name, p.read_bytes()) for p in sorted(tmp_path.glob("*.py"))]
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        found = checker.lint_group(files)
        assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()
    assert [[(d.code, d.location.row) for d in f] for f in found] == [[("ALI002", 7)], [("ALI001", 9), ("ALI001", 11)]]


def test_worker_processes_collect_as_seldom_however_they_are_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers get the lint's collector thresholds from the pool itself, not by inheriting
    them from a forked parent: started anew ("spawn", the default on macOS and Windows), they
    would otherwise collect at Python's default and take about a third longer."""
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from aliaslint import engine

    seen: list[tuple[int, ...]] = []

    class Spawned(ProcessPoolExecutor):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(mp_context=multiprocessing.get_context("spawn"), **kwargs)  # type: ignore[arg-type]

        def __exit__(self, *exc: object) -> bool | None:
            seen.extend(self.submit(gc.get_threshold).result() for _ in range(2))
            return super().__exit__(*exc)

    make(tmp_path, {f"m{k}.py": f"def f{k}(x):\n    x += {k}\n    return x\n" for k in range(16)})
    monkeypatch.setattr(engine, "ProcessPoolExecutor", Spawned)
    assert run_cli(["--jobs", "2", "-q", "."], cwd=tmp_path).exit_code == 0
    assert seen == [engine._LINT_GC_THRESHOLDS] * 2 and gc.get_threshold() != engine._LINT_GC_THRESHOLDS


@pytest.mark.parametrize("path", sorted((Path(__file__).parent.parent / "aliaslint").rglob("*.py"))[:40],
                         ids=lambda p: p.name)
def test_the_survey_walks_the_nodes_ast_walk_gives_in_its_order_but_contexts_and_operators(path: Path) -> None:
    """The walk that finds imports, attribute chains and in-place writes (`imports._nodes`) leaves
    out only `Load`/`Store`/`Del`, the operators, names and constants (none of which is an import,
    a chain or a write), and keeps `ast.walk`'s breadth-first order: of two module-level imports
    of one name, the one it meets last is the re-export."""
    from aliaslint.analysis.imports import _nodes

    tree = ast.parse(path.read_bytes())
    skipped = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.Name, ast.Constant)
    assert [id(n) for n in _nodes(tree)] == [id(n) for n in ast.walk(tree) if not isinstance(n, skipped)]


def test_a_worker_waiting_for_work_ends_quietly_on_ctrl_c() -> None:
    """Ctrl-C reaches every process of the run; a worker waiting for its next task (the pool's,
    while the big checks run in processes of their own) printed a KeyboardInterrupt traceback
    under the run's one line."""
    import subprocess
    import sys

    script = textwrap.dedent("""
        import multiprocessing, os, signal, time
        from concurrent.futures import ProcessPoolExecutor
        from aliaslint import engine

        if __name__ == "__main__":
            with ProcessPoolExecutor(1, initializer=engine._start_worker) as pool:
                pid = pool.submit(os.getpid).result()
                time.sleep(0.3)  # waiting for its next task
                os.kill(pid, signal.SIGINT)
                deadline = time.monotonic() + 20
                while pid in {p.pid for p in multiprocessing.active_children()} and time.monotonic() < deadline:
                    time.sleep(0.05)
                print("ended" if pid not in {p.pid for p in multiprocessing.active_children()} else "running")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ended" and "Traceback" not in done.stderr, done.stderr


def test_the_other_files_of_a_component_are_every_file_but_the_one_checked() -> None:
    import libcst as cst

    a, b, c = (cst.parse_module(f"x = {k}\n") for k in range(3))
    files = [("a.py", a), ("b.py", b), ("c.py", c)]
    others = OtherFiles(files, 1)
    assert list(others) == [("a.py", a), ("c.py", c)]
    assert len(others) == 2 and others
    assert list(OtherFiles(files, 0)) == [("b.py", b), ("c.py", c)]
    assert not OtherFiles(files[:1], 0)  # a file alone: it owns every node it is asked about
