"""The pieces of --confirm that need no process: the driver's choices, the harness, the verdict."""

from __future__ import annotations

import ast
import textwrap

import pytest

from aliaslint.confirm.driver import CannotDrive, enclosing_function, plan, where
from aliaslint.confirm.harness import build_program
from aliaslint.confirm.sandbox import SandboxResult
from aliaslint.confirm.verdict import compare, show

MODULE = textwrap.dedent("""\
    import numpy as np
    from helpers import unused

    H = 1e-6
    START = np.linspace(0.0, 1.0, 3)
    LOADED = np.loadtxt("data.txt")


    def lin(x):
        return x


    def unrelated():
        open("never.txt", "w")


    def grad(f, x, h=H):
        return f(x)


    class Model:
        def fit(self, f, x):
            fp = f(x)
            return fp


    if __name__ == "__main__":
        x0 = np.array([1.0, 2.0])
        grad(lin, x0)
        grad(lin, np.loadtxt("x.txt"))
    """)


def _plan(source: str, name: str, passed_row: int | None = None, probe: bool = False):
    tree = ast.parse(source)
    fn = next(s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == name)
    return plan(tree, source, fn, passed_row, probe)


def test_call_site_arguments_are_rebuilt_from_the_callers_scope():
    p = _plan(MODULE, "grad")
    assert p.cases[0].body == (
        "x0 = np.array([1.0, 2.0])",
        "_aliaslint_f = lin",
        "_aliaslint_x = x0",
        "_aliaslint_show(x=_aliaslint_x)",
        "return grad(_aliaslint_f, _aliaslint_x)",
    )
    assert len(p.cases) == 1 and p.probes == ("",)


def test_an_argument_that_cannot_be_rebuilt_becomes_generated_arrays():
    source = MODULE.replace("    grad(lin, x0)\n", "")
    row = source.splitlines().index('    grad(lin, np.loadtxt("x.txt"))') + 1
    p = _plan(source, "grad", passed_row=row)
    assert len(p.cases) == 2  # two shapes
    assert p.cases[0].body[1] == "_aliaslint_f = lin"
    assert p.cases[0].body[2] == "_aliaslint_x = _aliaslint_rng.uniform(0.5, 2.0, (3,)).round(3)"
    assert p.cases[1].body[2] == "_aliaslint_x = _aliaslint_rng.uniform(0.5, 2.0, (2, 3)).round(3)"


def test_probes_replace_the_callable_and_nothing_is_found_for_a_helper_without_one():
    p = _plan(MODULE, "grad", probe=True)
    assert [s.text for s in p.shown[0]] == ["f=identity", None]
    assert len(p.cases) == 6 and p.probes[-1] == "persistent buffer"
    with pytest.raises(CannotDrive, match="takes no callable to probe"):
        _plan(MODULE, "lin", probe=True)
    with pytest.raises(CannotDrive, match="no call of `grad` passes a callable"):
        _plan(MODULE.split("if __name__")[0], "grad")


def test_where_the_read_is_decides_what_can_be_driven():
    tree = ast.parse(MODULE)
    method_row = MODULE.splitlines().index("        fp = f(x)") + 1
    assert enclosing_function(tree, method_row) is None
    assert where(tree, method_row) == "in a method, and confirmation calls top-level functions only"
    assert where(tree, 1) == "in module-level code, which confirmation never runs"


def test_the_program_holds_imports_constants_and_reached_definitions_only():
    p = _plan(MODULE, "grad")
    program = build_program(MODULE, ["grad"], p.cases)
    compile(program, "program", "exec")
    assert "START = np.linspace(0.0, 1.0, 3)" in program and "H = 1e-6" in program
    assert "def lin(x)" in program and "def grad(f, x, h=H)" in program
    for absent in ("LOADED", "def unrelated", "class Model", "__main__", "never.txt"):
        assert absent not in program
    assert "try:\n    from helpers import unused\nexcept Exception:\n    pass\n" in program


def _run(cases: list[dict], status: str = "ok", stdout: str = "", reason: str = "exit status 0") -> SandboxResult:
    return SandboxResult(status, 0, stdout, "", {"cases": cases}, reason, 0.1)


def _case(**fields):
    return {"label": "0", "observed": {}, "reads": 1, "arguments": {"x": 1.5}, **fields}


def test_verdicts():
    p = _plan(MODULE, "grad")
    zero = {"ndarray": [0.0, 0.0], "shape": [2], "dtype": "float64"}
    one = {"ndarray": [1.0, 1.0], "shape": [2], "dtype": "float64"}
    c = compare(p, "line 9", _run([_case(returned=zero)]), _run([_case(returned=one)]))
    assert (c.status, c.symptom, c.original, c.fixed) == ("confirmed", "zero-gradient", "[0. 0.]", "[1. 1.]")
    c = compare(p, "line 9", _run([_case(returned=one)]), _run([_case(returned=zero)]))
    assert c.symptom == "wrong-result"
    c = compare(p, "line 9", _run([_case(returned=one)]), _run([_case(returned=one)]))
    assert c.line == "not-reproduced: grad(lin, x=1.5) returned [1. 1.] as written and with the fix"
    c = compare(p, "line 9", _run([_case(returned=1)], stdout="a\n"), _run([_case(returned=1)], stdout="b\n"))
    assert c.line == "confirmed (wrong-result): it printed 'a'; with the fix 'b'"
    c = compare(p, "line 9", _run([], status="timeout", reason="timed out after 2.0 s"), _run([]))
    assert c.line == "inconclusive: the program as written timed out (timed out after 2.0 s)"
    c = compare(p, "line 9", _run([_case(reads=0, raised="TypeError: no")]), _run([_case(reads=0, raised="TypeError: no")]))
    assert c.line == "inconclusive: grad(lin, x=1.5) raised TypeError: no before reaching the stale read"
    broken = SandboxResult("error", 1, "", "", None, "NameError: name 'g' is not defined", 0.1)
    c = compare(p, "line 9", broken, _run([]))
    assert c.reason == "the program could not be built or run: NameError: name 'g' is not defined"


def test_values_are_shown_as_numpy_prints_them():
    assert show({"ndarray": [[1.0, 0.0], [0.0, 1.0]], "shape": [2, 2], "dtype": "float64"}) == "[[1. 0.] [0. 1.]]"
    assert show({"ndarray": None, "shape": [200, 200], "dtype": "float64", "digest": "ab"}) == \
        "<float64 array of shape (200, 200)>"
    assert show({"tuple": [1, {"list": [2.5]}]}) == "(1, [2.5])"
    assert show(0.1 + 0.2) == "0.3"
    assert len(show({"ndarray": list(range(1000)), "shape": [1000], "dtype": "int64"})) <= 80


def test_a_helper_module_keeps_definitions_and_drops_its_script_code():
    from aliaslint.confirm.harness import build_module

    module = build_module(MODULE)
    compile(module, "module", "exec")
    for present in ("def lin(x)", "def unrelated()", "class Model", "START = np.linspace(0.0, 1.0, 3)"):
        assert present in module
    for absent in ("__main__", "LOADED", "_aliaslint_main"):
        assert absent not in module
