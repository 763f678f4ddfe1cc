"""Files parsed without their functions' bodies, each body parsed when the analysis first needs it.

A check of a few files of a component (see ``engine._Task``) parses each file they import when a
name is first resolved into it, to analyse a few of its functions: for one changed test module of
scikit-learn, 56 files parsed for 246 of their 5,090 scopes, and the parse was about half of the
check. So such a file is parsed as a *skeleton*: the bodies of its module-level functions and of
the methods of its module-level classes are each replaced by one string over the same lines
(``...`` for a body of one line), so every other node keeps its line and column. Where the
functions stand comes from the engine's ``ast`` pass (:func:`.analysis.imports.function_spans`).
A body is parsed on its own when the analysis first visits its function
(:func:`.analysis.scopes.add_body`), from the same lines of the file, so its nodes' positions are
those of the whole file's parse shifted by a line count (:meth:`Skeleton.body_positions`).

A check builds skeletons and bodies from ``ast`` where it can (``convert``, see
:mod:`.cst_from_ast`): their positions and texts then come from LibCST's parse of the same text
(:meth:`Skeleton.as_parsed`), asked only for a file that reports something.

Nothing outside a function's own analysis reads its body (its summary, bindings and facts come
from visiting it), except the classes a body defines (looked up by name in the file for a class's
bases) and a ``nonlocal`` statement (which marks names of every enclosing scope): a function
whose body holds either is kept whole.
"""

from __future__ import annotations

import ast
import pickle
import re
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterable, Sequence, TypeVar

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from .analysis.imports import FunctionSpan, function_spans
from .cst_from_ast import positions_as_parsed, tree_of

T = TypeVar("T")

# Python ends a line at any of these (and only these: not at form feeds or other separators
# that `str.splitlines` splits at), and numbers lines by them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# A line that may begin a class statement, or hold a `nonlocal`: more than there are (a
# docstring's line may begin with the word), never fewer.
_CLASS_OR_NONLOCAL = re.compile(r"^[ \t\f]*class\b|\bnonlocal\b")


class BodyNotParsed(Exception):
    """A body left out of a file cannot be parsed on its own; the file must be parsed whole (so
    that, as in a check of its whole component, a file LibCST cannot parse takes part in nothing)."""


@dataclass(frozen=True)
class _Span:
    """Where a function stands in the file: its first line (its first decorator's), its body's
    first line and its last line, all 1-based, and whether it is indented (a method)."""

    first: int
    body: int
    last: int
    indented: bool


