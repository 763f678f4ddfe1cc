"""LibCST trees built from Python's own parser, for the analysis to read.

LibCST's parser was half of a check's time (sklearn alone: 15 of 30 s), and Python's ``ast.parse``
takes about a seventh of its time. The analysis reads only the part of a LibCST tree that says what
the code does: nodes and their names, strings and numbers as written, never spaces, comments,
commas or parentheses (the fields :mod:`.analysis.walk` skips). :func:`convert_module` builds that
part from ``ast``, and leaves the rest as a fresh node would have it; where it cannot tell the
shape LibCST would give, it raises :class:`NotConverted`, and the file is parsed by LibCST.

What ``ast`` leaves out is taken from the text: a string's literal (its quotes, prefix and
escapes), a number's, whether statements share a line (``a = 1; b = 2`` is one
``SimpleStatementLine``) or a body its header's line (a ``SimpleStatementSuite``), ``elif`` or
``else: if``, and whether a subscript's tuple has parentheses of its own (``a[(i, j)]`` is one
index, ``a[i, j]`` two), and whether a sequence pattern of a ``match`` is in parentheses of its
own (LibCST's ``MatchTuple``) or not (its ``MatchList``). An f-string's text and replacement
fields are read from the text as well, each field's expression parsed by ``ast`` on its own; one
read otherwise than Python reads it (not as many fields) makes the file LibCST's. A file with
``try``/``except*``, a line joined by a
backslash where statements begin, ``\\r`` line ends, any encoding but UTF-8, or a name that Unicode's
NFKC normalisation may change (``ast`` normalises names so, LibCST keeps them as written), is left to
LibCST.

:func:`node_pairs` walks such a tree and LibCST's of the same text together: positions and the
text of a node (which a rule asks only for a finding) come from LibCST's tree, parsed then (see
:class:`.rules.context.Positions`), and a tree of another shape is an error there, never a
silently misplaced finding. ``tests/test_cst_from_ast.py`` compares the two over every fixture,
aliaslint's own code and a sample of the standard library; ``benchmarks/converted.py`` over the
corpus.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
import unicodedata
from typing import Any, Callable, Iterator, Mapping

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from .cst_parsing import parse_module, parsing


class NotConverted(Exception):
    """The file is to be parsed by LibCST: this module cannot build the tree LibCST would."""


class ShapeMismatch(Exception):
    """A tree from :func:`convert_module` is not the shape of LibCST's for the same text."""


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)


def convert_module(source: str | bytes) -> cst.Module:
    """The tree LibCST would parse ``source`` into, as far as the analysis reads it; raises
    :class:`NotConverted` where it cannot tell (see the module's docstring), and RecursionError
    where the code nests deeper than the conversion recurses (see :func:`tree_of`)."""
    return convert_marked(source)[0]


def convert_marked(source: str | bytes) -> tuple[cst.Module, frozenset[CSTNode]]:
    """:func:`convert_module`'s tree, and the statements whose own expressions hold a ``lambda``
    or a ``:=`` (a small statement, or a compound one by its header), the only expressions that
    define a scope or bind a name: collecting the scopes of a file needs to enter no others (see
    :func:`.analysis.scopes.collect_scopes`)."""
    if isinstance(source, bytes):
        for line in source.split(b"\n", 2)[:2]:
            m = _COOKIE.match(line)
            if m is not None and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
                raise NotConverted("encoding")
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError:
            raise NotConverted("encoding") from None
    else:
        text = source
    if "\r" in text or text.startswith("\ufeff") or "\x00" in text:
        raise NotConverted("line ends")
    if not text.isascii() and unicodedata.normalize("NFKC", text) != text and _may_change_a_name(text):
        raise NotConverted("not NFKC")  # `ast` gives names NFKC-normalised (a double-struck R is R), LibCST as written
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NotConverted("ast") from None
    # RecursionError goes on: LibCST's parser would take minutes on what nests this deep, and the
    # analysis would recurse as deep (the caller reports the file as too deep, as when `ast` refuses it)
    with parsing():
        converter = _Converter(text)
        return converter.module(tree), frozenset(converter.binding)


def tree_of(source: str | bytes, convert: bool) -> tuple[cst.Module, frozenset[CSTNode] | None]:
    """The text's tree, and for one built from ``ast`` (with ``convert``, where it can be) the
    statements whose expressions bind (see :func:`convert_marked`); for LibCST's, whose errors
    this raises, None. RecursionError where the code nests deeper than the conversion can go:
    LibCST's parser would take minutes there (``tests/test_hostile.py``)."""
    if convert:
        try:
            return convert_marked(source)
        except NotConverted:
            pass
    return parse_module(source), None


def _may_change_a_name(text: str) -> bool:
    """Whether NFKC normalisation may change a name of the text (and `ast` then give it otherwise
    than written), for a text it changes. A name holds only characters that can continue one, as
    written (CPython checks them before it normalises), so a change made only by characters that
    cannot (a superscript, a no-break space, an ellipsis in a docstring: 22 of the 25 corpus files
    that NFKC changes) leaves every name as it is. A character that can is taken to change a name
    if NFKC changes it alone, or if it is a mark or a Hangul jamo, which compose with what
    precedes them."""
    for c in set(text):
        if c.isascii() or not ("x" + c).isidentifier():
            continue
        if unicodedata.normalize("NFKC", c) != c or unicodedata.category(c).startswith("M") or _is_jamo(c):
            return True
    return False


def _is_jamo(c: str) -> bool:
    n = ord(c)
    return 0x1100 <= n <= 0x11FF or 0xA960 <= n <= 0xA97F or 0xD7B0 <= n <= 0xD7FF  # the compatibility jamo NFKC changes alone


