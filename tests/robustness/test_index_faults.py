"""The index under faults: signals, kill -9, concurrent writers, corrupted or unwritable caches."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from robust_helpers import RunQA, answers, big_corpus, spawn_index

from qa.store import index_dir


def _generation(folder: Path) -> Path:
    return folder / (folder / "CURRENT").read_text(encoding="ascii").strip()


def _segment(folder: Path) -> Path:
    """The first segment of the live generation."""
    meta = json.loads((_generation(folder) / "meta.json").read_text(encoding="utf-8"))
    return folder / meta["segments"][0]["name"]


@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                   (signal.SIGTERM, 143, "terminated")])
def test_signal_during_indexing_keeps_the_previous_index(run_qa: RunQA, tmp_path: Path, sig: int, code: int,
                                                         word: str) -> None:
    root = big_corpus(tmp_path / "docs")
    assert run_qa("index", "--docs", str(root)).returncode == 0
    folder = index_dir([str(root)])
    live = (folder / "CURRENT").read_text()
    proc = spawn_index(root, "--rebuild")
    time.sleep(0.8)
    assert proc.poll() is None, "indexing finished before the signal: make the corpus bigger"
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.decode() == f"qa: {word}\n"
    assert (folder / "CURRENT").read_text() == live
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp-")]
    # The next run uses the previous index as it is: no rebuild from a half-written one.
    assert "index         up to date" in run_qa("index", "--docs", str(root)).stdout
    assert answers(run_qa, root)


def test_two_processes_indexing_at_once(run_qa: RunQA, tmp_path: Path) -> None:
    root = big_corpus(tmp_path / "docs", files=30)
    procs = [spawn_index(root) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0 and err == b"", err
    assert answers(run_qa, root)
    folder = index_dir([str(root)])
    assert len([p for p in folder.iterdir() if p.name.startswith("gen-")]) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp-")]


@pytest.mark.slow
def test_kill_9_at_random_points_fifty_times(run_qa: RunQA, tmp_path: Path) -> None:
    root = big_corpus(tmp_path / "docs", files=8, sentences=120)
    rng = random.Random(9)
    # Learn how long a full build takes, then kill at random points inside it.
    start = time.monotonic()
    assert run_qa("index", "--docs", str(root), "--rebuild").returncode == 0
    span = max(time.monotonic() - start, 0.3)
    for round_no in range(50):
        if round_no % 5 == 0:  # change a file now and then so the update path is hit too
            (root / f"f{round_no % 8:03}.txt").write_text(f"Round {round_no} heron.", encoding="utf-8")
        proc = spawn_index(root, *(["--rebuild"] if round_no % 2 else []))
        time.sleep(rng.uniform(0, span))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert answers(run_qa, root), f"round {round_no}"


@pytest.mark.slow
def test_kill_9_during_refreshes_and_merges(run_qa: RunQA, tmp_path: Path) -> None:
    """Refreshes that add a segment each, until the tiered policy merges them: killed at random points,
    the previous generation answers and the next run completes (and leaves nothing behind)."""
    import qa.merge

    root = big_corpus(tmp_path / "docs", files=12, sentences=150)
    assert run_qa("index", "--docs", str(root)).returncode == 0
    folder = index_dir([str(root)])
    rng = random.Random(17)
    for round_no in range(3 * qa.merge.MERGE_FACTOR):
        (root / f"f{round_no % 12:03}.txt").write_text(f"Round {round_no} heron. " * 200, encoding="utf-8")
        start = time.monotonic()
        proc = spawn_index(root)
        time.sleep(rng.uniform(0, 0.6))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert answers(run_qa, root), f"round {round_no}"
        assert run_qa("index", "--docs", str(root)).returncode == 0  # completes what was killed
        assert time.monotonic() - start < 60
        assert answers(run_qa, root), f"round {round_no}"
        live = {json.loads((_generation(folder) / "meta.json").read_text())["segments"][i]["name"]
                for i in range(len(json.loads((_generation(folder) / "meta.json").read_text())["segments"]))}
        on_disk = {p.name for p in folder.iterdir() if p.name.startswith("seg-")}
        assert on_disk == live, round_no  # what a killed run wrote is gone
    segments = json.loads((_generation(folder) / "meta.json").read_text())["segments"]
    assert len(segments) < qa.merge.MERGE_FACTOR + 1  # merged along the way


class _Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch '{self.marker}'",))


def _meta(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((_generation(folder) / "meta.json").read_text(encoding="utf-8"))


def _edit_meta(folder: Path, **changes: object) -> None:
    meta = _generation(folder) / "meta.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data.update(changes)
    meta.write_text(json.dumps(data), encoding="utf-8")


def test_corrupted_truncated_pickled_and_old_caches_are_rebuilt(run_qa: RunQA, tmp_path: Path) -> None:
    root = big_corpus(tmp_path / "docs", files=3, sentences=20)
    assert run_qa("index", "--docs", str(root)).returncode == 0
    folder = index_dir([str(root)])
    marker = tmp_path / "pwned"

    def pickled() -> None:
        evil = np.array([_Payload(marker)], dtype=object)
        np.save(_segment(folder) / "p_tf.npy", evil, allow_pickle=True)

    def shifted(name: str, by: int) -> Callable[[], None]:
        def damage() -> None:
            path = _segment(folder) / f"{name}.npy"
            np.save(path, np.load(path).astype(np.int64) + by)
        return damage

    def segment_meta(**changes: object) -> Callable[[], None]:
        def damage() -> None:
            path = _segment(folder) / "segment.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            data.update({k: v(data) if callable(v) else v for k, v in changes.items()})
            path.write_text(json.dumps(data), encoding="utf-8")
        return damage

    damages: dict[str, Callable[[], None]] = {
        "truncated npy": lambda: (_segment(folder) / "p_delta.npy").write_bytes(
            (_segment(folder) / "p_delta.npy").read_bytes()[:50]),
        "garbage npy": lambda: (_segment(folder) / "t_off.npy").write_bytes(os.urandom(300)),
        "pickled npy": pickled,
        "broken json": lambda: (_generation(folder) / "meta.json").write_text("{not json", encoding="utf-8"),
        "broken segment json": lambda: (_segment(folder) / "segment.json").write_text("{not", encoding="utf-8"),
        "old format": lambda: (_generation(folder) / "meta.json").write_text('{"version": 0, "docs": []}',
                                                                              encoding="utf-8"),
        "wrong length": lambda: np.save(_segment(folder) / "c_doc.npy", np.zeros(3, dtype=np.int32)),
        "missing generation": lambda: (folder / "CURRENT").write_text("gen-missing", encoding="utf-8"),
        "missing segment": lambda: _edit_meta(folder, segments=[{"name": "seg-missing", "deleted": []}]),
        "segment name outside the folder": lambda: _edit_meta(folder, segments=[{"name": "../x", "deleted": []}]),
        "deleted document out of range": lambda: _edit_meta(
            folder, segments=[{**_meta(folder)["segments"][0], "deleted": [10**6]}]),
        "empty blob": lambda: (_segment(folder) / "blob.bin").write_bytes(b""),
        "empty CURRENT": lambda: (folder / "CURRENT").write_bytes(b""),
        "binary CURRENT": lambda: (folder / "CURRENT").write_bytes(b"\xff\x00../../etc"),
        "empty npy": lambda: (_segment(folder) / "t_off.npy").write_bytes(b""),
        "json list": lambda: (_generation(folder) / "meta.json").write_text("[]", encoding="utf-8"),
        "deep json": lambda: (_generation(folder) / "meta.json").write_text("[" * 100_000, encoding="utf-8"),
        "docs not a list": segment_meta(docs=5),
        "document id out of range": shifted("c_doc", 1000),
        "paragraph id out of range": shifted("g_pid", 2**20),
        "section id out of range": shifted("c_section", 1000),
        "part descriptor id out of range": shifted("c_pdesc", 1000),
        "negative part number": shifted("c_part", -5),
        "postings past the end": shifted("p_ptr", 7),
        "delta exception past the end": lambda: np.save(_segment(folder) / "p_exc_pos.npy",
                                                        np.array([10**9], dtype=np.int64)),
        "part table offsets past its bytes": lambda: np.save(_segment(folder) / "part_off.npy",
                                                             np.array([0, 10**9], dtype=np.int64)),
        "document record without a path": segment_meta(
            docs=lambda m: [{k: v for k, v in d.items() if k != "path"} for d in m["docs"]]),
        "unread not an object": lambda: _edit_meta(folder, unread=[1]),
    }
    for name, damage in damages.items():
        damage()
        result = run_qa("ask", "--docs", str(root), "zebra crossing violet", "-k", "1")
        assert result.returncode == 0, (name, result.stderr)
        assert "answer.txt:1:1" in result.stdout, name
        warnings = result.stderr.splitlines()
        assert len(warnings) == 1 and warnings[0].startswith("qa: warning: ") and "rebuilding" in warnings[0], (
            name, warnings)
        assert "up to date" in run_qa("index", "--docs", str(root)).stdout, name
    assert not marker.exists()


def test_unwritable_cache_answers_from_memory_with_one_warning(run_qa: RunQA, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    root = big_corpus(tmp_path / "docs", files=2, sentences=5)
    for _ in range(2):  # every run answers, every run says so once
        result = run_qa("ask", "zebra", "--docs", str(root), env={"QA_CACHE_DIR": str(blocker / "cache")})
        assert result.returncode == 0 and "answer.txt" in result.stdout
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("qa: warning: cannot write the index cache") and "from memory" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: a read-only folder is still writable")
def test_read_only_cache_folder(run_qa: RunQA, tmp_path: Path) -> None:
    cache = tmp_path / "ro-cache"
    cache.mkdir(mode=0o500)
    root = big_corpus(tmp_path / "docs", files=2, sentences=5)
    try:
        result = run_qa("ask", "zebra", "--docs", str(root), env={"QA_CACHE_DIR": str(cache)})
    finally:
        cache.chmod(0o700)
    assert result.returncode == 0 and "answer.txt" in result.stdout
    assert len(result.stderr.splitlines()) == 1 and "cache" in result.stderr


def test_a_full_disk_while_writing_the_cache_answers_anyway(make_corpus: Callable[..., Path],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import qa.store
    from qa.refresh import open_index
    from qa.search import search

    root = make_corpus({"a.txt": "The zebra crossing was painted violet."})
    real = qa.store._write_file

    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qa.store, "_write_file", full)
    warnings: list[str] = []
    index, _ = open_index([str(root)], warn=warnings.append)
    assert search(index, "zebra").hits
    assert warnings == ["cannot write the index cache (No space left on device); answering from memory"]
    folder = index_dir([str(root)])
    assert not (folder / "CURRENT").exists() and not [p for p in folder.iterdir() if p.name.startswith("tmp-")]
    monkeypatch.setattr(qa.store, "_write_file", real)
    index, report = open_index([str(root)])
    assert report.built and report.warnings == [] and search(index, "zebra").hits


def _group(_: int) -> int:
    return os.getpgrp()


def test_indexing_workers_are_outside_the_process_group() -> None:
    """A signal to qa's whole group must reach only the parent: a worker it killed holding the
    pool's queue lock left Pool.terminate() waiting forever (qa index hung, the index locked)."""
    import multiprocessing

    from qa.build import _init_worker
    from qa.chunking import SentenceSplitter

    ctx = multiprocessing.get_context("fork")
    params = SentenceSplitter.train(["A b. C d."]).to_json()
    with ctx.Pool(2, initializer=_init_worker, initargs=(params, os.getpid())) as pool:
        groups = pool.map(_group, range(4))
    assert os.getpgrp() not in groups


def test_a_worker_stays_when_its_parent_is_the_one_it_was_given() -> None:
    """The orphan check compares with the real parent: qa may itself be pid 1 (a container)."""
    from qa.build import _die_with_parent

    for parent, status in ((os.getpid(), 0), (-5, 1)):
        child = os.fork()
        if child == 0:  # pragma: no cover - the child
            _die_with_parent(parent)
            os._exit(0)
        _, code = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(code) == (status if os.uname().sysname == "Linux" else 0)