@dataclass(eq=False)
class Skeleton:
    """A file parsed with its functions' bodies left out, and the bodies parsed since.

    One may also come from the cache (see :mod:`.kept_trees`): then ``kept`` holds the bodies a
    check parsed before, pickled, each unpickled when its function is first visited."""

    module: cst.Module
    lines: list[str]
    stubs: dict[cst.FunctionDef, _Span]
    # each body parsed since: its stub, the function with it, the function as parsed on its own,
    # the module that was parsed in and the count of the file's lines before that module's first
    bodies: list[tuple[cst.FunctionDef, cst.FunctionDef, cst.FunctionDef, cst.Module, int]] = field(
        default_factory=list)
    kept: dict[int, bytes] = field(default_factory=dict)  # bodies pickled, by their function's first line
    blob: bytes | None = None  # the skeleton as the cache keeps it, when it came from there
    # every stub (``stubs`` loses each whose body is parsed), and the bodies parsed rather than
    # unpickled, by first line: what is new to keep
    spans: dict[cst.FunctionDef, _Span] = field(init=False)
    fresh: dict[int, cst.Module] = field(default_factory=dict)
    # whether the skeleton was built from `ast` (see :mod:`.cst_from_ast`), and whether its
    # bodies are to be; the first lines of the bodies that were
    converted: bool = False
    convert: bool = False
    converted_bodies: set[int] = field(default_factory=set)
    # of a skeleton built from `ast`, the statements whose expressions bind (see
    # cst_from_ast.convert_marked); None when not known (LibCST's, or from the cache); and of
    # each body built from `ast` since, by the function parse_body gave
    binding: frozenset[cst.CSTNode] | None = None
    body_binding: dict[cst.FunctionDef, frozenset[cst.CSTNode]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spans = dict(self.stubs)

    def parse_body(self, stub: cst.FunctionDef) -> cst.FunctionDef:
        """The function ``stub`` stands for: its own header nodes, and its body parsed from the
        file's lines (within an ``if 1:`` for a method, so that every column is the file's), or
        unpickled when a check parsed it before."""
        span = self.stubs.pop(stub)
        before = span.first - 2 if span.indented else span.first - 1
        kept = self.kept.get(span.first)
        entry = unpickle(kept, tuple) if kept is not None else None
        fragment = entry[0] if entry is not None and len(entry) == 2 and isinstance(entry[0], cst.Module) else None
        found = None if fragment is None else _function(fragment, span, stub)
        binding = None  # not known of a body the cache kept
        if found is not None and entry is not None and entry[1]:
            self.converted_bodies.add(span.first)
        if found is None:
            try:
                fragment, binding = tree_of(self._body_text(span), self.convert)
            except Exception as e:  # LibCST's parser refuses what CPython's accepted
                raise BodyNotParsed(stub.name.value) from e
            found = _function(fragment, span, stub)
            if found is None:
                raise BodyNotParsed(stub.name.value)
            self.fresh[span.first] = fragment
            if binding is not None:
                self.converted_bodies.add(span.first)
        assert fragment is not None
        whole = stub.with_changes(body=found.body)
        self.bodies.append((stub, whole, found, fragment, before))
        if binding is not None:
            self.body_binding[whole] = binding
        return whole

    def _body_text(self, span: _Span) -> str:
        text = "".join(self.lines[span.first - 1:span.last])
        return "if 1:\n" + text if span.indented else text

    def text(self) -> str:
        """The skeleton's text: the file's, each body left out replaced as :func:`parse_skeleton` does."""
        return _stubbed(self.lines, self.spans.values())

    def as_parsed(self) -> tuple[dict[cst.CSTNode, CodeRange], dict[cst.CSTNode, cst.CSTNode]]:
        """The positions of the skeleton's nodes and its bodies', as in the whole file, and for
        each node built from ``ast`` the node of LibCST's parse in its place."""
        own, node_of = positions_as_parsed(self.module, self.text() if self.converted else None)
        node_of = dict(node_of)
        return {**own, **self.body_positions(own, node_of)}, node_of

    def body_positions(self, own: dict[cst.CSTNode, CodeRange],
                       node_of: dict[cst.CSTNode, cst.CSTNode] | None = None) -> dict[cst.CSTNode, CodeRange]:
        """The positions of the nodes of the bodies parsed since, as in the whole file; ``own`` are
        the skeleton's. A function with its body starts where its stub does and ends where its
        last statement does. A body built from ``ast`` takes the positions of LibCST's parse of
        its text, and its nodes' LibCST nodes go into ``node_of`` (see
        :func:`.cst_from_ast.positions_as_parsed`)."""
        out: dict[cst.CSTNode, CodeRange] = {}
        for stub, whole, found, fragment, before in self.bodies:
            span = self.spans[stub]
            text = self._body_text(span) if span.first in self.converted_bodies else None
            positions, pairs = positions_as_parsed(fragment, text)
            if node_of is not None:
                node_of.update(pairs)
            for node, r in positions.items():
                out[node] = CodeRange(CodePosition(r.start.line + before, r.start.column),
                                      CodePosition(r.end.line + before, r.end.column))
            out[whole] = CodeRange(own[stub].start, out[found].end)
        return out


def parse_skeleton(text: str, functions: Sequence[FunctionSpan] | None = None, convert: bool = False) -> Skeleton | None:
    """The file parsed with the bodies of its module-level functions and methods left out; ``None``
    when nothing would be left out or its lines cannot be told apart (the file is then parsed
    whole). ``functions`` are where they stand (the engine's ``ast`` pass found them, see
    :func:`.analysis.imports.function_spans`); without, they are found here. With ``convert``,
    the skeleton and its bodies are built from ``ast`` where they can be (:mod:`.cst_from_ast`)."""
    if functions is None:
        try:
            functions = function_spans(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    lines = file_lines(text)
    # the regular expression only where a plain search finds a word: most lines have neither
    flagged = [n for n, line in enumerate(lines, 1)
               if ("class" in line or "nonlocal" in line) and _CLASS_OR_NONLOCAL.search(line)]
    spans: list[_Span | None] = [_span(f, lines, flagged) for f in functions]
    if not any(spans):
        return None
    module, binding = tree_of(_stubbed(lines, [span for span in spans if span is not None]), convert)
    defs = _defs(module)
    if [d.name.value for d in defs] != [f[0] for f in functions]:
        return None
    return Skeleton(module, lines, {d: s for d, s in zip(defs, spans, strict=True) if s is not None},
                    converted=binding is not None, convert=convert, binding=binding)


def _stubbed(lines: list[str], spans: Iterable[_Span]) -> str:
    """The file's text with each body of ``spans`` left out: one string over its lines, so that
    every other node keeps its line and column."""
    stubbed = list(lines)
    for span in spans:
        line = lines[span.body - 1]
        indent = line[:len(line) - len(line.lstrip(" \t\f"))]
        if span.body == span.last:
            stubbed[span.body - 1] = indent + "..." + _ending(line)
            continue
        # one string over the body's lines: a node, where empty lines would be several each
        stubbed[span.body - 1] = indent + '"""' + _ending(line)
        for i in range(span.body, span.last - 1):
            stubbed[i] = _ending(lines[i])
        stubbed[span.last - 1] = '"""' + _ending(lines[span.last - 1])
    return "".join(stubbed)


def _function(fragment: cst.Module, span: _Span, stub: cst.FunctionDef) -> cst.FunctionDef | None:
    """The function a body's parse holds, if it is the one ``stub`` stands for."""
    try:
        found = fragment.body[0].body.body[0] if span.indented else fragment.body[0]  # type: ignore[attr-defined]
    except (IndexError, AttributeError):
        return None
    if not isinstance(found, cst.FunctionDef) or found.name.value != stub.name.value:
        return None
    return found


def pickled(value: object) -> bytes:
    """How the cache keeps trees: pickled, then compressed (six times smaller, for a few percent
    of the time pickling takes)."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpickle(data: bytes, kind: type[T]) -> T | None:
    """What :func:`pickled` kept, if it is a ``kind``; ``None`` for anything else."""
    try:
        value = pickle.loads(zlib.decompress(data))
    except Exception:  # a truncated or foreign entry: parsed again
        return None
    return value if isinstance(value, kind) else None


def file_lines(text: str) -> list[str]:
    """The file's lines as Python numbers them, each with its line ending."""
    return _LINE.findall(text)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


def _defs(module: cst.Module) -> list[cst.FunctionDef]:
    out: list[cst.FunctionDef] = []
    todo: list[cst.CSTNode] = list(reversed(module.body))
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, cst.FunctionDef):
            out.append(stmt)
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            todo.extend(reversed(stmt.body.body))
    return out


def _span(function: FunctionSpan, lines: list[str], flagged: list[int]) -> _Span | None:
    """Where a function's body can be left out, if it can: a body on lines of its own, defining
    no class and with no ``nonlocal`` (see the module's docstring; ``flagged`` are the lines
    that may do either, in order)."""
    _, first, header, body, column, last, indented = function
    if body <= header or not 0 < last <= len(lines):
        return None
    if lines[body - 1][:column].strip(" \t\f") not in ("", "@"):
        return None  # the body starts after something else on its line
    k = bisect_left(flagged, body)
    if k < len(flagged) and flagged[k] <= last:
        return None
    return _Span(first, body, last, indented)
