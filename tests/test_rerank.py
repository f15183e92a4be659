"""The second stage: BM25F fields, answer type, word order, and how search uses them."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.index import Index
from qa.refresh import open_index
from qa.rerank import DEFAULT_RERANK, Rerank, answer_type, bm25f, field_scores, has_answer_type, order_scores
from qa.search import query_terms, rank, reranked, search
from qa.tokens import tokenize

WORDS = "amber basalt cobalt delta ember fjord garnet harbor indigo jasper".split()


def random_markdown(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).capitalize() + "."
                     for _ in range(rng.randint(1, 4))]
        paragraphs.append(" ".join(sentences))
    return f"# {rng.choice(WORDS).title()} notes\n\n" + "\n\n".join(paragraphs) + "\n"


def reference_fields(index: Index, cid: int, terms: list[str], rr: Rerank) -> dict[str, float]:
    """BM25F of one chunk, term by term, from its paragraph's tokens (no postings)."""
    pid = index.column("g_pid", np.arange(index.n_chunks)).tolist()
    para = [c for c in range(index.n_chunks) if pid[c] == pid[cid]]
    toks = {c: tokenize(index.text(c)) for c in para}
    before = [c for c in (cid - 1,) if c in toks]
    after = [c for c in (cid + 1,) if c in toks]
    window = before + after
    rest = [c for c in para if c != cid and c not in window]
    lengths = [sum(len(tokenize(index.text(c))) for c in range(index.n_chunks) if pid[c] == p)
               for p in range(max(pid) + 1)]
    avg_par = sum(lengths) / len(lengths)
    norm_s = 1 - rr.sentence_b + rr.sentence_b * len(toks[cid]) / index.avgdl
    norm_w = 1 - rr.window_b + rr.window_b * sum(len(toks[c]) for c in window) / (2 * index.avgdl)
    norm_p = 1 - rr.paragraph_b + rr.paragraph_b * lengths[pid[cid]] / avg_par
    heading = index.heading_terms(cid)
    out = {}
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        tf = (toks[cid].count(term) / norm_s
              + (rr.window * sum(toks[c].count(term) for c in before)
                 + rr.window_after * sum(toks[c].count(term) for c in after)) / norm_w
              + rr.paragraph * sum(toks[c].count(term) for c in rest) / norm_p
              + rr.heading * (term in heading))
        out[term] = qtf * index.idf(tid) * tf * (rr.k1 + 1) / (rr.k1 + tf)
    return out


def test_field_scores_equal_a_direct_computation(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(11)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(6)})
    index, _ = open_index([str(root)])
    for _ in range(25):
        terms = query_terms(" ".join(rng.choice([*WORDS, "unknown"]) for _ in range(rng.randint(1, 4))))
        ids = np.array(sorted(rng.sample(range(index.n_chunks), min(6, index.n_chunks))), dtype=np.int64)
        stats = field_scores(index, ids, terms, DEFAULT_RERANK)
        for j, cid in enumerate(ids.tolist()):
            want = reference_fields(index, cid, terms, DEFAULT_RERANK)
            got = {t: float(v[j]) for t, v in stats.contributions.items()}
            assert got.keys() == want.keys()
            assert [got[t] for t in want] == pytest.approx(list(want.values()), rel=1e-9)


