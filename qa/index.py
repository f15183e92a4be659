"""The BM25 index: sentence metadata, their text, and weighted postings.

The index is a handful of flat numpy arrays plus JSON metadata, so it can be
saved as ``.npy`` files and memory-mapped back (never pickled). Each posting
carries a precomputed BM25 weight: a question only reads the postings of its
own terms and adds them up, and the sum equals what the matching rank-bm25
class computes for the same tokens (``tests/test_index.py`` checks this).
"""

from __future__ import annotations

import io
import itertools
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO, overload

import numpy as np

from qa.analyzers import LanguageAnalyzer, analyzer
from qa.ranking import VARIANTS as VARIANTS
from qa.ranking import BM25Params
from qa.tokens import CHUNK_SEP, acronyms

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.chunking import Chunk
    from qa.corpus import Document

#: Bumped whenever the on-disk layout, the analyzer or what a reader makes of a file changes.
FORMAT_VERSION = 14


@dataclass(frozen=True, slots=True)
class DocInfo:
    """One indexed document, as stored in the index metadata."""

    path: str
    source: str
    title: str | None
    size: int
    mtime_ns: int
    first: int
    count: int
    fingerprint: str = ""
    acronyms: list[list[str]] = field(default_factory=list)  # [[acronym, long form], ...] the document defines
    lang: str = "en"  # ISO 639-1 code of the analyzer its text was indexed with (qa.lang)


class DocList(Sequence[DocInfo]):
    """An index's documents, each made into a :class:`DocInfo` when first read.

    A cached folder of 50,000 notes would otherwise build 50,000 objects
    before answering a question that cites three of them.
    """

    __slots__ = ("_made", "_rows")

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self._rows = rows
        self._made: dict[int, DocInfo] = {}

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> DocInfo: ...

    @overload
    def __getitem__(self, i: slice) -> list[DocInfo]: ...

    def __getitem__(self, i: int | slice) -> DocInfo | list[DocInfo]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._rows)))]
        if i < 0:
            i += len(self._rows)
        doc = self._made.get(i)
        if doc is None:
            doc = self._made[i] = DocInfo(**self._rows[i])
        return doc

    def __iter__(self) -> Iterator[DocInfo]:
        return (self[i] for i in range(len(self._rows)))


@dataclass(frozen=True, slots=True)
class Location:
    """The part of its document a sentence is in, beyond line and column (:class:`qa.formats.Part`).

    A PDF page, a Word or OpenDocument paragraph, a notebook cell, an EPUB
    item or a mail message. The index keeps each chunk's part number
    (``c_part``) and the id (``c_pdesc``) of a descriptor (JSON: kind, EPUB
    item name, mail headers) shared by the chunks of the part.
    """

    kind: str
    number: int | None = None
    name: str | None = None
    raw: bool = False
    at: int | None = None
    sender: str | None = None
    date: str | None = None

    @classmethod
    def of(cls, descriptor: dict[str, Any], number: int) -> Location:
        """From a stored descriptor and a chunk's part number (0: none)."""

        def text(key: str) -> str | None:
            value = descriptor.get(key)
            return value if isinstance(value, str) else None

        at = descriptor.get("at")
        return cls(kind=text("kind") or "", number=number or None, name=text("name"), raw=descriptor.get("raw") is True,
                   at=at if isinstance(at, int) and at > 0 else None, sender=text("from"), date=text("date"))

    def anchor(self) -> str:
        """The citation fragment naming the part: ``#page=2``, ``#p=7``, ``#cell=3``, ``#OEBPS/ch2.xhtml``,
        ``#msg=4``; ``""`` for a lone message (a ``.eml``)."""
        if self.kind == "item":
            return f"#{self.name or ''}"
        short = {"page": "page", "paragraph": "p", "cell": "cell", "message": "msg"}.get(self.kind, self.kind)
        return f"#{short}={self.number}" if self.number is not None else ""

    def has_lines(self) -> bool:
        """Whether a citation adds ``:line:col``: in a cell, an EPUB item, or a mail body stored as it is."""
        if self.kind in ("cell", "item"):
            return True
        return self.kind == "message" and self.number is None and self.raw

    def fields(self) -> dict[str, Any]:
        """The JSON result's location keys (``null`` where they do not apply)."""
        number = self.number
        return {
            "paragraph": number if self.kind == "paragraph" else None,
            "cell": number if self.kind == "cell" else None,
            "message": number if self.kind == "message" else None,
            "item": self.name if self.kind == "item" else None,
            "from": self.sender,
            "date": self.date,
        }


#: The location keys of every JSON result (see :meth:`Location.fields`).
LOCATION_KEYS = ("paragraph", "cell", "message", "item", "from", "date")


_CHUNK_INT32 = ("c_doc", "c_line", "c_col", "c_para", "c_section", "c_label", "c_part", "c_pdesc", "c_len")
_CHUNK_INT64 = ("c_start", "c_end", "c_bstart", "c_bend")
#: Columns a document part carries itself (c_doc and byte offsets are set on merge).
_PART_INT32 = ("c_line", "c_col", "c_para", "c_section", "c_label", "c_part", "c_pdesc", "c_len")
_PART_INT64 = ("c_start", "c_end", "c_blen")


