"""The static shape of a module: its function scopes, classes and imports.

The flow analysis runs once per scope (module body, each def, each lambda); this module finds those
scopes and what is known about them without running anything: parameters, which names are local,
which class a method belongs to, and what each import binds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AbstractSet, Callable

import libcst as cst

from .cfg import CFG, build_function_cfg, build_lambda_cfg
from .walk import Walker


@dataclass(eq=False)
class Param:
    name: str
    index: int
    positional: bool
    annotation: cst.BaseExpression | None


@dataclass(eq=False)
class ClassInfo:
    index: int
    name: str
    node: cst.ClassDef
    bases: list[str]  # as written: `Base`, `base.Base`
    methods: dict[str, "Scope"] = field(default_factory=dict)
    home: "Scope | None" = field(default=None, compare=False, repr=False)  # its file's module scope
    where: "Scope | None" = field(default=None, compare=False, repr=False)  # the scope it is defined in


@dataclass(eq=False)
class Scope:
    index: int
    node: cst.Module | cst.FunctionDef | cst.Lambda
    name: str
    parent: "Scope | None"
    cls: ClassInfo | None = None
    params: list[Param] = field(default_factory=list)
    locals: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    imports: dict[str, str] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    decorators: list[str] = field(default_factory=list)
    assigned: set[str] = field(default_factory=set)  # names its body binds (a parameter rebound is here)
    attr_targets: set[tuple[str, str]] = field(default_factory=set)  # `name.attr = ...` (or +=, del) in its body
    children: list["Scope"] = field(default_factory=list)  # the defs and lambdas directly inside it
    _cfg: CFG | None = None
    shape_facts: object | None = None  # .shapes.ShapeFacts, computed on first use
    guards: object | None = None  # .guards.block_guards, computed on first use
    narrowed: object | None = None  # .guards.narrowed, computed on first use
    paths: object | None = None  # .guards.block_paths, computed on first use
    # parses its body, when its file was parsed without it (see ..skeletons and add_body); with
    # the statements of the body whose expressions bind, where known (see collect_scopes)
    unparsed: "Callable[[], tuple[cst.FunctionDef, AbstractSet[cst.CSTNode] | None]] | None" = None

    def param_nodes(self) -> dict[str, cst.Name]:
        """The parameters' name nodes (where a parameter's value comes from)."""
        node = self.node
        if type(node) is cst.Module:
            return {}
        ps = node.params
        every = [*ps.posonly_params, *ps.params, *ps.kwonly_params]
        return {p.name.value: p.name for p in every}

    @property
    def is_module(self) -> bool:
        return type(self.node) is cst.Module  # not isinstance: LibCST's classes are slow ABCs to test

    @property
    def is_bound_method(self) -> bool:
        """Called through an instance, the first parameter is the instance."""
        return (
            self.cls is not None
            and "staticmethod" not in self.decorators
            and "classmethod" not in self.decorators
            and bool(self.params)
        )

    @property
    def cfg(self) -> CFG:
        if self._cfg is None:
            if type(self.node) is cst.Module:
                self._cfg = build_function_cfg(self.node.body)
            elif type(self.node) is cst.FunctionDef:
                self._cfg = build_function_cfg(self.node.body)
            else:
                self._cfg = build_lambda_cfg(self.node)
        return self._cfg

    def positional_params(self) -> list[Param]:
        return [p for p in self.params if p.positional]

    def param_named(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None


@dataclass(eq=False)
class ModuleInfo:
    module: cst.Module
    scopes: list[Scope]
    classes: list[ClassInfo]
    scope_of: dict[cst.CSTNode, Scope]

    _named: dict[str, list[ClassInfo]] | None = field(default=None, init=False, repr=False)
    _bases: dict[int, list[ClassInfo]] | None = field(default=None, init=False, repr=False)
    # the function or class of another file an imported name denotes (set by the analysis)
    resolve: "Callable[[Scope, str], object] | None" = field(default=None, init=False, repr=False)
    _of_node: dict[int, ClassInfo] | None = field(default=None, init=False, repr=False)

    @property
    def module_scope(self) -> Scope:
        return self.scopes[0]

    def extend(self, other: "ModuleInfo") -> None:
        """Add another file's scopes and classes, numbered after these: the files of a component
        are analysed as one module, and a file may join when a name is first resolved into it."""
        offset_s, offset_c = len(self.scopes), len(self.classes)
        for s in other.scopes:
            s.index += offset_s
        for c in other.classes:
            c.index += offset_c
        self.scopes.extend(other.scopes)
        self.classes.extend(other.classes)
        self.scope_of.update(other.scope_of)
        self._named = self._of_node = None

    def classes_named(self, name: str) -> list[ClassInfo]:
        """The classes called ``name``, in the order of :attr:`classes`. A merged component holds
        thousands of classes, and bases are looked up on every method call through an instance."""
        if self._named is None:
            self._named = {}
            for c in self.classes:
                self._named.setdefault(c.name, []).append(c)
        return self._named.get(name, [])

    def base_classes(self, cls: ClassInfo) -> list[ClassInfo]:
        """The classes ``cls``'s bases denote, in order: a class of that name in the same file, as
        Python finds it there, else the class an import of the name resolves to (``resolve``, the
        component's imports). A base found nowhere (a star import, a library's class) is none.

        Looking bases up through imports rather than by name among all the component's classes
        keeps what a file concludes within the files it reaches, which re-analysing one changed
        file with only those files relies on (see docs/architecture.md, "Speed")."""
        if self._bases is None:
            self._bases = {}
        found = self._bases.get(cls.index)
        if found is None:
            found = self._bases[cls.index] = [c for b in cls.bases for c in self._base(cls, b) if c is not cls]
        return found

    def _base(self, cls: ClassInfo, written: str) -> list[ClassInfo]:
        head, _, rest = written.partition(".")
        if not head:
            return []
        if not rest:
            local = [c for c in self.classes_named(head) if c.home is cls.home]
            if local:
                return local
        s = cls.where
        while s is not None:
            if head in s.imports:
                full = s.imports[head]
                target = self.resolve(s, f"{full}.{rest}" if rest else full) if self.resolve is not None else None
                return [self.classes[target[1]]] if target is not None and target[0] == "class" else []  # type: ignore[index]
            if head in s.locals:
                return []
            s = s.parent
        return []

    def class_of(self, node: cst.ClassDef) -> ClassInfo:
        if self._of_node is None:
            self._of_node = {id(c.node): c for c in self.classes}
        return self._of_node[id(node)]

    def lookup_method(self, cls: ClassInfo, name: str, depth: int = 0) -> Scope | None:
        if name in cls.methods:
            return cls.methods[name]
        if depth > 10:
            return None
        for other in self.base_classes(cls):
            found = self.lookup_method(other, name, depth + 1)
            if found is not None:
                return found
        return None


def target_names(target: cst.CSTNode) -> list[str]:
    """Names a binding target binds (``a``, ``a, (b, *c)``); attributes and subscripts bind none."""
    if type(target) is cst.Name:
        return [target.value]
    if type(target) in (cst.Tuple, cst.List):
        out: list[str] = []
        for el in target.elements:
            out.extend(target_names(el.value))
        return out
    if type(target) is cst.StarredElement:
        return target_names(target.value)
    return []


def dotted_name(node: cst.CSTNode) -> str | None:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _decorator_name(dec: cst.Decorator) -> str:
    expr = dec.decorator
    if type(expr) is cst.Call:
        expr = expr.func
    return (dotted_name(expr) or "").rsplit(".", 1)[-1]


def _params_of(params: cst.Parameters) -> list[Param]:
    out: list[Param] = []
    for p in [*params.posonly_params, *params.params]:
        out.append(Param(p.name.value, len(out), True, p.annotation.annotation if p.annotation else None))
    for p in params.kwonly_params:
        out.append(Param(p.name.value, len(out), False, p.annotation.annotation if p.annotation else None))
    return out


class _Collector(Walker):
    def __init__(self, module: cst.Module) -> None:
        self.scopes: list[Scope] = [Scope(0, module, "<module>", None)]
        self.classes: list[ClassInfo] = []
        self.stack: list[Scope] = [self.scopes[0]]
        self.class_stack: list[ClassInfo | None] = [None]
        self.lambda_names: dict[cst.Lambda, str] = {}
        self.comprehension_depth = 0

    @property
    def cur(self) -> Scope:
        return self.stack[-1]

    def _attr_target(self, t: cst.BaseExpression) -> None:
        if type(t) is cst.Attribute and type(t.value) is cst.Name:
            self.cur.attr_targets.add((t.value.value, t.attr.value))
        elif type(t) in (cst.Tuple, cst.List):
            for e in t.elements:
                self._attr_target(e.value)
        elif type(t) is cst.StarredElement:
            self._attr_target(t.value)

    def _bind(self, names: list[str]) -> None:
        # Class-body names are class attributes, not locals of the enclosing scope.
        if self.comprehension_depth == 0 and self.class_stack[-1] is None:
            self.cur.locals.update(names)
            self.cur.assigned.update(names)

    def _push(self, node: cst.FunctionDef | cst.Lambda, name: str, params: cst.Parameters) -> Scope:
        parent = self.cur
        cls = self.class_stack[-1]
        qual = name if parent.is_module or parent is None else f"{parent.name}.{name}"
        if cls is not None:
            qual = f"{cls.name}.{name}"
        scope = Scope(len(self.scopes), node, qual, parent, cls, _params_of(params))
        scope.locals.update(p.name for p in scope.params)
        if params.star_arg is not None and type(params.star_arg) is cst.Param:
            scope.locals.add(params.star_arg.name.value)
        if params.star_kwarg is not None:
            scope.locals.add(params.star_kwarg.name.value)
        self.scopes.append(scope)
        parent.children.append(scope)
        self.stack.append(scope)
        self.class_stack.append(None)
        return scope

    def _pop(self) -> None:
        self.stack.pop()
        self.class_stack.pop()

    # --- scopes ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind([node.name.value])
        cls = self.class_stack[-1]
        scope = self._push(node, node.name.value, node.params)
        scope.decorators = [_decorator_name(d) for d in node.decorators]
        if cls is not None:
            cls.methods[node.name.value] = scope
            scope.cls = cls

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push(node, self.lambda_names.get(node, "<lambda>"), node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind([node.name.value])
        bases = [dotted_name(a.value) or "" for a in node.bases]
        info = ClassInfo(len(self.classes), node.name.value, node, bases, home=self.scopes[0], where=self.cur)
        self.classes.append(info)
        self.class_stack.append(info)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def _comp_enter(self, node: cst.CSTNode) -> None:
        self.comprehension_depth += 1

    def _comp_leave(self, node: cst.CSTNode) -> None:
        self.comprehension_depth -= 1

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp_enter  # type: ignore
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _comp_leave  # type: ignore

    # --- bindings -------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._attr_target(t.target)
            names = target_names(t.target)
            self._bind(names)
            if type(node.value) is cst.Lambda and len(names) == 1:
                self.lambda_names[node.value] = names[0]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._attr_target(node.target)
        self._bind(target_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._attr_target(node.target)
        self._bind(target_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self._attr_target(node.target)
        self._bind(target_names(node.target))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._attr_target(node.asname.name)
            self._bind(target_names(node.asname.name))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(target_names(node.name.name))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._attr_target(node.target)
        names = target_names(node.target)
        if self.comprehension_depth:
            self.cur.locals.update(names)  # := in a comprehension binds in the enclosing scope
            self.cur.assigned.update(names)
        else:
            self._bind(names)

    def visit_Del(self, node: cst.Del) -> None:
        self._attr_target(node.target)
        self._bind(target_names(node.target))

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self._bind([node.name.value])

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self._bind([node.name.value])

    def visit_Global(self, node: cst.Global) -> None:
        self.cur.declared_global.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.cur.declared_global.update(n.name.value for n in node.names)
        for outer in self.stack[:-1]:  # an inner function may rebind a parameter of an outer one
            outer.assigned.update(n.name.value for n in node.names)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname is not None:
                local = target_names(alias.asname.name)[0]
                self.cur.imports[local] = full
            else:
                local = full.split(".")[0]
                self.cur.imports[local] = local
            self._bind([local])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = "." * len(node.relative) + (dotted_name(node.module) or "" if node.module else "")
        if type(node.names) is cst.ImportStar:
            self.cur.star_imports.append(module)
            return
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            local = target_names(alias.asname.name)[0] if alias.asname is not None else name
            self.cur.imports[local] = f"{module}.{name}" if module and not module.endswith(".") else f"{module}{name}"
            self._bind([local])


class _MarkedCollector(_Collector):
    """A collector that enters the expressions of the statements ``marked`` only (and of what
    they hold): the others hold no ``lambda`` and no ``:=``. A walk of its own rather than a test
    in every walk: it costs a call per node it reaches, most of which are statements."""

    def __init__(self, module: cst.Module, marked: AbstractSet[cst.CSTNode]) -> None:
        super().__init__(module)
        self.expressions = False
        self.marked = marked

    def walk(self, node: cst.CSTNode) -> None:
        if self.expressions or node not in self.marked:
            Walker.walk(self, node)
            return
        self.expressions = True
        try:
            Walker.walk(self, node)
        finally:
            self.expressions = False


def add_body(info: ModuleInfo, scope: Scope) -> None:
    """Give a function of a file parsed without its functions' bodies (see ..skeletons) its body,
    before its analysis first reads it: the names the body binds and imports, and the scopes
    nested in it, numbered after the module's. Only the function's own analysis and its nested
    scopes' read any of that, so the analysis sees what it would have had the file been parsed
    whole (bodies that define classes are never left out)."""
    assert scope.unparsed is not None
    (node, binding), scope.unparsed = scope.unparsed(), None
    home = scope.parent  # a module-level function or a method of a module-level class
    assert home is not None and home.is_module
    collector = _Collector(info.module) if binding is None else _MarkedCollector(info.module, binding)
    collector.scopes = [home]  # new scopes are numbered from 1, then after the module's
    collector.stack = [home, scope]
    collector.class_stack = [None, None]
    collector.walk(node.body)
    added = collector.scopes[1:]
    offset = len(info.scopes) - 1
    for s in added:
        s.index += offset
        s.locals -= s.declared_global
    scope.locals -= scope.declared_global
    info.scopes.extend(added)
    info.scope_of[node] = scope
    info.scope_of.update((s.node, s) for s in added)
    assert not collector.classes
    scope.node, scope._cfg = node, None


def binds_in_expressions(source: str | bytes | None) -> bool:
    """Whether an expression of this text may define a scope or bind a name: only a ``lambda``
    and a ``:=`` do, and neither can be written without its keyword or operator. Most files
    have neither, and collecting their scopes need not walk their expressions (most of their
    nodes). Bytes that declare an encoding may spell them otherwise, and are taken to."""
    if source is None:
        return True
    if isinstance(source, bytes):
        return b"lambda" in source or b":=" in source or b"coding" in b"".join(source.split(b"\n", 2)[:2])
    return "lambda" in source or ":=" in source


def collect_scopes(module: cst.Module, expressions: bool | AbstractSet[cst.CSTNode] = True) -> ModuleInfo:
    """The module's scopes and classes; with ``expressions`` false (see
    :func:`binds_in_expressions`), found without entering its expressions; with a set of
    statements (see :func:`..cst_from_ast.convert_marked`), entering only theirs."""
    if isinstance(expressions, bool):
        collector = _Collector(module)
        collector.expressions = expressions
    else:
        collector = _MarkedCollector(module, expressions)
    collector.walk(module)
    scopes = collector.scopes
    for scope in scopes:
        scope.locals -= scope.declared_global
    return ModuleInfo(module, scopes, collector.classes, {s.node: s for s in scopes})
