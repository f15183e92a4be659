"""The fast ranking equals a plain, exhaustive computation of the same evidence."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import qa.index
import qa.search
from qa.index import BM25Params, Index
from qa.ranking import Ranking
from qa.refresh import open_index
from qa.rerank import Rerank
from qa.search import DEFAULT_EVIDENCE, Evidence, _best, _sum_runs, lookup, query_terms, rank, search
from qa.tokens import tokenize

WORDS = ["heron", "marsh", "lamp", "ship", "fog", "keeper", "tide", "wind", "gull", "rock", "salt", "moon"]


def random_markdown(rng: random.Random) -> str:
    """A few sections of paragraphs of short sentences, with repeats (ties) on purpose."""
    blocks = [f"# {rng.choice(WORDS).title()} {rng.choice(WORDS)}"]
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.25:
            blocks.append(f"## {rng.choice(WORDS).title()}")
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))).capitalize() + "."
                     for _ in range(rng.randint(1, 4))]
        blocks.append(" ".join(sentences))
    return "\n\n".join(blocks) + "\n"


def reference_totals(index: Index, terms: list[str], ev: Evidence, shortlist: int) -> dict[int, float]:
    """Every candidate's final score, computed the long way from the chunks' own tokens."""
    known, _ = lookup(index, terms)
    n = index.n_ids  # sentence ids (a refreshed index has holes where deleted sentences were)
    live = index.chunk_ids().tolist()
    sentence = [0.0] * n
    matched: set[int] = set()
    for tid, qtf in known:
        ids, w = index.postings(tid)
        for cid, weight in zip(ids.tolist(), w.tolist(), strict=True):
            sentence[cid] += weight * qtf
            matched.add(cid)
    pid = dict(zip(live, index.column("g_pid", np.array(live)).tolist(), strict=True))
    counts: dict[int, Counter[str]] = {p: Counter() for p in pid.values()}
    for cid in live:
        counts[pid[cid]].update(tokenize(index.text(cid)))
    n_par = len(counts)
    lengths = {p: sum(c.values()) for p, c in counts.items()}
    avg = sum(lengths.values()) / n_par
    k1, b = ev.paragraph_k1, ev.paragraph_b
    paragraph = dict.fromkeys(counts, 0.0)
    for tid, qtf in known:
        term = index.term(tid)
        df = sum(1 for c in counts.values() if term in c)
        idf = math.log(1 + (n_par - df + 0.5) / (df + 0.5))
        for p, c in counts.items():
            if term in c:
                paragraph[p] += idf * c[term] * (k1 + 1) / (c[term] + k1 * (1 - b + b * lengths[p] / avg)) * qtf
    scored = [p for p in counts if any(index.term(t) in counts[p] for t, _ in known)]
    best = sorted(scored, key=lambda p: (-paragraph[p], p))[: ev.expand]
    cand = sorted(matched | {c for c in live if pid[c] in best})

    def window(c: int) -> float:
        return sum(sentence[nb] for nb in (c + 1, c - 1) if nb in pid and pid[nb] == pid[c])

    partial = {c: sentence[c] + ev.window * window(c) + ev.paragraph * paragraph[pid[c]] for c in cand}
    lifted = sorted(cand, key=lambda c: (-partial[c], c))[:shortlist]
    totals = {c: partial[c] + index.query_constant(known) for c in cand}
    for c in lifted:
        doc, section = index.value("c_doc", c), index.value("c_section", c)
        heading = index.title_terms(doc) | index.section_terms(section)
        totals[c] += ev.title * sum(index.idf(t) * qtf for t, qtf in known if index.term(t) in heading)
    return totals


@pytest.mark.parametrize("shortlist", [500, 4])
def test_rank_equals_the_exhaustive_computation(make_corpus: Callable[..., Path], shortlist: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qa.search, "TITLE_SHORTLIST", shortlist)
    rng = random.Random(shortlist)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(8)})
    index, _ = open_index([str(root)])
    for ev in (DEFAULT_EVIDENCE, Evidence(expand=2), Evidence(window=0.0, title=0.0)):
        for _ in range(30):
            terms = query_terms(" ".join(rng.choice([*WORDS, "unknown"]) for _ in range(rng.randint(1, 4))))
            want = reference_totals(index, terms, ev, shortlist)
            ranked = rank(index, terms, ev)
            got = dict(zip(ranked.ids.tolist(), ranked.total.tolist(), strict=True))
            assert got.keys() == want.keys(), terms
            assert [got[c] for c in sorted(got)] == pytest.approx([want[c] for c in sorted(want)], rel=1e-9)


def test_search_returns_the_exhaustive_top_k(make_corpus: Callable[..., Path]) -> None:
    first_stage = Ranking(rerank=Rerank(shortlist=0))  # the first stage alone
    rng = random.Random(3)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(8)})
    index, _ = open_index([str(root)])
    for _ in range(30):
        question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        want = reference_totals(index, query_terms(question), DEFAULT_EVIDENCE, qa.search.TITLE_SHORTLIST)
        got = search(index, question, k=5, context=0, ranking=first_stage).hits
        best: list[float] = []
        shown: list[qa.search.SameKey] = []
        for c in sorted(want, key=lambda c: (-want[c], c)):  # the same sentence twice is shown once
            key = qa.search.same_text_key(index.text(c))
            if not any(qa.search.same_sentence(key, other) for other in shown):
                shown.append(key)
                best.append(want[c])
        assert [h.score for h in got] == pytest.approx(best[:5], rel=1e-9), question
        for h in got:
            assert want[h.chunk] == pytest.approx(h.score, rel=1e-9)


def test_paragraph_postings_survive_a_refresh(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(5)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(6)})
    open_index([str(root)])
    (root / "doc2.md").write_text(random_markdown(rng), encoding="utf-8")
    (root / "doc4.md").unlink()
    refreshed, report = open_index([str(root)])
    assert report.built
    for _ in range(20):
        terms = query_terms(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))))
        want = reference_totals(refreshed, terms, DEFAULT_EVIDENCE, qa.search.TITLE_SHORTLIST)
        ranked = rank(refreshed, terms)
        got = dict(zip(ranked.ids.tolist(), ranked.total.tolist(), strict=True))
        assert got.keys() == want.keys(), terms
        assert [got[c] for c in sorted(got)] == pytest.approx([want[c] for c in sorted(want)], rel=1e-9)


def test_best_picks_what_a_stable_sort_picks() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        values = rng.integers(0, 6, size=int(rng.integers(0, 40))).astype(np.float64)
        k = int(rng.integers(0, 45))
        want = np.argsort(-values, kind="stable")[:k]
        assert sorted(_best(values, k).tolist()) == sorted(want.tolist())


def test_sum_runs_adds_like_bincount_in_run_order() -> None:
    rng = np.random.default_rng(1)
    for _ in range(100):
        runs = [np.sort(rng.choice(50, size=int(rng.integers(0, 30)), replace=False)).astype(np.int32)
                for _ in range(int(rng.integers(1, 6)))]
        weights = [rng.random(len(r)) * 10 for r in runs]
        ids, sums = _sum_runs(runs, weights)
        unique, inverse = np.unique(np.concatenate(runs), return_inverse=True)
        assert ids.tolist() == unique.tolist()
        assert sums.tolist() == np.bincount(inverse, weights=np.concatenate(weights)).tolist()  # bit for bit


def test_neighbours_stay_in_the_paragraph(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(9)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(4)})
    index, _ = open_index([str(root)])
    place = [(index.value("c_doc", c), index.value("c_para", c)) for c in range(index.n_chunks)]
    for cid in range(index.n_chunks):
        first, end = cid, cid + 1
        while first > 0 and place[first - 1] == place[cid]:
            first -= 1
        while end < index.n_chunks and place[end] == place[cid]:
            end += 1
        for before, after in ((0, 0), (1, 1), (2, 0), (0, 3), (1 << 30, 1 << 30)):
            want = (list(range(max(first, cid - before), cid)), list(range(cid + 1, min(end, cid + 1 + after))))
            assert index.neighbours(cid, before, after) == want


def test_kept_term_weights_change_nothing(make_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights kept between questions (Index.term_array) give bit-for-bit the same ranking, for each BM25."""
    rng = random.Random(11)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(8)})
    index, _ = open_index([str(root)])
    questions = [query_terms(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))) for _ in range(20)]

    def totals(params: BM25Params | None = None) -> list[tuple[list[int], list[float]]]:
        return [(r.ids.tolist(), r.total.tolist()) for r in (rank(index, terms, params=params) for terms in questions)]

    other = BM25Params(k1=0.9, b=0.4)
    monkeypatch.setattr(qa.index, "TERM_ARRAY_MIN", 1 << 40)  # nothing kept
    fresh, fresh_other = totals(), totals(other)
    assert fresh != fresh_other
    monkeypatch.setattr(qa.index, "TERM_ARRAY_MIN", 0)  # everything kept
    assert totals() == fresh
    assert index._kept
    assert totals() == fresh  # now from the kept arrays
    assert totals(other) == fresh_other  # kept per parameters


