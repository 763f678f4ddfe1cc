"""One component, checked: parse its files with LibCST, analyse them together, run each file's
rules on the result, then apply its noqa comments and fix settings.

This is the only part of a lint that needs LibCST and the analysis; :mod:`.engine` imports it
when some component is not answered by the cache.
"""

from __future__ import annotations

import ast
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Mapping, Sequence

import libcst as cst

from .analysis.project import SourceModule, analyze_component, quiet_functions, settled_in
from .analysis.imports import module_names
from .analysis.scopes import binds_in_expressions
from . import kept_trees
from .cache import Cache, content_digest
from .cst_parsing import prepare
from .cst_from_ast import ShapeMismatch, tree_of
from .diagnostics import Diagnostic
from .engine import ANYWHERE, one_line
from .fixes import decode
from .rules import RULES, UNUSED_NOQA_CODE, Rule
from .rules.context import OtherFiles, Positions, RuleContext
from .skeletons import BodyNotParsed, Skeleton, parse_skeleton
from .sources import SourceFile, file_error
from .suppression import suppress

prepare()  # on import: the processes the fork server forks (it imports this module) start prepared


def _parse(f: SourceFile, converted: dict[int, str | bytes] | None,
           binding: dict[int, frozenset[cst.CSTNode]]) -> cst.Module | Diagnostic:
    """The file's tree: built from ``ast`` where it can be (:mod:`.cst_from_ast`, its text then
    kept in ``converted`` and the statements whose expressions bind in ``binding``), else
    LibCST's, or the diagnostic that says why there is none; the one :func:`parse_ahead` made, if
    it did."""
    ahead = _AHEAD.pop((f.path, f.shown, f.source), None) if converted is not None and _AHEAD else None
    tree, marks = ahead if ahead is not None else _whole(f, converted is not None)
    if marks is not None:
        converted[id(tree)] = f.source  # type: ignore[index]
        binding[id(tree)] = marks
    return tree


def _whole(f: SourceFile, convert: bool) -> tuple[cst.Module | Diagnostic, frozenset[cst.CSTNode] | None]:
    if f.too_deep:
        return file_error(f.shown, "cannot parse file: nesting too deep"), None
    try:
        return tree_of(f.source, convert)
    except cst.ParserSyntaxError as e:
        return _syntax_error(f.source, f.shown, e), None
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as e:
        return file_error(f.shown, f"cannot decode file: {one_line(e)}"), None
    except RecursionError:
        return file_error(f.shown, "cannot parse file: nesting too deep"), None


def _expressions(marks: frozenset[cst.CSTNode] | None, source: str | bytes | None) -> bool | frozenset[cst.CSTNode]:
    """What collecting a tree's scopes enters of its expressions (see
    :func:`.analysis.scopes.collect_scopes`): those of the statements the conversion found a
    ``lambda`` or a ``:=`` in (``marks``), else every one where the text may hold either."""
    return marks if marks is not None else binds_in_expressions(source)


# Trees parsed before their check (see parse_ahead), by file, and for one built from `ast` the
# statements whose expressions bind.
_AHEAD: dict[tuple[str, str, str | bytes | None], tuple[cst.Module | Diagnostic, frozenset[cst.CSTNode] | None]] = {}