_BINARY: dict[type, type] = {
    ast.Add: cst.Add, ast.Sub: cst.Subtract, ast.Mult: cst.Multiply, ast.Div: cst.Divide,
    ast.FloorDiv: cst.FloorDivide, ast.Mod: cst.Modulo, ast.Pow: cst.Power, ast.LShift: cst.LeftShift,
    ast.RShift: cst.RightShift, ast.BitOr: cst.BitOr, ast.BitXor: cst.BitXor, ast.BitAnd: cst.BitAnd,
    ast.MatMult: cst.MatrixMultiply,
}
_AUGMENTED: dict[type, type] = {
    ast.Add: cst.AddAssign, ast.Sub: cst.SubtractAssign, ast.Mult: cst.MultiplyAssign,
    ast.Div: cst.DivideAssign, ast.FloorDiv: cst.FloorDivideAssign, ast.Mod: cst.ModuloAssign,
    ast.Pow: cst.PowerAssign, ast.LShift: cst.LeftShiftAssign, ast.RShift: cst.RightShiftAssign,
    ast.BitOr: cst.BitOrAssign, ast.BitXor: cst.BitXorAssign, ast.BitAnd: cst.BitAndAssign,
    ast.MatMult: cst.MatrixMultiplyAssign,
}
_UNARY: dict[type, type] = {ast.Not: cst.Not, ast.USub: cst.Minus, ast.UAdd: cst.Plus, ast.Invert: cst.BitInvert}
_COMPARE: dict[type, type] = {
    ast.Eq: cst.Equal, ast.NotEq: cst.NotEqual, ast.Lt: cst.LessThan, ast.LtE: cst.LessThanEqual,
    ast.Gt: cst.GreaterThan, ast.GtE: cst.GreaterThanEqual, ast.In: cst.In, ast.NotIn: cst.NotIn,
    ast.Is: cst.Is, ast.IsNot: cst.IsNot,
}
_SIMPLE = frozenset({
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.Raise, ast.Assert, ast.Delete,
    ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom,
})


