"""Open the index of a corpus: reuse the cached one when fresh, else (re)build it.

This is the one path the CLI, the REPL and Python users share.
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
    SourceFile,
    Warn,
    content_digest,
    default_roots,
    discover_paths,
    no_documents_message,
    source_files,
)
from qa.errors import CorpusError, IndexStoreError
from qa.index import DocList, Index
from qa.ranking import BM25Params
from qa.store import GenerationWriter, index_dir, load, load_punkt, locked, reusable_blob

if TYPE_CHECKING:
    from qa.build import Progress


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
    indexed = {d["path"]: (d["size"], d["mtime_ns"]) for d in index.meta["docs"]}  # rows: no DocInfo objects
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
    if cache and not rebuild:
        index = _try_load(report.folder, paths, note)
        if index is not None:
            report.cached = True
            if index.params != params:
                index.reweight(params)
            if mark_used(report.folder) and not (report.folder / INFO).exists():  # built by an older qa
                f = filters or Filters()
                write_info(report.folder, roots, f.include, f.exclude, len(index.docs), index.n_chunks)
            return index, report
    if skipped:
        n = len(skipped)
        note(f"skipped {n} file{'s' if n != 1 else ''} with unsupported extensions "
             f"('qa index --verbose' lists {'them' if n != 1 else 'it'}; --include GLOB indexes files as text)")
    index = _build_and_save(report, paths, params, cache, note, progress, rebuild, checkpoint)
    report.built = True
    if cache:
        mark_used(report.folder)
    return index, report


def _try_load(folder: Path, paths: Sequence[str], note: Warn, fresh_only: bool = True) -> Index | None:
    if not (folder / "CURRENT").exists():
        return None
    try:
        index = load(folder)
    except IndexStoreError as exc:
        note(f"{exc}; rebuilding")
        return None
    return index if not fresh_only or is_fresh(index, paths) else None


@dataclass(slots=True)
class Plan:
    """What an update must do: documents to keep, files to (re)process."""

    keep: list[int] = field(default_factory=list)
    todo: list[SourceFile] = field(default_factory=list)
    touched: dict[str, int] = field(default_factory=dict)  # path -> new mtime, same content
    unread: dict[str, list[int]] = field(default_factory=dict)


def plan_update(old: Index | None, files: Sequence[SourceFile]) -> Plan:
    """Compare the files with an older index: fingerprint by size and mtime, then content."""
    plan = Plan()
    if old is None:
        plan.todo = list(files)
        return plan
    by_path = {d.path: i for i, d in enumerate(old.docs)}
    unread: dict[str, list[int]] = old.meta.get("unread", {})
    for f in files:
        key = _stat_key(f.path)
        path = str(f.path)
        i = by_path.get(path)
        if i is not None and key is not None:
            doc = old.docs[i]
            if key == (doc.size, doc.mtime_ns):
                plan.keep.append(i)
                continue
            if key[0] == doc.size and _digest(f.path) == doc.fingerprint:
                plan.keep.append(i)
                plan.touched[path] = key[1]
                continue
        elif key is not None and unread.get(path) == list(key):
            plan.unread[path] = list(key)  # still the same unusable file: do not retry
            continue
        plan.todo.append(f)
    return plan


def _digest(path: Path) -> str:
    try:
        return content_digest(path.read_bytes())
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
) -> Index:
    files = source_files(paths)
    if not cache:
        return _build(None, files, params, note, progress, None, lang=_lang(report))
    lock = locked(report.folder)
    try:
        lock.__enter__()
    except OSError as exc:
        note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
        return _build(None, files, params, note, progress, None, lang=_lang(report))
    try:
        old = None if rebuild else _try_load(report.folder, paths, lambda message: None, fresh_only=False)
        if old is not None and is_fresh(old, paths):
            return old  # another process finished the same build while we waited
        try:
            writer = GenerationWriter(report.folder)
        except OSError as exc:
            note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
            return _build(old, files, params, note, progress, None, report.folder, _lang(report))
        with writer:
            index = _build(old, files, params, note, progress, writer, report.folder, _lang(report))
            # Unmap the previous generation before it is deleted: its pages are then
            # freed by whoever deletes it (in the background), not when this process exits.
            old = None
            if checkpoint is not None:
                checkpoint()
            try:
                writer.commit(index)
            except OSError as exc:
                note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
            else:
                f = report.filters or Filters()
                write_info(report.folder, report.roots, f.include, f.exclude, len(index.docs), index.n_chunks)
            return index
    finally:
        lock.__exit__(None, None, None)


def _lang(report: OpenReport) -> str | None:
    """The language every document is read in (``--lang``), if one is forced."""
    return report.filters.lang if report.filters is not None else None


def _build(
    old: Index | None,
    files: Sequence[SourceFile],
    params: BM25Params,
    note: Warn,
    progress: Progress | None,
    writer: GenerationWriter | None,
    folder: Path | None = None,
    lang: str | None = None,
) -> Index:
    """Build (or update from ``old``) and check that something was indexed (every document in ``lang``, if given)."""
    from qa.build import build_index  # indexing code is not needed to answer from the cache
    from qa.chunking import SentenceSplitter

    plan = plan_update(old, files)
    splitter = None
    if old is not None and plan.keep:
        punkt = load_punkt(folder) if folder is not None else None
        splitter = SentenceSplitter(punkt) if punkt is not None else None
    reuse = reusable_blob(old, plan.keep) if old is not None and writer is not None else None
    blob = writer.blob_file(reuse) if writer is not None else None
    index = build_index(
        plan.todo,
        params,
        note,
        progress,
        splitter,
        previous=old if plan.keep else None,
        keep=plan.keep,
        blob=blob,
        blob_has_previous=writer is not None and writer.blob_reused,
        on_array=writer.save_array if writer is not None else None,
        lang=lang,
    )
    for doc in index.meta["docs"]:
        if doc["path"] in plan.touched:
            doc["mtime_ns"] = plan.touched[doc["path"]]
    index.docs = DocList(index.meta["docs"])
    unread = dict(plan.unread)
    for path in index.meta.pop("unread_paths", []):
        key = _stat_key(Path(path))
        if key is not None:
            unread[path] = list(key)
    index.meta["unread"] = unread
    if not index.docs or index.n_chunks == 0:
        raise CorpusError("no text could be read from the documents")
    return index

