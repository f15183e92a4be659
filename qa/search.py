"""Answer a question from an index: pure, no I/O, no printing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QueryError
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
    ids, scores, missing = score(index, terms)
    hits = [
        _hit(index, rank, cid, value, context, explain(index, cid, terms) if with_explain else {})
        for rank, (cid, value) in enumerate(top_k(ids, scores, k), start=1)
    ]
    return Answer(question=q, terms=terms, hits=hits, missing=_missing_words(q, missing))


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
