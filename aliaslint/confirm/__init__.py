"""Confirming findings by running small programs: the contained runner lives in ``sandbox``.

Importing this package runs nothing; only :func:`run_program` starts a process.
"""

from __future__ import annotations

from .sandbox import SandboxResult, run_program

__all__ = ["SandboxResult", "run_program"]
