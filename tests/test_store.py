"""The persistent index: reuse, incremental updates that keep BM25 exact, atomic writes."""

from __future__ import annotations

import json
import mmap
import os
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qa.errors import CorpusError
from qa.index import bm25_reference
from qa.refresh import open_index
from qa.search import query_terms, score, search
from qa.store import index_dir, load
from qa.tokens import tokenize

CORPUS = {
    "a.txt": "The heron stood in the marsh.\n\nA violet heron flew over the lake at dawn.",
    "b.txt": "Lighthouses guide ships at night. The keeper lit the lamp.",
    "c/d.md": "# Notes\n\nThe marsh was quiet. Frogs sang near the lake.",
}


def all_scores(index, question: str) -> dict[tuple[str, int], float]:
    """Score of every matching chunk, keyed by (file, start) so ids do not matter."""
    ids, scores, _ = score(index, query_terms(question))
    out = {}
    for cid, value in zip(ids.tolist(), scores.tolist(), strict=True):
        out[(index.doc_of(cid).path, index.position(cid)[2])] = value
    return out


def test_second_open_reuses_the_cache(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS)
    first, report1 = open_index([str(root)])
    second, report2 = open_index([str(root)])
    assert report1.built and not report1.cached
    assert report2.cached and not report2.built
    assert second.n_chunks == first.n_chunks
    base = second.segments[0].arrays["p_delta"].base  # memory-mapped, not read into memory
    assert isinstance(base, np.memmap) or isinstance(getattr(base, "obj", None), mmap.mmap)


@pytest.mark.parametrize("change", ["add", "edit", "delete", "touch"])
def test_incremental_update_equals_full_rebuild(make_corpus: Callable[..., Path], change: str) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    if change == "add":
        (root / "e.txt").write_text("A second heron waded into the violet marsh.", encoding="utf-8")
    elif change == "edit":
        (root / "b.txt").write_text("The keeper saw a heron near the lighthouse.", encoding="utf-8")
    elif change == "delete":
        (root / "a.txt").unlink()
    else:
        os.utime(root / "b.txt", ns=(1, 1))  # same bytes, new mtime
    updated, report = open_index([str(root)])
    assert report.built
    rebuilt, _ = open_index([str(root)], cache=False)
    for question in ["heron marsh", "violet heron lake", "keeper lamp ships", "frogs"]:
        got, want = all_scores(updated, question), all_scores(rebuilt, question)
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-5)
    assert sorted(d.path for d in updated.docs) == sorted(d.path for d in rebuilt.docs)
    if change == "delete":
        assert all("a.txt" not in h.path for h in search(updated, "violet heron dawn").hits)
    if change == "touch":
        # Unchanged content is kept, with the new mtime recorded: the next open is a cache hit.
        _, again = open_index([str(root)])
        assert again.cached


