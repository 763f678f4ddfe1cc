"""Build the program that confirmation runs: the module's imports, constants and reached definitions,
then a driver.

The module's other top-level statements (a script body, ``if __name__ == "__main__":``, a call that
writes a file) are never copied: a confirmation runs the flagged function, not the module. What is
copied keeps its original text, so the fix and the read instrumentation applied to the module text
beforehand carry over unchanged.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, Sequence

from .runtime import RUNTIME

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

# NumPy functions that build a new array from literal arguments: safe to evaluate anywhere.
CONSTRUCTORS = frozenset({
    "array", "asarray", "zeros", "ones", "empty", "full", "eye", "identity", "arange", "linspace",
    "logspace", "geomspace", "zeros_like", "ones_like", "full_like", "empty_like", "diag", "float64",
    "float32", "int64", "int32", "complex128", "tri", "vander",
})


@dataclass(frozen=True)
class Case:
    """One call of the helper: statements that build its arguments, ending in ``return call``."""

    label: str  # how the call is shown; ``{name}`` fields are filled with the values passed
    body: tuple[str, ...]


def numpy_aliases(tree: ast.Module) -> frozenset[str]:
    """Names under which the module imports NumPy (``np``, ``numpy``, ...)."""
    out = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                if a.name == "numpy":
                    out.add(a.asname or "numpy")
    return frozenset(out)


def constructor_names(tree: ast.Module) -> frozenset[str]:
    """Constructors imported by name (``from numpy import zeros``)."""
    out = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "numpy" and not stmt.level:
            out.update(a.asname or a.name for a in stmt.names if a.name in CONSTRUCTORS)
    return frozenset(out)


def is_constant(expr: ast.expr, np_names: frozenset[str], ctors: frozenset[str], known: set[str]) -> bool:
    """A literal, a NumPy constructor of literals, arithmetic of those, or an earlier such name.

    These are the only module-level values confirmation evaluates: they cannot run user code.
    """
    match expr:
        case ast.Constant():
            return True
        case ast.Name(id=name):
            return name in known
        case ast.Tuple(elts=elts) | ast.List(elts=elts) | ast.Set(elts=elts):
            return all(is_constant(e, np_names, ctors, known) for e in elts)
        case ast.Dict(keys=keys, values=values):
            return all(k is not None and is_constant(k, np_names, ctors, known) for k in keys) and all(
                is_constant(v, np_names, ctors, known) for v in values)
        case ast.UnaryOp(operand=operand):
            return is_constant(operand, np_names, ctors, known)
        case ast.BinOp(left=left, right=right):
            return is_constant(left, np_names, ctors, known) and is_constant(right, np_names, ctors, known)
        case ast.Attribute(value=ast.Name(id=base), attr=attr):
            return base in np_names and attr in {"pi", "e", "inf", "nan", "newaxis", "float64", "float32"}
        case ast.Call(func=func, args=args, keywords=keywords):
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                ok = func.value.id in np_names and func.attr in CONSTRUCTORS
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute):
                ok = (isinstance(func.value.value, ast.Name) and func.value.value.id in np_names
                      and func.value.attr == "random" and func.attr in {"default_rng", "rand", "randn"})
            else:
                ok = isinstance(func, ast.Name) and func.id in ctors
            return ok and all(is_constant(a, np_names, ctors, known) for a in args) and all(
                k.arg is not None and is_constant(k.value, np_names, ctors, known) for k in keywords)
    return False


def loaded_names(nodes: Iterable[ast.AST]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


def _segment(text: str, lines: list[str], stmt: ast.stmt) -> str:
    """The statement's own text: whole lines for definitions (with decorators), else its segment."""
    if isinstance(stmt, _DEFINITIONS):
        first = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
        assert stmt.end_lineno is not None
        return "".join(lines[first - 1: stmt.end_lineno]).rstrip() + "\n"
    return (ast.get_source_segment(text, stmt) or "") + "\n"


def _guarded_import(segment: str) -> str:
    """An import that may fail in the sandbox (a module of the project, an optional dependency)
    must not stop the program: the names it binds are only needed if the flagged code uses them."""
    body = "".join("    " + line + "\n" for line in segment.splitlines())
    return f"try:\n{body}except Exception:\n    pass\n"


def build_program(text: str, needed: Iterable[str], cases: Sequence[Case],
                  extra_definitions: Sequence[str] = ()) -> str:
    """The program for one run: runtime, imports, constants, the definitions ``needed`` reaches
    (transitively), ``extra_definitions`` (probes), and a driver running ``cases`` in order."""
    wanted = set(needed)
    for case in cases:
        wanted |= loaded_names([ast.parse("\n".join(case.body))])
    future, parts = _pieces(text, wanted)
    driver = []
    for i, case in enumerate(cases):
        body = "".join(f"    {line}\n" for line in case.body)
        driver.append(f"def _aliaslint_case_{i}():\n{body}")
    listing = ", ".join(f"({case.label!r}, _aliaslint_case_{i})" for i, case in enumerate(cases))
    driver.append(f"_aliaslint_main([{listing}])\n")
    return "\n".join([*future, RUNTIME.strip("\n") + "\n", *parts, *extra_definitions, *driver])


def build_module(text: str) -> str:
    """A module of the run as confirmation imports it (the helper, when the call that drives it is in
    another file): its imports, constants and every top-level definition, no other code."""
    future, parts = _pieces(text, None)
    return "\n".join([*future, *parts])


def _pieces(text: str, wanted: set[str] | None) -> tuple[list[str], list[str]]:
    """``from __future__`` lines, then the imports, constants and definitions (those ``wanted``
    reaches, or all) in their original order."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    np_names, ctors = numpy_aliases(tree), constructor_names(tree)
    definitions = {s.name: s for s in tree.body if isinstance(s, _DEFINITIONS)}
    constants: dict[str, ast.stmt] = {}
    known: set[str] = set(np_names) | set(ctors)
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is not None and targets and all(isinstance(t, ast.Name) for t in targets) \
                and is_constant(value, np_names, ctors, known):
            for t in targets:
                assert isinstance(t, ast.Name)
                constants[t.id] = stmt
                known.add(t.id)

    reached: set[str] = set()
    todo = [n for n in (definitions if wanted is None else wanted) if n in definitions]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        todo.extend(n for n in loaded_names([definitions[name]]) if n in definitions and n not in reached)

    future: list[str] = []
    parts: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            future.append(_segment(text, lines, stmt))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            parts.append(_guarded_import(_segment(text, lines, stmt)))
        elif isinstance(stmt, _DEFINITIONS) and stmt.name in reached:
            parts.append(_segment(text, lines, stmt))
        elif any(stmt is s for s in constants.values()):
            parts.append(_segment(text, lines, stmt))
    return future, parts
