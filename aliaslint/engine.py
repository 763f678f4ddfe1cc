"""Lint one source, one file, or many: survey the files, group them into components, answer what
the cache knows, check the rest (:mod:`.checker`, in worker processes when it pays), and fix.

Nothing here prints; a file that cannot be read or parsed becomes one ALI900 diagnostic so that the
run goes on with the other files. Only checking (:mod:`.checker`) and fixing load LibCST, so a run
the cache answers never does.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.forkserver
import os
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from .analysis.imports import Links, components, cone, layers_by_package, linked, module_names, readers
from .cache import Cache, code_digest, content_digest, key
from .deep_stack import in_deep_thread
from .diagnostics import Diagnostic
from .fixes import Decoded, FixError, atomic_write, decode, encode, fix_texts, unified_diff
from .rules import UNUSED_NOQA_CODE
from .settings import Settings
from .sources import DEFAULT_SETTINGS, NotAsStamped, SourceFile, read_needed, read_source, read_stamped
from .stamps import Stamps
from .survey import POOL_MIN_FILES, survey_files, survey_run, with_functions

if TYPE_CHECKING:
    from .kept_trees import Ahead


def lint_sources(files: Sequence[SourceFile], jobs: int = 1, cache: Cache | None = None) -> list[list[Diagnostic]]:
    """Diagnostics for each file (same order), analysing files that import each other together.

    A cheap ``ast`` pass finds the imports; then one component at a time is parsed with LibCST,
    analysed and reported, so only one component's trees are in memory at once (per worker
    process, with ``jobs`` > 1). With a ``cache``, a component none of whose files changed is not
    analysed again.
    """
    with _fewer_collections():
        if jobs <= 1 or len(files) < POOL_MIN_FILES:
            return _lint_sources(files, None, cache)
        # the workers collect as seldom, however they are started (forked, or anew by "spawn")
        with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
            return _lint_sources(files, pool, cache, jobs)


# Linting builds millions of long-lived objects (syntax trees, analysis states) and few cycles; at
# Python's default thresholds the collector rescans them so often that it took about a third of
# the time on scipy/optimize. Only linting collects less often: `--confirm`'s sandbox, which runs
# after it, leaves the default in place.
_LINT_GC_THRESHOLDS = (10_000, 20, 100)


def _start_worker() -> None:
    """A worker process's settings, however it is started: the lint's collector thresholds, and
    Ctrl-C (which the terminal sends every process of the run) ending it quietly. A worker waiting
    for its next task printed the traceback of that KeyboardInterrupt; one in a task hands the
    exit back with the task, as it did the KeyboardInterrupt, and the run reports one line."""
    gc.set_threshold(*_LINT_GC_THRESHOLDS)
    signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum: int, frame: object) -> None:
    raise SystemExit(130)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    old = gc.get_threshold()
    gc.set_threshold(*_LINT_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _lint_sources(files: Sequence[SourceFile], pool: Executor | None, cache: Cache | None,
                  jobs: int = 1) -> list[list[Diagnostic]]:
    out: list[list[Diagnostic]] = [[] for _ in files]
    names = module_names(f.path for f in files)
    digests = [f.digest if f.digest is not None else content_digest(f.source) for f in files]  # type: ignore[arg-type]
    run_key = _result_key(files, names, digests, range(len(files))) if cache is not None else None
    # where the cache says which contents the components' `latest` entries are of
    pointer = _latest_key(files, names, range(len(files))) if cache is not None else None
    if cache is not None and run_key is not None and pointer is not None:
        # the whole run is keyed as one component would be: when no file changed, one read answers,
        # unless a run since saw other contents (an edit undone): the components' `latest` entries
        # are then put back as they were for these (see _keep_latest), below
        found = cache.get("results", run_key)
        if isinstance(found, list) and len(found) == len(files) and cache.get("run", pointer) == run_key:
            return found
    files, surveyed = survey_run(files, names, digests, cache, pool)
    links = surveyed.links
    todo: list[_Task] = []
    for group in _in_path_order(linked(links.edges()), files):
        if len(group) == 1 and _nothing_to_report(files[group[0]], surveyed.writes[group[0]]):
            continue
        k = _result_key(files, names, digests, group) if cache is not None else None
        found = cache.get("results", k) if cache is not None and k is not None else None
        if isinstance(found, list) and len(found) == len(group):
            for i, diags in zip(group, found, strict=True):
                out[i] = diags
            if cache is not None and k is not None and len(group) >= _CONE_MIN_FILES:
                _keep_latest(cache, _latest_key(files, names, group), k, tuple(digests[i] for i in group))
        else:
            task = _Task(group, k)
            if cache is not None and len(group) >= _CONE_MIN_FILES:
                task.latest_key = _latest_key(files, names, group)
                task.links = _in_places(links, group)
                task.only_some_changed(cache.get("latest", task.latest_key), digests)
            todo.append(task)
    files = read_needed(files, [i for t in todo for i in (t.group if t.cone is None else t.cone)])
    if pool is not None and jobs > 1:
        for t in todo:
            if t.cone is None and len(t.group) >= _SPLIT_MIN_FILES:
                t.split = _Split.of(t.group, links, files, jobs, names)
    files = with_functions(files, [i for t in todo for i in t.known()], names, digests, cache)
    prefill = (cache, _to_prefill(todo, files, digests, links)) if cache is not None and pool is not None else None
    done = _run_groups([t.work(files, cache) for t in todo], pool, prefill, jobs)
    again = [t for t, checked in zip(todo, done, strict=True) if not t.finish(checked, digests)]
    # a file checked again settles something another file reports, or a split check's steps cannot
    # stand for the component's: the whole component, in one step
    for t in again:
        t.cone = t.previous = t.split = None
    files = read_needed(files, [i for t in again for i in t.group])
    for t, checked in zip(again, _run_groups([t.work(files, cache) for t in again], pool, jobs=jobs), strict=True):
        t.finish(checked, digests)
    for t in todo:
        assert t.results is not None
        for i, diags in zip(t.group, t.results, strict=True):
            out[i] = diags
        if cache is not None and t.key is not None:
            cache.put("results", t.key, t.results)
        if cache is not None and t.latest_key is not None and t.latest is not None:
            cache.put("latest", t.latest_key, t.latest)
            if t.key is not None:
                cache.put("state", t.key, t.latest)
    if cache is not None and run_key is not None and pointer is not None:
        cache.put("results", run_key, out)
        cache.put("run", pointer, run_key)  # every component's `latest` entry is of these contents
    return out


# A component of fewer files has no file whose readers and cones are much smaller than itself.
_CONE_MIN_FILES = 3

# A component checked whole in worker processes is split (see _Split) from this many files on:
# the split's extra work (a third more worker time for SciPy and scikit-learn together: 141 s
# against 104 s) buys memory, and a smaller component's trees take a few hundred MB at most.
_SPLIT_MIN_FILES = 400


@dataclass
class _Task:
    """One component to check: in whole, or, when few of its files changed since the last run,
    only the changed files and the files that read them (*readers*, see
    :func:`.analysis.imports.readers`), with the files those read (their *cones*), the others'
    diagnostics taken from the last run.

    That is exact only if each of those files settles nothing another file reports, before and
    after the change (:func:`.analysis.project.settled_in`): the last run's entry
    (``latest``) records which files did not, and the cones' check says whether they still do
    not; if one does, the whole component is checked. The readers are those of the last run's
    links and of this run's, so no other file's cone held a changed file before or holds one now:
    their own analysis is the same as before. When the changed files and their readers
    are more than half the component, it is checked whole at once: their check would cost about
    as much, and twice as much if one of them turned out to settle something elsewhere.
    """

    group: list[int]
    key: str | None
    latest_key: str | None = None
    links: Links | None = None  # between the group's files, by their places in it
    rechecked: list[int] = field(default_factory=list)  # the changed files and their readers
    cone: list[int] | None = None  # the files those read, in the group's order
    previous: dict[str, Any] | None = None  # the last run's `latest` entry
    quiet_before: tuple[Mapping[str, bool], ...] = ()  # its functions that say nothing (see _quiet_of)
    results: list[list[Diagnostic]] | None = None
    latest: dict[str, Any] | None = None  # this run's, to keep
    split: "_Split | None" = None  # checked whole, in two steps

    def only_some_changed(self, previous: object, digests: list[str]) -> None:
        n = len(self.group)
        if not (isinstance(previous, dict) and isinstance(previous.get("digests"), tuple)
                and isinstance(previous.get("results"), list) and isinstance(previous.get("alone"), frozenset)
                and isinstance(previous.get("links"), Links) and len(previous["links"].defines) == n
                and isinstance(previous.get("parsed"), frozenset)
                and len(previous["digests"]) == len(previous["results"]) == n):
            return  # none, or not one this code wrote: the whole component is checked
        changed = [k for k, (i, d) in enumerate(zip(self.group, previous["digests"], strict=True)) if digests[i] != d]
        if not changed:
            return
        assert self.links is not None
        before: Links = previous["links"]
        # a file that read a changed one before the change reads what it no longer finds there
        both = Links([a | b for a, b in zip(self.links.defines, before.defines, strict=True)],
                     [a | b for a, b in zip(self.links.passes, before.passes, strict=True)])
        again = readers(changed, range(n), both)
        # most of the component (their cones' check would cost about as much), or one of them
        # settled something elsewhere: the whole component is checked
        if 2 * len(again) > n or any(k not in previous["alone"] for k in again):
            return
        self.rechecked = [self.group[k] for k in again]
        self.cone = [self.group[k] for k in cone(again, range(n), self.links)]
        self.previous = previous
        self.quiet_before = _quiet_of(previous, n)

    def work(self, files: Sequence[SourceFile], cache: Cache | None) -> "_Work | _Staged":
        """What :func:`.checker.check_group` is given: the files, which to report, which to ask
        whether they settle something elsewhere, which LibCST is known to parse (see
        :meth:`known`), by their places in the files given, and where the skeletons of those are
        kept (see :mod:`.kept_trees`)."""
        if self.cone is not None:
            at = self._places()
            known = set(self.known())
            place = {i: k for k, i in enumerate(self.group)}
            said = self.quiet_before
            again = set(self.rechecked)  # analysed anew: what they say may have changed
            quiet = {k: said[place[i]] for k, i in enumerate(self.cone) if said[place[i]] and i not in again}
            return [files[i] for i in self.cone], at, at, [k for k, i in enumerate(self.cone) if i in known], cache, quiet
        if self.split is not None:
            return self.split.staged([files[i] for i in self.group])
        return [files[i] for i in self.group], None, list(range(len(self.group))), [], None, None

    def known(self) -> list[int]:
        """The files of the cones that the last run parsed whole, unchanged since, so that they
        may be parsed without their functions' bodies (see :mod:`.skeletons`); for a split
        check, the files its first step parses that way (see :class:`_Split`)."""
        if self.cone is None:
            return [self.group[k] for k in self.split.core] if self.split is not None else []
        assert self.previous is not None
        place = {i: k for k, i in enumerate(self.group)}
        return [i for i in self.cone if place[i] in self.previous["parsed"]]

    def _places(self) -> list[int]:
        """Where the files checked again are in the cones' check."""
        assert self.cone is not None
        place = {i: k for k, i in enumerate(self.cone)}
        return [place[i] for i in self.rechecked]

    def finish(self, checked: Any, digests: list[str]) -> bool:
        """Take the check's results; False when the cones' check (or a split check's steps)
        cannot stand for the component's."""
        quiet: tuple[Mapping[str, bool], ...]
        if self.split is not None:
            combined = self.split.combine(*checked)
            if combined is None:
                return False
            self.results, alone, parsed, quiet = combined
        elif self.cone is None:
            self.results = checked.diagnostics
            alone = checked.alone  # places in the group, whose order is the files' paths'
            parsed = checked.parsed
            quiet = tuple(checked.quiet.get(k, {}) for k in range(len(self.group)))
        else:
            at = self._places()
            if any(k not in checked.alone for k in at):
                return False
            assert self.previous is not None
            self.results = list(self.previous["results"])
            place = {i: k for k, i in enumerate(self.group)}
            for i, k in zip(self.rechecked, at, strict=True):
                self.results[place[i]] = checked.diagnostics[k]
            alone = frozenset(self.previous["alone"])
            # the files checked again (the changed ones among them) were parsed whole, or not at all
            again = {place[i] for i in self.rechecked}
            parsed = frozenset(p for p in self.previous["parsed"] if p not in again) | frozenset(
                place[self.cone[k]] for k in checked.parsed)
            # what the last run found of the files not checked again still holds (their cones are
            # the same); of the others, what this check found
            said = list(self.quiet_before)
            for p in again:
                said[p] = {}
            for k, i in enumerate(self.cone):
                if k in checked.quiet:
                    said[place[i]] = {**said[place[i]], **checked.quiet[k]}
            quiet = tuple(said)
        if self.latest_key is not None:
            self.latest = {"digests": tuple(digests[i] for i in self.group), "results": self.results, "alone": alone,
                           "links": self.links, "parsed": parsed, "quiet": quiet}
        return True


