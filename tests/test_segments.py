"""Segments: postings as deltas, the merge policy, and refreshes that equal a fresh build."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qa.merge
from qa.build import build_index
from qa.chunking import SentenceSplitter
from qa.corpus import discover
from qa.index import Index
from qa.ranking import BM25Params, Evidence
from qa.refresh import open_index
from qa.schema import DELTA_ESCAPE
from qa.search import query_terms, rank, score, search
from qa.segment import decode_all, decode_deltas, encode_deltas
from qa.store import index_dir, load_punkt


def test_deltas_round_trip_with_large_gaps() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        counts = rng.integers(0, 6, size=int(rng.integers(0, 12)))
        lists = [np.sort(rng.choice(300_000, size=int(c), replace=False)) for c in counts]
        ptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in lists], out=ptr[1:])
        flat = np.concatenate(lists) if lists else np.zeros(0, np.int64)
        delta, pos, val = encode_deltas(flat, ptr)
        assert delta.dtype == np.uint16 and (delta[pos] == DELTA_ESCAPE).all()
        assert decode_all(delta, pos, val, ptr).tolist() == flat.tolist()
        for t, want in enumerate(lists):
            got = decode_deltas(delta, pos, val, int(ptr[t]), int(ptr[t + 1]))
            assert got.tolist() == want.tolist()


class _Seg:
    """What the merge policy looks at: postings and live sentences."""

    def __init__(self, postings: int, n: int = 100, live: int = 100, full: bool = False) -> None:
        self.meta: dict[str, object] = {"n_postings": postings, **({"full": True} if full else {})}
        self.n_chunks, self.n_live = n, live


def test_merge_policy_merges_a_full_tier_of_similar_sizes_only() -> None:
    small = [_Seg(1000) for _ in range(qa.merge.MERGE_FACTOR - 1)]
    big = _Seg(qa.merge.MAX_POSTINGS)
    assert qa.merge.plan([big, *small]) == []  # a tier not yet full: nothing to do
    segs = [big, *small, _Seg(2000)]
    assert qa.merge.plan(segs) == [list(range(1, len(segs)))]  # the small ones, never the big one
    assert qa.merge.plan([_Seg(qa.merge.MAX_POSTINGS, 100, 50)]) == [[0]]  # half deleted: rewritten
    assert qa.merge.plan([_Seg(5, 100, 0)]) == [[0]]  # all deleted: dropped
    huge = [_Seg(qa.merge.MAX_POSTINGS // 2 - 1) for _ in range(qa.merge.MERGE_FACTOR)]
    for group in qa.merge.plan(huge):  # no merge past the size bound
        assert sum(qa.merge.size(huge[i]) for i in group) <= qa.merge.MAX_POSTINGS
    # A build's full segments stay as they are, even when deletions or merged stems leave them a little
    # smaller than a flush: a refresh that deletes one document never becomes a merge.
    flushed = [_Seg(qa.merge.MAX_POSTINGS // 2 - 1000, 100, 99, full=True) for _ in range(qa.merge.MERGE_FACTOR)]
    assert qa.merge.plan(flushed) == []
    assert qa.merge.plan([*flushed[:-1], _Seg(qa.merge.MAX_POSTINGS // 2 - 1000, 100, 50, full=True)]) == [[7]]


WORDS = ("heron marsh lamp keeper ship fog tide gull rock salt moon wind reed pike the of and was "
         "harbour beacon").split()


#: German documents (declared in front matter): their terms are tagged (``de:reih``) and the index's
#: languages, which analyse a question, depend on which documents are live.
GERMAN = "Reiher Sumpf Lampe Wärter Schiff Nebel Gezeiten Möwe Felsen die der und war Leuchtturm".split()


def _text(rng: random.Random, german: float = 0.0) -> str:
    paragraphs = []
    words = WORDS
    if rng.random() < german:
        paragraphs.append("---\nlang: de\n---")
        words = GERMAN
    if rng.random() < 0.5:
        paragraphs.append(f"# {rng.choice(words).title()} {rng.choice(words)}")
    for _ in range(rng.randint(1, 4)):
        sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 7))).capitalize() + "."
                     for _ in range(rng.randint(1, 3))]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs) + "\n"


def _first_stage(index: Index, question: str) -> dict[tuple[str, int], float]:
    """Every matching sentence's first-stage total (sentence, window, paragraph, title), by (file, offset)."""
    ranked = rank(index, query_terms(question, index.langs), Evidence(expand=0))
    return {(index.doc_of(c).path, index.position(c)[2]): v
            for c, v in zip(ranked.ids.tolist(), ranked.total.tolist(), strict=True)}


def _sentence(index: Index, question: str, params: BM25Params) -> dict[tuple[str, int], float]:
    ids, values, _ = score(index, query_terms(question, index.langs), params)
    return {(index.doc_of(c).path, index.position(c)[2]): v for c, v in zip(ids.tolist(), values.tolist(),
                                                                             strict=True)}


def _answers(index: Index, question: str) -> list[float]:
    """The final answers' scores (first stage, second stage, every cue), best first (which of two tied
    sentences is shown depends on their ids: the scores do not)."""
    return [h.score for h in search(index, question, k=10).hits]


def _same(got: dict[tuple[str, int], float], want: dict[tuple[str, int], float]) -> None:
    assert got.keys() == want.keys()
    assert [got[k] for k in sorted(want)] == pytest.approx([want[k] for k in sorted(want)], rel=1e-9)


OPS = st.lists(st.tuples(st.sampled_from(["add", "edit", "delete", "touch", "refresh"]), st.integers(0, 10**6)),
               min_size=1, max_size=12)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(OPS, st.integers(0, 1000))
