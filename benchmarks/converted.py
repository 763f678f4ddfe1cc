"""Whether every corpus file's tree built from `ast` (`aliaslint/cst_from_ast.py`) is LibCST's,
as far as the analysis reads it, and how long each parser takes.

Run: python benchmarks/converted.py [--cache DIR] [--jobs 2] [PATH ...]
For each file (the corpus's, or the ``.py`` files under the paths given): LibCST's tree, the
converted one, and the two walked together (`cst_from_ast.node_pairs`). Prints how many files
converted to LibCST's shape, how many were left to LibCST and why, each file whose trees differ,
and the seconds each parser took over the files both took (on one process: the sum of each
file's time). Exits 1 if any file's trees differ. `tests/test_cst_from_ast.py` runs the same
comparison over the fixtures, aliaslint's own code and a sample of the standard library.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aliaslint.cst_from_ast import NotConverted, ShapeMismatch, convert_module, node_pairs
from aliaslint.cst_parsing import parse_module
from audit import linted_files
from corpus import corpus_paths


def check(path: Path) -> tuple[str, str, float, float]:
    """(path, what happened, seconds LibCST took, seconds the conversion took)."""
    try:
        source = path.read_bytes()
        start = time.perf_counter()
        theirs = parse_module(source)
        libcst = time.perf_counter() - start
    except Exception:
        return str(path), "LibCST refuses it", 0.0, 0.0
    start = time.perf_counter()
    try:
        ours = convert_module(source)
    except NotConverted as e:
        return str(path), f"left to LibCST ({e})", 0.0, 0.0
    except RecursionError:  # aliaslint reports such a file as nesting too deep
        return str(path), "too deep to convert", 0.0, 0.0
    converted = time.perf_counter() - start
    try:
        for _ in node_pairs(ours, theirs):
            pass
    except ShapeMismatch as e:
        return str(path), f"differs: {e}", 0.0, 0.0
    return str(path), "converted", libcst, converted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("paths", nargs="*", type=Path, help="folders or files instead of the corpus")
    args = parser.parse_args()
    sys.setrecursionlimit(20_000)
    files = linted_files(args.paths or corpus_paths(args.cache))
    outcomes: Counter[str] = Counter()
    libcst = converted = 0.0
    failed = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for path, outcome, theirs, ours in pool.map(check, files, chunksize=8):
            libcst += theirs
            converted += ours
            if outcome.startswith("differs"):
                failed += 1
                print(f"{path}: {outcome}")
                outcome = "differs"
            outcomes[outcome] += 1
    print(f"{len(files)} files: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    print(f"over the files converted: LibCST's parser {libcst:.1f} s, ast and the conversion {converted:.1f} s"
          f" ({libcst / converted if converted else 0:.1f} times less)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