def test_updated_scores_equal_rank_bm25(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    (root / "e.txt").write_text("Herons and egrets share the marsh.", encoding="utf-8")
    index, _ = open_index([str(root)])
    assert len(index.segments) == 2  # the new file is a segment of its own; statistics are global
    corpus = [tokenize(index.text(i)) for i in range(index.n_chunks)]
    query = tokenize("heron marsh lake heron")
    want = bm25_reference(corpus, query, index.params)
    ids, got, _ = score(index, query)
    known = [(index.term_id(t), n) for t, n in Counter(query).items() if index.term_id(t) is not None]
    dense = np.full(index.n_chunks, index.query_constant(known), dtype=np.float64)
    dense[ids] = got
    assert dense.tolist() == pytest.approx(want, rel=1e-9)


def test_cache_files_are_private(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    folder = index_dir([str(root)])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_failed_build_keeps_the_previous_generation(
    make_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    folder = index_dir([str(root)])
    live = (folder / "CURRENT").read_text()
    (root / "e.txt").write_text("Something new about herons.", encoding="utf-8")

    import qa.store

    def boom(self, segments, meta, punkt):
        raise KeyboardInterrupt

    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setattr(qa.store.GenerationWriter, "commit", boom)
    with pytest.raises(KeyboardInterrupt):
        open_index([str(root)])
    monkeypatch.undo()
    assert (folder / "CURRENT").read_text() == live
    assert sorted(p.name for p in folder.iterdir()) == before  # the new segment written is gone again
    assert load(folder).n_chunks > 0


def test_only_unreadable_documents_is_an_error_and_saves_nothing(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"bin.txt": b"\x00\x01\x02binary"})
    with pytest.raises(CorpusError):
        open_index([str(root)])
    assert not (index_dir([str(root)]) / "CURRENT").exists()


def test_meta_is_json_and_arrays_refuse_pickle(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    folder = index_dir([str(root)])
    gen = folder / (folder / "CURRENT").read_text()
    meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    seg = folder / meta["segments"][0]["name"]
    json.loads((seg / "segment.json").read_text(encoding="utf-8"))
    np.save(seg / "p_tf.npy", np.array([object()], dtype=object), allow_pickle=True)
    index, report = open_index([str(root)])  # detected, rebuilt
    assert report.built
    assert index.n_chunks > 0


def test_arrays_are_mapped_when_read_and_checked_against_what_was_recorded(
        make_corpus: Callable[..., Path]) -> None:
    """A segment as written is opened without mapping its arrays; each is mapped when first read, and one
    that no longer has the recorded type or length (changed behind the size and time checks) is an error,
    not a wrong answer."""
    from qa.errors import IndexStoreError
    from qa.store import LazyArrays

    root = make_corpus(CORPUS)
    open_index([str(root)])
    folder = index_dir([str(root)])
    index = load(folder)
    arrays = index.segments[0].arrays
    assert isinstance(arrays, LazyArrays) and "c_col" not in arrays  # not mapped by opening
    assert search(index, "violet heron").hits and "c_col" in arrays  # mapped to cite a hit
    path = folder / index.segments[0].name / "c_line.npy"
    st = path.stat()
    data = bytearray(path.read_bytes())
    old = np.load(path).dtype.str.encode()
    new = old.replace(b"u", b"i") if b"u" in old else old.replace(b"i", b"u")
    data[data.index(old) : data.index(old) + len(old)] = new  # same size: a type the checks never saw
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    damaged = load(folder)
    with pytest.raises(IndexStoreError):
        damaged.segments[0].arrays["c_line"]


def test_one_shot_on_a_cached_index_imports_only_what_it_needs(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(CORPUS)
    open_index([str(root)])
    code = (
        "import sys, io, contextlib\n"
        "from qa.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['ask', '--docs', {str(root)!r}, '--format', 'text', 'violet heron'])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    loaded = set(out.stdout.split())
    assert "numpy" in loaded
    for heavy in ("nltk", "rank_bm25", "rich", "prompt_toolkit", "multiprocessing"):
        assert heavy not in loaded, heavy


def test_large_old_generations_are_deleted_in_the_background(
    make_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import qa.store

    monkeypatch.setattr(qa.store, "BACKGROUND_DELETE_BYTES", 0)  # every generation counts as large
    root = make_corpus(CORPUS)
    open_index([str(root)])
    folder = index_dir([str(root)])
    first = (folder / "CURRENT").read_text()
    (root / "e.txt").write_text("Something new about herons.", encoding="utf-8")
    index, _ = open_index([str(root)])
    (root / "a.txt").unlink()  # its segment goes when merged away: here, mostly deleted, it is rewritten
    index, _ = open_index([str(root)])
    live = (folder / "CURRENT").read_text()
    assert live != first and [p.name for p in folder.iterdir() if p.name.startswith("gen-")] == [live]
    deadline = time.monotonic() + 30
    while [p for p in folder.iterdir() if p.name.startswith("old-")] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in folder.iterdir() if p.name.startswith(("old-", "tmp-"))]
    for proc in qa.store._DELETERS:
        proc.wait(timeout=30)
    assert load(folder).n_chunks == index.n_chunks
