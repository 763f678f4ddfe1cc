"""Fast read-only traversal of LibCST trees.

LibCST's own ``visit`` and ``children`` rebuild nodes as they go (they serve transformers too),
which costs more than parsing. Reading the dataclass fields directly is several times cheaper.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, Callable, Iterator

import libcst as cst

from .. import cst_identity  # noqa: F401  (before any node is made)

# Fields that never hold code: whitespace, punctuation and the like.
_SKIP = frozenset(
    {
        "whitespace_before", "whitespace_after", "whitespace_after_func", "whitespace_before_args",
        "whitespace_after_star", "whitespace_after_arg", "whitespace_before_colon", "whitespace_after_colon",
        "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "equal",
        "leading_lines", "lines_after_decorators", "trailing_whitespace", "header", "footer",
        "whitespace_before_params", "whitespace_after_def", "whitespace_after_async",
        "whitespace_after_lambda", "whitespace_after_name", "whitespace_after_in", "whitespace_before_in",
        "whitespace_after_for", "whitespace_before_if", "whitespace_after_if", "whitespace_after_at",
        "whitespace_after_import", "whitespace_after_from", "whitespace_after_walrus",
        "whitespace_before_walrus", "whitespace_after_as", "whitespace_before_as", "whitespace_after_with",
        "whitespace_before_expression", "whitespace_after_return", "whitespace_after_del",
        "whitespace_after_assert", "whitespace_after_raise", "whitespace_after_global",
        "whitespace_after_nonlocal", "whitespace_after_match", "whitespace_after_case",
        "whitespace_after_class", "whitespace_after_await", "whitespace_after_yield",
        "whitespace_after_else", "whitespace_after_elif", "whitespace_after_except",
        "whitespace_after_finally", "whitespace_after_try", "whitespace_after_while",
        "whitespace_after_indicator", "whitespace_before_indicator", "whitespace_after_star_arg",
        "indent", "newline", "operator", "dot", "colon", "arrow", "star_tok", "encoding",
        "default_newline", "default_indent", "has_trailing_newline",
    }
)


_EXPRESSION, _NODE, _PUNCTUATION, _SEQUENCE, _OTHER = range(5)


def _classify(t: type) -> int:
    """What a field's value is: an expression, another node, whitespace or punctuation, a
    sequence, or anything else."""
    if issubclass(t, (cst.BaseParenthesizableWhitespace, cst.Comma)):
        return _PUNCTUATION
    if issubclass(t, cst.BaseExpression):
        return _EXPRESSION
    if issubclass(t, cst.CSTNode):
        return _NODE
    if issubclass(t, (tuple, list)):
        return _SEQUENCE
    return _OTHER


# `_classify`'s answer for each type met, decided once: LibCST's node classes are abstract base
# classes, so `isinstance` against them is slow where it fails, millions of times a run. Read as
# a dict where it is hot (a call for each child was a tenth of a walk).
_SORTS: dict[type, int] = {}


def _sort(t: type) -> int:
    sort = _SORTS.get(t)
    if sort is None:
        sort = _SORTS[t] = _classify(t)
    return sort


def is_expression(node: object) -> bool:
    """``isinstance(node, cst.BaseExpression)``, by type."""
    sort = _SORTS.get(type(node))
    return (sort if sort is not None else _sort(type(node))) == _EXPRESSION


def _values(t: type) -> Callable[[Any], tuple[Any, ...]]:
    """A function that reads a node's fields that may hold code, in one call."""
    getter = _GETTERS.get(t)
    if getter is None:
        names = tuple(f.name for f in dataclasses.fields(t) if f.name not in _SKIP)
        if len(names) == 1:
            one = operator.attrgetter(names[0])
            getter = lambda node: (one(node),)  # noqa: E731
        elif names:
            getter = operator.attrgetter(*names)
        else:
            getter = lambda node: ()  # noqa: E731
        _GETTERS[t] = getter
    return getter


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for value in _values(type(node))(node):
        sort = _sort(type(value))
        if sort <= _NODE:
            yield value
        elif sort == _SEQUENCE:
            for item in value:
                if _sort(type(item)) <= _PUNCTUATION:
                    yield item


class Walker:
    """Calls ``visit_<Type>`` before and ``leave_<Type>`` after a node's children, if defined.

    With ``expressions`` false, a walk does not enter expressions (an expression holds no
    statement): a walker that only needs the statements of a file is spared most of its nodes.
    """

    _dispatch: dict[type, tuple[Callable[..., Any] | None, Callable[..., Any] | None]]
    expressions = True

    def walk(self, node: cst.CSTNode) -> None:
        # `children`, inlined: a walk visits every node of every file analysed
        table = self.__dict__.setdefault("_dispatch", {})
        t = type(node)
        entry = table.get(t)
        if entry is None:
            entry = (getattr(self, f"visit_{t.__name__}", None), getattr(self, f"leave_{t.__name__}", None))
            table[t] = entry
        visit, leave = entry
        if visit is not None and visit(node) is False:
            return
        lowest = _EXPRESSION if self.expressions else _NODE
        getter = _GETTERS.get(t) or _values(t)
        sorts = _SORTS
        for value in getter(node):
            vt = type(value)
            sort = sorts.get(vt)
            if sort is None:
                sort = _sort(vt)
            if sort <= _NODE:
                if sort >= lowest:
                    self.walk(value)
            elif sort == _SEQUENCE:
                for item in value:
                    it = type(item)
                    sort = sorts.get(it)
                    if sort is None:
                        sort = _sort(it)
                    if lowest <= sort <= _PUNCTUATION:
                        self.walk(item)
        if leave is not None:
            leave(node)


def nodes_of(tree: cst.CSTNode) -> set[cst.CSTNode]:
    """Every node a walk reaches in a tree: which file of a component holds a node, asked of
    these, spares making positions (a parse by LibCST) for the files that do not. A loop, not
    recursion: a file may nest deeper than Python's stack."""
    found: set[cst.CSTNode] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        found.add(node)
        stack.extend(children(node))
    return found
