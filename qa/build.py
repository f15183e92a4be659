"""Read, split and encode files in a pool of worker processes; stream them into segments.

Documents are read, split into sentences and tokenised in a pool of worker
processes (one per core), and streamed into a
:class:`~qa.segment.SegmentBuilder` that is flushed as a segment whenever its
buffer is full, so building holds a bounded amount in memory whatever the
corpus size. Punkt is trained first on a sample of the corpus that the same
pool reads (in file order, so the training is deterministic).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from qa.chunking import TRAIN_CHARS, SentenceSplitter
from qa.corpus import SourceFile, Warn, read_document
from qa.encode import DocPart, encode_spans
from qa.lang import document_language
from qa.ranking import BM25Params
from qa.segment import SegmentBuilder, SegmentData

if TYPE_CHECKING:
    from qa.index import Index

T = TypeVar("T")

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


def _init_worker(params: dict[str, Any] | None, parent: int, lang: str | None = None) -> None:
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
    _SPLITTER = SentenceSplitter(params) if params is not None else None
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
    starts, ends, paras = splitter.sentence_spans(doc.text, doc.blocks)
    code = document_language(doc.text, doc.lang, lang)
    return FileResult(file, encode_spans(doc, starts, ends, paras, doc.digest, code), warnings, doc.size)


def _file_size(file: SourceFile) -> int:
    try:
        return os.stat(file.path).st_size
    except OSError:
        return 0


def _sample(file: SourceFile, share: int) -> tuple[str, int]:
    """The first ``share`` characters of a document's text (for training Punkt), and the file's size."""
    doc = read_document(file, lambda message: None)
    return ("", _file_size(file)) if doc is None else (doc.text[:share], doc.size)


def _pooled(
    work: Callable[..., T], files: Sequence[SourceFile], splitter: SentenceSplitter | None, workers: int | None,
    *args: Any, ordered: bool = False, lang: str | None = None,
) -> Iterator[T]:
    """``work(file, *args)`` for each file, in a process pool when it pays (else here, in order).

    In the pool the largest files go first unless ``ordered`` (ties in order),
    so the run does not end with one worker busy on a big file while the others
    idle; results come in that order.
    """
    workers = workers or os.cpu_count() or 1
    sizes = [_file_size(f) for f in files]
    if workers < 2 or len(files) < 2 or sum(sizes) < POOL_MIN_BYTES:
        for file in files:
            yield work(file, *args) if args else work(file, splitter, lang)
        return
    if not ordered:
        files = [files[i] for i in sorted(range(len(files)), key=lambda i: -sizes[i])]
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    params = splitter.to_json() if splitter is not None else None
    pool = ctx.Pool(min(workers, len(files)), initializer=_init_worker, initargs=(params, os.getpid(), lang))
    try:
        if args:
            yield from pool.imap(functools.partial(_call, work, args), files, chunksize=1)
        else:
            yield from pool.imap(work, files, chunksize=1)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _call(work: Callable[..., T], args: tuple[Any, ...], file: SourceFile) -> T:
    return work(file, *args)


def process_files(
    files: Sequence[SourceFile], splitter: SentenceSplitter, workers: int | None = None, lang: str | None = None
) -> Iterator[FileResult]:
    """Yield a :class:`FileResult` per file, using a process pool when it pays (largest files first);
    every document in ``lang`` when given, else in its own (:func:`qa.lang.document_language`)."""
    return _pooled(process_file, files, splitter, workers, lang=lang)


def train_splitter(files: Sequence[SourceFile], workers: int | None = None, progress: Progress | None = None
                   ) -> SentenceSplitter:
    """Train Punkt on the first documents, a bounded share of each, up to :data:`~qa.chunking.TRAIN_CHARS`.

    The pool reads the documents (the slow part: a PDF takes seconds); the
    samples are used in file order, so the result does not depend on which
    worker finishes first. ``progress`` hears of the bytes read (no file is
    done yet), so a slow start shows.
    """
    share = max(TRAIN_CHARS // max(len(files), 1), 20_000)
    report = progress or _no_progress
    read = 0

    def sample() -> Generator[str, None, None]:
        nonlocal read
        for text, size in _pooled(_sample, files, None, workers, share, ordered=True):
            read += size
            report(0, len(files), read)
            yield text

    samples = sample()
    try:
        return SentenceSplitter.train(samples, limit=TRAIN_CHARS)
    finally:
        samples.close()  # stops the pool: the rest of the files are not needed


def build_segments(
    files: Sequence[SourceFile],
    splitter: SentenceSplitter,
    sink: Callable[[SegmentData], None],
    warn: Warn | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    lang: str | None = None,
) -> list[str]:
    """Read, split and encode ``files`` into segments handed to ``sink`` as each buffer fills.

    Every document is read in ``lang`` when given (``--lang``), else in its
    own language (:func:`qa.lang.document_language`). Files that cannot be
    read are skipped with a warning; their paths are returned.
    """
    warn = warn or (lambda message: None)
    progress = progress or _no_progress
    builder = SegmentBuilder()
    done_bytes = 0
    unread: list[str] = []
    for i, result in enumerate(process_files(files, splitter, workers, lang), start=1):
        for message in result.warnings:
            warn(message)
        if result.part is None:
            unread.append(str(result.file.path))
        else:
            builder.add_part(result.part)
            if builder.full():
                sink(builder.finish())
        done_bytes += result.size
        progress(i, len(files), done_bytes)
    if builder.docs:
        sink(builder.finish())
    return unread


def build_index(
    files: Sequence[SourceFile],
    params: BM25Params | None = None,
    warn: Warn | None = None,
    progress: Progress | None = None,
    splitter: SentenceSplitter | None = None,
    workers: int | None = None,
    lang: str | None = None,
) -> Index:
    """An index over ``files`` in memory (no cache): what :func:`qa.refresh.open_index` builds and saves.

    Args:
        files: the files to read and index.
        params: the sentence BM25 questions use by default.
        warn: receives one line per file that was skipped or repaired.
        progress: called after each file.
        splitter: the sentence splitter; trained on ``files`` when omitted.
        workers: processes to use (default: one per core).
        lang: the language to read every document in (``--lang``); None:
            each document's own (:func:`qa.lang.document_language`).
    """
    from qa.index import Index
    from qa.segment import segment_of

    splitter = splitter or train_splitter(files, workers, progress)
    datas: list[SegmentData] = []
    unread = build_segments(files, splitter, datas.append, warn, progress, workers, lang)
    return Index([segment_of(d) for d in datas], {"punkt": splitter.to_json(), "unread_paths": unread}, params)
