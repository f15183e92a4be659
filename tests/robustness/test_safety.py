"""Nothing read from disk can run code, nothing goes over the network, files qa writes are private."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

import qa
from qa.refresh import open_index
from qa.search import search
from qa.store import cache_root, index_dir

SOURCE = Path(qa.__file__).parent


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_pickle_eval_or_exec_in_the_package() -> None:
    banned = re.compile(
        r"\b(pickle|cPickle|dill|joblib|marshal|shelve)\s*[.(]|(?<![\w.])(eval|exec|compile|__import__)\s*\("
        r"|allow_pickle\s*=\s*True|\b(import|from) (pickle|_pickle|marshal|shelve|dill|joblib)\b|yaml\.(unsafe_)?load\("
        r"|shell\s*=\s*True|os\.system\(|os\.popen\("
    )
    offenders = [
        f"{path.relative_to(SOURCE)}:{n}: {line.strip()}"
        for path in sorted(SOURCE.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if banned.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_every_npy_load_refuses_pickles() -> None:
    calls = [
        (path.name, call)
        for path in SOURCE.rglob("*.py")
        for call in re.findall(r"np\.load\([^)]*\)", path.read_text(encoding="utf-8"))
    ]
    assert calls and all("allow_pickle=False" in call for _, call in calls), calls


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch '{self.marker}'",))


def test_a_pickled_array_in_the_cache_is_refused(make_corpus: Callable[..., Path], tmp_path: Path) -> None:
    import numpy as np

    from qa.errors import IndexStoreError
    from qa.store import load

    root = make_corpus({"a.txt": "A heron.", "b.txt": "A gull."})
    open_index([str(root)])
    folder = index_dir([str(root)])
    gen = folder / (folder / "CURRENT").read_text(encoding="ascii").strip()
    seg = folder / json.loads((gen / "meta.json").read_text(encoding="utf-8"))["segments"][0]["name"]
    marker = tmp_path / "pwned"
    for name in ("p_tf.npy", "c_doc.npy", "t_blob.npy"):
        np.save(seg / name, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
        with pytest.raises(IndexStoreError):
            load(folder)
        assert not marker.exists()
    warnings: list[str] = []
    index, report = open_index([str(root)], warn=warnings.append)  # detected, rebuilt
    assert report.built and len(warnings) == 1 and "rebuilding" in warnings[0]
    assert search(index, "heron").hits and not marker.exists()


def test_documents_are_data(make_corpus: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = make_corpus({
        "evil.md": f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\n\n# Hi\n\n"
                   "{{ __import__('os').system('touch x') }} The heron.",
        "notes.txt": f"__import__('os').system('touch {marker}') and a heron. $(touch {marker}) `touch {marker}`",
        "evil.html": f"<script>require('child_process').exec('touch {marker}')</script><p>A heron.</p>"
                     f"<img src=x onerror=\"touch {marker}\">",
    })
    index, _ = open_index([str(root)])
    assert {Path(h.path).suffix for h in search(index, "heron", k=10).hits} == {".md", ".txt", ".html"}
    assert not marker.exists()


def test_no_network_while_indexing_and_answering(make_corpus: Callable[..., Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    root = make_corpus({"a.md": "# Notes\n\nSee <https://example.com> and http://example.org for the heron.",
                        "b.html": "<a href='http://example.net'>heron</a> <img src='http://example.net/x.png'>"})
    index, _ = open_index([str(root)], rebuild=True)
    assert search(index, "heron").hits
    index, _ = open_index(None, rebuild=True)  # the seeds: Punkt is trained locally, never downloaded
    assert search(index, "North Korea").hits


def test_cache_files_are_private(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.txt": "A heron."})
    open_index([str(root)])
    (root / "b.txt").write_text("A gull.", encoding="utf-8")
    open_index([str(root)])  # an update writes a new generation too
    cache = index_dir([str(root)])
    for path in [cache, *cache.rglob("*")]:
        mode = _mode(path)
        assert mode & 0o077 == 0, (path, oct(mode))
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_cache_folders_qa_creates_are_private(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.txt": "A heron."})
    assert not cache_root().exists()
    open_index([str(root)])
    for folder in (cache_root(), cache_root() / "index", index_dir([str(root)])):
        assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))


def test_history_is_private(tmp_path: Path) -> None:
    repl = pytest.importorskip("qa.repl", reason="qa/repl.py (the REPL and its history) does not exist yet")
    path = repl.history_path()
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])  # the isolated data folder
    history = repl.private_history(path)
    history.store_string("who led the delegation?")
    assert path.read_text(encoding="utf-8").count("who led the delegation?") == 1
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    # An existing history with loose permissions is tightened.
    path.chmod(0o644)
    path.parent.chmod(0o755)
    repl.private_history(path)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_history_falls_back_to_memory_when_unwritable(tmp_path: Path) -> None:
    repl = pytest.importorskip("qa.repl", reason="qa/repl.py (the REPL and its history) does not exist yet")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    history = repl.private_history(blocker / "qa" / "history")
    history.store_string("still works")
    assert "still works" in list(history.load_history_strings())
