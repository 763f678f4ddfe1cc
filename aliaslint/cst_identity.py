"""LibCST's nodes compared and hashed by identity in C.

A LibCST node is equal only to itself, and hashed by ``id`` (``CSTNode.__eq__`` is
``self is other``, ``CSTNode.__hash__`` returns ``id(self)``), but both are Python functions,
which each node class copies. Nodes are the keys of most of the analysis's tables: checking
scikit-learn called that ``__hash__`` 4.1 million times, about 3% of the check. Every node class
is given ``object``'s instead, which say the same in C: equal only to itself, hashed by where it
is. The hash values differ from LibCST's, so this is done when the module is first imported,
before any node of aliaslint's is made: every module of aliaslint that makes nodes imports it
first. Where LibCST's functions are not those, nothing changes.
"""

from __future__ import annotations

from libcst._nodes.base import CSTNode


def _identity_in_c() -> bool:
    """Whether the node classes now have ``object``'s identity (see the module's docstring)."""
    own_hash, own_eq = CSTNode.__dict__.get("__hash__"), CSTNode.__dict__.get("__eq__")
    hash_code, eq_code = getattr(own_hash, "__code__", None), getattr(own_eq, "__code__", None)
    if hash_code is None or eq_code is None or hash_code.co_names != ("id",) or eq_code.co_names != ():
        return CSTNode.__hash__ is object.__hash__  # type: ignore[comparison-overlap]
    todo: list[type] = [CSTNode]
    while todo:
        t = todo.pop()
        todo.extend(t.__subclasses__())
        if t.__dict__.get("__hash__") is own_hash:
            t.__hash__ = object.__hash__  # type: ignore[assignment]
        if t.__dict__.get("__eq__") is own_eq:
            t.__eq__ = object.__eq__  # type: ignore[assignment]
    return True


IN_C = _identity_in_c()
