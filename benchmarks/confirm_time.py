"""How long `aliaslint --confirm` takes per finding on the bundled example (median of several runs).

Run: python benchmarks/confirm_time.py [--runs 7] [--jobs 1]
It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "aliaslint" / "examples" / "finite_difference.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    command = [sys.executable, "-m", "aliaslint", "-q", "--jobs", str(args.jobs), str(EXAMPLE)]
    findings = len(subprocess.run(command, capture_output=True, text=True).stdout.splitlines())
    lint, confirm = [], []
    for _ in range(args.runs):
        for target, extra in ((lint, []), (confirm, ["--confirm"])):
            start = time.perf_counter()
            out = subprocess.run([*command, *extra], capture_output=True, text=True)
            target.append(time.perf_counter() - start)
            if extra and out.stdout.count("  confirmed") != findings:
                sys.exit(f"unexpected output:\n{out.stdout}")
    per_finding = [(c - l) / findings for c, l in zip(confirm, lint)]
    print(f"findings: {findings}, runs: {args.runs}, jobs: {args.jobs}")
    print(f"lint only:         median {statistics.median(lint):.3f} s")
    print(f"lint + --confirm:  median {statistics.median(confirm):.3f} s")
    print(f"confirm per finding (two sandboxed runs each): median {statistics.median(per_finding):.3f} s")


if __name__ == "__main__":
    main()