def test_same_text_key_on_ascii_text_is_the_general_one() -> None:
    # ASCII text takes a faster path (no quotes to translate, ASCII classes); it must give the key
    # the general path gives.
    import re

    def general(text: str) -> tuple[str, str]:
        text = " ".join(text.translate(qa.search._QUOTES).casefold().split())
        words = " " + " ".join(re.findall(r"[^\W_]+", text)) + " "
        return re.sub(r"\s+(?=[.,;:!?)\]}])|(?<=[(\[{])\s+", "", text), words

    rng = random.Random(5)
    alphabet = "aZ9 .,;:!?()[]{}_'\"\t\n\x1c-"
    samples = ["The os.path.join( ) call , see [ here ] .", ""]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(5000)]
    for text in samples:
        assert qa.search.same_text_key(text) == general(text), repr(text)


def test_a_sentence_copied_into_many_files_is_rescored_a_few_times_and_listed_once(
        make_corpus: Callable[..., Path]) -> None:
    # A licence line in 40 files would fill the shortlist with its copies, and finding three different
    # answers re-scored thousands of them at scale: at most COPIES_KEPT copies are re-scored, the answer
    # shows one and lists the others it found.
    notice = "The lighthouse keeper licence allows copying this lighthouse text freely."
    files = {f"book{i:02d}.txt": f"Book {i}.\n\n{notice}\n\nChapter {i} tells of a plain harbour.\n"
             for i in range(40)}
    files["keeper.txt"] = "Keepers.\n\nThe lighthouse keeper climbed the stairs at dusk.\n"
    files["lamp.txt"] = "Lamps.\n\nA lighthouse lamp turns through the night.\n"
    index, _ = open_index([str(make_corpus(files))], cache=False)
    terms = query_terms("lighthouse keeper licence")
    ranked = rank(index, terms, top=100)
    shortlist = qa.search._few_of_each_text(index, ranked, 100)
    texts = Counter(" ".join(index.text(c).split()) for c in shortlist)
    assert texts[notice] == qa.search.COPIES_KEPT
    assert len(shortlist) == len(set(shortlist)) == qa.search.COPIES_KEPT + len(texts) - 1
    answer = search(index, "lighthouse keeper licence", k=3)
    shown = [" ".join(h.text.split()) for h in answer.hits]
    assert len(set(shown)) == 3 and notice in shown
    assert len(answer.hits[shown.index(notice)].duplicates) >= qa.search.COPIES_KEPT - 1
