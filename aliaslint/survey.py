"""The first pass over a run's files, with ``ast``: what each file defines, re-exports and asks of
the others (:class:`.analysis.imports.ImportFacts`), and so how the files link up; from the cache
where it can (its ``imports`` entries per file, its ``survey`` entry per run), the files the cache
does not know shared out among the worker processes. Nothing else starts before it is done."""

from __future__ import annotations

import ast
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from .analysis.imports import ImportFacts, Links, import_facts, resolution_links
from .cache import Cache, code_digest, key
from .deep_stack import in_deep_thread
from .sources import SourceFile, read_now

# Below this many files a pool costs more to start than it saves.
POOL_MIN_FILES = 16


@dataclass(frozen=True)
class Surveyed:
    """What the survey of a run's files found (kept in the cache as its ``survey`` entry): for
    each file, whether it may write in place (None: ``ast`` cannot parse it) and whether it is
    nested too deeply for LibCST, and the links between the files."""

    digests: tuple[str, ...]
    writes: tuple[bool | None, ...]
    too_deep: frozenset[int]
    links: Links


def survey_run(
    files: Sequence[SourceFile], names: list[tuple[str, bool]], digests: list[str], cache: Cache | None,
    pool: Executor | None,
) -> tuple[list[SourceFile], Surveyed]:
    """The survey of the run's files (:func:`survey_files`), or the last run's of the same files when
    what the changed ones define and import is what it was: their links are then the same, and
    neither the other files' facts need be loaded (0.1 to 0.2 s for the corpus) nor the links
    found again (0.1 to 0.15 s). Where the functions of a file taken from the last run's survey
    stand is looked up when a check needs it (:func:`with_functions`)."""
    name = key(code_digest(), "survey", [p for f, n in zip(files, names, strict=True) for p in (f.path, *map(str, n))])
    last = cache.get("survey", name) if cache is not None else None
    if (cache is not None and isinstance(last, Surveyed)
            and len(last.digests) == len(last.writes) == len(last.links.defines) == len(files)):
        changed = [i for i, d in enumerate(digests) if d != last.digests[i]]
        if 2 * len(changed) <= len(files):
            ours, facts = survey_files([files[i] for i in changed], [names[i] for i in changed],
                                       [digests[i] for i in changed], cache, pool)
            if all(_same_links(cache, last, i, names[i], x) for i, x in zip(changed, facts, strict=True)):
                out = list(files)
                writes = list(last.writes)
                for i, f, x in zip(changed, ours, facts, strict=True):
                    out[i], writes[i] = f, None if x is None else x.writes
                deep = frozenset(i for i in last.too_deep if i not in changed) | {
                    i for i, f in zip(changed, ours, strict=True) if f.too_deep}
                out = [replace(f, too_deep=True) if i in deep and not f.too_deep else f for i, f in enumerate(out)]
                surveyed = Surveyed(tuple(digests), tuple(writes), deep, last.links)
                if changed:
                    cache.put("survey", name, surveyed)
                return out, surveyed
    out, facts = survey_files(files, names, digests, cache, pool)
    surveyed = Surveyed(tuple(digests), tuple(None if x is None else x.writes for x in facts),
                        frozenset(i for i, f in enumerate(out) if f.too_deep), resolution_links(facts))
    if cache is not None:
        cache.put("survey", name, surveyed)
    return out, surveyed


def _same_links(cache: Cache, last: Surveyed, i: int, name: tuple[str, bool], now: ImportFacts | None) -> bool:
    """Whether a changed file defines, re-exports and asks for what it did in the last run (so
    that :func:`.analysis.imports.resolution_links` links it as it did)."""
    before = None if last.writes[i] is None else cache.get("imports", facts_key(last.digests[i], name))
    if last.writes[i] is not None and not isinstance(before, ImportFacts):
        return False  # no longer in the cache: not known
    return _linking(before) == _linking(now)


