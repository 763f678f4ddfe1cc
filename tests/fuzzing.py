"""Programs to fuzz aliaslint with, and the properties every run must keep.

Used by tests/test_fuzz.py (a bounded profile) and benchmarks/fuzz.py (a long one). Two sources:
hypothesmith's programs from Python's grammar (anything Python accepts), and NumPy-flavoured
programs of our own: random nests of for/while/if around in-place updates, calls of small helpers
and lambdas that return their argument or a view of it, slices, copies, appends and snapshots
(`x_old = x`), which is where aliaslint's analysis and fixes do their work.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from pathlib import Path

import libcst as cst
from hypothesis import strategies as st

from conftest import run_cli

FINDING = re.compile(r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>ALI\d{3}) ")
NEWLINE = re.compile(r"\r\n|\r|\n")

NAMES = ["x", "y", "z", "g"]
HELPERS = (
    "def ident(v):\n    return v\n\n"
    "def view(v):\n    return v[:]\n\n"
    "def trans(v):\n    return v.T\n\n"
    "def fresh(v):\n    return v.copy()\n\n"
    "def buf(v, out=np.empty(3)):\n    np.add(v, 0, out=out)\n    return out\n\n"
)
CALLEES = ["ident", "view", "trans", "fresh", "buf", "f", "lam", "np.asarray", "np.sin"]


@st.composite
def _expr(draw: st.DrawFn) -> str:
    n = draw(st.sampled_from(NAMES))
    return draw(st.sampled_from([
        n, f"{n}[1:]", f"{n}[:]", f"{n}.copy()", f"{n}.T", f"{n}[0]", f"{n}.reshape(-1)",
        f"{draw(st.sampled_from(CALLEES))}({n})", f"({n} - d)", f"np.dot({n}, {n})", "np.zeros(3)",
        f"{n}_old", "out[-1]", f"{n}.ravel()",
    ]))


@st.composite
def _simple(draw: st.DrawFn) -> str:
    n = draw(st.sampled_from(NAMES))
    e = draw(_expr())
    return draw(st.sampled_from([
        f"{n} = {e}", f"{n} += {e}", f"{n} -= 2 * d", f"{n}[i] = {e}", f"{n}[i] += d", f"{n}[:] = {e}",
        f"np.add({n}, d, out={n})", f"np.multiply({n}, 2, out={n})", f"{n}_old = {n}", f"{n}_old = {e}",
        f"out.append({n})", f"out.append({e})", f"{n}[i], {n}[0] = {n}[0], {n}[i]",
        f"use({n}_old - {n})", f"use({e})", f"r = {draw(st.sampled_from(CALLEES))}({n})", "use(r)",
        f"{n} = {n}_old", "d *= 0.5", "i = (i + 1) % 3", "pass", "continue", "break", "return r",
    ]))


def _block(draw: st.DrawFn, depth: int, indent: str, in_loop: bool) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["simple", "simple", "simple", "for", "while", "if"] if depth < 4 else ["simple"]))
        if kind == "simple":
            s = draw(_simple())
            if s in ("continue", "break") and not in_loop:
                s = "pass"
            lines.append(indent + s)
        elif kind == "for":
            lines.append(indent + f"for i in range({draw(st.integers(0, 3))}):")
            lines += _block(draw, depth + 1, indent + "    ", True)
        elif kind == "while":
            lines.append(indent + f"while {draw(st.sampled_from(['d > 1e-3', 'i < 2', 'x.sum() > 0']))}:")
            lines += _block(draw, depth + 1, indent + "    ", True)
            lines.append(indent + "    d *= 0.5")
        else:
            lines.append(indent + f"if {draw(st.sampled_from(['d > 0', 'i == 1', 'x[0] > y[0]']))}:")
            lines += _block(draw, depth + 1, indent + "    ", in_loop)
            if draw(st.booleans()):
                lines.append(indent + "else:")
                lines += _block(draw, depth + 1, indent + "    ", in_loop)
    return lines


@st.composite
def numpy_programs(draw: st.DrawFn) -> str:
    """A module with aliasing helpers and one or two functions that use them in random nests."""
    parts = ["import numpy as np\n\n", HELPERS, "def use(v):\n    return v\n\n"]
    names = []
    for k in range(draw(st.integers(1, 2))):
        name = f"run{k}"
        names.append(name)
        body = ["    d = 1e-3", "    i = 0", "    r = None", "    out = []", "    lam = lambda v: v",
                *[f"    {n} = np.ones(3)" for n in NAMES], *[f"    {n}_old = {n}.copy()" for n in NAMES]]
        body += _block(draw, 0, "    ", False)
        body.append(f"    return {draw(st.sampled_from(['r', 'x', 'out', 'x_old', 'g']))}")
        parts.append(f"def {name}(f, x):\n" + "\n".join(body) + "\n\n")
    for name in names:
        parts.append(f"{name}({draw(st.sampled_from(CALLEES[:5] + ['lambda v: v', 'lambda v: v[::2]']))}, np.arange(3.0))\n")
    return "".join(parts)


def grammar_programs() -> st.SearchStrategy[str]:
    """Programs from Python's grammar (hypothesmith): text-level and LibCST node level."""
    import hypothesmith

    return st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


class Failure(AssertionError):
    pass


def check_program(source: str, folder: Path | None = None) -> None:
    """The properties of one program: linting never raises and points only inside the file;
    ``--fix --unsafe-fixes`` leaves code that parses, and fixing again changes nothing."""
    if folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            return check_program(source, Path(tmp))
    data = source.encode("utf-8", "surrogatepass")
    path = folder / "prog.py"
    path.write_bytes(data)
    r = run_cli(["--no-cache", "--isolated", "-q", "prog.py"], cwd=folder)
    _check_output(r.output, r.stderr, r.exit_code, data)
    r = run_cli(["--no-cache", "--isolated", "-q", "--fix", "--unsafe-fixes", "prog.py"], cwd=folder)
    _check_output(r.output, r.stderr, r.exit_code, path.read_bytes())
    fixed = path.read_bytes()
    if fixed != data:
        try:
            cst.parse_module(fixed)
        except Exception as e:
            raise Failure(f"--fix wrote code LibCST cannot parse: {e}") from None
        try:
            ast.parse(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        else:
            try:
                ast.parse(fixed)
            except SyntaxError as e:
                raise Failure(f"--fix wrote code Python cannot parse: {e}") from None
    again = run_cli(["--no-cache", "--isolated", "-q", "--fix", "--unsafe-fixes", "prog.py"], cwd=folder)
    _check_output(again.output, again.stderr, again.exit_code, fixed)
    if path.read_bytes() != fixed:
        raise Failure("fixing twice changed the file again")
    if sorted(os.listdir(folder)) != ["prog.py"]:
        raise Failure(f"left behind: {sorted(os.listdir(folder))}")


def _check_output(output: str, stderr: str, code: int, data: bytes) -> None:
    if code not in (0, 1) or "Traceback" in output + stderr or stderr.strip():
        raise Failure(f"exit status {code}, stderr {stderr!r}")
    try:
        from aliaslint.fixes import decode

        lines = NEWLINE.split(decode(data).text)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        lines = NEWLINE.split(data.decode("utf-8", "replace"))
    for line in output.splitlines():
        m = FINDING.match(line)
        if not m:
            raise Failure(f"not a finding: {line!r}")
        row, col = int(m["row"]), int(m["col"])
        if not 1 <= row <= len(lines) or not 1 <= col <= len(lines[row - 1]) + 1:
            raise Failure(f"points outside the file ({len(lines)} lines): {line!r}")
