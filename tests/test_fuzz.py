"""Property-based fuzzing (hypothesis): aliaslint never raises, never points outside the file, and
`--fix --unsafe-fixes` always leaves code that parses and that a second fix leaves alone.

The bounded profile here runs in CI (a few seconds each); `pytest -m slow` runs the long one, and
`benchmarks/fuzz.py --examples N` runs as many programs as asked and prints the failures.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from fuzzing import check_program, grammar_programs, numpy_programs

BOUNDED = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@BOUNDED
@given(numpy_programs())
def test_numpy_programs(source: str) -> None:
    check_program(source)


@BOUNDED
@given(grammar_programs())
def test_grammar_programs(source: str) -> None:
    check_program(source)


@pytest.mark.slow
@LONG
@given(numpy_programs())
def test_numpy_programs_long(source: str) -> None:
    check_program(source)


@pytest.mark.slow
@LONG
@given(grammar_programs())
def test_grammar_programs_long(source: str) -> None:
    check_program(source)
