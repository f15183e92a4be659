"""Answer a question from an index: pure, no I/O, no printing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QueryError
from qa.rerank import DEFAULT_RERANK, Rerank, rerank_scores
from qa.tokens import analyze, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.index import Index

#: Longest question accepted, in characters (a pasted page is not a question).
MAX_QUESTION_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked sentence with everything needed to cite and show it."""

    rank: int
    score: float
    chunk: int
    source: str
    path: str
    title: str | None
    section: str | None
    page: int | None
    line: int
    column: int
    start: int
    end: int
    text: str
    before: list[str]
    after: list[str]
    explain: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answer:
    """The hits for one question, and what could not be matched."""

    question: str
    terms: list[str]
    hits: list[Hit]
    missing: list[str]


def query_terms(question: str) -> list[str]:
    """The question's index terms, in order (duplicates kept, as rank-bm25 does)."""
    return [term for term, _, _ in analyze(question)]


def check_question(question: str) -> str:
    """Return the question stripped, or raise QueryError when it cannot be asked."""
    q = question.strip()
    if not q:
        raise QueryError("empty question")
    if len(q) > MAX_QUESTION_CHARS:
        raise QueryError(f"question too long ({len(q):,} characters; at most {MAX_QUESTION_CHARS:,})")
    return q


def score(index: Index, terms: list[str]) -> tuple[NDArray[np.int64], NDArray[np.float64], list[str]]:
    """Sum the posting weights of ``terms``.

    Returns:
        Ids of chunks that match at least one term, their scores (aligned), and
        the terms that are not in the index.
    """
    ids_parts: list[NDArray[np.int32]] = []
    w_parts: list[NDArray[np.float64]] = []
    missing: list[str] = []
    known: list[tuple[int, int]] = []
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            missing.append(term)
            continue
        known.append((tid, qtf))
        term_ids, w = index.postings(tid)
        ids_parts.append(term_ids)
        w_parts.append(w.astype(np.float64) * qtf)
    if not ids_parts:
        return np.empty(0, np.int64), np.empty(0, np.float64), missing
    ids: NDArray[np.int64] = np.concatenate(ids_parts).astype(np.int64)
    weights = np.concatenate(w_parts)
    if len(ids_parts) == 1:
        scores: NDArray[np.float64] = weights
    else:
        ids, inverse = np.unique(ids, return_inverse=True)
        scores = np.bincount(inverse, weights=weights).astype(np.float64)
    scores = scores + index.query_constant(known)
    return ids, scores, missing


@dataclass(frozen=True, slots=True)
class Evidence:
    """How much the surroundings of a sentence count, besides its own BM25 score.

    A sentence that answers a question often does not repeat the question's
    words: they are in the sentence before, in the paragraph, or in the title.
    Measured on SQuAD (bench/quality.py), these weights are qa's defaults.

    Attributes:
        window: weight of the neighbouring sentences' scores (same paragraph).
        paragraph: weight of the paragraph's own BM25 score (paragraphs as documents).
        title: weight of question words found in the document title or section heading.
        expand: paragraphs (best first) whose other sentences also become candidates.
    """

    window: float = 0.15
    paragraph: float = 1.2
    title: float = 0.3
    expand: int = 20
    paragraph_k1: float = 0.6
    paragraph_b: float = 0.75


DEFAULT_EVIDENCE = Evidence()
#: Candidates (best by sentence, window and paragraph evidence) whose title is looked up.
TITLE_SHORTLIST = 500


@dataclass(slots=True)
class Ranked:
    """Candidates and the parts of their final scores (aligned arrays)."""

    ids: NDArray[np.int64]
    sentence: NDArray[np.float64]
    window: NDArray[np.float64]
    paragraph: NDArray[np.float64]
    title: NDArray[np.float64]
    constant: float
    missing: list[str]
    ev: Evidence

    @property
    def total(self) -> NDArray[np.float64]:
        """Final scores: the sentence's own BM25 plus weighted evidence."""
        ev = self.ev
        return (self.sentence + self.constant + ev.window * self.window + ev.paragraph * self.paragraph
                + ev.title * self.title)


