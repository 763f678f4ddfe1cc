"""The work aliaslint skips changes nothing: linking only files whose names resolve into each other,
leaving unparsed a lone file without any in-place write, and spreading components over worker
processes give exactly the diagnostics of analysing every file of the run as one component, and so
does the order of a component's files. A file and the files that read it get the same diagnostics
from the files they read alone, and when they settle nothing elsewhere, a change to the file
changes nothing of the others'."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest

from aliaslint import checker, engine, skeletons
from aliaslint.analysis import project
from aliaslint.analysis.scopes import ModuleInfo, binds_in_expressions, collect_scopes
from aliaslint.analysis.imports import (
    FunctionSpan, Links, components, cone, layers_by_package, module_name, readers, resolution_links,
)
from aliaslint.analysis.tables import SharedTable
from aliaslint.cache import Cache, content_digest
from aliaslint.diagnostics import Diagnostic
from aliaslint.checker import check_group, lint_group
from aliaslint.cst_from_ast import convert_marked, tree_of
from aliaslint.engine import SourceFile, lint_sources
from aliaslint.survey import survey_files
from aliaslint.skeletons import Skeleton
from aliaslint.sources import file_error

from conftest import FIXTURES, record_checks, run_cli
from test_cones import OWN, SINE
from test_project import MAIN, NUMDIFF, make

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module", params=[False, pytest.param(True, marks=pytest.mark.slow)], ids=["sample", "all"])
def all_real_code(request: pytest.FixtureRequest) -> bool:
    """Whether the real code linted is all of aliaslint and its benchmarks (under ``-m slow``) or
    a sample: its analysis and rules (two components of several files) and its example (findings);
    the sample takes about half the time in every test that uses it."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, all_real_code: bool) -> list[SourceFile]:
    project = tmp_path_factory.mktemp("project")
    make(project, {
        "pkg/__init__.py": "from .numdiff import num_grad\n",
        "pkg/numdiff.py": NUMDIFF,
        "main.py": MAIN.format(imports="import pkg", call="pkg.num_grad"),
        "other.py": MAIN.format(imports="from pkg.numdiff import num_grad as g", call="g"),
        "pkg/sine.py": SINE.format(objective="np.sin") + OWN,  # its own findings, none elsewhere
    })
    paths = sorted(project.rglob("*.py"))
    paths += sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "tests" / "fixes").glob("*.py"))
    if all_real_code:
        paths += sorted((ROOT / "aliaslint").rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))
    else:
        paths += [p for part in ("analysis", "rules", "examples") for p in sorted((ROOT / "aliaslint" / part).glob("*.py"))]
    return [SourceFile(str(p), str(p), p.read_bytes()) for p in paths]


@pytest.fixture(scope="module")
def expected(files: list[SourceFile]) -> list[list[Diagnostic]]:
    return lint_group(files)  # one component: every name resolves wherever it can


def test_linking_and_skipping_change_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert sum(map(len, expected)) > 100  # the comparison covers many findings, in several files each
    assert any(d.related and any(r.path for r in d.related) for found in expected for d in found)
    assert lint_sources(files) == expected


def _described(info: ModuleInfo) -> list[tuple[object, ...]]:
    """Everything collecting a module's scopes finds, by node identity and scope number."""
    scopes = [(s.index, s.name, id(s.node), s.parent and s.parent.index, s.cls and s.cls.index,
               [(p.name, p.index, p.positional, id(p.annotation)) for p in s.params],
               sorted(s.locals), sorted(s.declared_global), s.imports, s.star_imports, s.decorators,
               sorted(s.assigned), sorted(s.attr_targets), [c.index for c in s.children]) for s in info.scopes]
    classes = [(c.index, c.name, id(c.node), c.bases, sorted(c.methods), c.where and c.where.index)
               for c in info.classes]
    return [*scopes, *classes]


def test_scopes_are_collected_without_expressions_only_where_no_expression_binds(files: list[SourceFile]) -> None:
    """A file with no ``lambda`` and no ``:=`` has no scope and binds no name in an expression:
    collecting its scopes without entering its expressions finds all of it, for trees built from
    ``ast`` and LibCST's alike. Where an expression binds, it would not."""
    left_out = 0
    for f in files:
        for convert in (True, False):
            module = tree_of(f.source, convert)[0]  # type: ignore[arg-type]
            if not binds_in_expressions(f.source):
                left_out += 1
                assert _described(collect_scopes(module, expressions=False)) == _described(collect_scopes(module))
    assert left_out > 150
    binding = "f = lambda x: x\nif (n := 3):\n    pass\n"
    module = cst.parse_module(binding)
    assert binds_in_expressions(binding) and binds_in_expressions(binding.encode())
    assert [s.name for s in collect_scopes(module).scopes] == ["<module>", "f"]
    assert collect_scopes(module).scopes[0].locals == {"f", "n"}
    assert collect_scopes(module, expressions=False).scopes[0].locals == {"f"}  # what the flag is for
    assert binds_in_expressions(b"# -*- coding: latin-1 -*-\nx = 1\n")  # other encodings: taken to


