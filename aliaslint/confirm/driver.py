"""Decide how to call the flagged function: which arguments, built how, shown how.

In order of preference: the arguments of a call site in the linted code when each one is simple (a
literal, a NumPy constructor of literals, a function or lambda of the module, a name bound to such
in the caller's scope); generated float64 arrays (fixed seed, a few small shapes) for the array
parameters nothing else supplies; and, for a helper no call site drives with an aliasing callable,
the aliasing probes of :mod:`.runtime` for its callable parameters.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Sequence

from .harness import Case, constructor_names, is_constant, numpy_aliases
from .runtime import PROBES, probe_name

SHAPES: tuple[tuple[int, ...], ...] = ((3,), (2, 3))
SEED = 0


@dataclass(frozen=True)
class Shown:
    """One argument as the confirmation line shows it: ``text`` as written, or ``param=<value>``."""

    param: str
    text: str | None  # None: show the value the case recorded for ``param``
    keyword: bool


@dataclass(frozen=True)
class Plan:
    helper: str
    cases: tuple[Case, ...]
    shown: tuple[tuple[Shown, ...], ...]  # per case
    probes: tuple[str, ...]  # per case: the probe passed ("" when none)
    definitions: tuple[str, ...]  # probe definitions the program needs


class CannotDrive(Exception):
    """The flagged function cannot be called from a generated program; the message says why."""


def enclosing_function(tree: ast.Module, row: int) -> ast.FunctionDef | None:
    """The top-level function whose text holds ``row``; None for module code or a method."""
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.lineno <= row <= (stmt.end_lineno or stmt.lineno):
            return stmt
    return None


def where(tree: ast.Module, row: int) -> str:
    """Why no function encloses ``row``: used for the inconclusive reason."""
    for stmt in tree.body:
        if stmt.lineno <= row <= (stmt.end_lineno or stmt.lineno):
            if isinstance(stmt, ast.ClassDef):
                return "in a method, and confirmation calls top-level functions only"
            if isinstance(stmt, ast.AsyncFunctionDef):
                return "in an async function, which confirmation does not drive"
    return "in module-level code, which confirmation never runs"


def call_sites(tree: ast.Module, helper: str) -> list[ast.Call]:
    return sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == helper),
        key=lambda c: (c.lineno, c.col_offset),
    )


def _params(fn: ast.FunctionDef) -> list[tuple[str, bool, bool]]:
    """(name, has a default, keyword-only) for each named parameter."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    out = [(p.arg, i >= first_default, False) for i, p in enumerate(positional)]
    out += [(p.arg, d is not None, True) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    return out


def _called_params(fn: ast.FunctionDef) -> set[str]:
    names = {p for p, _, _ in _params(fn)}
    return {n.func.id for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id in names}


def _bind(fn: ast.FunctionDef, call: ast.Call) -> dict[str, tuple[ast.expr, bool]] | None:
    """Parameter -> (argument expression, passed by keyword), or None if the call cannot be read."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    params = _params(fn)
    positional = [p for p, _, kw_only in params if not kw_only]
    if len(call.args) > len(positional):
        return None
    bound = {p: (a, False) for p, a in zip(positional, call.args)}
    names = {p for p, _, _ in params}
    for k in call.keywords:
        assert k.arg is not None
        if k.arg not in names or k.arg in bound:
            return None
        bound[k.arg] = (k.value, True)
    return bound


class _Scope:
    """Where a call site is: what its simple arguments may refer to, and how to rebuild them."""

    def __init__(self, tree: ast.Module, text: str, call: ast.Call) -> None:
        self.text = text
        self.np_names, self.ctors = numpy_aliases(tree), constructor_names(tree)
        self.module_names: set[str] = set(self.np_names) | set(self.ctors)
        self.functions: set[str] = set()
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
                self.functions.add(stmt.name)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.module_names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
            elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets) \
                    and is_constant(stmt.value, self.np_names, self.ctors, self.module_names):
                self.module_names.update(t.id for t in stmt.targets)  # type: ignore[attr-defined]
        self.line = call.lineno
        self.bindings = self._bindings(self._scope_of(tree, call))
        self.setup: dict[str, str] = {}  # local name -> its assignment, in the order first needed

    @staticmethod
    def _scope_of(tree: ast.Module, call: ast.Call) -> ast.AST:
        best: ast.AST = tree
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    node.lineno <= call.lineno <= (node.end_lineno or node.lineno):
                if best is tree or node.lineno >= getattr(best, "lineno", 0):
                    best = node
        return best

    def _bindings(self, scope: ast.AST) -> dict[str, list[ast.Assign]]:
        """Simple assignments to one name in the call's scope (not in nested functions), by name."""
        out: dict[str, list[ast.Assign]] = {}
        todo = list(getattr(scope, "body", []))
        while todo:
            stmt = todo.pop()
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                out.setdefault(stmt.targets[0].id, []).append(stmt)
            todo.extend(c for c in ast.iter_child_nodes(stmt) if isinstance(c, ast.stmt))
        return out

    def simple(self, expr: ast.expr, depth: int = 0) -> bool:
        """Whether ``expr`` can be rebuilt in the program; records the local assignments it needs."""
        if depth > 8:
            return False
        if isinstance(expr, ast.Lambda):
            return True
        if isinstance(expr, ast.Name):
            if expr.id in self.functions or expr.id in self.module_names or expr.id in self.setup:
                return True
            earlier = [a for a in self.bindings.get(expr.id, ()) if a.lineno < self.line]
            if not earlier:
                return False
            last = max(earlier, key=lambda a: a.lineno)
            if not self.simple(last.value, depth + 1):
                return False
            self.setup[expr.id] = f"{expr.id} = {ast.get_source_segment(self.text, last.value)}"
            return True
        if isinstance(expr, ast.Attribute):  # np.sin, math.cos
            base: ast.expr = expr
            while isinstance(base, ast.Attribute):
                base = base.value
            return isinstance(base, ast.Name) and base.id in self.module_names
        known = self.module_names | self.functions | set(self.setup)
        names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
        if not all(n in known or self.simple(ast.Name(id=n), depth + 1) for n in names):
            return False
        return is_constant(expr, self.np_names, self.ctors, known | set(self.setup))


def plan(tree: ast.Module, text: str, fn: ast.FunctionDef, passed_row: int | None, probe: bool) -> Plan:
    """How to call ``fn``; raises :class:`CannotDrive` with the reason when it cannot be called."""
    callables = _called_params(fn)
    params = _params(fn)
    bound: dict[str, tuple[ast.expr, bool]] = {}
    setup: list[str] = []
    sites = call_sites(tree, fn.name)
    if passed_row is not None:
        sites = sorted(sites, key=lambda c: c.lineno != passed_row)
    for site in sites:
        binding = _bind(fn, site)
        if binding is None:
            continue
        scope = _Scope(tree, text, site)
        usable = {p: v for p, v in binding.items()
                  if scope.simple(v[0]) and not (probe and p in callables)}
        if not probe and any(p in callables and p not in usable for p in binding):
            continue  # the aliasing callable must come from the call site
        bound, setup = usable, list(scope.setup.values())
        break
    else:
        if not probe and callables & {p for p, default, _ in params if not default}:
            raise CannotDrive(f"no call of `{fn.name}` passes a callable that can be rebuilt")
    missing = [(p, kw) for p, default, kw in params if not default and p not in bound]
    probe_params = [p for p, _ in missing if p in callables]
    array_params = [(p, kw) for p, kw in missing if p not in callables]
    if probe_params and not probe:
        raise CannotDrive(f"nothing to pass as `{probe_params[0]}`")
    if probe and not probe_params:
        probe_params = [p for p in bound if p in callables]
        for p in probe_params:
            bound.pop(p)
        if not probe_params:
            raise CannotDrive(f"`{fn.name}` takes no callable to probe")
    shapes: Sequence[tuple[int, ...] | None] = SHAPES if array_params else (None,)
    probes: Sequence[tuple[str, str]] = PROBES if probe else (("", ""),)
    cases, shown_all, probe_of = [], [], []
    for probe_label, definition in probes:
        for shape in shapes:
            body, shown, call_args = list(setup), [], []
            keyword = False
            for p, _default, kw_only in params:
                if p in bound:
                    expr, by_kw = bound[p]
                    value = ast.get_source_segment(text, expr) or ""
                    shown_text = value if p in callables else None
                elif p in probe_params:
                    value, by_kw = probe_name(definition), kw_only
                    shown_text = f"{p}={probe_label}"
                elif shape is not None and any(p == q for q, _ in array_params):
                    value, by_kw = f"_aliaslint_rng.uniform(0.5, 2.0, {shape!r}).round(3)", kw_only
                    shown_text = None
                else:
                    continue  # a parameter left to its default
                keyword = keyword or by_kw
                temp = f"_aliaslint_{p}"
                body.append(f"{temp} = {value}")
                call_args.append(f"{p}={temp}" if keyword else temp)
                shown.append(Shown(p, shown_text, keyword))
            if shape is not None:
                body.insert(0, f"import numpy as _aliaslint_numpy; _aliaslint_rng = _aliaslint_numpy.random.default_rng({SEED})")
            values = ", ".join(f"{s.param}=_aliaslint_{s.param}" for s in shown if s.text is None)
            body.append(f"_aliaslint_show({values})")
            body.append(f"return {fn.name}({', '.join(call_args)})")
            cases.append(Case(str(len(cases)), tuple(body)))
            shown_all.append(tuple(shown))
            probe_of.append(probe_label)
    definitions = tuple(d for _, d in probes if d)
    return Plan(fn.name, tuple(cases), tuple(shown_all), tuple(probe_of), definitions)