class _Converter:
    def __init__(self, text: str) -> None:
        self.data = data = text.encode("utf-8")  # `ast` counts columns in UTF-8 bytes
        starts = [0]
        find = data.find
        i = find(b"\n")
        while i >= 0:
            starts.append(i + 1)
            i = find(b"\n", i + 1)
        self.starts = starts
        self.binding: list[CSTNode] = []  # see convert_marked
        self.binds = 0  # lambdas and `:=` made in the statement being converted, not in one within

    def marked(self, convert: Callable[[_Converter, Any], Any], s: ast.stmt) -> Any:
        """The statement ``convert`` makes of ``s``, kept in ``binding`` if its own expressions hold
        a lambda or a ``:=`` (those of the statements within it are theirs)."""
        outer, self.binds = self.binds, 0
        node = convert(self, s)
        if self.binds:
            self.binding.append(node)
        self.binds = outer
        return node

    # -- the text ----------------------------------------------------------------------------

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def segment(self, node: Any) -> str:
        return self.data[self.offset(node.lineno, node.col_offset):self.offset(node.end_lineno, node.end_col_offset)].decode("utf-8")

    def starts_line(self, node: Any) -> bool:
        """Whether ``node`` is the first thing on its line (so not after a header's colon or a
        semicolon); a line joined to the one before by a backslash is left to LibCST."""
        line = node.lineno
        begin = self.starts[line - 1]
        if self.data[begin:begin + node.col_offset].strip(b" \t\f"):
            return False
        if line > 1 and self.data[self.starts[line - 2]:begin].rstrip(b"\n").endswith(b"\\"):
            raise NotConverted("backslash")
        return True

    # -- statements --------------------------------------------------------------------------

    def module(self, tree: ast.Module) -> cst.Module:
        return cst.Module(body=self.statements(tree.body))

    def statements(self, body: list[ast.stmt]) -> tuple[cst.BaseStatement, ...]:
        out: list[Any] = []
        line: list[Any] | None = None
        end = -1
        for s in body:
            t = type(s)
            if t in _SIMPLE:
                small = self.marked(_SMALL[t], s)
                if line is not None and s.lineno == end:
                    line.append(small)
                else:
                    self.starts_line(s)
                    line = [small]
                    out.append(line)
                end = s.end_lineno  # type: ignore[assignment]
            else:
                line = None
                convert = _COMPOUND.get(t)
                if convert is None:
                    raise NotConverted(t.__name__)
                out.append(self.marked(convert, s))
        return tuple([cst.SimpleStatementLine(body=tuple(x)) if type(x) is list else x for x in out])

    def block(self, body: list[ast.stmt]) -> cst.BaseSuite:
        first = body[0]
        if type(first) in _SIMPLE and not self.starts_line(first):
            if any(type(s) not in _SIMPLE or s.lineno != first.lineno for s in body):
                raise NotConverted("suite")
            return cst.SimpleStatementSuite(body=tuple([self.marked(_SMALL[type(s)], s) for s in body]))
        return cst.IndentedBlock(body=self.statements(body))

    def orelse(self, body: list[ast.stmt]) -> cst.Else | None:
        return cst.Else(body=self.block(body)) if body else None

    def if_(self, s: ast.If) -> cst.If:
        orelse: Any = None
        if s.orelse:
            first = s.orelse[0]
            if len(s.orelse) == 1 and type(first) is ast.If and \
                    self.data.startswith(b"elif", self.offset(first.lineno, first.col_offset)):
                orelse = self.if_(first)
            else:
                orelse = cst.Else(body=self.block(s.orelse))
        return cst.If(test=self.expr(s.test), body=self.block(s.body), orelse=orelse)

    def for_(self, s: ast.For | ast.AsyncFor) -> cst.For:
        return cst.For(target=self.expr(s.target), iter=self.expr(s.iter), body=self.block(s.body),
                       orelse=self.orelse(s.orelse),
                       asynchronous=cst.Asynchronous() if type(s) is ast.AsyncFor else None)

    def while_(self, s: ast.While) -> cst.While:
        return cst.While(test=self.expr(s.test), body=self.block(s.body), orelse=self.orelse(s.orelse))

    def with_(self, s: ast.With | ast.AsyncWith) -> cst.With:
        items = tuple([cst.WithItem(item=self.expr(i.context_expr),
                              asname=None if i.optional_vars is None else cst.AsName(name=self.expr(i.optional_vars)))
                 for i in s.items])
        return cst.With(items=items, body=self.block(s.body),
                        asynchronous=cst.Asynchronous() if type(s) is ast.AsyncWith else None)

    def functiondef(self, s: ast.FunctionDef | ast.AsyncFunctionDef) -> cst.FunctionDef:
        if getattr(s, "type_params", None):
            raise NotConverted("type parameters")
        return cst.FunctionDef(
            name=cst.Name(s.name), params=self.parameters(s.args), body=self.block(s.body),
            decorators=tuple([cst.Decorator(decorator=self.expr(d)) for d in s.decorator_list]),
            returns=None if s.returns is None else cst.Annotation(annotation=self.expr(s.returns)),
            asynchronous=cst.Asynchronous() if type(s) is ast.AsyncFunctionDef else None,
        )

    def classdef(self, s: ast.ClassDef) -> cst.ClassDef:
        if getattr(s, "type_params", None):
            raise NotConverted("type parameters")
        return cst.ClassDef(
            name=cst.Name(s.name), body=self.block(s.body),
            bases=tuple([self.argument(b) for b in s.bases]), keywords=tuple([self.keyword(k) for k in s.keywords]),
            decorators=tuple([cst.Decorator(decorator=self.expr(d)) for d in s.decorator_list]),
        )

    def try_(self, s: ast.Try) -> cst.Try:
        handlers = [
            cst.ExceptHandler(body=self.block(h.body), type=None if h.type is None else self.expr(h.type),
                              name=None if h.name is None else cst.AsName(name=cst.Name(h.name)))
            for h in s.handlers
        ]
        return cst.Try(body=self.block(s.body), handlers=tuple(handlers), orelse=self.orelse(s.orelse),
                       finalbody=cst.Finally(body=self.block(s.finalbody)) if s.finalbody else None)

    def match_(self, s: ast.Match) -> cst.Match:
        return cst.Match(subject=self.expr(s.subject), cases=tuple([
            cst.MatchCase(pattern=self.pattern(c.pattern), body=self.block(c.body),
                          guard=None if c.guard is None else self.expr(c.guard))
            for c in s.cases
        ]))

    def pattern(self, p: ast.pattern) -> Any:
        t = type(p)
        if t is ast.MatchAs:
            return cst.MatchAs(pattern=None if p.pattern is None else self.pattern(p.pattern),
                               name=None if p.name is None else cst.Name(p.name))
        if t is ast.MatchValue:
            return cst.MatchValue(value=self.expr(p.value))
        if t is ast.MatchSingleton:
            return cst.MatchSingleton(value=cst.Name(str(p.value)))
        if t is ast.MatchSequence:
            patterns = tuple([cst.MatchStar(name=None if x.name is None else cst.Name(x.name))
                              if type(x) is ast.MatchStar else cst.MatchSequenceElement(value=self.pattern(x))
                              for x in p.patterns])
            # LibCST's tuple is a sequence in parentheses of its own; brackets, or none, make a list
            text = self.segment(p)
            if text.startswith("(") and _closing(text) == len(text) - 1:
                return cst.MatchTuple(patterns=patterns)
            return cst.MatchList(patterns=patterns)
        if t is ast.MatchMapping:
            return cst.MatchMapping(
                elements=tuple([cst.MatchMappingElement(key=self.expr(k), pattern=self.pattern(x))
                                for k, x in zip(p.keys, p.patterns)]),
                rest=None if p.rest is None else cst.Name(p.rest))
        if t is ast.MatchClass:
            return cst.MatchClass(
                cls=self.expr(p.cls), patterns=tuple([cst.MatchSequenceElement(value=self.pattern(x)) for x in p.patterns]),
                kwds=tuple([cst.MatchKeywordElement(key=cst.Name(k), pattern=self.pattern(x))
                            for k, x in zip(p.kwd_attrs, p.kwd_patterns)]))
        if t is ast.MatchOr:
            last = len(p.patterns) - 1  # each `|` is the separator of the pattern before it, as in LibCST's
            return cst.MatchOr(patterns=tuple([
                cst.MatchOrElement(pattern=self.pattern(x), separator=cst.BitOr() if k < last else cst.MaybeSentinel.DEFAULT)
                for k, x in enumerate(p.patterns)]))
        raise NotConverted(t.__name__)

    def assign(self, s: ast.Assign) -> cst.Assign:
        return cst.Assign(targets=tuple([cst.AssignTarget(target=self.expr(t)) for t in s.targets]), value=self.expr(s.value))

    def augassign(self, s: ast.AugAssign) -> cst.AugAssign:
        return cst.AugAssign(target=self.expr(s.target), operator=_AUGMENTED[type(s.op)](), value=self.expr(s.value))

    def annassign(self, s: ast.AnnAssign) -> cst.AnnAssign:
        return cst.AnnAssign(target=self.expr(s.target), annotation=cst.Annotation(annotation=self.expr(s.annotation)),
                             value=None if s.value is None else self.expr(s.value))

    def expr_stmt(self, s: ast.Expr) -> cst.Expr:
        return cst.Expr(value=self.expr(s.value))

    def return_(self, s: ast.Return) -> cst.Return:
        return cst.Return(value=None if s.value is None else self.expr(s.value))

    def raise_(self, s: ast.Raise) -> cst.Raise:
        return cst.Raise(exc=None if s.exc is None else self.expr(s.exc),
                         cause=None if s.cause is None else cst.From(item=self.expr(s.cause)))

    def assert_(self, s: ast.Assert) -> cst.Assert:
        return cst.Assert(test=self.expr(s.test), msg=None if s.msg is None else self.expr(s.msg))

    def delete(self, s: ast.Delete) -> cst.Del:
        if len(s.targets) == 1:
            return cst.Del(target=self.expr(s.targets[0]))
        return cst.Del(target=cst.Tuple(elements=tuple([cst.Element(value=self.expr(t)) for t in s.targets])))

    def pass_(self, s: ast.Pass) -> cst.Pass:
        return cst.Pass()

    def break_(self, s: ast.Break) -> cst.Break:
        return cst.Break()

    def continue_(self, s: ast.Continue) -> cst.Continue:
        return cst.Continue()

    def global_(self, s: ast.Global) -> cst.Global:
        return cst.Global(names=tuple([cst.NameItem(name=cst.Name(n)) for n in s.names]))

    def nonlocal_(self, s: ast.Nonlocal) -> cst.Nonlocal:
        return cst.Nonlocal(names=tuple([cst.NameItem(name=cst.Name(n)) for n in s.names]))

    def import_(self, s: ast.Import) -> cst.Import:
        return cst.Import(names=tuple([self.alias(a, True) for a in s.names]))

    def importfrom(self, s: ast.ImportFrom) -> cst.ImportFrom:
        names: Any = cst.ImportStar() if s.names[0].name == "*" else tuple([self.alias(a, False) for a in s.names])
        return cst.ImportFrom(module=None if s.module is None else _dotted(s.module), names=names,
                              relative=tuple([cst.Dot() for _ in range(s.level or 0)]))

    def alias(self, a: ast.alias, dotted: bool) -> cst.ImportAlias:
        return cst.ImportAlias(name=_dotted(a.name) if dotted else cst.Name(a.name),
                               asname=None if a.asname is None else cst.AsName(name=cst.Name(a.asname)))

    # -- expressions -------------------------------------------------------------------------

    def expr(self, e: ast.expr) -> Any:
        convert = _EXPRESSION.get(type(e))
        if convert is None:
            raise NotConverted(type(e).__name__)
        return convert(self, e)

    def name(self, e: ast.Name) -> cst.Name:
        return cst.Name(e.id)

    def attribute(self, e: ast.Attribute) -> cst.Attribute:
        return cst.Attribute(value=self.expr(e.value), attr=cst.Name(e.attr))

    def call(self, e: ast.Call) -> cst.Call:
        args = [self.argument(a) for a in e.args]
        if e.keywords:
            if any(type(a) is ast.Starred for a in e.args):  # `f(a, *b, c=1, *d)`: in the text's order
                both = sorted([*e.args, *e.keywords], key=lambda n: (n.lineno, n.col_offset))
                args = [self.keyword(n) if type(n) is ast.keyword else self.argument(n) for n in both]
            else:
                args += [self.keyword(k) for k in e.keywords]
        return cst.Call(func=self.expr(e.func), args=tuple(args))

    def argument(self, a: ast.expr) -> cst.Arg:
        if type(a) is ast.Starred:
            return cst.Arg(value=self.expr(a.value), star="*")
        return cst.Arg(value=self.expr(a))

    def keyword(self, k: ast.keyword) -> cst.Arg:
        if k.arg is None:
            return cst.Arg(value=self.expr(k.value), star="**")
        return cst.Arg(value=self.expr(k.value), keyword=cst.Name(k.arg))

    def constant(self, e: ast.Constant) -> Any:
        v = e.value
        t = type(v)
        if t is str or t is bytes:
            parts = _string_parts(self.segment(e))
            out: Any = cst.SimpleString(parts[-1])
            for p in reversed(parts[:-1]):
                out = cst.ConcatenatedString(left=cst.SimpleString(p), right=out)
            return out
        if t is bool or v is None:
            return cst.Name(str(v))
        if t is int:
            return cst.Integer(self.segment(e))
        if t is float:
            return cst.Float(self.segment(e))
        if t is complex:
            return cst.Imaginary(self.segment(e))
        if v is Ellipsis:
            return cst.Ellipsis()
        raise NotConverted("constant")

    def joinedstr(self, e: ast.JoinedStr) -> Any:
        """An f-string, and the literals joined to it, read from the text: ``ast`` gives a literal's
        text decoded, and (before Python 3.12) the places of the expressions in it as found by a
        search, which may be another occurrence of the same text."""
        text = self.segment(e)
        if "lambda" in text or ":=" in text:  # its fields' expressions are converted apart
            self.binds += 1
        literals: list[Any] = []
        fields = 0
        i, n = 0, len(text)
        while i < n:
            m = _PREFIX.match(text, i)
            if m is None:
                raise NotConverted("string")
            if "f" in m.group().lower():
                literal, i = _fstring(text, i, m.end())
                fields += sum(1 for p in literal.parts if type(p) is cst.FormattedStringExpression)
            else:
                end = _string_end(text, i)
                literal, i = cst.SimpleString(text[i:end]), end
            literals.append(literal)
            i = _next_literal(text, i)
        if fields != sum(1 for v in e.values if type(v) is ast.FormattedValue):
            raise NotConverted("f-string")  # not read as Python reads it
        out = literals[-1]
        for literal in reversed(literals[:-1]):
            out = cst.ConcatenatedString(left=literal, right=out)
        return out

    def subscript(self, e: ast.Subscript) -> cst.Subscript:
        s = e.slice
        if type(s) is ast.Tuple and s.elts and not self.parenthesized(s):
            elements = [cst.SubscriptElement(slice=self.index(x)) for x in s.elts]
        else:
            elements = [cst.SubscriptElement(slice=self.index(s))]
        return cst.Subscript(value=self.expr(e.value), slice=tuple(elements))

    def index(self, s: ast.expr) -> Any:
        if type(s) is ast.Slice:
            return cst.Slice(lower=None if s.lower is None else self.expr(s.lower),
                             upper=None if s.upper is None else self.expr(s.upper),
                             step=None if s.step is None else self.expr(s.step))
        if type(s) is ast.Starred:
            return cst.Index(value=self.expr(s.value), star="*")
        return cst.Index(value=self.expr(s))

    def parenthesized(self, e: ast.Tuple) -> bool:
        """Whether the tuple's own parentheses enclose it (``(i, j)``, not ``(i), (j)``)."""
        text = self.segment(e)
        return text.startswith("(") and _closing(text) == len(text) - 1

    def binop(self, e: ast.BinOp) -> cst.BinaryOperation:
        return cst.BinaryOperation(left=self.expr(e.left), operator=_BINARY[type(e.op)](), right=self.expr(e.right))

    def unaryop(self, e: ast.UnaryOp) -> cst.UnaryOperation:
        return cst.UnaryOperation(operator=_UNARY[type(e.op)](), expression=self.expr(e.operand))

    def boolop(self, e: ast.BoolOp) -> cst.BooleanOperation:
        op = cst.And if type(e.op) is ast.And else cst.Or
        out: Any = self.expr(e.values[0])
        for v in e.values[1:]:
            out = cst.BooleanOperation(left=out, operator=op(), right=self.expr(v))
        return out  # type: ignore[no-any-return]

    def compare(self, e: ast.Compare) -> cst.Comparison:
        return cst.Comparison(left=self.expr(e.left), comparisons=tuple([
            cst.ComparisonTarget(operator=_COMPARE[type(op)](), comparator=self.expr(c))
            for op, c in zip(e.ops, e.comparators)
        ]))

    def elements(self, elts: list[ast.expr]) -> tuple[Any, ...]:
        return tuple([cst.StarredElement(value=self.expr(x.value)) if type(x) is ast.Starred else cst.Element(value=self.expr(x))
                      for x in elts])

    def tuple(self, e: ast.Tuple) -> cst.Tuple:
        return cst.Tuple(elements=self.elements(e.elts))

    def list(self, e: ast.List) -> cst.List:
        return cst.List(elements=self.elements(e.elts))

    def set(self, e: ast.Set) -> cst.Set:
        return cst.Set(elements=self.elements(e.elts))

    def dict(self, e: ast.Dict) -> cst.Dict:
        return cst.Dict(elements=tuple([
            cst.StarredDictElement(value=self.expr(v)) if k is None else cst.DictElement(key=self.expr(k), value=self.expr(v))
            for k, v in zip(e.keys, e.values)
        ]))

    def comp_for(self, generators: list[ast.comprehension]) -> cst.CompFor:
        inner: Any = None
        for g in reversed(generators):
            inner = cst.CompFor(target=self.expr(g.target), iter=self.expr(g.iter),
                                ifs=tuple([cst.CompIf(test=self.expr(t)) for t in g.ifs]), inner_for_in=inner,
                                asynchronous=cst.Asynchronous() if g.is_async else None)
        return inner  # type: ignore[no-any-return]

    def listcomp(self, e: ast.ListComp) -> cst.ListComp:
        return cst.ListComp(elt=self.expr(e.elt), for_in=self.comp_for(e.generators))

    def setcomp(self, e: ast.SetComp) -> cst.SetComp:
        return cst.SetComp(elt=self.expr(e.elt), for_in=self.comp_for(e.generators))

    def genexp(self, e: ast.GeneratorExp) -> cst.GeneratorExp:
        return cst.GeneratorExp(elt=self.expr(e.elt), for_in=self.comp_for(e.generators))

    def dictcomp(self, e: ast.DictComp) -> cst.DictComp:
        return cst.DictComp(key=self.expr(e.key), value=self.expr(e.value), for_in=self.comp_for(e.generators))

    def lambda_(self, e: ast.Lambda) -> cst.Lambda:
        self.binds += 1
        return cst.Lambda(params=self.parameters(e.args), body=self.expr(e.body))

    def parameters(self, a: ast.arguments) -> cst.Parameters:
        positional = [*a.posonlyargs, *a.args]
        defaults: list[Any] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        made = [self.param(p, d) for p, d in zip(positional, defaults)]
        n = len(a.posonlyargs)
        star: Any = cst.MaybeSentinel.DEFAULT
        if a.vararg is not None:
            star = self.param(a.vararg, None, "*")
        elif a.kwonlyargs:
            star = cst.ParamStar()
        return cst.Parameters(
            params=tuple(made[n:]), star_arg=star,
            kwonly_params=tuple([self.param(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults)]),
            star_kwarg=None if a.kwarg is None else self.param(a.kwarg, None, "**"),
            posonly_params=tuple(made[:n]), posonly_ind=cst.ParamSlash() if n else cst.MaybeSentinel.DEFAULT,
        )

    def param(self, p: ast.arg, default: ast.expr | None, star: str = "") -> cst.Param:
        return cst.Param(name=cst.Name(p.arg),
                         annotation=None if p.annotation is None else cst.Annotation(annotation=self.expr(p.annotation)),
                         default=None if default is None else self.expr(default), star=star)

    def ifexp(self, e: ast.IfExp) -> cst.IfExp:
        return cst.IfExp(test=self.expr(e.test), body=self.expr(e.body), orelse=self.expr(e.orelse))

    def namedexpr(self, e: ast.NamedExpr) -> cst.NamedExpr:
        self.binds += 1
        return cst.NamedExpr(target=self.expr(e.target), value=self.expr(e.value))

    def await_(self, e: ast.Await) -> cst.Await:
        return cst.Await(expression=self.expr(e.value))

    def yield_(self, e: ast.Yield) -> cst.Yield:
        return cst.Yield(value=None if e.value is None else self.expr(e.value))

    def yieldfrom(self, e: ast.YieldFrom) -> cst.Yield:
        return cst.Yield(value=cst.From(item=self.expr(e.value)))

    def starred(self, e: ast.Starred) -> cst.StarredElement:
        raise NotConverted("starred")  # only inside the containers, calls and subscripts above


