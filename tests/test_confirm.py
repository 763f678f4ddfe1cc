"""``--confirm``, run for real: real files, the real sandbox, exact confirmation lines.

Every program here is written the way users write them; the checks are on what the command prints
(and its JSON), plus the promises of the sandbox: in time, no process and no file left behind, and
nothing run at all without ``--confirm``.
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from conftest import run_cli

EXAMPLE = Path(__file__).parent.parent / "aliaslint" / "examples" / "finite_difference.py"

CENTRAL = """\
import numpy as np


def {name}(x):
{body}


def grad(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        g[i] = ((fp - fm) / (2 * h))[i]
    return g


x = np.array([1.0, 2.0])
print(grad({name}, x))
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def confirmations(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("  ")]


def sandbox_dirs() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("aliaslint-sandbox-")}


def processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                found.append(pid)
    return found


def test_the_bundled_example_is_confirmed_as_a_zero_gradient() -> None:
    r = run_cli(["--confirm", "-q", EXAMPLE.name], cwd=EXAMPLE.parent)
    line = "confirmed (zero-gradient): grad(lin, x=[0.001]) returned [0.]; with the fix it returns [1.]"
    assert r.output.splitlines() == [
        "finite_difference.py:10:12: ALI002 `lin` returns its argument `x` itself, not a copy; the result "
        "stored at line 20 goes stale when the argument is modified in place",
        f"  {line}",
        "finite_difference.py:20:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at "
        "line 21 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument",
        f"  {line}",
        "finite_difference.py:22:9: ALI001 [*] result of `f(x)` aliases `x`, which is modified in place at "
        "line 23 before this value is read at line 24; `f` is `lin` (passed at line 31), which returns its argument",
        f"  {line}",
    ]
    assert r.exit_code == 1


def test_the_user_story_as_written_confirms_from_the_stale_read_although_both_runs_raise(tmp_path: Path) -> None:
    write(tmp_path, "grad.py", """\
        import numpy as np


        def f(x):
            return x


        def grad(f, x):
            delta_x = 1e-5
            gradient = np.zeros_like(x)
            it = np.nditer(x, flags=["multi_index"])
            while not it.finished:
                index = it.multi_index
                old_value = x[index]
                x[index] = old_value + delta_x
                fx_addh = f(x)
                x[index] = old_value - delta_x
                fx_minush = f(x)
                x[index] = old_value
                print((fx_addh - fx_minush) / (2. * delta_x))
                gradient[index] = (fx_addh - fx_minush) / (2. * delta_x)
                it.iternext()
            return gradient


        x = np.array([0.001])
        print(grad(f, x))
        """)
    r = run_cli(["--confirm", "-q", "--select", "ALI001", "grad.py"], cwd=tmp_path)
    line = ("confirmed (zero-gradient): in grad(f, x=[0.001]), the stale read at line 20 saw [0.]; with the fix "
            "it sees [1.]; both runs then raised ValueError: setting an array element with a sequence")
    assert confirmations(r.output) == [line, line]


def test_a_jacobian_of_a_view_shows_the_wrong_matrix(tmp_path: Path) -> None:
    write(tmp_path, "jac.py", """\
        import numpy as np


        def reverse(x):
            return x[::-1]


        def jacobian(F, x, h=1e-6):
            n = x.size
            J = np.zeros((n, n))
            for j in range(n):
                old = x[j]
                x[j] = old + h
                fp = F(x)
                x[j] = old - h
                fm = F(x)
                x[j] = old
                J[:, j] = (fp - fm) / (2 * h)
            return J


        J = jacobian(reverse, np.array([1.0, 2.0, 3.0]))
        """)
    r = run_cli(["--confirm", "-q", "--select", "ALI001", "jac.py"], cwd=tmp_path)
    line = ("confirmed (zero-gradient): jacobian(reverse, x=[1. 2. 3.]) returned [[0. 0. 0.] [0. 0. 0.] "
            "[0. 0. 0.]]; with the fix it returns [[0. 0. 1.] [0. 1. 0.] [1. 0. 0.]]")
    assert confirmations(r.output) == [line, line]


LATENT_JACOBIAN = """\
    import numpy as np


    def jacobian(F, x, h=1e-6):
        n = x.size
        J = np.zeros((n, n))
        for j in range(n):
            old = x[j]
            x[j] = old + h
            fp = F(x)
            x[j] = old - h
            fm = F(x)
            x[j] = old
            J[:, j] = (fp - fm) / (2 * h)
        return J
    """


