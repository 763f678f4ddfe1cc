"""The values of string literals, each text evaluated once per process.

The analysis asks a literal's value wherever it meets one as a key or in a test (``d["lin"]``,
``if mode == "central"``), and each of LibCST's ``evaluated_value`` runs ``ast.literal_eval``,
which parses the text anew: about 1% of a cold run of NumPy, SciPy and scikit-learn, where the
same few hundred keys recur in every visit of their scopes.
"""

from __future__ import annotations

from ast import literal_eval
from functools import lru_cache

import libcst as cst

from .. import cst_identity  # noqa: F401  (before any node is made)


def string_value(node: cst.SimpleString) -> str | bytes:
    """What ``node.evaluated_value`` gives, and raises the same on a text it cannot evaluate."""
    return _evaluated(node.value)


@lru_cache(maxsize=4096)
def _evaluated(text: str) -> str | bytes:
    return literal_eval(text)  # type: ignore[no-any-return]