def test_scopes_are_collected_entering_only_the_expressions_of_the_statements_that_bind(files: list[SourceFile]) -> None:
    """The conversion from ``ast`` marks the statements whose own expressions hold a ``lambda``
    or a ``:=`` (`cst_from_ast.convert_marked`); collecting a file's scopes entering only those
    finds all that entering every expression does."""
    marked = 0
    for f in files:
        module, binding = tree_of(f.source, True)
        if binding is None:
            continue
        marked += bool(binding)
        assert _described(collect_scopes(module, binding)) == _described(collect_scopes(module))
    assert marked > 5
    source = ("f = lambda x: x\nif (n := 3):\n    y = [m := 1 for _ in ()]\nclass A:\n    key = sorted(k, key=lambda k: -k)\n"
              "def g(a=lambda: 0):\n    return a\ns = f\"{(lambda: 1)()}\"\nt = 2\n")
    module, binding = convert_marked(source)
    assign_f, if_n, class_a, def_g, assign_s, _ = module.body
    inner = if_n.body.body[0].body[0]
    key = class_a.body.body[0].body[0]
    assert binding == {assign_f.body[0], if_n, inner, key, def_g, assign_s.body[0]}
    info = collect_scopes(module, binding)
    assert [s.name for s in info.scopes] == ["<module>", "f", "A.<lambda>", "g", "g.<lambda>", "<lambda>"]
    assert info.scopes[0].locals == {"f", "n", "y", "m", "A", "g", "s", "t"}
    assert _described(info) == _described(collect_scopes(module))
    assert _described(collect_scopes(module, frozenset())) != _described(info)  # what the marks are for


def test_a_body_parsed_on_its_own_is_collected_entering_only_the_statements_that_bind(files: list[SourceFile]) -> None:
    """A body a skeleton's function gets when its analysis starts (`scopes.add_body`) comes,
    when built from ``ast``, with its statements whose expressions bind: the scopes and names it
    adds are those of a walk into every expression."""
    from aliaslint.analysis.scopes import add_body

    bodies = marked = 0
    for f in files:
        text = f.source.decode("utf-8") if isinstance(f.source, bytes) else f.source  # type: ignore[union-attr]
        skeleton = skeletons.parse_skeleton(text, None, True)
        if skeleton is None:
            continue
        parsed = {stub: project._body(skeleton, stub) for stub in list(skeleton.stubs)}  # each body once
        described = []
        for with_marks in (True, False):
            info = collect_scopes(skeleton.module)
            stubbed = [s for s in info.scopes if s.node in parsed]
            for s in stubbed:
                node, binding = parsed[s.node]
                s.unparsed = lambda node=node, binding=binding: (node, binding if with_marks else None)
            for s in stubbed:
                add_body(info, s)
            described.append(_described(info))
        assert described[0] == described[1], f.path
        bodies += len(parsed)
        marked += sum(1 for _, binding in parsed.values() if binding)
    assert bodies > 500 and marked > 5


def test_worker_processes_change_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert lint_sources(files, jobs=2) == expected


def test_the_order_of_a_components_files_changes_nothing(files: list[SourceFile], expected: list[list[Diagnostic]]) -> None:
    assert lint_group(files[::-1])[::-1] == expected