# What converts each kind of node (functions of the class, not bound methods: a converter held in
# a cycle through its own methods would keep its file's text until the collector ran)
_C = _Converter
_EXPRESSION: dict[type, Callable[[_Converter, Any], Any]] = {
    ast.Name: _C.name, ast.Attribute: _C.attribute, ast.Call: _C.call, ast.Constant: _C.constant,
    ast.Subscript: _C.subscript, ast.BinOp: _C.binop, ast.UnaryOp: _C.unaryop, ast.BoolOp: _C.boolop,
    ast.Compare: _C.compare, ast.Tuple: _C.tuple, ast.List: _C.list, ast.Set: _C.set, ast.Dict: _C.dict,
    ast.ListComp: _C.listcomp, ast.SetComp: _C.setcomp, ast.DictComp: _C.dictcomp,
    ast.GeneratorExp: _C.genexp, ast.Lambda: _C.lambda_, ast.IfExp: _C.ifexp,
    ast.NamedExpr: _C.namedexpr, ast.Await: _C.await_, ast.Yield: _C.yield_,
    ast.YieldFrom: _C.yieldfrom, ast.JoinedStr: _C.joinedstr, ast.Starred: _C.starred,
}
_SMALL: dict[type, Callable[[_Converter, Any], Any]] = {
    ast.Assign: _C.assign, ast.AugAssign: _C.augassign, ast.AnnAssign: _C.annassign,
    ast.Expr: _C.expr_stmt, ast.Return: _C.return_, ast.Raise: _C.raise_, ast.Assert: _C.assert_,
    ast.Delete: _C.delete, ast.Pass: _C.pass_, ast.Break: _C.break_, ast.Continue: _C.continue_,
    ast.Global: _C.global_, ast.Nonlocal: _C.nonlocal_, ast.Import: _C.import_,
    ast.ImportFrom: _C.importfrom,
}
_COMPOUND: dict[type, Callable[[_Converter, Any], Any]] = {
    ast.If: _C.if_, ast.For: _C.for_, ast.AsyncFor: _C.for_, ast.While: _C.while_, ast.With: _C.with_,
    ast.AsyncWith: _C.with_, ast.FunctionDef: _C.functiondef, ast.AsyncFunctionDef: _C.functiondef,
    ast.ClassDef: _C.classdef, ast.Try: _C.try_, ast.Match: _C.match_,
}
assert frozenset(_SMALL) == _SIMPLE


