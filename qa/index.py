"""The read-only index: the live sentences of a generation's segments, numbered as one.

A question sees one index: sentence ids run over the segments in order (each
segment's ids after its base), paragraphs likewise, documents over the live
ones only. Every BM25 statistic is summed over the live sentences of every
segment when it is needed (:mod:`qa.bm25`), and the first stage
(:mod:`qa.search`) and second stage (:mod:`qa.rerank`) read the index only
through the methods here. The on-disk layout is :mod:`qa.schema`.
"""

from __future__ import annotations

import bisect
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast, overload

import numpy as np

from qa import bm25
from qa.analyzers import analyzer, unspaced
from qa.lang import KNOWN
from qa.ranking import VARIANTS as VARIANTS
from qa.ranking import BM25Params
from qa.schema import DELTA_ESCAPE
from qa.schema import FORMAT_VERSION as FORMAT_VERSION
from qa.tokens import STOP_MARK

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.segment import Segment


@dataclass(frozen=True, slots=True)
class DocInfo:
    """One indexed document: its record in the segment (:mod:`qa.schema`), ``first`` numbered globally."""

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
    """The live documents, each made into a :class:`DocInfo` when first read.

    A cached folder of 50,000 notes would otherwise build 50,000 objects
    before answering a question that cites three of them.
    """

    __slots__ = ("_made", "_rows")

    def __init__(self, rows: Sequence[tuple[Segment, int, int]]) -> None:
        self._rows = rows  # (segment, local document id, the segment's first global sentence id)
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
            seg, local, base = self._rows[i]
            row = seg.doc_record(local)
            doc = self._made[i] = DocInfo(
                path=row["path"], source=row["source"], title=row["title"], size=row["size"],
                mtime_ns=row["mtime_ns"], first=int(row["first"]) + base, count=row["count"],
                fingerprint=row.get("fingerprint", ""), acronyms=_pairs(row.get("acronyms")),
                lang=row.get("lang") or "en")
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



#: Postings lists at least this long have what a question computes from them kept (:meth:`Index.term_array`).
TERM_ARRAY_MIN = 2048
#: At most this many bytes of such arrays are kept in all.
TERM_ARRAYS_LIMIT = 96_000_000
#: Documents whose first sentence's terms are kept (:meth:`Index.lead_terms`), and headings whose
#: terms are (:meth:`Index.headings_terms`).
LEADS_LIMIT = 100_000
#: The decoded postings of this many terms (the last used) are kept, up to this many bytes.
RECENT_TERMS = 16
RECENT_BYTES = 48_000_000


@dataclass(frozen=True, slots=True)
class Postings:
    """A term's live postings over every segment: sentence ids (global, ascending), frequencies, and
    ``cuts``: per segment holding some, (segment, start, end) positions in the arrays."""

    ids: NDArray[np.int64]
    tf: NDArray[Any]
    cuts: list[tuple[int, int, int]]

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.tf.nbytes)