def test_a_latent_helper_is_confirmed_with_aliasing_probes(tmp_path: Path) -> None:
    write(tmp_path, "helper.py", LATENT_JACOBIAN)
    assert run_cli(["helper.py"], cwd=tmp_path).output == "All checks passed!\n"
    r = run_cli(["--confirm", "-q", "--select", "ALI100", "helper.py"], cwd=tmp_path)
    assert [line.split(": ", 1)[0] for line in r.output.splitlines() if not line.startswith(" ")] == [
        "helper.py:10:9", "helper.py:12:9"]
    line = ("confirmed (zero-gradient): jacobian(F=identity, x=[1.455 0.905 0.561]) returned [[0. 0. 0.] "
            "[0. 0. 0.] [0. 0. 0.]]; with the fix it returns [[1. 0. 0.] [0. 1. 0.] [0. 0. 1.]]; it breaks when "
            "passed identity, x.T, x[...], x.reshape(-1), np.asarray(x), persistent buffer")
    assert confirmations(r.output) == [line, line]


def test_a_stale_value_that_is_harmless_at_run_time_is_not_reproduced(tmp_path: Path) -> None:
    # The write puts back the value that was there, so the stale read sees what a copy would.
    write(tmp_path, "harmless.py", """\
        import numpy as np


        def same(x):
            return x


        def total(f, x):
            y = f(x)
            x[0] = x[0]
            return y.sum()


        total(same, np.array([1.0, 2.0]))
        """)
    r = run_cli(["--confirm", "-q", "--select", "ALI001", "harmless.py"], cwd=tmp_path)
    assert confirmations(r.output) == [
        "not-reproduced: total(same, x=[1. 2.]) returned 3 as written and with the fix"]


def test_json_carries_the_confirmation_object(tmp_path: Path) -> None:
    r = run_cli(["--confirm", "--output-format", "json", "--select", "ALI001", EXAMPLE.name], cwd=EXAMPLE.parent)
    first = json.loads(r.output)[0]["confirmation"]
    assert first == {
        "status": "confirmed",
        "symptom": "zero-gradient",
        "call": "grad(lin, x=[0.001])",
        "original": "[0.]",
        "fixed": "[1.]",
        "reason": None,
    }
    plain = json.loads(run_cli(["--output-format", "json", EXAMPLE.name], cwd=EXAMPLE.parent).output)
    assert all(d["confirmation"] is None for d in plain)


def test_a_finding_in_module_code_is_inconclusive_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    write(tmp_path, "script.py", f"""\
        import numpy as np


        def lin(x):
            return x


        x = np.ones(2)
        fp = lin(x)
        x[0] = 5.0
        open({str(marker)!r}, "w").write(str(fp))
        """)
    r = run_cli(["--confirm", "-q", "--select", "ALI001", "script.py"], cwd=tmp_path)
    assert confirmations(r.output) == ["inconclusive: the stale read is in module-level code, which confirmation never runs"]
    assert not marker.exists()


@pytest.mark.parametrize("confirm", [False, True], ids=["lint", "confirm"])
def test_top_level_code_that_writes_a_file_never_runs(tmp_path: Path, confirm: bool) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by the sandbox user too: only not running the code keeps it empty
    created = shared / "created.txt"
    write(tmp_path, "mod.py", CENTRAL.format(name="lin", body="    return x") + f"open({str(created)!r}, 'w').write('ran')\n")
    r = run_cli(["-q", "--select", "ALI001", *(["--confirm"] if confirm else []), "mod.py"], cwd=tmp_path)
    assert r.exit_code == 1
    assert len(confirmations(r.output)) == (2 if confirm else 0)
    if confirm:
        assert confirmations(r.output)[0] == (
            "confirmed (zero-gradient): grad(lin, x=[1. 2.]) returned [0. 0.]; with the fix it returns [1. 1.]")
    assert not created.exists()
    assert list(shared.iterdir()) == []


