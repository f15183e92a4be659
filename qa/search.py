"""Answer a question from an index: pure, no I/O, no printing."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from qa import bm25
from qa.analyzers import analyze_question
from qa.errors import QueryError
from qa.index import missing_ids, term_language, unique_ids
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
    #: The scored paragraphs and their paragraph scores (ascending ids).
    paragraphs: tuple[NDArray[np.int64], NDArray[np.float64]] | None = None
    #: How many of the best candidates (by :attr:`total`) are those of every candidate, in order:
    #: all of them, unless the first stage skipped what cannot reach the top (:func:`rank` ``top``).
    exact: int = -1
    _total: NDArray[np.float64] | None = None
    _top: list[tuple[int, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.exact < 0:
            self.exact = len(self.ids)

    @property
    def partial(self) -> NDArray[np.float64]:
        """Scores without the constant and the title (what picks the title shortlist)."""
        ev = self.ev
        return self.sentence + ev.window * self.window + ev.paragraph * self.paragraph

    @property
    def complete(self) -> bool:
        """Whether every candidate is here (no sentence was skipped)."""
        return self.exact >= len(self.ids)

    @property
    def total(self) -> NDArray[np.float64]:
        """Final scores: the sentence's own BM25 plus weighted evidence (computed once)."""
        if self._total is None:
            ev = self.ev
            self._total = (self.sentence + self.constant + ev.window * self.window + ev.paragraph * self.paragraph
                           + ev.title * self.title)
        return self._total

    def top(self, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (id, total score) pairs, best first (:func:`top_k`; the longest list asked for is
        kept, and a shorter one is its beginning)."""
        if k > len(self._top) and len(self._top) < len(self.ids):
            self._top = top_k(self.ids, self.total, k)
        return self._top[:k]


def _paragraph_idf(n_par: int, df: int) -> float:
    """Lucene's idf of a term held by ``df`` of ``n_par`` paragraphs."""
    return float(np.log(1 + (n_par - df + 0.5) / (df + 0.5)))


def _paragraph_weights(index: Index, n_par: int, pids: NDArray[Any], tf: NDArray[Any], k1: float, b: float,
                       df: int | None = None) -> NDArray[np.float64]:
    """One term's BM25 weight in each paragraph ``pids`` (paragraphs as documents, Lucene idf); ``df``: the
    paragraphs that hold it (default: ``pids``, all of them)."""
    tfp = tf.astype(np.float64)
    df = len(pids) if df is None else df
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


#: :func:`_kth_and_holders` guesses from a sample when there are this many times ``k`` values or more.
_SAMPLED_BEST = 64


def _kth_and_holders(values: NDArray[np.float64], k: int) -> tuple[float, NDArray[np.int64] | None]:
    """The ``k``-th largest of ``values`` (1 <= ``k`` <= their number), and, when it was found from a
    sample, the positions (ascending) of every value at or above a guess below it; else None.

    Selecting in a million values costs ~12 ms, a pass over them ~1 ms: when there are many values, a
    guess from an evenly spaced sample keeps a few thousand of them, which hold the ``k`` largest when
    they are ``k`` or more (else every value is selected in, as without a guess).
    """
    n = len(values)
    if n >= _SAMPLED_BEST * k:
        step = n // (_SAMPLED_BEST * k // 8)  # about 8 samples per value wanted
        sample = values[::step]
        want = min(len(sample), 2 * (k * len(sample) // n) + 16)
        guess = np.partition(sample, len(sample) - want)[len(sample) - want]
        pos = np.flatnonzero(values >= guess)
        if len(pos) >= k:
            kept = values[pos]
            return float(np.partition(kept, len(kept) - k)[len(kept) - k]), pos
    return float(np.partition(values, n - k)[n - k]), None


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
    threshold, pos = _kth_and_holders(values, k)
    if pos is not None:
        kept = values[pos]
        above = pos[kept > threshold]
        tied = pos[kept == threshold][: k - len(above)]
    else:
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


def rank(index: Index, terms: list[str], ev: Evidence = DEFAULT_EVIDENCE, params: BM25Params | None = None,
         top: int | None = None) -> Ranked:
    """Score the candidate sentences for ``terms``: own BM25 plus weighted evidence.

    Candidates are the sentences matching a term plus every sentence of the
    ``ev.expand`` best paragraphs; all of them get every part of their score
    except the title bonus, which only the best ``TITLE_SHORTLIST`` by the
    other parts are looked up for. ``params``: the sentence BM25 (default: the index's).

    With ``top``, only the paragraphs that may hold one of the ``top`` best
    candidates are scored (:func:`_skipping`, MaxScore over paragraphs): the
    best ``top`` of the result (:attr:`Ranked.exact` of them, at least ``top``)
    are exactly those of every candidate, with the same scores to the bit.
    """
    known, missing = lookup(index, terms)
    constant = index.query_constant(known, params)
    if top is not None and known:
        found = _skipping(index, known, ev, params, top, constant, missing)
        if found is not None:
            return found
    return _first_stage(index, known, ev, params, constant, missing)


def _first_stage(index: Index, known: list[tuple[int, int]], ev: Evidence, params: BM25Params | None,
                 constant: float, missing: list[str], region: NDArray[np.int64] | None = None) -> Ranked:
    """The first stage over every candidate, or (``region``: ascending paragraph ids) over the candidates
    in those paragraphs, each scored as it would be among all of them."""
    if region is None:
        ids, sent = _sentence_scores(index, known, params)
        if ev.paragraph or ev.expand:
            par_ids, par_w = _paragraph_scores(index, known, ev.paragraph_k1, ev.paragraph_b)
        else:
            par_ids, par_w = ids[:0], sent[:0]
    else:
        ids, sent, par_ids, par_w = _region_scores(index, known, params, region, ev)
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
    return Ranked(cand, sentence, window, paragraph, title, constant, missing, ev, (par_ids, par_w))


def _region_scores(index: Index, known: list[tuple[int, int]], params: BM25Params | None,
                   region: NDArray[np.int64], ev: Evidence
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Sentence and paragraph scores (as :func:`_sentence_scores` and :func:`_paragraph_scores` give them)
    of the sentences and paragraphs in ``region`` only, each term's postings read there alone."""
    n_par = index.n_paragraphs
    k1, b = ev.paragraph_k1, ev.paragraph_b
    ids_parts: list[NDArray[np.int64]] = []
    w_parts: list[NDArray[np.float64]] = []
    pid_parts: list[NDArray[np.int64]] = []
    pw_parts: list[NDArray[np.float64]] = []
    bounds = index.paragraph_bounds(region)
    for tid, qtf in known:
        ids, tf, par_tf = index.within(tid, bounds)
        weights = index.weights_at(tid, ids, tf, params)
        if qtf != 1:
            weights = weights * qtf
        ids_parts.append(ids)
        w_parts.append(weights)
        if ev.paragraph or ev.expand:
            has = par_tf > 0
            pids = region[has]
            pw = _paragraph_weights(index, n_par, pids, par_tf[has], k1, b, index.paragraph_df(tid))
            if qtf != 1:
                pw = pw * qtf
            pid_parts.append(pids)
            pw_parts.append(pw)
    ids, sent = _sum_runs(ids_parts, w_parts)
    par_ids, par_w = _sum_runs(pid_parts, pw_parts) if pid_parts else (ids[:0], sent[:0])
    return ids, sent, par_ids, par_w


#: Questions whose terms have fewer postings than this in all are ranked over every candidate
#: (skipping would cost more than it saves).
SKIP_MIN_POSTINGS = 200_000
#: Bounds are raised by this share so that rounding can never make a bound fall below a score.
_ROUNDING = 1e-9
#: Terms beyond this many share one bit of a paragraph's mask (the rarest, their bounds added up).
_MASK_BITS = 12
#: Terms with at most this many postings have their paragraph postings read to bound each paragraph;
#: the commoner ones only when their bounds together could reach the threshold.
READ_MAX_POSTINGS = 100_000
#: Rounds of a first threshold (each reads more terms' paragraph postings when that pays).
_ROUNDS = 3
#: Scoring a paragraph for a term costs about this many times reading one posting.
_SCORE_COST = 8
#: Skipping stops (every candidate is scored) when the terms it must read hold all but this share of the
#: question's postings: reading paragraph postings costs about what scoring them does.
_READ_SHARE = 0.5
#: ... and when more paragraphs than this may hold one of the best.
_MAX_REGION = 40_000


def _skipping(index: Index, known: list[tuple[int, int]], ev: Evidence, params: BM25Params | None, top: int,
              constant: float, missing: list[str]) -> Ranked | None:
    """The first stage over the paragraphs that may hold one of the ``top`` best candidates (MaxScore).

    A candidate's score without the title is its paragraph's score plus its
    sentence's and (weighted) its neighbours' sentence scores. Per term,
    each part is bounded: the sentence weight by the term's largest
    frequency (stored per segment), counted once per sentence of the
    paragraph the term can be in (no more than its occurrences there); the
    paragraph weight exactly for the terms whose paragraph postings are read
    (the rarer ones), and by the term's largest frequency in a paragraph
    (stored) for the others. Each paragraph holding a term read gets a
    bound: the bounds of the read terms it holds, and of every unread term.
    Which read terms a paragraph holds is a bit mask (a bit per term).

    1. The paragraphs of highest bound are scored exactly: their candidates
       give a threshold ``theta`` that the ``top`` best reach
       (:func:`_threshold`), and one the paragraphs ``ev.expand`` picks reach.
    2. Unread terms whose bounds add up to a threshold are read (a paragraph
       holding them alone could reach it), or, when that would read most of
       the question's postings, every candidate is scored instead.
    3. The next unread term is also read when that costs less than scoring
       the paragraphs its bound lets through (and 1 runs again).
    4. Only the paragraphs whose bound reaches a threshold are scored, exactly
       as among every candidate: common terms' sentence postings are read in
       them alone. Paragraphs holding no read term, and groups of rarest read
       terms whose bounds cannot reach it, are not even listed.

    None (score every candidate) when skipping cannot pay (short postings,
    or too many paragraphs left) or does not apply (negative weights).
    """
    p = params or index.params
    weights_ok = min(ev.window, ev.paragraph, ev.title) >= 0 and 0 <= p.b <= 1 and p.k1 >= 0
    if not weights_ok or not 0 <= ev.paragraph_b <= 1 or ev.paragraph_k1 < 0:
        return None
    dfs = [index.df(tid) for tid, _ in known]
    if sum(dfs) < SKIP_MIN_POSTINGS:
        return None
    n_par = index.n_paragraphs
    k1p, bp = ev.paragraph_k1, ev.paragraph_b
    use_par = bool(ev.paragraph or ev.expand)
    up = 1 + _ROUNDING
    title_most = up * ev.title * sum(index.idf(tid, p) * qtf for tid, qtf in known)
    sbound: list[float] = []  # the most a term weighs in one sentence
    pbound: list[float] = []  # the most it weighs in one paragraph (from its largest frequency there)
    for tid, qtf in known:
        maxtf, maxptf = index.tf_bounds(tid)
        sbound.append(qtf * bm25.weight_bound(p, index.idf(tid, p), maxtf))
        pidf = _paragraph_idf(n_par, index.paragraph_df(tid)) if use_par and maxptf else 0.0
        pbound.append(qtf * pidf * maxptf * (k1p + 1) / (maxptf + k1p * (1 - bp)) if maxptf else 0.0)
    reach_most = max(1 + 2 * ev.window, 2 * ev.window)
    # How many sentences' weights a term occurring tf times in a paragraph can add to a candidate's score
    # (its sentence and, weighted, its two neighbours'), by min(tf, 3); tf is at least 1.
    reach_by_tf = np.array([0.0, *(max(1 + ev.window * min(tf - 1, 2), ev.window * min(tf, 2)) for tf in (1, 2, 3))])
    bound = [up * (ev.paragraph * q + s * reach_most) for s, q in zip(sbound, pbound, strict=True)]
    order = sorted(range(len(known)), key=lambda i: (dfs[i], -bound[i]))  # the rarest first
    # The terms whose paragraph postings are read: the cheap ones, and at least the rarest.
    n_read = max(1, sum(1 for i in order if dfs[i] <= READ_MAX_POSTINGS))
    mask, most, pscore = index.paragraph_scratch()
    touched: list[NDArray[np.int64]] = []
    try:
        groups: list[list[int]] = []
        folded: dict[int, NDArray[np.int64]] = {}  # the paragraphs of each term read
        gbound: list[float] = []  # the most a group adds to a paragraph's bound
        gpbound: list[float] = []  # ... and to its paragraph score

        def read(i: int) -> None:
            """Read term ``i``'s paragraph postings into the bounds (a bit of its own, or the shared one)."""
            if len(groups) >= _MASK_BITS:
                groups[0].append(i)  # past _MASK_BITS terms, the rarest share a bit
                g = 0
            else:
                groups.append([i])
                gbound.append(0.0)
                gpbound.append(0.0)
                g = len(groups) - 1
            tid, qtf = known[i]
            pids, ptf = index.paragraph_postings(tid)
            folded[i] = pids
            touched.append(pids)
            mask[pids] |= np.uint16(1 << g)
            pw = np.zeros(len(pids))
            if use_par:
                pw = index.term_array(("paragraph", tid, k1p, bp), len(pids),
                                      partial(_paragraph_weights, index, n_par, pids, ptf, k1p, bp))
                if qtf != 1:
                    pw = pw * qtf
                pscore[pids] += pw
            # In a candidate's sentence and its two neighbours: the term's sentences, no more of them
            # than its occurrences in the paragraph, each weighing at most sbound[i].
            reach = reach_by_tf[np.minimum(ptf, 3)]
            most[pids] += (ev.paragraph * pw + sbound[i] * reach) * up
            top_pw = float(pw.max()) if len(pw) else 0.0
            gbound[g] += (ev.paragraph * top_pw + sbound[i] * reach_most) * up
            gpbound[g] += top_pw * up

        for i in order[:n_read]:
            read(i)
        unread = order[n_read:]

        def listed(g: int) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
            """The paragraphs whose rarest read group is ``g``, their bounds and paragraph scores (read terms')."""
            found = [folded[i] for i in groups[g]]
            pids = np.concatenate(found) if len(found) > 1 else found[0]
            first = (mask[pids] & np.uint16((1 << g) - 1)) == 0
            if len(found) > 1:  # a paragraph of several terms of the shared group: once
                first &= _first_of_each(pids)
            pids = pids[first]
            return pids, most[pids], pscore[pids]

        want = 2 * max(top, TITLE_SHORTLIST, ev.expand)
        theta: float | None = None
        par_theta: float | None = None
        for _ in range(_ROUNDS):
            # 1. The paragraphs of highest bound, scored exactly: a threshold (the best of each round).
            seen = [listed(g) for g in range(len(groups))]
            pids_seen = np.concatenate([x[0] for x in seen])
            ub_seen = np.concatenate([x[1] for x in seen])
            best = _best(ub_seen, want) if len(ub_seen) > want else np.arange(len(ub_seen))
            region = np.sort(pids_seen[best])
            if ev.expand:  # and the paragraphs of highest paragraph score
                ps_seen = np.concatenate([x[2] for x in seen])
                region = unique_ids(np.concatenate((region, pids_seen[_best(ps_seen, 2 * ev.expand)])))
            first = _first_stage(index, known, replace(ev, title=0.0), params, constant, missing, region)
            matched = first.sentence > 0  # real candidates (a sentence of an expanded paragraph may not be)
            found = _threshold(first.partial[matched], top, title_most)
            theta = found if theta is None or (found is not None and found > theta) else theta
            found_p = _paragraph_threshold(first, ev.expand)
            par_theta = found_p if par_theta is None or (found_p is not None and found_p > par_theta) else par_theta
            if theta is None or (ev.expand and par_theta is None):
                return None
            # 2. Unread terms whose bounds reach a threshold together: read the rarest, until they do not
            # (or score every candidate when that reads most of the postings anyway).
            read_since = False
            while unread and (sum(bound[i] for i in unread) >= theta
                              or (par_theta is not None and sum(up * pbound[i] for i in unread) >= par_theta)):
                if sum(dfs[i] for i in unread[1:]) < _READ_SHARE * sum(dfs):
                    return None
                read(unread.pop(0))
                read_since = True
            # 3. Read the next unread term too when scoring the paragraphs its bound lets through would
            # cost more than reading its paragraph postings (knowing where it is not shrinks the region).
            if not unread:
                break
            rest = sum(bound[i] for i in unread)
            rest_p = sum(up * pbound[i] for i in unread)
            through = sum(int(np.count_nonzero((x[1] + rest >= theta)
                                               | (par_theta is not None and x[2] + rest_p >= par_theta)))
                          for x in ([listed(g) for g in range(len(groups))] if read_since else seen))
            if through * len(known) * _SCORE_COST <= dfs[unread[0]]:
                break
            read(unread.pop(0))
        if theta is None:
            return None
        seen = [listed(g) for g in range(len(groups))]
        rest = sum(bound[i] for i in unread)
        rest_p = sum(up * pbound[i] for i in unread)
        # 4. Every paragraph whose bound reaches a threshold (groups that cannot without a rarer one, unlisted).
        suffix = np.cumsum(np.array(gbound)[::-1])[::-1] + rest
        psuffix = np.cumsum(np.array(gpbound)[::-1])[::-1] + rest_p
        region_parts: list[NDArray[np.int64]] = []
        for g in range(len(groups)):
            if suffix[g] < theta and (par_theta is None or psuffix[g] < par_theta):
                break  # nor can any commoner group's
            pids, ub, ps = seen[g]
            keep = ub + rest >= theta
            if par_theta is not None:
                keep |= ps + rest_p >= par_theta
            region_parts.append(pids[keep])
        region = np.sort(np.concatenate(region_parts)) if region_parts else np.zeros(0, np.int64)
        if len(region) > _MAX_REGION:
            return None  # as good as every candidate: scoring them all costs less
    finally:
        for pids in touched:
            mask[pids] = 0
            most[pids] = 0.0
            pscore[pids] = 0.0
    if not len(region):
        return None
    ranked = _first_stage(index, known, ev, params, constant, missing, region)
    # 5. What the argument promises, checked: every candidate outside scores less than theta, every
    # paragraph outside less than par_theta; the best inside reach them.
    partial_scores = ranked.partial
    final = _threshold(partial_scores, top, title_most)
    if final is None or final < theta:
        return None
    if par_theta is not None:
        reached = _paragraph_threshold(ranked, ev.expand)
        if reached is None or reached < par_theta:
            return None
    exact = top
    shortlist = max(top, TITLE_SHORTLIST)
    if len(partial_scores) >= shortlist and _kth(partial_scores, shortlist) >= theta:
        exact = shortlist
    elif _kth(ranked.total, top) - ranked.constant - title_most < theta:
        return None  # neither argument holds (cannot happen: theta came from one of them)
    ranked.exact = exact
    return ranked


def _first_of_each(values: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each value is the first of its kind in ``values`` (in order)."""
    order = np.argsort(values, kind="stable")
    first = np.ones(len(values), dtype=bool)
    ordered = values[order]
    first[order[1:]] = ordered[1:] != ordered[:-1]
    return first


def _kth(values: NDArray[np.float64], k: int) -> float:
    """The ``k``-th largest of ``values`` (there are at least ``k``)."""
    return _kth_and_holders(values, k)[0]


def _threshold(partial: NDArray[np.float64], top: int, title_most: float) -> float | None:
    """A score without the title that every candidate among the ``top`` best reaches, from exactly scored
    candidates' ``partial`` scores; None when there are too few.

    Two arguments give one. The best ``top`` by total score are among the
    best ``max(top, TITLE_SHORTLIST)`` by partial score (a title is added to
    the best ``TITLE_SHORTLIST`` by partial score only): the partial score of
    that one is a threshold, and with every candidate above it known, so is
    each title. Or: a candidate among the best ``top`` by total scores at
    least the ``top``-th best partial score, and gets at most
    ``title_most`` from its title, so it scores at least the ``top``-th best
    less ``title_most``. The higher of the two.
    """
    theta: float | None = None
    if len(partial) >= top:
        theta = _kth(partial, top) - title_most
    shortlist = max(top, TITLE_SHORTLIST)
    if len(partial) >= shortlist:
        value = _kth(partial, shortlist)
        theta = value if theta is None else max(theta, value)
    return theta


def _paragraph_threshold(ranked: Ranked, expand: int) -> float | None:
    """The paragraph score of the ``expand``-th best paragraph scored (None: fewer; or no expansion)."""
    if not expand or ranked.paragraphs is None:
        return None
    par_w = ranked.paragraphs[1]
    return _kth(par_w, expand) if len(par_w) >= expand else None


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
        doc_held = np.array([held.get(index.docs[d].lang, held[index.langs[0]]) for d in docs.tolist()],
                            dtype=bool).reshape(len(docs), len(terms))
        found &= doc_held[doc_slot.ravel()]  # each distinct document's language, looked up once
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
    best = _few_of_each_text(index, ranked, size)
    pos = np.searchsorted(ranked.ids, np.asarray(best, dtype=np.int64))
    ids = ranked.ids[pos]
    paragraph = ranked.paragraph[pos]
    if rr.headings and len(ids):
        extra = missing_ids(heading_candidates(index, terms, rr.headings, rr.heading_floor, params=params), ids)
        if len(extra):
            # Their paragraph's BM25, as the first stage gives its candidates.
            pids = index.column("g_pid", extra)
            if ranked.complete and ranked.paragraphs is not None:
                par_ids, par_w = ranked.paragraphs
            else:  # the first stage skipped paragraphs: score theirs as it would have
                known, _ = lookup(index, terms)
                _, _, par_ids, par_w = _region_scores(index, known, params, unique_ids(pids), ranked.ev)
            ids = np.concatenate((ids, extra))
            paragraph = np.concatenate((paragraph, _per_candidate(pids, par_ids, par_w)))
    first = {"paragraph": paragraph}
    scores, parts = rerank_scores(index, question, terms, ids, first, rr, params)
    return ids, scores, parts


#: How many first-stage candidates :func:`_few_of_each_text` reads, at most, per candidate it returns.
COPIES_READ = 20
#: How many copies of one text the second stage re-scores, at most.
COPIES_KEPT = 10


def _few_of_each_text(index: Index, ranked: Ranked, size: int) -> list[int]:
    """The ``size`` best first-stage candidates, no more than ``COPIES_KEPT`` of each text (whitespace
    aside), best first.

    A sentence copied into many documents (a licence, a page footer, a notice) would
    otherwise fill the shortlist with its copies, and finding ``k`` different answers
    would re-score thousands of them. A few copies are kept: they differ in where they
    stand (a manual's page and the single page that concatenates them all), which the
    second stage weighs; the others are listed under the one shown (:func:`_copies`).
    Reads no further than :attr:`Ranked.exact` candidates nor ``COPIES_READ`` per one
    returned.
    """
    out: list[int] = []
    seen: dict[str, int] = {}
    limit = min(ranked.exact, COPIES_READ * size)
    read = 0
    want = size
    while read < limit:
        top = ranked.top(min(want, limit))
        if len(top) <= read:
            break
        for cid, _ in top[read:]:
            key = " ".join(index.text(cid).split())
            held = seen.get(key, 0)
            if held < COPIES_KEPT:
                seen[key] = held + 1
                out.append(cid)
                if len(out) >= size:
                    return out
        read = len(top)
        want = 2 * want
    return out


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
        threshold, pos = _kth_and_holders(scores, k)
        keep = pos[scores[pos] >= threshold] if pos is not None else scores >= threshold
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
    rr = ranking.rerank
    size = max(rr.shortlist, 2 * k) if rr.shortlist else max(4 * k, 20)
    # Only the best first-stage candidates are ever looked at: those the first stage can skip to.
    ranked = rank(index, terms, ranking.evidence, ranking.bm25, top=max(size, DUPLICATE_POOL))
    texts: dict[int, SameKey] = {}
    if rr.shortlist and len(ranked.ids):
        top = size
        while True:
            if top > ranked.exact:
                ranked = rank(index, terms, ranking.evidence, ranking.bm25, top=top)
            ids, scores, parts = reranked(index, q, terms, ranked, size, rr, ranking.bm25)
            where = {cid: j for j, cid in enumerate(ids.tolist())}
            order = [(cid, value) for cid, value in top_k(ids, scores, len(ids))]
            picked = _distinct(index, order, k, texts)
            if len(picked) >= k or (ranked.complete and size >= len(ranked.ids)):
                break
            # Copies of a few sentences filled the shortlist (it came out short): read further at once.
            top = COPIES_READ * size if len(ids) < size else 2 * size
            size *= 2
        best = [(cid, value, {name: float(arr[where[cid]]) for name, arr in parts.items() if arr[where[cid]]}
                 if with_explain else {}) for cid, value in picked]
    else:
        picked = _distinct(index, ranked.top(size), k, texts)
        best = [(cid, value, _first_stage_explain(index, ranked, cid, terms, ranking.bm25) if with_explain else {})
                for cid, value in picked]
    pool = [cid for cid, _ in ranked.top(DUPLICATE_POOL)]
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
_ALNUM_RUN_ASCII = re.compile(_ALNUM_RUN.pattern, re.ASCII)
_GAP_BEFORE_ASCII = re.compile(_GAP_BEFORE.pattern, re.ASCII)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


SameKey = tuple[str, str]


def same_text_key(text: str) -> SameKey:
    """A sentence's text for comparing copies: case, quotes and whitespace normalised; and its words.

    The words (runs of letters and digits, one space apart) find copies whose
    markup was rendered differently ("os.path.join()" in HTML, "os.path.join"
    in its reStructuredText source).
    """
    if text.isascii():  # no quote to translate; ASCII classes match the same characters, faster
        text = " ".join(text.lower().split())
        return _GAP_BEFORE_ASCII.sub("", text), " " + " ".join(_ALNUM_RUN_ASCII.findall(text)) + " "
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
