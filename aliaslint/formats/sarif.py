"""The ``sarif`` format: one SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.

Files under the working directory are named by URIs relative to ``%SRCROOT%`` (the working
directory), so the log stays valid when the checkout moves; other files get absolute ``file://``
URIs. Regions use 1-based lines and code-point columns (``columnKind`` says so), end exclusive,
exactly as aliaslint counts them. Every rule is listed, so a ``ruleIndex`` is stable across runs.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from ..diagnostics import Confirmation, Diagnostic, Edit, Fix, Location, Related
from . import FormatContext, RuleInfo, json_format

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"


def render(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> str:
    return json.dumps(sarif_log(diagnostics, ctx), indent=2) + "\n"


def sarif_log(diagnostics: Sequence[Diagnostic], ctx: FormatContext) -> dict[str, Any]:
    rules = sorted(ctx.rules.values(), key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aliaslint",
                        "version": ctx.version,
                        "rules": [rule(r) for r in rules],
                    }
                },
                "results": [result(d, index, ctx.cwd) for d in diagnostics],
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"uri": directory_uri(ctx.cwd)}},
            }
        ],
    }


def rule(r: RuleInfo) -> dict[str, Any]:
    """A reportingDescriptor; the help is the rule's docs (markdown reads as plain text too)."""
    docs = r.docs.strip() or r.summary
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": docs, "markdown": docs},
    }


def result(d: Diagnostic, index: Mapping[str, int], cwd: str) -> dict[str, Any]:
    artifact = artifact_location(d.path, cwd)
    out: dict[str, Any] = {"ruleId": d.code}
    if d.code in index:
        out["ruleIndex"] = index[d.code]
    out["level"] = "error"
    out["message"] = {"text": d.message}
    out["locations"] = [{"physicalLocation": physical(artifact, d.location, d.end_location)}]
    if d.related:
        out["relatedLocations"] = [
            related(i, r, artifact if r.path is None else artifact_location(r.path, cwd)) for i, r in enumerate(d.related)
        ]
    if d.fix is not None:
        out["fixes"] = [fix(d.fix, artifact)]
    if d.confirmation is not None:
        out["properties"] = {"confirmation": confirmation(d.confirmation)}
    return out


def confirmation(c: Confirmation) -> dict[str, Any]:
    """The JSON format's confirmation object, plus the sentence the text formats show."""
    return {**json_format.confirmation(c), "text": c.line}


def related(i: int, r: Related, artifact: dict[str, str]) -> dict[str, Any]:
    return {"id": i, "message": {"text": r.message}, "physicalLocation": physical(artifact, r.location, r.end_location)}


def fix(f: Fix, artifact: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": f.message},
        "artifactChanges": [{"artifactLocation": artifact, "replacements": [replacement(e) for e in f.edits]}],
    }


def replacement(e: Edit) -> dict[str, Any]:
    """An edit as SARIF has it; an insertion is an empty region (start == end)."""
    return {"deletedRegion": region(e.location, e.end_location), "insertedContent": {"text": e.content}}


def physical(artifact: dict[str, str], start: Location, end: Location) -> dict[str, Any]:
    return {"artifactLocation": artifact, "region": region(start, end)}


def region(start: Location, end: Location) -> dict[str, int]:
    return {"startLine": start.row, "startColumn": start.column, "endLine": end.row, "endColumn": end.column}


def artifact_location(path: str, cwd: str) -> dict[str, str]:
    """A relative URI against ``%SRCROOT%`` for files under ``cwd``, else an absolute file URI."""
    absolute = os.path.normpath(os.path.join(cwd, path))
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        rel = absolute
    if os.path.isabs(rel) or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": pathlib.Path(absolute).as_uri()}
    return {"uri": relative_uri(rel), "uriBaseId": SRCROOT}


def relative_uri(rel: str) -> str:
    """A relative path as a URI reference: ``/`` separators, everything else percent-encoded
    from its bytes (so ``a b#1.py`` is ``a%20b%231.py`` and a ``:`` cannot look like a scheme)."""
    return quote(os.fsencode(rel.replace(os.sep, "/")), safe="/")


def directory_uri(path: str) -> str:
    """The file URI of a folder, ending with ``/`` as a base URI must."""
    uri = pathlib.Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"
