"""BM25 weighting at question time, exactly as rank-bm25's classes compute it.

The index stores raw term frequencies and sentence lengths; idf and the
length normalisation come from statistics summed over the live segments when
a question is asked (as Lucene's ``CollectionStatistics``), so ``k1``, ``b``
and the variant are question-time parameters and adding a file never rewrites
old postings. ``tests/test_spine_index.py`` checks the scores against
rank-bm25 itself on random corpora.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qa.ranking import BM25Params

if TYPE_CHECKING:
    from numpy.typing import NDArray


def idf(params: BM25Params, df: NDArray[Any] | float, n: int, okapi_floor: float = 0.0) -> Any:
    """The idf of terms with document frequencies ``df`` among ``n`` sentences, as rank-bm25 sets it.

    ``okapi_floor`` is BM25Okapi's ``epsilon * average idf`` (over the whole
    vocabulary: :meth:`qa.index.Index.okapi_floor`), given to terms whose idf
    is negative.
    """
    d = np.asarray(df, dtype=np.float64)
    if params.variant == "okapi":
        raw = np.log(n - d + 0.5) - np.log(d + 0.5)
        return np.where(raw < 0, okapi_floor, raw)
    if params.variant == "plus":
        return np.log((n + 1) / d)
    return np.log(n + 1) - np.log(d + 0.5)


def okapi_average(df: NDArray[Any], n: int) -> float:
    """BM25Okapi's average idf over a vocabulary with document frequencies ``df`` (before the floor)."""
    if not len(df):
        return 0.0
    d = np.asarray(df, dtype=np.float64)
    return float((np.log(n - d + 0.5) - np.log(d + 0.5)).sum() / len(d))


def weights(params: BM25Params, term_idf: float, tf: NDArray[Any], dl: NDArray[Any], avgdl: float
            ) -> NDArray[np.float64]:
    """Each posting's score for one term (frequencies ``tf`` in sentences of lengths ``dl``).

    BM25Plus's ``idf * delta``, which every sentence gets whether it holds the
    term or not, is left out (:func:`constant`).
    """
    k1, b = params.k1, params.b
    t = np.asarray(tf, dtype=np.float64)
    norm = 1 - b + b * np.asarray(dl, dtype=np.float64) / (avgdl or 1.0)
    if params.variant == "l":
        ctd = t / norm
        out: NDArray[np.float64] = term_idf * t * (k1 + 1) * (ctd + params.delta) / (k1 + ctd + params.delta)
        return out
    w: NDArray[np.float64] = term_idf * (t * (k1 + 1) / (k1 * norm + t))
    return w


def weight_bound(params: BM25Params, term_idf: float, max_tf: int) -> float:
    """The most a term with idf ``term_idf`` weighs in any sentence where it occurs at most ``max_tf`` times.

    Every variant's weight grows with the frequency and shrinks with the
    sentence's length, so the bound is the weight at ``max_tf`` in a sentence
    of length 0 (a sentence of stopwords, or the limit ``b = 1`` allows).
    """
    if max_tf <= 0 or term_idf <= 0:
        return 0.0
    k1, b, t = params.k1, params.b, float(max_tf)
    norm = 1 - b
    if params.variant == "l":
        if norm <= 0:  # ctd grows without bound: (ctd + delta) / (k1 + ctd + delta) tends to 1
            return term_idf * t * (k1 + 1)
        ctd = t / norm
        return term_idf * t * (k1 + 1) * (ctd + params.delta) / (k1 + ctd + params.delta)
    return term_idf * (t * (k1 + 1) / (k1 * norm + t))


def constant(params: BM25Params, idfs: list[tuple[float, int]]) -> float:
    """What every sentence scores for a question whatever it holds: BM25Plus's ``idf * delta`` per term.

    It cannot change the ranking, but reported scores include it so they equal
    rank-bm25's. ``idfs``: (idf, count in the question) per known term.
    """
    if params.variant != "plus":
        return 0.0
    return sum(value * params.delta * qtf for value, qtf in idfs)


def reference(corpus: list[list[str]], query: list[str], params: BM25Params) -> list[float]:
    """Scores from the rank-bm25 class itself (for tests and benchmarks)."""
    import rank_bm25

    if params.variant == "okapi":
        model: Any = rank_bm25.BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    elif params.variant == "plus":
        model = rank_bm25.BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    else:
        model = rank_bm25.BM25L(corpus, k1=params.k1, b=params.b, delta=params.delta)
    return [float(s) for s in model.get_scores(query)]
