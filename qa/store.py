"""The on-disk index: one folder per corpus in the user's cache, swapped atomically.

Layout of ``<cache>/index/<corpus key>/``::

    lock            flock'd while a process writes
    CURRENT         name of the live generation (replaced atomically)
    gen-<id>/       meta.json, punkt.json, blob.bin (chunk texts, UTF-8) and
                    one .npy per array (loaded with allow_pickle=False)

A writer builds a new generation in a temporary folder, fsyncs it, renames it
into place and only then points ``CURRENT`` at it, so a crash at any moment
leaves the previous generation live. Readers never lock: they follow
``CURRENT`` and memory-map the arrays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import mmap
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from qa.errors import IndexStoreError
from qa.index import FORMAT_VERSION, DocInfo, Index

if TYPE_CHECKING:
    from numpy.typing import NDArray

_ARRAYS = (
    "c_doc c_line c_col c_para c_section c_label c_part c_pdesc c_len c_start c_end c_bstart c_bend "
    "blob p_chunk p_tf p_ptr p_w t_blob t_off t_idf g_pid g_start g_len q_ptr q_par q_tf part_blob part_off"
).split()


def cache_root() -> Path:
    """``$QA_CACHE_DIR`` if set, else the platform's user cache folder for qa."""
    env = os.environ.get("QA_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("qa", appauthor=False))


def corpus_key(roots: Sequence[str], extra: Any = None) -> str:
    """A stable name for the corpus made of ``roots`` (absolute, sorted) and its filters."""
    norm: list[Any] = sorted({os.path.abspath(os.path.expanduser(r)) for r in roots})
    if extra and any(extra):
        norm.append(extra)
    digest = _sha256_hex(json.dumps(norm).encode("utf-8", "surrogateescape"))
    return digest[:20]


def _sha256_hex(data: bytes) -> str:
    """``hashlib.sha256(data).hexdigest()``, from Python's own SHA-256 module when it has one.

    ``hashlib`` loads OpenSSL first (~5 ms, a few per cent of a one-shot
    question); the digest is the same.
    """
    import importlib

    for name in ("_sha256", "_sha2"):  # CPython 3.11; 3.12 and later
        try:
            digest: str = importlib.import_module(name).sha256(data).hexdigest()
        except (ImportError, AttributeError):
            continue
        return digest
    import hashlib

    return hashlib.sha256(data).hexdigest()


def index_dir(roots: Sequence[str], extra: Any = None) -> Path:
    """Where the index of ``roots`` (with include/exclude filters ``extra``) lives."""
    return cache_root() / "index" / corpus_key(roots, extra)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents readable by the user only (0700).

    ``mkdir(parents=True, mode=...)`` applies the mode to the last folder
    only; folders that already exist are left as they are.
    """
    for path in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
        path.mkdir(mode=0o700, exist_ok=True)


def _private(path: str, flags: int) -> int:
    """``open`` opener creating files readable by the user only."""
    return os.open(path, flags, 0o600)


def _save_npy(path: Path, array: NDArray[Any]) -> None:
    """Write one array as a ``.npy`` file (user-only) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class GenerationWriter:
    """A new generation being written in a temporary folder; live only after :meth:`commit`.

    Use as a context manager: leaving the block without committing (an error,
    Ctrl-C, SIGTERM) removes the temporary folder and the previous generation
    stays live. A kill -9 leaves a ``tmp-*`` folder that the next writer removes.
    """

    def __init__(self, folder: Path) -> None:
        import tempfile

        make_private_dirs(folder)
        self.folder = folder
        self.tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=folder))
        self._blob: BinaryIO | None = None
        self.blob_reused = False
        self.committed: Path | None = None
        self._saved: dict[str, Any] = {}
        self._blob_synced = False
        self._pool: Any = None
        self._pending: list[Any] = []

    def __enter__(self) -> GenerationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drain(raise_errors=False)
        if self._blob is not None:
            self._blob.close()
        if self.committed is None:
            import shutil

            shutil.rmtree(self.tmp, ignore_errors=True)

    def blob_file(self, reuse: Path | None = None) -> BinaryIO:
        """The file chunk texts stream into while the index is built.

        With ``reuse`` (the previous generation's ``blob.bin``) the new file is
        a hard link to it, opened for appending: kept texts are not copied and
        new ones go after the old end. Generations only ever read offsets they
        wrote, so bytes appended later (or left by an interrupted writer) are
        harmless to the older one. :attr:`blob_reused` says whether it worked.
        """
        target = self.tmp / "blob.bin"
        self.blob_reused = False
        if reuse is not None:
            try:
                os.link(reuse, target)
                self.blob_reused = True
            except OSError:
                pass
        blob: BinaryIO = open(target, "ab" if self.blob_reused else "wb", opener=_private)  # noqa: SIM115
        self._blob = blob  # closed in __exit__
        return blob

    def save_array(self, name: str, array: NDArray[Any]) -> None:
        """Write one final array of the index now, in a background thread.

        The builder hands arrays over as soon as they are done, so writing and
        fsyncing them overlaps with computing the rest; ``array`` must not
        change afterwards. :meth:`commit` waits for every write.
        """
        if name in self._saved:
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(1, thread_name_prefix="qa-writer")
        self._saved[name] = array
        if name != "blob":
            self._pending.append(self._pool.submit(_save_npy, self.tmp / f"{name}.npy", array))
        elif self._blob is not None:  # streamed while building: only the fsync is left
            self._blob.flush()
            self._pending.append(self._pool.submit(os.fsync, self._blob.fileno()))
            self._blob_synced = True

    def _drain(self, raise_errors: bool = True) -> None:
        """Wait for the background writes (re-raising the first error)."""
        pending, self._pending = self._pending, []
        error: BaseException | None = None
        for future in pending:
            exc = future.exception()
            error = error or exc
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if error is not None and raise_errors:
            raise error

    def commit(self, index: Index) -> Path:
        """Write the arrays and metadata, fsync, and make this generation current."""
        tmp = self.tmp
        self._drain()
        if self._blob is None:
            _write_file(tmp / "blob.bin", np.asarray(index.arrays["blob"]).tobytes())
        elif not self._blob_synced:
            self._blob.flush()
            os.fsync(self._blob.fileno())
        for name in _ARRAYS:  # what was not handed over while building (or has changed since)
            if name != "blob" and self._saved.get(name) is not index.arrays[name]:
                _save_npy(tmp / f"{name}.npy", index.arrays[name])
        meta = dict(index.meta)
        punkt = meta.pop("punkt", None)
        _write_file(tmp / "punkt.json", json.dumps(punkt).encode("utf-8"))
        _write_file(tmp / "meta.json", json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        _fsync_dir(tmp)
        gen = self.folder / f"gen-{tmp.name[4:]}"
        os.rename(tmp, gen)
        self.committed = gen
        _write_file(self.folder / "CURRENT.tmp", gen.name.encode())
        os.replace(self.folder / "CURRENT.tmp", self.folder / "CURRENT")
        _fsync_dir(self.folder)
        _remove_stale(self.folder, keep=gen.name)
        return gen


#: A previous blob is reused (linked and appended to) while at most this share
#: of it is dead text (changed or deleted documents); past it, a rewrite compacts.
MAX_BLOB_GARBAGE = 0.25


def reusable_blob(old: Index, keep: Sequence[int]) -> Path | None:
    """The previous generation's ``blob.bin`` when a refresh may link to it, else None."""
    blob = old.arrays.get("blob")
    name = getattr(blob, "filename", None)
    if not keep or not name:
        return None
    try:
        size = os.stat(name).st_size
    except OSError:
        return None
    docs, a = old.docs, old.arrays
    spans = [(d.first, d.first + d.count - 1) for d in (docs[i] for i in keep) if d.count]
    live = sum(int(a["c_bend"][last] - a["c_bstart"][first]) for first, last in spans)
    return Path(name) if size and live >= (1 - MAX_BLOB_GARBAGE) * size else None


def save(index: Index, folder: Path) -> Path:
    """Write an in-memory ``index`` as the current generation of ``folder``.

    Raises:
        OSError: the cache cannot be written; the previous generation stays live.
    """
    with GenerationWriter(folder) as writer:
        return writer.commit(index)


def load_punkt(folder: Path) -> dict[str, Any] | None:
    """The Punkt parameters the current generation was split with (None if unreadable)."""
    try:
        gen = folder / (folder / "CURRENT").read_text(encoding="ascii").strip()
        data = json.loads((gen / "punkt.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError):
        return None
    return data if isinstance(data, dict) else None


#: Stale folders holding at least this many bytes are deleted by a detached process.
BACKGROUND_DELETE_BYTES = 64_000_000

#: Deletes the folders given as arguments (run detached: ``python -I -S -c``).
_DELETER = "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)"


def _remove_stale(folder: Path, keep: str) -> None:
    """Delete old generations and leftovers of interrupted writers.

    Deleting a large generation costs a fraction of a second (the kernel frees
    its cached pages), so old generations are first renamed to ``old-*``
    (atomic: nothing ever reads them again, and any writer removes ``old-*``
    leftovers) and, when large, deleted by a detached process while this one
    prints its answer and exits. Small ones are deleted at once.
    """
    import shutil

    doomed: list[Path] = []
    for entry in folder.iterdir():
        name = entry.name
        if name == keep or not name.startswith(("gen-", "tmp-", "old-")):
            continue
        if name.startswith("gen-"):
            target = folder / f"old-{name[4:]}"
            try:
                os.rename(entry, target)
            except OSError:
                target = entry
            doomed.append(target)
        else:
            doomed.append(entry)
    big = [p for p in doomed if _tree_bytes(p) >= BACKGROUND_DELETE_BYTES]
    if big and _delete_detached(big):
        doomed = [p for p in doomed if p not in big]
    for entry in doomed:
        shutil.rmtree(entry, ignore_errors=True)


def _tree_bytes(folder: Path) -> int:
    """Bytes of the files directly in ``folder`` whose data no other name shares (not hard-linked)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if st.st_nlink == 1:
                    total += st.st_size
    return total


def _delete_detached(paths: Sequence[Path]) -> bool:
    """Start a process, in its own session and without our stdio, that deletes ``paths``; False if it cannot."""
    import subprocess
    import sys

    if not sys.executable:
        return False
    _DELETERS[:] = [p for p in _DELETERS if p.poll() is None]  # reap finished ones
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _DELETER, *map(str, paths)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return False
    _DELETERS.append(proc)  # kept to be reaped later, not waited for
    return True


_DELETERS: list[Any] = []


def load(folder: Path) -> Index:
    """Memory-map the current generation in ``folder``.

    Raises:
        IndexStoreError: missing, truncated, corrupted or from another format version.
    """
    try:
        gen = folder / (folder / "CURRENT").read_text(encoding="ascii").strip()
        meta: dict[str, Any] = json.loads((gen / "meta.json").read_bytes().decode("utf-8", "surrogatepass"))
        if not isinstance(meta, dict):
            raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
        if meta.get("version") != FORMAT_VERSION:
            raise IndexStoreError(f"index format {meta.get('version')} is not {FORMAT_VERSION}")
        arrays = {name: _map_array(gen / f"{name}.npy") for name in _ARRAYS if name != "blob"}
        arrays["blob"] = _map_bytes(gen / "blob.bin")
        _validate(arrays, meta)
        return Index(arrays, meta)
    except IndexStoreError:
        raise
    except (OSError, ValueError, UnicodeError, KeyError, TypeError, EOFError, AttributeError, IndexError,
            RecursionError) as exc:  # what damaged files make numpy, json or the checks raise
        raise IndexStoreError(f"cannot read index in {folder}: {type(exc).__name__}: {exc}") from exc


#: The header ``np.save`` writes for a 1-D array of numbers (format 1.0), read without ``ast``.
_NPY_HEADER = re.compile(
    r"\{'descr': '([<>|=][biuf][0-9]{1,2})', 'fortran_order': False, 'shape': \(([0-9]+),\), \} *\n"
)


def _map(path: Path) -> mmap.mmap | None:
    """A read-only memory map of the whole file (None when it is empty)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if os.fstat(fd).st_size else None
    finally:
        os.close(fd)


def _map_bytes(path: Path) -> NDArray[np.uint8]:
    """A file's bytes as a read-only uint8 array over its memory map."""
    mm = _map(path)
    return np.zeros(0, dtype=np.uint8) if mm is None else np.frombuffer(mm, dtype=np.uint8)


def _map_array(path: Path) -> NDArray[Any]:
    """A ``.npy`` file as a plain read-only ndarray over its memory map.

    The same pages numpy's read-only memory map gives, without np.memmap's
    per-slice overhead (thousands of slices per question) or numpy's ``ast``
    header parser (a millisecond per file when a one-shot question opens 22).
    Any header other than a 1-D array of numbers goes to numpy's own reader,
    which refuses pickles.

    Raises:
        ValueError: the file is truncated or not a ``.npy`` file.
    """
    mm = _map(path)
    if mm is not None and mm[:8] == b"\x93NUMPY\x01\x00":
        size = int.from_bytes(mm[8:10], "little")
        match = _NPY_HEADER.fullmatch(mm[10 : 10 + size].decode("latin-1"))
        if match is not None:
            return np.frombuffer(mm, dtype=np.dtype(match[1]), count=int(match[2]), offset=10 + size)
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


#: The fields of a document record in meta.json: those of :class:`qa.index.DocInfo`, made from it.
_DOC_FIELDS = frozenset(f.name for f in dataclasses.fields(DocInfo))
_DOC_REQUIRED = frozenset(f.name for f in dataclasses.fields(DocInfo) if f.default is dataclasses.MISSING)


def _doc_count(docs: Any) -> int:
    """Sentences over all document records; -1 when a record is not one :class:`DocInfo` can be made of."""
    total = 0
    for d in docs:
        if not isinstance(d, dict) or not _DOC_REQUIRED <= d.keys() <= _DOC_FIELDS:
            return -1
        total += int(d["count"])
    return total


def _ids_within(ids: NDArray[Any], low: int, end: int) -> bool:
    """Whether every value of ``ids`` lies in ``low .. end - 1`` (true when there are none)."""
    return not len(ids) or low <= int(ids.min()) <= int(ids.max()) < end


def _validate(arrays: dict[str, Any], meta: dict[str, Any]) -> None:
    """Cheap consistency checks: lengths agree, offsets stay inside their arrays."""
    n = int(arrays["c_doc"].shape[0])
    n_terms = int(arrays["t_off"].shape[0]) - 1
    n_post = int(arrays["p_chunk"].shape[0])
    ok = (
        all(int(arrays[k].shape[0]) == n for k in _ARRAYS if k.startswith("c_"))
        and meta.get("n_chunks") == n
        and int(arrays["p_ptr"].shape[0]) == n_terms + 1
        and int(arrays["t_idf"].shape[0]) == n_terms
        and int(arrays["g_pid"].shape[0]) == n
        and int(arrays["g_start"].shape[0]) == int(arrays["g_len"].shape[0]) + 1
        and int(arrays["q_ptr"].shape[0]) == n_terms + 1
        and int(arrays["q_par"].shape[0]) == int(arrays["q_tf"].shape[0]) == int(arrays["q_ptr"][-1])
        and int(arrays["p_tf"].shape[0]) == n_post == int(arrays["p_w"].shape[0])
        and (n_terms < 0 or int(arrays["p_ptr"][-1]) == n_post)
        and (n == 0 or int(arrays["c_bend"][-1]) <= int(arrays["blob"].shape[0]))
        and (n_terms <= 0 or int(arrays["t_off"][-1]) == int(arrays["t_blob"].shape[0]))
        and _doc_count(meta.get("docs", [])) == n
        and isinstance(meta.get("unread", {}), dict)
        # Values that index other arrays stay inside them (a few milliseconds at a million sentences).
        and _ids_within(arrays["c_doc"], 0, len(meta["docs"]))
        and _ids_within(arrays["g_pid"], 0, int(arrays["g_len"].shape[0]))
        and _ids_within(arrays["c_section"], -1, len(meta.get("sections", [])))  # -1: no section
        and _ids_within(arrays["c_label"], -1, len(meta.get("labels", [])))
        and int(arrays["part_off"].shape[0]) >= 1
        and int(arrays["part_off"][0]) == 0 and int(arrays["part_off"][-1]) == int(arrays["part_blob"].shape[0])
        and _ids_within(arrays["c_pdesc"], -1, int(arrays["part_off"].shape[0]) - 1)  # -1: in no part
        and _ids_within(arrays["c_part"], 0, 1 << 31)
    )
    if not ok:
        raise IndexStoreError("index files are inconsistent (truncated or corrupted)")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the corpus folder while writing it."""
    make_private_dirs(folder)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - Windows: rename is still atomic
            pass
        yield
    finally:
        os.close(fd)
