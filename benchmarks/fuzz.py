"""Fuzz aliaslint for longer than CI does: `python benchmarks/fuzz.py --examples 2000`.

Runs the properties of tests/fuzzing.py (no traceback, findings inside the file, --fix output
parses, fixing twice changes nothing) on NumPy-flavoured programs and on hypothesmith's programs
from Python's grammar; prints how many programs ran and each failure with its program.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from fuzzing import check_program, grammar_programs, numpy_programs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="programs per source (default 200)")
    parser.add_argument("--source", choices=["numpy", "grammar", "both"], default="both")
    args = parser.parse_args()
    sources = {"numpy": numpy_programs(), "grammar": grammar_programs()}
    failures = 0
    total = 0
    start = time.monotonic()
    for name, strategy in sources.items():
        if args.source not in (name, "both"):
            continue
        seen = 0
        bad: list[tuple[str, str]] = []

        @settings(max_examples=args.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(source: str) -> None:
            nonlocal seen
            seen += 1
            try:
                check_program(source)
            except BaseException as e:  # noqa: BLE001  (every failure is reported, the run goes on)
                if isinstance(e, KeyboardInterrupt):
                    raise
                bad.append((source, "".join(traceback.format_exception_only(type(e), e)).strip()))

        run()
        total += seen
        failures += len(bad)
        print(f"{name}: {seen} programs fuzzed, {len(bad)} failures")
        for source, why in bad[:20]:
            print(f"--- failure: {why}\n{source}\n---")
    print(f"total: {total} programs fuzzed, {failures} failures, {time.monotonic() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