@pytest.mark.parametrize(("question", "kind"), [
    ("When did the bridge open?", "date"),
    ("In what year was it built?", "date"),
    ("How many people live there?", "number"),
    ("What percentage of voters agreed?", "number"),
    ("Who wrote the report?", "name"),
    ("Where is the harbour?", "name"),
    ("What is basalt made of?", ""),
    ("Why did the dam fail?", ""),
])
def test_answer_type_reads_the_question_word(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_has_answer_type() -> None:
    q = {"who", "founded", "the", "society"}
    assert has_answer_type("date", "The society was founded in 1887.", q)
    assert has_answer_type("date", "It was founded in March.", q)
    assert not has_answer_type("date", "It was founded long ago.", q)
    assert has_answer_type("number", "Twelve members signed.", q)
    assert has_answer_type("number", "It had 40 members.", q)
    for words in ("seventeen times", "eleven players", "ninety members", "twice"):  # numbers written as words
        assert has_answer_type("number", f"It won {words}.", q), words
    assert not has_answer_type("number", "Members signed.", q)
    assert has_answer_type("name", "The society was founded by Ada Lovelace.", q)
    # A capital that opens the sentence, or a name the question already has, is no answer.
    assert not has_answer_type("name", "Members founded the society.", q)
    assert not has_answer_type("name", "It was the Society that founded it.", q | {"society"})
    # Nor is a number or a date the question already has.
    q50 = {"how", "many", "fans", "watched", "super", "bowl", "50"}
    assert not has_answer_type("number", "Super Bowl 50 was watched by fans.", q50)
    assert has_answer_type("number", "Super Bowl 50 was watched by 111 million fans.", q50)
    assert has_answer_type("number", "Fans of Super Bowl 50 numbered two million.", q50)
    q1887 = {"when", "did", "the", "society", "of", "1887", "close"}
    assert not has_answer_type("date", "The society of 1887 closed.", q1887)
    assert has_answer_type("date", "The society of 1887 closed in 1901.", q1887)


def test_a_sentence_leans_on_the_one_before_it_more_than_on_the_one_after(make_corpus: Callable[..., Path]) -> None:
    # Two sentences with no question word, of the same length, on either side of
    # the one that has them all: the one after it ("This is why ...") gets more
    # of its words than the one before.
    before, middle = "Miners tell many stories.", "Quartz crystals grow slowly in caves."
    after = "Geologists tell many tales."
    root = make_corpus({"a.txt": f"{before} {middle} {after}\n"})
    index, _ = open_index([str(root)])
    assert [index.text(c) for c in range(index.n_chunks)] == [before, middle, after]
    terms = query_terms("Where do quartz crystals grow slowly?")
    ids = np.arange(3, dtype=np.int64)
    lean = bm25f(index, ids, terms)
    even = bm25f(index, ids, terms, replace(DEFAULT_RERANK, window_after=DEFAULT_RERANK.window))
    assert DEFAULT_RERANK.window_after < DEFAULT_RERANK.window
    assert even[0] == pytest.approx(even[2])  # same weights: mirror images score the same
    assert lean[1] > lean[2] > lean[0] > 0
    hits = search(index, "Where do quartz crystals grow slowly?", k=3).hits
    assert [h.text for h in hits] == [middle, after, before]


def test_phrase_and_proximity_reward_question_words_that_stand_together(make_corpus: Callable[..., Path]) -> None:
    far = "The harbor stands beyond the old stone walls of the red cliffs."
    root = make_corpus({"a.txt": f"Red harbor lights shine.\n\n{far}\n"})
    index, _ = open_index([str(root)])
    terms = query_terms("red harbor")
    phrase, proximity, _ = order_scores(index, ["Red harbor lights shine.", far], terms)
    assert phrase[0] == pytest.approx(0.5)  # the only pair, adjacent: its mean idf over the question's total
    assert phrase[1] == 0.0  # the same two words, far apart
    gap = tokenize(far).index("red") - tokenize(far).index("harbor")
    assert gap > 2
    assert proximity.tolist() == pytest.approx([1.0, 1 / gap**2])


def test_a_when_question_prefers_the_sentence_with_a_date(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "a.txt": "The lighthouse keeper painted the lighthouse white.\n\n"
                 "The lighthouse keeper arrived in 1887.\n",
    })
    index, _ = open_index([str(root)])
    hits = search(index, "When did the lighthouse keeper arrive?", k=2, with_explain=True).hits
    assert "1887" in hits[0].text
    assert hits[0].explain["[answer type]"] == pytest.approx(DEFAULT_RERANK.answer_type)
    assert "[answer type]" not in hits[1].explain


def test_explain_parts_add_up_to_the_score(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(4)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(6)})
    index, _ = open_index([str(root)])
    for _ in range(20):
        question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        for hit in search(index, question, k=5, with_explain=True).hits:
            assert sum(hit.explain.values()) == pytest.approx(hit.score, rel=1e-9, abs=1e-9)


def test_search_orders_the_first_stage_shortlist_by_the_second_stage(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(8)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(8)})
    index, _ = open_index([str(root)])
    for _ in range(20):
        question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        terms = query_terms(question)
        ranked = rank(index, terms)
        ids, scores, _ = reranked(index, question, terms, ranked, max(DEFAULT_RERANK.shortlist, 5))
        best = sorted(zip(scores.tolist(), ids.tolist(), strict=True), key=lambda p: (-p[0], p[1]))[:5]
        hits = search(index, question, k=5).hits
        assert [h.chunk for h in hits] == [c for _, c in best]
        assert [h.score for h in hits] == pytest.approx([v for v, _ in best])
        # The shortlist is the first stage's best: nothing outside it scored higher there.
        outside = np.setdiff1d(ranked.ids, ids)
        if len(outside):
            first = dict(zip(ranked.ids.tolist(), ranked.total.tolist(), strict=True))
            assert max(first[c] for c in outside.tolist()) <= min(first[c] for c in ids.tolist())


