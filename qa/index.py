"""The BM25 index: sentence metadata, their text, and weighted postings.

The index is a handful of flat numpy arrays plus JSON metadata, so it can be
saved as ``.npy`` files and memory-mapped back (never pickled). Each posting
carries a precomputed BM25 weight: a question only reads the postings of its
own terms and adds them up, and the sum equals what the matching rank-bm25
class computes for the same tokens (``tests/test_index.py`` checks this).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.tokens import tokenize

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.chunking import Chunk
    from qa.corpus import Document

#: Bumped whenever the on-disk layout or the analyzer changes.
FORMAT_VERSION = 1

VARIANTS = ("okapi", "plus", "l")


@dataclass(frozen=True, slots=True)
class BM25Params:
    """Which rank-bm25 class to mirror and its parameters.

    ``variant`` is ``okapi`` (BM25Okapi), ``plus`` (BM25Plus) or ``l`` (BM25L).
    """

    variant: str = "plus"
    k1: float = 0.9
    b: float = 0.4
    delta: float = 1.0
    epsilon: float = 0.25

    def to_json(self) -> dict[str, Any]:
        """Plain data for the index metadata."""
        return asdict(self)


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


_CHUNK_INT32 = ("c_doc", "c_line", "c_col", "c_para", "c_section", "c_page", "c_len")
_CHUNK_INT64 = ("c_start", "c_end", "c_bstart", "c_bend")


class IndexBuilder:
    """Collects chunks document by document, then computes the BM25 weights."""

    def __init__(self) -> None:
        self.docs: list[DocInfo] = []
        self.sections: dict[str, int] = {}
        self._cols: dict[str, array[int]] = {k: array("i") for k in _CHUNK_INT32}
        self._cols.update({k: array("q") for k in _CHUNK_INT64})
        self._blob = bytearray()
        self._terms: dict[str, int] = {}
        self._p_term = array("i")
        self._p_chunk = array("i")
        self._p_tf = array("i")

    @property
    def n_chunks(self) -> int:
        """Chunks added so far."""
        return len(self._cols["c_doc"])

    def add(self, doc: Document, chunks: Sequence[Chunk], fingerprint: str = "") -> None:
        """Add one document and its chunks (in document order)."""
        doc_id = len(self.docs)
        self.docs.append(
            DocInfo(
                path=str(doc.path),
                source=doc.source,
                title=doc.title,
                size=doc.size,
                mtime_ns=doc.mtime_ns,
                first=self.n_chunks,
                count=len(chunks),
                fingerprint=fingerprint,
            )
        )
        for chunk in chunks:
            self._add_chunk(doc_id, chunk, tokenize(chunk.text))

    def _add_chunk(self, doc_id: int, chunk: Chunk, tokens: list[str]) -> None:
        cid = self.n_chunks
        cols = self._cols
        section = -1
        if chunk.section is not None:
            section = self.sections.setdefault(chunk.section, len(self.sections))
        encoded = chunk.text.encode("utf-8", errors="surrogatepass")
        for key, value in (
            ("c_doc", doc_id),
            ("c_line", chunk.line),
            ("c_col", chunk.column),
            ("c_para", chunk.paragraph),
            ("c_section", section),
            ("c_page", chunk.page or 0),
            ("c_len", len(tokens)),
            ("c_start", chunk.start),
            ("c_end", chunk.end),
            ("c_bstart", len(self._blob)),
            ("c_bend", len(self._blob) + len(encoded)),
        ):
            cols[key].append(value)
        self._blob += encoded
        terms = self._terms
        for term, tf in Counter(tokens).items():
            tid = terms.get(term)
            if tid is None:
                tid = terms[term] = len(terms)
            self._p_term.append(tid)
            self._p_chunk.append(cid)
            self._p_tf.append(tf)

    def finish(self, params: BM25Params, extra_meta: dict[str, Any] | None = None) -> Index:
        """Sort the vocabulary and postings and compute every posting's weight."""
        vocab = sorted(self._terms)
        remap = np.empty(len(vocab), dtype=np.int64)
        for new, term in enumerate(vocab):
            remap[self._terms[term]] = new
        p_term = remap[np.frombuffer(self._p_term, dtype=np.int32)] if vocab else np.empty(0, np.int64)
        order = np.argsort(p_term, kind="stable")
        arrays: dict[str, NDArray[Any]] = {
            k: np.frombuffer(v, dtype=np.int32 if k in _CHUNK_INT32 else np.int64).copy()
            for k, v in self._cols.items()
        }
        arrays["blob"] = np.frombuffer(bytes(self._blob), dtype=np.uint8)
        arrays["p_chunk"] = np.frombuffer(self._p_chunk, dtype=np.int32)[order].copy()
        arrays["p_tf"] = np.frombuffer(self._p_tf, dtype=np.int32)[order].copy()
        arrays["p_ptr"] = np.concatenate(([0], np.cumsum(np.bincount(p_term, minlength=len(vocab)))))
        arrays["t_blob"], arrays["t_off"] = _pack_terms(vocab)
        meta = {
            "version": FORMAT_VERSION,
            "docs": [asdict(d) for d in self.docs],
            "sections": list(self.sections),
            **(extra_meta or {}),
        }
        index = Index(arrays, meta)
        index.reweight(params)
        return index


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
    model._calc_idf({i: int(f) for i, f in enumerate(df)})
    return np.array([model.idf[i] for i in range(len(df))], dtype=np.float64)


