"""Answer a question from an index: pure, no I/O, no printing."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.analyzers import analyze_question
from qa.errors import QueryError
from qa.index import term_language
from qa.ranking import DEFAULT_RANKING, BM25Params, Evidence, Ranking, Rerank
from qa.rerank import heading_candidates, rerank_scores
from qa.tokens import tokenize, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.index import Index, Location

#: Longest question accepted, in characters (a pasted page is not a question).
MAX_QUESTION_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Place:
    """Another place that holds the same sentence as a hit (a copy of its page)."""

    source: str
    path: str
    line: int
    column: int
    page: int | None


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked sentence with everything needed to cite and show it.

    ``duplicates`` are the other places, among the best candidates, that hold
    the same sentence (a page's copy in another format, a generated "all in
    one" page): it is shown once.
    """

    rank: int
    score: float
    chunk: int
    source: str
    path: str
    title: str | None
    section: str | None
    label: str | None
    page: int | None
    line: int
    column: int
    start: int
    end: int
    text: str
    before: list[str]
    after: list[str]
    explain: dict[str, float] = field(default_factory=dict)
    duplicates: list[Place] = field(default_factory=list)
    location: Location | None = None  # the page, paragraph, cell, EPUB item or message (page: also ``page``)
    lang: str = "en"  # the language its document was analysed in


@dataclass(frozen=True, slots=True)
class Answer:
    """The hits for one question, and what could not be matched."""

    question: str
    terms: list[str]
    hits: list[Hit]
    missing: list[str]
    ignored: list[str] = field(default_factory=list)


#: A word typed in capitals that may be an acronym the documents spell out ("GIL").
_CAPITALS = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")


def with_long_forms(index: Index, question: str, terms: list[str]) -> list[str]:
    """``terms`` and the words of the long forms of the acronyms typed in ``question``.

    "what is the GIL" also searches "global interpreter lock" when a document
    says "global interpreter lock (GIL)" (:meth:`qa.index.Index.acronyms`).
    """
    found = _CAPITALS.findall(question)
    if not found:
        return terms
    table = index.acronyms()
    extra: list[str] = []
    for word in found:
        long = table.get(word.lower())
        if long:
            extra += [t for t in tokenize(long) if t not in terms and t not in extra]
    return terms + extra


def query_terms(question: str, langs: Sequence[str] = ("en",)) -> list[str]:
    """The question's index terms, in order (duplicates kept, as rank-bm25 does), in each of ``langs``.

    Stopwords are left out unless they are the point of the question
    (:func:`qa.tokens.analyze_question`: "the *with* statement").
    """
    return [term for term, _, _ in analyze_question(question, langs)[0]]


def check_question(question: str) -> str:
    """Return the question stripped, or raise QueryError when it cannot be asked."""
    q = question.strip()
    if not q:
        raise QueryError("empty question")
    if len(q) > MAX_QUESTION_CHARS:
        raise QueryError(f"question too long ({len(q):,} characters; at most {MAX_QUESTION_CHARS:,})")
    return q


