"""The index under faults: signals, kill -9, concurrent writers, corrupted or unwritable caches."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest
from conftest import qa_command

from qa.store import index_dir

RunQA = Callable[..., CompletedProcess[str]]
WORDS = "heron marsh lamp keeper ship fog tide gull rock salt moon wind reed pike".split()


def big_corpus(root: Path, files: int = 60, sentences: int = 400, seed: int = 1) -> Path:
    """A generated corpus large enough that indexing takes a moment."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        lines = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(sentences)]
        (root / f"f{i:03}.txt").write_text("\n".join(lines), encoding="utf-8")
    (root / "answer.txt").write_text("The zebra crossing was painted violet.", encoding="utf-8")
    return root


def answers(run_qa: RunQA, root: Path) -> bool:
    result = run_qa("ask", "--docs", str(root), "--format", "text", "zebra crossing violet", "-k", "1")
    return result.returncode == 0 and "answer.txt:1:1" in result.stdout and "Traceback" not in result.stderr


def spawn_index(root: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*qa_command(), "index", "--docs", str(root), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_indexing_keeps_the_previous_index(run_qa: RunQA, tmp_path: Path, sig: int, code: int) -> None:
    root = big_corpus(tmp_path / "docs")
    assert run_qa("index", "--docs", str(root)).returncode == 0
    folder = index_dir([str(root)])
    live = (folder / "CURRENT").read_text()
    proc = spawn_index(root, "--rebuild")
    time.sleep(0.8)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    assert (folder / "CURRENT").read_text() == live
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp-")]
    assert answers(run_qa, root)
    assert "up to date" in run_qa("index", "--docs", str(root)).stdout


def test_two_processes_indexing_at_once(run_qa: RunQA, tmp_path: Path) -> None:
    root = big_corpus(tmp_path / "docs", files=30)
    procs = [spawn_index(root) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert answers(run_qa, root)
    folder = index_dir([str(root)])
    assert len([p for p in folder.iterdir() if p.name.startswith("gen-")]) == 1


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


def test_corrupted_truncated_and_old_caches_are_rebuilt(run_qa: RunQA, tmp_path: Path) -> None:
    root = big_corpus(tmp_path / "docs", files=3, sentences=20)
    assert run_qa("index", "--docs", str(root)).returncode == 0
    folder = index_dir([str(root)])

    def generation() -> Path:
        return folder / (folder / "CURRENT").read_text()

    damages: list[Callable[[], None]] = [
        lambda: (generation() / "p_w.npy").write_bytes((generation() / "p_w.npy").read_bytes()[:50]),
        lambda: (generation() / "meta.json").write_text("{not json", encoding="utf-8"),
        lambda: (generation() / "meta.json").write_text('{"version": 0, "docs": []}', encoding="utf-8"),
        lambda: np.save(generation() / "c_doc.npy", np.zeros(3, dtype=np.int32)),
        lambda: (folder / "CURRENT").write_text("gen-missing", encoding="utf-8"),
        lambda: (generation() / "blob.bin").write_bytes(b""),
    ]
    for damage in damages:
        damage()
        result = run_qa("ask", "--docs", str(root), "zebra crossing violet", "-k", "1")
        assert result.returncode == 0, result.stderr
        assert "answer.txt:1:1" in result.stdout
        warnings = result.stderr.splitlines()
        assert len(warnings) == 1 and "rebuilding" in warnings[0], warnings
        assert "up to date" in run_qa("index", "--docs", str(root)).stdout


def test_unwritable_cache_answers_from_memory_with_one_warning(run_qa: RunQA, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    result = run_qa("ask", "zebra", "--docs", str(big_corpus(tmp_path / "docs", files=2, sentences=5)),
                    env={"QA_CACHE_DIR": str(blocker / "cache")})
    assert result.returncode == 0 and "answer.txt" in result.stdout
    assert len(result.stderr.splitlines()) == 1 and "cache" in result.stderr
