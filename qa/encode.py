"""Worker-side encoding: one document's sentences -> a compact :class:`DocPart`.

This runs in the indexing pool's worker processes: the sentences' texts,
their positions and metadata, and their (sentence, term, frequency) triples
with the document's own term ids, as plain bytes that are cheap to send back
to the parent (:class:`qa.segment.SegmentBuilder` merges them into a segment).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.analyzers import LanguageAnalyzer, analyzer
from qa.tokens import CHUNK_SEP, acronyms

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.corpus import Document

#: Columns a document part carries itself (c_doc and the text offsets are set in the segment).
PART_INT32 = ("c_line", "c_col", "c_para", "c_section", "c_label", "c_part", "c_pdesc", "c_len")
PART_INT64 = ("c_start", "c_end", "c_blen")


@dataclass(slots=True)
class DocPart:
    """One document, chunked and tokenised, in compact arrays.

    This is what an indexing worker process sends back: plain bytes and
    strings, cheap to pass between processes, merged by :class:`qa.segment.SegmentBuilder`.
    Term ids in ``p_term`` index the part's own ``terms`` list: its first
    ``n_words`` are normalised, unstemmed words (the parent stems each distinct
    word once for all workers), the rest stopword terms, indexed as they are
    and not counted in ``c_len``. Section ids index its own ``sections`` list
    and label ids its ``labels``.
    """

    info: dict[str, Any]
    n_chunks: int
    cols: dict[str, bytes]
    blob: bytes
    sections: list[str]
    labels: list[str]
    terms: list[str]
    n_words: int
    p_term: bytes
    p_chunk: bytes
    p_tf: bytes
    parts: list[str] = field(default_factory=list)  # descriptors of the parts ids in c_pdesc refer to


Tokens = tuple[list[str], int, "NDArray[np.int32]", "NDArray[np.int64]"]


def _token_terms_slow(texts: Sequence[str], lang: LanguageAnalyzer | None = None) -> Tokens:
    """Chunk by chunk: what :func:`_token_terms` returns."""
    lang = lang or analyzer("en")
    raw_words, normal_word, stop_term = lang.raw_words, lang.normal_word, lang.stop_term
    terms: dict[str, int] = {}
    stops: dict[str, int] = {}
    token_ids = array("i")
    lengths = array("q")
    for text in texts:
        ids = []
        for word in raw_words(text):
            normal = normal_word(word)
            if normal:
                ids += [terms.setdefault(w, len(terms)) for w in normal.split(" ")]
            elif stop := stop_term(word):
                ids.append(-1 - stops.setdefault(stop, len(stops)))
        token_ids.extend(ids)
        lengths.append(len(ids))
    chunk_of = np.repeat(np.arange(len(texts), dtype=np.int64), np.frombuffer(lengths, dtype=np.int64))
    ids_array = np.frombuffer(token_ids, dtype=np.int32).copy()
    n = len(terms)
    ids_array[ids_array < 0] = n - 1 - ids_array[ids_array < 0]
    return [*terms, *stops], n, ids_array, chunk_of


def _token_terms(texts: Sequence[str], lang: LanguageAnalyzer | None = None) -> Tokens:
    """Tokenise all ``texts`` in one pass.

    Returns:
        The terms (normalised, unstemmed words, then stopword terms), how many of
        them are words (the rest are stopwords: :data:`~qa.tokens.STOP_MARK`), the
        term id of each token and the chunk of each token. Equal to analysing
        each text alone; distinct raw words are normalised once per document.
        ``lang``: the document's analyzer (default English).
    """
    lang = lang or analyzer("en")
    found = lang.joined_words(texts)
    if found is None:
        return _token_terms_slow(texts, lang)
    normal_word, stop_term = lang.normal_word, lang.stop_term
    raw, seq = found
    terms: dict[str, int] = {}
    stops: dict[str, int] = {}
    lut = np.empty(len(raw), dtype=np.int32)  # -1: not indexed, -2: chunk marker, <= -3: stopword
    several: dict[int, list[int]] = {}  # raw words that are several terms (camelCase): their term ids
    for i, word in enumerate(raw):
        if word == CHUNK_SEP:
            lut[i] = -2
            continue
        normal = normal_word(word)
        if normal:
            if " " in normal:
                several[i] = [terms.setdefault(w, len(terms)) for w in normal.split(" ")]
                lut[i] = several[i][0]
            else:
                lut[i] = terms.setdefault(normal, len(terms))
            continue
        stop = stop_term(word)
        lut[i] = -3 - stops.setdefault(stop, len(stops)) if stop else -1
    codes = np.frombuffer(seq, dtype=np.intc)
    ids = lut[codes] if not several else _expand(lut, several, codes)
    marks = ids == -2  # one after each text
    chunk_of = np.cumsum(marks) - marks
    keep = (ids >= 0) | (ids <= -3)
    ids, chunk_of = ids[keep], chunk_of[keep]
    n = len(terms)
    stop_ids = ids <= -3
    ids[stop_ids] = n - 3 - ids[stop_ids]
    return [*terms, *stops], n, ids, chunk_of


def _expand(lut: NDArray[np.int32], several: dict[int, list[int]], codes: NDArray[Any]) -> NDArray[np.int32]:
    """``lut[codes]``, where a raw word of ``several`` stands for all its term ids in a row."""
    counts = np.ones(len(lut), dtype=np.int64)
    for i, found in several.items():
        counts[i] = len(found)
    offsets = np.zeros(len(lut) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.repeat(lut, counts)
    for i, found in several.items():
        flat[offsets[i] : offsets[i + 1]] = found
    rep = counts[codes]
    total = int(rep.sum())
    first = np.repeat(offsets[codes], rep)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(rep) - rep, rep)
    out: NDArray[np.int32] = flat[first + within]
    return out


def _encode_texts(texts: Sequence[str], ascii_only: bool = False) -> tuple[bytes, NDArray[np.int64]]:
    """UTF-8 of the texts back to back, and each one's length in bytes."""
    if ascii_only:  # one byte per character
        return "".join(texts).encode("ascii"), np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    pieces = [t.encode("utf-8", errors="surrogatepass") for t in texts]
    return b"".join(pieces), np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))


