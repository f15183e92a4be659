"""Open the index of a corpus: reuse the cached one when fresh, else refresh it by the size of the change.

This is the one path the CLI, the REPL and Python users share. A refresh
writes the added and changed files as a new segment, lists the documents of
removed and changed files as deleted in their old segments, merges what the
tiered policy (:mod:`qa.merge`) asks for, and commits a new generation: its
cost follows the change, not the corpus. ``qa index`` returns with the merges
done and nothing left running.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa.cache import INFO, mark_used, write_info
from qa.corpus import (
    Filters,
    Warn,
    content_digest,
    default_roots,
    discover_paths,
    no_documents_message,
    source_files,
)
from qa.errors import CorpusError, IndexStoreError
from qa.index import Index
from qa.ranking import BM25Params
from qa.store import GenerationWriter, index_dir, load, load_punkt, locked, sweep

if TYPE_CHECKING:
    from qa.build import Progress
    from qa.segment import Segment, SegmentData


@dataclass(slots=True)
class OpenReport:
    """What :func:`open_index` did, for ``qa index`` statistics."""

    roots: list[str]
    folder: Path
    built: bool = False
    cached: bool = False
    skipped_unsupported: int = 0
    warnings: list[str] = field(default_factory=list)
    filters: Filters | None = None
    #: The files skipped for an unsupported extension (absolute paths, unsorted).
    skipped_paths: list[str] = field(default_factory=list)


def _stat_key(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def is_fresh(index: Index, paths: Sequence[str]) -> bool:
    """True when the index was built from exactly the files ``paths``, unchanged.

    One ``stat`` per file: size and modification time must be those indexed.
    """
    indexed = {path: (size, mtime) for path, size, mtime in index.doc_rows()}  # no DocInfo objects
    indexed.update({p: (s, m) for p, (s, m) in index.meta.get("unread", {}).items()})
    if len(indexed) != len(paths):
        return False
    stat = os.stat
    for path in paths:
        try:
            st = stat(path)
        except OSError:
            return False
        if indexed.get(path) != (st.st_size, st.st_mtime_ns):
            return False
    return True


def open_index(
    roots: Sequence[str] | None = None,
    *,
    params: BM25Params | None = None,
    filters: Filters | None = None,
    rebuild: bool = False,
    cache: bool = True,
    warn: Warn | None = None,
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> tuple[Index, OpenReport]:
    """Return a ready index over ``roots`` (default: ``$QA_DOCS`` or the seeds).

    ``checkpoint`` is called just before a new index is committed: it may raise
    to abandon the build (the CLI raises there for a signal it received).

    Raises:
        CorpusError: a root does not exist, or no document could be read.
    """
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    roots = list(roots) if roots else default_roots()
    paths, skipped = discover_paths(roots, note, filters)
    folder = index_dir(roots, filters.key() if filters else None)
    report = OpenReport(roots=roots, folder=folder, skipped_unsupported=len(skipped), warnings=warnings,
                        filters=filters, skipped_paths=skipped)
    if not paths:
        raise CorpusError(no_documents_message(roots))
    params = params or BM25Params()
    stale: Index | None = None
    if cache and not rebuild:
        index = _try_load(report.folder, paths, note, fresh_only=False, params=params)
        if index is not None and not is_fresh(index, paths):
            stale, index = index, None  # the refresh starts from it (if no other writer got there first)
        if index is not None:
            report.cached = True
            index.params = params
            sweep(report.folder, str(index.meta.get("generation")), (seg.name for seg in index.segments))
            if mark_used(report.folder) and not (report.folder / INFO).exists():  # built by an older qa
                f = filters or Filters()
                write_info(report.folder, roots, f.include, f.exclude, len(index.docs), index.n_chunks)
            return index, report
    if skipped:
        n = len(skipped)
        note(f"skipped {n} file{'s' if n != 1 else ''} with unsupported extensions "
             f"('qa index --verbose' lists {'them' if n != 1 else 'it'}; --include GLOB indexes files as text)")
    index = _build_and_save(report, paths, params, cache, note, progress, rebuild, checkpoint, stale)
    report.built = True
    if cache:
        mark_used(report.folder)
    return index, report


def _try_load(folder: Path, paths: Sequence[str], note: Warn, fresh_only: bool = True,
              params: BM25Params | None = None) -> Index | None:
    if not (folder / "CURRENT").exists():
        return None
    try:
        index = load(folder, params)
    except IndexStoreError as exc:
        note(f"{exc}; rebuilding")
        return None
    return index if not fresh_only or is_fresh(index, paths) else None


@dataclass(slots=True)
class Plan:
    """What an update must do: documents to keep, files to (re)process."""

    keep: list[int] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)  # paths
    touched: dict[str, int] = field(default_factory=dict)  # path -> new mtime, same content
    unread: dict[str, list[int]] = field(default_factory=dict)


def plan_update(old: Index | None, paths: Sequence[str]) -> Plan:
    """Compare the files ``paths`` with an older index: fingerprint by size and mtime, then content.

    Plain strings and the index's rows (no :class:`~qa.index.DocInfo` or
    :class:`~qa.corpus.SourceFile` per file): a refresh after one edit in a
    library of thousands of books compares them all.
    """
    plan = Plan()
    if old is None:
        plan.todo = list(paths)
        return plan
    by_path = {path: (i, size, mtime) for i, (path, size, mtime) in enumerate(old.doc_rows())}
    unread: dict[str, list[int]] = old.meta.get("unread", {})
    for path in paths:
        key = _stat_key(path)
        found = by_path.get(path)
        if found is not None and key is not None:
            i, size, mtime = found
            if key == (size, mtime):
                plan.keep.append(i)
                continue
            if key[0] == size and _digest(path) == old.docs[i].fingerprint:
                plan.keep.append(i)
                plan.touched[path] = key[1]
                continue
        elif key is not None and unread.get(path) == list(key):
            plan.unread[path] = list(key)  # still the same unusable file: do not retry
            continue
        plan.todo.append(path)
    return plan


def _digest(path: str | Path) -> str:
    try:
        with open(path, "rb") as handle:
            return content_digest(handle.read())
    except OSError:
        return ""


def _build_and_save(
    report: OpenReport,
    paths: Sequence[str],
    params: BM25Params,
    cache: bool,
    note: Warn,
    progress: Progress | None,
    rebuild: bool,
    checkpoint: Callable[[], None] | None = None,
    stale: Index | None = None,
) -> Index:
    if not cache:
        return _in_memory(paths, params, note, progress, _lang(report))
    lock = locked(report.folder)
    try:
        lock.__enter__()
    except OSError as exc:
        note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
        return _in_memory(paths, params, note, progress, _lang(report))
    try:
        if rebuild:
            old = None
        elif stale is not None and _current(report.folder) == stale.meta.get("generation"):
            old = stale  # what was loaded before the lock is still the live generation
        else:
            old = _try_load(report.folder, paths, lambda message: None, fresh_only=False)
        if old is not None and is_fresh(old, paths):
            old.params = params
            return old  # another process finished the same build while we waited
        try:
            with GenerationWriter(report.folder) as writer:
                index = _update(old, paths, params, note, progress, writer, report.folder, checkpoint, _lang(report))
        except OSError as exc:
            note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
            return _in_memory(paths, params, note, progress, _lang(report))
        f = report.filters or Filters()
        write_info(report.folder, report.roots, f.include, f.exclude, len(index.docs), index.n_chunks)
        return index
    finally:
        lock.__exit__(None, None, None)


def _current(folder: Path) -> str | None:
    try:
        return (folder / "CURRENT").read_text(encoding="ascii").strip()
    except (OSError, UnicodeError):
        return None


def _lang(report: OpenReport) -> str | None:
    """The language every document is read in (``--lang``), if one is forced."""
    return report.filters.lang if report.filters is not None else None


def _in_memory(paths: Sequence[str], params: BM25Params, note: Warn, progress: Progress | None,
               lang: str | None = None) -> Index:
    """Build without the cache (``--no-cache``, or a cache that cannot be written); every document in
    ``lang`` when given."""
    from qa.build import build_index

    index = build_index(source_files(paths), params, note, progress, lang=lang)
    index.meta["unread"] = {}
    index.meta.pop("unread_paths", None)
    if not index.docs or index.n_chunks == 0:
        raise CorpusError("no text could be read from the documents")
    return index


def _update(
    old: Index | None,
    paths: Sequence[str],
    params: BM25Params,
    note: Warn,
    progress: Progress | None,
    writer: GenerationWriter,
    folder: Path,
    checkpoint: Callable[[], None] | None,
    lang: str | None = None,
) -> Index:
    """Write the new and changed files as segments, mark what they replace as deleted, merge, commit
    (every new document read in ``lang``, if given)."""
    from qa.build import build_segments, train_splitter  # indexing code is not needed to answer from the cache
    from qa.chunking import SentenceSplitter

    plan = plan_update(old, paths)
    splitter = None
    if old is not None and plan.keep:
        punkt = load_punkt(folder)
        splitter = SentenceSplitter(punkt) if punkt is not None else None
    if splitter is None:  # a new splitter: every document is split again with it
        plan = plan_update(None, paths)
        old = None
        splitter = train_splitter(source_files(paths), progress=progress)
    segments = _kept_segments(old, plan) if old is not None else []
    new: list[Segment] = []

    def sink(data: SegmentData) -> None:
        new.append(writer.write_segment(data))

    unread_paths = build_segments(source_files(plan.todo), splitter, sink, note, progress, lang=lang)
    segments = _merged([*segments, *new], writer)
    unread = dict(plan.unread)
    for path in unread_paths:
        key = _stat_key(Path(path))
        if key is not None:
            unread[path] = list(key)
    if not any(s.n_live for s in segments):
        raise CorpusError("no text could be read from the documents")
    if checkpoint is not None:
        checkpoint()
    gen = writer.commit(segments, {"unread": unread}, splitter.to_json())
    return Index(segments, {"unread": unread, "generation": gen.name}, params)


def _kept_segments(old: Index, plan: Plan) -> list[Segment]:
    """The old generation's segments with the documents not kept marked deleted, and touched ones' new mtimes."""
    from qa.segment import Segment

    keep = set(plan.keep)
    out: list[Segment] = []
    for seg, doc_ids in zip(old.segments, old.doc_ids(), strict=True):
        deleted = set(seg.deleted)
        mtimes = dict(seg.mtimes)
        for d in seg.live_docs():
            if int(doc_ids[d]) not in keep:
                deleted.add(d)
            else:
                path = seg.docs[d]["path"]
                if path in plan.touched:
                    mtimes[d] = plan.touched[path]
        if len(deleted) < len(seg.docs):
            out.append(Segment(seg.name, seg.meta, seg.arrays, seg.blob, deleted, mtimes))
    return out


def _merged(segments: list[Segment], writer: GenerationWriter) -> list[Segment]:
    """Apply the merge policy until it asks for nothing (each merged segment takes its first member's place)."""
    from qa.merge import plan
    from qa.segment import merge

    for _ in range(64):  # each round merges at least two segments or rewrites a mostly deleted one
        groups = plan(segments)
        if not groups:
            break
        replaced: dict[int, Segment | None] = {}
        for group in groups:
            live = [segments[i] for i in group if segments[i].n_live]
            result = writer.write_segment(merge(live)) if live else None
            replaced[group[0]] = result
            for i in group[1:]:
                replaced[i] = None
        segments = [kept for i, s in enumerate(segments) if (kept := replaced.get(i, s)) is not None]
    return segments
