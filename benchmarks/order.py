"""Whether what the analysis concludes depends on the order it first visits a component's scopes in.

Run: python benchmarks/order.py [--cache DIR] [--packages scipy,scikit-learn] [--seed 7]
Analyses the largest component of the chosen corpus packages (SciPy and scikit-learn together
make one of 1,715 files) visiting its scopes first callees first (what aliaslint does, see
``project.callees_first``), in the files' path order, that order reversed, and the files
shuffled, and prints for each order the CPU time, the scope visits, the flow findings and the latent
ones, and whether the findings are the same as callees first. The test suite checks this on the
fixtures; real code has shapes the fixtures do not. It measures and compares; it asserts nothing.
One process; for SciPy and scikit-learn, about a minute to parse and one or two for each order.
"""

from __future__ import annotations

import argparse
import ast
import gc
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import libcst as cst

from aliaslint.analysis import flow, project
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


def conclusions(
    files: list[tuple[Path, cst.Module]], order: Callable[[list[list[int]]], list[int]] | None = None,
) -> tuple[Counter[tuple], int, int, float]:
    """The flow findings (by their nodes, which every order shares, not by scope numbers, which it
    does not), the number of latent findings, the scope visits and the CPU seconds taken, visiting the
    scopes first in the ``order`` it gives of each file's scopes (callees first without)."""
    visits = 0
    real_init = flow.ScopeAnalysis.__init__

    def counting(self, *args):  # type: ignore[no-untyped-def]
        nonlocal visits
        visits += 1
        real_init(self, *args)

    def ordered(modules, info, resolver):  # type: ignore[no-untyped-def]
        return order([[s.index for s in m.info.scopes] for m in modules])  # type: ignore[misc]

    flow.ScopeAnalysis.__init__ = counting  # type: ignore[method-assign]
    real_order = project.callees_first
    if order is not None:
        project.callees_first = ordered
    try:
        gc.collect()
        start = time.process_time()
        result = analyze_component([SourceModule(str(p), *module_name(str(p)), tree) for p, tree in files])
        seconds = time.process_time() - start
    finally:
        flow.ScopeAnalysis.__init__ = real_init  # type: ignore[method-assign]
        project.callees_first = real_order
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
    gc.freeze()  # as aliaslint does (checker._trees_out_of_collection): else the first order pays for the trees
    print(f"largest component of {', '.join(r.name for r in roots)}: {len(files)} files", flush=True)
    rank = list(range(len(files)))
    random.Random(args.seed).shuffle(rank)

    def flat(files: list[list[int]]) -> list[int]:
        return [i for scopes in files for i in scopes]

    orders: list[tuple[str, Callable[[list[list[int]]], list[int]] | None]] = [
        ("callees first", None), ("path order", flat), ("reversed", lambda f: flat(f)[::-1]),
        (f"files shuffled (seed {args.seed})", lambda f: flat([f[k] for k in rank if k < len(f)])),
    ]
    reference: tuple[Counter[tuple], int] | None = None
    for name, order in orders:
        found, latent, visits, seconds = conclusions(files, order)
        same = "" if reference is None else ("; same findings" if (found, latent) == reference else "; DIFFERENT findings")
        reference = (found, latent) if reference is None else reference
        print(f"{name}: {seconds:.1f} s of CPU, {visits:,} scope visits, {sum(found.values()):,} flow findings, "
              f"{latent:,} latent{same}", flush=True)


if __name__ == "__main__":
    main()
