"""Read, split and index a corpus: files in, :class:`~qa.index.Index` out.

Documents are chunked and tokenised in a pool of worker processes (one per
core) and streamed into an :class:`~qa.index.IndexBuilder`, so the corpus text
is never held twice. An update keeps the unchanged documents of the previous
index as they are and only processes added or changed files.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from qa.chunking import TRAIN_CHARS, SentenceSplitter, chunk_spans
from qa.corpus import SourceFile, Warn, read_document
from qa.index import DocPart, Index, IndexBuilder, encode_spans
from qa.lang import document_language
from qa.ranking import BM25Params

#: Called after each file with (files done, files total, bytes done).
Progress = Callable[[int, int, int], None]

#: Below this many bytes to process, a worker pool costs more than it saves.
POOL_MIN_BYTES = 4_000_000


def _no_progress(done: int, total: int, nbytes: int) -> None:
    """Default progress sink."""


@dataclass(slots=True)
class FileResult:
    """A worker's answer for one file: its part, or None with the warnings."""

    file: SourceFile
    part: DocPart | None
    warnings: list[str] = field(default_factory=list)
    size: int = 0


_SPLITTER: SentenceSplitter | None = None
#: The language every document is read in (``--lang``), in a worker; None: each document's own.
_LANG: str | None = None


def _init_worker(params: dict[str, Any], parent: int, lang: str | None = None) -> None:
    """Pool initializer: the parent handles Ctrl-C and SIGTERM, workers just stop.

    Workers leave the parent's process group, so a signal to the whole group
    (Ctrl-C, ``kill -- -PGID``, a service manager) reaches only the parent,
    which then stops the pool. A worker the signal killed while it held the
    task queue's lock would leave ``Pool.terminate()`` waiting for it forever.
    On Linux a worker also dies with its parent (``kill -9`` of qa).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        os.setpgid(0, 0)
    _die_with_parent(parent)
    global _SPLITTER, _LANG
    _SPLITTER = SentenceSplitter(params)
    _LANG = lang


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG); elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call (not "== 1": qa may be pid 1)
            os._exit(1)
    except (OSError, AttributeError):
        pass


def process_file(file: SourceFile, splitter: SentenceSplitter | None = None, lang: str | None = None
                 ) -> FileResult:
    """Read, chunk and tokenise one file (runs in a worker process).

    The document is analysed in ``lang`` when given, else in the language it
    declares or is written in (:func:`qa.lang.document_language`).
    """
    lang = lang or _LANG
    splitter = splitter or _SPLITTER
    if splitter is None:  # pragma: no cover - initializer always sets it
        raise RuntimeError("worker has no sentence splitter")
    warnings: list[str] = []
    doc = read_document(file, warnings.append)
    if doc is None:
        return FileResult(file, None, warnings)
    starts, ends, paras = chunk_spans(doc.text, doc.blocks, splitter)
    code = document_language(doc.text, doc.lang, lang)
    return FileResult(file, encode_spans(doc, starts, ends, paras, doc.digest, code), warnings, doc.size)


def _file_size(file: SourceFile) -> int:
    try:
        return os.stat(file.path).st_size
    except OSError:
        return 0


def process_files(
    files: Sequence[SourceFile], splitter: SentenceSplitter, workers: int | None = None, lang: str | None = None
) -> Iterator[FileResult]:
    """Yield a :class:`FileResult` per file, using a process pool when it pays.

    Alone, files are processed in order. In the pool the largest go first
    (ties in order), so the run does not end with one worker busy on a big
    file while the others idle; results come in that order.
    """
    workers = workers or os.cpu_count() or 1
    sizes = [_file_size(f) for f in files]
    if workers < 2 or len(files) < 2 or sum(sizes) < POOL_MIN_BYTES:
        for file in files:
            yield process_file(file, splitter, lang)
        return
    files = [files[i] for i in sorted(range(len(files)), key=lambda i: -sizes[i])]
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ctx.Pool(min(workers, len(files)), initializer=_init_worker,
                    initargs=(splitter.to_json(), os.getpid(), lang))
    try:
        yield from pool.imap(process_file, files, chunksize=1)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def train_splitter(files: Sequence[SourceFile], warn: Warn | None = None) -> SentenceSplitter:
    """Train Punkt on an evenly spread sample of the documents (bounded size)."""
    share = max(TRAIN_CHARS // max(len(files), 1), 20_000)

    def sample() -> Iterator[str]:
        for file in files:
            doc = read_document(file, lambda message: None)
            if doc is not None:
                yield doc.text[:share]

    return SentenceSplitter.train(sample(), limit=TRAIN_CHARS)


def build_index(
    files: Sequence[SourceFile],
    params: BM25Params | None = None,
    warn: Warn | None = None,
    progress: Progress | None = None,
    splitter: SentenceSplitter | None = None,
    *,
    previous: Index | None = None,
    keep: Sequence[int] = (),
    blob: BinaryIO | None = None,
    blob_has_previous: bool = False,
    workers: int | None = None,
    on_array: Callable[[str, Any], None] | None = None,
    lang: str | None = None,
) -> Index:
    """Build an index over ``files``.

    Args:
        files: the files to read and index.
        params: BM25 parameters (default :class:`BM25Params`).
        warn: receives one line per file that was skipped or repaired.
        progress: called after each file.
        splitter: the sentence splitter; trained on ``files`` when omitted.
        previous: an older index whose documents ``keep`` are carried over as
            they are (``files`` then lists only what must be processed).
        keep: ids of documents of ``previous`` to keep.
        blob: where to stream the chunk texts (default: memory).
        blob_has_previous: ``blob`` already holds the texts of ``previous`` at
            their offsets (a link to its file); new texts are appended.
        workers: processes to use (default: one per core).
        on_array: receives each array of the index as soon as it is final
            (:meth:`~qa.store.GenerationWriter.save_array`).
        lang: the language to read every document in (``--lang``); None:
            each document's own (:func:`qa.lang.document_language`).

    Files that cannot be read are skipped with a warning; an index with no
    documents is still returned (callers decide whether that is an error).
    """
    warn = warn or (lambda message: None)
    progress = progress or _no_progress
    splitter = splitter or train_splitter(files)
    builder = IndexBuilder(blob)
    if previous is not None:
        builder.add_kept(previous, keep, texts_in_blob=blob_has_previous)
    done_bytes = 0
    unread: list[str] = []
    for i, result in enumerate(process_files(files, splitter, workers, lang), start=1):
        for message in result.warnings:
            warn(message)
        if result.part is None:
            unread.append(str(result.file.path))
        else:
            builder.add_part(result.part)
        done_bytes += result.size
        progress(i, len(files), done_bytes)
    extra: dict[str, Any] = {"punkt": splitter.to_json(), "unread_paths": unread}
    return builder.finish(params or BM25Params(), extra, on_array)