def _line_starts(text: str) -> NDArray[np.int64]:
    """Offset of the first character of every line of ``text``."""
    if text.isascii():
        chars: NDArray[Any] = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        chars = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    line_starts = np.zeros(1, dtype=np.int64)
    return np.concatenate((line_starts, np.flatnonzero(chars == 10) + 1))


def _line_columns(text: str, starts: NDArray[np.int64], line_starts: NDArray[np.int64] | None = None
                  ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """1-based line and column (in characters) of each offset in ``starts``, vectorised."""
    if line_starts is None:
        line_starts = _line_starts(text)
    line = np.searchsorted(line_starts, starts, side="right")  # bisect_right: the 1-based line
    return line.astype(np.int32), (starts - line_starts[line - 1] + 1).astype(np.int32)


def _part_lines(text: str, starts: NDArray[np.int64], origins: NDArray[np.int64], first: NDArray[np.int32],
                ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Line and column of each offset in ``starts``, counted from its part's ``origins`` (line ``first`` there).

    As :func:`~qa.chunking.part_position` computes one at a time.
    """
    line_starts = _line_starts(text)
    line, column = _line_columns(text, starts, line_starts)
    if not len(starts) or (not origins.any() and (first == 1).all()):
        return line, column  # parts that count from the document's start (PDF pages)
    o_line, o_col = _line_columns(text, origins, line_starts)
    same = line == o_line
    return (line - o_line + first).astype(np.int32), np.where(same, column - o_col + 1, column).astype(np.int32)


def encode_spans(
    doc: Document, starts: Sequence[int], ends: Sequence[int], paras: Sequence[int], fingerprint: str = "",
    lang: str = "en",
) -> DocPart:
    """Tokenise the sentences ``text[starts[i]:ends[i]]`` of ``doc`` (in blocks ``paras``) in language
    ``lang`` and pack them with their metadata (:meth:`~qa.chunking.SentenceSplitter.sentence_spans`
    gives the spans)."""
    text = doc.text
    texts = shown_texts(text, doc.hidden, starts, ends)
    c_start = np.array(starts, dtype=np.int64)
    para = np.array(paras, dtype=np.int32)
    blocks = doc.blocks
    sections: dict[str, int] = {}
    labels: dict[str, int] = {}
    parts: dict[str, int] = {}
    n = len(blocks) + 1
    block_section = np.full(n, -1, dtype=np.int32)
    block_label = np.full(n, -1, dtype=np.int32)
    block_part = np.zeros(n, dtype=np.int32)
    block_desc = np.full(n, -1, dtype=np.int32)
    block_origin = np.zeros(n, dtype=np.int64)
    block_first = np.ones(n, dtype=np.int32)
    for b in dict.fromkeys(paras):  # in chunk order, so section, label and part ids follow first use
        block = blocks[b]
        if block.section is not None:
            block_section[b] = sections.setdefault(block.section, len(sections))
        if block.label is not None:
            block_label[b] = labels.setdefault(block.label, len(labels))
        located = block.located()
        if located is not None:
            block_desc[b] = parts.setdefault(located.descriptor(), len(parts))
            block_part[b], block_origin[b], block_first[b] = located.number, located.origin, located.line
    line, column = _part_lines(text, c_start, block_origin[para], block_first[para])
    cols: dict[str, Any] = {
        "c_line": line,
        "c_col": column,
        "c_para": para,
        "c_section": block_section[para],
        "c_label": block_label[para],
        "c_part": block_part[para],
        "c_pdesc": block_desc[para],
        "c_start": c_start,
        "c_end": np.array(ends, dtype=np.int64),
    }
    ascii_only = all(map(str.isascii, texts)) if doc.hidden is not None else text.isascii()
    return _pack_part(doc, texts, cols, list(sections), list(labels), fingerprint, ascii_only=ascii_only,
                      parts=list(parts), lang=lang)


_SPACES = re.compile(r"\s+")


def shown_texts(text: str, hidden: bytes | None, starts: Sequence[int], ends: Sequence[int]) -> list[str]:
    """The sentences ``text[start:end]`` as a reader sees them.

    Without ``hidden`` (plain text, PDF) that is the exact span. Otherwise the
    characters marked hidden (blanked markup) are dropped and runs of
    whitespace become one space, so "returns <code>0</code>." reads
    "returns 0." and a sentence wrapped over lines in the source is one line.
    """
    pairs = zip(starts, ends, strict=True)
    if hidden is None:
        return [text[s:e] for s, e in pairs]
    keep = np.frombuffer(hidden, dtype=np.uint8) == 0
    if text.isascii():
        kept = np.frombuffer(text.encode("ascii"), dtype=np.uint8)[keep].tobytes().decode("ascii")
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        kept = codes[keep].tobytes().decode("utf-32-le", "surrogatepass")
    at = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=at[1:])
    pos = at.tolist()
    sub = _SPACES.sub
    return [sub(" ", kept[pos[s] : pos[e]]).strip() for s, e in pairs]


def _pack_part(
    doc: Document,
    texts: Sequence[str],
    cols: dict[str, Any],
    sections: list[str],
    labels: list[str],
    fingerprint: str,
    *,
    ascii_only: bool = False,
    parts: list[str] | None = None,
    lang: str = "en",
) -> DocPart:
    """Tokenise ``texts`` in language ``lang`` and pack them with the chunk columns ``cols``."""
    terms, n_words, token_ids, chunk_of = _token_terms(texts, analyzer(lang))
    n = len(texts)
    cols["c_len"] = np.bincount(chunk_of[token_ids < n_words], minlength=n).astype(np.int32)
    blob, blens = _encode_texts(texts, ascii_only)
    cols["c_blen"] = blens
    # (chunk, term) pairs -> postings with term frequencies, in one vectorised pass.
    vocab = max(len(terms), 1)
    keys, tf = np.unique(chunk_of * vocab + token_ids, return_counts=True)
    info: dict[str, Any] = {
        "path": str(doc.path),
        "source": doc.source,
        "title": doc.title,
        "size": doc.size,
        "mtime_ns": doc.mtime_ns,
        "fingerprint": fingerprint,
        "lang": lang,
    }
    found = acronyms(" ".join(texts)) if any("(" in t for t in texts) else []
    if found:
        info["acronyms"] = [list(pair) for pair in found]
    return DocPart(
        info=info,
        n_chunks=n,
        cols={k: v.tobytes() for k, v in cols.items()},
        blob=blob,
        sections=sections,
        labels=labels,
        terms=terms,
        n_words=n_words,
        p_term=(keys % vocab).astype(np.int32).tobytes(),
        p_chunk=(keys // vocab).astype(np.int32).tobytes(),
        p_tf=tf.astype(np.int32).tobytes(),
        parts=parts or [],
    )

