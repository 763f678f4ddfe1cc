"""Skeletons and bodies kept in the cache (`aliaslint/kept_trees.py`): what a check loads is what
parsing gives, an entry or a body that cannot be read is parsed again, workers with nothing else
to do keep the trees of the components checked whole, and a second change of a file checks it
with its cone without parsing again what the first check parsed."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from aliaslint import checker, kept_trees, skeletons
from aliaslint.cache import Cache, content_digest
from aliaslint.cst_from_ast import FILLER
from aliaslint.skeletons import Skeleton, parse_skeleton
from aliaslint.sources import SourceFile

from conftest import record_checks, run_cli
from test_project import make
from test_skeletons import PACKAGE, SOURCE, USE, as_tuple, nodes, project  # noqa: F401 (a fixture)

TEXT = (PACKAGE / "analysis" / "flow.py").read_text(encoding="utf-8")


def shifted(skeleton: Skeleton) -> dict[object, tuple[int, int, int, int]]:
    return {n: as_tuple(r) for n, r in skeleton.as_parsed()[0].items()}


def every_body(skeleton: Skeleton) -> list[tuple[str, list[tuple[int, int, int, int]]]]:
    """Each function's name and the positions of every node of its body the analysis can reach
    (but spaces and punctuation, shared in a tree built from `ast`), all its bodies parsed or
    unpickled now, in the order of the file."""
    made = [skeleton.parse_body(stub) for stub in list(skeleton.stubs)]
    where = shifted(skeleton)
    return [(f.name.value, [where[n] for n in nodes(f.body) if not isinstance(n, FILLER)]) for f in made]


@pytest.mark.parametrize("convert", [False, True], ids=["libcst", "from ast"])
def test_a_kept_skeleton_and_its_bodies_are_the_trees_parsing_gives(tmp_path: Path, convert: bool) -> None:
    cache, digest = Cache(str(tmp_path / "cache")), content_digest(TEXT)
    first = parse_skeleton(TEXT, convert=convert)
    assert first is not None and len(first.stubs) > 40
    stubs = list(first.stubs)
    for stub in stubs[::2]:
        first.parse_body(stub)
    kept_trees.keep(cache, first, digest)

    loaded = kept_trees.load(cache, TEXT, digest, convert)
    assert loaded is not None and loaded.module.deep_equals(first.module) and loaded.converted == convert
    assert [(s.name.value, span) for s, span in loaded.stubs.items()] == [
        (s.name.value, span) for s, span in first.spans.items()]
    assert sorted(loaded.kept) == sorted(first.spans[s].first for s in stubs[::2])
    fresh = parse_skeleton(TEXT)
    assert fresh is not None
    assert every_body(loaded) == every_body(fresh)
    # the bodies kept were unpickled; the others parsed, and new to keep
    assert sorted(loaded.fresh) == sorted(first.spans[s].first for s in stubs[1::2])
    assert loaded.converted_bodies == (set(loaded.spans[s].first for s in loaded.spans) if convert else set())


def test_an_entry_is_written_only_when_the_check_parsed_something_it_did_not_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, digest = Cache(str(tmp_path / "cache")), content_digest(SOURCE)
    first = parse_skeleton(SOURCE)
    assert first is not None
    kept_trees.keep(cache, first, digest)  # the skeleton, no body
    second = kept_trees.load(cache, SOURCE, digest)
    assert second is not None and second.kept == {}
    second.parse_body(next(iter(second.stubs)))
    kept_trees.keep(cache, second, digest)
    third = kept_trees.load(cache, SOURCE, digest)
    assert third is not None and len(third.kept) == 1
    third.parse_body(next(iter(third.stubs)))
    monkeypatch.setattr(Cache, "put", lambda *args: pytest.fail("written again"))
    kept_trees.keep(cache, third, digest)
    kept_trees.keep(cache, kept_trees.load(cache, SOURCE, digest), digest)  # type: ignore[arg-type]


def test_an_entry_or_a_body_that_cannot_be_read_is_parsed_again(tmp_path: Path) -> None:
    cache, digest = Cache(str(tmp_path / "cache")), content_digest(SOURCE)
    kind, name = kept_trees.folder(), digest
    for junk in ("junk", (b"junk", {}), (b"", {}), None):
        cache.put(kind, name, junk)
        assert kept_trees.load(cache, SOURCE, digest) is None
    first = parse_skeleton(SOURCE)
    assert first is not None
    for stub in list(first.stubs):
        first.parse_body(stub)
    kept_trees.keep(cache, first, digest)
    entry = (tmp_path / "cache" / kind / name)
    blob, bodies = cache.get(kind, name)
    line = min(bodies)
    # a body that is not a module, one that is another function's, and one cut short
    other = max(bodies)
    for broken in (skeletons.pickled(["not", "a", "module"]), bodies[other], bodies[line][:20]):
        cache.put(kind, name, (blob, {**bodies, line: broken}))
        loaded = kept_trees.load(cache, SOURCE, digest)
        assert loaded is not None
        fresh = parse_skeleton(SOURCE)
        assert fresh is not None
        assert every_body(loaded) == every_body(fresh)
        assert list(loaded.fresh) == [line]
    kept_trees.keep(cache, loaded, digest)
    assert cache.get(kind, name)[1][line] != broken
    entry.write_bytes(entry.read_bytes()[:100])  # a crash while it was written
    assert kept_trees.load(cache, SOURCE, digest) is None


def test_trees_another_libcst_made_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, digest = Cache(str(tmp_path / "cache")), content_digest(SOURCE)
    first = parse_skeleton(SOURCE)
    assert first is not None
    kept_trees.keep(cache, first, digest)
    assert kept_trees.load(cache, SOURCE, digest) is not None
    monkeypatch.setattr(kept_trees, "_parser", lambda: "libcst 0.1 python 3.11")
    assert kept_trees.load(cache, SOURCE, digest) is None


def test_trees_another_aliaslint_or_libcst_kept_are_removed_when_this_one_first_keeps_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, digest = Cache(str(tmp_path / "cache")), content_digest(SOURCE)
    first = parse_skeleton(SOURCE)
    assert first is not None
    monkeypatch.setattr(kept_trees, "_parser", lambda: "libcst 0.1 python 3.11")
    kept_trees.keep(cache, first, digest)
    theirs = tmp_path / "cache" / kept_trees.folder()
    monkeypatch.undo()
    flat = tmp_path / "cache" / kept_trees.KIND / ("0" * 40)  # where an earlier aliaslint kept them
    flat.write_bytes(b"an entry")
    other = Cache(str(tmp_path / "cache"))  # another run, which has not pruned yet
    assert kept_trees.load(other, SOURCE, digest) is None  # and reads nothing it did not write
    assert theirs.is_dir() and flat.exists()
    kept_trees.keep(other, first, digest)
    assert [p.name for p in (tmp_path / "cache" / kept_trees.KIND).iterdir()] == [kept_trees.folder().split("/")[1]]
    assert kept_trees.load(other, SOURCE, digest) is not None


def test_prefill_keeps_every_body_of_the_files_it_can_and_passes_over_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(str(tmp_path / "cache"))
    make(tmp_path, {"good.py": SOURCE, "moved.py": SOURCE + "\n# since\n", "bad.py": "def f(:\n    pass\n",
                    "plain.py": "x = 1\n"})
    files: list[kept_trees.Ahead] = [
        (str(tmp_path / "good.py"), content_digest(SOURCE), None),
        (str(tmp_path / "moved.py"), content_digest(SOURCE), None),  # changed after its digest was taken
        (str(tmp_path / "bad.py"), content_digest("def f(:\n    pass\n"), None),
        (str(tmp_path / "plain.py"), content_digest("x = 1\n"), None),  # nothing to leave out
        (str(tmp_path / "gone.py"), content_digest(""), None)]
    kept_trees.prefill(cache, files)
    kept = tmp_path / "cache" / kept_trees.folder()
    # an entry for the good file, a mark for those that give none, nothing for the others
    assert sorted(p.name for p in kept.iterdir()) == sorted(
        content_digest(text) for text in (SOURCE, "def f(:\n    pass\n", "x = 1\n"))
    assert kept_trees.load(cache, "x = 1\n", content_digest("x = 1\n")) is None
    before = {p.name: p.stat().st_mtime_ns for p in kept.iterdir()}
    monkeypatch.setattr(kept_trees, "parse_skeleton", lambda *args: pytest.fail("parsed again"))
    kept_trees.prefill(cache, files)
    monkeypatch.undo()
    assert {p.name: p.stat().st_mtime_ns for p in kept.iterdir()} == before
    loaded = kept_trees.load(cache, SOURCE, content_digest(SOURCE))
    assert loaded is not None and len(loaded.kept) == len(loaded.stubs) == 4
    fresh = parse_skeleton(SOURCE)
    assert fresh is not None
    assert every_body(loaded) == every_body(fresh) and loaded.fresh == {}


def test_trees_that_cannot_be_kept_leave_the_check_as_it_was(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Keeping trees only saves later checks time: running out of memory while pickling them
    (or anything else going wrong there) must not turn the check's findings into an error."""
    args = ["--output-format", "json", "."]
    run_cli(args, cwd=project)
    make(project, {"pkg/use.py": USE})

    def no_memory(value: object) -> bytes:
        raise MemoryError

    monkeypatch.setattr(kept_trees, "pickled", no_memory)
    checked = record_checks(monkeypatch)
    found = run_cli(args, cwd=project).output
    assert checked == [["use.py", "util.py"]]  # checked with its cone, whose trees it parsed
    assert not (project / ".aliaslint_cache" / kept_trees.folder()).exists()
    monkeypatch.undo()
    assert found == run_cli(["--no-cache", *args], cwd=project).output
    assert "ALI900" not in found and json.loads(found)


