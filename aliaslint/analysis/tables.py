"""Tables that the scopes of a module fill for one another, and who read what in them.

The analysis of one scope writes facts that other scopes read: what kind of object an allocation
makes, which class an instance belongs to, the callables a container literal or a class attribute
holds, a parameter's callable default. A scope that read a fact before its writer ran (a call in
`main.py` to a class defined in `problem.py`, visited later) must be analysed again when the fact
appears or changes, or what the analysis concludes would depend on the order it visits scopes in
(and so on the files' names). So every such table wakes its readers when a key's value changes,
key by key: these facts, and the functions' summaries and each scope's bindings too
(:class:`.summaries.ModuleAnalysis`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, TypeVar

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class Readers:
    """Which scope is being analysed, and the scopes a change since it started has woken.

    A scope is not woken by what it changes itself, as it sees its writes as it makes them (and
    may write one key more than once in a visit, as when two callees' results meet at one call),
    with one exception: a key it read while it was missing and then wrote, as when a branch that
    runs later in the visit finds out what kind of object a name holds. Keys are never removed, so
    that happens once per key.
    """

    current: int | None = None
    woken: set[int] = field(default_factory=set)
    missed: set[tuple[int, Hashable]] = field(default_factory=set)  # (table, key) read while missing
    # When only some scopes are asked for (a file's, see ModuleAnalysis.run), the scopes asked for
    # so far; a read asks for the scope that writes the key, in `asked`, to be analysed too.
    demand: set[int] | None = None
    asked: list[int] = field(default_factory=list)

    def start(self, index: int) -> None:
        self.current = index
        self.woken = set()
        self.missed = set()

    def finish(self) -> set[int]:
        """The scopes to analyse again for what the visit that ends changed."""
        woken = self.woken
        self.current = None
        self.woken = set()
        self.missed = set()
        return woken


_MISSING = object()


class SharedTable(Mapping[K, V]):
    """A mapping whose reads, while a scope is analysed, make that scope a reader of the key, and
    whose writes that change a key's value wake the key's readers.

    Values are never changed in place: a writer puts a new value, so that the change is seen.
    A key's readers are kept for the whole run: most keys have one, kept as
    a bare scope index (a set for each of the hundreds of thousands of keys of a big component
    took tens of megabytes).

    It holds a dict rather than being one: code compiled with mypyc reads any dict subclass's
    ``get`` and ``in`` as a plain dict's, past these overrides, and a read missed is a reader
    never woken (a finding missed). :meth:`peek` and :meth:`holds` read without noting.
    """

    __slots__ = ("_data", "_readers", "_read_by", "_writer")

    def __init__(self, readers: Readers, writer: Callable[[Any], int | None]) -> None:
        self._data: dict[K, V] = {}
        self._readers = readers
        self._read_by: dict[Hashable, int | set[int]] = {}
        self._writer = writer  # the scope whose analysis writes a key, if any

    def _note(self, key: Hashable, present: bool) -> None:
        readers = self._readers
        current = readers.current
        if readers.demand is not None:
            w = self._writer(key)
            if w is not None and w not in readers.demand:
                readers.demand.add(w)
                readers.asked.append(w)
        if current is not None:
            by = self._read_by.get(key)
            if by is None:
                self._read_by[key] = current
            elif type(by) is int:
                if by != current:
                    self._read_by[key] = {by, current}
            else:
                by.add(current)  # type: ignore[union-attr]
            if not present:
                readers.missed.add((id(self), key))

    def _changed(self, key: Hashable, added: bool) -> None:
        found = self._read_by.get(key)
        if found is not None:
            by = {found} if type(found) is int else found
            readers = self._readers
            current = readers.current
            if current in by and not (added and (id(self), key) in readers.missed):
                readers.woken |= by - {current}  # type: ignore[operator]
            else:
                readers.woken |= by  # type: ignore[arg-type]

    def get(self, key: K, default: Any = None) -> Any:  # type: ignore[override]
        found = self._data.get(key, _MISSING)  # type: ignore[arg-type]
        self._note(key, found is not _MISSING)
        return default if found is _MISSING else found

    def __getitem__(self, key: K) -> V:
        found = self._data.get(key, _MISSING)  # type: ignore[arg-type]
        self._note(key, found is not _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        present = key in self._data
        self._note(key, present)  # type: ignore[arg-type]
        return present

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def peek(self, key: K, default: Any = None) -> Any:
        """The value at ``key`` (else ``default``), read without becoming one of its readers."""
        return self._data.get(key, default)

    def holds(self, key: K) -> bool:
        """Whether ``key`` is there, asked without becoming one of its readers."""
        return key in self._data

    def __setitem__(self, key: K, value: V) -> None:
        old = self._data.get(key, _MISSING)
        if old != value:
            self._data[key] = value
            self._changed(key, old is _MISSING)

    def setdefault(self, key: K, default: V) -> V:
        found = self._data.get(key, _MISSING)
        if found is _MISSING:
            self._data[key] = default
            self._changed(key, True)  # before the writer is noted: it reads back what it wrote
            found = default
        self._note(key, True)
        return found  # type: ignore[return-value]
