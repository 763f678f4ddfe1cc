"""The ``github`` format: GitHub Actions ``::error`` workflow commands, which the runner turns into
annotations on the pull request's changed lines.

```
::error title=aliaslint (ALI001),file=fd.py,line=20,col=9,endLine=20,endColumn=23::fd.py:20:9: ALI001 result of ...
```

The runner reads ``%``, CR and LF as escapes in the message, and ``:`` and ``,`` as separators in
property values, so those are percent-encoded; anything else would cut the annotation short.
"""

from __future__ import annotations

from typing import Sequence

from ..diagnostics import Diagnostic
from . import FormatContext


def render(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    return "".join(format_github(d) + "\n" for d in diagnostics)


def format_github(d: Diagnostic) -> str:
    start, end = d.location, d.end_location
    properties = {
        "title": f"aliaslint ({d.code})",
        "file": d.path,
        "line": start.row,
        "col": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = f"{d.path}:{start.row}:{start.column}: {d.code} {d.message}"
    if d.confirmation is not None:
        message += f"\n{d.confirmation.line}"  # a second line of the annotation
    return f"::error {props}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a command's message: ``%`` first, so the escapes it adds are not escaped again."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: the message escapes plus the ``:`` and ``,`` that end a value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
