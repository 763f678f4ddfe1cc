"""Trees built from `ast` are LibCST's, as far as the analysis reads them; where they cannot be,
the file is LibCST's to parse, and a check whose tree turns out of another shape is made again."""

from __future__ import annotations

import io
import sys
import sysconfig
import tokenize
import unicodedata
from pathlib import Path

import libcst as cst
import pytest

from aliaslint import cst_from_ast
from aliaslint.cst_from_ast import NotConverted, ShapeMismatch, convert_module, node_pairs
from aliaslint.cst_parsing import parse_module, parsing

from conftest import FIXTURES, halved, run_cli

ROOT = Path(__file__).parent.parent
OURS = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "aliaslint").rglob("*.py"))
# 120 modules of the standard library, spread over it: code written by many hands, in every style;
# every other one is left to the slow run (the whole sample took 21 s)
_ALL = sorted(p for p in Path(sysconfig.get_paths()["stdlib"]).glob("**/*.py") if "-packages" not in str(p))
STDLIB = [pytest.param(p, marks=[pytest.mark.slow] if k % 2 else [])
          for k, p in enumerate(_ALL[:: max(1, len(_ALL) // 120)])]


def same_shape(source: str | bytes) -> int:
    """How many nodes the converted tree pairs with LibCST's (raises if the shapes differ)."""
    return sum(1 for _ in node_pairs(convert_module(source), parse_module(source)))


@pytest.mark.parametrize("path", halved(OURS), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_fixtures_and_aliaslint_convert_to_libcsts_shape(path: Path) -> None:
    source = path.read_bytes()
    text = source.decode("utf-8")
    names = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.NAME]
    try:
        converted = convert_module(source)
    except NotConverted as e:  # what it must refuse, or (names aside) text that NFKC changes
        assert str(e) == "not NFKC" and unicodedata.normalize("NFKC", text) != text
        return
    assert all(unicodedata.normalize("NFKC", n) == n for n in names)
    assert sum(1 for _ in node_pairs(converted, parse_module(source))) > 0


@pytest.mark.parametrize("path", STDLIB, ids=lambda p: p.name)
def test_a_sample_of_the_standard_library_converts_to_libcsts_shape_or_not_at_all(path: Path) -> None:
    source = path.read_bytes()
    try:
        parse_module(source)
    except Exception:
        return  # LibCST's parser refuses it: so does the check, and the conversion is never asked
    try:
        convert = convert_module(source)
    except NotConverted:
        return
    assert sum(1 for _ in node_pairs(convert, parse_module(source))) > 0


@pytest.mark.parametrize("source", [
    "a = 1; b = 2\nc = 3;\n",
    "x = 1  # x\u00b2 \u2026\ns = 'a\u00a0b \u2081 caf\u00e9'\n",  # NFKC changes no name: a superscript, a no-break space
    "\u00e9t\u00e9 = 1\nprint(\u00e9t\u00e9)\n",  # names NFKC keeps
    "if a: b = 1; c = 2\nelif d: pass\nelse:\n    if e: pass\n    elif f:\n        pass\n",
    "if a:\n    pass\nelse:  # not an elif\n    if b:\n        pass\n",
    "for x in y: pass\nelse: z = 1\nwhile a: break\nelse:\n    continue\n",
    "x[(1), 2]\nx[(1, 2)]\nx[1, 2]\nx[(1), (2)]\nx[()]\nx[1,]\nx[a:b, ::c, d:]\nx[*a]\nx[\"(\", (1, 2)]\n",
    "s = 'a' \"b\" r'c\\''\nb = b'd' rb\"e\"\nt = ('e'  # comment\n     'f'\n     '''g\n''')\n",
    "u = f'{a!r:>{w}}' 'x' f\"{b}\"\nv = rb'\\\\' + Rb'\\x00'\n",
    # f-strings: text as written, fields with `=`, a conversion and a format spec that holds fields
    'x = f"{x=}" f"{ x = !r:>10}" f\'{y!s}\' "z" f"{{a}}{b}}}"\n',
    'x = f"\\N{EM DASH}{x}\\n{y:%Y-%m-%d %H:%M}"\n',
    'x = rf"\\{x}\\d+{y}" fr\'{z!a}\' Rf"{a}" F"{b}"\n',
    'x = f"""{a\n+ b}\n{c:{d}.{e}f}"""\n',
    'x = f"{a if b else c}{[i for i in y]}{ {1: 2}[1] }{(lambda q: q)(1)}{d[\'k\']}"\n',
    'x = f"{a == b}{a != b}{a <= b}{a >= b}{(y := 3)}{x:=5}"\n',
    'x = f"{x:}" f"{x!r:}" f"{f\'{y}\'}"\n',
    "x = f'{a, b}' f'{*a, b}' f'{yield_}' f'{a.b.c(d=1)}'\n",
    "x = (f'a'\n     f'{b}'  # c\n     'd')\n",
    "x = f'\\'{a}\\'' f\"\\\"{b}\"\n",
    "x = f'{a:{b}{c}}' f'{a:{b!r}x}'\n",
    "f(a, *b, c=1, *d, **e)\ng(x for x in y)\nh(*a, k=2)\n",
    "def f(a, /, b=1, *c, d, e=2, **g) -> int: pass\ndef h(*, k): pass\nlambda a, /, *, b=1: a\n",
    "@d\n@e.f(1)\nclass A(B, *C, metaclass=M, **k):\n    x: int\n    y: int = 2\n",
    "async def f():\n    async for a in b: await c\n    async with d as (e, f), g: yield\n    x = yield from h\n    return [i async for i in j]\n",
    "from ... import a\nfrom .b.c import (d as e, f)\nfrom g import *\nimport h.i.j as k, l\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise C from e\nexcept D:\n    pass\nelse:\n    pass\nfinally:\n    del a, b[0], c.d\n",
    "global a, b\nassert x, 'm'\nx = a if b else c\ny = (z := 1)\nw = not a < b <= c is not d\n",
    "x = -1 ** 2 + ~a @ b // c % d << e >> f | g ^ h & i\nx += 1; x @= y; x **= 2\n",
    "a = b and c and (d or e or f)\nq = {**a, 'b': 1, 2: [*c]}\ns = {1, *d}\nt = *a, b\n",
    "x = 1_000 + 0x1F + 1e-5 + 1.5j + 0o7 + 0b1 + .5\ny = ... ; z = None, True, False\n",
    "r = [x for x in y if x if z for w in x]\ns = {k: v for k, v in d.items()}\n",
    "class A: pass\n\n\n\n# a comment\n\n\ndef f(): return 1  # trailing\n",
    "x = 'é' + \"ü\"; y = f(é=1)\n",
    # a sequence pattern in parentheses of its own is LibCST's MatchTuple, in brackets or none its MatchList
    "match p, q:\n    case (a, b) | [a, b] | (a, *_) | a, b | (a,) | () | []:\n        pass\n"
    "    case ((a, b)) | ([a, b]) | (a), (b) | [a], [b] | (a) | _:\n        pass\n",
    "match x:\n    case {'k': [1, *rest], a.b: {}, **kw} if kw: y = 1\n"
    "    case Point(1, (2 | 3) as z, y=-1.5-2j) | None | True | 'a' 'b': pass\n"
    "    case str() | A.B(c=[_]) as d:\n        match d:\n            case _: pass\n",
])
def test_code_of_every_kind_converts_to_libcsts_shape(source: str) -> None:
    assert same_shape(source) > 0
    assert same_shape(source.encode("utf-8")) > 0


@pytest.mark.skipif(sys.version_info < (3, 12), reason="f-strings of Python 3.12 (PEP 701)")
@pytest.mark.parametrize("source", [
    'x = f"{d["a"]}"\n',  # the quote the f-string is in, within a field
    "x = f\"{'\\n'.join(y)}\"\n",  # a backslash, in a string within a field
    'x = f"{f"{f"{1}"}"}"\n',
])
def test_the_f_strings_of_python_3_12_convert_to_libcsts_shape(source: str) -> None:
    assert same_shape(source) > 0


@pytest.mark.skipif(sys.version_info < (3, 12), reason="f-strings of Python 3.12 (PEP 701)")
def test_a_comment_in_an_f_strings_field_is_left_to_libcst() -> None:
    with pytest.raises(NotConverted, match="f-string"):
        convert_module('x = f"""{\n  a  # c\n}"""\n')


@pytest.mark.parametrize("source, why", [
    ("x = 1; \\\ny = 2\n", "backslash"),
    ("if a: \\\n    pass\n", "backslash"),
    ("x = 1\r\ny = 2\r\n", "line ends"),
    (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "encoding"),
    (b"x = '\xff'\n", "encoding"),
    ("\ufeffx = 1\n", "line ends"),
    ("x = (\n", "ast"),
    ("try:\n    pass\nexcept* E:\n    pass\n", "TryStar"),
    ("x[(f'{a}'), 1]\n", "string"),
    ("\u211d = 1\nprint(\u211d)\n", "not NFKC"),
    ("\u00b5 = 1\n", "not NFKC"),  # a micro sign, which NFKC makes a Greek mu
    ("cafe\u0301 = 1\n", "not NFKC"),  # a combining accent, which NFKC composes with the e
    ("s = 'e\u0301'\n", "not NFKC"),  # a mark anywhere: whether it is in a name is not told
])
def test_what_it_cannot_tell_is_left_to_libcst(source: str | bytes, why: str) -> None:
    with pytest.raises(NotConverted, match=why):
        convert_module(source)


def test_a_tree_of_another_shape_is_told_apart() -> None:
    with pytest.raises(ShapeMismatch, match="Module.body: 1 items"):
        list(node_pairs(convert_module("a = 1; b = 2\n"), parse_module("a = 1\nb = 2\n")))
    with pytest.raises(ShapeMismatch, match="'1' where LibCST has '2'"):
        list(node_pairs(convert_module("a = 1\n"), parse_module("a = 2\n")))
    with pytest.raises(ShapeMismatch, match="Name where LibCST has Attribute"):
        list(node_pairs(convert_module("f(a)\n"), parse_module("f(a.b)\n")))
    ours = convert_module("f(a)\n")
    with pytest.raises(ShapeMismatch, match="Call.args: list where LibCST has tuple"):  # code that adds to it would fail
        list(node_pairs(ours.deep_replace(ours.body[0].body[0].value, ours.body[0].body[0].value.with_changes(
            args=list(ours.body[0].body[0].value.args))), parse_module("f(a)\n")))


def test_a_default_left_out_while_parsing_is_shared_and_fresh_outside() -> None:
    with parsing():
        a, b = cst.Call(func=cst.Name("f")), cst.Call(func=cst.Name("g"))
    assert a.whitespace_before_args is b.whitespace_before_args
    c, d = cst.Call(func=cst.Name("f")), cst.Call(func=cst.Name("g"))
    assert c.whitespace_before_args is not d.whitespace_before_args
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


SPACED = """\
import numpy as np


def lin( x ):
    return ( x )


def grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f( x )
        x[i] = old - h
        fm = f(  # the same array
            x )
        x[i] = old
        g[i] = (fp - fm) / (2 * h)
    return g


print(grad(lin, np.ones(3)))
"""


def libcst_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: object) -> tuple[cst.Module, frozenset[cst.CSTNode]]:
        raise NotConverted("refused")

    monkeypatch.setattr(cst_from_ast, "convert_marked", refuse)


@pytest.mark.parametrize("args", [["--no-cache"], ["--no-cache", "--output-format", "json"], ["--no-cache", "--diff"]])
def test_positions_texts_and_fixes_are_those_of_libcsts_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
) -> None:
    (tmp_path / "spaced.py").write_text(SPACED, encoding="utf-8")
    converted = run_cli([*args, "spaced.py"], cwd=tmp_path).output
    assert run_cli(["--no-cache", "spaced.py"], cwd=tmp_path).output.splitlines()[1:3] == [
        "spaced.py:13:9: ALI001 [*] result of `f( x )` aliases `x`, which is modified in place at line 14 before"
        " this value is read at line 18; `f` is `lin` (passed at line 22), which returns its argument",
        "spaced.py:15:9: ALI001 [*] result of `f( # the same array x )` aliases `x`, which is modified in place"
        " at line 17 before this value is read at line 18; `f` is `lin` (passed at line 22), which returns its argument",
    ]
    libcst_only(monkeypatch)
    assert run_cli([*args, "spaced.py"], cwd=tmp_path).output == converted


@pytest.mark.parametrize("args", [["--no-cache"], ["--no-cache", "--diff"]])
def test_a_big_files_positions_come_from_its_statements_parsed_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
) -> None:
    """LibCST parses a file of `CHUNKED_FROM` characters or more for its positions statement by
    statement (its parser holds about 600 bytes per byte parsed): the findings' places, texts and
    fixes are the same. Here every file is that big; comments, a statement after another on one
    line, a form feed and a line separator in a string (which `str.splitlines` would split at)
    stand where they would throw the lines off."""
    text = ("# a comment\n\nimport numpy as np; import os\n\x0c\nNOTE = 'a\u2028b'\n" + SPACED.split("\n", 1)[1]
            + "\n# the end")
    (tmp_path / "spaced.py").write_text(text, encoding="utf-8")
    whole = run_cli([*args, "spaced.py"], cwd=tmp_path).output
    assert ("spaced.py:17:9: ALI001" if "--diff" not in args else "+            x ).copy()") in whole
    parsed: list[int] = []
    real = cst_from_ast.parse_module
    monkeypatch.setattr(cst_from_ast, "parse_module", lambda text: parsed.append(len(text)) or real(text))
    monkeypatch.setattr(cst_from_ast, "CHUNKED_FROM", 0)
    assert run_cli([*args, "spaced.py"], cwd=tmp_path).output == whole
    assert len(parsed) == 5 and max(parsed) < len(text)  # the imports, NOTE, `lin`, `grad`, `print(...)`


def test_positions_by_statement_are_worked_out_for_the_statements_asked_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibCST's positions of a statement (its `PositionProvider`, two thirds of reporting in a big
    file) are worked out when a node of it is first asked for; iterating works out the rest, and
    gives what a parse of the whole file gives."""
    text = "def f(a):\n    return a\n\n\ndef g(b):\n    b[0] = 1\n    return b\n\n\nh = g\n"
    tree = convert_module(text)
    chunks = cst_from_ast._chunks(tree, text)
    assert chunks is not None
    resolved: list[int] = []
    real = cst_from_ast.MetadataWrapper

    class Counted(real):  # type: ignore[misc, valid-type]
        def resolve(self, provider):  # type: ignore[no-untyped-def]
            resolved.append(1)
            return super().resolve(provider)

    monkeypatch.setattr(cst_from_ast, "MetadataWrapper", Counted)
    positions, pairs = cst_from_ast._positions_by_statement(tree, *chunks)
    assert resolved == []  # parsed and paired, no position worked out yet
    g = tree.body[1]
    assert isinstance(g, cst.FunctionDef)
    write, ret = g.body.body
    assert (positions[g.name].start.line, positions[g.name].start.column) == (5, 4)
    assert (positions[ret].start.line, positions[ret].end.line) == (7, 7)
    assert write in positions and resolved == [1]  # one statement's, once
    with pytest.raises(KeyError):
        positions[cst.Name("elsewhere")]
    every = dict(positions)
    assert len(resolved) == 3 and len(positions) == len(every)
    whole, _ = cst_from_ast.positions_as_parsed(tree, text)  # parsed whole: it is small
    alone = [n for n in every if type(n) in (cst.Name, cst.FunctionDef, cst.Return, cst.Assign, cst.Subscript)]
    assert len(alone) > 10 and [every[n] for n in alone] == [whole[n] for n in alone]


# a third of them, of those with more than a line or two (`__init__.py`'s nine nodes say little)
@pytest.mark.parametrize("path", [p for p in OURS if p.stat().st_size >= 100][::3], ids=lambda p: str(p.relative_to(ROOT)))
def test_positions_by_statement_are_those_of_the_whole_files_parse(path: Path) -> None:
    """Over the fixtures and aliaslint's code: every node that stands in one place only (a node
    shared by many, a comma or a dot, has no place of its own) has the position and LibCST's
    node that LibCST's parse of the whole file gives it."""
    text = path.read_text(encoding="utf-8")
    tree = convert_module(text)
    chunks = cst_from_ast._chunks(tree, text)
    assert chunks is not None
    by_statement, pairs = cst_from_ast._positions_by_statement(tree, *chunks)
    whole, whole_pairs = cst_from_ast.positions_as_parsed(tree, text) if len(text) < cst_from_ast.CHUNKED_FROM else (
        pytest.skip("parsed by statement anyway"))
    seen: dict[int, int] = {}
    for node, _ in node_pairs(tree, tree):
        seen[id(node)] = seen.get(id(node), 0) + 1
    alone = [n for n in whole if seen.get(id(n)) == 1]
    assert len(alone) > 10
    assert [by_statement.get(n) for n in alone] == [whole[n] for n in alone]
    assert all(type(pairs[n]) is type(whole_pairs[n]) for n in alone if n in whole_pairs and n is not tree)


def test_a_check_whose_tree_is_of_another_shape_is_made_again_with_libcsts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "spaced.py").write_text(SPACED, encoding="utf-8")
    expected = run_cli(["--no-cache", "spaced.py"], cwd=tmp_path).output
    real = cst_from_ast.convert_marked
    made: list[str] = []

    def one_line_more(source: str | bytes) -> tuple[cst.Module, frozenset[cst.CSTNode]]:  # what a converter's bug could make
        made.append("x")
        text = source.decode() if isinstance(source, bytes) else source
        return real(text.replace("old = x[i]\n", "old = x[i]; pass\n"))

    monkeypatch.setattr(cst_from_ast, "convert_marked", one_line_more)
    assert run_cli(["--no-cache", "spaced.py"], cwd=tmp_path).output == expected
    assert made == ["x"]
