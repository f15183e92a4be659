"""The first stage's skipping (MaxScore over paragraphs) against scoring every candidate.

Random corpora with a Zipf-like vocabulary (a few words everywhere, most rare), random
questions, every BM25 variant and several weightings of the evidence: the best candidates
the skipping first stage returns, their order and every part of their scores are those of
the exhaustive first stage to the bit, and the answers of ``search`` are the same.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import qa.search
from qa.build import build_index
from qa.chunking import SentenceSplitter
from qa.corpus import discover
from qa.index import Index
from qa.ranking import DEFAULT_RANKING, BM25Params, Evidence, Ranking
from qa.search import query_terms, rank, search, top_k

VOCAB = [f"w{i}" for i in range(400)]
#: Zipf-like: the first words are in most sentences, the last in a few.
WEIGHTS = [1.0 / (i + 1) ** 1.1 for i in range(len(VOCAB))]


def _corpus(root: Path, rng: random.Random, docs: int) -> None:
    for d in range(docs):
        paragraphs = []
        if rng.random() < 0.6:
            paragraphs.append("# " + " ".join(rng.choices(VOCAB, WEIGHTS, k=rng.randint(1, 3))))
        for _ in range(rng.randint(1, 8)):
            sentences = [" ".join(rng.choices(VOCAB, WEIGHTS, k=rng.randint(1, 14))).capitalize() + "."
                         for _ in range(rng.randint(1, 5))]
            paragraphs.append(" ".join(sentences))
        (root / f"d{d:03}.md").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("zipf")
    _corpus(root, random.Random(11), 160)
    files, _ = discover([str(root)])
    return build_index(files, splitter=SentenceSplitter(), workers=1)


def _question(rng: random.Random) -> str:
    common = rng.choices(VOCAB[:30], k=rng.randint(0, 3))
    rare = rng.sample(VOCAB[30:], rng.randint(0, 2))
    words = common + rare or [rng.choice(VOCAB)]
    rng.shuffle(words)
    return " ".join(words)


EVIDENCE = [DEFAULT_RANKING.evidence, Evidence(expand=0), Evidence(window=0.0, title=0.0),
            Evidence(paragraph=0.0), Evidence(expand=3, paragraph_b=1.0), Evidence(title=2.0, window=0.6)]
PARAMS = [BM25Params(), BM25Params(variant="okapi", k1=1.2, b=0.75), BM25Params(variant="l", b=1.0),
          BM25Params(k1=0.0)]


#: (title shortlist, terms whose paragraph postings are read at first, bits of the mask): every term read,
#: the common ones left unread (read when needed), the rarest sharing a bit.
SETTINGS = [(40, 10**9, 12), (500, 10**9, 12), (40, 60, 12), (500, 200, 12), (40, 10**9, 2), (100, 60, 1)]


@pytest.mark.parametrize(("shortlist", "read_max", "bits"), SETTINGS)
def test_the_best_candidates_are_those_of_every_candidate(index: Index, monkeypatch: pytest.MonkeyPatch,
                                                           shortlist: int, read_max: int, bits: int) -> None:
    monkeypatch.setattr(qa.search, "SKIP_MIN_POSTINGS", 0)
    monkeypatch.setattr(qa.search, "TITLE_SHORTLIST", shortlist)
    monkeypatch.setattr(qa.search, "READ_MAX_POSTINGS", read_max)
    monkeypatch.setattr(qa.search, "_MASK_BITS", bits)
    monkeypatch.setattr(qa.search, "_READ_SHARE", 0.0)  # never give up for cost: what is left is tested
    monkeypatch.setattr(qa.search, "_MAX_REGION", 10**9)
    rng = random.Random(shortlist + read_max + bits)
    skipped = 0
    for n in range(240):
        question = _question(rng)
        ev, params = EVIDENCE[n % len(EVIDENCE)], PARAMS[n // len(EVIDENCE) % len(PARAMS)]
        top = rng.choice([5, 20, 100])
        terms = query_terms(question)
        every = rank(index, terms, ev, params)
        some = rank(index, terms, ev, params, top=top)
        assert some.exact >= top or some.complete
        assert len(some.ids) <= len(every.ids)
        skipped += len(some.ids) < len(every.ids)
        want = top_k(every.ids, every.total, some.exact)
        assert top_k(some.ids, some.total, some.exact) == want  # the same ids, scores and order, to the bit
        where_all = np.searchsorted(every.ids, [c for c, _ in want])
        where_some = np.searchsorted(some.ids, [c for c, _ in want])
        for part in ("sentence", "window", "paragraph", "title"):
            assert getattr(some, part)[where_some].tolist() == getattr(every, part)[where_all].tolist(), part
        assert some.missing == every.missing and some.constant == every.constant
    assert skipped > 25  # a corpus this small skips for a question with rare and common words


def test_search_answers_as_without_skipping(index: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    questions = [_question(rng) for _ in range(40)]
    rankings = [DEFAULT_RANKING, replace(DEFAULT_RANKING, rerank=replace(DEFAULT_RANKING.rerank, shortlist=0)),
                Ranking(bm25=BM25Params(variant="okapi", k1=1.2, b=0.75))]

    def answers() -> list[list[tuple[int, float, list[tuple[str, int, int]]]]]:
        return [[(h.chunk, h.score, [(p.path, p.line, p.column) for p in h.duplicates])
                 for h in search(index, q, k=5, ranking=r).hits] for q in questions for r in rankings]

    monkeypatch.setattr(qa.search, "SKIP_MIN_POSTINGS", 10**12)
    want = answers()
    monkeypatch.setattr(qa.search, "SKIP_MIN_POSTINGS", 0)
    monkeypatch.setattr(qa.search, "_MAX_REGION", 10**9)
    assert answers() == want


def _sorted_best(values: np.ndarray, k: int) -> np.ndarray:
    """The k largest positions by a stable sort: ties to the lower position (what ``_best`` promises)."""
    return np.sort(np.argsort(-values, kind="stable")[: max(k, 0)])


@pytest.mark.parametrize("kind", ["uniform", "ties", "ascending", "sparse", "skewed"])
def test_selection_from_a_sample_is_exact(kind: str) -> None:
    """Many values (so the threshold is guessed from a sample): the k best positions, the k-th value and
    top_k's pairs equal those of a full sort, ties and all."""
    rng = np.random.default_rng(len(kind))
    for _ in range(12):
        n = int(rng.integers(qa.search._SAMPLED_BEST, 200_000))
        k = int(rng.integers(1, max(2, n // qa.search._SAMPLED_BEST)))
        if kind == "uniform":
            values = rng.random(n)
        elif kind == "ties":
            values = rng.integers(0, 4, n).astype(float)
        elif kind == "ascending":
            values = np.sort(rng.random(n))
        elif kind == "sparse":  # fewer nonzero values than k: the guess keeps too few, all are selected in
            values = np.zeros(n)
            values[rng.integers(0, n, max(1, k // 2))] = 1.0
        else:
            values = rng.exponential(1.0, n) ** 3
        best = qa.search._best(values, k)
        assert np.array_equal(np.sort(best), _sorted_best(values, k))
        assert qa.search._kth(values, k) == np.sort(values)[n - k]
        ids = np.arange(n, dtype=np.int64) * 3
        order = np.lexsort((ids, -values))[:k]
        assert top_k(ids, values, k) == [(int(ids[i]), float(values[i])) for i in order]