MISBEHAVING = {
    "infinite_loop": ("    while True:\n        pass\n    return x", "the program as written timed out (timed out after 2.0 s)"),
    "huge_allocation": ("    big = np.ones(10**10)\n    return x",
                        "grad(lin, x=[1. 2.]) raised MemoryError: Unable to allocate 74.5 GiB for an array with "
                        "shape (10000000000,) and data type float64 before reaching the stale read"),
    "relative_write": ("    open('dump.bin', 'wb').write(b'0' * (32 * 2**20))\n    return x",
                       "grad(lin, x=[1. 2.]) raised OSError: [Errno 27] File too large before reaching the stale read"),
    "os_exit": ("    import os\n    os._exit(3)\n    return x", "the program could not be built or run: exit status 3"),
    "segfault": ("    import ctypes\n    ctypes.string_at(0)\n    return x",
                 "the program as written crashed (killed by SIGSEGV)"),
    "sleeping_grandchild": ("    import subprocess\n    subprocess.run(['sleep', '4322'])\n    return x",
                            "the program as written timed out (timed out after 2.0 s)"),
}


@pytest.mark.parametrize("case", sorted(MISBEHAVING))
def test_misbehaving_code_is_inconclusive_in_time_and_leaves_nothing(tmp_path: Path, case: str) -> None:
    body, reason = MISBEHAVING[case]
    write(tmp_path, "bad.py", CENTRAL.format(name="lin", body=body))
    before = sandbox_dirs()
    start = time.monotonic()
    # --no-cache: the folder must hold nothing but the linted file afterwards
    r = run_cli(["--confirm", "--confirm-timeout", "2", "-q", "--no-cache", "--select", "ALI001", "bad.py"], cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert confirmations(r.output) == [f"inconclusive: {reason}"] * 2, r.output
    assert elapsed < 2 * 2 + 6  # two rounds of runs at most (2 findings x 2 runs, in parallel), plus cleanup
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py"]
    assert sandbox_dirs() <= before
    assert processes_with("sleep 4322") == []  # not test_sandbox_hostile's 4321: it may run beside


def test_confirm_timeout_must_be_a_positive_number(tmp_path: Path) -> None:
    r = run_cli(["--confirm", "--confirm-timeout", "0", EXAMPLE.name], cwd=EXAMPLE.parent)
    assert r.exit_code == 2
    assert r.stderr.startswith("aliaslint: error: Invalid value for '--confirm-timeout'")
    assert len(r.stderr.splitlines()) == 1


def test_full_sarif_and_github_formats_show_the_verdict() -> None:
    args = ["--confirm", "--select", "ALI001", EXAMPLE.name]
    line = "confirmed (zero-gradient): grad(lin, x=[0.001]) returned [0.]; with the fix it returns [1.]"
    full = run_cli([*args, "--output-format", "full"], cwd=EXAMPLE.parent).output
    assert full.count(f"\nconfirmation: {line}\n") == 2
    sarif = json.loads(run_cli([*args, "--output-format", "sarif"], cwd=EXAMPLE.parent).output)
    props = [r["properties"]["confirmation"] for r in sarif["runs"][0]["results"]]
    assert [(p["status"], p["symptom"], p["text"]) for p in props] == [("confirmed", "zero-gradient", line)] * 2
    github = run_cli([*args, "--output-format", "github"], cwd=EXAMPLE.parent).output
    assert github.splitlines()[0].endswith(f"returns its argument%0A{line}")


def test_a_helper_driven_from_another_file_is_confirmed_with_that_call(tmp_path: Path) -> None:
    helper = CENTRAL.split("\n\nx = np.array")[0].replace("def {name}(x):\n{body}\n\n\n", "") + "\n"
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "numdiff.py").write_text(helper + "\nprint('never run')\n")
    write(tmp_path, "main.py", """\
        import numpy as np

        from pkg.numdiff import grad


        def view(x):
            return x[:]


        print(grad(view, np.array([3.0, 4.0])))
        """)
    r = run_cli(["--confirm", "-q", "."], cwd=tmp_path)
    line = "confirmed (zero-gradient): grad(view, x=[3. 4.]) returned [0. 0.]; with the fix it returns [1. 1.]"
    assert r.output.splitlines() == [
        "main.py:7:12: ALI002 `view` returns a view of its argument `x`, not a copy; the result stored at "
        "pkg/numdiff.py:9 goes stale when the argument is modified in place",
        f"  {line}",
        "pkg/numdiff.py:9:9: ALI001 [*] result of `f(x)` is a view of `x`, which is modified in place at line 10 "
        "before this value is read at line 13; `f` is `view` (passed at main.py:10), which returns a view of its argument",
        f"  {line}",
        "pkg/numdiff.py:11:9: ALI001 [*] result of `f(x)` is a view of `x`, which is modified in place at line 12 "
        "before this value is read at line 13; `f` is `view` (passed at main.py:10), which returns a view of its argument",
        f"  {line}",
    ]