def _dotted(name: str) -> Any:
    parts = name.split(".")
    out: Any = cst.Name(parts[0])
    for p in parts[1:]:
        out = cst.Attribute(value=out, attr=cst.Name(p))
    return out


_PREFIX = re.compile(r"[A-Za-z]{0,2}(?='|\")")


# The rest of a literal after its opening quote, up to and with its closing one (a backslash
# keeps the character after it, in raw strings too, as Python's tokenizer does).
_REST = {
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
    "'": re.compile(r"(?:[^'\\\n]|\\.)*'", re.S),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"', re.S),
}


def _string_end(text: str, i: int) -> int:
    """Where the string literal that starts at ``text[i]`` (its prefix) ends."""
    m = _PREFIX.match(text, i)
    if m is None or "f" in m.group().lower():
        raise NotConverted("string")
    j = m.end()
    quote = text[j:j + 3] if text.startswith(text[j] * 3, j) else text[j]
    k = text.find(quote, j + len(quote))
    if k > 0 and text[k - 1] != "\\":  # the first closing quote, not escaped: the common case
        return k + len(quote)
    rest = _REST[quote].match(text, j + len(quote))
    if rest is None:
        raise NotConverted("string")
    return rest.end()


def _string_parts(text: str) -> list[str]:
    """The literals of a string constant (``'a' "b"`` is two), as written."""
    parts = []
    i, n = 0, len(text)
    while i < n:
        end = _string_end(text, i)
        parts.append(text[i:end])
        i = _next_literal(text, end)
    return parts


