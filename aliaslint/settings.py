"""Settings: ``[tool.aliaslint]`` in ``pyproject.toml``, merged with command-line options.

The nearest ``pyproject.toml`` that has the table, walking up from the linted path, applies
(``--config FILE`` names one, ``--isolated`` ignores them all); options given on the command line win.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, replace
from typing import Any, Iterable

from .rules import FILE_ERROR_CODE, RULES

ALL_CODES: tuple[str, ...] = tuple(sorted({r.code for r in RULES}))
DEFAULT_CODES = frozenset(r.code for r in RULES if r.default)

LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude", "fixable", "unfixable")
BOOL_KEYS = ("force-exclude", "respect-gitignore", "unsafe-fixes")
KNOWN_KEYS = frozenset((*LIST_KEYS, *BOOL_KEYS, "per-file-ignores"))
CODE_KEYS = frozenset({"select", "extend-select", "ignore", "fixable", "unfixable"})


class ConfigError(Exception):
    """A configuration problem, said in one line that names the file and the key."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the default rules
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] | None = None  # None: the default folders (see discovery)
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    fixable: tuple[str, ...] | None = None  # None: every rule
    unfixable: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    ignore_noqa: bool = False  # command line only
    config_file: str | None = None
    root: str = ""  # what exclude and per-file-ignores patterns are relative to ("" = working directory)

    def enabled(self) -> frozenset[str]:
        codes = set(expand(self.select) if self.select is not None else DEFAULT_CODES)
        codes |= expand(self.extend_select)
        codes -= expand(self.ignore)
        return frozenset(codes | {FILE_ERROR_CODE})

    def fixable_codes(self) -> frozenset[str]:
        codes = set(expand(self.fixable) if self.fixable is not None else ALL_CODES)
        return frozenset(codes - expand(self.unfixable))

    def ignored_for(self, path: str) -> frozenset[str]:
        """Codes ignored for this file by ``per-file-ignores``."""
        out: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            if matches(pattern, path, self.root or os.getcwd()):
                out |= expand(codes)
        return frozenset(out)

    def describe(self) -> str:
        rows = [
            ("config file", self.config_file or "(none)"),
            ("root", self.root or os.getcwd()),
            ("enabled", ", ".join(sorted(self.enabled()))),
            ("fixable", ", ".join(sorted(self.fixable_codes()))),
            ("unsafe-fixes", str(self.unsafe_fixes).lower()),
            ("per-file-ignores", "; ".join(f"{p}: {', '.join(c)}" for p, c in self.per_file_ignores) or "(none)"),
            ("exclude", ", ".join(self.exclude) if self.exclude is not None else "(default)"),
            ("extend-exclude", ", ".join(self.extend_exclude) or "(none)"),
            ("force-exclude", str(self.force_exclude).lower()),
            ("respect-gitignore", str(self.respect_gitignore).lower()),
        ]
        return "\n".join(f"{k}: {v}" for k, v in rows) + "\n"


def expand(selectors: Iterable[str] | None) -> set[str]:
    """Codes named by selectors: a code, a prefix of codes (``ALI00``) or ``ALL``."""
    out: set[str] = set()
    for s in selectors or ():
        s = s.strip().upper()
        out |= set(ALL_CODES) if s == "ALL" else {c for c in ALL_CODES if c.startswith(s)}
    return out


def check_selector(selector: str, where: str) -> None:
    s = selector.strip().upper()
    if s != "ALL" and not any(c.startswith(s) for c in ALL_CODES) or not s:
        raise ConfigError(f"{where}: unknown rule code `{selector}`")


def matches(pattern: str, path: str, root: str) -> bool:
    """Glob match against the path relative to ``root`` (and, for patterns without `/`, any part)."""
    full = os.path.abspath(path)
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(full.replace(os.sep, "/"), pattern):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in rel.split("/"))
    return fnmatch.fnmatchcase(rel, pattern + "/*") or rel.startswith(pattern + "/")


def find_config(start: str) -> str | None:
    """The nearest pyproject.toml with a [tool.aliaslint] table, walking up from ``start``."""
    d = os.path.abspath(start)
    if not os.path.isdir(d):
        d = os.path.dirname(d)
    while True:
        candidate = os.path.join(d, "pyproject.toml")
        if os.path.isfile(candidate) and _has_table(candidate):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _has_table(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    if b"aliaslint" not in data:
        return False
    return "aliaslint" in _load(path).get("tool", {})


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e


def load_file(path: str) -> Settings:
    """Settings from one file's [tool.aliaslint] table (a missing table is empty)."""
    table = _load(path).get("tool", {}).get("aliaslint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.aliaslint] must be a table")
    return from_table(table, path)


def from_table(table: dict[str, Any], path: str) -> Settings:
    values: dict[str, Any] = {"config_file": path, "root": os.path.dirname(os.path.abspath(path))}
    for key, value in table.items():
        where = f"{path}: `{key}`"
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{path}: unknown key `{key}` in [tool.aliaslint]")
        if key in LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} must be a list of strings, e.g. {key} = [\"ALI001\"]")
            if key in CODE_KEYS:
                for v in value:
                    check_selector(v, where)
            values[key.replace("-", "_")] = tuple(value)
        elif key in BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false")
            values[key.replace("-", "_")] = value
        else:  # per-file-ignores
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table of glob = [codes]")
            pairs = []
            for pattern, codes in value.items():
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise ConfigError(f"{where}: `{pattern}` must map to a list of rule codes")
                for c in codes:
                    check_selector(c, where)
                pairs.append((pattern, tuple(codes)))
            values["per_file_ignores"] = tuple(pairs)
    return Settings(**values)


def resolve(start: str, config: str | None, isolated: bool, overrides: dict[str, Any]) -> Settings:
    """Settings for paths under ``start``: file config, then the command line's ``overrides``."""
    if isolated:
        base = Settings()
    elif config is not None:
        base = load_file(config)
    else:
        found = find_config(start)
        base = load_file(found) if found else Settings()
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})
