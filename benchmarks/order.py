"""Whether what the analysis concludes depends on the order it visits a component's files in.

Run: python benchmarks/order.py [--cache DIR] [--packages scipy,scikit-learn] [--seed 7]
Analyses the largest component of the chosen corpus packages (SciPy and scikit-learn together
make one of 1,715 files) with its files in path order, reversed and shuffled, and prints for each
order the time, the scope visits, the flow findings and the latent ones, and whether the findings
are the same as in path order. The test suite checks this on the fixtures; real code has shapes
the fixtures do not. It measures and compares; it asserts nothing. One process; for SciPy and
scikit-learn, about a minute to parse and one or two for each order.
"""

from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from collections import Counter
from pathlib import Path

import libcst as cst

from aliaslint.analysis import flow
from aliaslint.analysis.imports import components, import_facts, module_name
from aliaslint.analysis.project import SourceModule, analyze_component
from aliaslint.cst_parsing import parse_module

from audit import linted_files
from corpus import corpus_paths


def largest_component(roots: list[Path]) -> list[tuple[Path, cst.Module]]:
    """The files of the largest component, in path order, parsed (files either parser refuses are
    left out, as they are from any component)."""
    paths = sorted(linted_files(roots))
    facts = []
    for p in paths:
        try:
            facts.append(import_facts(ast.parse(p.read_bytes()), *module_name(str(p))))
        except (SyntaxError, ValueError, RecursionError):
            facts.append(None)
    group = max(components(facts), key=len)
    parsed = []
    for i in sorted(group, key=lambda i: paths[i]):
        try:
            parsed.append((paths[i], parse_module(paths[i].read_bytes())))
        except (cst.ParserSyntaxError, RecursionError):
            pass
    return parsed


def conclusions(files: list[tuple[Path, cst.Module]]) -> tuple[Counter[tuple], int, int, float]:
    """The flow findings (by their nodes, which every order shares, not by scope numbers, which it
    does not), the number of latent findings, the scope visits and the seconds taken."""
    visits = 0
    real_init = flow.ScopeAnalysis.__init__

    def counting(self, *args):  # type: ignore[no-untyped-def]
        nonlocal visits
        visits += 1
        real_init(self, *args)

    flow.ScopeAnalysis.__init__ = counting  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        result = analyze_component([SourceModule(str(p), *module_name(str(p)), tree) for p, tree in files])
        seconds = time.perf_counter() - start
    finally:
        flow.ScopeAnalysis.__init__ = real_init  # type: ignore[method-assign]
    found = Counter(
        (id(f.origin[0]), id(f.origin[1]), id(f.mutation), f.how, id(f.read), tuple(map(id, f.chain)),
         f.kind, f.holder, f.signals)
        for f in result.findings
    )
    latent = sum(len(s.latent) for s in result.summaries.values())
    return found, latent, visits, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--packages", default="scipy,scikit-learn", help="corpus packages to take, by name")
    parser.add_argument("--seed", type=int, default=7, help="seed of the shuffled order")
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    wanted = args.packages.split(",")
    roots = [p for p in corpus_paths(args.cache) if any(p.name.startswith(f"{w}-") for w in wanted)]
    files = largest_component(roots)
    print(f"largest component of {', '.join(r.name for r in roots)}: {len(files)} files", flush=True)
    shuffled = files[:]
    random.Random(args.seed).shuffle(shuffled)
    reference: Counter[tuple] | None = None
    for name, order in (("path order", files), ("reversed", files[::-1]), (f"shuffled (seed {args.seed})", shuffled)):
        found, latent, visits, seconds = conclusions(order)
        same = "" if reference is None else ("; same findings" if found == reference else "; DIFFERENT findings")
        reference = found if reference is None else reference
        print(f"{name}: {seconds:.1f} s, {visits:,} scope visits, {sum(found.values()):,} flow findings, "
              f"{latent:,} latent{same}", flush=True)


if __name__ == "__main__":
    main()