def test_local_idf_is_lower_for_a_word_that_fills_its_document(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "a.txt": "Ember glows.\n\nEmber fades.\n\nEmber sleeps by the fjord.\n",
        "b.txt": "Garnet shines by the fjord.\n\nBasalt cools.\n\nJasper cracks.\n",
    })
    index, _ = open_index([str(root)])
    terms = query_terms("fjord")
    ids = np.array([2, 3], dtype=np.int64)  # the two "fjord" sentences, one per document
    assert [index.text(int(c)) for c in ids] == ["Ember sleeps by the fjord.", "Garnet shines by the fjord."]
    stats = field_scores(index, ids, terms)
    assert stats.local.tolist() == pytest.approx([math.log1p((3 - 1 + 0.5) / 1.5)] * 2)
    stats = field_scores(index, ids, query_terms("ember fjord"))
    # "ember" is in every sentence of a.txt: within its document it says little.
    assert stats.local[0] == pytest.approx(math.log1p((3 - 1 + 0.5) / 1.5) + math.log1p(0.5 / 3.5))


def reference_document(index: Index, cid: int, terms: list[str], rr: Rerank) -> float:
    """BM25 of the question against chunk ``cid``'s whole document, from the document's tokens."""
    doc = index.doc_of(cid)
    sentences = [set(tokenize(index.text(c))) for c in range(doc.first, doc.first + doc.count)]
    avg = index.n_chunks / len(index.docs)
    norm = rr.document_k1 * (1 - rr.document_b + rr.document_b * doc.count / avg)
    total = 0.0
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        n = sum(term in s for s in sentences)
        total += qtf * index.idf(tid) * n * (rr.document_k1 + 1) / (n + norm)
    return total


def test_document_bm25_equals_a_direct_computation(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(5)
    root = make_corpus({f"doc{i}.md": random_markdown(rng) for i in range(6)})
    index, _ = open_index([str(root)])
    rr = Rerank(document_k1=2.0, document_b=0.6)
    for _ in range(25):
        terms = query_terms(" ".join(rng.choice([*WORDS, "unknown"]) for _ in range(rng.randint(1, 4))))
        ids = np.array(sorted(rng.sample(range(index.n_chunks), min(6, index.n_chunks))), dtype=np.int64)
        got = field_scores(index, ids, terms, rr).document
        want = [reference_document(index, cid, terms, rr) for cid in ids.tolist()]
        assert got.tolist() == pytest.approx(want, rel=1e-9)


def test_document_evidence_prefers_the_document_about_the_question(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "a.txt": "Basalt cools slowly.\n\nThe harbor holds basalt.\n\nBasalt forms columns.\n",
        "b.txt": "Amber glows.\n\nThe harbor holds basalt.\n\nJasper cracks.\n",
    })
    index, _ = open_index([str(root)])
    ids = np.array([1, 4], dtype=np.int64)  # the same sentence, once in each document
    assert index.text(1) == index.text(4)
    document = field_scores(index, ids, query_terms("harbor basalt")).document
    assert document[0] > document[1] > 0


def reference_exact(index: Index, question: str, text: str) -> float:
    """Idf share of the question's terms that ``text`` holds in a form the question used."""
    def forms(s: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for word in re.findall(r"\w+", s.lower()):
            for term in tokenize(word):
                out.setdefault(term, set()).add(word)
        return out

    asked, seen = forms(question), forms(text)
    idf = {t: index.idf(tid) for t in asked if (tid := index.term_id(t)) is not None}
    same = sum(v for t, v in idf.items() if asked[t] & seen.get(t, set()))
    return same / (sum(idf.values()) or 1.0)


def test_exact_form_equals_a_direct_computation(make_corpus: Callable[..., Path]) -> None:
    rng = random.Random(9)
    forms = ["harbor", "harbors", "general", "generation", "generally", "cobalt", "cobalts", "ember"]
    texts = [" ".join(rng.choice(forms) for _ in range(rng.randint(2, 6))).capitalize() + "." for _ in range(12)]
    root = make_corpus({"a.txt": "\n\n".join(texts) + "\n"})
    index, _ = open_index([str(root)])
    for _ in range(25):
        question = " ".join(rng.choice(forms) for _ in range(rng.randint(1, 4)))
        _, _, exact = order_scores(index, texts, query_terms(question), question)
        assert exact.tolist() == pytest.approx([reference_exact(index, question, t) for t in texts], rel=1e-9)


def test_exact_form_tells_words_that_share_a_stem_apart(make_corpus: Callable[..., Path]) -> None:
    assert tokenize("general") == tokenize("generation")  # Porter gives both the same stem
    texts = ["The general rule holds.", "The generation rule holds."]
    root = make_corpus({"a.txt": "\n\n".join(texts) + "\n"})
    index, _ = open_index([str(root)])
    question = "What is the general rule?"
    _, _, exact = order_scores(index, texts, query_terms(question), question)
    assert exact[0] == pytest.approx(1.0)
    assert 0 < exact[1] < 1  # only "rule" is there as asked
    hits = search(index, question, k=2, with_explain=True).hits
    assert hits[0].text == texts[0]
    assert hits[0].explain["[exact form]"] == pytest.approx(DEFAULT_RERANK.exact)
