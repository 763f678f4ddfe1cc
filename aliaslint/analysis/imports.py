"""The first, cheap pass over every file of a run, with Python's ``ast``: each file's dotted
module name, what it offers to and asks of the others, whether it writes anything in place, and
from that the *components*, the groups of files that must be analysed together.

It loads neither LibCST nor the analysis, so a run answered from the cache never does either.
"""

from __future__ import annotations

import ast
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol, Sequence

from .numpy_model import LIST_MUTATING_METHODS, MUTATING_FUNCTIONS, MUTATING_METHODS

MAX_REEXPORT_DEPTH = 8


class Named(Protocol):
    """A module as imports see it: its dotted name, and whether it is a package's ``__init__``."""

    @property
    def name(self) -> str: ...

    @property
    def is_package(self) -> bool: ...


def module_name(path: str, packages: dict[str, tuple[str, ...]] | None = None) -> tuple[str, bool]:
    """The dotted name a file is imported under, from the ``__init__.py`` files above it
    (``packages`` remembers what each folder gave, for many files of the same folders)."""
    path = os.path.abspath(path)
    folder, filename = os.path.split(path)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = _packages(folder, {} if packages is None else packages)
    return ".".join(parts if is_package else (*parts, stem)) or stem, is_package


def module_names(paths: Iterable[str]) -> list[tuple[str, bool]]:
    """:func:`module_name` of each file, each folder looked at once."""
    packages: dict[str, tuple[str, ...]] = {}
    return [module_name(p, packages) for p in paths]


