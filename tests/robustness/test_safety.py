"""Nothing read from disk can run code; files qa writes are private."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from pathlib import Path

import qa
from qa.engine import open_index
from qa.store import index_dir

SOURCE = Path(qa.__file__).parent


def test_no_pickle_eval_or_exec_in_the_package() -> None:
    banned = re.compile(r"\b(pickle|marshal|shelve|eval|exec)\s*[.(]|allow_pickle\s*=\s*True|\bimport pickle\b")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in SOURCE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if banned.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_every_npy_load_refuses_pickles() -> None:
    store = (SOURCE / "store.py").read_text(encoding="utf-8")
    loads = re.findall(r"np\.load\([^)]*\)", store)
    assert loads and all("allow_pickle=False" in call for call in loads)


def test_documents_are_data(make_corpus: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = make_corpus({
        "evil.md": f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\n\n# Hi\n\n"
                   "{{ __import__('os').system('touch x') }} The heron.",
        "evil.txt": "__import__('os').system('touch pwned') and a heron.",
    })
    index, _ = open_index([str(root)])
    assert index.n_chunks > 0
    assert not marker.exists()


def test_cache_tree_is_private(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.txt": "A heron."})
    open_index([str(root)])
    cache = index_dir([str(root)])
    for path in [cache, *cache.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))