@dataclass
class _Split:
    """A big component checked whole in steps, so that several processes share it and none
    holds all its trees. First its *sinks*, the files that no other file of it resolves a name
    into or through (tests, examples, scripts: 1,165 of the 1,970 files of SciPy and scikit-learn
    together), in parts of about `_PART_BYTES` of source (at least one per worker), each with the
    files it reads (its cones, see :func:`.analysis.imports.cone`), those parsed as skeletons.
    Then the other files, the *core*, whole, reporting the core only. A big core is checked in *layers*
    along its packages (:func:`.analysis.imports.layers_by_package`), the top one first: a layer's
    files whole, with the files that the steps before found settle something in them (sinks, or
    files of the layers above) and, as skeletons, what those read beyond them. The sinks that
    read into the last layer alone are checked whole in its step, when the two together are no
    bigger than a layer (`_WHOLE_CORE_BYTES`): a part of them would analyse most of that layer
    again (NumPy's tests, 2.5 MB, reach 3.8 MB of the corpus's 3.9 MB NumPy layer).

    That gives each file the component's diagnostics. No cone holds a sink, nor does a file's
    hold one of a layer above its own, so a file's own analysis is the same in a check of its
    cone as in the component's. What another file settles in a file comes from a file whose cone
    holds it, a sink or a file of its layer or one above, which settles something there: each
    such file is in the file's step, with what it reads. Nothing is settled in a sink, which no
    file reads. A layer's step waits only for the parts of the sinks that read into it, which
    are shared out apart and first (those of the top layer first). A core file may parse as a
    skeleton where LibCST refuses the whole file, which then takes part in nothing in the
    component's check: when the core's steps did not parse every core file whole, the component
    is checked again in one step.
    """

    parts: list[list[int]]  # the sinks, by places in the group
    cones: list[list[int]]  # each part's cone, likewise
    core: list[int]  # the other files, likewise
    links: Links  # between the group's files, by their places in it
    layers: list[list[int]] = field(default_factory=list)  # the core's, the top one first (see of), likewise
    # the files of each step after the first, likewise, with which of them it reports
    steps: list[list[int]] = field(default_factory=list)
    reported: list[list[int]] = field(default_factory=list)
    tail: list[int] = field(default_factory=list)  # sinks checked whole in the last step, likewise

    @staticmethod
    def of(group: list[int], links: Links, files: Sequence[SourceFile], jobs: int,
           names: Sequence[tuple[str, bool]]) -> "_Split | None":
        """The split of a component, by its files' places in it; None when it has too few sinks
        to share out. ``names`` are the files' module names (by index in ``files``), whose
        packages a big core is cut along."""
        inside = _in_places(links, group)
        read = [False] * len(group)
        for k in range(len(group)):
            for j in inside.defines[k] | inside.passes[k]:
                read[j] = True
        sinks = [k for k, r in enumerate(read) if not r]
        core = [k for k, r in enumerate(read) if r]
        if not core or 4 * len(sinks) < len(group):
            return None
        sizes = [len(files[i].source or b"") for i in group]
        layers = [core]
        if sum(sizes[k] for k in core) > _WHOLE_CORE_BYTES:
            packages = [names[i][0].partition(".")[0] for i in group]
            layers = layers_by_package(core, inside, sizes, packages, _WHOLE_CORE_BYTES)
        # the sinks that may settle something in a layer above the last apart, those of the top
        # layer first: each layer's step waits only for their parts
        shares: list[list[int]] = []
        taken: set[int] = set()
        for layer in layers[:-1]:
            reach = set(readers(layer, range(len(group)), inside))
            shares.append([k for k in sinks if k in reach and k not in taken])
            taken.update(shares[-1])
        shares.append([k for k in sinks if k not in taken])
        # the sinks that read into the last layer alone: with it, when the two fit in a layer
        tail: list[int] = []
        if len(layers) > 1 and any(shares[:-1]) \
                and sum(sizes[k] for k in (*layers[-1], *shares[-1])) <= _WHOLE_CORE_BYTES:
            tail = shares.pop()
        total = sum(sizes[k] for share in shares for k in share)
        parts: list[list[int]] = []
        for share in shares:
            size = sum(sizes[k] for k in share)
            parts += _shares(share, sizes, max(-(-size // _PART_BYTES), -(-jobs * size // max(total, 1))))
        return _Split(parts, [cone(p, range(len(group)), inside) for p in parts], core, inside, layers, tail=tail)

    def staged(self, files: list[SourceFile]) -> "_Staged":
        """The first step's checks, and how each later one is made from the results before it.
        ``files`` are the group's, in its order. The skeletons and bodies the first step parses
        are not kept (see :mod:`.kept_trees`): pickling them made each part about 5 s longer, and
        the workers keep the trees of the files most read when they have nothing else to do, as
        for a check in one step (a changed test module or `scipy/special/_basic.py` was checked
        as fast after a cold run either way)."""
        first: list[_Work] = []
        for part, within in zip(self.parts, self.cones, strict=True):
            place = {k: p for p, k in enumerate(within)}
            at = [place[k] for k in part]
            mine = set(part)
            first.append(([files[k] for k in within], at, at, [place[k] for k in within if k not in mine], None, None))
        self.steps, self.reported = [], []

        def step(reported: list[int], first: list[Any], later: list[Any]) -> _Work:
            """A check of ``reported`` whole, with the files that settled something elsewhere in
            the steps before, and, parsed as skeletons, what those read beyond them."""
            settlers = self._settlers(first, later, reported)
            whole = set(reported) | set(settlers)
            within = cone(whole, range(len(self.links.defines)), self.links)
            self.steps.append(within)
            self.reported.append(reported)
            place = {k: p for p, k in enumerate(within)}
            asked = [place[k] for k in within if k in whole]
            return ([files[k] for k in within], [place[k] for k in reported], asked,
                    [place[k] for k in within if k not in whole], None, None)

        later: list[Callable[[list[Any], list[Any]], _Work]] = []
        needs: list[frozenset[int]] = []
        for layer in self.layers[:-1]:
            later.append(lambda first, before, layer=layer: step(layer, first, before))
            mine = set(layer)
            needs.append(frozenset(p for p, within in enumerate(self.cones) if not mine.isdisjoint(within)))
        last = [*self.layers[-1], *self.tail]
        later.append(lambda first, before: step(last, first, before))
        needs.append(frozenset(range(len(first))))
        return _Staged(first, later, needs, [files[k] for k in last])

    def _settlers(self, first: list[Any], later: list[Any], reported: list[int]) -> list[int]:
        """The files that the steps done found settle something in one of ``reported``, by
        places in the group: of the sinks the first step asked about, and of the files each
        later step reported."""
        found = []
        wanted = set(reported)
        done = [*zip(self.parts, self.cones, first, strict=True), *zip(self.reported, self.steps, later, strict=False)]
        for mine, within, c in done:
            if c is None:  # a part not done yet: its cone holds none of the files reported (see staged)
                continue
            place = {k: p for p, k in enumerate(within)}
            for k in mine:
                if place[k] in c.alone:
                    continue
                where = c.settles.get(place[k], {ANYWHERE})
                if ANYWHERE in where or any(within[p] in wanted for p in where):
                    found.append(k)
        return sorted(found)

    def combine(self, first: list[Any], later: list[Any]) -> tuple[
            list[list[Diagnostic]], frozenset[int], frozenset[int], tuple[Mapping[str, bool], ...]] | None:
        """Each file's diagnostics, which files settle nothing elsewhere and which LibCST parsed
        whole, and each file's functions whose summaries say nothing (found by any step: each
        analyses what it reaches as a check in one does), by places in the group; None when the
        steps cannot stand for a check in one."""
        n = len(self.core) + sum(map(len, self.parts)) + len(self.tail)
        results: list[list[Diagnostic]] = [[] for _ in range(n)]
        alone: set[int] = set()
        parsed: set[int] = set()
        quiet: list[dict[str, bool]] = [{} for _ in range(n)]
        for part, within, c in zip(self.parts, self.cones, first, strict=True):
            mine = set(part)
            for p, k in enumerate(within):
                if k in mine:
                    results[k] = c.diagnostics[p]
                    if p in c.alone:
                        alone.add(k)
                if p in c.parsed:
                    parsed.add(k)
                quiet[k].update(c.quiet.get(p, ()))
        for within, reported, c in zip(self.steps, self.reported, later, strict=True):
            place = {k: p for p, k in enumerate(within)}
            if any(place[k] not in c.parsed for k in reported):
                return None
            parsed |= {k for k in within if place[k] in c.parsed}
            for k in reported:
                results[k] = c.diagnostics[place[k]]
                if place[k] in c.alone:
                    alone.add(k)
            for p, k in enumerate(within):
                quiet[k].update(c.quiet.get(p, ()))
        return results, frozenset(alone), frozenset(parsed), tuple(quiet)


def _shares(files: list[int], sizes: list[int], count: int) -> list[list[int]]:
    """``files`` in ``count`` runs of about equal size, in their order (a folder's tests together);
    none empty."""
    total, done = sum(sizes[k] for k in files), 0
    parts: list[list[int]] = [[] for _ in range(count)]
    for k in files:
        parts[min(count - 1, done * count // max(total, 1))].append(k)
        done += sizes[k]
    return [p for p in parts if p]


# The sinks of a split component are shared out in parts of about this many bytes of source (at
# least one part per worker): a part's process holds the trees of its sinks and of what their
# analysis reaches in their cones (about 600 MB for 8.9 MB of scikit-learn's tests; 251 and
# 281 MB for parts of 3.4 and 3.5 MB of them, 189 to 286 MB for the corpus's other parts). Each
# part analyses again what its sinks reach: parts of 6 MB peaked at 349 MB, in about the same time.
_PART_BYTES = 4_000_000

# A split component's core of more bytes of source than this is checked in layers of at most
# this many (see _Split): checked whole, the corpus's core of 23 MB (SciPy's, scikit-learn's and
# the NumPy files they read) peaked at about 590 MB, 15 MB of it at about 410 MB.
_WHOLE_CORE_BYTES = 12_000_000


@dataclass
class _Staged:
    """A check in steps: ``first`` (checks that may run side by side), then each of ``later``
    in turn, made of the results before it (the first step's, None for a check not done yet,
    and the later ones' so far), once the first step's checks it ``needs`` are done. Its result
    is (the first step's results, the later steps' results)."""

    first: list["_Work"]
    later: list[Callable[[list[Any], list[Any]], "_Work"]]
    needs: list[frozenset[int]]  # for each later step, the first step's checks it waits for
    ahead: list[SourceFile] = field(default_factory=list)  # files the last step parses whole


def _quiet_of(latest: dict[str, Any], n: int) -> tuple[Mapping[str, bool], ...]:
    """The functions a component's files have whose summaries say nothing, as its last run kept
    them (see :attr:`.checker.Checked.quiet`); none for an entry without them."""
    found = latest.get("quiet")
    if isinstance(found, tuple) and len(found) == n and all(
            isinstance(q, dict) and all(type(k) is str and type(v) is bool for k, v in q.items()) for q in found):
        return found
    return ({},) * n  # not one this code wrote: the functions are analysed


def _keep_latest(cache: Cache, latest_key: str, key: str, digests: tuple[str, ...]) -> None:
    """Make a component's ``latest`` entry that of its files' present contents, which the cache
    answered for: a run since may have checked other contents (an edit since undone), and a
    change after this run would otherwise check the files undone again with the changed one.
    The ``state`` entry, keyed as the component's results are, keeps each contents' entry."""
    last = cache.get("latest", latest_key)
    if isinstance(last, dict) and last.get("digests") == digests:
        return
    state = cache.get("state", key)
    if isinstance(state, dict) and state.get("digests") == digests:
        cache.put("latest", latest_key, state)


def _in_places(links: Links, group: list[int]) -> Links:
    """The links between a component's files, by their places in it (no link leaves a component)."""
    place = {i: k for k, i in enumerate(group)}
    return Links([{place[j] for j in links.defines[i]} for i in group], [{place[j] for j in links.passes[i]} for i in group])


def _in_path_order(groups: list[list[int]], files: Sequence[SourceFile]) -> list[list[int]]:
    """Each component's files sorted by path. What the analysis concludes does not depend on the
    order in which it first visits a component's scopes, but how many visits it takes does (see
    docs/architecture.md, "Speed"): one order, whatever the command line's, keeps that the same."""
    return [sorted(group, key=lambda i: (os.path.abspath(files[i].path), i)) for group in groups]


def _nothing_to_report(f: SourceFile, writes: bool | None) -> bool:
    """A file alone in its component without a single in-place write cannot hold a finding; only
    a report of unused ``noqa`` comments would still need it parsed. (``writes`` is None when
    ``ast`` could not parse it: LibCST will say why.)"""
    return writes is False and UNUSED_NOQA_CODE not in f.settings.enabled()


# check_group's arguments
_Work = tuple[list[SourceFile], list[int] | None, list[int], list[int], Cache | None, dict[int, Mapping[str, bool]] | None]

# Where a file settles something when which file that is in is not known (see checker.Checked):
# in every file.
ANYWHERE = -1


def _run_groups(work: list["_Work | _Staged"], pool: Executor | None,
                prefill: tuple[Cache, list[Ahead]] | None = None, jobs: int = 1) -> list[Any]:
    """Check each component (:func:`.checker.check_group`), in worker processes when there is
    enough to share; results in the same order. ``prefill`` are files whose skeletons the workers
    keep in that cache meanwhile, when they have nothing else to do (see :mod:`.kept_trees`):
    when the checks are done, those not yet handed to a worker are dropped.

    The pool is handed one task per worker at a time (so that what comes next can still be
    chosen): the next step of a split check (see :class:`_Split`) as soon as the one before is
    done, then the largest components first, so that one big component does not finish last
    alone, and the trees to keep when no check is waiting. When a place frees while a first
    step still runs, or a later one before the last, it goes to parsing the files the last step
    checks whole, in the process that then makes the last step (see
    :func:`.checker.parse_ahead`): that parse is then off the run's longest path, the steps one
    after another."""
    from .checker import check_group  # LibCST and the analysis load only when something is checked

    staged = any(isinstance(w, _Staged) for w in work)
    if pool is None or (len(work) < 2 and not staged) or sum(map(_files_in, work)) < POOL_MIN_FILES:
        results: list[Any] = []
        for w in work:
            if isinstance(w, _Staged):
                first = [check_group(*f) for f in w.first]
                later: list[Any] = []
                for make in w.later:
                    later.append(check_group(*make(first, later)))
                results.append((first, later))
            else:
                results.append(check_group(*w))
        return results
    size = [sum(len(f.source or b"") for f in w[0]) if not isinstance(w, _Staged) else 0 for w in work]
    # (component, step: -1 for a whole check, else which first check, or after them which later one)
    waiting: deque[tuple[int, int, _Work]] = deque()
    for k in sorted(range(len(work)), key=lambda k: (not isinstance(work[k], _Staged), -size[k])):
        w = work[k]
        if isinstance(w, _Staged):
            waiting.extend((k, step, f) for step, f in enumerate(w.first))
            if len(w.ahead) >= _BIG_CHECK_FILES:  # its last step then runs in a process of its own
                waiting.append((k, _PARSE_AHEAD, w.ahead))
        else:
            waiting.append((k, -1, w))
    firsts: dict[int, list[Any]] = {k: [None] * len(w.first) for k, w in enumerate(work) if isinstance(w, _Staged)}
    laters: dict[int, list[Any]] = {k: [] for k in firsts}
    queued = dict.fromkeys(firsts, 0)  # by component: how many of its later steps were queued

    def advance(k: int) -> None:
        """Queue the component's next later step, first, once the checks it waits for are done
        (at once for a layer that no part's sinks read into)."""
        nonlocal waiting
        steps = work[k]
        assert isinstance(steps, _Staged)
        i = len(laters[k])
        if queued[k] > i or any(firsts[k][j] is None for j in steps.needs[i]):
            return
        queued[k] += 1
        if i == len(steps.later) - 1:  # a parse ahead not started by now would only hold it back
            waiting = deque(t for t in waiting if t[:2] != (k, _PARSE_AHEAD))
        waiting.appendleft((k, len(steps.first) + i, steps.later[i](firsts[k], laters[k])))

    for k in firsts:
        advance(k)
    ahead = [] if prefill is None else [prefill[1][at:at + _PREFILL_FILES] for at in range(0, len(prefill[1]), _PREFILL_FILES)]
    ahead.reverse()
    results = [None] * len(work)
    running: dict[Future[Any], tuple[int, int] | None] = {}  # a check's (component, step), or None
    parsing: dict[int, ProcessPoolExecutor] = {}  # by component: where its last step's trees are parsed ahead
    left = len(work)
    try:
        while left:
            while len(running) < jobs and (waiting or ahead):
                if waiting:
                    k, step, w = waiting.popleft()
                    if step == _PARSE_AHEAD:
                        parsing[k] = _own_process()
                        running[parsing[k].submit(_parse_ahead, w)] = (k, step)
                    elif k in parsing and step == _steps(work[k]) - 1:  # the last step, where its trees are
                        running[_on_its_own(w, parsing.pop(k))] = (k, step)
                    else:
                        running[_on_its_own(w) if len(w[0]) >= _BIG_CHECK_FILES else pool.submit(_check, w)] = (k, step)
                else:
                    running[pool.submit(_prefill, prefill[0], ahead.pop())] = None  # type: ignore[index]
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                what = running.pop(future)
                if what is None:  # trees kept ahead, or not: only a later check would have used them
                    continue
                k, step = what
                if step == _PARSE_AHEAD:  # trees the last step finds there, or parses itself
                    continue
                if step < 0:
                    results[k] = future.result()
                    left -= 1
                    continue
                steps = work[k]
                assert isinstance(steps, _Staged)
                if step >= len(steps.first):  # a later step
                    laters[k].append(future.result())
                    if step == _steps(steps) - 1:
                        results[k] = (firsts[k], laters[k])
                        left -= 1
                        continue
                else:
                    firsts[k][step] = future.result()
                advance(k)
    finally:
        for own in parsing.values():
            own.shutdown(wait=False, cancel_futures=True)
    for future in running:  # keeping trees ahead: the checks are done
        future.cancel()
    return results


# The step of a split check's task that parses its last step's files ahead (see _run_groups).
_PARSE_AHEAD = -2


def _steps(w: "_Work | _Staged") -> int:
    """How many checks a staged check makes: its first step's, then one per later step."""
    assert isinstance(w, _Staged)
    return len(w.first) + len(w.later)


def _files_in(w: "_Work | _Staged") -> int:
    return sum(len(f[0]) for f in w.first) if isinstance(w, _Staged) else len(w[0])


# Files per prefill task: the run ends only when the tasks already handed to the workers are
# done, up to one per worker.
_PREFILL_FILES = 2


def _prefill(cache: Cache, files: list[Ahead]) -> None:
    from .kept_trees import prefill

    _parsed(in_deep_thread(lambda: prefill(cache, files)))


def _to_prefill(tasks: Sequence[_Task], files: Sequence[SourceFile], digests: list[str],
                links: Links) -> list[Ahead]:
    """The files of the components checked whole that a later check of a few of their files
    may parse as skeletons: those another file resolves a name into or through, as only they
    are in another file's cone, most read first (1,038 of the corpus's 3,293 files), but not
    those that are parsed whole (nested too deep, or without a function)."""
    whole = [i for t in tasks if t.cone is None and t.latest_key is not None for i in t.group]
    read_by = dict.fromkeys(whole, 0)
    for i in whole:
        for j in links.defines[i] | links.passes[i]:
            if j in read_by and j != i:
                read_by[j] += 1
    return [(files[i].path, digests[i], files[i].functions) for i in sorted(whole, key=lambda i: -read_by[i])
            if read_by[i] and not files[i].too_deep and files[i].functions != ()]  # () : nothing to leave out


def _check(work: _Work) -> Any:
    from .checker import check_group

    try:  # as deep as the command (see .deep_stack), however the worker was started
        return in_deep_thread(lambda: check_group(*work))
    finally:
        _parsed(sum(len(f.source or b"") for f in work[0]))


# A worker of the pool collects its garbage once its checks and the trees it kept ahead have
# parsed this many bytes of source since it last did. A check's trees and analysis states are
# held in reference cycles, which at the lint's thresholds the collector seldom examines: one
# worker that checked the corpus's small components grew to 430 MB.
_GARBAGE_BYTES = 3_000_000
_parsed_since = 0


def _parsed(size: int) -> None:
    global _parsed_since
    _parsed_since += size
    if _parsed_since >= _GARBAGE_BYTES:
        _parsed_since = 0
        gc.collect()


def _on_its_own(work: _Work, own: ProcessPoolExecutor | None = None) -> Future[Any]:
    """A big check in a process of its own, started for it (or ``own``, the one that parsed its
    trees ahead), which ends with the check.

    A check's trees and analysis states are held in reference cycles, which only the collector
    frees. In a worker that goes on to the next check they stayed until a collection, and that
    examined every object the worker held (3 s after a part of the corpus's largest component),
    or, left out, the next big check's trees came on top of them. A process that ends gives all
    its memory back at once. It is not forked from this one (see `_fresh_context`): such a process
    counts every page of this one's it maps (the files' contents and what the survey made, some
    120 MB for the corpus), and forking a process that runs the pool's threads is not safe.
    """
    own = own or _own_process()
    try:
        return own.submit(_check_and_end, work)
    except BrokenProcessPool:  # the process that parsed ahead is gone: the check parses anew
        return _on_its_own(work)
    finally:
        own.shutdown(wait=False)  # the process ends once the check is done


def _check_and_end(work: _Work) -> Any:
    """A check in a process that ends after it. What the check leaves is put out of the
    collector's reach: the interpreter collects once more on its way out, which examined every
    object the check left (2 to 3 s after the corpus's big checks, taken from the other checks'
    time on two cores, and the run waited for the last process to end).

    The collector does not run during the check either: the garbage cycles an analysis makes go
    back to the system with the process, and the collections that looked for them were about 5%
    of a check's time (scikit-learn alone: 13.9 s of CPU instead of 14.7 s, 391 MB instead of
    379 MB)."""
    from .checker import check_group

    gc.disable()
    try:  # as deep as in this process (see .deep_stack): not in the main thread's 1000 frames
        return in_deep_thread(lambda: check_group(*work))  # not _check: a collection would hold the result back
    finally:
        gc.freeze()


def _own_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=_fresh_context(), initializer=_start_worker)


def _fresh_context() -> multiprocessing.context.BaseContext:
    """How a process of its own is started: forked from a server process that has imported the
    checker once ("forkserver", where the platform has it), else anew ("spawn"). Neither holds
    this process's pages or threads. Importing LibCST and the analysis took each process started
    anew about 0.28 s (ten or so in a cold run of the corpus, most of them on its longest path);
    one forked from the server starts in about 0.01 s, after the server's own 0.26 s once."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "aliaslint.checker"])
        try:
            multiprocessing.forkserver.ensure_running()  # its socket needs a writable temporary folder
            return context
        except OSError:
            pass
    return multiprocessing.get_context("spawn")


def _parse_ahead(files: list[SourceFile]) -> None:
    from .checker import parse_ahead

    in_deep_thread(lambda: parse_ahead(files))  # so that a tree too deep here is too deep there


# A check of this many files or more runs in a process of its own (see _on_its_own): starting
# one costs about 0.3 s, and a smaller check leaves little behind.
_BIG_CHECK_FILES = 100


def _latest_key(files: Sequence[SourceFile], names: list[tuple[str, bool]], group: Iterable[int]) -> str:
    """A component's files by place and settings, not content: where the last run's results for
    the same files are kept, to re-check only the one that changed."""
    parts = [code_digest(), "latest"]
    shown = _SettingsText()
    for i in group:
        f = files[i]
        parts += [f.path, f.shown, names[i][0], str(names[i][1]), shown(f.settings)]
    return key(parts)


def _result_key(files: Sequence[SourceFile], names: list[tuple[str, bool]], digests: list[str], group: Iterable[int]) -> str:
    """Everything a component's results depend on: each file's content, place and settings."""
    parts = [code_digest()]
    shown = _SettingsText()
    for i in group:
        f = files[i]
        parts += [f.path, f.shown, names[i][0], str(names[i][1]), digests[i], shown(f.settings)]
    return key(parts)


class _SettingsText(dict[int, str]):
    """``repr`` of each settings object once: the files of a folder share one, and a run's key
    goes over every file."""

    def __call__(self, settings: Settings) -> str:
        text = self.get(id(settings))
        if text is None:
            text = self[id(settings)] = repr(settings)
        return text


def lint_source(source: bytes | str, path: str, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    """Diagnostics for one source, after rule selection, per-file ignores, noqa and fixability."""
    return lint_sources([SourceFile(path, path, source, settings)])[0]


def lint_file(path: str, settings: Settings = DEFAULT_SETTINGS) -> list[Diagnostic]:
    return lint_files([(path, settings)])


def lint_files(paths: Iterable[tuple[str, Settings]], jobs: int = 1, cache: Cache | None = None) -> list[Diagnostic]:
    """Every file of a run, in one go: imports between them are followed. With a ``cache``, a
    file whose stamp is the one the last run kept is read only if it must be checked again."""
    paths = list(paths)
    if cache is None:
        return _lint_files(paths, jobs, None, None)
    stamps = Stamps.load(cache, (p for p, _ in paths))
    try:
        return _lint_files(paths, jobs, cache, stamps)
    except NotAsStamped:  # it changed as the run went on: read every file, and keep their stamps anew
        return _lint_files(paths, jobs, cache, Stamps(stamps.name, {}))


def _lint_files(paths: list[tuple[str, Settings]], jobs: int, cache: Cache | None, stamps: Stamps | None) -> list[Diagnostic]:
    read = [read_stamped(p, s, stamps) for p, s in paths]
    sources = [r for r in read if isinstance(r, SourceFile)]
    out = [r for r in read if isinstance(r, Diagnostic)]
    for found in lint_sources(sources, jobs, cache):
        out.extend(found)
    if cache is not None and stamps is not None:
        stamps.save(cache)
    return sorted(out, key=Diagnostic.sort_key)


@dataclass
class FileOutcome:
    """What fixing one file did: the diagnostics left, how many fixes, the diff, or an error."""

    path: str
    diagnostics: list[Diagnostic]
    fixed: int = 0
    diff: str = ""
    error: str | None = None


def fix_source(raw: bytes, shown: str, settings: Settings = DEFAULT_SETTINGS) -> tuple[FileOutcome, bytes]:
    """Fix one source; returns what happened and the bytes to write (the input when nothing changed)."""
    return _fix_group([SourceFile(shown, shown, raw, settings)])[0]


def fix_files(paths: Sequence[tuple[str, Settings]], write: bool = True) -> list[FileOutcome]:
    """Fix every file of a run (in place with ``write``, else only the diffs); files that import
    each other are fixed together. A file is written whole or not at all."""
    read = [read_source(p, s) for p, s in paths]
    sources = [r for r in read if isinstance(r, SourceFile)]
    outcomes: dict[int, FileOutcome] = {
        i: FileOutcome(r.path, [r]) for i, r in enumerate(read) if isinstance(r, Diagnostic)
    }
    position = [i for i, r in enumerate(read) if isinstance(r, SourceFile)]
    names = module_names(f.path for f in sources)
    sources, imports = survey_files(sources, names, [content_digest(f.source) for f in sources], None)
    for group in _in_path_order(components(imports), sources):
        for k, (outcome, data) in zip(group, _fix_group([sources[k] for k in group]), strict=True):
            f = sources[k]
            if write and outcome.fixed:
                try:
                    atomic_write(f.path, data)
                except FixError as e:
                    outcome = FileOutcome(f.shown, lint_sources([f])[0], error=str(e))
                else:
                    outcome = FileOutcome(f.shown, outcome.diagnostics, outcome.fixed)
            outcomes[position[k]] = outcome
    return [outcomes[i] for i in range(len(read))]


def _fix_group(files: list[SourceFile]) -> list[tuple[FileOutcome, bytes]]:
    """Fix files analysed together; for each, what happened and the bytes to write."""
    decoded: dict[int, Decoded] = {}
    for i, f in enumerate(files):
        try:
            decoded[i] = decode(f.source if isinstance(f.source, bytes) else f.source.encode("utf-8"))
        except (SyntaxError, UnicodeDecodeError, LookupError):
            pass
    order = sorted(decoded)

    def lint(texts: list[str]) -> list[list[Diagnostic]]:
        batch = [replace(files[i], source=t) for i, t in zip(order, texts, strict=True)]
        return lint_sources(batch)

    results = fix_texts([decoded[i].text for i in order], lint, [files[i].settings.unsafe_fixes for i in order])
    by_file = dict(zip(order, results, strict=True))
    out: list[tuple[FileOutcome, bytes]] = []
    for i, f in enumerate(files):
        raw = f.source if isinstance(f.source, bytes) else f.source.encode("utf-8")
        result = by_file.get(i)
        if result is None:  # cannot be decoded: lint says why
            out.append((FileOutcome(f.shown, lint_sources([f])[0]), raw))
        elif isinstance(result, FixError):
            out.append((FileOutcome(f.shown, lint_sources([replace(f, source=decoded[i].text)])[0],
                                    error=str(result)), raw))
        elif result.fixed == 0:
            out.append((FileOutcome(f.shown, result.remaining), raw))
        else:
            diff = unified_diff(decoded[i].text, result.text, f.shown)
            out.append((FileOutcome(f.shown, result.remaining, result.fixed, diff),
                        encode(result.text, decoded[i].encoding)))
    return out


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
