"""Whether every body of the corpus, parsed on its own as a check with cones parses it
(`aliaslint/skeletons.py`), has the positions the whole file's parse gives its nodes.

Run: python benchmarks/skeletons.py [--cache DIR] [--jobs 2]
For each file: its skeleton, every body parsed on its own, and the positions of every node the
analysis can reach in those bodies compared with the whole file's. Prints how many files had a
skeleton, had nothing to leave out, or could not be read or parsed whole, how many bodies were
compared, and each file where a position differs or the skeleton failed. Exits 1 if any did.
`tests/test_skeletons.py` runs the same comparison over some of aliaslint's own modules.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from aliaslint.analysis.walk import children
from aliaslint.skeletons import parse_skeleton
from audit import linted_files
from corpus import corpus_paths


def _place(r: CodeRange) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.column, r.end.line, r.end.column)


def _nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    out, todo = [], [node]
    while todo:
        n = todo.pop()
        out.append(n)
        todo.extend(reversed(list(children(n))))
    return out


def _functions(body: list[cst.BaseStatement] | tuple[cst.BaseStatement, ...]) -> list[cst.FunctionDef]:
    out: list[cst.FunctionDef] = []
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            out.append(stmt)
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            out.extend(_functions(stmt.body.body))
    return out


def check(path: Path) -> tuple[str, str, int]:
    """(path, what happened, bodies compared)."""
    try:
        text = path.read_text(encoding="utf-8")
        whole = cst.parse_module(text)
    except (UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
        return str(path), "not parsed whole", 0
    try:
        skeleton = parse_skeleton(text)
    except Exception as e:  # reported: a skeleton must parse wherever the whole file does
        return str(path), f"skeleton failed: {type(e).__name__}: {' '.join(str(e).split())[:120]}", 0
    if skeleton is None:
        return str(path), "nothing left out", 0
    made = {id(stub): skeleton.parse_body(stub) for stub in list(skeleton.stubs)}
    own = MetadataWrapper(skeleton.module, unsafe_skip_copy=True).resolve(PositionProvider)
    moved = skeleton.body_positions(own)
    expected = MetadataWrapper(whole, unsafe_skip_copy=True).resolve(PositionProvider)
    differ = 0
    for original, stub in zip(_functions(whole.body), _functions(skeleton.module.body), strict=True):
        function = made.get(id(stub))
        if function is None:
            continue
        got = [_place(moved[n]) for n in _nodes(function.body)]
        if got != [_place(expected[n]) for n in _nodes(original.body)] \
                or _place(moved[function])[:2] != _place(expected[original])[:2]:
            differ += 1
    return str(path), f"positions differ in {differ} bodies" if differ else "skeleton", len(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sys.setrecursionlimit(20_000)
    files = linted_files(corpus_paths(args.cache))
    outcomes: Counter[str] = Counter()
    bodies = failed = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for path, outcome, compared in pool.map(check, files, chunksize=8):
            bodies += compared
            if outcome.startswith(("positions", "skeleton failed")):
                failed += 1
                print(f"{path}: {outcome}")
                outcome = outcome.split(":")[0].split(" in ")[0]
            outcomes[outcome] += 1
    print(f"{len(files)} files: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())))
    print(f"{bodies:,} bodies compared; {failed} files with a difference")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