def parse_ahead(files: Sequence[SourceFile]) -> None:
    """Parse files whole for a check this process makes next, before the rest of that check is
    known: the last step of a split check (``engine._Split``) parses the core files it checks
    whole while the steps before it still run. Built from ``ast`` where possible, as a check's
    trees are, which a check with ``convert`` off (made again after a mismatch) does not take.
    Like a check's, the trees are made with the collector off and frozen out of its reach."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        for f in files:
            _AHEAD[(f.path, f.shown, f.source)] = _whole(f, True)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _parse_skeleton(f: SourceFile, trees: Cache | None, convert: bool = False) -> tuple[Skeleton, str] | None:
    """A file a check reads only part of, parsed without its functions' bodies (see
    :mod:`.skeletons`; built from ``ast`` with ``convert``), or as ``trees`` kept it (see
    :mod:`.kept_trees`), with its content digest: ``None`` when it is to be parsed whole."""
    if f.too_deep:
        return None
    try:
        text = f.source if isinstance(f.source, str) else f.source.decode("utf-8")  # type: ignore[union-attr]
        if text.startswith("\ufeff"):
            return None
        digest = f.digest if f.digest is not None else content_digest(text)
        skeleton = kept_trees.load(trees, text, digest, convert) if trees is not None else None
        if skeleton is None:
            skeleton = parse_skeleton(text, f.functions, convert)
        return None if skeleton is None else (skeleton, digest)
    except (cst.ParserSyntaxError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
        return None  # parsed whole, with the error that gives


def _rules(f: SourceFile) -> list[Rule]:
    enabled = f.settings.enabled() - f.settings.ignored_for(f.shown)
    return [r for r in RULES if r.code in enabled and r.check is not None]


@dataclass(frozen=True)
class Checked:
    """A component's diagnostics (one list per file; empty for a file not reported), which of
    the files asked about (``asked``) settled nothing that another file reports, in which files
    the others settled something (``settles``; ``engine.ANYWHERE`` when that is not known), and
    which files LibCST parsed whole (the engine keeps that, see ``known`` in
    :func:`check_group`)."""

    diagnostics: list[list[Diagnostic]]
    alone: frozenset[int] = frozenset()
    parsed: frozenset[int] = frozenset()  # the files LibCST parsed whole
    settles: dict[int, frozenset[int]] = field(default_factory=dict)
    # the functions each file analysed has whose summaries say nothing (see
    # analysis.project.quiet_functions): the engine keeps them for later checks
    quiet: dict[int, dict[str, bool]] = field(default_factory=dict)


def lint_group(files: Sequence[SourceFile]) -> list[list[Diagnostic]]:
    """One component: parse, analyse, run the rules, apply per-file settings."""
    return check_group(files).diagnostics


def check_group(
    files: Sequence[SourceFile], report: Sequence[int] | None = None, asked: Sequence[int] = (),
    known: Sequence[int] = (), trees: Cache | None = None, quiet: Mapping[int, Mapping[str, bool]] | None = None,
    convert: bool = True,
) -> Checked:
    """Analyse files together and run the rules of those in ``report`` (all by default).

    For each file in ``asked``, also say whether its analysis stayed within its own file, and if
    not, in which files it settled something (:func:`.analysis.project.settled_in`): when a file
    changes and it and the files that read it all do, the engine checks them with only the files
    they read (see ``engine._Task``), and a split check hands it to the steps that report those
    files (see ``engine._Split``).
    When not every file is reported or asked about, only what those need is analysed, and
    parsed (see :func:`.analysis.project.analyze_component`); those of the others ``known`` to
    parse whole with LibCST are parsed without their functions' bodies (see :mod:`.skeletons`):
    one that did not would take part in nothing, as in a check of every file. ``trees`` is the
    cache that keeps such files' skeletons and bodies (see :mod:`.kept_trees`). A file parsed
    whole is built from ``ast`` (:mod:`.cst_from_ast`) unless ``convert`` is false; when a rule
    finds such a tree is not the shape of LibCST's, the check is made again with LibCST's.
    ``quiet`` gives, for files neither reported nor asked about, the functions an earlier check
    found to say nothing (:attr:`Checked.quiet`), which need not be analysed again.
    """
    try:
        return _check_group(files, report, asked, known, trees, {} if convert else None, quiet or {})
    except ShapeMismatch:  # without the cache's trees too: they may be built from `ast`
        _AHEAD.clear()
        return _check_group(files, report, asked, known, None, None, quiet or {})


def _check_group(
    files: Sequence[SourceFile], report: Sequence[int] | None, asked: Sequence[int],
    known: Sequence[int], trees: Cache | None, converted: dict[int, str | bytes] | None,
    quiet: Mapping[int, Mapping[str, bool]],
) -> Checked:
    out: list[list[Diagnostic]] = [[] for _ in files]
    names = module_names(f.path for f in files)
    shown = set(range(len(files)) if report is None else report)
    wanted = shown | set(asked)
    lazily = len(wanted) < len(files)  # the others parsed when the analysis first needs them
    binding: dict[int, frozenset[cst.CSTNode]] = {}
    with _trees_out_of_collection() as trees_made:
        parsed: list[cst.Module | Diagnostic | None] = [
            _parse(f, converted, binding) if i in wanted or not lazily else None for i, f in enumerate(files)]
        trees_made()
        members = [i for i, p in enumerate(parsed) if not isinstance(p, Diagnostic) and _rules(files[i])]
        modules = [SourceModule(files[i].path, *names[i], parsed[i],  # type: ignore[arg-type]
                                expressions=_expressions(binding.get(id(parsed[i])), files[i].source),
                                quiet=quiet.get(i, {}) if i not in wanted else {}) for i in members]
        alone = {i for i in asked if i not in members}  # a file not analysed settles nothing
        whole: set[int] = set()
        settles: dict[int, frozenset[int]] = {}
        said: dict[int, dict[str, bool]] = {}
        if modules:
            found, settles, whole, said = _lint_component(
                files, modules, members, wanted if lazily else None, shown, asked, set(known), trees, converted,
                binding)
            for i, diags in zip(members, found, strict=True):
                out[i] = diags
            analysed = set(members)
            alone |= {i for i in asked if i in analysed and i not in settles}
        for i in shown:
            p = parsed[i]
            out[i] = [p] if isinstance(p, Diagnostic) else _finish(files[i], out[i], p)
    whole |= {i for i, p in enumerate(parsed) if isinstance(p, cst.Module)}
    return Checked(out, frozenset(alone), frozenset(whole), settles, said)


@contextmanager
def _trees_out_of_collection() -> Iterator[Callable[[], None]]:
    """The cyclic garbage collector is off while the trees are made, and they are frozen out of
    its reach (`gc.freeze`) before it runs again, for what the analysis makes.

    Parsing makes millions of objects and no garbage cycles. Left to the collector, every young
    collection examined them while parsing (a twelfth of the parse time on SciPy), the older ones
    again while they were analysed, and its first collection after a pause examined all of them
    at once (6 s for SciPy and scikit-learn together). Frozen objects are still freed by reference
    counting, and go back to the collector when the component is done.
    """
    enabled = gc.isenabled()
    gc.disable()

    def made() -> None:
        gc.freeze()
        if enabled:
            gc.enable()

    try:
        yield made
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _lint_component(
    files: Sequence[SourceFile], group: list[SourceModule], members: list[int], wanted: set[int] | None,
    shown: set[int], asked: Sequence[int], known: set[int], trees: Cache | None,
    converted: dict[int, str | bytes] | None, binding: dict[int, frozenset[cst.CSTNode]],
) -> tuple[list[list[Diagnostic]], dict[int, frozenset[int]], set[int], dict[int, dict[str, bool]]]:
    """Run the analysis once for the component (for the files ``wanted`` only, when given) and
    the rules of its members in ``shown``; in which files those ``asked`` about that do not stay
    within their own settle something; which files the analysis parsed whole when it first
    needed them; and each file's functions whose summaries say nothing. When an error stops the analysis, every shown member gets an ALI900 diagnostic
    instead, and no file is known to stay within its own (each may settle something anywhere).
    Skeletons and bodies parsed here are kept in ``trees`` for the next check."""
    file_of = {id(m): i for m, i in zip(group, members, strict=True)}
    skeletons: dict[int, Skeleton] = {}  # by the id of the module they stand for
    digests: dict[int, str] = {}  # theirs, likewise
    whole: set[int] = set()

    def parse(m: SourceModule) -> cst.Module | Skeleton | None:
        i = file_of[id(m)]
        found = _parse_skeleton(files[i], trees, converted is not None) if i in known else None
        if found is not None:
            skeleton, digests[id(skeleton.module)] = found
            skeletons[id(skeleton.module)] = skeleton
            m.expressions = _expressions(skeleton.binding, files[i].source)
            return skeleton
        tree = _parse(files[i], converted, binding)
        m.expressions = _expressions(binding.get(id(tree)), files[i].source)
        if isinstance(tree, cst.Module):
            whole.add(i)
            return tree
        return None

    try:
        only = None if wanted is None else [m for m, i in zip(group, members, strict=True) if i in wanted]
        given = [m.module for m in group]
        try:
            result = analyze_component(group, only, parse)
        except BodyNotParsed:  # LibCST parsed it whole before: parse the files whole
            for m, tree in zip(group, given, strict=True):
                m.module, m.info = tree, None
            known.clear()
            skeletons.clear()
            digests.clear()
            whole.clear()
            result = analyze_component(group, only, parse)
        if trees is not None:
            for k, skeleton in skeletons.items():
                kept_trees.keep(trees, skeleton, digests[k])
        found = []
        positions = Positions(skeletons, converted)
        everyone: list[tuple[str, cst.Module]] = []  # the files with a tree, and each one's place there
        place: dict[int, int] = {}
        for o, j in zip(group, members, strict=True):
            if o.module is not None:
                place[id(o)] = len(everyone)
                everyone.append((files[j].shown, o.module))
        for m, i in zip(group, members, strict=True):
            if i not in shown:
                found.append([])
                continue
            others = OtherFiles(everyone, place[id(m)])
            ctx = RuleContext(files[i].shown, m.module, result, others, positions)  # type: ignore[arg-type]
            found.append([d for rule in _rules(files[i]) for d in rule.check(ctx)])  # type: ignore[misc]
        asked_about = set(asked)
        scopes = {i: {s.index for s in m.info.scopes} for m, i in zip(group, members, strict=True)
                  if i in asked_about and m.info is not None}
        owner = {id(m.module): i for m, i in zip(group, members, strict=True) if m.module is not None}
        settles: dict[int, frozenset[int]] = {}
        for i, mine in scopes.items():
            found_in = {owner.get(id(result.module_node(x)), ANYWHERE) for x in settled_in(result, mine)}
            if found_in:
                settles[i] = frozenset(found_in)
        said = {i: quiet_functions(m, result.summaries) for m, i in zip(group, members, strict=True)}
        return found, settles, whole, {i: q for i, q in said.items() if q}
    except ShapeMismatch:
        raise  # the check is made again with LibCST's trees (see check_group)
    except RecursionError:
        message = "cannot analyse file: nesting too deep"
    except Exception as e:  # a bug in aliaslint must not stop the run over the other files
        message = f"internal error while analysing this file ({type(e).__name__}: {one_line(e)})"
    failed = [[file_error(files[i].shown, message)] if i in shown else [] for i in members]
    # whether a file stayed within its own is not known
    return failed, {i: frozenset({ANYWHERE}) for i in asked if i in members}, set(), {}


def _finish(f: SourceFile, found: list[Diagnostic], parsed: cst.Module) -> list[Diagnostic]:
    """Per-file settings after the rules: noqa, unused noqa, and which fixes may be applied."""
    enabled = f.settings.enabled() - f.settings.ignored_for(f.shown)
    unused = UNUSED_NOQA_CODE in enabled
    if not f.settings.ignore_noqa and (found or unused):
        # the text as read, not `parsed.code`: generating code from the tree costs what parsing does
        text = f.source if isinstance(f.source, str) else _text(f.source, parsed)
        found = suppress(found, text, f.shown, unused)
    fixable = f.settings.fixable_codes()
    found = [d if d.fix is None or d.code in fixable else replace(d, fix=None) for d in found]
    return sorted(found, key=Diagnostic.sort_key)


def _text(raw: bytes, parsed: cst.Module) -> str:
    try:
        return decode(raw).text
    except (SyntaxError, UnicodeDecodeError, LookupError):
        try:
            return parsed.code
        except RecursionError:
            return ""  # no noqa comment can be read: findings are kept


def _syntax_error(source: bytes | str, path: str, e: cst.ParserSyntaxError) -> Diagnostic:
    """One line for a file LibCST cannot parse, placed where CPython places it when it agrees.

    LibCST's parser often points past the real error; CPython's message and position are the ones
    users know from running their code.
    """
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as se:
        if se.lineno:
            return file_error(path, f"syntax error: {se.msg}", se.lineno, max(se.offset or 1, 1))
    except (ValueError, RecursionError, MemoryError):
        pass
    first = " ".join(str(e.message).split()) or "invalid syntax"
    return file_error(path, f"syntax error: {first}", max(e.raw_line, 1), e.raw_column + 1)