def _next_literal(text: str, i: int) -> int:
    """Where the literal after the one that ends at ``i`` starts (the text's end after the last)."""
    n = len(text)
    while i < n and text[i] in " \t\f\n\\#":  # what may stand between two literals
        if text[i] == "#":
            i = text.find("\n", i)
            if i < 0:
                raise NotConverted("string")
        else:
            i += 1
    return i


def _fstring(text: str, start: int, j: int) -> tuple[cst.FormattedString, int]:
    """The f-string literal whose prefix starts at ``text[start]`` and quote at ``text[j]``, and
    where it ends: its text and replacement fields as LibCST has them (text as written, ``{{``
    included)."""
    quote = text[j:j + 3] if text.startswith(text[j] * 3, j) else text[j]
    raw = "r" in text[start:j].lower()
    parts, k = _fstring_parts(text, j + len(quote), quote, raw, False)
    return cst.FormattedString(parts=tuple(parts), start=text[start:j + len(quote)], end=quote), k + len(quote)


def _fstring_parts(text: str, k: int, quote: str, raw: bool, spec: bool) -> tuple[list[Any], int]:
    """The parts of an f-string from ``text[k]`` to its closing quote, or of a format spec to the
    ``}`` that ends its field; and where that stands."""
    parts: list[Any] = []
    n = len(text)
    begin = k
    while True:
        if k >= n:
            raise NotConverted("f-string")
        c = text[k]
        if c == "}" and spec:
            break
        if c == quote[0] and text.startswith(quote, k):
            if spec:
                raise NotConverted("f-string")
            break
        if c == "\\":
            if not raw and text.startswith("N{", k + 1):  # a character by its name: `\N{DASH}`
                k = text.find("}", k)
                if k < 0:
                    raise NotConverted("f-string")
                k += 1
            else:  # an escaped character, but a brace after a backslash is still a brace
                k += 1 if text[k + 1:k + 2] in ("{", "}") else 2
            continue
        if c == "{" or c == "}":
            if not spec and text.startswith(c * 2, k):
                k += 2
                continue
            if c == "}" or spec and text.startswith("{{", k):
                raise NotConverted("f-string")
            if k > begin:
                parts.append(cst.FormattedStringText(text[begin:k]))
            field, k = _field(text, k + 1, quote, raw)
            parts.append(field)
            begin = k
            continue
        k += 1
    if k > begin:
        parts.append(cst.FormattedStringText(text[begin:k]))
    return parts, k


