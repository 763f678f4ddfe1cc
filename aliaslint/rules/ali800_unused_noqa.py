"""ALI800 `unused-noqa`: a `# noqa` directive for aliaslint codes that suppresses nothing.

Off by default (like ruff's RUF100); enable it with `--extend-select ALI800`.

## What it does
Reports `# noqa: ALI...` comments (and blanket `# noqa` comments, when aliaslint is the only
tool that reads them is not known, only those naming ALI codes) whose codes match no finding on
their line.

## Why is this bad
A stale suppression hides the next real finding on that line, and tells readers a bug was accepted
there when there is none.

## Example
```python
fp = f(x).copy()  # noqa: ALI001
```

## Use instead
```python
fp = f(x).copy()
```

## Fix safety
No fix is offered: removing a comment is left to the author.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, Location

CODE = "ALI800"
NAME = "unused-noqa"
SUMMARY = "`# noqa` directive for aliaslint codes that suppresses nothing"


def diagnostic(path: str, row: int, column: int, end_column: int, codes: list[str]) -> Diagnostic:
    what = ", ".join(f"`{c}`" for c in codes)
    return Diagnostic(
        CODE, NAME, f"unused `noqa` directive (unused: {what})", path, Location(row, column), Location(row, end_column)
    )
