"""How deep aliaslint's own recursion may go, and work run that deep.

The analysis, the conversion of `ast` trees and LibCST's code generation recurse once per nesting
level of the code; CPython's default limit (1000) and the main thread's stack (often 8 MiB) end
far below what valid Python allows. The command runs in a thread whose stack holds
``RECURSION_LIMIT`` frames (``cli._run_deep``), and so do the checks and parses of processes of
their own and the pool's tasks (:func:`in_deep_thread`), however their processes were started:
the same code must give the same diagnostics whatever ``--jobs``.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

STACK_BYTES = 256 * 1024 * 1024  # address space only: pages are used as the recursion reaches them
RECURSION_LIMIT = 30_000

T = TypeVar("T")


@contextmanager
def deep_threads() -> Iterator[bool]:
    """While it lasts, threads started get a stack of ``STACK_BYTES`` and the recursion limit is
    ``RECURSION_LIMIT`` (or the one set, if higher); it says False, and changes nothing, where
    threads' stacks cannot be set."""
    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):
        yield False
        return
    try:
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        yield True
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_stack)


def in_deep_thread(work: Callable[[], T]) -> T:
    """``work()`` in a thread with a deep stack and a high recursion limit; its result or its
    exception. For a process that runs one piece of work: a signal still reaches the main thread,
    whose wait it interrupts, and the thread, a daemon, ends with the process."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as e:  # handed to the calling thread
            outcome.append((False, e))

    with deep_threads() as deep:
        if not deep:  # a platform without settable thread stacks: run here
            return work()
        thread = threading.Thread(target=target, name="aliaslint", daemon=True)
        thread.start()
        thread.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]