def _field(text: str, k: int, quote: str, raw: bool) -> tuple[cst.FormattedStringExpression, int]:
    """The replacement field whose expression starts at ``text[k]``, and where it ends (after its
    ``}``): the expression, then ``=``, ``!`` and a conversion, ``:`` and a format spec, each if
    written."""
    n = len(text)
    first = k
    depth = 0
    while True:
        if k >= n:
            raise NotConverted("f-string")
        c = text[k]
        if c in "<>!=" and text.startswith("=", k + 1):  # <=, >=, !=, ==
            k += 2
            continue
        if depth == 0 and c in "}!:=":
            break
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c in "'\"" or c.isalpha() or c == "_":
            m = _PREFIX.match(text, k)
            if m is not None:
                k = _fstring(text, k, m.end())[1] if "f" in m.group().lower() else _string_end(text, k)
                continue
            while k < n and (text[k].isalnum() or text[k] == "_"):
                k += 1
            continue
        elif c in "#\\":  # a comment, or a backslash outside a string (Python 3.12 allows both): LibCST's
            raise NotConverted("f-string")
        k += 1
    expression = _expression(text[first:k])
    if text[k] == "=":  # `{x=}`: the text of the expression, then its value
        k += 1
        while k < n and text[k] in " \t\f\n":
            k += 1
    conversion = None
    if k < n and text[k] == "!":
        m = _CONVERSION.match(text, k + 1)
        if m is None:
            raise NotConverted("f-string")
        conversion, k = m.group(), m.end()
    format_spec = None
    if k < n and text[k] == ":":
        spec, k = _fstring_parts(text, k + 1, quote, raw, True)
        format_spec = tuple(spec)
    if not text.startswith("}", k):
        raise NotConverted("f-string")
    return cst.FormattedStringExpression(expression=expression, conversion=conversion, format_spec=format_spec), k + 1


_CONVERSION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _expression(source: str) -> Any:
    """The tree of a replacement field's expression, converted as an expression of its own."""
    text = "(" + source + "\n)"
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise NotConverted("f-string") from None
    return _Converter(text).expr(tree.body)


