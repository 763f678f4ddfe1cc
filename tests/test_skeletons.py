"""Files parsed without their functions' bodies (`aliaslint/skeletons.py`): what is left out, that
a body parsed on its own has the positions of the whole file's parse, and that a check of a file
with its cone gives what the whole check gives while parsing only the bodies it analyses."""

from __future__ import annotations

import json
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

import aliaslint
from aliaslint import checker, cst_from_ast, skeletons
from aliaslint.analysis.walk import children
from aliaslint.cst_from_ast import FILLER
from aliaslint.skeletons import BodyNotParsed, parse_skeleton

from conftest import FIXTURES, record_checks, run_cli
from test_cones import OWN
from test_project import make

SOURCE = '''\
import numpy as np


@register(
    "grad",
)
def num_grad(f, x,
             h=1e-6):
    """Central differences."""
    g = np.zeros_like(x)
    for i in range(x.size):  # x is restored below
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old
        g[i] = (fp - f(x)) / h
    return g


def short(x): return x


def wrapper(f):
    @functools.wraps(f)
    def inner(*args):
        return f(*args)
    return inner
    # after the last statement: LibCST puts this in the body's block


class Scaler:
    factor = 2

    def scale(self, v):
        w = v * self.factor
        inner = lambda u: u.T
        return inner(w)

    @staticmethod
    def made():
        class Local:
            pass
        return Local

    def counter(self):
        n = 0

        def bump():
            nonlocal n
            n += 1
        return bump


if True:
    def hidden(x):
        return x


def last(a):
\ty = a
\treturn y'''


def positions(module: cst.Module) -> dict[cst.CSTNode, tuple[int, int, int, int]]:
    found = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {n: as_tuple(r) for n, r in found.items()}


def as_tuple(r: CodeRange) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.column, r.end.line, r.end.column)


def nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node under ``node`` that the analysis can reach (not whitespace, comments and empty
    lines: LibCST puts the comments after a body's last statement in its block, which a body
    parsed on its own ends before), in the order of the tree."""
    out = [node]
    for child in children(node):
        out.extend(nodes(child))
    return out


def test_only_bodies_on_lines_of_their_own_that_define_no_class_and_say_no_nonlocal_are_left_out() -> None:
    skeleton = parse_skeleton(SOURCE)
    assert skeleton is not None
    assert sorted(stub.name.value for stub in skeleton.stubs) == ["last", "num_grad", "scale", "wrapper"]
    assert skeleton.module.code.count("\n") == SOURCE.count("\n")
    whole = cst.parse_module(SOURCE)
    kept = [s for s in whole.body if not isinstance(s, cst.FunctionDef) or s.name.value == "short"]
    left = [s for s in skeleton.module.body if not isinstance(s, cst.FunctionDef) or s.name.value == "short"]
    assert len(kept) == len(left) == 4
    assert [positions(whole)[s] for s in kept] == [positions(skeleton.module)[s] for s in left]


def test_a_body_parsed_on_its_own_has_the_positions_of_the_whole_files_parse() -> None:
    skeleton = parse_skeleton(SOURCE)
    assert skeleton is not None
    stubs = {stub.name.value: stub for stub in skeleton.stubs}
    made = {name: skeleton.parse_body(stub) for name, stub in stubs.items()}
    own = positions(skeleton.module)
    shifted = skeleton.body_positions(MetadataWrapper(skeleton.module, unsafe_skip_copy=True).resolve(PositionProvider))
    whole = cst.parse_module(SOURCE)
    expected = positions(whole)
    by_name = {n.name.value: n for n in functions(whole)}
    for name, function in made.items():
        assert function.params is stubs[name].params  # the header's nodes are the skeleton's
        got = [as_tuple(shifted[n]) if n in shifted else own[n] for n in nodes(function.body)]
        assert got == [expected[n] for n in nodes(by_name[name].body)]
        start = as_tuple(shifted[function])[:2]
        assert start == expected[by_name[name]][:2] == own[stubs[name]][:2]
    assert not skeleton.stubs


def functions(module: cst.Module) -> list[cst.FunctionDef]:
    """Module-level functions and methods of module-level classes, in the order of the file."""
    out: list[cst.FunctionDef] = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            out.append(stmt)
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            out.extend(functions(cst.Module(body=stmt.body.body)))
    return out


def bodies_keep_their_places(sources: list[Path], convert: bool = False) -> int:
    """Every body of these files parsed on its own has the positions of the whole file's parse,
    for every node the analysis can reach, and each expression its text (through its LibCST node,
    see `Skeleton.as_parsed`); how many bodies. With ``convert``, the skeleton and bodies are
    built from ``ast``."""
    checked = 0
    for path in sources:
        text = path.read_text(encoding="utf-8")
        skeleton = parse_skeleton(text, convert=convert)
        if skeleton is None:
            continue
        assert skeleton.converted == convert or "match" in text, path
        made = {id(stub): skeleton.parse_body(stub) for stub in list(skeleton.stubs)}
        shifted, node_of = skeleton.as_parsed()
        whole = cst.parse_module(text)
        expected = positions(whole)
        for original, stub in zip(functions(whole), functions(skeleton.module), strict=True):
            if id(stub) in made:
                body = made[id(stub)].body
                # (spaces and punctuation, which nothing asks the place of, are shared in a converted tree)
                ours, theirs = ([n for n in nodes(b) if not isinstance(n, FILLER)] for b in (body, original.body))
                assert [as_tuple(shifted[n]) for n in ours] == [expected[n] for n in theirs], path
                assert [whole.code_for_node(node_of.get(n, n)) for n in ours if isinstance(n, cst.BaseExpression)] \
                    == [whole.code_for_node(n) for n in theirs if isinstance(n, cst.BaseExpression)], path
                checked += 1
        assert bool(skeleton.converted_bodies) == (convert and bool(made)), path
    return checked


PACKAGE = Path(aliaslint.__file__).parent


@pytest.mark.parametrize("convert", [False, True], ids=["libcst", "from ast"])
def test_every_body_of_two_large_modules_parsed_on_its_own_has_the_whole_files_positions(convert: bool) -> None:
    """The same over real code: decorators, signatures over several lines, comments and blank
    lines at a body's end, nested functions and lambdas. `pytest -m slow` runs it over all of
    aliaslint and its fixtures, `benchmarks/skeletons.py` over the 52,254 bodies of the numpy,
    scipy and scikit-learn corpus."""
    two = [PACKAGE / "analysis" / "flow.py", PACKAGE / "confirm" / "sandbox.py"]
    assert bodies_keep_their_places(two, convert) > 100


@pytest.mark.slow
@pytest.mark.parametrize("convert", [False, True], ids=["libcst", "from ast"])
def test_every_body_of_aliaslint_and_its_fixtures_parsed_on_its_own_has_the_whole_files_positions(convert: bool) -> None:
    sources = sorted(PACKAGE.rglob("*.py")) + sorted(FIXTURES.rglob("*.py"))
    assert bodies_keep_their_places(sources, convert) > 900


def test_a_file_with_nothing_to_leave_out_or_that_python_cannot_parse_is_parsed_whole() -> None:
    assert parse_skeleton("def f(x): return x\n\nclass A:\n    def g(self): return 1\n") is None
    assert parse_skeleton("def f(x):\n    return x +\n") is None


def test_a_body_libcst_cannot_parse_on_its_own_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    skeleton = parse_skeleton(SOURCE)
    assert skeleton is not None
    stub = next(s for s in skeleton.stubs if s.name.value == "scale")

    def refuse(text: str) -> cst.Module:
        raise cst.ParserSyntaxError("refused", lines=[text], raw_line=1, raw_column=0)

    monkeypatch.setattr(cst_from_ast, "parse_module", refuse)  # what LibCST parses, for skeletons and bodies
    with pytest.raises(BodyNotParsed):
        skeleton.parse_body(stub)


UTIL = '''\
import numpy as np


def unused(a):
    b = a * 2
    return b


class Scaler:
    def scale(self, v):
        w = v * 2.0
        return w if w.any() else v

    def other(self):
        return np.ones(2)


def doubled(v):
    return Scaler().scale(v)
'''

# its own finding (`test_cones.OWN`'s), and a call whose summary is in `util.py` (it may return
# its argument: a summary that says nothing would be taken from the last check, see
# test_cones.py, and its body not parsed)
USE = "import numpy as np\n\nfrom .util import doubled\n" + OWN.replace("return fp - x", "return fp - doubled(x)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make(tmp_path, {  # `more.py` makes a component large enough to check a file with its cone
        "pkg/util.py": UTIL,
        "pkg/use.py": USE.replace("x += 1.0", "x = x + 1.0"),
        "pkg/more.py": "from .util import unused\n\nprint(unused(2))\n",
    })
    return tmp_path


def record_bodies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions whose bodies are parsed on their own from now on."""
    parsed: list[str] = []
    real = skeletons.Skeleton.parse_body

    def recording(self: skeletons.Skeleton, stub: cst.FunctionDef) -> cst.FunctionDef:
        parsed.append(stub.name.value)
        return real(self, stub)

    monkeypatch.setattr(skeletons.Skeleton, "parse_body", recording)
    return parsed