def _linking(facts: ImportFacts | None) -> tuple[object, ...] | None:
    """What of a file's facts its links are found from."""
    if facts is None:
        return None
    return (facts.name, facts.is_package, facts.defs, facts.reexports, facts.queries)


def facts_key(digest: str, name: tuple[str, bool]) -> str:
    return key(code_digest(), digest, name[0], str(name[1]))


def with_functions(
    files: list[SourceFile], needed: Iterable[int], names: list[tuple[str, bool]], digests: list[str],
    cache: Cache | None,
) -> list[SourceFile]:
    """The files, those ``needed`` with where their functions stand (from their facts), which a
    survey taken from the last run's did not load."""
    out = list(files)
    for i in set(needed):
        f = out[i]
        if f.functions is not None or f.too_deep:
            continue
        found = cache.get("imports", facts_key(digests[i], names[i])) if cache is not None else None
        facts = found if isinstance(found, ImportFacts) else _imports(f, *names[i])
        if isinstance(facts, ImportFacts):
            out[i] = replace(f, functions=facts.functions)
    return out


def survey_files(
    files: Sequence[SourceFile], names: list[tuple[str, bool]], digests: list[str], cache: Cache | None,
    pool: Executor | None = None,
) -> tuple[list[SourceFile], list[ImportFacts | None]]:
    """The first, ``ast`` pass over every file: what it offers and asks of the others, and which
    files are nested too deeply to hand to LibCST at all. Nothing else starts before it is done,
    so the files the cache does not know are shared out among the workers."""
    found: list[ImportFacts | str | None] = [None] * len(files)
    keys: list[str | None] = [None] * len(files)
    missing: list[int] = []
    for i, f in enumerate(files):
        if cache is not None:
            keys[i] = facts_key(digests[i], names[i])
            hit = cache.get("imports", keys[i])  # type: ignore[arg-type]
            if isinstance(hit, ImportFacts):
                found[i] = hit
                continue
        missing.append(i)
    read = {i: read_now(files[i]) for i in missing}
    work = [(read[i], *names[i]) for i in missing]
    if pool is not None and len(work) >= POOL_MIN_FILES:
        size = max(1, len(work) // 64)
        shares = pool.map(imports_deep, [work[k:k + size] for k in range(0, len(work), size)])
        computed = [x for share in shares for x in share]
    else:
        computed = [imports_of(w) for w in work]
    for i, x in zip(missing, computed, strict=True):
        found[i] = x
        k = keys[i]
        if cache is not None and k is not None and isinstance(x, ImportFacts):
            cache.put("imports", k, x)
    whole = [read.get(i, f) for i, f in enumerate(files)]
    marked = [replace(f, too_deep=True) if x is _TOO_DEEP else replace(f, functions=x.functions)
              if isinstance(x, ImportFacts) else f for f, x in zip(whole, found, strict=True)]
    return marked, [x if isinstance(x, ImportFacts) else None for x in found]


def imports_of(work: tuple[SourceFile, str, bool]) -> ImportFacts | str | None:
    return _imports(*work)


def imports_deep(share: list[tuple[SourceFile, str, bool]]) -> list[ImportFacts | str | None]:
    """:func:`imports_of` each, in a worker, as deep as the command goes (see
    :mod:`.deep_stack`): ``ast.parse`` builds its tree within the recursion limit, and a file
    that is too deep for a worker started anew would be too deep for nothing."""
    return in_deep_thread(lambda: [imports_of(w) for w in share])


_TOO_DEEP = "too deep"


def _imports(f: SourceFile, name: str, is_package: bool) -> ImportFacts | str | None:
    """What the file offers and asks of others; a file Python cannot parse takes part in nothing
    (LibCST will say why), except one whose nesting CPython's parser refuses outright: LibCST's
    parser would spend minutes and gigabytes on it (``_TOO_DEEP``)."""
    try:
        return import_facts(ast.parse(f.source), name, is_package)
    except (RecursionError, MemoryError):
        return _TOO_DEEP
    except (SyntaxError, ValueError):
        return None