class Index:
    """A loaded index: arrays (in memory or memory-mapped) and metadata."""

    def __init__(self, arrays: dict[str, NDArray[Any]], meta: dict[str, Any]) -> None:
        self.arrays = arrays
        self.meta = meta
        self.docs = [DocInfo(**d) for d in meta["docs"]]
        self.sections: list[str] = list(meta.get("sections", []))
        self.params = BM25Params(**meta["params"]) if "params" in meta else BM25Params()
        self._term_cache: dict[str, int] = {}

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
        """(Re)compute every posting weight for ``params`` from tf and lengths."""
        a = self.arrays
        n = self.n_chunks
        df = np.diff(a["p_ptr"]).astype(np.int64)
        dl = a["c_len"].astype(np.float64)
        avgdl = float(dl.mean()) if n else 0.0
        idf = idf_table(params, df, n) if len(df) else np.zeros(0)
        term_of = np.repeat(np.arange(len(df)), df)
        tf = a["p_tf"].astype(np.float64)
        norm = 1 - params.b + params.b * dl[a["p_chunk"]] / (avgdl or 1.0)
        k1 = params.k1
        if params.variant == "l":
            ctd = tf / norm
            d = params.delta
            w = idf[term_of] * tf * (k1 + 1) * (ctd + d) / (k1 + ctd + d)
        elif params.variant == "plus":
            w = idf[term_of] * (tf * (k1 + 1)) / (k1 * norm + tf)
        else:
            w = idf[term_of] * (tf * (k1 + 1) / (tf + k1 * norm))
        a["p_w"] = w.astype(np.float32)
        a["t_idf"] = idf.astype(np.float32)
        self.params = params
        self.meta["params"] = params.to_json()
        self.meta["avgdl"] = avgdl
        self.meta["n_chunks"] = n

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

    def terms(self) -> Iterable[str]:
        """Every term, in sorted order."""
        return (self.term(i) for i in range(self.n_terms))

    def postings(self, tid: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """Chunk ids and weights of one term."""
        a = self.arrays
        lo, hi = int(a["p_ptr"][tid]), int(a["p_ptr"][tid + 1])
        return a["p_chunk"][lo:hi], a["p_w"][lo:hi]

    def idf(self, tid: int) -> float:
        """The term's idf under the index's parameters."""
        return float(self.arrays["t_idf"][tid])

    def text(self, cid: int) -> str:
        """The exact text of chunk ``cid``."""
        a = self.arrays
        raw = a["blob"][int(a["c_bstart"][cid]) : int(a["c_bend"][cid])].tobytes()
        return raw.decode("utf-8", errors="surrogatepass")

    def section(self, cid: int) -> str | None:
        """Heading path of chunk ``cid``, if any."""
        sid = int(self.arrays["c_section"][cid])
        return self.sections[sid] if sid >= 0 else None

    def doc_of(self, cid: int) -> DocInfo:
        """The document holding chunk ``cid``."""
        return self.docs[int(self.arrays["c_doc"][cid])]

    def neighbours(self, cid: int, before: int, after: int) -> tuple[list[int], list[int]]:
        """Ids of up to ``before``/``after`` chunks around ``cid`` in its paragraph."""
        a = self.arrays
        doc, para = int(a["c_doc"][cid]), int(a["c_para"][cid])
        prev: list[int] = []
        i = cid - 1
        while len(prev) < before and i >= 0 and int(a["c_doc"][i]) == doc and int(a["c_para"][i]) == para:
            prev.insert(0, i)
            i -= 1
        nxt: list[int] = []
        i = cid + 1
        n = self.n_chunks
        while len(nxt) < after and i < n and int(a["c_doc"][i]) == doc and int(a["c_para"][i]) == para:
            nxt.append(i)
            i += 1
        return prev, nxt

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


def is_finite(x: float) -> bool:
    """True for a real number (not inf or nan)."""
    return math.isfinite(x)
