"""The index cache as a whole: what each index holds, when it was last used, and pruning.

Each index folder (see :mod:`qa.store`) also holds two small files:

- ``used``, empty, whose modification time is the index's last use. Opening
  an index costs a ``stat`` of it and, at most once a minute, a ``utime``.
- ``info.json``, written after each build: the folders and globs indexed
  and the numbers of documents and sentences, so the cache can be listed
  without loading any index.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USED = "used"
INFO = "info.json"
#: ``used`` is touched again only when its time is older than this (seconds).
USED_RESOLUTION = 60
#: ``qa index --prune`` removes indexes not used for this many days.
PRUNE_DAYS = 30
#: Past this many bytes in the cache, a build prints a hint about pruning.
HINT_BYTES = 1_000_000_000


def mark_used(folder: Path) -> bool:
    """Record that the index in ``folder`` was just used (a stat, and at most once a minute a utime).

    Returns:
        True when the index had no record of use yet (first used by this version of qa).
    """
    path = os.path.join(folder, USED)
    try:
        if time.time() - os.stat(path).st_mtime >= USED_RESOLUTION:
            os.utime(path)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        return True
    except OSError:
        pass
    return False


def write_info(folder: Path, roots: Sequence[str], include: Sequence[str], exclude: Sequence[str],
               documents: int, sentences: int) -> None:
    """Describe the index in ``folder`` for listings (best effort: a failure only makes it unnamed)."""
    data = {"roots": [os.path.abspath(os.path.expanduser(r)) for r in roots], "include": list(include),
            "exclude": list(exclude), "documents": documents, "sentences": sentences}
    tmp = os.path.join(folder, INFO + ".tmp")
    with contextlib.suppress(OSError, UnicodeError):
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogateescape"))
        os.replace(tmp, os.path.join(folder, INFO))


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One index in the cache, as listings show it.

    ``roots`` is None for an index whose ``info.json`` is missing or unreadable
    (built by an older qa, or never completed).
    """

    folder: Path
    roots: tuple[str, ...] | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    documents: int | None
    sentences: int | None
    size: int
    last_used: float


def indexes_root() -> Path:
    """The folder holding one folder per index."""
    from qa.store import cache_root

    return cache_root() / "index"


def entry(folder: Path) -> IndexEntry:
    """What the index in ``folder`` holds, its size and last use."""
    info = _read_info(folder)
    roots = info.get("roots")
    return IndexEntry(
        folder=folder,
        roots=_strings(roots) if isinstance(roots, list) else None,
        include=_strings(info.get("include")),
        exclude=_strings(info.get("exclude")),
        documents=info.get("documents") if isinstance(info.get("documents"), int) else None,
        sentences=info.get("sentences") if isinstance(info.get("sentences"), int) else None,
        size=tree_size(folder),
        last_used=last_used(folder),
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _read_info(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / INFO).read_bytes().decode("utf-8", "surrogateescape"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_used(folder: Path) -> float:
    """When the index was last used: ``used``'s time, else its last build, else the folder's time."""
    for name in (USED, "CURRENT", ""):
        with contextlib.suppress(OSError):
            return os.stat(folder / name if name else folder).st_mtime
    return 0.0


def tree_size(folder: Path) -> int:
    """Bytes of the files under ``folder``, each hard-linked file counted once. An index's ``old-*``
    folders do not count: they were replaced, and a detached process is deleting them
    (:meth:`qa.store.GenerationWriter.commit`)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [str(folder)]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for item in entries:
                with contextlib.suppress(OSError):
                    if item.is_dir(follow_symlinks=False):
                        if not item.name.startswith("old-"):
                            stack.append(item.path)
                        continue
                    st = item.stat(follow_symlinks=False)
                    if (st.st_dev, st.st_ino) not in seen:
                        seen.add((st.st_dev, st.st_ino))
                        total += st.st_size
    return total


def list_indexes() -> list[IndexEntry]:
    """Every index in the cache, most recently used first."""
    root = indexes_root()
    try:
        folders = [Path(e.path) for e in os.scandir(root)
                   if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    except OSError:
        return []
    return sorted((entry(f) for f in folders), key=lambda e: -e.last_used)


def total_size() -> int:
    """Bytes the whole index cache takes."""
    return tree_size(indexes_root())


def remove_index(folder: Path) -> bool:
    """Delete one index; False when another qa process is writing it (it is left alone).

    The folder is renamed away under the index's lock first, so a reader
    either finds the whole index or none (and builds a new one).
    """
    import shutil

    lock = folder / "lock"
    fd = -1
    try:
        if lock.exists():
            fd = os.open(lock, os.O_RDWR)
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: no advisory locks to respect
                pass
            else:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        doomed = folder.with_name(f".removing-{folder.name}-{os.getpid()}")
        os.rename(folder, doomed)
    except BlockingIOError:
        return False
    except FileNotFoundError:
        return True
    finally:
        if fd >= 0:
            os.close(fd)
    shutil.rmtree(doomed, ignore_errors=True)
    return True


def stale(entries: Iterable[IndexEntry], days: float = PRUNE_DAYS, now: float | None = None) -> list[IndexEntry]:
    """The entries not used for ``days`` days."""
    cutoff = (time.time() if now is None else now) - days * 86400
    return [e for e in entries if e.last_used < cutoff]


def remove_leftovers() -> None:
    """Delete what an interrupted removal left (``.removing-*`` folders)."""
    import shutil

    with contextlib.suppress(OSError):
        for item in os.scandir(indexes_root()):
            if item.name.startswith(".removing-"):
                shutil.rmtree(item.path, ignore_errors=True)