def test_the_order_scopes_are_first_visited_in_changes_nothing(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A component's scopes are first visited callees first (`project.callees_first`), only so that
    fewer are visited again. The other way round, functions before the module bodies that define
    them, the fixpoint comes to the same."""
    def backwards(modules, info, resolver):  # type: ignore[no-untyped-def]
        return [s.index for m in modules for s in m.info.scopes][::-1]

    monkeypatch.setattr(project, "callees_first", backwards)
    assert lint_group(files) == expected


def sinks(group: list[int], edges: list[set[int]]) -> list[int]:
    """The files of a component that no other file reaches: none reads what they conclude."""
    reached = {j for i in group for j in edges[i]}
    return [i for i in group if i not in reached]


def test_a_file_and_its_readers_need_only_their_cones_and_one_that_stays_home_changes_nothing_elsewhere(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch, all_real_code: bool,
) -> None:
    """What the engine relies on to re-check a changed file and the files that read it with only
    the files they read (see test_cones.py), over every component of several files: the project
    above and aliaslint's own code. The cones' files are parsed without their functions' bodies,
    each parsed when its analysis starts (see skeletons.py). Of the files that are read and stay
    home, and of those without diagnostics, it tries the first three of each component with all
    the real code, one with the sample (each try checks the component again)."""
    tried = 3 if all_real_code else 1
    bodies = [0, 0]  # parsed on their own; left out in all
    real_body, real_skeleton = Skeleton.parse_body, skeletons.parse_skeleton

    def parse_body(self: Skeleton, stub: cst.FunctionDef) -> cst.FunctionDef:
        bodies[0] += 1
        return real_body(self, stub)

    def parse_skeleton(text: str, functions: tuple[FunctionSpan, ...] | None, convert: bool = False) -> Skeleton | None:
        found = real_skeleton(text, functions, convert)
        bodies[1] += len(found.stubs) if found is not None else 0
        return found

    monkeypatch.setattr(Skeleton, "parse_body", parse_body)
    monkeypatch.setattr(checker, "parse_skeleton", parse_skeleton)
    names = [module_name(f.path) for f in files]
    files, facts = survey_files(files, names, [content_digest(f.source) for f in files], None)
    links = resolution_links(facts)
    edges = links.edges()
    seen_alone = seen_not_alone = seen_read = told_of = 0
    for group in components(facts, edges):
        if len(group) < 3:
            continue
        full = check_group([files[i] for i in group], None, range(len(group)))
        mine = {i: full.diagnostics[k] for k, i in enumerate(group)}
        alone = {group[k] for k in full.alone}
        seen_alone += len(alone)
        seen_not_alone += len(set(group) - alone)
        # the others' diagnostics are the same without what the sinks that stay home say
        ends = sinks(group, edges)
        emptied = check_group([replace(files[i], source=b"") if i in alone and i in ends else files[i] for i in group])
        assert [d for i, d in zip(group, emptied.diagnostics, strict=True) if i not in alone or i not in ends] == [
            mine[i] for i in group if i not in alone or i not in ends]
        # and the same without a file read by others, when it and they all stay home, except theirs
        for f in [f for f in group if f not in ends and set(readers([f], group, links)) <= alone][:tried]:
            again = set(readers([f], group, links))
            emptied = check_group([replace(files[i], source=b"") if i == f else files[i] for i in group])
            assert [d for i, d in zip(group, emptied.diagnostics, strict=True) if i not in again] == [
                mine[i] for i in group if i not in again]
            seen_read += 1
        # and a file's readers' own diagnostics are those of their cones: for every file with
        # diagnostics or settling elsewhere, and a few others
        for f in [f for f in group if mine[f] or f not in alone] + [f for f in group if not mine[f] and f in alone][:tried]:
            again = readers([f], group, links)
            reached = cone(again, group, links)
            at = [reached.index(i) for i in again]
            known = [k for k, i in enumerate(reached) if group.index(i) in full.parsed]
            checked = check_group([files[i] for i in reached], at, at, known)
            for i, k in zip(again, at, strict=True):
                assert checked.diagnostics[k] == mine[i], files[i].path
                assert (k in checked.alone) == (i in alone), files[i].path
            # and the same again when the functions the component's check found to say nothing
            # (those of the files not checked again) are taken from it rather than analysed
            quiet = {k: full.quiet[group.index(i)] for k, i in enumerate(reached)
                     if i not in again and group.index(i) in full.quiet}
            told = check_group([files[i] for i in reached], at, at, known, None, quiet)
            assert (told.diagnostics, told.alone) == (checked.diagnostics, checked.alone)
            told_of += sum(map(len, quiet.values()))
    assert seen_alone > 10 and seen_not_alone >= 2  # `main.py` and `other.py` settle findings in `numdiff.py`
    assert seen_read >= 2 and told_of > (100 if all_real_code else 40), told_of
    assert bodies[1] > 2 * bodies[0] > (100 if all_real_code else 40), bodies


def test_every_fact_is_written_by_the_scope_its_key_names(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch, all_real_code: bool,
) -> None:
    """Checking one file with the files it reads analyses only the scopes its findings read, found
    as they read: a fact's writer is told from the fact's key (`SharedTable`'s `writer`). Every
    write over every fixture and aliaslint's own code, analysed as one component, is by that scope."""
    wrong: list[tuple[object, int, int | None]] = []
    written = [0]
    real_set, real_default = SharedTable.__setitem__, SharedTable.setdefault

    def check(table: SharedTable, key: object) -> None:
        current = table._readers.current
        if current is not None:  # summaries and bindings are written between visits
            written[0] += 1
            if table._writer(key) != current:
                wrong.append((key, current, table._writer(key)))

    def setitem(self: SharedTable, key: object, value: object) -> None:
        check(self, key)
        real_set(self, key, value)

    def setdefault(self: SharedTable, key: object, default: object = None) -> object:
        check(self, key)
        return real_default(self, key, default)

    monkeypatch.setattr(SharedTable, "__setitem__", setitem)
    monkeypatch.setattr(SharedTable, "setdefault", setdefault)
    lint_group(files)
    assert written[0] > (5_000 if all_real_code else 4_000) and wrong == []


# The project's five files and enough fixtures for the run to use worker processes.
SMALL = 20


def _recorded_splits(monkeypatch: pytest.MonkeyPatch) -> list[engine._Split]:
    """Every component of three files or more is split, and the splits are kept here."""
    splits: list[engine._Split] = []
    real = engine._Split.of

    def of(*args):  # type: ignore[no-untyped-def]
        found = real(*args)
        if found is not None:
            splits.append(found)
        return found

    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    monkeypatch.setattr(engine._Split, "of", staticmethod(of))
    return splits


@pytest.mark.parametrize(("jobs", "count", "part_bytes"), [(2, SMALL, None), (3, None, None), (2, None, 5_000)])
def test_a_component_split_in_two_steps_changes_nothing(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch, jobs: int,
    count: int | None, part_bytes: int | None,
) -> None:
    """A big component checked in worker processes is checked in two steps (`engine._Split`):
    its sinks in parts with their cones, then the rest with the sinks that settle something
    elsewhere (`main.py` and `other.py` settle `numdiff.py`'s latent finding: without them, its
    diagnostics would lack it). Here every component of three files or more is split: the
    project's alone, and with the fixtures and aliaslint's own code, in a part per worker, or
    in more parts than workers when the sinks are more than `_PART_BYTES`."""
    splits = _recorded_splits(monkeypatch)
    if part_bytes is not None:
        monkeypatch.setattr(engine, "_PART_BYTES", part_bytes)
    assert lint_sources(files[:count], jobs=jobs) == expected[:count]
    if part_bytes is None:
        assert splits and max(len(s.parts) for s in splits) == jobs
    else:
        assert max(len(s.parts) for s in splits) > jobs
    assert any(len(s.steps[-1]) > len(s.core) for s in splits)  # sinks that settle elsewhere, in the second step


# Two packages, `up` reading `low`: a sink settles a latent finding of each (`main.py` of
# `up/grad.py`'s `up_grad`, `other.py` of `low/numdiff.py`'s `num_grad2`), and `up/grad.py` one of
# `low/numdiff.py`'s `num_grad`.
TWO_PACKAGES = {
    "low/__init__.py": "",
    "low/numdiff.py": NUMDIFF + "\n\n" + NUMDIFF.split("\n\n\n", 1)[1].replace("num_grad", "num_grad2"),
    "up/__init__.py": "",
    "up/grad.py": NUMDIFF.replace("num_grad", "up_grad") + (
        "\n\nfrom low.numdiff import num_grad\n\n\ndef lin(x):\n    return x\n\n\n"
        "def check():\n    return num_grad(lin, np.array([1.0, 2.0]))\n"),
    "main.py": MAIN.format(imports="from up.grad import up_grad", call="up_grad"),
    "other.py": MAIN.format(imports="from low.numdiff import num_grad2", call="num_grad2"),
}


def _links(defines: dict[int, set[int]], n: int) -> Links:
    return Links([defines.get(i, set()) for i in range(n)], [set() for _ in range(n)])


def test_a_core_is_layered_along_its_packages_from_the_top() -> None:
    """Packages `c` reads `b` and `a`, `b` reads `a`, `d` nothing: each layer holds what its
    files read below it or within it, at most `most` bytes unless one package is more, filled
    from the top (the packages that read the others)."""
    packages = ["a", "a", "b", "c", "d"]
    links = _links({2: {0}, 3: {2, 1}}, 5)
    sizes = [10, 10, 30, 30, 5]
    assert layers_by_package(range(5), links, sizes, packages, 35) == [[3, 4], [2], [0, 1]]
    assert layers_by_package(range(5), links, sizes, packages, 65) == [[2, 3, 4], [0, 1]]
    assert layers_by_package(range(5), links, sizes, packages, 85) == [[0, 1, 2, 3, 4]]
    assert layers_by_package(range(5), links, sizes, packages, 1) == [[4], [3], [2], [0, 1]]
    assert layers_by_package(range(3), links, sizes, packages, 15) == [[2], [0, 1]]
    # nothing reads a layer above its own, whatever the sizes
    for sizes in ([1, 1, 1, 100, 1], [100, 1, 1, 1, 1], [1, 1, 100, 1, 1]):
        layers = layers_by_package(range(5), links, sizes, packages, 50)
        level = {i: n for n, layer in enumerate(layers) for i in layer}
        assert len(layers) > 1 and all(level[j] >= level[i] for i in range(5) for j in links.defines[i])


def test_packages_that_read_each_other_round_share_a_layer() -> None:
    packages = ["a", "b", "c"]
    assert layers_by_package(range(3), _links({0: {1}, 1: {2}, 2: {0}}, 3), [5, 5, 5], packages, 1) == [[0, 1, 2]]
    assert layers_by_package(range(2), _links({0: {1}}, 2), [5, 5], ["a", "a"], 1) == [[0, 1]]  # one package
    # `a` and `b` read each other, `c` reads `a`
    assert layers_by_package(range(3), _links({0: {1}, 1: {0}, 2: {0}}, 3), [1, 1, 50], packages, 10) == [[2], [0, 1]]
    # a re-export (`passes`) reads as a definition does: `a` passes through `b`, which reads `a`
    passing = Links([set(), {2}, set()], [{1}, set(), set()])
    assert layers_by_package(range(3), passing, [1, 1, 50], ["a", "b", "a"], 1) == [[0, 1, 2]]
    passing = Links([set(), set(), set()], [{1}, set(), set()])
    assert layers_by_package(range(3), passing, [1, 1, 50], ["a", "b", "a"], 1) == [[0, 2], [1]]


@pytest.mark.parametrize("pooled", [False, True])
def test_a_big_core_is_checked_in_layers_along_its_packages(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pooled: bool,
) -> None:
    """A split component's core of more than `_WHOLE_CORE_BYTES` is checked in layers along its
    packages (`imports.layers_by_package`): the upper package's files with their cones and the
    sinks that settle something in them, then the lower package's, with the sinks and the upper
    files that settle something in it. The diagnostics are those of one check,
    settled findings in each package among them; without the settlers they are not. With the
    fixtures, the checks run in worker processes; alone, a pool starts (`POOL_MIN_FILES` made 6,
    the project's files) but gets too few files, and the run makes the steps in turn itself."""
    make(tmp_path, TWO_PACKAGES)
    mine = [SourceFile(str(p), str(p), p.read_bytes()) for p in sorted(tmp_path.rglob("*.py"))]
    run = mine + (files[5:5 + SMALL] if pooled else [])
    if not pooled:
        monkeypatch.setattr(engine, "POOL_MIN_FILES", len(mine))
    one_step = lint_sources(run)
    at = {Path(f.path).relative_to(tmp_path).as_posix(): [(d.code, d.location.row, d.location.column) for d in found]
          for f, found in zip(run, one_step, strict=True) if tmp_path in Path(f.path).parents}
    # settled by up/grad.py's check() (rows 9, 11), by other.py (22, 24), by main.py (up/grad.py's)
    assert at["low/numdiff.py"] == [("ALI001", 9, 9), ("ALI001", 11, 9), ("ALI001", 22, 9), ("ALI001", 24, 9)]
    assert at["up/grad.py"] == [("ALI001", 9, 9), ("ALI001", 11, 9), ("ALI002", 21, 12)]
    splits = _recorded_splits(monkeypatch)
    monkeypatch.setattr(engine, "_WHOLE_CORE_BYTES", 0)
    assert lint_sources(run, jobs=2) == one_step
    cut = next(s for s in splits if len(s.layers) > 1)
    # the component's files, by place: low/numdiff.py, main.py, other.py, up/grad.py
    assert cut.core == [0, 3] and cut.layers == cut.reported == [[3], [0]]
    # each step with the files that settle something in what it reports: main.py in up/grad.py,
    # other.py and up/grad.py in low/numdiff.py (which the first step parses as a skeleton)
    assert cut.steps == [[0, 1, 3], [0, 2, 3]]
    monkeypatch.setattr(engine._Split, "_settlers", lambda self, first, later, reported: [])
    assert lint_sources(run, jobs=2) != one_step


def test_the_sinks_that_read_into_the_last_layer_alone_are_checked_with_it(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """`other.py` reads `low/numdiff.py` alone, the last layer: when the two fit in a layer
    (`_WHOLE_CORE_BYTES`), it is checked whole in that layer's step, which reports it, rather than
    in a part that would analyse `low` again. `main.py` reads `up`, and stays a part. The
    diagnostics are those of one check."""
    make(tmp_path, TWO_PACKAGES)
    run = [SourceFile(str(p), str(p), p.read_bytes()) for p in sorted(tmp_path.rglob("*.py"))] + files[5:5 + SMALL]
    one_step = lint_sources(run)
    size = {name: len((tmp_path / name).read_bytes()) for name in ("low/numdiff.py", "other.py", "up/grad.py")}
    assert size["up/grad.py"] > size["other.py"]  # so that the core is more than a layer
    splits = _recorded_splits(monkeypatch)
    monkeypatch.setattr(engine, "_WHOLE_CORE_BYTES", max(size["low/numdiff.py"] + size["other.py"], size["up/grad.py"]))
    assert lint_sources(run, jobs=2) == one_step
    # the component's files, by place: low/numdiff.py, main.py, other.py, up/grad.py
    cut = next(s for s in splits if len(s.layers) > 1)
    assert cut.layers == [[3], [0]] and cut.parts == [[1]] and cut.tail == [2]
    assert cut.reported == [[3], [0, 2]] and cut.steps == [[0, 1, 3], [0, 2, 3]]
    # one byte less, and it is a part of its own, as in the check in layers above
    monkeypatch.setattr(engine, "_WHOLE_CORE_BYTES", engine._WHOLE_CORE_BYTES - 1)
    splits.clear()
    assert lint_sources(run, jobs=2) == one_step
    cut = next(s for s in splits if len(s.layers) > 1)
    assert cut.parts == [[1], [2]] and cut.tail == [] and cut.reported == [[3], [0]]


def test_a_split_component_keeps_what_a_later_change_needs(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """The split check's results, which files settle nothing elsewhere and which parse whole are
    the cache's `latest` entry: a file changed after it is checked with its cone, as after a
    check in one step."""
    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    cache = Cache(str(tmp_path / "cache"))
    small = files[:SMALL]
    assert lint_sources(small, jobs=2, cache=cache) == expected[:SMALL]
    sine = next(k for k, f in enumerate(small) if f.path.endswith("pkg/sine.py"))
    changed = list(small)
    changed[sine] = replace(small[sine], source=small[sine].source + b"\nprint(1)\n")  # type: ignore[operator]
    seen = record_checks(monkeypatch)
    assert lint_sources(changed, jobs=2, cache=cache) == lint_group(changed) == expected[:SMALL]
    assert seen[0] == ["numdiff.py", "sine.py"]  # its cone only (then lint_group's check)


def test_a_split_check_whose_core_file_does_not_parse_whole_is_checked_again_in_one_step(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its first step parses the files the sinks read as skeletons, which LibCST may take where it
    refuses the whole file (such a file takes part in nothing): the component is then checked
    again in one step. A parser that refuses `numdiff.py` whole stands for such a file."""
    real = checker._parse

    def refusing(f: SourceFile, *rest):  # type: ignore[no-untyped-def]
        return file_error(f.shown, "cannot parse file: refused") if f.path.endswith("numdiff.py") else real(f, *rest)

    monkeypatch.setattr(checker, "_parse", refusing)
    small = files[:SMALL]
    one_step = lint_sources(small)
    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    assert lint_sources(small, jobs=2) == one_step
    numdiff = next(k for k, f in enumerate(small) if f.path.endswith("numdiff.py"))
    assert [d.message for d in one_step[numdiff]] == ["cannot parse file: refused"]


def test_big_checks_run_in_processes_of_their_own(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check of `_BIG_CHECK_FILES` or more goes to a process started for it (its trees, held in
    reference cycles, are then freed by the process's end, not by a collection in a worker), a
    smaller one to the pool; the diagnostics are the same."""
    own: list[int] = []
    real = engine._on_its_own

    def recorded(work):  # type: ignore[no-untyped-def]
        own.append(len(work[0]))
        return real(work)

    monkeypatch.setattr(engine, "_on_its_own", recorded)
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 4)
    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    assert lint_sources(files[:SMALL], jobs=2) == expected[:SMALL]
    assert own and min(own) >= 4
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 1000)
    own.clear()
    assert lint_sources(files[:SMALL], jobs=2) == expected[:SMALL]
    assert own == []


def test_a_process_of_its_own_ends_with_its_check(files: list[SourceFile]) -> None:
    """It is started for the check, gives the check's diagnostics, and is gone after it."""
    import time

    before = {p.pid for p in multiprocessing.active_children()}
    work = (files[:5], None, [], [], None)
    future = engine._on_its_own(work)  # type: ignore[arg-type]
    assert {p.pid for p in multiprocessing.active_children()} - before  # started for it
    assert future.result(timeout=120).diagnostics == check_group(*work).diagnostics  # type: ignore[arg-type]
    deadline = time.monotonic() + 30
    while {p.pid for p in multiprocessing.active_children()} - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not {p.pid for p in multiprocessing.active_children()} - before


def _prepared() -> bool:
    from aliaslint import cst_parsing

    return cst_parsing._fast_inits.cache_info().currsize == 1 and cst_parsing._share.cache_info().currsize == 1


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="no fork server here: processes of their own are started anew")
def test_processes_of_their_own_start_with_the_node_classes_prepared() -> None:
    """The fork server imports the checker, which makes the node classes' `__init__`s once
    (`cst_parsing.prepare`): a process it forks does not make them again at its first parse."""
    own = engine._own_process()
    try:
        assert own.submit(_prepared).result(timeout=120)
    finally:
        own.shutdown()


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                    reason="no fork server here: processes of their own are started anew")
def test_processes_of_their_own_are_forked_from_one_server_not_from_this_process() -> None:
    """Importing the checker took each process started anew about 0.28 s; forked from a server
    that imported it once, one starts in about 0.01 s. Neither holds this process's pages."""
    parents = []
    for _ in range(2):
        own = engine._own_process()
        try:
            parents.append(own.submit(os.getppid).result(timeout=120))
        finally:
            own.shutdown()
    assert parents[0] == parents[1] != os.getpid()


def test_processes_of_their_own_are_started_anew_where_no_fork_server_starts(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fork server's socket needs a writable temporary folder; where it cannot start, a
    process of its own is started anew, as before, and the diagnostics are the same."""
    import multiprocessing.forkserver

    def refused() -> None:
        raise PermissionError("no writable temporary folder")

    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running", refused)
    assert engine._fresh_context().get_start_method() == "spawn"
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 4)
    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    assert lint_sources(files[:SMALL], jobs=2) == expected[:SMALL]


def test_trees_parsed_ahead_are_the_checks_and_are_not_parsed_again(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`checker.parse_ahead` parses a check's files before the check (a split check's second
    step, while its first runs): the check then takes those trees, each once, and its
    diagnostics are the same; a check made with LibCST's trees (`convert` off) takes none."""
    small = files[:SMALL]
    parses: list[object] = []
    real = checker.tree_of
    monkeypatch.setattr(checker, "tree_of", lambda source, convert: parses.append(source) or real(source, convert))
    monkeypatch.setattr(checker, "_AHEAD", {})  # this process's own stays as it was, whatever fails
    checker.parse_ahead(small)
    assert len(parses) == len(small) and len(checker._AHEAD) == len(small)
    parses.clear()
    assert check_group(small).diagnostics == expected[:SMALL]
    assert parses == [] and checker._AHEAD == {}
    checker.parse_ahead(small)
    parses.clear()
    assert check_group(small, convert=False).diagnostics == expected[:SMALL]
    assert len(parses) == len(small)  # LibCST's own, not the ones built from `ast`


def test_a_split_checks_second_step_is_parsed_ahead_in_its_own_process(
    files: list[SourceFile], expected: list[list[Diagnostic]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the first step runs, a free place parses a big second step's core in a process of
    its own, which then makes the second step; the diagnostics are the same."""
    tasks: list[list[str]] = []
    real = engine._own_process

    def recorded() -> object:
        own = real()
        done: list[str] = []
        tasks.append(done)
        submit = own.submit

        def record(fn, *args):  # type: ignore[no-untyped-def]
            done.append(fn.__name__)
            return submit(fn, *args)

        own.submit = record  # type: ignore[method-assign]
        return own

    real_wait = engine.wait

    def one_at_a_time(futures, return_when):  # type: ignore[no-untyped-def]
        """The parts end one after the other, as big ones do: a place frees while the first step
        still runs. (The fixtures' parts are small enough to end together, and then no parse
        ahead would help: the second step starts at once.)"""
        done, pending = real_wait(futures, return_when=return_when)
        first = next(iter(done))
        return {first}, pending | (done - {first})

    monkeypatch.setattr(engine, "_own_process", recorded)
    monkeypatch.setattr(engine, "wait", one_at_a_time)
    monkeypatch.setattr(engine, "_SPLIT_MIN_FILES", 3)
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 1000)
    assert lint_sources(files[:SMALL], jobs=2) == expected[:SMALL]
    assert tasks == []  # a small second step runs in the pool, unparsed
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 2)
    assert lint_sources(files[:SMALL], jobs=2) == expected[:SMALL]
    assert ["_parse_ahead", "_check_and_end"] in tasks


def test_a_process_of_its_own_checks_without_the_collector_and_puts_what_is_left_out_of_its_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No collection looks for the check's garbage, which goes with the process, and its exit
    does not examine the millions of objects a big check leaves, whether the check ends or is
    stopped (Ctrl-C ends it with SystemExit in such a process)."""
    import gc

    frozen: list[int] = []
    collecting: list[bool] = []
    monkeypatch.setattr(engine.gc, "freeze", lambda: frozen.append(1))

    def checked(*work: object) -> str:
        collecting.append(gc.isenabled())
        return "checked"

    monkeypatch.setattr(checker, "check_group", checked)
    was = gc.isenabled()
    gc.enable()
    try:
        assert engine._check_and_end(([], None, [], [], None)) == "checked"  # type: ignore[arg-type]
        assert frozen == [1] and collecting == [False]

        def stopped(*work: object) -> None:
            raise SystemExit(130)

        monkeypatch.setattr(checker, "check_group", stopped)
        with pytest.raises(SystemExit):
            engine._check_and_end(([], None, [], [], None))  # type: ignore[arg-type]
        assert frozen == [1, 1]
    finally:
        (gc.enable if was else gc.disable)()


def test_a_top_layer_that_no_sink_reads_into_is_checked_first(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """`up/a.py` and `up/b.py` read each other (and `low/numdiff.py`), and no sink reads them:
    their layer's step waits for no part of the sinks, and the diagnostics are those of one
    check, `up/a.py` settling `num_grad`'s finding among them."""
    make(tmp_path, {
        "low/__init__.py": "",
        "low/numdiff.py": NUMDIFF,
        "up/__init__.py": "",
        "up/a.py": "import numpy as np\n\nfrom low.numdiff import num_grad\nfrom up.b import helper\n\n\n"
                   "def lin(x):\n    return x\n\n\ndef check():\n    return num_grad(lin, np.array([1.0, 2.0]))\n",
        "up/b.py": "from up.a import lin\n\n\ndef helper(x):\n    return lin(x)\n",
        "other.py": MAIN.format(imports="from low.numdiff import num_grad", call="num_grad"),
    })
    run = [SourceFile(str(p), str(p), p.read_bytes()) for p in sorted(tmp_path.rglob("*.py"))] + files[5:5 + SMALL]
    one_step = lint_sources(run)
    numdiff = next(k for k, f in enumerate(run) if f.path.endswith("numdiff.py"))
    assert [d.location.row for d in one_step[numdiff]] == [9, 11]
    splits = _recorded_splits(monkeypatch)
    monkeypatch.setattr(engine, "_WHOLE_CORE_BYTES", 0)
    assert lint_sources(run, jobs=2) == one_step
    # the component's files, by place: low/numdiff.py, other.py, up/a.py, up/b.py
    cut = next(s for s in splits if len(s.layers) > 1)
    assert cut.layers == [[2, 3], [0]] and cut.parts == [[1]] and cut.steps == [[0, 2, 3], [0, 1, 2, 3]]


def test_a_pool_worker_collects_its_garbage_after_parsing_enough(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check's trees are held in reference cycles, which the lint's thresholds leave to rare
    collections: a worker of the pool collects once its checks have parsed `_GARBAGE_BYTES` of
    source since it last did, with the same diagnostics."""
    collected: list[int] = []
    monkeypatch.setattr(engine.gc, "collect", lambda: collected.append(engine._parsed_since) or 0)
    monkeypatch.setattr(engine, "_parsed_since", 0)
    work = (files[:3], None, [], [], None)
    size = sum(len(f.source or b"") for f in files[:3])
    monkeypatch.setattr(engine, "_GARBAGE_BYTES", 2 * size)
    assert engine._check(work).diagnostics == check_group(*work).diagnostics  # type: ignore[arg-type]
    assert collected == [] and engine._parsed_since == size
    engine._check(work)  # type: ignore[arg-type]
    assert collected == [0] and engine._parsed_since == 0


def test_a_process_of_its_own_does_not_collect_after_its_check(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It ends with its check: a collection of what a big check left (a second or so after the
    corpus's) would only hold the result back."""
    collected: list[int] = []
    monkeypatch.setattr(engine.gc, "collect", lambda: collected.append(1) or 0)
    monkeypatch.setattr(engine.gc, "freeze", lambda: None)
    monkeypatch.setattr(engine, "_GARBAGE_BYTES", 1)
    work = (files[:3], None, [], [], None)
    assert engine._check_and_end(work).diagnostics == check_group(*work).diagnostics  # type: ignore[arg-type]
    assert collected == []
    engine._check(work)  # type: ignore[arg-type]
    assert collected == [1]


def test_a_file_whose_analysis_failed_may_have_settled_something_anywhere(
    files: list[SourceFile], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where an analysis stops on an error, no file asked about is known to stay within its own,
    and a split check hands it to every later step (`engine.ANYWHERE`)."""
    def failing(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(checker, "analyze_component", failing)
    checked = check_group(files[:3], None, [0, 1, 2])
    assert checked.alone == frozenset() and checked.settles == dict.fromkeys([0, 1, 2], frozenset({engine.ANYWHERE}))
    assert all(d.code == "ALI900" for found in checked.diagnostics for d in found)


def test_a_second_step_whose_parsing_process_is_gone_runs_in_a_new_one(files: list[SourceFile]) -> None:
    """The process that parsed the second step's files ahead may have died (killed, out of
    memory): the check then runs in a process started for it, and parses them itself."""
    import os
    import signal
    import time

    from concurrent.futures.process import BrokenProcessPool

    own = engine._own_process()
    os.kill(own.submit(os.getpid).result(timeout=60), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            own.submit(int).result(timeout=30)
        except BrokenProcessPool:
            break
        time.sleep(0.05)
    work = (files[:5], None, [], [], None)
    future = engine._on_its_own(work, own)  # type: ignore[arg-type]
    assert future.result(timeout=120).diagnostics == check_group(*work).diagnostics  # type: ignore[arg-type]


def _deep_project(root: Path) -> None:
    """A helper that returns a sum of 2,000 terms, read by the 12 other files of its package,
    each with an ALI001 finding; and 4 files apart: 18 files, enough for the pool."""
    helper = "def lin(x):\n    return x\n\n\ndef total(x):\n    return " + " + ".join(["x"] * 2000) + "\n"
    caller = "import numpy as np\nfrom pkg.helper import lin, total\n\n\ndef f(x):\n    fp = lin(x)\n    x[0] += 1.0\n    return fp - total(x)\n"
    alone = "def g(x):\n    y = x\n    x += 1\n    return y\n"
    make(root, {"pkg/__init__.py": "", "pkg/helper.py": helper,
                **{f"pkg/m{i:02d}.py": caller for i in range(12)}, **{f"o{i}.py": alone for i in range(4)}})


def test_a_process_of_its_own_analyses_code_as_deeply_nested_as_this_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check in a process of its own runs as deep as the command does (see
    ``aliaslint.deep_stack``): the deeply nested helper's component gives the same diagnostics
    with ``--jobs 2`` as with ``--jobs 1``. In the process's main thread (CPython's 1,000
    frames) every file of that check got ALI900."""
    _deep_project(tmp_path)
    own: list[int] = []
    real = engine._on_its_own

    def recorded(work, *args):  # type: ignore[no-untyped-def]
        own.append(len(work[0]))
        return real(work, *args)

    monkeypatch.setattr(engine, "_on_its_own", recorded)
    monkeypatch.setattr(engine, "_BIG_CHECK_FILES", 10)
    one = run_cli(["--no-cache", "--jobs", "1", "."], cwd=tmp_path)
    two = run_cli(["--no-cache", "--jobs", "2", "."], cwd=tmp_path)
    assert own == [13]  # the package: its 12 callers and the helper
    assert "ALI900" not in two.output and two.output == one.output
    assert one.output.count("ALI001") == 12


def test_workers_started_anew_survey_and_check_as_deep_as_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the pool's workers are started anew ("spawn", the default on macOS and Windows)
    rather than forked from the command's deep thread, they survey and check as deep as it
    does: ``ast.parse`` of the helper raised RecursionError within CPython's 1,000 frames, and
    the helper was reported as nested too deep, its readers with ALI900."""
    _deep_project(tmp_path)
    real = engine.ProcessPoolExecutor

    def spawned(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("mp_context", multiprocessing.get_context("spawn"))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "ProcessPoolExecutor", spawned)
    one = run_cli(["--no-cache", "--jobs", "1", "."], cwd=tmp_path)
    two = run_cli(["--no-cache", "--jobs", "2", "."], cwd=tmp_path)
    assert "ALI900" not in two.output and two.output == one.output
    assert one.output.count("ALI001") == 12
