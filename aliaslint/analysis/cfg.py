"""Control-flow graphs over LibCST statements.

LibCST has no control flow of its own, and the alias model must know that a write at the end of a
loop body reaches a read at the start of the next iteration. Each block holds *instructions*: a
small statement, an expression that is evaluated (a test, a loop iterable), or a binding made by a
compound statement (a ``for`` target, ``with ... as``, ``except ... as``, a ``def``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from .walk import Walker

# Instruction kinds.
SMALL = "small"  # node: a small statement (Assign, AugAssign, Expr, Return, ...)
EVAL = "eval"  # node: an expression evaluated for its reads and effects
FOR_BIND = "for"  # node: the For statement; binds its target from one element of its iterable
WITH_BIND = "with"  # node: a WithItem with an ``as`` target
NAME_BIND = "name"  # node: a Name bound to an unknown value (except ... as e, match captures)
DEF = "def"  # node: FunctionDef or ClassDef (decorators and defaults run, the name is bound)
RETURN_EXPR = "return-expr"  # node: a lambda body, returned


@dataclass(slots=True)
class Block:
    """Tuples, not lists: a component's analysis keeps every scope's blocks to its end, most of
    them with one successor, one predecessor and a few instructions or none (the empty tuple is
    shared); blocks and their lists were a quarter of what the analysis kept. Checking
    scikit-learn alone peaked at 440 to 452 MB instead of 462 to 464 MB."""

    index: int
    instrs: tuple[tuple[str, cst.CSTNode], ...] = ()
    succs: tuple[int, ...] = ()
    preds: tuple[int, ...] = ()


@dataclass
class CFG:
    blocks: list[Block]
    entry: int
    exit: int
    # Blocks entered only when an ``if`` test came out true (or false): block -> (test, outcome).
    assume: dict[int, tuple[cst.BaseExpression, bool]] = field(default_factory=dict)

    def order(self) -> list[int]:
        """Reverse post-order from the entry: a good worklist order for forward analyses."""
        seen: set[int] = set()
        post: list[int] = []
        stack: list[tuple[int, int]] = [(self.entry, 0)]
        seen.add(self.entry)
        while stack:
            b, i = stack.pop()
            succs = self.blocks[b].succs
            if i < len(succs):
                stack.append((b, i + 1))
                s = succs[i]
                if s not in seen:
                    seen.add(s)
                    stack.append((s, 0))
            else:
                post.append(b)
        post.reverse()
        return post


class _Builder:
    def __init__(self) -> None:
        # each block's instructions, successors and predecessors while they are found
        self.instrs: list[list[tuple[str, cst.CSTNode]]] = []
        self.succs: list[list[int]] = []
        self.preds: list[list[int]] = []
        self.entry = self.new()
        self.exit = self.new()
        self.loops: list[tuple[int, int]] = []  # (continue target, break target)
        self.handlers: list[list[int]] = []  # handler entries of the enclosing try statements
        self.assume: dict[int, tuple[cst.BaseExpression, bool]] = {}

    def new(self) -> int:
        for made in (self.instrs, self.succs, self.preds):
            made.append([])
        return len(self.instrs) - 1

    def edge(self, a: int, b: int) -> None:
        if b not in self.succs[a]:
            self.succs[a].append(b)
            self.preds[b].append(a)

    def emit(self, cur: int, kind: str, node: cst.CSTNode) -> None:
        self.instrs[cur].append((kind, node))

    def blocks(self) -> list[Block]:
        return [Block(k, tuple(i), tuple(s), tuple(p))
                for k, (i, s, p) in enumerate(zip(self.instrs, self.succs, self.preds, strict=True))]

    def body(self, node: cst.BaseSuite | Sequence[cst.CSTNode], cur: int) -> int:
        if type(node) is cst.IndentedBlock:
            stmts: Sequence[cst.CSTNode] = node.body
        elif type(node) is cst.SimpleStatementSuite:
            stmts = [node]
        else:
            stmts = node  # type: ignore[assignment]
        for stmt in stmts:
            cur = self.stmt(stmt, cur)
            if self.handlers:
                # An exception raised after this statement reaches the handlers with this state.
                for h in self.handlers[-1]:
                    self.edge(cur, h)
        return cur

    def jump(self, cur: int, target: int) -> int:
        self.edge(cur, target)
        return self.new()  # what follows is unreachable

    def stmt(self, stmt: cst.CSTNode, cur: int) -> int:
        if type(stmt) in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
            for small in stmt.body:
                self.emit(cur, SMALL, small)
                if type(small) in (cst.Return, cst.Raise):
                    if type(small) is cst.Raise and self.handlers:
                        for h in self.handlers[-1]:
                            self.edge(cur, h)
                    cur = self.jump(cur, self.exit)
                elif type(small) is cst.Break and self.loops:
                    cur = self.jump(cur, self.loops[-1][1])
                elif type(small) is cst.Continue and self.loops:
                    cur = self.jump(cur, self.loops[-1][0])
            return cur
        if type(stmt) is cst.If:
            return self._if(stmt, cur)
        if type(stmt) is cst.While:
            head = self.new()
            self.edge(cur, head)
            self.emit(head, EVAL, stmt.test)
            return self._loop(stmt, head, None)
        if type(stmt) is cst.For:
            self.emit(cur, EVAL, stmt.iter)  # the iterable is evaluated once, before the loop
            head = self.new()
            self.edge(cur, head)
            return self._loop(stmt, head, stmt)
        if type(stmt) in (cst.Try, cst.TryStar):
            return self._try(stmt, cur)
        if type(stmt) is cst.With:
            for item in stmt.items:
                self.emit(cur, EVAL, item.item)
                if item.asname is not None:
                    self.emit(cur, WITH_BIND, item)
            return self.body(stmt.body, cur)
        if type(stmt) in (cst.FunctionDef, cst.ClassDef):
            self.emit(cur, DEF, stmt)
            return cur
        if type(stmt) is cst.Match:
            self.emit(cur, EVAL, stmt.subject)
            after = self.new()
            for case in stmt.cases:
                branch = self.new()
                self.edge(cur, branch)
                for name in _pattern_names(case.pattern):
                    self.emit(branch, NAME_BIND, name)
                if case.guard is not None:
                    self.emit(branch, EVAL, case.guard)
                self.edge(self.body(case.body, branch), after)
            self.edge(cur, after)
            return after
        return cur

    def _loop(self, stmt: cst.While | cst.For, head: int, binds: cst.For | None) -> int:
        """Body with a back edge to ``head``; ``else`` runs when the loop ends without ``break``."""
        body, after = self.new(), self.new()
        self.edge(head, body)
        if binds is not None:
            self.emit(body, FOR_BIND, binds)
        self.loops.append((head, after))
        self.edge(self.body(stmt.body, body), head)
        self.loops.pop()
        if stmt.orelse is not None:
            other = self.new()
            self.edge(head, other)
            self.edge(self.body(stmt.orelse.body, other), after)
        else:
            self.edge(head, after)
        return after

    def _if(self, stmt: cst.If, cur: int) -> int:
        self.emit(cur, EVAL, stmt.test)
        yes, no, after = self.new(), self.new(), self.new()
        self.assume[yes] = (stmt.test, True)
        self.assume[no] = (stmt.test, False)
        self.edge(cur, yes)
        self.edge(self.body(stmt.body, yes), after)
        self.edge(cur, no)
        if type(stmt.orelse) is cst.If:
            self.edge(self._if(stmt.orelse, no), after)
        elif type(stmt.orelse) is cst.Else:
            self.edge(self.body(stmt.orelse.body, no), after)
        else:
            self.edge(no, after)
        return after

    def _try(self, stmt: cst.Try | cst.TryStar, cur: int) -> int:
        entries = [self.new() for _ in stmt.handlers]
        start = self.new()
        self.edge(cur, start)
        for h in entries:
            self.edge(start, h)
        self.handlers.append(entries)
        end = self.body(stmt.body, start)
        self.handlers.pop()
        after = self.new()
        if stmt.orelse is not None:
            end = self.body(stmt.orelse.body, end)
        self.edge(end, after)
        for handler, entry in zip(stmt.handlers, entries, strict=True):
            if handler.name is not None and type(handler.name.name) is cst.Name:
                self.emit(entry, NAME_BIND, handler.name.name)
            self.edge(self.body(handler.body, entry), after)
        if stmt.finalbody is not None:
            return self.body(stmt.finalbody.body, after)
        return after


def _pattern_names(pattern: cst.CSTNode) -> list[cst.Name]:
    names: list[cst.Name] = []

    class _Collect(Walker):
        def visit_MatchAs(self, node: cst.MatchAs) -> None:
            if node.name is not None:
                names.append(node.name)

        def visit_MatchStar(self, node: cst.MatchStar) -> None:
            if node.name is not None:
                names.append(node.name)

        def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
            if node.rest is not None:
                names.append(node.rest)

    _Collect().walk(pattern)
    return names


def build_function_cfg(body: cst.BaseSuite | Sequence[cst.CSTNode]) -> CFG:
    b = _Builder()
    end = b.body(body, b.entry)
    b.edge(end, b.exit)
    return CFG(b.blocks(), b.entry, b.exit, b.assume)


def build_lambda_cfg(lam: cst.Lambda) -> CFG:
    b = _Builder()
    b.emit(b.entry, RETURN_EXPR, lam.body)
    b.edge(b.entry, b.exit)
    return CFG(b.blocks(), b.entry, b.exit)