@dataclass(slots=True)
class DocPart:
    """One document, chunked and tokenised, in compact arrays.

    This is what an indexing worker process sends back: plain bytes and
    strings, cheap to pass between processes, merged by :class:`IndexBuilder`.
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
    """Like :func:`encode_document`, from the chunks' offsets and block indexes
    (:meth:`~qa.chunking.SentenceSplitter.sentence_spans`): no Chunk objects."""
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


def encode_document(doc: Document, chunks: Sequence[Chunk], fingerprint: str = "", lang: str = "en") -> DocPart:
    """Tokenise ``chunks`` and pack them with their metadata into a :class:`DocPart`."""
    from qa.formats import Block

    sections: dict[str, int] = {}
    parts: dict[str, int] = {}
    located = [c.part or (Block(0, 0, page=c.page).located()) for c in chunks]
    cols: dict[str, Any] = {
        "c_line": array("i", [c.line for c in chunks]),
        "c_col": array("i", [c.column for c in chunks]),
        "c_para": array("i", [c.paragraph for c in chunks]),
        "c_section": array(
            "i", [-1 if c.section is None else sections.setdefault(c.section, len(sections)) for c in chunks]
        ),
        "c_label": array("i", [-1] * len(chunks)),
        "c_part": array("i", [p.number if p is not None else 0 for p in located]),
        "c_pdesc": array("i", [-1 if p is None else parts.setdefault(p.descriptor(), len(parts)) for p in located]),
        "c_start": array("q", [c.start for c in chunks]),
        "c_end": array("q", [c.end for c in chunks]),
    }
    return _pack_part(doc, [c.text for c in chunks], cols, list(sections), [], fingerprint, parts=list(parts),
                      lang=lang)


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


@dataclass(slots=True)
class _KeptPostings:
    """Postings carried over from an older index, still sorted by (old term, chunk).

    ``terms`` are builder term ids of the old index's terms (in its sorted
    order) and ``counts`` how many kept postings each has; ``q_*`` are the
    kept paragraph postings (same terms, paragraph ids already renumbered).
    """

    terms: NDArray[np.int32]
    counts: NDArray[np.int64]
    chunk: NDArray[np.int32]
    tf: NDArray[Any]  # as stored: the smallest type that holds them
    q_counts: NDArray[np.int64]
    q_par: NDArray[np.int32]
    q_tf: NDArray[Any]


#: Up to this many removed id ranges, ids are shifted by comparisons instead of a table lookup.
_MAX_SHIFT_RANGES = 8


def _kept_ranges(starts: Sequence[int], ends: Sequence[int], total: int) -> list[tuple[int, int]]:
    """The id ranges ``[lo, hi)`` of ``0..total`` not covered by the sorted kept ranges (starts, ends)."""
    gaps: list[tuple[int, int]] = []
    pos = 0
    for lo, hi in zip(starts, ends, strict=True):
        if lo > pos:
            gaps.append((pos, lo))
        pos = max(pos, hi)
    if pos < total:
        gaps.append((pos, total))
    return gaps


def _drop_and_shift(
    ids: NDArray[Any], gaps: list[tuple[int, int]], table: NDArray[np.int32] | None, base: int
) -> tuple[NDArray[np.bool_] | None, NDArray[np.int32]]:
    """Which ``ids`` survive (None: all) and their new values once ids in ``gaps`` are removed
    and the rest renumbered from ``base``; ``table`` maps every old id to its new one (-1: removed)."""
    ids = np.asarray(ids)
    if not gaps:
        return None, (ids.astype(np.int32) + np.int32(base)) if base else ids.astype(np.int32, copy=False)
    if len(gaps) > _MAX_SHIFT_RANGES and table is not None:
        mapped = table[ids]
        mask = mapped >= 0
        return mask, mapped[mask]
    mask = ids < gaps[0][0]
    for (_, lo), (hi, _) in itertools.pairwise(gaps):  # the kept run [lo, hi) between two gaps
        mask |= (ids >= lo) & (ids < hi)
    mask |= ids >= gaps[-1][1]
    new = ids[mask].astype(np.int32, copy=False)
    if base:
        new = new + np.int32(base)
    for lo, hi in reversed(gaps):  # ids above a gap move down by its width
        np.subtract(new, np.int32(hi - lo), out=new, where=new >= hi + base)
    return mask, new


def _kept_counts(ptr: NDArray[np.int64], mask: NDArray[np.bool_] | None) -> NDArray[np.int64]:
    """Per term (posting lists delimited by ``ptr``), how many postings ``mask`` keeps."""
    counts = np.diff(np.asarray(ptr)).astype(np.int64)
    if mask is None:
        return counts
    dropped = np.searchsorted(ptr, np.flatnonzero(~mask), side="right") - 1
    return counts - np.bincount(dropped, minlength=len(counts))


class IndexBuilder:
    """Merges document parts (new or kept from an older index), then weights postings.

    The chunk texts stream to ``blob`` (a file in the generation being written,
    or memory), so the builder never holds the corpus text twice. A file
    ``blob`` may already hold text (the previous generation's, see
    :meth:`add_kept`): new texts go after it.
    """

    def __init__(self, blob: BinaryIO | None = None) -> None:
        self.docs: list[DocInfo] = []
        self.sections: dict[str, int] = {}
        self.labels: dict[str, int] = {}
        self.parts: dict[str, int] = {}  # part descriptors (JSON) -> id
        self._blob: BinaryIO = blob if blob is not None else io.BytesIO()
        self._blob_size = self._blob.seek(0, io.SEEK_END)
        self._cols: dict[str, list[NDArray[Any]]] = {k: [] for k in (*_CHUNK_INT32, *_CHUNK_INT64)}
        self._terms: dict[str, int] = {}
        self._kept: _KeptPostings | None = None
        self._p_term: list[NDArray[np.int32]] = []
        self._p_chunk: list[NDArray[np.int32]] = []
        self._p_tf: list[NDArray[np.int32]] = []
        self.n_chunks = 0

    def _term_ids(self, terms: Sequence[str]) -> NDArray[np.int32]:
        ids = self._terms
        if not ids and len(set(terms)) == len(terms):
            ids.update(zip(terms, range(len(terms)), strict=True))
            return np.arange(len(terms), dtype=np.int32)
        new = [t for t in dict.fromkeys(terms) if t not in ids]
        ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
        return np.fromiter(map(ids.__getitem__, terms), dtype=np.int32, count=len(terms))

    def _section_ids(self, sections: Sequence[str]) -> NDArray[np.int32]:
        return _table_ids(self.sections, sections)

    def _label_ids(self, labels: Sequence[str]) -> NDArray[np.int32]:
        return _table_ids(self.labels, labels)

    def _part_ids(self, parts: Sequence[str]) -> NDArray[np.int32]:
        return _table_ids(self.parts, parts)

    def add(self, doc: Document, chunks: Sequence[Chunk], fingerprint: str = "", lang: str = "en") -> None:
        """Add one document and its chunks (in document order)."""
        self.add_part(encode_document(doc, chunks, fingerprint, lang))

    def add_part(self, part: DocPart) -> None:
        """Append one encoded document."""
        doc_id, first = len(self.docs), self.n_chunks
        self.docs.append(DocInfo(first=first, count=part.n_chunks, **part.info))
        cols = {k: np.frombuffer(part.cols[k], dtype=np.int32) for k in _PART_INT32}
        cols.update({k: np.frombuffer(part.cols[k], dtype=np.int64) for k in _PART_INT64})
        section_map = self._section_ids(part.sections)
        blen = cols.pop("c_blen")
        ends = np.cumsum(blen) + self._blob_size
        cols["c_bstart"] = ends - blen
        cols["c_bend"] = ends
        cols["c_section"] = section_map[cols["c_section"]]  # -1 maps to the trailing -1
        cols["c_label"] = self._label_ids(part.labels)[cols["c_label"]]
        cols["c_pdesc"] = self._part_ids(part.parts)[cols["c_pdesc"]]
        cols["c_doc"] = np.full(part.n_chunks, doc_id, dtype=np.int32)
        for key, values in cols.items():
            self._cols[key].append(values)
        self._blob.write(part.blob)
        self._blob_size += len(part.blob)
        stem_all = analyzer(part.info.get("lang") or "en").stem_all
        stems = stem_all(part.terms[: part.n_words]) + part.terms[part.n_words :]  # stopword terms as they are
        lut = self._term_ids(stems)
        p_term = lut[np.frombuffer(part.p_term, dtype=np.int32)]
        p_chunk = np.frombuffer(part.p_chunk, dtype=np.int32)
        p_tf = np.frombuffer(part.p_tf, dtype=np.int32)
        if len(set(stems)) < len(stems):
            # Two words of one chunk share a stem (run, running): merge their postings.
            keys = p_chunk.astype(np.int64) * (len(self._terms) + 1) + p_term
            keys, inverse = np.unique(keys, return_inverse=True)
            p_tf = np.bincount(inverse, weights=p_tf).astype(np.int32)
            p_chunk = (keys // (len(self._terms) + 1)).astype(np.int32)
            p_term = (keys % (len(self._terms) + 1)).astype(np.int32)
        self._p_term.append(p_term)
        self._p_chunk.append(p_chunk + np.int32(first))
        self._p_tf.append(p_tf)
        self.n_chunks += part.n_chunks

    def add_kept(self, old: Index, keep: Sequence[int], *, texts_in_blob: bool = False) -> None:
        """Copy the documents ``keep`` (ids in ``old``) unchanged, postings included.

        Vectorised over the whole old index: one pass over its postings (and
        paragraph postings), so refreshing a large index after one file
        changed stays fast. Removed documents leave a few gaps in the chunk
        and paragraph ids; the ids after a gap just move down. With
        ``texts_in_blob`` the builder's blob file already holds ``old``'s
        chunk texts at their old offsets (a link to its file), so none is copied.
        """
        if not keep:
            return
        a = old.arrays
        keep = sorted(set(keep))
        docs = old.docs
        base = self.n_chunks
        doc_map = np.full(len(docs), -1, dtype=np.int32)
        doc_map[keep] = np.arange(len(self.docs), len(self.docs) + len(keep), dtype=np.int32)
        infos = [docs[i] for i in keep]
        starts = [d.first for d in infos]
        ends = [d.first + d.count for d in infos]
        n_old = old.n_chunks
        gaps = _kept_ranges(starts, ends, n_old)
        pos = base
        for d in infos:
            self.docs.append(replace(d, first=pos))
            pos += d.count
        keep_chunk = None if not gaps else doc_map[a["c_doc"]] >= 0
        chunk_table = None
        if keep_chunk is not None and len(gaps) > _MAX_SHIFT_RANGES:
            chunk_table = np.where(keep_chunk, np.cumsum(keep_chunk, dtype=np.int64) - 1 + base, -1).astype(np.int32)
        self._copy_chunks(old, keep_chunk, doc_map, texts_in_blob)
        mask, chunk = _drop_and_shift(a["p_chunk"], gaps, chunk_table, base)
        tf = np.asarray(a["p_tf"])
        tf = tf[mask] if mask is not None else tf
        lut = self._term_ids(old.terms())
        if self.n_chunks == 0 and self._kept is None:
            # Kept postings stay sorted by term: keep them as one block, no per-posting term ids.
            counts = _kept_counts(a["p_ptr"], mask)
            q_counts, q_par, q_tf = self._kept_paragraphs(old, keep_chunk, gaps)
            self._kept = _KeptPostings(lut, counts, chunk, tf, q_counts, q_par, q_tf)
        else:
            p_term = np.repeat(lut, np.diff(a["p_ptr"]))
            self._p_term.append(p_term[mask] if mask is not None else p_term)
            self._p_chunk.append(chunk)
            self._p_tf.append(tf.astype(np.int32, copy=False))
        self.n_chunks = pos

    @staticmethod
    def _kept_paragraphs(
        old: Index, keep_chunk: NDArray[np.bool_] | None, gaps: list[tuple[int, int]]
    ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[Any]]:
        """The kept paragraph postings of ``old``: per-term counts, renumbered paragraph ids, frequencies.

        Paragraphs never span documents, so the removed paragraphs are those of
        the removed chunks and the kept ones keep their order.
        """
        a = old.arrays
        g_start = np.asarray(a["g_start"])
        n_par = len(g_start) - 1
        if not gaps:
            par_gaps: list[tuple[int, int]] = []
            table = None
        else:
            pid = np.asarray(a["g_pid"])
            par_gaps = [(int(pid[lo]), n_par if hi >= len(pid) else int(pid[hi])) for lo, hi in gaps]
            table = None
            if len(par_gaps) > _MAX_SHIFT_RANGES and keep_chunk is not None:
                keep_par = keep_chunk[g_start[:-1]]
                table = np.where(keep_par, np.cumsum(keep_par, dtype=np.int64) - 1, -1).astype(np.int32)
        mask, q_par = _drop_and_shift(a["q_par"], par_gaps, table, 0)
        q_tf = np.asarray(a["q_tf"])
        q_tf = q_tf[mask] if mask is not None else q_tf
        return _kept_counts(a["q_ptr"], mask), q_par, q_tf

    def _copy_chunks(
        self, old: Index, keep_chunk: NDArray[np.bool_] | None, doc_map: NDArray[np.int32], texts_in_blob: bool
    ) -> None:
        a = old.arrays

        def kept(values: Any) -> NDArray[Any]:
            array: NDArray[Any] = np.asarray(values)
            return array[keep_chunk] if keep_chunk is not None else array

        for key in (*_CHUNK_INT32, *_CHUNK_INT64):
            if key not in ("c_doc", "c_section", "c_label", "c_pdesc", "c_bstart", "c_bend"):
                self._cols[key].append(kept(a[key]))
        self._cols["c_doc"].append(doc_map[kept(a["c_doc"])])
        section_map = self._section_ids(old.sections)
        self._cols["c_section"].append(section_map[kept(a["c_section"])])
        self._cols["c_label"].append(self._label_ids(old.labels)[kept(a["c_label"])])
        self._cols["c_pdesc"].append(self._part_ids(old.part_descriptors())[kept(a["c_pdesc"])])
        bstart = kept(a["c_bstart"])
        bend = kept(a["c_bend"])
        if texts_in_blob:
            self._cols["c_bstart"].append(bstart)
            self._cols["c_bend"].append(bend)
            return
        # Kept chunks' texts are copied run by run (each kept document is one run).
        new_start = np.empty_like(bstart)
        pos = self._blob_size
        blob = a["blob"]
        cuts = [0, *(np.flatnonzero(bstart[1:] != bend[:-1]) + 1).tolist(), len(bstart)]
        for lo_i, hi_i in itertools.pairwise(cuts):
            if lo_i == hi_i:
                continue
            lo, hi = int(bstart[lo_i]), int(bend[hi_i - 1])
            self._blob.write(np.ascontiguousarray(blob[lo:hi]).data)
            new_start[lo_i:hi_i] = bstart[lo_i:hi_i] - lo + pos
            pos += hi - lo
        self._cols["c_bstart"].append(new_start)
        self._cols["c_bend"].append(new_start + (bend - bstart))
        self._blob_size = pos

    def _vocabulary(self, raw_terms: NDArray[np.int32]) -> tuple[list[str], NDArray[np.int32]]:
        """The sorted vocabulary of used terms, and builder term id -> its position (-1: unused)."""
        used = np.bincount(raw_terms, minlength=len(self._terms)) > 0
        if self._kept is not None:
            used[self._kept.terms[self._kept.counts > 0]] = True
        # Terms whose every posting was dropped (deleted files) leave the vocabulary.
        vocab = sorted(t for t, i in self._terms.items() if used[i])
        remap = np.full(len(self._terms), -1, dtype=np.int32)
        remap[np.array([self._terms[t] for t in vocab], dtype=np.int64)] = np.arange(len(vocab), dtype=np.int32)
        return vocab, remap

    def _postings(
        self, n_terms: int, remap: NDArray[np.int32], raw_terms: NDArray[np.int32], g_pid: NDArray[np.int32]
    ) -> dict[str, NDArray[Any]]:
        """Postings sorted by term, then chunk (kept ones first within each term), and paragraph postings."""
        p_term = remap[raw_terms] if n_terms else np.empty(0, np.int32)
        p_term, p_chunk, p_tf = _sort_by_term(p_term, _cat(self._p_chunk, np.int32), _cat(self._p_tf, np.int32))
        counts = np.bincount(p_term, minlength=n_terms).astype(np.int64)
        ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        q_ptr, q_par, q_tf = _paragraph_postings(ptr, g_pid, p_chunk, p_tf)
        kept = self._kept
        if kept is not None:
            # Remapping is monotone (both vocabularies are sorted), so kept postings stay
            # in order; new ones go after the kept ones of the same term (new chunks and
            # paragraphs come after the kept ones).
            live = remap[kept.terms]
            used = live >= 0
            kept_counts = np.zeros(n_terms, dtype=np.int64)
            kept_counts[live[used]] = kept.counts[used]
            at = np.cumsum(kept_counts)[p_term]
            p_chunk, p_tf = _insert_sorted(at, (kept.chunk, p_chunk), (kept.tf, _narrow_counts(p_tf)))
            np.cumsum(counts + kept_counts, out=ptr[1:])
            q_counts = np.diff(q_ptr)
            kept_q = np.zeros(n_terms, dtype=np.int64)
            kept_q[live[used]] = kept.q_counts[used]
            at = np.repeat(np.cumsum(kept_q), q_counts)
            q_par, q_tf = _insert_sorted(at, (kept.q_par, q_par), (kept.q_tf, _narrow_counts(q_tf)))
            q_ptr = np.zeros(n_terms + 1, dtype=np.int64)
            np.cumsum(q_counts + kept_q, out=q_ptr[1:])
        return {"p_chunk": p_chunk, "p_tf": p_tf, "p_ptr": ptr, "q_ptr": q_ptr, "q_par": q_par, "q_tf": q_tf}

    def finish(
        self,
        params: BM25Params,
        extra_meta: dict[str, Any] | None = None,
        on_array: Callable[[str, NDArray[Any]], None] | None = None,
    ) -> Index:
        """Sort the vocabulary and postings and compute every posting's weight.

        ``on_array(name, array)`` receives each array as soon as it is final
        (to start writing it while the rest is computed).
        """
        done = on_array or (lambda name, array: None)
        raw_terms = _cat(self._p_term, np.int32)
        vocab, remap = self._vocabulary(raw_terms)
        arrays: dict[str, NDArray[Any]] = {}
        for key, parts in self._cols.items():
            arrays[key] = _cat(parts, np.int32 if key in _CHUNK_INT32 else np.int64)
            done(key, arrays[key])
        arrays["blob"] = self._blob_array()
        done("blob", arrays["blob"])
        arrays["g_pid"], arrays["g_start"], arrays["g_len"] = _paragraph_arrays(arrays)
        for key in ("g_pid", "g_start", "g_len"):
            done(key, arrays[key])
        arrays.update(self._postings(len(vocab), remap, raw_terms, arrays["g_pid"]))
        arrays["p_tf"], arrays["q_tf"] = _narrow_counts(arrays["p_tf"]), _narrow_counts(arrays["q_tf"])
        for key in ("p_chunk", "p_tf", "p_ptr", "q_ptr", "q_par", "q_tf"):
            done(key, arrays[key])
        arrays["t_blob"], arrays["t_off"] = _pack_terms(vocab)
        arrays["part_blob"], arrays["part_off"] = _pack_terms(list(self.parts))
        langs = sorted({d.lang for d in self.docs}) or ["en"]
        meta = {
            "version": FORMAT_VERSION,
            "docs": [asdict(d) for d in self.docs],
            "langs": langs,
            "sections": list(self.sections),
            "title_terms": [analyzer(d.lang).tokenize(d.title or "") for d in self.docs],
            "section_terms": [_terms_in(langs, x) for x in self.sections],
            "labels": list(self.labels),
            "label_terms": [_terms_in(langs, x) for x in self.labels],
            **(extra_meta or {}),
        }
        index = Index(arrays, meta)
        index.reweight(params)
        return index

    def _blob_array(self) -> NDArray[np.uint8]:
        if isinstance(self._blob, io.BytesIO):
            return np.frombuffer(self._blob.getbuffer().tobytes(), dtype=np.uint8)
        self._blob.flush()
        name = getattr(self._blob, "name", None)
        if self._blob_size == 0 or not isinstance(name, str):
            return np.zeros(0, dtype=np.uint8)
        return np.memmap(name, dtype=np.uint8, mode="r", shape=(self._blob_size,))


def _terms_in(langs: Sequence[str], text: str) -> list[str]:
    """The terms of ``text`` in each of ``langs``, once each (a heading shared by documents of several languages)."""
    if len(langs) == 1:
        return analyzer(langs[0]).tokenize(text)
    return list(dict.fromkeys(t for lang in langs for t in analyzer(lang).tokenize(text)))


def _paragraph_arrays(a: dict[str, NDArray[Any]]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Global paragraph id of each chunk; first chunk (plus an end sentinel) and token length per paragraph."""
    doc, para = a["c_doc"], a["c_para"]
    change = np.ones(len(doc), dtype=bool)
    change[1:] = (doc[1:] != doc[:-1]) | (para[1:] != para[:-1])
    pid = (np.cumsum(change) - 1).astype(np.int32)
    starts = np.flatnonzero(change)
    lengths = np.add.reduceat(a["c_len"].astype(np.int64), starts) if len(starts) else np.zeros(0, np.int64)
    return pid, np.append(starts, len(doc)).astype(np.int64), lengths.astype(np.int64)