def _closing(text: str) -> int:
    """Where the bracket that opens ``text`` is closed (strings and comments skipped)."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        elif c == "#":
            i = text.find("\n", i)
            if i < 0:
                break
        elif c in "'\"":
            i = _string_end(text, i)
            continue
        elif c.isalpha() or c == "_":  # a name, or a string's prefix (`_string_end` refuses f-strings)
            if _PREFIX.match(text, i):
                i = _string_end(text, i)
                continue
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            continue
        i += 1
    raise NotConverted("brackets")


# -- the two trees together -------------------------------------------------------------------

# Values that say nothing of what code does: spaces, comments and punctuation (one tree may hold a
# `Colon` where the other has `MaybeSentinel.DEFAULT`, as in `a[1:2]` and `a[1:2:]`).
FILLER: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.Comma, cst.Colon, cst.AssignEqual, cst.Semicolon,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.Newline, cst.TrailingWhitespace, cst.EmptyLine, cst.Comment,
    cst.MaybeSentinel,
)
_UNREAD = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "lines_after_decorators",
    "header", "footer", "encoding", "default_indent", "default_newline", "has_trailing_newline",
    "indent", "trailing_whitespace", "whitespace_before_colon", "start", "end",
})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(t: type) -> tuple[str, ...]:
    names = _FIELDS.get(t)
    if names is None:
        names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(t) if f.name not in _UNREAD)
    return names


_FILL, _NODE, _ITEMS, _VALUE = range(4)


@functools.cache
def _kind(t: type) -> int:
    """What a field's value of this type is to :func:`node_pairs` (decided once per type: the
    node classes are abstract base classes, and `isinstance` against them is slow)."""
    if t is type(None) or issubclass(t, FILLER):
        return _FILL
    if issubclass(t, CSTNode):
        return _NODE
    if issubclass(t, (list, tuple)):
        return _ITEMS
    return _VALUE


def node_pairs(ours: CSTNode, theirs: CSTNode) -> Iterator[tuple[CSTNode, CSTNode]]:
    """Each node of a converted tree with the node of LibCST's tree in its place; raises
    :class:`ShapeMismatch` where the two differ in anything but spaces and punctuation."""
    todo: list[tuple[Any, Any]] = [(ours, theirs)]
    while todo:
        a, b = todo.pop()
        t = type(a)
        if t is not type(b):
            raise ShapeMismatch(f"{t.__name__} where LibCST has {type(b).__name__}")
        yield a, b
        for name in _fields(t):
            x, y = getattr(a, name), getattr(b, name)
            kx, ky = _kind(type(x)), _kind(type(y))
            if kx != ky or (kx == _ITEMS and type(x) is not type(y)):  # a list where LibCST has a tuple too
                raise ShapeMismatch(f"{t.__name__}.{name}: {type(x).__name__} where LibCST has {type(y).__name__}")
            if kx == _NODE:
                todo.append((x, y))
            elif kx == _ITEMS:
                if len(x) != len(y):
                    raise ShapeMismatch(f"{t.__name__}.{name}: {len(x)} items where LibCST has {len(y)}")
                for u, v in zip(x, y):
                    if type(u) is not type(v):
                        raise ShapeMismatch(f"{t.__name__}.{name}: {type(u).__name__} where LibCST has {type(v).__name__}")
                    if _kind(type(u)) == _NODE:
                        todo.append((u, v))
            elif kx == _VALUE and x != y:
                raise ShapeMismatch(f"{t.__name__}.{name}: {x!r} where LibCST has {y!r}")


def positions_as_parsed(tree: cst.Module, converted_from: str | bytes | None,
                        ) -> tuple[dict[CSTNode, CodeRange], dict[CSTNode, CSTNode]]:
    """The positions of a tree's nodes, and for a tree built from the text ``converted_from``
    (None for LibCST's own tree) each node's node in LibCST's parse of that text, whose positions
    its nodes take. Raises :class:`ShapeMismatch` where the two differ, or LibCST refuses the text."""
    if converted_from is None:
        return dict(MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)), {}
    chunks = _chunks(tree, converted_from) if len(converted_from) >= CHUNKED_FROM else None
    if chunks is not None:
        return _positions_by_statement(tree, *chunks)
    parsed = _libcsts(converted_from)
    pairs = dict(node_pairs(tree, parsed))
    theirs = MetadataWrapper(parsed, unsafe_skip_copy=True).resolve(PositionProvider)
    return {ours: theirs[node] for ours, node in pairs.items() if node in theirs}, pairs


def _libcsts(text: str | bytes) -> cst.Module:
    try:
        return parse_module(text)
    except Exception as e:  # LibCST refuses what `ast` took: LibCST's trees decide
        raise ShapeMismatch(f"LibCST does not parse it: {type(e).__name__}") from None


# A converted file of this many characters (or bytes) or more is parsed by LibCST for its
# positions one top-level statement at a time: LibCST's parser holds about 600 bytes for each
# byte of the text it parses until it is done (280 MB at the peak for the 420 KB of NumPy's
# `test_multiarray.py`, whose largest statement is a tenth of that).
CHUNKED_FROM = 64_000


def _chunks(tree: cst.Module, source: str | bytes) -> tuple[list[tuple[int, str]], int] | None:
    """For each of the module's statements, the line before its text and its text, from the
    end of the statement before it (so with the comments and blank lines LibCST gives it), and
    the line where LibCST's module ends; None when they cannot be told apart by ``ast``'s lines."""
    try:
        text = source if isinstance(source, str) else source.decode("utf-8")
        body = ast.parse(text).body
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None
    if text.startswith("\ufeff") or "\r" in text:
        return None
    ends: list[int] = []  # the last line of each statement of LibCST's, which may hold several of ast's
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        if ends and first <= ends[-1]:  # on the line where the one before ends: `a = 1; b = 2`
            ends[-1] = max(ends[-1], stmt.end_lineno or stmt.lineno)
        else:
            ends.append(stmt.end_lineno or stmt.lineno)
    if len(ends) != len(tree.body):
        return None
    lines = text.split("\n")  # as `ast` counts them: not at a form feed, nor at U+2028 in a string
    out: list[tuple[int, str]] = []
    start = 0
    for end in ends:
        out.append((start, "\n".join(lines[start:end]) + "\n"))
        start = end
    return out, len(lines) + (0 if text.endswith("\n") else 1)  # LibCST ends a last line without one


def _positions_by_statement(tree: cst.Module, chunks: list[tuple[int, str]], end: int,
                            ) -> tuple[Mapping[CSTNode, CodeRange], dict[CSTNode, CSTNode]]:
    """:func:`positions_as_parsed` for a converted module, each statement's from LibCST's parse
    of its own lines, shifted to its place. Every statement is parsed and paired at once (a tree
    of another shape is found here, as for a file parsed whole); a statement's positions are
    worked out when one of its nodes is first asked for (:class:`_ByStatement`)."""
    pairs: dict[CSTNode, CSTNode] = {}
    statements: list[tuple[int, cst.Module, dict[CSTNode, CSTNode]]] = []
    for stmt, (before, text) in zip(tree.body, chunks, strict=True):
        parsed = _libcsts(text)
        if len(parsed.body) != 1:
            raise ShapeMismatch(f"{len(parsed.body)} statements where the converted tree has one")
        found = dict(node_pairs(stmt, parsed.body[0]))
        statements.append((before, parsed, found))
        pairs.update(found)
    return _ByStatement(tree, statements, end), pairs


class _ByStatement(Mapping[CSTNode, CodeRange]):
    """The positions of a module's nodes, worked out one top-level statement at a time, when a
    node of it is first asked for: LibCST's positions (`PositionProvider`) were two thirds of the
    time of reporting in NumPy's `test_multiarray.py` (1.9 of 4.8 s), whose findings lie in three
    of its 180 statements. A node found in several statements (a default shared by many, which has
    no place of its own) takes its place in the last, as when every statement was worked out in
    turn."""

    def __init__(self, tree: cst.Module, statements: list[tuple[int, cst.Module, dict[CSTNode, CSTNode]]],
                 end: int) -> None:
        self._tree, self._end = tree, end
        self._statements = statements  # the line before each, LibCST's parse of it, and its pairs
        self._in: dict[CSTNode, int] = {}  # the (last) statement of each node
        for k, (_, _, found) in enumerate(statements):
            self._in.update(dict.fromkeys(found, k))
        self._done: dict[int, dict[CSTNode, CodeRange]] = {}  # by statement

    def __getitem__(self, node: CSTNode) -> CodeRange:
        if node is self._tree:
            return CodeRange(CodePosition(1, 0), CodePosition(self._end, 0))
        return self._of(self._in[node])[node]

    def _of(self, k: int) -> dict[CSTNode, CodeRange]:
        done = self._done.get(k)
        if done is None:
            before, parsed, found = self._statements[k]
            theirs = MetadataWrapper(parsed, unsafe_skip_copy=True).resolve(PositionProvider)
            done = self._done[k] = {}
            for ours, node in found.items():
                r = theirs.get(node)
                if r is not None and self._in[ours] == k:
                    done[ours] = CodeRange(CodePosition(r.start.line + before, r.start.column),
                                           CodePosition(r.end.line + before, r.end.column))
        return done

    def __iter__(self) -> Iterator[CSTNode]:
        for k in range(len(self._statements)):
            yield from self._of(k)
        yield self._tree

    def __len__(self) -> int:
        return sum(len(self._of(k)) for k in range(len(self._statements))) + 1
