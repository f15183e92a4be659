"""The index cache as a whole: last use, listing, pruning, the size hint, and --verbose."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from qa import cache
from qa.refresh import open_index

RunQA = Callable[..., CompletedProcess[str]]
DAY = 86400


def corpora(make_corpus: Callable[..., Path]) -> Path:
    return make_corpus({
        "a/one.txt": "The heron stood in the marsh.", "b/two.txt": "Lighthouses guide ships.",
        "c/three.txt": "The keeper lit the lamp.", "c/photo.png": b"\x89PNG", "c/sheet.csv": "x,y\n",
    })


def age(folder: Path, days: float) -> None:
    """Pretend the index in ``folder`` was last used ``days`` ago."""
    when = time.time() - days * DAY
    os.utime(folder / cache.USED, (when, when))


def test_last_use_is_recorded_at_most_once_a_minute(make_corpus: Callable[..., Path]) -> None:
    root = corpora(make_corpus)
    _, report = open_index([str(root / "a")])
    used = report.folder / cache.USED
    assert used.exists() and time.time() - used.stat().st_mtime < 60
    os.utime(used, (time.time() - 30, time.time() - 30))
    open_index([str(root / "a")])
    assert time.time() - used.stat().st_mtime >= 29  # within the minute: not touched again
    age(report.folder, 2)
    open_index([str(root / "a")])
    assert time.time() - used.stat().st_mtime < 60  # older: touched


def test_an_index_from_an_older_qa_gets_described_on_first_use(make_corpus: Callable[..., Path]) -> None:
    root = corpora(make_corpus)
    _, report = open_index([str(root / "a")])
    (report.folder / cache.INFO).unlink()
    (report.folder / cache.USED).unlink()
    assert cache.entry(report.folder).roots is None
    open_index([str(root / "a")])
    described = cache.entry(report.folder)
    assert described.roots == (str(root / "a"),) and described.documents == 1 and described.sentences == 1


def test_list_and_prune(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = corpora(make_corpus)
    folders = {}
    for name in "abc":
        _, report = open_index([str(root / name)])
        folders[name] = report.folder
    assert run_qa("collection", "add", "lamps", str(root / "c")).returncode == 0
    age(folders["a"], 40)
    age(folders["b"], 3)
    listed = run_qa("index", "--list", cwd=root.parent)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["last", "used", "size", "documents", "sentences", "corpus"]
    assert lines[1].startswith("just now") and lines[1].endswith("lamps: docs/c")  # most recent first
    assert lines[2].startswith("3 days ago") and lines[2].endswith("docs/b")
    assert lines[3].startswith("40 days ago") and lines[3].endswith("docs/a")
    assert lines[4].startswith("3 indexes, ") and str(cache.indexes_root()) in lines[4]
    pruned = run_qa("index", "--prune", cwd=root.parent)
    assert pruned.returncode == 0
    assert pruned.stdout.splitlines()[0].startswith("removed docs/a (") and "last used 40 days ago" in pruned.stdout
    assert not folders["a"].exists() and folders["b"].exists() and folders["c"].exists()
    again = run_qa("index", "--prune")
    assert again.stdout.startswith("nothing to prune: every index was used in the last 30 days")
    everything = run_qa("index", "--prune", "--all")
    assert everything.returncode == 0 and "0 indexes left" in everything.stdout
    assert not folders["b"].exists() and not folders["c"].exists()
    assert "the index cache is empty" in run_qa("index", "--list").stderr
    # A pruned collection stays a collection: its index is built again when it is asked.
    assert run_qa("-c", "lamps", "lamp").returncode == 0 and folders["c"].exists()


def test_an_index_being_written_is_not_pruned(make_corpus: Callable[..., Path]) -> None:
    import fcntl

    root = corpora(make_corpus)
    _, report = open_index([str(root / "a")])
    fd = os.open(report.folder / "lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert cache.remove_index(report.folder) is False and report.folder.exists()
    finally:
        os.close(fd)
    assert cache.remove_index(report.folder) is True and not report.folder.exists()


@pytest.mark.parametrize(("args", "needle"), [(("index", "--all"), "--all goes with --prune"),
                                              (("index", "--list", "--prune"), "cannot be used together")])
def test_index_mode_errors(run_qa: RunQA, args: tuple[str, ...], needle: str) -> None:
    result = run_qa(*args)
    assert result.returncode == 2 and needle in result.stderr and len(result.stderr.splitlines()) == 1


def test_hint_when_the_cache_passes_the_limit_after_a_build(make_corpus: Callable[..., Path],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from qa.cli import main

    root = corpora(make_corpus)
    monkeypatch.setattr(cache, "HINT_BYTES", 1000)
    assert main(["ask", "--docs", str(root / "a"), "heron"]) == 0
    err = capsys.readouterr().err
    assert "qa: hint: the index cache holds " in err and "'qa index --prune'" in err
    assert main(["ask", "--docs", str(root / "a"), "heron"]) == 0  # nothing built: no hint, no walk
    assert "hint" not in capsys.readouterr().err
    monkeypatch.setattr(cache, "HINT_BYTES", 10**12)
    assert main(["ask", "--docs", str(root / "b"), "ships"]) == 0
    assert "hint" not in capsys.readouterr().err


def test_skipped_files_are_counted_and_verbose_lists_them(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = corpora(make_corpus)
    asked = run_qa("ask", "--docs", str(root / "c"), "lamp")
    assert ("qa: warning: skipped 2 files with unsupported extensions ('qa index --verbose' lists them; "
            "--include GLOB indexes files as text)") in asked.stderr
    plain = run_qa("index", "--docs", str(root / "c"), cwd=root.parent)
    assert "skipped       2 files with unsupported extensions (.csv 1, .png 1)" in plain.stdout
    assert "photo.png" not in plain.stdout
    verbose = run_qa("index", "--verbose", "--docs", str(root / "c"), cwd=root.parent)
    assert verbose.stdout.endswith("  docs/c/photo.png\n  docs/c/sheet.csv\n")


def test_size_on_disk_leaves_out_replaced_generations_being_deleted(tmp_path: Path) -> None:
    # A rebuild renames the old segments to old-* and a detached process deletes them while qa
    # prints its report: "size on disk" is the index's own size, not twice it.
    folder = tmp_path / "index"
    (folder / "seg-a").mkdir(parents=True)
    (folder / "seg-a" / "postings.npy").write_bytes(b"x" * 1000)
    (folder / "CURRENT").write_bytes(b"gen-b")
    (folder / "old-seg-z").mkdir()
    (folder / "old-seg-z" / "postings.npy").write_bytes(b"x" * 5000)
    assert cache.tree_size(folder) == 1005