def _paragraph_postings(
    ptr: NDArray[np.int64], g_pid: NDArray[np.int32], p_chunk: NDArray[np.int32], p_tf: NDArray[np.int32]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]]:
    """Postings of paragraphs: per term, the paragraphs holding it (ascending) and its frequency in each.

    A question's paragraph BM25 then reads these short lists instead of
    folding its terms' sentence postings into paragraphs every time. A term's
    sentence postings are in chunk order and paragraphs are runs of chunks,
    so each (term, paragraph) pair is a run of postings.
    """
    ptr = np.asarray(ptr, dtype=np.int64)
    pids = np.asarray(g_pid)[p_chunk]
    first = np.ones(len(pids), dtype=bool)
    first[1:] = pids[1:] != pids[:-1]
    first[ptr[:-1][ptr[:-1] < len(pids)]] = True  # a term's first posting starts a run
    starts = np.flatnonzero(first)
    tf = np.add.reduceat(p_tf, starts, dtype=np.int64) if len(starts) else np.zeros(0, np.int64)
    q_ptr = np.searchsorted(starts, ptr).astype(np.int64)
    return q_ptr, pids[starts].astype(np.int32), tf.astype(np.int32)


def _sort_by_term(
    term: NDArray[np.int32], chunk: NDArray[np.int32], tf: NDArray[np.int32]
) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Postings in chunk order -> sorted by (term, chunk).

    One sort of 64-bit keys holding term, chunk and frequency (no argsort,
    no gathers) when they fit: 3-4x faster than a stable argsort of the terms.
    """
    n = len(term)
    if n == 0:
        return term, chunk, tf
    if int(term.max()) < 1 << 23 and int(chunk.max()) < 1 << 28 and int(tf.max()) < 1 << 12 and int(tf.min()) >= 0:
        key = term.astype(np.int64) << 40
        key |= chunk.astype(np.int64) << 12
        key |= tf
        key.sort()
        return (
            (key >> 40).astype(np.int32),
            ((key >> 12) & ((1 << 28) - 1)).astype(np.int32),
            (key & ((1 << 12) - 1)).astype(np.int32),
        )
    order = np.argsort(term, kind="stable")
    return term[order], chunk[order], tf[order]


def _insert_sorted(at: NDArray[np.int64], *pairs: tuple[NDArray[Any], NDArray[Any]]) -> list[NDArray[Any]]:
    """For each (base, values): ``np.insert(base, at, values)``, with ``at`` nondecreasing.

    The positions are worked out once for all pairs (np.insert redoes them,
    with a sort, for every array): a refresh merges a few new postings into
    millions of kept ones this way.
    """
    pos = np.asarray(at, dtype=np.int64) + np.arange(len(at), dtype=np.int64)
    out: list[NDArray[Any]] = []
    keep: NDArray[np.bool_] | None = None
    for base, values in pairs:
        merged = np.empty(len(base) + len(values), dtype=np.result_type(base.dtype, values.dtype))
        if keep is None:
            keep = np.ones(len(merged), dtype=bool)
            keep[pos] = False
        merged[pos] = values
        merged[keep] = base
        out.append(merged)
    return out


def _narrow_counts(values: NDArray[Any]) -> NDArray[Any]:
    """Non-negative counts in the smallest unsigned type that holds them (uint8 or uint16), else int32.

    Term frequencies are almost all small: a byte each instead of four means
    fewer bytes written, fsynced and later freed on every refresh.
    """
    values = np.asarray(values)
    if not len(values):
        return values.astype(np.uint8)
    top, low = int(values.max()), int(values.min())
    if low < 0:
        return values.astype(np.int32, copy=False)
    for dtype in (np.uint8, np.uint16):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype, copy=False)
    return values.astype(np.int32, copy=False)


def _cat(parts: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
    if not parts:
        return np.empty(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


def _table_ids(table: dict[str, int], values: Sequence[str]) -> NDArray[np.int32]:
    """Ids of ``values`` in ``table`` (new ones added), and a trailing -1 so that -1 maps to -1."""
    return np.array([table.setdefault(s, len(table)) for s in values] + [-1], dtype=np.int32)


def _pack_terms(vocab: list[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    encoded = [t.encode("utf-8", errors="surrogatepass") for t in vocab]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        offsets[1:] = np.cumsum([len(e) for e in encoded])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def idf_table(params: BM25Params, df: NDArray[np.int64], n_chunks: int) -> NDArray[np.float64]:
    """Per-term idf exactly as the rank-bm25 class of ``params.variant`` sets it.

    rank-bm25's own ``_calc_idf`` runs on the document frequencies, so the
    floors and quirks (BM25Okapi's epsilon rule) are the library's.
    """
    import rank_bm25

    classes = {"okapi": rank_bm25.BM25Okapi, "plus": rank_bm25.BM25Plus, "l": rank_bm25.BM25L}
    model = classes[params.variant].__new__(classes[params.variant])
    model.corpus_size = n_chunks
    model.idf = {}
    model.epsilon = params.epsilon
    model._calc_idf(dict(enumerate(df.tolist())))
    idf = model.idf
    return np.array([idf[i] for i in range(len(df))], dtype=np.float64)


#: Postings lists at least this long have their per-question weights kept (:meth:`Index.term_array`).
TERM_ARRAY_MIN = 2048
#: At most this many such weights are kept in all (8 bytes each).
TERM_ARRAYS_LIMIT = 4_000_000


class Index:
    """A loaded index: arrays (in memory or memory-mapped) and metadata."""

    def __init__(self, arrays: dict[str, NDArray[Any]], meta: dict[str, Any]) -> None:
        self.arrays = arrays
        self.meta = meta
        self.docs: Sequence[DocInfo] = DocList(meta["docs"])
        self.sections: list[str] = list(meta.get("sections", []))
        self.labels: list[str] = list(meta.get("labels", []))
        self.params = BM25Params(**meta["params"]) if "params" in meta else BM25Params()
        #: The languages of its documents (their analyzers: a question is analysed in each).
        self.langs: tuple[str, ...] = tuple(meta.get("langs") or ("en",))
        self._term_cache: dict[str, int] = {}
        self._paragraphs: tuple[NDArray[Any], NDArray[np.float64]] | None = None
        self._paragraph_mean: float | None = None
        self._titles: dict[int, frozenset[str]] = {}
        self._sections: dict[int, frozenset[str]] = {}
        self._labels: dict[int, frozenset[str]] = {}
        self._acronyms: dict[str, str] | None = None
        self._term_arrays: dict[tuple[Any, ...], NDArray[np.float64]] = {}
        self._term_arrays_size = 0
        self._descriptors: dict[int, dict[str, Any]] = {}

    # -- statistics -----------------------------------------------------
    @property
    def n_chunks(self) -> int:
        """Number of sentence chunks."""
        return int(self.arrays["c_doc"].shape[0])

    @property
    def n_terms(self) -> int:
        """Vocabulary size."""
        return int(self.arrays["t_off"].shape[0]) - 1

    @property
    def avgdl(self) -> float:
        """Mean chunk length in tokens (rank-bm25's ``avgdl``)."""
        return float(self.meta.get("avgdl", 0.0))

    def reweight(self, params: BM25Params) -> None:
        """(Re)compute every posting weight for ``params`` from tf and lengths.

        Vectorised in float32 over all postings (the stored weights are
        float32 anyway): about a second for 13 million postings.
        """
        a = self.arrays
        n = self.n_chunks
        df = np.diff(a["p_ptr"]).astype(np.int64)
        dl = np.asarray(a["c_len"], dtype=np.float64)
        avgdl = float(dl.mean()) if n else 0.0
        idf = idf_table(params, df, n) if len(df) else np.zeros(0)
        k1 = np.float32(params.k1)
        norm = (1 - params.b + params.b * dl / (avgdl or 1.0)).astype(np.float32)
        tf = np.array(a["p_tf"], dtype=np.float32)  # a copy: computed on in place
        if params.variant == "l":
            per_posting_norm = norm[np.asarray(a["p_chunk"])]
            d = np.float32(params.delta)
            ctd = tf / per_posting_norm
            w = tf * (k1 + 1) * (ctd + d) / (k1 + ctd + d)
        else:  # plus and okapi share the saturation term (plus adds its delta per query)
            # tf * (k1 + 1) / (k1 * norm + tf): k1 * norm per chunk, then in place over the
            # postings (the same float32 operations, in the same order, as one by one).
            denominator = (norm * k1)[np.asarray(a["p_chunk"])]
            denominator += tf
            w = tf
            w *= k1 + 1
            w /= denominator
        w *= np.repeat(idf.astype(np.float32), df)
        a["p_w"] = w
        a["t_idf"] = idf.astype(np.float32)
        self._term_arrays.clear()
        self._term_arrays_size = 0
        self.params = params
        self.meta["params"] = params.to_json()
        self.meta["avgdl"] = avgdl
        self.meta["n_chunks"] = n

    def term_array(self, key: tuple[Any, ...], size: int, make: Callable[[], NDArray[np.float64]]
                   ) -> NDArray[np.float64]:
        """``make()``, kept for the next question when it is long (a frequent term's weights).

        Questions share frequent words, and their per-posting weights cost a
        pass over long postings each time; rare terms' are cheap and not kept.
        At most :data:`TERM_ARRAYS_LIMIT` values are kept (then none are added).
        The arrays are read-only; :meth:`reweight` forgets them.
        """
        if size < TERM_ARRAY_MIN:
            return make()
        found = self._term_arrays.get(key)
        if found is None:
            found = make()
            if self._term_arrays_size + len(found) <= TERM_ARRAYS_LIMIT:
                found.flags.writeable = False
                self._term_arrays[key] = found
                self._term_arrays_size += len(found)
        return found

    # -- lookups --------------------------------------------------------
    def term_id(self, term: str) -> int | None:
        """Binary search the sorted vocabulary; None if the term is unknown."""
        cached = self._term_cache.get(term)
        if cached is not None:
            return cached
        key = term.encode("utf-8", errors="surrogatepass")
        blob, off = self.arrays["t_blob"], self.arrays["t_off"]
        lo, hi = 0, self.n_terms
        while lo < hi:
            mid = (lo + hi) // 2
            probe = blob[off[mid] : off[mid + 1]].tobytes()
            if probe < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.n_terms and blob[off[lo] : off[lo + 1]].tobytes() == key:
            self._term_cache[term] = lo
            return lo
        return None

    def term(self, tid: int) -> str:
        """The term with id ``tid``."""
        off = self.arrays["t_off"]
        return self.arrays["t_blob"][off[tid] : off[tid + 1]].tobytes().decode("utf-8", "surrogatepass")

    def terms(self) -> list[str]:
        """Every term, in sorted order (decoded in one pass)."""
        blob = np.asarray(self.arrays["t_blob"])
        off = np.asarray(self.arrays["t_off"])
        text = blob.tobytes().decode("utf-8", "surrogatepass")
        if len(text) != len(blob):  # byte offsets -> character offsets: drop continuation bytes
            lead = np.zeros(len(blob) + 1, dtype=np.int64)
            np.cumsum((blob & 0xC0) != 0x80, out=lead[1:])
            off = lead[off]
        cuts = off.tolist()
        return [text[a:b] for a, b in itertools.pairwise(cuts)]

    def postings(self, tid: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """Chunk ids and weights of one term."""
        a = self.arrays
        lo, hi = int(a["p_ptr"][tid]), int(a["p_ptr"][tid + 1])
        return a["p_chunk"][lo:hi], a["p_w"][lo:hi]

    def paragraph_postings(self, tid: int) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """Paragraph ids (ascending) holding one term, and the term's frequency in each."""
        a = self.arrays
        lo, hi = int(a["q_ptr"][tid]), int(a["q_ptr"][tid + 1])
        return a["q_par"][lo:hi], a["q_tf"][lo:hi]

    def idf(self, tid: int) -> float:
        """The term's idf under the index's parameters."""
        return float(self.arrays["t_idf"][tid])

    def text(self, cid: int) -> str:
        """The exact text of chunk ``cid``."""
        a = self.arrays
        raw = a["blob"][int(a["c_bstart"][cid]) : int(a["c_bend"][cid])].tobytes()
        return raw.decode("utf-8", errors="surrogatepass")

    def part_descriptors(self) -> list[str]:
        """Every part descriptor (JSON), by id."""
        blob, off = self.arrays["part_blob"], self.arrays["part_off"]
        return [blob[off[i] : off[i + 1]].tobytes().decode("utf-8", "surrogatepass") for i in range(len(off) - 1)]

    def location(self, cid: int) -> Location | None:
        """The part of its document chunk ``cid`` is in (a page, paragraph, cell, EPUB item, message), if any."""
        pid = int(self.arrays["c_pdesc"][cid])
        if pid < 0:
            return None
        found = self._descriptors.get(pid)
        if found is None:
            import json

            off = self.arrays["part_off"]
            raw = self.arrays["part_blob"][int(off[pid]) : int(off[pid + 1])].tobytes()
            try:
                loaded = json.loads(raw.decode("utf-8", "surrogatepass"))
            except (ValueError, UnicodeError):  # damaged in place: no location rather than a crash
                loaded = None
            found = self._descriptors[pid] = loaded if isinstance(loaded, dict) else {}
        return Location.of(found, int(self.arrays["c_part"][cid])) if found else None

    def section(self, cid: int) -> str | None:
        """Heading path of chunk ``cid``, if any."""
        sid = int(self.arrays["c_section"][cid])
        return self.sections[sid] if sid >= 0 else None

    def acronyms(self) -> dict[str, str]:
        """Acronym -> long form, as the documents define them (the first document's wins; built on first use)."""
        if self._acronyms is None:
            table: dict[str, str] = {}
            for row in self.meta.get("docs", []):
                for pair in row.get("acronyms") or ():
                    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
                        table.setdefault(pair[0], pair[1])
            self._acronyms = table
        return self._acronyms

    def label(self, cid: int) -> str | None:
        """The term or signature chunk ``cid`` describes, if any."""
        lid = int(self.arrays["c_label"][cid])
        return self.labels[lid] if lid >= 0 else None

    def lang_of(self, cid: int) -> str:
        """The language chunk ``cid``'s document was analysed in."""
        return self.docs[int(self.arrays["c_doc"][cid])].lang

    def doc_of(self, cid: int) -> DocInfo:
        """The document holding chunk ``cid``."""
        return self.docs[int(self.arrays["c_doc"][cid])]

    def paragraphs(self) -> tuple[NDArray[Any], NDArray[np.float64]]:
        """Global paragraph id of every chunk, and each paragraph's length in tokens."""
        if self._paragraphs is None:
            self._paragraphs = (self.arrays["g_pid"], np.asarray(self.arrays["g_len"], dtype=np.float64))
        return self._paragraphs

    @property
    def n_paragraphs(self) -> int:
        """Number of paragraphs."""
        return int(self.arrays["g_len"].shape[0])

    def paragraph_mean(self) -> float:
        """Mean paragraph length in tokens (0.0 when there are none), computed once."""
        if self._paragraph_mean is None:
            lengths = self.arrays["g_len"]
            if not len(lengths):
                self._paragraph_mean = 0.0
            elif lengths.dtype.kind in "iu":
                # The exact total over the count: what numpy's mean of the lengths as
                # floats gives (every partial sum is an integer below 2**53, so exact),
                # without converting every paragraph's length (ms at a million sentences).
                self._paragraph_mean = int(lengths.sum(dtype=np.int64)) / len(lengths)
            else:
                self._paragraph_mean = float(np.asarray(lengths, dtype=np.float64).mean())
        return self._paragraph_mean

    def paragraph_lengths(self, pids: NDArray[Any]) -> NDArray[np.float64]:
        """Lengths in tokens of the paragraphs ``pids``."""
        return np.asarray(self.arrays["g_len"][pids], dtype=np.float64)

    def paragraph_norms(self, k1: float, b: float, pids: NDArray[Any]) -> NDArray[np.float64]:
        """For the paragraphs ``pids``, the BM25 length normalisation ``k1 * (1 - b + b * length / mean length)``.

        Only for those asked for: the same values, element by element, as over
        every paragraph, which a one-shot question cannot amortise.
        """
        avg = self.paragraph_mean() or 1.0  # all-stopword corpora have length 0
        return k1 * (1 - b + b * self.paragraph_lengths(pids) / avg)

    def paragraph_chunks(self, pids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Ids of every chunk of the paragraphs ``pids`` (paragraphs are contiguous runs)."""
        starts = self.arrays["g_start"]
        parts = [np.arange(int(starts[p]), int(starts[p + 1]), dtype=np.int64) for p in pids.tolist()]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def heading_terms(self, cid: int) -> frozenset[str]:
        """Index terms of the title of chunk ``cid``'s document, its section heading and its label."""
        a = self.arrays
        doc, section, label = int(a["c_doc"][cid]), int(a["c_section"][cid]), int(a["c_label"][cid])
        return self.title_terms(doc) | self.section_terms(section) | self.label_terms(label)

    def title_terms(self, doc: int) -> frozenset[str]:
        """Index terms of document ``doc``'s title (cached)."""
        found = self._titles.get(doc)
        if found is None:
            titles = self.meta.get("title_terms") or []
            found = self._titles[doc] = frozenset(titles[doc] if 0 <= doc < len(titles) else ())
        return found

    def section_terms(self, section: int) -> frozenset[str]:
        """Index terms of section heading ``section`` (-1: no section, no terms; cached)."""
        found = self._sections.get(section)
        if found is None:
            sections = self.meta.get("section_terms") or []
            found = self._sections[section] = frozenset(sections[section] if 0 <= section < len(sections) else ())
        return found

    def label_terms(self, label: int) -> frozenset[str]:
        """Index terms of label ``label`` (-1: no label, no terms; cached)."""
        found = self._labels.get(label)
        if found is None:
            labels = self.meta.get("label_terms") or []
            found = self._labels[label] = frozenset(labels[label] if 0 <= label < len(labels) else ())
        return found

    def neighbours(self, cid: int, before: int, after: int) -> tuple[list[int], list[int]]:
        """Ids of up to ``before``/``after`` chunks around ``cid`` in its paragraph.

        A paragraph is a run of chunks (``g_start`` holds where each begins),
        so this is two lookups, however long the paragraph.
        """
        a = self.arrays
        p = int(a["g_pid"][cid])
        first, end = int(a["g_start"][p]), int(a["g_start"][p + 1])
        prev = range(max(first, cid - max(before, 0)), cid)
        nxt = range(cid + 1, min(end, cid + 1 + max(after, 0)))
        return list(prev), list(nxt)

    def paragraph(self, cid: int) -> list[int]:
        """Ids of every chunk in the paragraph of ``cid``."""
        prev, nxt = self.neighbours(cid, 1 << 30, 1 << 30)
        return [*prev, cid, *nxt]

    def query_constant(self, tids: Iterable[tuple[int, int]]) -> float:
        """Score every chunk gets regardless of matching (BM25Plus's delta term).

        rank-bm25's BM25Plus adds ``idf * delta`` for each query term to every
        document, matching or not; it cannot change the ranking, but reported
        scores include it so they equal the library's.
        """
        if self.params.variant != "plus":
            return 0.0
        return sum(self.idf(t) * self.params.delta * qtf for t, qtf in tids)


def bm25_reference(corpus: list[list[str]], query: list[str], params: BM25Params) -> list[float]:
    """Scores from the rank-bm25 class itself (for tests and benchmarks)."""
    import rank_bm25

    if params.variant == "okapi":
        model: Any = rank_bm25.BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    elif params.variant == "plus":
        model = rank_bm25.BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    else:
        model = rank_bm25.BM25L(corpus, k1=params.k1, b=params.b, delta=params.delta)
    return [float(s) for s in model.get_scores(query)]
