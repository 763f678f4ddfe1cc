"""Parsing without LibCST's per-node checks gives LibCST's trees, and leaves the checks on after."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from aliaslint import cst_parsing
from aliaslint.cst_parsing import checks_can_be_skipped, parse_module

from conftest import FIXTURES, halved

ROOT = Path(__file__).parent.parent
SOURCES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "aliaslint").rglob("*.py"))


def test_the_installed_libcst_lets_the_checks_be_skipped() -> None:
    # If this fails, a new LibCST does more when a node is made than `_validate`: parsing is
    # still correct (it keeps the checks), only slower, and `cst_parsing` needs a look.
    assert checks_can_be_skipped()


@pytest.mark.parametrize("path", halved(SOURCES), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_trees_are_libcsts_own(path: Path) -> None:
    source = path.read_bytes()
    tree = parse_module(source)
    assert tree.deep_equals(cst.parse_module(source))
    assert tree.bytes == source


def test_no_node_is_checked_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cst.Name, "_validate", lambda self: calls.append(self.value))
    cst.parse_module("x = y\n")
    assert calls == ["x", "y"]
    calls.clear()
    parse_module("x = y\n")
    assert calls == []


@pytest.mark.parametrize("source", ["x = y\n", "x = (\n"])
def test_nodes_made_after_a_parse_are_checked(source: str) -> None:
    try:
        parse_module(source)
    except cst.ParserSyntaxError:
        pass
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(cst.CSTValidationError):
        cst.Call(cst.Name("f"), args=[cst.Arg(cst.Name("a"), keyword=cst.Name("k")), cst.Arg(cst.Name("b"))])


def test_a_node_class_with_a_post_init_of_its_own_turns_the_shortcut_off() -> None:
    class Checked(cst.Name):
        def __post_init__(self) -> None:
            pass

    assert not cst_parsing.checks_can_be_skipped.__wrapped__()
    del Checked
    gc.collect()
    assert cst_parsing.checks_can_be_skipped.__wrapped__()


def test_whitespace_is_one_node_per_content_while_parsing_and_only_then() -> None:
    """A big run's trees are mostly spaces and newlines: each content is made once."""
    first, second = parse_module("x = 1\ny = 2\n"), parse_module("z = 3\n")
    spaces = [stmt.body[0].targets[0].whitespace_before_equal for stmt in (*first.body, *second.body)]
    assert spaces[0] is spaces[1] is spaces[2] and spaces[0].value == " "
    newlines = [stmt.trailing_whitespace.newline for stmt in (*first.body, *second.body)]
    assert newlines[0] is newlines[1] is newlines[2]
    assert cst.SimpleWhitespace(" ") is not cst.SimpleWhitespace(" ")  # made by hand: a node of its own
    assert cst.parse_module("x = 1\n").body[0].body[0].targets[0].whitespace_before_equal is not spaces[0]


def test_a_copy_of_a_tree_leaves_its_shared_nodes_alone() -> None:
    """``copy`` and ``pickle`` make a node empty, then fill it: never a shared one."""
    import copy
    import pickle

    text = "x  =  [1,  2]\n"
    tree = parse_module(text)
    for made in (copy.deepcopy(tree), pickle.loads(pickle.dumps(tree)), tree.deep_clone()):
        assert made.code == text
    assert parse_module("y = 2\n").code == "y = 2\n" and tree.code == text


def test_a_names_text_is_one_string_per_content_while_parsing_and_only_then() -> None:
    # (one-letter strings are one object each in CPython anyway)
    first = parse_module("step = grad\nfor grad in step:\n    pass\n")
    second = parse_module("grad = apply(step)\n")
    names = [n.value for tree in (first, second) for n in _names(tree)]
    assert sorted(names) == ["apply", "grad", "grad", "grad", "step", "step", "step"]
    for text in ("grad", "step"):
        assert len({id(name) for name in names if name == text}) == 1
    assert "__post_init__" not in cst.Name.__dict__  # names made by hand are checked, their text kept
    text = "".join(["z", "z"])
    assert cst.Name(text).value is text
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def _names(tree: cst.CSTNode) -> list[cst.Name]:
    found = [tree] if isinstance(tree, cst.Name) else []
    for child in tree.children:
        found += _names(child)
    return found