def _paragraph_scores(
    index: Index, terms: list[str], k1: float, b: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """BM25 of paragraphs as documents (Lucene idf), sparse."""
    pid, plen = index.paragraphs()
    n_par = len(plen)
    avg = float(plen.mean()) if n_par else 1.0
    a = index.arrays
    ids_parts, w_parts = [], []
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        lo, hi = int(a["p_ptr"][tid]), int(a["p_ptr"][tid + 1])
        pids = pid[np.asarray(a["p_chunk"][lo:hi])]
        tf = np.asarray(a["p_tf"][lo:hi], dtype=np.float64)
        upids, inverse = np.unique(pids, return_inverse=True)
        tfp = np.bincount(inverse, weights=tf)
        df = len(upids)
        idf = np.log(1 + (n_par - df + 0.5) / (df + 0.5))
        w = idf * tfp * (k1 + 1) / (tfp + k1 * (1 - b + b * plen[upids] / avg))
        ids_parts.append(upids)
        w_parts.append(w * qtf)
    if not ids_parts:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    ids = np.concatenate(ids_parts)
    weights = np.concatenate(w_parts)
    ids, inverse = np.unique(ids, return_inverse=True)
    totals: NDArray[np.float64] = np.bincount(inverse, weights=weights).astype(np.float64)
    return ids.astype(np.int64), totals


def rank(index: Index, terms: list[str], ev: Evidence = DEFAULT_EVIDENCE) -> Ranked:
    """Score the candidate sentences for ``terms``: own BM25 plus weighted evidence."""
    ids, sent, missing = score(index, terms)
    known = [(t, n) for t, n in ((index.term_id(t), n) for t, n in Counter(terms).items()) if t is not None]
    constant = index.query_constant(known)
    sent = sent - constant
    pid, _ = index.paragraphs()
    par_ids, par_w = _paragraph_scores(index, terms, ev.paragraph_k1, ev.paragraph_b) if (ev.paragraph or ev.expand) else (ids[:0], sent[:0])
    cand = ids
    if ev.expand and len(par_ids):
        best = par_ids[np.argsort(-par_w, kind="stable")[: ev.expand]]
        cand = np.union1d(ids, index.paragraph_chunks(best))
    sentence = np.zeros(len(cand))
    sentence[np.searchsorted(cand, ids)] = sent
    window = np.zeros(len(cand))
    if ev.window and len(ids):
        for step in (-1, 1):
            nb = ids + step
            ok = (nb >= 0) & (nb < index.n_chunks)
            nb, src = nb[ok], sent[ok]
            same = pid[nb] == pid[ids[ok]]
            nb, src = nb[same], src[same]
            pos = np.searchsorted(cand, nb)
            inside = (pos < len(cand)) & (cand[np.minimum(pos, len(cand) - 1)] == nb)
            np.add.at(window, pos[inside], src[inside])
    paragraph = np.zeros(len(cand))
    if len(par_ids):
        cp = pid[cand]
        pos = np.searchsorted(par_ids, cp)
        inside = (pos < len(par_ids)) & (par_ids[np.minimum(pos, len(par_ids) - 1)] == cp)
        paragraph[inside] = par_w[pos[inside]]
    title = np.zeros(len(cand))
    if ev.title and len(cand):
        # The title bonus is small and bounded: only the best candidates by the other
        # evidence can be lifted into the top results, so only they are looked up.
        partial = sentence + ev.window * window + ev.paragraph * paragraph
        best = np.argsort(-partial, kind="stable")[:TITLE_SHORTLIST]
        title[best] = _title_scores(index, cand[best], known)
    return Ranked(cand.astype(np.int64), sentence, window, paragraph, title, constant, missing, ev)


def _title_scores(index: Index, cand: NDArray[np.int64], known: list[tuple[int, int]]) -> NDArray[np.float64]:
    """Sum of idf of the question terms that occur in each candidate's title or section.

    Computed once per distinct (document, section) among the candidates.
    """
    if not known or not len(cand):
        return np.zeros(len(cand))
    idf = {index.term(tid): index.idf(tid) * qtf for tid, qtf in known}
    docs = np.asarray(index.arrays["c_doc"][cand], dtype=np.int64)
    sections = np.asarray(index.arrays["c_section"][cand], dtype=np.int64) + 1
    keys, first, inverse = np.unique(docs * (len(index.sections) + 1) + sections, return_index=True,
                                     return_inverse=True)
    values = np.zeros(len(keys))
    for j, i in enumerate(first.tolist()):
        heading = index.heading_terms(int(cand[i]))
        if heading:
            values[j] = sum(w for term, w in idf.items() if term in heading)
    return values[inverse]


def reranked(
    index: Index, question: str, terms: list[str], ranked: Ranked, size: int, rr: Rerank = DEFAULT_RERANK
) -> tuple[NDArray[np.int64], NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Re-score the ``size`` best first-stage candidates (:mod:`qa.rerank`).

    Returns:
        The shortlisted ids, their final scores, and the named parts of those scores.
    """
    best = [cid for cid, _ in top_k(ranked.ids, ranked.total, size)]
    pos = np.searchsorted(ranked.ids, np.asarray(best, dtype=np.int64))
    ids = ranked.ids[pos]
    first = {"paragraph": ranked.paragraph[pos]}
    scores, parts = rerank_scores(index, question, terms, ids, first, rr)
    return ids, scores, parts


def dense_scores(index: Index, question: str, ev: Evidence = DEFAULT_EVIDENCE,
                 rr: Rerank = DEFAULT_RERANK) -> NDArray[np.float64]:
    """Final order of every chunk as scores (non-candidates get the lowest), for evaluation.

    Re-scored candidates come first, in their second-stage order; the others
    follow in first-stage order.
    """
    terms = query_terms(question)
    ranked = rank(index, terms, ev)
    totals = ranked.total
    out = np.full(index.n_chunks, ranked.constant - 1.0)
    out[ranked.ids] = totals
    if rr.shortlist and len(totals):
        ids, scores, _ = reranked(index, question, terms, ranked, rr.shortlist, rr)
        out[ids] = scores - scores.min() + totals.max() + 1.0
    return out


def top_k(ids: NDArray[np.int64], scores: NDArray[np.float64], k: int) -> list[tuple[int, float]]:
    """The ``k`` best (id, score) pairs: higher score first, then document order."""
    if k <= 0 or len(ids) == 0:
        return []
    if len(ids) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= threshold
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(ids[i]), float(scores[i])) for i in order]


def explain(index: Index, cid: int, terms: list[str]) -> dict[str, float]:
    """Each question term's contribution to chunk ``cid``'s score."""
    parts: dict[str, float] = {}
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        ids, w = index.postings(tid)
        pos = int(np.searchsorted(ids, cid))
        if pos < len(ids) and int(ids[pos]) == cid:
            parts[term] = float(w[pos]) * qtf
    return parts


def _missing_words(question: str, missing_terms: list[str]) -> list[str]:
    """Map missing terms back to the words the user typed."""
    gone = set(missing_terms)
    out: list[str] = []
    for term, start, end in analyze(question):
        word = question[start:end]
        if term in gone and word not in out:
            out.append(word)
    return out


def search(index: Index, question: str, k: int = 3, context: int = 1, with_explain: bool = False) -> Answer:
    """Rank the index's sentences for ``question``.

    Args:
        index: a built or loaded index.
        question: free text; stopwords and punctuation are ignored.
        k: how many sentences to return.
        context: neighbouring sentences of the same paragraph to attach.
        with_explain: attach per-term contributions to each hit.

    Raises:
        QueryError: the question is empty or too long.
    """
    q = check_question(question)
    terms = query_terms(q)
    ranked = rank(index, terms, DEFAULT_EVIDENCE)
    rr = DEFAULT_RERANK
    if rr.shortlist and len(ranked.ids):
        ids, scores, parts = reranked(index, q, terms, ranked, max(rr.shortlist, k), rr)
        where = {cid: j for j, cid in enumerate(ids.tolist())}
        order = [(where[cid], cid, value) for cid, value in top_k(ids, scores, k)]
        best = [(cid, value, {name: float(arr[j]) for name, arr in parts.items() if arr[j]} if with_explain else {})
                for j, cid, value in order]
    else:
        best = [(cid, value, _first_stage_explain(index, ranked, cid, terms) if with_explain else {})
                for cid, value in top_k(ranked.ids, ranked.total, k)]
    hits = [_hit(index, n, cid, value, context, why) for n, (cid, value, why) in enumerate(best, start=1)]
    return Answer(question=q, terms=terms, hits=hits, missing=_missing_words(q, ranked.missing))


def _first_stage_explain(index: Index, ranked: Ranked, cid: int, terms: list[str]) -> dict[str, float]:
    """Per-term contributions and evidence of a first-stage score (second stage off)."""
    parts = explain(index, cid, terms)
    i = int(np.searchsorted(ranked.ids, cid))
    ev = ranked.ev
    if ranked.constant:
        parts["[bm25+ delta]"] = ranked.constant  # BM25Plus gives every sentence idf x delta
    for name, arr, weight in (("[window]", ranked.window, ev.window),
                              ("[paragraph]", ranked.paragraph, ev.paragraph),
                              ("[title]", ranked.title, ev.title)):
        if arr[i] * weight:
            parts[name] = float(arr[i] * weight)
    return parts


def _hit(index: Index, rank: int, cid: int, value: float, context: int, parts: dict[str, float]) -> Hit:
    a = index.arrays
    doc = index.doc_of(cid)
    before, after = index.neighbours(cid, context, context)
    page = int(a["c_page"][cid])
    return Hit(
        rank=rank,
        score=value,
        chunk=cid,
        source=doc.source,
        path=doc.path,
        title=doc.title,
        section=index.section(cid),
        page=page or None,
        line=int(a["c_line"][cid]),
        column=int(a["c_col"][cid]),
        start=int(a["c_start"][cid]),
        end=int(a["c_end"][cid]),
        text=index.text(cid),
        before=[index.text(i) for i in before],
        after=[index.text(i) for i in after],
        explain=parts,
    )


def stopword_only(question: str) -> bool:
    """True when the question has words but every one is a stopword."""
    return bool(words(question)) and not query_terms(question)
