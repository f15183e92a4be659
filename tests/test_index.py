"""The reader: global ids over segments, and the columns it gathers for them."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import qa.segment
from qa.refresh import open_index


def test_columns_over_several_segments_equal_one_segment(make_corpus: Callable[..., Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(4)
    words = "heron marsh lamp keeper ship fog tide gull".split()
    root = make_corpus({f"f{i}.md": "\n\n".join(
        f"# {rng.choice(words)}\n\n" + " ".join(rng.choice(words) for _ in range(6)) + "." for _ in range(3))
        for i in range(12)})
    one, _ = open_index([str(root)], cache=False)
    monkeypatch.setattr(qa.segment, "FLUSH_CHUNKS", 5)
    many, _ = open_index([str(root)], cache=False)
    assert len(one.segments) == 1 and len(many.segments) > 3
    ids = one.chunk_ids()
    assert many.chunk_ids().tolist() == ids.tolist()
    for name in ("c_line", "c_col", "c_start", "c_end", "c_len", "c_para"):
        assert many.column(name, ids).tolist() == one.column(name, ids).tolist(), name
    # Ids of documents, sections and paragraphs differ in number, not in what they name.
    docs = one.column("c_doc", ids), many.column("c_doc", ids)
    assert [many.docs[d].path for d in docs[1]] == [one.docs[d].path for d in docs[0]]
    assert [many.section(c) for c in ids.tolist()] == [one.section(c) for c in ids.tolist()]
    assert [many.heading_terms(c) for c in ids.tolist()] == [one.heading_terms(c) for c in ids.tolist()]
    assert [many.paragraph(c) for c in ids.tolist()] == [one.paragraph(c) for c in ids.tolist()]
    pids = many.column("g_pid", ids)
    lo, hi = many.paragraph_bounds(np.unique(pids))
    assert np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]).tolist() == ids.tolist()
    assert many.n_paragraphs == one.n_paragraphs and many.paragraph_mean() == one.paragraph_mean()
    assert many.avgdl == one.avgdl and many.terms() == one.terms()
    for term in many.terms():
        assert many.term_postings(many.term_id(term))[0].tolist() == one.term_postings(one.term_id(term))[0].tolist()
        assert many.paragraph_postings(many.term_id(term))[1].tolist() == one.paragraph_postings(
            one.term_id(term))[1].tolist()


def test_integer_unique_and_difference_equal_numpys() -> None:
    # qa sorts instead of calling np.unique/np.setdiff1d (numpy 2 imports numpy.ma for them: 20 ms of a
    # one-shot question); the results must be numpy's.
    from qa.index import missing_ids, unique_ids
    rng = random.Random(4)
    for _ in range(2000):
        a = np.array([rng.randrange(40) for _ in range(rng.randrange(0, 30))], dtype=np.int64)
        b = np.array([rng.randrange(40) for _ in range(rng.randrange(0, 30))], dtype=np.int64)
        assert np.array_equal(unique_ids(a), np.unique(a))
        assert np.array_equal(missing_ids(a, b), np.setdiff1d(a, b))
