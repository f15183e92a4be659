"""Read, split and index a corpus: files in, :class:`~qa.index.Index` out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from qa.chunking import TRAIN_CHARS, SentenceSplitter, chunk_text
from qa.corpus import Document, SourceFile, Warn, read_document
from qa.index import BM25Params, Index, IndexBuilder

#: Called after each file with (files done, files total, bytes done).
Progress = Callable[[int, int, int], None]


def _no_progress(done: int, total: int, nbytes: int) -> None:
    """Default progress sink."""


def fingerprint(doc: Document) -> str:
    """Content hash of a document's text (to notice edits that keep size and mtime)."""
    return hashlib.blake2b(doc.text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _read_all(files: Sequence[SourceFile], warn: Warn) -> Iterator[Document]:
    for file in files:
        doc = read_document(file, warn)
        if doc is not None:
            yield doc


def train_splitter(docs: Sequence[Document]) -> SentenceSplitter:
    """Train Punkt on an evenly spread sample of the documents."""
    share = max(TRAIN_CHARS // max(len(docs), 1), 20_000)
    return SentenceSplitter.train((d.text[:share] for d in docs), limit=TRAIN_CHARS)


def build_index(
    files: Sequence[SourceFile],
    params: BM25Params | None = None,
    warn: Warn | None = None,
    progress: Progress | None = None,
    splitter: SentenceSplitter | None = None,
) -> Index:
    """Build an index over ``files`` in memory.

    Files that cannot be read are skipped with a warning; an index with no
    documents is still returned (callers decide whether that is an error).
    """
    warn = warn or (lambda message: None)
    progress = progress or _no_progress
    docs = list(_read_all(files, warn))
    splitter = splitter or train_splitter(docs)
    builder = IndexBuilder()
    done_bytes = 0
    for i, doc in enumerate(docs, start=1):
        chunks = chunk_text(doc.text, doc.blocks, splitter)
        builder.add(doc, chunks, fingerprint(doc))
        done_bytes += doc.size
        progress(i, len(docs), done_bytes)
    extra: dict[str, Any] = {"punkt": splitter.to_json()}
    return builder.finish(params or BM25Params(), extra)