def test_any_refreshes_equal_a_fresh_build(tmp_path_factory: pytest.TempPathFactory,
                                           monkeypatch: pytest.MonkeyPatch, ops: list[tuple[str, int]],
                                           seed: int) -> None:
    """Random adds, edits, deletions and touches over 30+ files, refreshed now and then (and merged: a
    tier is two segments here), answer every question with the scores of one segment built from scratch."""
    monkeypatch.setattr(qa.merge, "MERGE_FACTOR", 2)
    monkeypatch.setattr(qa.merge, "FLOOR", 10)
    root = tmp_path_factory.mktemp("docs")
    rng = random.Random(seed)
    for i in range(32):
        (root / f"f{i:02}.md").write_text(_text(rng, german=0.1), encoding="utf-8")
    open_index([str(root)])
    for op, n in ops:
        files = sorted(root.iterdir())
        victim = files[n % len(files)] if files else None
        if op == "add":
            (root / f"new{n}.md").write_text(_text(random.Random(n), german=0.2), encoding="utf-8")
        elif op == "edit" and victim is not None:
            victim.write_text(_text(random.Random(n), german=0.2), encoding="utf-8")
        elif op == "delete" and victim is not None and len(files) > 1:
            victim.unlink()
        elif op == "touch" and victim is not None:
            os.utime(victim, ns=(n + 1, n + 1))
        else:
            open_index([str(root)])
    refreshed, _ = open_index([str(root)])
    files, _ = discover([str(root)])
    splitter = SentenceSplitter(load_punkt(index_dir([str(root)])))
    fresh = build_index(files, splitter=splitter)
    assert len(fresh.segments) == 1
    assert refreshed.n_chunks == fresh.n_chunks and refreshed.n_paragraphs == fresh.n_paragraphs
    assert refreshed.avgdl == pytest.approx(fresh.avgdl, rel=1e-12)
    assert sorted(d.path for d in refreshed.docs) == sorted(d.path for d in fresh.docs)
    assert refreshed.langs == fresh.langs
    for question in ["heron marsh", "the lamp keeper", "salt tide wind fog", "beacon", "gull reed pike moon",
                     "Wo war der Reiher im Nebel?", "Leuchtturm lamp"]:
        _same(_first_stage(refreshed, question), _first_stage(fresh, question))
        for params in (BM25Params(), BM25Params(variant="okapi", k1=1.2, b=0.75), BM25Params(variant="l")):
            _same(_sentence(refreshed, question, params), _sentence(fresh, question, params))
        assert _answers(refreshed, question) == pytest.approx(_answers(fresh, question), rel=1e-9)


def test_a_refresh_keeps_the_old_segments_as_they_are(make_corpus) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    root = make_corpus({f"f{i}.md": _text(rng) for i in range(12)})
    first, _ = open_index([str(root)])
    folder = index_dir([str(root)])
    old = first.segments[0].name
    inode = (folder / old / "p_delta.npy").stat().st_ino
    (root / "f2.md").write_text(_text(rng), encoding="utf-8")
    (root / "f4.md").unlink()
    index, report = open_index([str(root)])
    assert report.built
    assert index.segments[0].name == old and len(index.segments) == 2
    assert (folder / old / "p_delta.npy").stat().st_ino == inode  # not rewritten
    seg = index.segments[0]
    assert sorted(Path(seg.docs[d]["path"]).name for d in seg.deleted) == ["f2.md", "f4.md"]
    assert not [p for p in folder.iterdir() if p.name.startswith(("tmp-", "old-"))]


def test_build_flushes_bounded_segments(make_corpus, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A build whose buffer fills writes several segments; they answer as one."""
    import qa.segment

    rng = random.Random(2)
    root = make_corpus({f"f{i:02}.md": _text(rng) for i in range(20)})
    whole, _ = open_index([str(root)], cache=False)
    monkeypatch.setattr(qa.segment, "FLUSH_CHUNKS", 10)
    monkeypatch.setattr(qa.merge, "MERGE_FACTOR", 1000)  # no merge: keep the flushed segments
    index, _ = open_index([str(root)], rebuild=True)
    assert len(index.segments) > 3 and all(s.n_chunks < 10 + 12 for s in index.segments)
    for question in ["heron marsh", "the lamp keeper", "beacon harbour"]:
        _same(_first_stage(index, question), _first_stage(whole, question))


def test_a_reader_removes_what_a_writer_killed_after_its_commit_left(make_corpus) -> None:  # type: ignore[no-untyped-def]
    """Killed between making its generation live and deleting the one before: the next run (even one
    that only reads) removes the old generation, segments and temporary folders, never the live ones."""
    import fcntl
    import shutil

    root = make_corpus({f"f{i}.md": _text(random.Random(i)) for i in range(6)})
    index, _ = open_index([str(root)])
    folder = index_dir([str(root)])
    live = {index.meta["generation"], *(s.name for s in index.segments)}
    shutil.copytree(folder / index.segments[0].name, folder / "seg-leftover")
    shutil.copytree(folder / str(index.meta["generation"]), folder / "gen-leftover")
    (folder / "tmp-leftover").mkdir()
    fd = os.open(folder / "lock", os.O_RDWR)
    try:  # a writer is busy: the reader leaves everything to it
        fcntl.flock(fd, fcntl.LOCK_EX)
        again, report = open_index([str(root)])
        assert report.cached and (folder / "seg-leftover").exists() and (folder / "tmp-leftover").exists()
    finally:
        os.close(fd)
    again, report = open_index([str(root)])
    assert report.cached
    names = {p.name for p in folder.iterdir() if p.name.startswith(("gen-", "seg-", "tmp-", "old-"))}
    assert names == live
    assert again.n_chunks == index.n_chunks