def test_a_file_checked_with_its_cone_parses_only_the_bodies_its_analysis_reads(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`use.py` changes and is checked with `util.py`, which it reads: of `util.py`'s functions
    only `doubled` and the method it calls are parsed. Where they stand comes from the engine's
    `ast` pass, which every file goes through: `util.py` is not parsed by `ast` again."""
    args = ["--output-format", "json", "."]
    assert json.loads(run_cli(args, cwd=project).output) == []
    make(project, {"pkg/use.py": USE})
    checked = record_checks(monkeypatch)
    bodies = record_bodies(monkeypatch)
    monkeypatch.setattr(skeletons, "function_spans", lambda tree: pytest.fail("parsed by ast again"))
    after = run_cli(args, cwd=project).output
    assert checked == [["use.py", "util.py"]] and sorted(bodies) == ["doubled", "scale"]
    assert after == run_cli(["--no-cache", *args], cwd=project).output
    assert [(d["code"], d["location"]["row"], d["location"]["column"]) for d in json.loads(after)] == [
        ("ALI002", 7, 12), ("ALI001", 12, 5)]
    # that LibCST parses `util.py` whole is still known: it was not parsed whole since
    make(project, {"pkg/use.py": "# again\n" + USE})
    bodies.clear()
    assert json.loads(run_cli(args, cwd=project).output)[0]["location"]["row"] == 8
    assert sorted(bodies) == ["doubled", "scale"]


def test_a_body_that_cannot_be_parsed_on_its_own_has_its_file_parsed_whole(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--output-format", "json", "."]
    run_cli(args, cwd=project)
    make(project, {"pkg/use.py": USE})
    real = skeletons.Skeleton.parse_body

    def refusing(self: skeletons.Skeleton, stub: cst.FunctionDef) -> cst.FunctionDef:
        if stub.name.value == "scale":
            raise BodyNotParsed("scale")
        return real(self, stub)

    monkeypatch.setattr(skeletons.Skeleton, "parse_body", refusing)
    whole: list[str] = []
    real_parse = checker._parse
    monkeypatch.setattr(checker, "_parse", lambda f, *rest: whole.append(Path(f.path).name) or real_parse(f, *rest))
    after = run_cli(args, cwd=project).output
    assert whole == ["use.py", "util.py"]
    assert after == run_cli(["--no-cache", *args], cwd=project).output != "[]\n"


def test_a_file_libcst_could_not_parse_whole_is_never_parsed_without_its_bodies(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file only CPython parses takes part in nothing in a check of its whole component; its
    skeleton could parse, so a check with cones parses it whole too (`util.py` stands for such a
    file here: LibCST is made to refuse it)."""
    real_parse = checker._parse

    def refuse_util(f: checker.SourceFile, *rest: object) -> object:
        if Path(f.path).name == "util.py":
            raise_at = cst.ParserSyntaxError("refused", lines=["x"], raw_line=1, raw_column=0)
            return checker._syntax_error(b"x = (\n", f.shown, raise_at)
        return real_parse(f, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(checker, "_parse", refuse_util)
    args = ["--output-format", "json", "."]
    run_cli(args, cwd=project)
    make(project, {"pkg/use.py": USE})
    checked = record_checks(monkeypatch)
    bodies = record_bodies(monkeypatch)
    after = run_cli(args, cwd=project).output
    assert checked == [["use.py", "util.py"]] and bodies == []
    assert after == run_cli(["--no-cache", *args], cwd=project).output
    assert [(d["code"], Path(d["filename"]).name) for d in json.loads(after)] == [
        ("ALI002", "use.py"), ("ALI001", "use.py"), ("ALI900", "util.py")]