def test_a_second_change_checks_the_file_with_its_cone_without_parsing_it_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """`use.py` changes twice: the first check parses `util.py`'s skeleton and two of its bodies
    and keeps them; the second unpickles them, and parses only `use.py`, whole."""
    args = ["--output-format", "json", "."]
    run_cli(args, cwd=project)
    make(project, {"pkg/use.py": USE})
    checked = record_checks(monkeypatch)
    first = run_cli(args, cwd=project).output
    assert len(list((project / ".aliaslint_cache" / kept_trees.folder()).iterdir())) == 1
    make(project, {"pkg/use.py": "# again\n" + USE})
    monkeypatch.setattr(skeletons, "tree_of", lambda text, convert: pytest.fail("parsed again"))  # LibCST or `ast`
    second = run_cli(args, cwd=project).output
    assert checked == [["use.py", "util.py"], ["use.py", "util.py"]]
    monkeypatch.undo()
    assert second == run_cli(["--no-cache", *args], cwd=project).output
    assert [d["location"]["row"] for d in json.loads(second)] == [d["location"]["row"] + 1 for d in json.loads(first)]


def test_workers_with_nothing_else_to_do_keep_the_trees_of_the_components_checked_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty-one files, a component of four and seventeen alone, in two worker processes: while
    one checks the component (made to wait here until the trees are kept, as the largest
    component of a big run keeps its worker busy), the other keeps the trees of its files that
    another reads, `a.py` and `b.py`: `c.py` is in no other file's cone, and `scale.py`, which
    has no function to leave out, is parsed whole by any check that reads it."""
    helper = "def twice(x):\n    y = x * 2\n    return y\n"
    files = {"pkg/a.py": helper, "pkg/scale.py": "class Scale:\n    k = 2\n",
             "pkg/b.py": "from .a import twice\nfrom .scale import Scale\n\n\ndef four(x):\n    return twice(twice(x)) * Scale.k\n",
             "pkg/c.py": "from .b import four\n\n\ndef main(v):\n    v += 1\n    return four(v)\n"}
    files |= {f"alone/m{k}.py": f"def f{k}(x):\n    x += {k}\n    return x\n" for k in range(17)}
    make(tmp_path, files)
    kept = tmp_path / ".aliaslint_cache" / kept_trees.folder()
    real = checker.check_group

    def waiting(group: list[SourceFile], *args: object) -> object:
        if len(group) == 4:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(list(kept.glob("*"))) < 2:
                time.sleep(0.05)
            time.sleep(0.5)  # for whatever else the other worker would keep
        return real(group, *args)  # type: ignore[arg-type]

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the check is made to wait in workers forked from here")
    monkeypatch.setattr(checker, "check_group", waiting)  # the pool's workers are forked from here
    assert run_cli(["--jobs", "2", "-q", "."], cwd=tmp_path).exit_code == 0
    names = {content_digest(files[path]) for path in ("pkg/a.py", "pkg/b.py")}
    assert {p.name for p in kept.iterdir()} == names