def _packages(folder: str, known: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The names of the packages that ``folder`` is (outermost first): it and each folder above
    it with an ``__init__.py``, up to the first without."""
    found = known.get(folder)
    if found is None:
        if not os.path.exists(os.path.join(folder, "__init__.py")):
            found = ()
        else:
            parent, package = os.path.split(folder)
            found = (package,) if not package else (*_packages(parent, known), package)
        known[folder] = found
    return found



def absolute_import(importer: Named, target: str) -> str:
    """``.util.num_grad`` imported in ``pkg.main`` is ``pkg.util.num_grad``."""
    if not target.startswith("."):
        return target
    dots = len(target) - len(target.lstrip("."))
    package = importer.name.split(".") if importer.is_package else importer.name.split(".")[:-1]
    if dots > 1:
        package = package[: len(package) - (dots - 1)] if dots - 1 <= len(package) else []
    rest = target[dots:]
    return ".".join([*package, rest] if rest else package)


# them gets the model, never an analysis of their implementation, even when their sources are
# part of the run (then a file's findings would depend on what else was linted with it, and every
# file calling `np.unique` would be analysed together with NumPy's own sources).
MODELLED_PACKAGES = frozenset({"numpy"})


def modelled_elsewhere(importer: str, name: str) -> bool:
    """Whether ``name`` belongs to a modelled package that ``importer`` is not part of."""
    top = name.partition(".")[0]
    return top in MODELLED_PACKAGES and importer.partition(".")[0] != top


@dataclass
class ImportFacts:
    """What one file offers to and asks of the others, from a cheap ``ast`` pass: the functions
    and classes it defines at top level, what its module-level imports re-export, and every
    qualified name its code may ask the :class:`Resolver` for (an imported name, or an attribute
    chain on one such as ``g.num_grad`` for ``import pkg.grad as g``)."""

    name: str
    is_package: bool
    defs: frozenset[str] = frozenset()
    reexports: dict[str, str] = field(default_factory=dict)
    queries: frozenset[str] = frozenset()
    writes: bool = True  # some statement may change an array or list in place (see `_writes`)
    functions: tuple[FunctionSpan, ...] | None = None  # see function_spans


def import_facts(tree: ast.Module, name: str, is_package: bool) -> ImportFacts:
    defs: set[str] = {s.name for s in tree.body if isinstance(s, ast.ClassDef)}
    reexports: dict[str, str] = {}
    bound: dict[str, set[str]] = {}  # local name -> what it may denote, as written
    defs |= _unnested_functions(tree)
    module_level = _module_level(tree)
    chains: list[tuple[str, str]] = []  # (root name, attribute chain) of every `a.b.c` in the code
    writes = False
    # one walk over the tree for imports, attribute chains and in-place writes: this pass runs over
    # every file of a run before anything else can start
    for node in _nodes(tree):
        t = type(node)
        if t is ast.Attribute:
            v = node.value  # type: ignore[attr-defined]
            if type(v) is ast.Name:
                chains.append((v.id, node.attr))  # type: ignore[attr-defined]
            elif type(v) is ast.Attribute:
                parts = [node.attr]  # type: ignore[attr-defined]
                while type(v) is ast.Attribute:
                    parts.append(v.attr)  # type: ignore[attr-defined]
                    v = v.value  # type: ignore[attr-defined]
                if type(v) is ast.Name:
                    chains.append((v.id, ".".join(reversed(parts))))  # type: ignore[attr-defined]
        elif t is ast.Import or t is ast.ImportFrom:
            for local, full in _import_bindings(node):  # type: ignore[arg-type]
                bound.setdefault(local, set()).add(full)
                if id(node) in module_level:
                    reexports[local] = full
        elif not writes and t in _WRITE_TYPES:
            writes = _writes(node, t)
    queries: set[str] = {full for fulls in bound.values() for full in fulls}
    for root_name, rest in chains:
        fulls = bound.get(root_name)
        if fulls:
            queries.update(f"{full}.{rest}" for full in fulls)
    return ImportFacts(name, is_package, frozenset(defs), reexports, frozenset(queries), writes, function_spans(tree))


# A function's name, its first line (its first decorator's), the line of `def`, its body's first
# line and column (in UTF-8 bytes, as `ast` gives it; after the `@` of a decorated statement), its
# last line, and whether it is indented.
FunctionSpan = tuple[str, int, int, int, int, int, bool]


def function_spans(tree: ast.Module) -> tuple[FunctionSpan, ...]:
    """Where the module-level functions and the methods of module-level classes (nested classes
    too) stand, in the order of the file: what a check that parses the file without their bodies
    needs (see ..skeletons). This pass has the tree at hand; that check would parse it again."""
    out: list[FunctionSpan] = []
    todo = list(reversed(tree.body))
    while todo:
        stmt = todo.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
            # a decorated statement starts at its first decorator, after the `@`
            body = next(iter(getattr(stmt.body[0], "decorator_list", ())), stmt.body[0])
            out.append((stmt.name, first, stmt.lineno, body.lineno, body.col_offset, stmt.end_lineno or 0,
                        stmt.col_offset > 0))
        elif isinstance(stmt, ast.ClassDef):
            todo.extend(reversed(stmt.body))
    return tuple(out)


_WRITING_METHODS = MUTATING_METHODS | LIST_MUTATING_METHODS | {"shuffle", "at"}
_WRITING_FUNCTIONS = frozenset(q.rpartition(".")[2] for q in MUTATING_FUNCTIONS)


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes :func:`ast.walk` gives, in its order, but for the expression contexts and
    operators (``Load``, ``Add``, ...) and the names and constants, which say nothing here: about
    a third of the walk's time went to reaching the first through its two nested generators per
    node, and the others are half of a tree's nodes, each handed on and looked at for nothing
    (the corpus's walks yield 2.4 million nodes instead of 4.6; `import_facts` over it in one
    process took 2.1 and 2.2 s of CPU instead of 3.2 and 2.9 s)."""
    todo = deque([tree])
    take, put = todo.popleft, todo.append
    fields = _WALKED
    leaves = _LEAVES
    while todo:
        node = take()
        t = type(node)
        names = fields.get(t)
        if names is None:
            names = fields[t] = tuple(f for f in t._fields if f not in _NOT_WALKED)
        for name in names:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and type(item) not in leaves:
                        put(item)
            elif isinstance(value, ast.AST) and type(value) not in leaves:
                put(value)
        yield node


_WALKED: dict[type, tuple[str, ...]] = {}
_NOT_WALKED = frozenset({"ctx", "op", "ops"})
_LEAVES = frozenset({ast.Name, ast.Constant})
# the nodes that may be an in-place write (see _writes)
_WRITE_TYPES = frozenset({ast.AugAssign, ast.Subscript, ast.Call})


def _writes(node: ast.AST, t: type) -> bool:
    """Whether the node is syntax the flow analysis takes for an in-place write: an augmented
    assignment, a store into a subscript, ``out=``, a mutating method or NumPy function. Every
    finding needs one; a file without any, which no other file of the run links to, has nothing
    to report and is not parsed by LibCST."""
    if t is ast.AugAssign:
        return True
    if t is ast.Subscript:
        return type(node.ctx) is not ast.Load  # type: ignore[attr-defined]
    if t is ast.Call:
        if any(k.arg == "out" for k in node.keywords):  # type: ignore[attr-defined]
            return True
        f = node.func  # type: ignore[attr-defined]
        name = f.attr if type(f) is ast.Attribute else f.id if type(f) is ast.Name else None
        return name in _WRITING_FUNCTIONS or (type(f) is ast.Attribute and name in _WRITING_METHODS)
    return False


def _unnested_functions(tree: ast.Module) -> set[str]:
    """Functions whose scope's parent is the module's (:mod:`.scopes` does not make classes scopes,
    so methods of module-level classes count, as they do for :meth:`Resolver._lookup`)."""
    out: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.add(child.name)
            elif not isinstance(child, ast.Lambda) and isinstance(child, (ast.stmt, ast.ExceptHandler, ast.match_case)):
                stack.append(child)
    return out


def _module_level(tree: ast.Module) -> set[int]:
    """The statements that run in the module's own scope (through if/try/with/for, not defs)."""
    out: set[int] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        stmt = stack.pop()
        out.add(id(stmt))
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(stmt, field_name, ()):
                stack.extend(child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child])
    return out