def lookup(index: Index, terms: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """The known terms as (term id, count in the question), in question order, and the unknown terms."""
    known: list[tuple[int, int]] = []
    missing: list[str] = []
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            missing.append(term)
        else:
            known.append((tid, qtf))
    return known, missing


def _sum_runs(ids_parts: list[NDArray[Any]], w_parts: list[NDArray[np.float64]]
              ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Add up weights by id over runs that are each sorted by id with no repeats.

    A stable sort merges the runs (timsort finds them, so this costs far less
    than a general sort or a hash), and each id's weights are then added in
    run order, one after the other: the sums are bit for bit those of a
    ``bincount`` over the concatenated runs, whatever the number of runs.
    """
    if not ids_parts:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    if len(ids_parts) == 1:
        return ids_parts[0].astype(np.int64), w_parts[0]
    ids = np.concatenate(ids_parts)
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    first = np.concatenate(([True], ids[1:] != ids[:-1]))
    # bincount adds in input order (reduceat may pair the terms differently).
    sums = np.bincount(np.cumsum(first) - 1, weights=np.concatenate(w_parts)[order]).astype(np.float64, copy=False)
    return ids[first].astype(np.int64), sums


def _sentence_scores(index: Index, known: list[tuple[int, int]], params: BM25Params | None = None
                     ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Ids of the chunks matching at least one known term, and their BM25 scores without the constant."""
    ids_parts: list[NDArray[np.int64]] = []
    w_parts: list[NDArray[np.float64]] = []
    for tid, qtf in known:
        term_ids, weights = index.sentence_weights(tid, params)
        if qtf != 1:
            weights = weights * qtf
        ids_parts.append(term_ids)
        w_parts.append(weights)
    return _sum_runs(ids_parts, w_parts)


def score(index: Index, terms: list[str], params: BM25Params | None = None
          ) -> tuple[NDArray[np.int64], NDArray[np.float64], list[str]]:
    """Sum the posting weights of ``terms`` (sentence BM25 under ``params``, default the index's).

    Returns:
        Ids of chunks that match at least one term, their scores (aligned), and
        the terms that are not in the index.
    """
    known, missing = lookup(index, terms)
    ids, scores = _sentence_scores(index, known, params)
    return ids, scores + index.query_constant(known, params), missing


DEFAULT_EVIDENCE = DEFAULT_RANKING.evidence
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
    par_ids: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    par_w: NDArray[np.float64] = field(default_factory=lambda: np.empty(0, np.float64))

    @property
    def total(self) -> NDArray[np.float64]:
        """Final scores: the sentence's own BM25 plus weighted evidence."""
        ev = self.ev
        return (self.sentence + self.constant + ev.window * self.window + ev.paragraph * self.paragraph
                + ev.title * self.title)


def _paragraph_weights(index: Index, n_par: int, pids: NDArray[Any], tf: NDArray[Any], k1: float, b: float
                       ) -> NDArray[np.float64]:
    """One term's BM25 weight in each paragraph that holds it (paragraphs as documents, Lucene idf)."""
    tfp = tf.astype(np.float64)
    df = len(pids)
    idf = np.log(1 + (n_par - df + 0.5) / (df + 0.5))
    w: NDArray[np.float64] = idf * tfp * (k1 + 1) / (tfp + index.paragraph_norms(k1, b, pids))
    return w


def _paragraph_scores(
    index: Index, known: list[tuple[int, int]], k1: float, b: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """BM25 of paragraphs as documents (Lucene idf), sparse."""
    n_par = index.n_paragraphs
    ids_parts: list[NDArray[np.int64]] = []
    w_parts: list[NDArray[np.float64]] = []
    for tid, qtf in known:
        pids, tf = index.paragraph_postings(tid)
        w = index.term_array(("paragraph", tid, k1, b), len(pids),
                             partial(_paragraph_weights, index, n_par, pids, tf, k1, b))
        if qtf != 1:
            w = w * qtf
        ids_parts.append(pids)
        w_parts.append(w)
    return _sum_runs(ids_parts, w_parts)


def _best(values: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Positions of the ``k`` largest values, ties going to the lower position.

    The same set as ``np.argsort(-values, kind="stable")[:k]`` (in another
    order), in linear time rather than a sort of every candidate.
    """
    n = len(values)
    if n <= k:
        return np.arange(n, dtype=np.int64)
    if k <= 0:
        return np.empty(0, np.int64)
    threshold = np.partition(values, n - k)[n - k]
    above = np.flatnonzero(values > threshold)
    tied = np.flatnonzero(values == threshold)[: k - len(above)]
    return np.concatenate((above, tied)).astype(np.int64)


def _with_chunks(ids: NDArray[np.int64], sent: NDArray[np.float64], extra: NDArray[np.int64]
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Sorted ``ids`` plus the sorted ``extra`` chunks not already there (scored 0), merged in order."""
    pos = np.searchsorted(ids, extra)
    there = ids[np.minimum(pos, len(ids) - 1)] == extra if len(ids) else np.zeros(len(extra), dtype=bool)
    new, at = extra[~there], pos[~there]
    if not len(new):
        return ids, sent
    slots = at + np.arange(len(new))  # where each new chunk lands in the merged order
    keep = np.ones(len(ids) + len(new), dtype=bool)
    keep[slots] = False
    cand = np.empty(len(keep), dtype=np.int64)
    cand[keep], cand[slots] = ids, new
    sentence = np.zeros(len(keep))
    sentence[keep] = sent
    return cand, sentence


def _window(cand: NDArray[np.int64], cpar: NDArray[Any], sentence: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum of the sentence scores of each candidate's two neighbours in its paragraph.

    A neighbour with a score is itself a candidate, and candidates are
    sorted, so neighbours are next to each other in ``cand``: two shifts.
    """
    window = np.zeros(len(cand))
    if len(cand) > 1:
        adjacent = (cand[1:] - 1 == cand[:-1]) & (cpar[1:] == cpar[:-1])
        window[1:] = np.where(adjacent, sentence[:-1], 0.0)
        window[:-1] += np.where(adjacent, sentence[1:], 0.0)
    return window


def _per_candidate(cpar: NDArray[Any], par_ids: NDArray[np.int64], par_w: NDArray[np.float64]
                   ) -> NDArray[np.float64]:
    """Each candidate's paragraph score, from the candidates' sorted paragraph ids."""
    out = np.zeros(len(cpar))
    if not len(par_ids) or not len(cpar):
        return out
    first = np.concatenate(([True], cpar[1:] != cpar[:-1]))
    heads = cpar[first]
    if len(heads) == len(par_ids) and bool((heads == par_ids).all()):
        # Every candidate's paragraph has a question term, and every such paragraph holds a candidate.
        spread: NDArray[np.float64] = par_w[np.cumsum(first) - 1]
        return spread
    pos = np.searchsorted(par_ids, cpar)
    inside = (pos < len(par_ids)) & (par_ids[np.minimum(pos, len(par_ids) - 1)] == cpar)
    out[inside] = par_w[pos[inside]]
    return out


def rank(index: Index, terms: list[str], ev: Evidence = DEFAULT_EVIDENCE, params: BM25Params | None = None) -> Ranked:
    """Score the candidate sentences for ``terms``: own BM25 plus weighted evidence.

    Candidates are the sentences matching a term plus every sentence of the
    ``ev.expand`` best paragraphs; all of them get every part of their score
    except the title bonus, which only the best ``TITLE_SHORTLIST`` by the
    other parts are looked up for. ``params``: the sentence BM25 (default: the index's).
    """
    known, missing = lookup(index, terms)
    constant = index.query_constant(known, params)
    ids, sent = _sentence_scores(index, known, params)
    if ev.paragraph or ev.expand:
        par_ids, par_w = _paragraph_scores(index, known, ev.paragraph_k1, ev.paragraph_b)
    else:
        par_ids, par_w = ids[:0], sent[:0]
    cand, sentence = ids, sent
    if ev.expand and len(par_ids):
        best = np.sort(par_ids[_best(par_w, ev.expand)])
        cand, sentence = _with_chunks(ids, sent, index.paragraph_chunks(best))
    cpar = index.column("g_pid", cand)
    window = _window(cand, cpar, sentence) if ev.window else np.zeros(len(cand))
    paragraph = _per_candidate(cpar, par_ids, par_w)
    title = np.zeros(len(cand))
    if ev.title and len(cand):
        # The title bonus is small and bounded: only the best candidates by the other
        # evidence can be lifted into the top results, so only they are looked up.
        partial = sentence + ev.window * window + ev.paragraph * paragraph
        best = _best(partial, TITLE_SHORTLIST)
        title[best] = _title_scores(index, cand[best], known, params)
    return Ranked(cand, sentence, window, paragraph, title, constant, missing, ev, par_ids, par_w)


def _title_scores(index: Index, cand: NDArray[np.int64], known: list[tuple[int, int]],
                  params: BM25Params | None = None) -> NDArray[np.float64]:
    """Sum of idf of the question terms that occur in each candidate's title or section.

    Each distinct title and section among the candidates is looked up once
    per term; the sums then run over the terms, vectorised over candidates.
    """
    if not known or not len(cand):
        return np.zeros(len(cand))
    terms = [(index.term(tid), index.idf(tid, params) * qtf) for tid, qtf in known]
    docs, doc_slot = np.unique(index.column("c_doc", cand), return_inverse=True)
    sections, section_slot = np.unique(index.column("c_section", cand), return_inverse=True)
    labels, label_slot = np.unique(index.column("c_label", cand), return_inverse=True)
    in_title = _occurs(terms, [index.title_terms(d) for d in docs.tolist()])
    in_section = _occurs(terms, [index.section_terms(s) for s in sections.tolist()])
    in_label = _occurs(terms, [index.label_terms(x) for x in labels.tolist()])
    found = in_title[doc_slot.ravel()] | in_section[section_slot.ravel()] | in_label[label_slot.ravel()]
    if len(index.langs) > 1:  # a heading several documents share holds the terms of each one's language
        held = {lang: [term_language(term) in (None, lang) for term, _ in terms] for lang in index.langs}
        found &= np.array([held.get(index.lang_of(c), held[index.langs[0]]) for c in cand.tolist()], dtype=bool)
    values = np.zeros(len(cand))
    for j, (_, weight) in enumerate(terms):
        values += np.where(found[:, j], weight, 0.0)  # in question order, as a sum over the terms would
    return values


def _occurs(terms: list[tuple[str, float]], headings: list[frozenset[str]]) -> NDArray[np.bool_]:
    """Which terms (columns) each heading (rows) holds."""
    table = np.zeros((len(headings), len(terms)), dtype=bool)
    wanted = frozenset(term for term, _ in terms)
    for row, heading in enumerate(headings):
        if not heading.isdisjoint(wanted):  # most headings hold none of the question's terms
            table[row] = [term in heading for term, _ in terms]
    return table


def reranked(
    index: Index, question: str, terms: list[str], ranked: Ranked, size: int, rr: Rerank = DEFAULT_RANKING.rerank,
    params: BM25Params | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Re-score the ``size`` best first-stage candidates (:mod:`qa.rerank`).

    Returns:
        The shortlisted ids, their final scores, and the named parts of those scores.
    """
    best = [cid for cid, _ in top_k(ranked.ids, ranked.total, size)]
    pos = np.searchsorted(ranked.ids, np.asarray(best, dtype=np.int64))
    ids = ranked.ids[pos]
    paragraph = ranked.paragraph[pos]
    if rr.headings and len(ids):
        extra = np.setdiff1d(heading_candidates(index, terms, rr.headings, rr.heading_floor, params=params), ids)
        if len(extra):
            # Their paragraph's BM25, as the first stage gives its candidates.
            pids = index.column("g_pid", extra)
            ids = np.concatenate((ids, extra))
            paragraph = np.concatenate((paragraph, _per_candidate(pids, ranked.par_ids, ranked.par_w)))
    first = {"paragraph": paragraph}
    scores, parts = rerank_scores(index, question, terms, ids, first, rr, params)
    return ids, scores, parts


def dense_scores(index: Index, question: str, ranking: Ranking = DEFAULT_RANKING) -> NDArray[np.float64]:
    """Final order of every chunk as scores (non-candidates get the lowest), for evaluation.

    Re-scored candidates come first, in their second-stage order; the others
    follow in first-stage order.
    """
    ev, rr = ranking.evidence, ranking.rerank
    terms = with_long_forms(index, question, query_terms(question, index.langs))
    ranked = rank(index, terms, ev, ranking.bm25)
    totals = ranked.total
    out = np.full(index.n_ids, ranked.constant - 1.0)
    out[ranked.ids] = totals
    if rr.shortlist and len(totals):
        ids, scores, _ = reranked(index, question, terms, ranked, rr.shortlist, rr, ranking.bm25)
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


def explain(index: Index, cid: int, terms: list[str], params: BM25Params | None = None) -> dict[str, float]:
    """Each question term's contribution to chunk ``cid``'s score."""
    parts: dict[str, float] = {}
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        ids, w = index.sentence_weights(tid, params)
        pos = int(np.searchsorted(ids, cid))
        if pos < len(ids) and int(ids[pos]) == cid:
            parts[term] = float(w[pos]) * qtf
    return parts


def _missing_words(analyzed: list[tuple[str, int, int]], question: str, missing_terms: list[str]) -> list[str]:
    """Map missing terms back to the words the user typed: those none of whose terms (in any language) is known."""
    gone = set(missing_terms)
    found: dict[tuple[int, int], bool] = {}
    for term, start, end in analyzed:
        found[start, end] = found.get((start, end), False) or term not in gone
    for _, start, end in analyzed:  # a bigram of unspaced text: the word around it
        if not found[start, end] and any(s <= start and end <= e and ok for (s, e), ok in found.items()):
            found[start, end] = True
    return list(dict.fromkeys(question[s:e] for (s, e), ok in found.items() if not ok))


#: First-stage candidates looked at for other copies of the sentences shown.
DUPLICATE_POOL = 100


def search(index: Index, question: str, k: int = 3, context: int = 1, with_explain: bool = False,
           ranking: Ranking = DEFAULT_RANKING) -> Answer:
    """Rank the index's sentences for ``question``.

    A sentence that is the same as a better one (equal once whitespace and
    case are normalised, or one holding the other and at least half as long)
    is not shown again: the better one lists where else it stands.

    Args:
        index: a built or loaded index.
        question: free text; stopwords and punctuation are ignored.
        k: how many sentences to return.
        context: neighbouring sentences of the same paragraph to attach.
        with_explain: attach per-term contributions to each hit.
        ranking: the ranking's parameters (all of them, the sentence BM25's included, apply at question time).

    Raises:
        QueryError: the question is empty or too long.
    """
    q = check_question(question)
    analyzed, ignored = analyze_question(q, index.langs)
    terms = with_long_forms(index, q, [term for term, _, _ in analyzed])
    ranked = rank(index, terms, ranking.evidence, ranking.bm25)
    rr = ranking.rerank
    texts: dict[int, SameKey] = {}
    if rr.shortlist and len(ranked.ids):
        size = max(rr.shortlist, 2 * k)
        while True:
            ids, scores, parts = reranked(index, q, terms, ranked, size, rr, ranking.bm25)
            where = {cid: j for j, cid in enumerate(ids.tolist())}
            order = [(cid, value) for cid, value in top_k(ids, scores, len(ids))]
            picked = _distinct(index, order, k, texts)
            if len(picked) >= k or size >= len(ranked.ids):
                break
            size *= 2
        best = [(cid, value, {name: float(arr[where[cid]]) for name, arr in parts.items() if arr[where[cid]]}
                 if with_explain else {}) for cid, value in picked]
    else:
        picked = _distinct(index, top_k(ranked.ids, ranked.total, max(4 * k, 20)), k, texts)
        best = [(cid, value, _first_stage_explain(index, ranked, cid, terms, ranking.bm25) if with_explain else {})
                for cid, value in picked]
    pool = [cid for cid, _ in top_k(ranked.ids, ranked.total, DUPLICATE_POOL)]
    copies = _copies(index, [cid for cid, _, _ in best], pool, texts)
    hits = []
    for n, (cid, value, why) in enumerate(best, start=1):
        others = copies.get(cid, [])
        page = _page_of_source(index, cid, others)
        if page is not None:  # the page a Sphinx source copy was built into is shown, the copy listed
            others = [cid, *(o for o in others if o != page)]
            cid = page
        hits.append(_hit(index, n, cid, value, context, why, [_place(index, o) for o in others]))
    return Answer(question=q, terms=terms, hits=hits, missing=_missing_words(analyzed, q, ranked.missing),
                  ignored=ignored)


_ALNUM_RUN = re.compile(r"[^\W_]+")
_GAP_BEFORE = re.compile(r"\s+(?=[.,;:!?)\]}])|(?<=[(\[{])\s+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


SameKey = tuple[str, str]


def same_text_key(text: str) -> SameKey:
    """A sentence's text for comparing copies: case, quotes and whitespace normalised; and its words.

    The words (runs of letters and digits, one space apart) find copies whose
    markup was rendered differently ("os.path.join()" in HTML, "os.path.join"
    in its reStructuredText source).
    """
    text = " ".join(text.translate(_QUOTES).casefold().split())
    return _GAP_BEFORE.sub("", text), " " + " ".join(_ALNUM_RUN.findall(text)) + " "


def _holds(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return 2 * len(short) >= len(long) and short in long


def same_sentence(a: SameKey, b: SameKey) -> bool:
    """Whether two sentences (their :func:`same_text_key`) are the same: their texts or their
    words are equal, or one holds the other and is at least half as long (the same sentence
    split differently by two readers)."""
    return _holds(a[0], b[0]) or (a[1].count(" ") > 3 and _holds(a[1], b[1]))


def _key(index: Index, cid: int, texts: dict[int, SameKey]) -> SameKey:
    found = texts.get(cid)
    if found is None:
        found = texts[cid] = same_text_key(index.text(cid))
    return found


def _distinct(index: Index, order: list[tuple[int, float]], k: int, texts: dict[int, SameKey]
              ) -> list[tuple[int, float]]:
    """The first ``k`` of ``order`` that are not the same sentence as an earlier one."""
    picked: list[tuple[int, float]] = []
    if k <= 0:
        return picked
    for cid, value in order:
        key = _key(index, cid, texts)
        if any(same_sentence(key, _key(index, other, texts)) for other, _ in picked):
            continue
        picked.append((cid, value))
        if len(picked) >= k:
            break
    return picked


def _copies(index: Index, shown: list[int], pool: list[int], texts: dict[int, SameKey]) -> dict[int, list[int]]:
    """For each shown chunk, the other chunks of ``pool`` that hold the same sentence."""
    out: dict[int, list[int]] = {}
    taken = set(shown)
    for cid in shown:
        key = _key(index, cid, texts)
        for other in pool:
            if other not in taken and same_sentence(key, _key(index, other, texts)):
                taken.add(other)
                out.setdefault(cid, []).append(other)
    return out


_SPHINX_SOURCES = "/_sources/"
_SOURCE_EXTENSIONS = (".rst", ".md", ".ipynb", ".txt")


def sphinx_page(path: str) -> str | None:
    """The page (without ``.html``) Sphinx built from its copy of a source, ``_sources/a/b.rst.txt``
    -> ``a/b``, in the same folder as ``_sources``; None for any other file."""
    root, found, rel = path.replace(os.sep, "/").rpartition(_SPHINX_SOURCES)
    if not found:
        return None
    rel = rel.removesuffix(".txt")
    for ext in _SOURCE_EXTENSIONS:
        rel = rel.removesuffix(ext)
    return f"{root}/{rel}"


def _page_of_source(index: Index, cid: int, others: list[int]) -> int | None:
    """Among a sentence's copies, the one in the HTML page built from it, when it is a Sphinx
    ``_sources`` copy (a person pointed at the pages reads and opens those)."""
    page = sphinx_page(index.doc_of(cid).path)
    if page is None:
        return None
    for other in others:
        stem, dot, ext = index.doc_of(other).path.replace(os.sep, "/").rpartition(".")
        if dot and ext.lower() in ("html", "htm") and stem == page:
            return other
    return None


def _place(index: Index, cid: int) -> Place:
    doc = index.doc_of(cid)
    location = index.location(cid)
    page = location.number if location is not None and location.kind == "page" else None
    line, column, _, _ = index.position(cid)
    return Place(doc.source, doc.path, line, column, page)


def _first_stage_explain(index: Index, ranked: Ranked, cid: int, terms: list[str],
                         params: BM25Params | None = None) -> dict[str, float]:
    """Per-term contributions and evidence of a first-stage score (second stage off)."""
    parts = explain(index, cid, terms, params)
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


def _hit(index: Index, rank: int, cid: int, value: float, context: int, parts: dict[str, float],
         duplicates: list[Place]) -> Hit:
    doc = index.doc_of(cid)
    before, after = index.neighbours(cid, context, context)
    location = index.location(cid)
    line, column, start, end = index.position(cid)
    return Hit(
        rank=rank,
        score=value,
        chunk=cid,
        source=doc.source,
        path=doc.path,
        title=doc.title,
        section=index.section(cid),
        label=index.label(cid),
        page=location.number if location is not None and location.kind == "page" else None,
        line=line,
        column=column,
        start=start,
        end=end,
        text=index.text(cid),
        before=[index.text(i) for i in before],
        after=[index.text(i) for i in after],
        explain=parts,
        duplicates=duplicates,
        location=location,
        lang=doc.lang,
    )


def stopword_only(question: str, langs: Sequence[str] = ("en",)) -> bool:
    """True when the question has words but every one is a stopword."""
    return bool(words(question)) and not query_terms(question, langs)