def test_every_node_class_is_made_by_an_init_of_its_own_fields() -> None:
    """Each LibCST node class with a dataclass ``__init__`` gets one that sets its slots directly
    (see ``cst_parsing._fast_init``), with the same parameters and defaults; a default factory
    still makes a new value for each node."""
    import dataclasses
    import inspect

    parse_module("x = 1\n")
    made = cst_parsing.DATACLASS_INITS
    left = [t for t in cst_parsing._node_classes() if t not in made and dataclasses.is_dataclass(t)
            and getattr(t.__dict__.get("__init__"), "__code__", None) is not None
            and t.__dict__["__init__"].__code__.co_filename == "<string>"]
    assert not left  # if this fails, a new LibCST has fields `_fast_init` does not take: only slower
    assert len(made) > 200 and all(t.__dict__["__init__"] is not made[t] for t in made)
    for t, dataclass_init in made.items():
        ours, theirs = inspect.signature(t.__init__).parameters, inspect.signature(dataclass_init).parameters
        assert list(ours) == list(theirs), t
        for name, p in theirs.items():
            q = ours[name]
            assert q.kind == p.kind, (t, name)
            assert q.default is p.default, (t, name)  # a default factory's: dataclasses' marker
    marker = inspect.signature(made[cst.Call]).parameters["whitespace_after_func"].default
    first, second = cst.Call(cst.Name("f")), cst.Call(cst.Name("f"), whitespace_after_func=marker)
    assert first.whitespace_after_func.deep_equals(cst.SimpleWhitespace(""))
    assert second.whitespace_after_func.deep_equals(cst.SimpleWhitespace(""))  # the marker passed on
    assert first.whitespace_after_func is not second.whitespace_after_func
    assert first.deep_equals(cst.parse_expression("f()"))


def test_nodes_made_by_hand_are_made_as_libcst_makes_them() -> None:
    import dataclasses

    parse_module("x = 1\n")
    node = cst.Attribute(cst.Name("np"), cst.Name("asarray"))
    as_libcst = object.__new__(cst.Attribute)
    cst_parsing.DATACLASS_INITS[cst.Attribute](as_libcst, cst.Name("np"), cst.Name("asarray"))
    assert node.deep_equals(as_libcst)
    assert [getattr(node, f.name) for f in dataclasses.fields(node)][2:] == [
        getattr(as_libcst, f.name) for f in dataclasses.fields(as_libcst)][2:]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.value = cst.Name("x")  # type: ignore[misc]
    with pytest.raises(TypeError):
        cst.Attribute(cst.Name("np"))  # type: ignore[call-arg]


@pytest.mark.parametrize("path", SOURCES[::7], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_tree_pickled_and_unpickled_is_the_same_tree(path: Path) -> None:
    """A node's pickled state is the tuple of its fields' values (see `cst_parsing._fast_state`),
    for LibCST's trees and those built from `ast` alike; each comes back equal."""
    import pickle

    from aliaslint.cst_from_ast import NotConverted, convert_module

    source = path.read_bytes()
    trees = [parse_module(source)]
    try:
        trees.append(convert_module(source))
    except NotConverted:  # a text LibCST alone parses (see test_cst_from_ast)
        pass
    for tree in trees:
        again = pickle.loads(pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
        assert again.deep_equals(tree) and again.code == tree.code
        assert type(tree.__getstate__()) is tuple and type(tree.body[0].__getstate__()) is tuple


def test_every_node_class_keeps_its_state_as_a_tuple() -> None:
    # if this fails, a new LibCST keeps a node's state otherwise: pickling still works, only slower
    left = [t for t in cst_parsing._node_classes()
            if getattr(t.__dict__.get("__getstate__"), "__qualname__", "").startswith("add_slots.")]
    assert not left
    assert cst.Name("x").__getstate__() == ("x", (), ())


def test_a_node_with_a_field_unset_is_pickled_with_the_fields_it_has() -> None:
    import pickle

    name = object.__new__(cst.Name)
    object.__setattr__(name, "value", "x")
    assert name.__getstate__() == {"value": "x"}  # LibCST's own state, which unpickling still takes
    again = pickle.loads(pickle.dumps(name))
    assert again.value == "x" and not hasattr(again, "lpar")
