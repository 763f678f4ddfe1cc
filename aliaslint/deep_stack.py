"""How deep aliaslint's own recursion may go, and work run that deep.

The analysis, the conversion of `ast` trees and LibCST's code generation recurse once per nesting
level of the code; CPython's default limit (1000) and the main thread's stack (often 8 MiB) end
far below what valid Python allows. The command runs in a thread whose stack holds
``RECURSION_LIMIT`` frames (``cli._run_deep``), and so does a check in a process of its own
(:func:`in_deep_thread`): the same code must give the same diagnostics in both.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TypeVar

STACK_BYTES = 256 * 1024 * 1024  # address space only: pages are used as the recursion reaches them
RECURSION_LIMIT = 30_000

T = TypeVar("T")


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

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform without settable thread stacks: run here
        return work()
    try:
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        thread = threading.Thread(target=target, name="aliaslint", daemon=True)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
        threading.stack_size(old_stack)
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]
