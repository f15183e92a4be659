"""Open the index of a corpus: reuse the cached one when fresh, else (re)build it.

This is the one path the CLI, the REPL and Python users share.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.build import Progress, build_index
from qa.corpus import SourceFile, Warn, default_roots, discover, no_documents_message
from qa.errors import CorpusError, IndexStoreError
from qa.index import BM25Params, Index
from qa.store import index_dir, load, locked, save


@dataclass(slots=True)
class OpenReport:
    """What :func:`open_index` did, for ``qa index`` statistics."""

    roots: list[str]
    folder: Path
    built: bool = False
    cached: bool = False
    skipped_unsupported: int = 0
    warnings: list[str] = field(default_factory=list)


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def is_fresh(index: Index, files: Sequence[SourceFile]) -> bool:
    """True when the index was built from exactly these files, unchanged."""
    indexed = {d.path: (d.size, d.mtime_ns) for d in index.docs}
    indexed.update({p: (s, m) for p, (s, m) in index.meta.get("unread", {}).items()})
    if len(indexed) != len(files):
        return False
    return all(indexed.get(str(f.path)) == _stat_key(f.path) for f in files)


def open_index(
    roots: Sequence[str] | None = None,
    *,
    params: BM25Params | None = None,
    rebuild: bool = False,
    cache: bool = True,
    warn: Warn | None = None,
    progress: Progress | None = None,
) -> tuple[Index, OpenReport]:
    """Return a ready index over ``roots`` (default: ``$QA_DOCS`` or the seeds).

    Raises:
        CorpusError: a root does not exist, or no document could be read.
    """
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    roots = list(roots) if roots else default_roots()
    files, skipped = discover(roots, note)
    report = OpenReport(roots=roots, folder=index_dir(roots), skipped_unsupported=skipped, warnings=warnings)
    if not files:
        raise CorpusError(no_documents_message(roots))
    params = params or BM25Params()
    if cache and not rebuild:
        index = _try_load(report.folder, files, note)
        if index is not None:
            report.cached = True
            if index.params != params:
                index.reweight(params)
            return index, report
    if skipped:
        note(f"skipped {skipped} file{'s' if skipped != 1 else ''} with unsupported extensions")
    index = _build_and_save(report, files, params, cache, note, progress, rebuild)
    report.built = True
    if not index.docs or index.n_chunks == 0:
        raise CorpusError(f"no text could be read from the documents in {', '.join(roots)}")
    return index, report


def _try_load(folder: Path, files: Sequence[SourceFile], note: Warn) -> Index | None:
    if not (folder / "CURRENT").exists():
        return None
    try:
        index = load(folder)
    except IndexStoreError as exc:
        note(f"{exc}; rebuilding")
        return None
    return index if is_fresh(index, files) else None


def _build_and_save(
    report: OpenReport,
    files: Sequence[SourceFile],
    params: BM25Params,
    cache: bool,
    note: Warn,
    progress: Progress | None,
    rebuild: bool,
) -> Index:
    if not cache:
        return _build(files, params, note, progress)
    lock = locked(report.folder)
    try:
        lock.__enter__()
    except OSError as exc:
        note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
        return _build(files, params, note, progress)
    try:
        if not rebuild:
            # Another process may have finished the same build while we waited.
            index = _try_load(report.folder, files, lambda message: None)
            if index is not None:
                return index
        index = _build(files, params, note, progress)
        try:
            save(index, report.folder)
        except OSError as exc:
            note(f"cannot write the index cache ({exc.strerror or exc}); answering from memory")
        return index
    finally:
        lock.__exit__(None, None, None)


def _build(files: Sequence[SourceFile], params: BM25Params, note: Warn, progress: Progress | None) -> Index:
    unread: dict[str, list[int]] = {}
    index = build_index(files, params, note, progress)
    read = {d.path for d in index.docs}
    for f in files:
        key = _stat_key(f.path)
        if str(f.path) not in read and key is not None:
            unread[str(f.path)] = list(key)
    index.meta["unread"] = unread
    return index
