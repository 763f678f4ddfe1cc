"""What the code shows about array dimensions and integer indexes.

``a[i]`` is a view only when ``a`` has two dimensions or more and ``i`` is an integer: on a 1-d
array it is a scalar, and with a tuple index it may be one element. Both facts are taken only from
what the code shows, so that an unknown index or shape never makes a view (and never a finding):

- a constructor's shape: ``np.zeros((n, m))``, ``np.random.rand(n, m)``, ``rng.random((n, d))``,
  ``np.eye(n)``, a nested list literal, ``x.reshape(n, m)``;
- how a name is used in its scope: ``a[i, j]``, ``a[:, j]``, ``a[i][j]``, ``a.shape[1]``,
  ``n, m = a.shape`` each need two dimensions;
- integer names: bound only by ``for i in range(...)``, ``enumerate``, integer literals, ``len``,
  ``int``, ``np.argmin``/``argmax`` without ``axis``, and integer arithmetic of those.

Both per-scope facts come from one syntactic walk of the scope, cached on the scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .scopes import Scope, dotted_name
from .walk import Walker

_INT_OPS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo, cst.Power)
_INT_FUNCS = frozenset({"int", "len", "round", "abs", "min", "max", "ord", "hash"})
_ARG_REDUCERS = frozenset({"argmin", "argmax", "nanargmin", "nanargmax"})


@dataclass(frozen=True)
class ShapeFacts:
    ints: frozenset[str]  # names bound only to integers
    matrices: frozenset[str]  # names the scope uses as arrays of two dimensions or more


def is_index_literal(expr: cst.BaseExpression) -> bool:
    if type(expr) is cst.Integer:
        return True
    return type(expr) is cst.UnaryOperation and type(expr.operator) is cst.Minus and type(expr.expression) is cst.Integer


def is_int_expr(expr: cst.BaseExpression, ints: frozenset[str] | set[str]) -> bool:
    """Whether ``expr`` is surely an integer, given the names known to be integers."""
    if is_index_literal(expr):
        return True
    if type(expr) is cst.Name:
        return expr.value in ints
    if type(expr) is cst.UnaryOperation:
        return type(expr.operator) in (cst.Minus, cst.Plus) and is_int_expr(expr.expression, ints)
    if type(expr) is cst.BinaryOperation:
        return isinstance(expr.operator, _INT_OPS) and is_int_expr(expr.left, ints) and is_int_expr(expr.right, ints)
    if type(expr) is cst.IfExp:
        return is_int_expr(expr.body, ints) and is_int_expr(expr.orelse, ints)
    if type(expr) is cst.Call:
        name = dotted_name(expr.func) or ""
        last = name.rsplit(".", 1)[-1]
        if any(a.keyword is not None and a.keyword.value == "axis" for a in expr.args):
            return False
        if name in _INT_FUNCS:
            return name not in ("min", "max", "abs") or all(is_int_expr(a.value, ints) for a in expr.args)
        if last in _ARG_REDUCERS:
            # np.argmin(v) or v.argmin(): one flat index; with `axis` it is an array
            return len(expr.args) <= 1
        return last == "index" and type(expr.func) is cst.Attribute  # list.index(v)
    return False


def _is_plain_index(el: cst.SubscriptElement) -> bool:
    """An index that selects along an axis (not ``None``/``...``, which add or keep axes)."""
    s = el.slice
    if type(s) is cst.Slice:
        return True
    v = s.value
    if type(v) is cst.Ellipsis or (type(v) is cst.Name and v.value == "None"):
        return False
    return not (type(v) is cst.Attribute and v.attr.value == "newaxis")


class _Facts(Walker):
    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.bindings: dict[str, list[cst.BaseExpression | None]] = {}  # None: not an integer
        self.matrices: set[str] = set()

    def _bind(self, target: cst.CSTNode, value: cst.BaseExpression | None) -> None:
        if type(target) is cst.Name:
            self.bindings.setdefault(target.value, []).append(value)
        elif type(target) in (cst.Tuple, cst.List):
            for el in target.elements:
                self._bind(el.value, None)
        elif type(target) is cst.StarredElement:
            self._bind(target.value, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node is not self.root:
            self._bind(node.name, None)
            return False
        return True

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name, None)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            target = t.target
            if type(target) in (cst.Tuple, cst.List) and type(node.value) is cst.Attribute \
                    and node.value.attr.value == "shape":
                names = [el.value for el in target.elements]
                for n in names:
                    self._bind(n, cst.Integer("0"))  # n, m = a.shape: integers, and a is 2-d
                base = node.value.value
                if len(names) >= 2 and type(base) is cst.Name:
                    self.matrices.add(base.value)
            elif type(target) in (cst.Tuple, cst.List) and type(node.value) in (cst.Tuple, cst.List) \
                    and len(target.elements) == len(node.value.elements):
                for el, v in zip(target.elements, node.value.elements, strict=True):
                    self._bind(el.value, v.value if type(v) is not cst.StarredElement else None)
            else:
                self._bind(target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if type(node.target) is cst.Name:
            op = node.operator
            ok = type(op) in (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.FloorDivideAssign,
                                 cst.ModuloAssign)
            self._bind(node.target, node.value if ok else None)

    def visit_For(self, node: cst.For) -> None:
        it = node.iter
        name = dotted_name(it.func) if type(it) is cst.Call else None
        if name == "range":
            self._bind(node.target, cst.Integer("0"))
        elif name == "enumerate" and type(node.target) in (cst.Tuple, cst.List) and node.target.elements:
            first, *rest = node.target.elements
            self._bind(first.value, cst.Integer("0"))
            for el in rest:
                self._bind(el.value, None)
        else:
            self._bind(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(node.name.name, None)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        base = node.value
        if type(base) is cst.Name and sum(1 for el in node.slice if _is_plain_index(el)) >= 2:
            self.matrices.add(base.value)  # a[i, j], a[:, j]
        elif type(base) is cst.Subscript and type(base.value) is cst.Name and len(base.slice) == 1 \
                and len(node.slice) == 1 and all(type(el.slice) is cst.Index for el in (*base.slice, *node.slice)):
            self.matrices.add(base.value.value)  # a[i][j]
        elif type(base) is cst.Attribute and base.attr.value == "shape" and type(base.value) is cst.Name \
                and len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            v = node.slice[0].slice.value
            if type(v) is cst.Integer and v.value not in ("0",):
                self.matrices.add(base.value.value)  # a.shape[1]


def shape_facts(scope: Scope) -> ShapeFacts:
    cached = scope.shape_facts
    if cached is not None:
        return cached  # type: ignore[return-value]
    node = scope.node
    if type(node) is cst.Lambda:
        facts = ShapeFacts(frozenset(), frozenset())
    else:
        w = _Facts(node)
        w.walk(node)
        for p in scope.params:
            ann = p.annotation
            w.bindings.setdefault(p.name, []).append(
                cst.Integer("0") if type(ann) is cst.Name and ann.value == "int" else None
            )
        ints = {n for n, values in w.bindings.items() if all(v is not None for v in values)}
        changed = True
        while changed:  # the greatest set of names whose every binding is an integer
            changed = False
            for n in list(ints):
                if not all(is_int_expr(v, ints) for v in w.bindings[n]):  # type: ignore[arg-type]
                    ints.discard(n)
                    changed = True
        facts = ShapeFacts(frozenset(ints), frozenset(w.matrices))
    scope.shape_facts = facts
    return facts


def _literal_len(expr: cst.BaseExpression | None) -> int | None:
    """How many dimensions a shape argument gives: ``(n, m)`` is 2, ``n`` is 1, a name is unknown."""
    if expr is None:
        return None
    if type(expr) in (cst.Tuple, cst.List):
        if any(type(el) is cst.StarredElement for el in expr.elements):
            return None
        return len(expr.elements)
    if type(expr) in (cst.Integer, cst.BinaryOperation) or (
        type(expr) is cst.Call and dotted_name(expr.func) in ("len", "int")
    ):
        return 1
    return None


def literal_depth(expr: cst.BaseExpression) -> int:
    """Nesting depth of a list literal (``[[1, 2], [3, 4]]`` is 2)."""
    depth = 0
    while type(expr) in (cst.List, cst.Tuple) and expr.elements:
        depth += 1
        expr = expr.elements[0].value
    return depth


def _arg(call: cst.Call, pos: int, *keywords: str) -> cst.BaseExpression | None:
    i = 0
    for a in call.args:
        if a.star:
            return None
        if a.keyword is None:
            if i == pos:
                return a.value
            i += 1
        elif a.keyword.value in keywords:
            return a.value
    return None


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    if any(a.star for a in call.args):
        return None
    return [a.value for a in call.args if a.keyword is None]


# NumPy functions whose first argument (or `shape=`) is the shape of a new array.
_SHAPE_FIRST = frozenset("zeros ones empty full".split())
# Legacy random functions taking dimensions as separate arguments; called with none they return a float.
_DIMS_ARGS = frozenset({"numpy.random.rand", "numpy.random.randn"})
# Random functions with a `size` argument (at this position); without it they return a float.
RANDOM_SIZE_POSITION = {
    "random": 0, "random_sample": 0, "ranf": 0, "sample": 0, "standard_normal": 0, "normal": 2, "uniform": 2,
    "integers": 2, "randint": 2, "exponential": 1, "poisson": 1, "binomial": 2, "beta": 2, "gamma": 2,
    "standard_exponential": 0, "laplace": 2, "lognormal": 2, "logistic": 2, "choice": 1,
}


def random_ndim(method: str, call: cst.Call) -> int | None:
    """Dimensions of a random draw, 0 for a scalar (no size), None when unknown."""
    pos = RANDOM_SIZE_POSITION.get(method)
    if pos is None:
        return None
    size = _arg(call, pos, "size")
    if size is None:
        return None if any(a.star for a in call.args) else 0
    if type(size) is cst.Name and size.value == "None":
        return 0
    return _literal_len(size) or -1  # -1: an array of unknown shape


def constructor_ndim(qualified: str, call: cst.Call) -> int | None:
    """Dimensions (at least) of the array a NumPy constructor call makes; 0 for a scalar result."""
    short = qualified.rsplit(".", 1)[-1]
    if qualified in _DIMS_ARGS:
        pos = _positional(call)
        return None if pos is None else len(pos)
    if qualified.startswith("numpy.random.") and short in RANDOM_SIZE_POSITION:
        return random_ndim(short, call)
    if short in _SHAPE_FIRST and qualified == f"numpy.{short}":
        return _literal_len(_arg(call, 0, "shape"))
    if qualified in ("numpy.eye", "numpy.identity", "numpy.outer", "numpy.vstack", "numpy.column_stack",
                     "numpy.meshgrid"):
        return 2
    if qualified == "numpy.array" or qualified == "numpy.asarray":
        first = _arg(call, 0, "object")
        return literal_depth(first) if first is not None and literal_depth(first) else None
    return None


def reshape_ndim(call: cst.Call) -> int | None:
    """``x.reshape(n, m)`` or ``x.reshape((n, m))``: the new number of dimensions."""
    pos = _positional(call)
    if not pos:
        return None
    if len(pos) == 1:
        return _literal_len(pos[0])
    return len(pos)
