"""Ranking: qa's precomputed weights equal rank-bm25's scores; the rank-bm25 traps."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.build import build_index
from qa.corpus import discover
from qa.errors import QueryError
from qa.index import BM25Params, Index, bm25_reference
from qa.refresh import open_index
from qa.search import score, search


def index_of(corpus: list[list[str]], params: BM25Params, folder: Path) -> Index:
    """An index, built as qa builds one, whose sentences have exactly these tokens (one paragraph each;
    words chosen to stem to themselves); its sentence ids are the corpus's positions."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.md").write_text("\n\n".join(" ".join(tokens) for tokens in corpus) + "\n", encoding="utf-8")
    files, _ = discover([str(folder)])
    index = build_index(files, params)
    assert [index.text(i) for i in range(index.n_chunks)] == [" ".join(t) for t in corpus]
    return index


def dense_scores(index: Index, query: list[str], params: BM25Params | None = None) -> list[float]:
    ids, got, _ = score(index, query, params)
    known = [(index.term_id(t), n) for t, n in Counter(query).items() if index.term_id(t) is not None]
    dense = np.full(index.n_chunks, index.query_constant(known, params), dtype=np.float64)
    dense[ids] = got
    return dense.tolist()


#: Words that the analyzer keeps as they are (no stopwords, stems to itself).
WORDS = ["heron", "marsh", "lamp", "ship", "fog", "keeper", "tide", "wind", "gull", "rock", "salt", "moon"]


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_scores_equal_rank_bm25_on_random_corpora(variant: str, tmp_path: Path) -> None:
    rng = random.Random(42)
    for case in range(25):
        params = BM25Params(variant=variant, k1=rng.choice([0.9, 1.2, 1.5]), b=rng.choice([0.4, 0.75, 1.0]))
        corpus = [[rng.choice(WORDS) for _ in range(rng.randint(1, 9))] for _ in range(rng.randint(2, 30))]
        index = index_of(corpus, params, tmp_path / str(case))
        other = BM25Params(variant=variant, k1=rng.choice([0.5, 2.0]), b=rng.choice([0.0, 0.3]))
        for _ in range(5):
            query = [rng.choice([*WORDS, "unknown"]) for _ in range(rng.randint(1, 5))]
            want = bm25_reference(corpus, query, params)
            assert dense_scores(index, query) == pytest.approx(want, rel=1e-9, abs=1e-9), (case, query)
            # k1, b and the variant apply at question time: any of them, from the same index.
            want = bm25_reference(corpus, query, other)
            assert dense_scores(index, query, other) == pytest.approx(want, rel=1e-9, abs=1e-9), (case, query)


def test_term_in_exactly_half_the_chunks_still_counts(tmp_path: Path) -> None:
    # BM25Okapi gives idf 0 to such a term (rank_bm25 issue 39); qa's default must not.
    corpus = [["heron", "marsh"], ["heron", "lamp"], ["ship", "fog"], ["tide", "wind"]]
    index = index_of(corpus, BM25Params(), tmp_path)
    ids, scores, _ = score(index, ["heron"])
    assert sorted(ids.tolist()) == [0, 1]
    assert all(s > 0 for s in scores)


def test_tiny_folder_ranks_the_matching_sentence_first(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"one.txt": "The lighthouse keeper lit the lamp. Ships passed at night. Fog came in."})
    index, _ = open_index([str(root)])
    answer = search(index, "when did ships pass?", k=3)
    assert answer.hits[0].text == "Ships passed at night."
    assert answer.hits[0].score > 0


def test_ties_keep_document_order_and_k_is_respected(make_corpus: Callable[..., Path]) -> None:
    # The first paragraph is about something else: a document's opening earns a cue of its own.
    root = make_corpus({"a.txt": "Gulls fly.\n\nHerons wade here.\n\nHerons wade there.\n\nHerons wade now."})
    index, _ = open_index([str(root)])
    hits = search(index, "herons", k=2, context=0).hits
    assert [h.line for h in hits] == [3, 5]
    assert hits[0].score == hits[1].score


def test_the_same_sentence_is_shown_once_with_its_other_places(make_corpus: Callable[..., Path]) -> None:
    page = "The heron waits in the shallow pond for hours."
    root = make_corpus({
        "a.txt": f"Birds of the marsh live long lives.\n\n{page}\n",
        "b.md": "# Birds\n\n*The heron* waits in the   shallow pond for hours.\n",
        "c.txt": "Notes.\n\nNote that the heron waits in the shallow pond for hours.\n",  # holds it, longer
        "d.txt": "Gulls fly.\n\nA heron waits in a pond, a shallow one, for hours on end.\n",  # another sentence
    })
    index, _ = open_index([str(root)])
    hits = search(index, "heron waits in the shallow pond", k=3, context=0).hits
    texts = [h.text for h in hits]
    assert len(texts) == 2 and texts[1] == "A heron waits in a pond, a shallow one, for hours on end."
    first = hits[0]
    assert sorted([first.source, *(d.source for d in first.duplicates)]) == sorted(
        str(root / name) for name in ("a.txt", "b.md", "c.txt"))
    assert hits[1].duplicates == []


def test_context_stays_in_the_paragraph(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.txt": "One fact. Two herons here. Three facts.\n\nOther paragraph."})
    index, _ = open_index([str(root)])
    hit = search(index, "herons", k=1, context=5).hits[0]
    assert hit.before == ["One fact."] and hit.after == ["Three facts."]
    assert search(index, "herons", k=1, context=0).hits[0].before == []


def test_missing_words_are_reported_as_typed(tmp_path: Path) -> None:
    index = index_of([["heron", "marsh"], ["lamp"]], BM25Params(), tmp_path)
    answer = search(index, "Heron and Zeppelins")
    assert answer.missing == ["Zeppelins"]
    assert answer.hits[0].text == "heron marsh"


def test_empty_and_stopword_questions(tmp_path: Path) -> None:
    index = index_of([["heron"]], BM25Params(), tmp_path)
    with pytest.raises(QueryError):
        search(index, "  \n ")
    assert search(index, "what is the").hits == []


def test_build_index_over_discovered_files(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.txt": "Herons wade.", "b/c.md": "# T\n\nGulls fly.", "skip.png": b"x"})
    files, skipped = discover([str(root)])
    assert skipped == 1
    index = build_index(files)
    assert index.n_chunks == 2 and [d.source for d in index.docs] == [f.source for f in files]


def test_training_in_the_pool_equals_training_alone(make_corpus: Callable[..., Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool reads Punkt's sample; the result does not depend on which worker finishes first."""
    import qa.build

    rng = random.Random(5)
    abbreviations = ["Col.", "Gen.", "approx.", "Fig.", "Dept.", "Esq."]
    root = make_corpus({f"d{i:02}.txt": " ".join(
        f"{rng.choice(abbreviations)} {rng.choice(WORDS).title()} met the {rng.choice(WORDS)} at dawn."
        for _ in range(300)) for i in range(12)})
    files, _ = discover([str(root)])
    monkeypatch.setattr(qa.build, "POOL_MIN_BYTES", 0)
    heard: list[tuple[int, int, int]] = []
    pooled = qa.build.train_splitter(files, workers=2, progress=lambda *a: heard.append(a))
    alone = qa.build.train_splitter(files, workers=1)
    assert pooled.to_json() == alone.to_json()
    assert heard and all(done == 0 and total == len(files) for done, total, _ in heard)  # shown before any file