def _import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(local name, qualified name) as :mod:`.scopes` records them for the flow analysis."""
    if isinstance(node, ast.Import):
        return [(a.asname, a.name) if a.asname else (a.name.split(".")[0],) * 2 for a in node.names]
    module = "." * node.level + (node.module or "")
    return [
        (a.asname or a.name, f"{module}.{a.name}" if node.module else f"{module}{a.name}")
        for a in node.names if a.name != "*"
    ]


@dataclass(frozen=True)
class Links:
    """For each file (by index), the other files a resolution of one of its names passes through:
    the file that defines the function or class (``defines``: the analysis may read what that
    file's analysis concludes of it, and so of every file that one reads in turn), and the files
    whose re-exports lead there (``passes``: only their import statements are read)."""

    defines: list[set[int]]
    passes: list[set[int]]

    def edges(self) -> list[set[int]]:
        """Both kinds together: the files each file's analysis or its resolutions touch."""
        return [d | p for d, p in zip(self.defines, self.passes, strict=True)]


def resolution_links(facts: Sequence[ImportFacts | None]) -> Links:
    """The :class:`Links` of the files of a run.

    Importing a module whose names resolve to nothing in the run (``numpy`` from a file of the run
    that re-exports with ``*``) reaches nothing, so unrelated files stay apart; nor does a name of
    a modelled package (NumPy) asked from outside it.
    """
    counts = Counter(f.name for f in facts if f is not None)
    index = {f.name: i for i, f in enumerate(facts) if f is not None and counts[f.name] == 1}
    links = Links([set() for _ in facts], [set() for _ in facts])
    chains: dict[str, list[int]] = {}  # many files ask for the same names: each is followed once
    for i, f in enumerate(facts):
        if f is None:
            continue
        for query in f.queries:
            name = absolute_import(f, query)  # type: ignore[arg-type]
            if modelled_elsewhere(f.name, name):
                continue
            chain = chains.get(name)
            if chain is None:
                chain = chains[name] = _resolution_chain(facts, index, name)
            if chain:
                links.defines[i].add(chain[-1])
                links.passes[i].update(chain[:-1])
        links.defines[i].discard(i)
        links.passes[i].discard(i)
    return links


def resolution_edges(facts: Sequence[ImportFacts | None]) -> list[set[int]]:
    """For each file (by index), every other file a resolution of one of its names passes through
    (:meth:`Links.edges`)."""
    return resolution_links(facts).edges()


def components(facts: Sequence[ImportFacts | None], edges: Sequence[set[int]] | None = None) -> list[list[int]]:
    """Groups of files (by index) to analyse together, in the files' order: files linked by
    :func:`resolution_edges` (given, or found here), either way."""
    return linked(resolution_edges(facts) if edges is None else edges)


def linked(edges: Sequence[set[int]]) -> list[list[int]]:
    """The groups of files (by index, in order) that ``edges`` link, either way."""
    parent = list(range(len(edges)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, reached in enumerate(edges):
        for j in reached:
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(edges)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def cone(files: int | Iterable[int], group: Sequence[int], links: Links) -> list[int]:
    """The files and all that their analysis reads, in the group's order: every file whose
    functions or classes they resolve, transitively, and the files those resolutions pass through."""
    analysed = {files} if isinstance(files, int) else set(files)
    stack = list(analysed)
    while stack:
        for j in links.defines[stack.pop()]:
            if j not in analysed:
                analysed.add(j)
                stack.append(j)
    read = analysed.union(*(links.passes[v] for v in analysed))
    return [i for i in group if i in read]


def readers(files: Iterable[int], group: Sequence[int], links: Links) -> list[int]:
    """The files and every file of the group whose :func:`cone` holds one of them, in the group's
    order: all whose analysis may read what theirs concludes, or what their imports say."""
    defined_for: dict[int, list[int]] = {}
    passed_by: dict[int, list[int]] = {}
    for i in group:
        for j in links.defines[i]:
            defined_for.setdefault(j, []).append(i)
        for j in links.passes[i]:
            passed_by.setdefault(j, []).append(i)
    seen = set(files)
    seen.update(i for f in list(seen) for i in passed_by.get(f, ()))
    stack = list(seen)
    while stack:
        for i in defined_for.get(stack.pop(), ()):
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return [i for i in group if i in seen]


def layers_by_package(files: Sequence[int], links: Links, sizes: Sequence[int], packages: Sequence[str],
                      most: int) -> list[list[int]]:
    """``files`` in *layers* along their top-level packages (``packages`` by file index), the
    top one first: no file resolves a name into or through a file of a layer above its own, so
    the cones of a layer's files stay within it and the layers below. Each holds at most
    ``most`` bytes of source, unless one package does, or packages that read each other round
    (strongly connected), which stay in one layer; the layers are filled from the top.

    Cutting along packages keeps what a layer reads of the layers below small (scikit-learn's
    core reads 60 of the 490 files of SciPy's and NumPy's in the corpus), where cutting by files
    alone would put each package's lowest files below and the rest of it above."""
    inside = set(files)
    names = sorted({packages[i] for i in files})
    at = {p: k for k, p in enumerate(names)}
    reads: list[set[int]] = [set() for _ in names]
    weight = [0] * len(names)
    for i in files:
        weight[at[packages[i]]] += sizes[i]
        for j in links.defines[i] | links.passes[i]:
            if j in inside and packages[j] != packages[i]:
                reads[at[packages[i]]].add(at[packages[j]])
    layers: list[list[int]] = []  # of packages
    filled = 0
    for group in reversed(_packages_read_first(reads)):  # those that read the others first
        size = sum(weight[k] for k in group)
        if not layers or filled + size > most:
            layers.append([])
            filled = 0
        layers[-1] += group
        filled += size
    layer_of = {names[k]: n for n, layer in enumerate(layers) for k in layer}
    out: list[list[int]] = [[] for _ in layers]
    for i in files:
        out[layer_of[packages[i]]].append(i)
    return out


def _packages_read_first(reads: list[set[int]]) -> list[list[int]]:
    """The groups of packages that read each other round (strongly connected), each after every
    group it reads (Tarjan's algorithm, iterative: a package may import a chain of thousands)."""
    index: list[int | None] = [None] * len(reads)
    low = [0] * len(reads)
    on_stack = [False] * len(reads)
    stack: list[int] = []
    order: list[list[int]] = []
    counter = 0
    for start in range(len(reads)):
        if index[start] is not None:
            continue
        work = [(start, iter(sorted(reads[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack[start] = True
        while work:
            v, todo = work[-1]
            w = next(todo, None)
            if w is not None:
                if index[w] is None:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, iter(sorted(reads[w]))))
                elif on_stack[w]:
                    low[v] = min(low[v], index[w])  # type: ignore[type-var]
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    group.append(w)
                    if w == v:
                        break
                order.append(sorted(group))
    return order


def _resolution_chain(facts: Sequence[ImportFacts | None], index: dict[str, int], name: str) -> list[int]:
    """The files :meth:`Resolver._lookup` passes through to resolve ``name``; empty if it fails."""
    chain: list[int] = []
    for _ in range(MAX_REEXPORT_DEPTH + 1):
        if "." not in name:
            return []
        owner, _, attr = name.rpartition(".")
        j = index.get(owner)
        if j is None:
            return []
        f = facts[j]
        assert f is not None
        chain.append(j)
        if attr in f.defs:
            return chain
        target = f.reexports.get(attr)
        if target is None:
            return []
        name = absolute_import(f, target)  # type: ignore[arg-type]
    return []