class Index:
    """A loaded index: the segments of one generation (memory-mapped, or in memory), read as one.

    ``params`` is the sentence BM25 a question uses when it names none.
    """

    def __init__(self, segments: Sequence[Segment], meta: dict[str, Any] | None = None,
                 params: BM25Params | None = None) -> None:
        self.segments = list(segments)
        self.meta: dict[str, Any] = dict(meta or {})
        self.params = params or BM25Params()
        sizes = [s.n_chunks for s in self.segments]
        self._bases = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self._bases[1:])
        self._base_list: list[int] = self._bases.tolist()
        self._par_bases = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum([s.n_paragraphs for s in self.segments], out=self._par_bases[1:])
        self._section_bases = np.cumsum([0, *(len(s.meta["sections"]) for s in self.segments)])
        self._label_bases = np.cumsum([0, *(len(s.meta["labels"]) for s in self.segments)])
        rows: list[tuple[Segment, int, int]] = []
        self._doc_maps: list[NDArray[np.int64]] = []
        for seg, base in zip(self.segments, self._bases.tolist(), strict=False):
            live = seg.live_docs()
            doc_map = np.full(len(seg.docs), -1, dtype=np.int64)
            doc_map[live] = np.arange(len(rows), len(rows) + len(live))
            self._doc_maps.append(doc_map)
            rows.extend((seg, d, base) for d in live)
        self._doc_rows = rows
        self.docs: Sequence[DocInfo] = DocList(rows)
        self.n_chunks = sum(s.n_live for s in self.segments)
        self.n_paragraphs = sum(s.paragraphs_live for s in self.segments)
        tokens = sum(s.tokens_live for s in self.segments)
        self.avgdl = tokens / self.n_chunks if self.n_chunks else 0.0
        self._paragraph_mean = tokens / self.n_paragraphs if self.n_paragraphs else 0.0
        self._tids: dict[str, int] = {}
        self._terms: list[str] = []
        self._local: list[list[int]] = []
        self._df: dict[int, int] = {}
        self._pdf: dict[int, int] = {}
        self._idf: dict[tuple[int, BM25Params], float] = {}
        self._scratch: tuple[NDArray[np.uint16], NDArray[np.float64], NDArray[np.float64]] | None = None
        self._kept: dict[tuple[Any, ...], Any] = {}
        self._kept_bytes = 0
        self._descriptors: dict[tuple[int, int], dict[str, Any]] = {}
        self._leads: dict[int, frozenset[str]] = {}
        self._headings: dict[tuple[int, int, int], frozenset[str]] = {}
        self._okapi: float | None = None
        self._recent_bytes = 0
        self._recent: OrderedDict[int, Postings] = OrderedDict()
        self._acronyms: dict[str, str] | None = None
        #: The languages of its live documents (their analyzers: a question is analysed in each).
        self.langs: tuple[str, ...] = tuple(sorted({lang for s in self.segments for lang in s.langs()})) or ("en",)

    # -- size -------------------------------------------------------------------
    @property
    def n_ids(self) -> int:
        """One past the largest sentence id (deleted sentences leave holes below it)."""
        return int(self._bases[-1])

    @property
    def n_terms(self) -> int:
        """Distinct terms over the segments (deleted sentences' terms included until a merge)."""
        return len(self.terms())

    def chunk_ids(self) -> NDArray[np.int64]:
        """Ids of every live sentence, ascending."""
        parts = [(np.arange(s.n_chunks) if s.live is None else np.flatnonzero(s.live)) + base
                 for s, base in zip(self.segments, self._bases.tolist(), strict=False)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def doc_ids(self) -> list[NDArray[np.int64]]:
        """Per segment, the global id of each of its documents (-1: deleted)."""
        return list(self._doc_maps)

    def doc_rows(self) -> Iterator[tuple[str, int, int]]:
        """(path, size, mtime_ns) of every live document, without making :class:`DocInfo` objects."""
        for seg, d, _ in self._doc_rows:
            row = seg.docs[d]
            yield row["path"], row["size"], seg.mtimes.get(d, row["mtime_ns"])

    # -- where an id lives ------------------------------------------------------------
    def _seg(self, cid: int) -> tuple[Segment, int, int]:
        """The segment of sentence ``cid``, its index and the local id."""
        if len(self.segments) == 1:
            return self.segments[0], 0, int(cid)
        s = bisect.bisect_right(self._base_list, cid) - 1
        return self.segments[s], s, int(cid) - self._base_list[s]

    def _split(self, ids: NDArray[Any], bases: NDArray[np.int64]
               ) -> Iterator[tuple[int, slice | NDArray[np.int64] | None, NDArray[np.int64]]]:
        """For each segment holding some of ``ids``: its index, where those ids are in ``ids`` (None: all
        of them; a slice when ``ids`` ascend, as postings and candidates do) and their local ids."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(self.segments) == 1 or not len(ids):
            yield 0, None, ids
            return
        first, last = (int(np.searchsorted(bases, v, side="right")) - 1 for v in (int(ids.min()), int(ids.max())))
        if first == last:
            yield first, None, ids - bases[first]
            return
        if len(ids) > 1 and bool((ids[1:] >= ids[:-1]).all()):
            cuts = np.searchsorted(ids, bases).tolist()
            for s in range(first, last + 1):
                if cuts[s + 1] > cuts[s]:
                    yield s, slice(cuts[s], cuts[s + 1]), ids[cuts[s] : cuts[s + 1]] - bases[s]
            return
        seg = np.searchsorted(bases, ids, side="right") - 1
        order = np.argsort(seg, kind="stable")
        cuts = np.searchsorted(seg[order], np.arange(len(self.segments) + 1)).tolist()
        for s in range(len(self.segments)):
            if cuts[s + 1] > cuts[s]:
                where = order[cuts[s] : cuts[s + 1]]
                yield s, where, ids[where] - bases[s]

    def column(self, name: str, ids: NDArray[Any]) -> NDArray[np.int64]:
        """A per-sentence column (:data:`qa.schema.ARRAYS`) for sentences ``ids``, with ids made global
        (``c_doc``: live document ids; ``c_section``, ``c_label``, ``g_pid``: over all segments)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty(len(ids), dtype=np.int64)
        for s, mask, local in self._split(ids, self._bases):
            seg = self.segments[s]
            values = np.asarray(seg.arrays[name][local], dtype=np.int64)
            if name == "c_doc":
                values = self._doc_maps[s][values]
            elif name in ("c_section", "c_label"):
                base = int((self._section_bases if name == "c_section" else self._label_bases)[s])
                values = np.where(values >= 0, values + base, -1) if base else values
            elif name == "g_pid":
                values = values + self._par_bases[s]
            if mask is None:
                return values
            out[mask] = values
        return out

    def value(self, name: str, cid: int) -> int:
        """One sentence's value of a column (as :meth:`column`)."""
        seg, s, local = self._seg(cid)
        value = int(seg.arrays[name][local])
        if name == "c_doc":
            return int(self._doc_maps[s][value])
        if name in ("c_section", "c_label"):
            base = int((self._section_bases if name == "c_section" else self._label_bases)[s])
            return value + base if value >= 0 else -1
        if name == "g_pid":
            return value + int(self._par_bases[s])
        return value

    # -- terms and postings ----------------------------------------------------------------
    def term_id(self, term: str) -> int | None:
        """An id for ``term`` for the life of this reader; None when no live sentence may hold it."""
        tid = self._tids.get(term)
        if tid is not None:
            return tid if tid >= 0 else None
        local = [s.term_id(term) for s in self.segments]
        if all(t < 0 for t in local):
            return None
        tid = self._tids[term] = len(self._terms)
        self._terms.append(term)
        self._local.append(local)
        if self.df(tid) == 0:  # only in deleted sentences
            self._tids[term] = -1
            return None
        return tid

    def term(self, tid: int) -> str:
        """The term with id ``tid``."""
        return self._terms[tid]

    def terms(self) -> list[str]:
        """Every term, sorted (deleted sentences' terms included until their segment is merged)."""
        if len(self.segments) == 1:
            return self.segments[0].terms()
        return sorted(set().union(*(s.terms() for s in self.segments)))

    def term_array(self, key: tuple[Any, ...], size: int, make: Callable[[], Any]) -> Any:
        """``make()``, kept for the next question when it comes from a long postings list.

        Questions share frequent words, and what is computed from their
        postings (ids, weights, paragraph frequencies) costs a pass over long
        lists each time; rare terms' are cheap and not kept. At most
        :data:`TERM_ARRAYS_LIMIT` bytes are kept (then nothing is added).
        Kept arrays are read-only.
        """
        if size < TERM_ARRAY_MIN:
            return make()
        found = self._kept.get(key)
        if found is None:
            found = make()
            arrays = (found.ids, found.tf) if isinstance(found, Postings) else found if isinstance(found, tuple) \
                else (found,)
            nbytes = sum(int(a.nbytes) for a in arrays)
            if self._kept_bytes + nbytes <= TERM_ARRAYS_LIMIT:
                for a in arrays:
                    a.flags.writeable = False
                self._kept[key] = found
                self._kept_bytes += nbytes
        return found

    def _postings(self, tid: int) -> Postings:
        """Term ``tid``'s live postings over every segment, decoded in one pass (:class:`Postings`).

        The last few terms' are kept (a question reads each of its terms' postings several times:
        bounds, the first stage, the second stage's fields), and long lists' for later questions.
        """
        found = self._recent.get(tid)
        if found is not None:
            self._recent.move_to_end(tid)
            return found
        found = cast(Postings, self.term_array(("postings", tid), self._size(tid), lambda: self._decode(tid)))
        self._recent[tid] = found
        self._recent_bytes += found.nbytes
        while len(self._recent) > 1 and (len(self._recent) > RECENT_TERMS or self._recent_bytes > RECENT_BYTES):
            _, gone = self._recent.popitem(last=False)
            self._recent_bytes -= gone.nbytes
        return found

    def _decode(self, tid: int) -> Postings:
        """Every segment's slice of the term's postings, joined, decoded and made global in a few array passes."""
        slices: list[tuple[int, int, int]] = []
        for s, t in enumerate(self._local[tid]):
            if t >= 0:
                ptr = self.segments[s].arrays["p_ptr"]
                lo, hi = int(ptr[t]), int(ptr[t + 1])
                if hi > lo:
                    slices.append((s, lo, hi))
        if not slices:
            return Postings(np.zeros(0, np.int64), np.zeros(0, np.uint8), [])
        segs = self.segments
        lengths = [hi - lo for _, lo, hi in slices]
        offsets = np.zeros(len(slices) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if len(slices) == 1:
            s, lo, hi = slices[0]
            d = np.array(segs[s].arrays["p_delta"][lo:hi])
            tf = np.asarray(segs[s].arrays["p_tf"][lo:hi])
        else:
            d = np.concatenate([segs[s].arrays["p_delta"][lo:hi] for s, lo, hi in slices])
            tf = np.concatenate([segs[s].arrays["p_tf"][lo:hi] for s, lo, hi in slices])
        # Each slice starts with its first id (often past 16 bits: held in p_exc_val); the deltas after it
        # add up from there. The first ids are set apart (0 in the running sum) and added back per slice.
        firsts: list[int] = []
        later: list[tuple[int, int]] = []  # (position in the joined arrays, delta) of the other large deltas
        for k, (s, lo, hi) in enumerate(slices):
            first = int(d[offsets[k]])
            exc_pos = segs[s].arrays["p_exc_pos"]
            if len(exc_pos):
                a, b = (int(x) for x in np.searchsorted(exc_pos, (lo, hi)))
                if b > a:
                    values = segs[s].arrays["p_exc_val"]
                    for pos, value in zip(exc_pos[a:b].tolist(), values[a:b].tolist(), strict=True):
                        if pos == lo:
                            first = int(value)
                        else:
                            later.append((pos - lo + int(offsets[k]), int(value)))
            firsts.append(first)
            d[offsets[k]] = 0
        ids = d.astype(np.int64)
        np.cumsum(ids, out=ids)  # (in place: a cumsum from uint16 to int64 takes a slow path)
        before = [0, *ids[offsets[1:-1] - 1].tolist()]  # the running sum where each slice starts
        for k, (s, _, _) in enumerate(slices):
            ids[int(offsets[k]) : int(offsets[k + 1])] += firsts[k] + int(self._bases[s]) - before[k]
        for pos, value in later:  # the running sum missed value - DELTA_ESCAPE from there to its slice's end
            end = int(offsets[np.searchsorted(offsets, pos, side="right")])
            ids[pos:end] += value - DELTA_ESCAPE
        cuts = [(s, int(offsets[k]), int(offsets[k + 1])) for k, (s, _, _) in enumerate(slices)]
        if any(segs[s].live is not None for s, _, _ in slices):  # drop deleted sentences' postings
            keep = np.ones(len(ids), dtype=bool)
            for s, a, b in cuts:
                live = segs[s].live
                if live is not None:
                    keep[a:b] = live[ids[a:b] - self._bases[s]]
            counts = [int(np.count_nonzero(keep[a:b])) for _, a, b in cuts]
            ids, tf = ids[keep], tf[keep]
            at = np.concatenate(([0], np.cumsum(counts))).tolist()
            cuts = [(s, at[k], at[k + 1]) for k, (s, _, _) in enumerate(cuts) if counts[k]]
        return Postings(ids, tf, cuts)

    def _parts(self, tid: int) -> list[tuple[int, NDArray[np.int64], NDArray[Any]]]:
        """Per segment holding the term: its index, the local ids of live sentences with it, the frequencies."""
        found = self._postings(tid)
        return [(s, found.ids[a:b] - self._bases[s], found.tf[a:b]) for s, a, b in found.cuts]

    def _size(self, tid: int) -> int:
        """Postings of the term over the segments (deleted ones included): what work on it costs."""
        return sum(int(seg.arrays["p_ptr"][t + 1]) - int(seg.arrays["p_ptr"][t])
                   for seg, t in zip(self.segments, self._local[tid], strict=True) if t >= 0)

    def term_postings(self, tid: int) -> tuple[NDArray[np.int64], NDArray[Any]]:
        """Ids (ascending) of the sentences holding term ``tid``, and its frequency in each."""
        found = self._postings(tid)
        return found.ids, found.tf

    def df(self, tid: int) -> int:
        """How many live sentences hold term ``tid``."""
        found = self._df.get(tid)
        if found is None:
            found = self._df[tid] = sum(seg.df(t) for seg, t in zip(self.segments, self._local[tid], strict=True)
                                        if t >= 0)
        return found

    def paragraph_df(self, tid: int) -> int:
        """How many live paragraphs hold term ``tid`` (stored per segment; counted where documents are deleted)."""
        found = self._pdf.get(tid)
        if found is None:
            found = self._pdf[tid] = sum(seg.paragraph_df(t) for seg, t
                                         in zip(self.segments, self._local[tid], strict=True) if t >= 0)
        return found

    def tf_bounds(self, tid: int) -> tuple[int, int]:
        """The largest frequency of term ``tid`` in one sentence and in one paragraph (over every segment
        holding it, deleted documents included: a bound)."""
        tf = ptf = 0
        for seg, t in zip(self.segments, self._local[tid], strict=True):
            if t >= 0:
                tf = max(tf, int(seg.arrays["t_maxtf"][t]))
                ptf = max(ptf, int(seg.arrays["t_maxptf"][t]))
        return tf, ptf

    def paragraph_scratch(self) -> tuple[NDArray[np.uint16], NDArray[np.float64], NDArray[np.float64]]:
        """Per paragraph id, a mask and two numbers, all zero, for the first stage's skipping (kept between
        questions: whoever sets values sets them back to zero)."""
        if self._scratch is None:
            n = self.n_ids_paragraphs
            self._scratch = np.zeros(n, dtype=np.uint16), np.zeros(n), np.zeros(n)
        return self._scratch

    @property
    def n_ids_paragraphs(self) -> int:
        """One past the largest paragraph id (deleted paragraphs leave holes below it)."""
        return int(self._par_bases[-1])

    def within(self, tid: int, bounds: tuple[NDArray[np.int64], NDArray[np.int64]]
               ) -> tuple[NDArray[np.int64], NDArray[Any], NDArray[np.int64]]:
        """The postings of term ``tid`` in the paragraphs whose first sentences and ends are ``bounds``
        (:meth:`paragraph_bounds` of ascending paragraph ids): sentence ids (ascending) and frequencies, and
        the term's frequency in each of those paragraphs (0 where it is absent).

        Two binary searches per paragraph in the term's postings: the cost grows with the paragraphs
        and the postings found, not with the term's whole list.
        """
        found = self._postings(tid)
        sel, sums = _in_ranges(found.ids, found.tf, bounds[0], bounds[1])
        return found.ids[sel], found.tf[sel], sums

    def tf_at(self, tid: int, ids: NDArray[Any]) -> NDArray[np.float64]:
        """The frequency of term ``tid`` in each sentence of ``ids`` (any order; 0 where absent)."""
        found = self._postings(tid)
        have = found.ids
        ids = np.asarray(ids, dtype=np.int64)
        if not len(have):
            return np.zeros(len(ids))
        pos = np.minimum(np.searchsorted(have, ids), len(have) - 1)
        out: NDArray[np.float64] = np.where(have[pos] == ids, found.tf[pos], 0).astype(np.float64)
        return out

    def range_tf(self, tid: int, lo: NDArray[Any], hi: NDArray[Any]) -> NDArray[np.int64]:
        """The frequency of term ``tid`` in each range of sentences ``lo[i] .. hi[i] - 1`` (any order)."""
        found = self._postings(tid)
        return _in_ranges(found.ids, found.tf, np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64))[1]

    def count_between(self, tid: int, lo: NDArray[Any], hi: NDArray[Any]) -> NDArray[np.int64]:
        """For each range ``lo[i] .. hi[i] - 1`` of sentence ids, how many of them hold term ``tid``."""
        ids = self._postings(tid).ids
        out: NDArray[np.int64] = (np.searchsorted(ids, np.asarray(hi, dtype=np.int64))
                                  - np.searchsorted(ids, np.asarray(lo, dtype=np.int64))).astype(np.int64)
        return out

    def idf(self, tid: int, params: BM25Params | None = None) -> float:
        """The term's idf under ``params`` (default: :attr:`params`), from live statistics."""
        p = params or self.params
        found = self._idf.get((tid, p))
        if found is None:
            floor = self.okapi_floor(p) if p.variant == "okapi" else 0.0
            found = self._idf[tid, p] = float(bm25.idf(p, self.df(tid), self.n_chunks, floor))
        return found

    def okapi_floor(self, params: BM25Params) -> float:
        """BM25Okapi's idf floor: ``epsilon`` times the average idf over the whole vocabulary (computed once)."""
        from qa.segment import decode_all

        if self._okapi is None:
            df: dict[str, int] = {}
            for seg in self.segments:
                a = seg.arrays
                counts: NDArray[np.int64] = np.diff(np.asarray(a["p_ptr"], dtype=np.int64)).astype(np.int64)
                if seg.live is not None:  # live postings per term, in one pass
                    ids = decode_all(a["p_delta"], a["p_exc_pos"], a["p_exc_val"], a["p_ptr"])
                    terms = np.repeat(np.arange(len(counts)), counts)
                    counts = np.bincount(terms[seg.live[ids]], minlength=len(counts)).astype(np.int64)
                for term, n in zip(seg.terms(), counts.tolist(), strict=True):
                    if n:
                        df[term] = df.get(term, 0) + n
            self._okapi = bm25.okapi_average(np.fromiter(df.values(), dtype=np.int64, count=len(df)), self.n_chunks)
        return params.epsilon * self._okapi

    def sentence_weights(self, tid: int, params: BM25Params | None = None
                         ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Ids of the sentences holding term ``tid`` and its BM25 weight in each (without BM25Plus's constant)."""
        p = params or self.params

        def make() -> NDArray[np.float64]:
            term_idf = self.idf(tid, p)
            parts = [bm25.weights(p, term_idf, tf, self.segments[s].arrays["c_len"][ids], self.avgdl)
                     for s, ids, tf in self._parts(tid)]
            return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.zeros(0)

        ids = self.term_postings(tid)[0]
        w: NDArray[np.float64] = self.term_array(("sentence", tid, p), len(ids), make)
        return ids, w

    def weights_at(self, tid: int, ids: NDArray[np.int64], tf: NDArray[Any], params: BM25Params | None = None
                   ) -> NDArray[np.float64]:
        """Term ``tid``'s BM25 weight in sentences ``ids`` (ascending) where it occurs ``tf`` times: the values
        :meth:`sentence_weights` gives them."""
        p = params or self.params
        term_idf = self.idf(tid, p)
        parts = [bm25.weights(p, term_idf, tf[mask] if mask is not None else tf,
                              self.segments[s].arrays["c_len"][local], self.avgdl)
                 for s, mask, local in self._split(ids, self._bases)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.zeros(0)

    def postings(self, tid: int, params: BM25Params | None = None) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Sentence ids and weights of one term (:meth:`sentence_weights`)."""
        return self.sentence_weights(tid, params)

    def paragraph_postings(self, tid: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Paragraph ids (ascending) holding term ``tid``, and its frequency in each.

        Folded from the sentence postings: a term's postings are in sentence
        order and paragraphs are runs of sentences, so each (term, paragraph)
        pair is a run of postings.
        """
        def make() -> tuple[NDArray[np.int64], NDArray[np.int64]]:
            out_p: list[NDArray[np.int64]] = []
            out_tf: list[NDArray[np.int64]] = []
            for s, ids, tf in self._parts(tid):  # paragraphs never span segments: fold each on its own
                if not len(ids):
                    continue
                pids = self.segments[s].arrays["g_pid"][ids]
                first = np.ones(len(pids), dtype=bool)
                np.not_equal(pids[1:], pids[:-1], out=first[1:])
                starts = np.flatnonzero(first)
                out_p.append(pids[starts].astype(np.int64) + self._par_bases[s])
                out_tf.append(np.add.reduceat(np.asarray(tf, dtype=np.int64), starts))
            if not out_p:
                return np.zeros(0, np.int64), np.zeros(0, np.int64)
            if len(out_p) == 1:
                return out_p[0], out_tf[0]
            return np.concatenate(out_p), np.concatenate(out_tf)

        found: tuple[NDArray[np.int64], NDArray[np.int64]] = self.term_array(
            ("paragraph postings", tid), self._size(tid), make)
        return found

    def query_constant(self, tids: Iterable[tuple[int, int]], params: BM25Params | None = None) -> float:
        """Score every sentence gets regardless of matching (BM25Plus's delta term, :func:`qa.bm25.constant`)."""
        p = params or self.params
        return bm25.constant(p, [(self.idf(t, p), qtf) for t, qtf in tids]) if p.variant == "plus" else 0.0

    # -- sentences ---------------------------------------------------------------------------
    def text(self, cid: int) -> str:
        """The text of sentence ``cid`` (as shown: markup dropped, whitespace folded)."""
        seg, _, local = self._seg(cid)
        return seg.text(local)

    def text_blobs(self) -> list[NDArray[np.uint8]]:
        """The segments' text, UTF-8 (for sampling words; deleted documents' text included)."""
        return [s.blob for s in self.segments]

    def location(self, cid: int) -> Location | None:
        """The part of its document sentence ``cid`` is in (a page, paragraph, cell, EPUB item, message), if any."""
        seg, s, local = self._seg(cid)
        pid = int(seg.arrays["c_pdesc"][local])
        if pid < 0:
            return None
        found = self._descriptors.get((s, pid))
        if found is None:
            try:
                loaded = json.loads(seg.descriptor(pid).decode("utf-8", "surrogatepass"))
            except (ValueError, UnicodeError):  # damaged in place: no location rather than a crash
                loaded = None
            found = self._descriptors[(s, pid)] = loaded if isinstance(loaded, dict) else {}
        return Location.of(found, int(seg.arrays["c_part"][local])) if found else None

    def section_text(self, sid: int) -> str | None:
        """The heading path of section ``sid`` (a global id, as :meth:`column` gives them; -1: none)."""
        return self._table_text("sections", self._section_bases, sid)

    def label_text(self, lid: int) -> str | None:
        """The term or signature of label ``lid`` (a global id; -1: none)."""
        return self._table_text("labels", self._label_bases, lid)

    def _table_text(self, key: str, bases: NDArray[Any], gid: int) -> str | None:
        row = self._table_row(key, bases, gid)
        return None if row is None else str(row)

    def _table_row(self, key: str, bases: NDArray[Any], gid: int) -> Any:
        """Row ``gid`` (a global id) of the segments' table ``key`` in their meta (None: out of range)."""
        if gid < 0 or gid >= int(bases[-1]):
            return None
        s = int(np.searchsorted(bases, gid, side="right")) - 1
        return self.segments[s].meta[key][gid - int(bases[s])]

    def section(self, cid: int) -> str | None:
        """Heading path of sentence ``cid``, if any."""
        seg, _, local = self._seg(cid)
        sid = int(seg.arrays["c_section"][local])
        return str(seg.meta["sections"][sid]) if sid >= 0 else None

    def acronyms(self) -> dict[str, str]:
        """Acronym -> long form, as the documents define them (the first document's wins; built on first use)."""
        if self._acronyms is None:
            table: dict[str, str] = {}
            for seg, d, _ in self._doc_rows:
                for acronym, long in _pairs(seg.docs[d].get("acronyms")):
                    table.setdefault(acronym, long)
            self._acronyms = table
        return self._acronyms

    def label(self, cid: int) -> str | None:
        """The term or signature sentence ``cid`` describes, if any."""
        seg, _, local = self._seg(cid)
        lid = int(seg.arrays["c_label"][local])
        return str(seg.meta["labels"][lid]) if lid >= 0 else None

    def lang_of(self, cid: int) -> str:
        """The language chunk ``cid``'s document was analysed in."""
        seg, _, local = self._seg(cid)
        return seg.docs[int(seg.arrays["c_doc"][local])].get("lang") or "en"

    def doc_of(self, cid: int) -> DocInfo:
        """The document holding sentence ``cid``."""
        return self.docs[self.value("c_doc", cid)]

    def position(self, cid: int) -> tuple[int, int, int, int]:
        """Line, column, start and end offsets of sentence ``cid`` in its document (or part)."""
        seg, _, local = self._seg(cid)
        a = seg.arrays
        return int(a["c_line"][local]), int(a["c_col"][local]), int(a["c_start"][local]), int(a["c_end"][local])

    # -- paragraphs ----------------------------------------------------------------------------
    def paragraph_mean(self) -> float:
        """Mean live paragraph length in tokens (0.0 when there are none)."""
        return self._paragraph_mean

    def _par_column(self, name: str, pids: NDArray[Any]) -> NDArray[np.int64]:
        out = np.empty(len(pids), dtype=np.int64)
        for s, mask, local in self._split(pids, self._par_bases):
            values = np.asarray(self.segments[s].arrays[name][local], dtype=np.int64)
            if name == "g_start":
                values = values + self._bases[s]
            if mask is None:
                return values
            out[mask] = values
        return out

    def paragraph_lengths(self, pids: NDArray[Any]) -> NDArray[np.float64]:
        """Lengths in tokens of the paragraphs ``pids``."""
        return self._par_column("g_len", pids).astype(np.float64)

    def paragraph_bounds(self, pids: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First sentence id and one past the last of each paragraph of ``pids``."""
        pids = np.asarray(pids, dtype=np.int64)
        first = self._par_column("g_start", pids)
        out = np.empty(len(pids), dtype=np.int64)
        for s, mask, local in self._split(pids, self._par_bases):
            values = np.asarray(self.segments[s].arrays["g_start"][local + 1], dtype=np.int64) + self._bases[s]
            if mask is None:
                return first, values
            out[mask] = values
        return first, out

    def paragraph_norms(self, k1: float, b: float, pids: NDArray[Any]) -> NDArray[np.float64]:
        """For the paragraphs ``pids``, the BM25 length normalisation ``k1 * (1 - b + b * length / mean length)``."""
        avg = self.paragraph_mean() or 1.0  # all-stopword corpora have length 0
        return k1 * (1 - b + b * self.paragraph_lengths(pids) / avg)

    def paragraph_chunks(self, pids: NDArray[Any]) -> NDArray[np.int64]:
        """Ids of every sentence of the paragraphs ``pids`` (paragraphs are runs of sentences)."""
        lo, hi = self.paragraph_bounds(pids)
        parts = [np.arange(a, b, dtype=np.int64) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def neighbours(self, cid: int, before: int, after: int) -> tuple[list[int], list[int]]:
        """Ids of up to ``before``/``after`` sentences around ``cid`` in its paragraph (two lookups)."""
        seg, s, local = self._seg(cid)
        a, base = seg.arrays, int(self._bases[s])
        p = int(a["g_pid"][local])
        first, end = int(a["g_start"][p]) + base, int(a["g_start"][p + 1]) + base
        prev = range(max(first, cid - max(before, 0)), cid)
        nxt = range(cid + 1, min(end, cid + 1 + max(after, 0)))
        return list(prev), list(nxt)

    def paragraph(self, cid: int) -> list[int]:
        """Ids of every sentence in the paragraph of ``cid``."""
        prev, nxt = self.neighbours(cid, 1 << 30, 1 << 30)
        return [*prev, cid, *nxt]

    # -- headings ------------------------------------------------------------------------------
    def heading_terms(self, cid: int) -> frozenset[str]:
        """Index terms of the title of sentence ``cid``'s document, its section heading and its label
        (those of its document's language: a heading several documents share holds the terms of each
        one's language)."""
        return self.headings_terms(np.array([cid], dtype=np.int64))[0]

    def headings_terms(self, ids: NDArray[Any]) -> list[frozenset[str]]:
        """:meth:`heading_terms` of each sentence of ``ids`` (memoised by document, section and label:
        the candidates of a question share a few headings, and questions come back to them)."""
        ids = np.asarray(ids, dtype=np.int64)
        keys = zip(*(self.column(k, ids).tolist() for k in ("c_doc", "c_section", "c_label")), strict=True)
        memo = self._headings
        out: list[frozenset[str]] = []
        for key in keys:
            found = memo.get(key)
            if found is None:
                doc, section, label = key
                found = self.title_terms(doc) | self.section_terms(section) | self.label_terms(label)
                if len(self.langs) > 1:
                    found = in_language(found, self.docs[doc].lang)
                if len(memo) >= LEADS_LIMIT:
                    memo.clear()
                memo[key] = found
            out.append(found)
        return out

    def lead_terms(self, doc: int) -> frozenset[str]:
        """Terms of document ``doc``'s first sentence in its language's analyzer (memoised: questions
        come back to the same documents)."""
        found = self._leads.get(doc)
        if found is None:
            if len(self._leads) >= LEADS_LIMIT:
                self._leads.clear()
            info = self.docs[doc]
            found = self._leads[doc] = frozenset(analyzer(info.lang).terms_in_order(self.text(info.first)))
        return found

    def title_terms(self, doc: int) -> frozenset[str]:
        """Index terms of document ``doc``'s title."""
        if not 0 <= doc < len(self._doc_rows):
            return frozenset()
        seg, local, _ = self._doc_rows[doc]
        return frozenset(seg.meta["title_terms"][local])

    def _table_terms(self, key: str, bases: NDArray[Any], gid: int) -> frozenset[str]:
        row = self._table_row(key, bases, gid)
        return frozenset() if row is None else frozenset(row)

    def section_terms(self, section: int) -> frozenset[str]:
        """Index terms of section heading ``section`` (-1: no section, no terms)."""
        return self._table_terms("section_terms", self._section_bases, section)

    def label_terms(self, label: int) -> frozenset[str]:
        """Index terms of label ``label`` (-1: no label, no terms)."""
        return self._table_terms("label_terms", self._label_bases, label)

    def heading_tables(self) -> Iterator[tuple[int, int, list[Any], list[Any]]]:
        """Per segment, its labels then its sections: (segment, kind (0 label, 1 section), each
        heading's index terms, the headings as shown)."""
        for s, seg in enumerate(self.segments):
            yield s, 0, seg.meta.get("label_terms") or [], seg.meta["labels"]
            yield s, 1, seg.meta.get("section_terms") or [], seg.meta["sections"]

    def under_heading(self, s: int, kind: int, i: int) -> NDArray[np.int64]:
        """Ids of the live sentences of segment ``s`` under its label ``i`` (``kind`` 0), or under its
        section ``i`` and no label (``kind`` 1), ascending."""
        seg = self.segments[s]
        labels = np.asarray(seg.arrays["c_label"])
        under = labels == i if kind == 0 else (np.asarray(seg.arrays["c_section"]) == i) & (labels < 0)
        if seg.live is not None:
            under &= np.asarray(seg.live, dtype=bool)
        return np.flatnonzero(under).astype(np.int64) + self._base_list[s]


def term_language(term: str) -> str | None:
    """The language an index term belongs to (``en`` for untagged words), or None for one every
    language shares (numbers, operators, characters of unspaced scripts)."""
    word = term.removeprefix(STOP_MARK)
    tag, colon, rest = word.partition(":")
    if colon and rest and tag in KNOWN:
        return tag
    if not word[:1].isalpha() or unspaced(word):
        return None
    return "en"


def in_language(terms: frozenset[str], lang: str) -> frozenset[str]:
    """The ``terms`` a sentence of language ``lang`` can hold."""
    return frozenset(t for t in terms if term_language(t) in (None, lang))


def unique_ids(values: NDArray[Any]) -> NDArray[np.int64]:
    """``np.unique(values)`` for integers, by a sort: numpy 2's ``unique`` imports ``numpy.ma`` the first
    time it runs (20 ms of a one-shot question)."""
    ids: NDArray[np.int64] = np.sort(np.asarray(values, dtype=np.int64))
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))] if len(ids) else ids


def missing_ids(values: NDArray[Any], present: NDArray[Any]) -> NDArray[np.int64]:
    """``np.setdiff1d(values, present)`` for integers: the distinct ``values`` not in ``present``, ascending."""
    ids = unique_ids(values)
    there = unique_ids(present)
    if not len(there) or not len(ids):
        return ids
    pos = np.minimum(np.searchsorted(there, ids), len(there) - 1)
    found: NDArray[np.int64] = ids[there[pos] != ids]
    return found


def _in_ranges(ids: NDArray[np.int64], tf: NDArray[Any], lo: NDArray[np.int64], hi: NDArray[np.int64]
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Positions in ascending ``ids`` of the values in each range ``lo[i] .. hi[i] - 1`` (one after the
    other, range by range: ranges in any order, overlapping or not), and the sum of ``tf`` over each range."""
    start = np.searchsorted(ids, lo)
    count = np.searchsorted(ids, hi) - start
    sums = np.zeros(len(lo), dtype=np.int64)
    total = int(count.sum())
    if not total:
        return np.zeros(0, np.int64), sums
    sel = _spans(start, count, total)
    has = count > 0
    sums[has] = np.add.reduceat(np.asarray(tf[sel], dtype=np.int64), (np.cumsum(count) - count)[has])
    return sel, sums


def _spans(lo: NDArray[np.int64], count: NDArray[np.int64], total: int) -> NDArray[np.int64]:
    """The positions ``lo[i] .. lo[i] + count[i] - 1`` of every span, one after the other (``total``: their sum)."""
    starts = np.cumsum(count) - count
    return np.repeat(lo - starts, count) + np.arange(total, dtype=np.int64)


def _pairs(value: Any) -> list[list[str]]:
    """A document record's ``acronyms`` ([[acronym, long form], ...]), what is not such a pair left out."""
    if not isinstance(value, list):
        return []
    return [pair for pair in value
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)]


def bm25_reference(corpus: list[list[str]], query: list[str], params: BM25Params) -> list[float]:
    """Scores from the rank-bm25 class itself (:func:`qa.bm25.reference`)."""
    return bm25.reference(corpus, query, params)
