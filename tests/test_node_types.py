"""The analysis tells LibCST's node classes apart by ``type(node) is cst.Name`` rather than
``isinstance``: every LibCST node class is an ABC, and ``isinstance`` with one that does not
match goes through ``ABCMeta.__instancecheck__``, about 3% of a cold run. That is the same test
only for a class nothing derives from; these tests keep it so as LibCST changes."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

import aliaslint
from aliaslint.analysis.literals import string_value

ANALYSIS = Path(aliaslint.__file__).parent / "analysis"


def _compared_by_type(path: Path) -> set[str]:
    """The names of ``cst.X`` that the module compares a ``type(...)`` with (``is``, ``in``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
                and isinstance(node.left.func, ast.Name) and node.left.func.id == "type"):
            continue
        for right in node.comparators:
            for el in right.elts if isinstance(right, ast.Tuple) else [right]:
                if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and el.value.id == "cst":
                    out.add(el.attr)
    return out


def test_the_analysis_compares_by_type_only_classes_nothing_derives_from() -> None:
    names = {n for path in sorted(ANALYSIS.glob("*.py")) for n in _compared_by_type(path)}
    assert {"Name", "Attribute", "Call", "Subscript"} <= names  # the test sees the comparisons
    derived = {n: [c.__name__ for c in getattr(cst, n).__subclasses__()] for n in sorted(names)}
    assert {n: d for n, d in derived.items() if d} == {}


def test_the_finder_sees_an_abstract_class(tmp_path: Path) -> None:
    """What the test above relies on: a comparison by type with a class that others derive from
    (``BaseExpression``) is found, alone or in a tuple, and has subclasses to report."""
    module = tmp_path / "m.py"
    module.write_text("def f(x):\n    return type(x) is cst.BaseExpression or type(x) in (cst.Name, cst.BaseSuite)\n",
                      encoding="utf-8")
    assert _compared_by_type(module) == {"BaseExpression", "Name", "BaseSuite"}
    assert cst.BaseExpression.__subclasses__()


@pytest.mark.parametrize("text", ['"lin"', "b'x'", "r'\\d'", "'''a\nb'''", '"\\N{BULLET}"'])
def test_a_string_value_is_libcsts(text: str) -> None:
    node = cst.parse_expression(text)
    assert isinstance(node, cst.SimpleString)
    assert string_value(node) == node.evaluated_value
    assert string_value(node) == node.evaluated_value  # and again, from the cache


def test_a_string_literal_that_cannot_be_evaluated_raises_each_time() -> None:
    node = cst.SimpleString('"\\N{NO SUCH NAME}"')
    for _ in range(2):
        with pytest.raises(SyntaxError):
            string_value(node)


def test_nodes_are_compared_and_hashed_by_identity_in_c() -> None:
    """`cst_identity` gives every node class `object`'s `__eq__` and `__hash__` (LibCST's say the
    same in Python): a node equals itself only, whatever its fields."""
    from aliaslint import cst_identity

    assert cst_identity.IN_C
    a, b = cst.Name("x"), cst.Name("x")
    assert type(a).__hash__ is object.__hash__ and type(a).__eq__ is object.__eq__
    assert a == a and a != b and not (a == b) and hash(a) == hash(a)
    assert {a: 1}.get(b) is None and b not in [a] and a in (b, a)
    assert a.deep_equals(b)  # what LibCST offers for equal fields, untouched


def test_every_module_that_makes_nodes_loads_the_identity_first() -> None:
    """A node hashed before `cst_identity` changed the classes would be lost from the tables it was
    put in: importing any module of aliaslint that imports LibCST loads it, before the module can
    make a node; a function that imports LibCST (`fixes`) imports it too."""
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    root = Path(aliaslint.__file__).parent
    texts = {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    at_top = [".".join(p.relative_to(root.parent).with_suffix("").parts)
              for p, text in texts.items() if any(line.startswith("import libcst") for line in text.splitlines())]
    inside = [text for text in texts.values() if "    import libcst" in text]
    assert len(at_top) > 20 and inside
    probe = "import sys, importlib; importlib.import_module(sys.argv[1]); print('aliaslint.cst_identity' in sys.modules)"

    def loads_it_first(module: str) -> bool:
        return subprocess.run([sys.executable, "-c", probe, module], capture_output=True, text=True).stdout.strip() == "True"

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # a fresh interpreter each: 12 s one after another
        assert [m for m, loads in zip(at_top, pool.map(loads_it_first, at_top)) if not loads] == []
    assert all("    from . import cst_identity" in text for text in inside)
