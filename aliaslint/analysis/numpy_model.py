"""What NumPy operations do to aliasing: the view/copy table of the design notes.

Functions are keyed by qualified name (after import resolution), methods and attributes by name.
Anything not listed is assumed to make a fresh value that aliases nothing: an unknown operation can
hide a bug from us, but never invent one.
"""

from __future__ import annotations

from .values import Rel

# Functions whose result is its first argument, or a view of it.
ALIAS_FUNCTIONS: dict[str, Rel] = {
    "numpy.asarray": Rel.SAME,
    "numpy.asanyarray": Rel.SAME,
    "numpy.ascontiguousarray": Rel.MAYBE_VIEW,
    "numpy.asfortranarray": Rel.MAYBE_VIEW,
    "numpy.asarray_chkfinite": Rel.SAME,
    "numpy.require": Rel.MAYBE_VIEW,
    "numpy.atleast_1d": Rel.VIEW,
    "numpy.atleast_2d": Rel.VIEW,
    "numpy.atleast_3d": Rel.VIEW,
    "numpy.transpose": Rel.VIEW,
    "numpy.matrix_transpose": Rel.VIEW,
    "numpy.permute_dims": Rel.VIEW,
    "numpy.swapaxes": Rel.VIEW,
    "numpy.moveaxis": Rel.VIEW,
    "numpy.rollaxis": Rel.VIEW,
    "numpy.expand_dims": Rel.VIEW,
    "numpy.squeeze": Rel.VIEW,
    "numpy.reshape": Rel.MAYBE_VIEW,
    "numpy.ravel": Rel.MAYBE_VIEW,
    "numpy.real": Rel.VIEW,
    "numpy.imag": Rel.VIEW,
    "numpy.diagonal": Rel.VIEW,
    "numpy.broadcast_to": Rel.VIEW,
    "numpy.lib.stride_tricks.as_strided": Rel.VIEW,
    "numpy.lib.stride_tricks.sliding_window_view": Rel.VIEW,
    "numpy.flip": Rel.VIEW,
    "numpy.fliplr": Rel.VIEW,
    "numpy.flipud": Rel.VIEW,
}

# `np.array(x, copy=False)` is x (NumPy 2 raises rather than copy); `copy=None` may be x.
ARRAY_COPY_KEYWORD = frozenset({"numpy.array"})

# Functions that write into their first argument.
MUTATING_FUNCTIONS = frozenset(
    {
        "numpy.copyto",
        "numpy.put",
        "numpy.place",
        "numpy.putmask",
        "numpy.fill_diagonal",
        "numpy.put_along_axis",
        "numpy.random.shuffle",
    }
)

# Functions known to return a new array (kind ARRAY, aliases nothing).
ARRAY_CONSTRUCTORS = frozenset(
    "numpy." + name
    for name in (
        "array zeros ones empty full zeros_like ones_like empty_like full_like arange linspace "
        "logspace geomspace eye identity copy concatenate stack vstack hstack dstack column_stack "
        "tile repeat meshgrid diag outer dot matmul sort where take fromiter frombuffer loadtxt "
        "genfromtxt load cumsum cumprod diff gradient kron cross convolve"
    ).split()
) | frozenset({"numpy.random.rand", "numpy.random.randn", "numpy.random.random", "numpy.random.uniform",
               "numpy.random.normal", "numpy.linalg.solve", "numpy.linalg.inv"})

# Element-wise functions (ufuncs and their like): given an ndarray they make a new one, as the
# arithmetic operators do; given anything else (a number, a list, an unknown object) nothing is
# known of what they return.
ELEMENTWISE = frozenset(
    "numpy." + name
    for name in (
        "abs absolute fabs negative positive sign exp exp2 expm1 log log2 log10 log1p sqrt cbrt square "
        "reciprocal sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh floor ceil "
        "trunc rint round around clip add subtract multiply divide true_divide floor_divide power mod "
        "fmod remainder maximum minimum fmax fmin hypot arctan2 isnan isinf isfinite logical_not "
        "logical_and logical_or greater less equal not_equal greater_equal less_equal nan_to_num"
    ).split()
)

# Array methods whose result is (a view of) the array.
VIEW_METHODS: dict[str, Rel] = {
    "view": Rel.VIEW,
    "transpose": Rel.VIEW,
    "swapaxes": Rel.VIEW,
    "squeeze": Rel.VIEW,
    "diagonal": Rel.VIEW,
    "reshape": Rel.MAYBE_VIEW,
    "ravel": Rel.MAYBE_VIEW,
}

# Attributes that are views of the array.
VIEW_ATTRIBUTES: dict[str, Rel] = {"T": Rel.VIEW, "mT": Rel.VIEW, "real": Rel.VIEW, "imag": Rel.VIEW}

# Attributes that never alias (metadata and scalars).
PLAIN_ATTRIBUTES = frozenset(
    "shape size ndim dtype nbytes itemsize strides flags base ctypes data".split()
)

# Methods that write into the array (or list) they are called on.
MUTATING_METHODS = frozenset({"fill", "sort", "resize", "itemset", "put", "partition", "setfield"})
LIST_MUTATING_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort"})

# Methods that make a copy of an array.
COPY_METHODS = frozenset({"copy", "flatten", "tolist", "item", "tobytes"})

# Random generators: their sampling methods make new arrays (see .shapes.random_ndim).
RNG_CONSTRUCTORS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"})

# Calls that set their array arguments beside each other (a stale alias passed with its array is a
# comparison with itself).
COMPARING_FUNCTIONS = frozenset(
    "numpy." + name
    for name in (
        "allclose isclose array_equal array_equiv testing.assert_allclose testing.assert_array_equal "
        "testing.assert_array_almost_equal testing.assert_equal testing.assert_almost_equal"
    ).split()
)
