"""Run the installed aliaslint on the numpy/scipy/scikit-learn corpus and list what it finds.

Run: python benchmarks/audit.py [--cache DIR] [--rules CODES] [--aliaslint COMMAND]
Prints files linted, lines, wall time and findings per rule code, and writes a listing (each finding
with its message, the source around it and its related locations) to the corpus folder.
It measures and lists; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from corpus import cache_dir, corpus_paths

try:  # the folders aliaslint skips by default, so the file count matches what it lints
    from aliaslint.discovery import DEFAULT_EXCLUDE
except ImportError:
    DEFAULT_EXCLUDE = ()

BEFORE, AFTER = 3, 2  # source lines shown around a flagged line (6 in all)


def linted_files(roots: list[Path]) -> list[Path]:
    files = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in DEFAULT_EXCLUDE]
            files += [Path(dirpath, f) for f in filenames if f.endswith((".py", ".pyi"))]
    return files


def run_aliaslint(aliaslint: list[str], roots: list[Path], rules: str | None) -> tuple[list[dict], str, float]:
    """The findings (JSON), aliaslint's stderr and the wall time in seconds."""
    command = [*aliaslint, "check", "--output-format", "json", "--exit-zero", "--isolated",
               *(["--select", rules] if rules else []), *map(str, roots)]
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"aliaslint exited with {done.returncode}:\n{done.stderr}")
    return json.loads(done.stdout or "[]"), done.stderr, elapsed


class Sources:
    def __init__(self, base: Path) -> None:
        self.base = base
        self._cache: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._cache:
            self._cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        return self._cache[path]

    def name(self, path: str) -> str:
        return os.path.relpath(path, self.base)

    def excerpt(self, path: str, row: int, before: int = BEFORE, after: int = AFTER) -> list[str]:
        lines = self.lines(path)
        return [f"  {'>' if n == row else ' '}{n:6d} | {lines[n - 1]}"
                for n in range(max(1, row - before), min(len(lines), row + after) + 1)]


def listing(findings: list[dict], sources: Sources) -> str:
    out: list[str] = []
    for i, f in enumerate(findings, 1):
        row, col = f["location"]["row"], f["location"]["column"]
        out.append(f"[{i}] {sources.name(f['filename'])}:{row}:{col}: {f['code']} ({f['name']}) {f['message']}")
        out += sources.excerpt(f["filename"], row)
        for r in f.get("related") or []:
            r_row = r["location"]["row"]
            same_file = r["filename"] == f["filename"]
            where = f"line {r_row}" if same_file else f"{sources.name(r['filename'])}:{r_row}"
            out.append(f"    related: {where}: {r['message']}")
            out += ["    " + line for line in sources.excerpt(r["filename"], r_row, 0, 0)]
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    parser.add_argument("--rules", help="rule codes passed to aliaslint --select (default: its default rules)")
    parser.add_argument("--aliaslint", default=f"{shlex.quote(sys.executable)} -m aliaslint",
                        help="command that runs aliaslint (default: %(default)s)")
    args = parser.parse_args()

    roots = corpus_paths(args.cache)
    files = linted_files(roots)
    lines = sum(len(p.read_bytes().splitlines()) for p in files)
    findings, stderr, elapsed = run_aliaslint(shlex.split(args.aliaslint), roots, args.rules)
    findings.sort(key=lambda f: (f["filename"], f["location"]["row"], f["location"]["column"], f["code"]))

    print("corpus:", ", ".join(r.name for r in roots))
    print(f"files linted: {len(files)}, lines: {lines}, wall time: {elapsed:.1f} s")
    print(f"findings: {len(findings)}")
    for code, n in sorted(Counter(f["code"] for f in findings).items()):
        print(f"  {code}: {n}")
    sources = Sources(cache_dir(args.cache))
    for f in findings:
        if f["code"] == "ALI900":
            print(f"ALI900 {sources.name(f['filename'])}:{f['location']['row']}: {f['message']}")
    if stderr.strip():
        print("aliaslint stderr:\n" + stderr.rstrip())

    suffix = args.rules.replace(",", "-") if args.rules else "default"
    report = cache_dir(args.cache) / f"audit-{suffix}.txt"
    report.write_text(f"{len(findings)} findings, {len(files)} files, {lines} lines, {elapsed:.1f} s\n\n"
                      + listing(findings, sources))
    report.with_suffix(".json").write_text(json.dumps(findings, indent=1))
    print(f"listing: {report}")


if __name__ == "__main__":
    main()
