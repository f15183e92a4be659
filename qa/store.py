"""The on-disk index: segments and generations in one folder per corpus, swapped atomically.

The layout is :mod:`qa.schema`'s. A writer writes each new segment in a
temporary folder, fsyncs it and renames it ``seg-<id>``; then the generation
listing the segments (and what is deleted in them) the same way, and only then
points ``CURRENT`` at it, so a crash at any moment leaves the previous
generation live (the next writer removes what no generation lists). Readers
never lock: they follow ``CURRENT`` and memory-map the arrays.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.errors import IndexStoreError
from qa.index import Index
from qa.schema import ARRAYS, CHUNK_COLUMNS, DOC_FIELDS, DOC_OPTIONAL, FORMAT_VERSION
from qa.segment import Segment, SegmentData

if TYPE_CHECKING:
    from numpy.typing import NDArray


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
    import hashlib

    return hashlib.sha256(json.dumps(norm).encode("utf-8", "surrogateescape")).hexdigest()[:20]


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


def _write_file(path: Path, data: bytes | memoryview) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class GenerationWriter:
    """New segments and then a new generation, written beside the live one; live only after :meth:`commit`.

    Use as a context manager: leaving the block without committing (an error,
    Ctrl-C, SIGTERM) removes the segments written so far and the previous
    generation stays live. A kill -9 leaves ``tmp-*`` and ``seg-*`` folders no
    generation lists, which the next commit removes.
    """

    def __init__(self, folder: Path) -> None:
        make_private_dirs(folder)
        self.folder = folder
        self.written: list[str] = []
        self.committed: Path | None = None

    def __enter__(self) -> GenerationWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.committed is None:
            import shutil

            for name in self.written:
                shutil.rmtree(self.folder / name, ignore_errors=True)

    def write_segment(self, data: SegmentData) -> Segment:
        """Write ``data`` as a new segment (fsynced) and return a reader over the written files."""
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.folder))
        try:
            for name, array in data.arrays.items():
                _save_npy(tmp / f"{name}.npy", array)
            _write_file(tmp / "blob.bin", np.ascontiguousarray(data.blob).data)
            files = {p.name: _stat(p) for p in tmp.iterdir()}
            shapes = {name: [np.asarray(array).dtype.str, len(array)] for name, array in data.arrays.items()}
            meta = json.dumps({**data.meta, "files": files, "shapes": shapes}, ensure_ascii=False).encode(
                "utf-8", "surrogatepass")
            _write_file(tmp / "segment.json", meta)
            _fsync_dir(tmp)
            name = f"seg-{tmp.name[4:]}"
            os.rename(tmp, self.folder / name)
        except BaseException:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.written.append(name)
        return load_segment(self.folder, name)

    def commit(self, segments: Sequence[Segment], meta: dict[str, Any], punkt: dict[str, Any] | None) -> Path:
        """Write the generation listing ``segments`` (with their deletions) and make it current."""
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.folder))
        entries = [_entry(s) for s in segments]
        body = {"version": FORMAT_VERSION, "segments": entries, **meta}
        _write_file(tmp / "punkt.json", json.dumps(punkt).encode("utf-8"))
        _write_file(tmp / "meta.json", json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        _fsync_dir(tmp)
        gen = self.folder / f"gen-{tmp.name[4:]}"
        os.rename(tmp, gen)
        self.committed = gen
        _write_file(self.folder / "CURRENT.tmp", gen.name.encode())
        os.replace(self.folder / "CURRENT.tmp", self.folder / "CURRENT")
        _fsync_dir(self.folder)
        _remove_stale(self.folder, {gen.name, *(e["name"] for e in entries)})
        return gen


def _entry(seg: Segment) -> dict[str, Any]:
    """A segment's entry in a generation: its name, deleted documents and touched documents' new mtimes."""
    entry: dict[str, Any] = {"name": seg.name, "deleted": sorted(seg.deleted)}
    if seg.mtimes:
        entry["mtimes"] = {str(d): m for d, m in sorted(seg.mtimes.items())}
    return entry


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


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete old generations, the segments no generation in ``keep`` lists, and leftovers of interrupted writers.

    Deleting a large segment costs a fraction of a second (the kernel frees
    its cached pages), so old generations are first renamed to ``old-*``
    (atomic: nothing ever reads them again, and any writer removes ``old-*``
    leftovers) and, when large, deleted by a detached process while this one
    prints its answer and exits. Small ones are deleted at once.
    """
    import shutil

    doomed: list[Path] = []
    for entry in folder.iterdir():
        name = entry.name
        if name in keep or not name.startswith(("gen-", "seg-", "tmp-", "old-")):
            continue
        if name.startswith(("gen-", "seg-")):
            target = folder / f"old-{name}"
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


def sweep(folder: Path, generation: str, segments: Iterable[str]) -> bool:
    """Remove what a killed writer left (old generations and segments, temporary folders), when idle.

    A kill -9 between making a generation current and deleting the one
    before leaves folders that no live generation lists; the next writer
    would remove them, but a corpus that does not change has none. So a
    reader that finds such leftovers removes them when it can take the lock
    at once (no writer is busy: they hold it while they write) and
    ``generation`` is still the live one. Listing the folder costs
    microseconds; True if it removed any.
    """
    keep = {generation, *segments}
    try:
        leftovers = [e.name for e in os.scandir(folder)
                     if e.name.startswith(("gen-", "seg-", "tmp-", "old-")) and e.name not in keep]
    except OSError:
        return False
    if not leftovers:
        return False
    try:
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):  # a writer holds it (or no flock): it will clean up
        os.close(fd)
        return False
    try:
        if (folder / "CURRENT").read_text(encoding="ascii").strip() != generation:
            return False
        _remove_stale(folder, keep)
        return True
    except (OSError, UnicodeError):
        return False
    finally:
        os.close(fd)


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


_NAME = re.compile(r"(?:gen|seg)-[A-Za-z0-9_]+")


def load(folder: Path, params: Any = None) -> Index:
    """Memory-map the current generation in ``folder``.

    A writer that replaced the generation between reading ``CURRENT`` and
    opening its segments is caught by reading ``CURRENT`` again (once).

    Raises:
        IndexStoreError: missing, truncated, corrupted or from another format version.
    """
    try:
        return _load(folder, params)
    except IndexStoreError:
        raise
    except (OSError, ValueError, UnicodeError, KeyError, TypeError, EOFError, AttributeError, IndexError,
            RecursionError) as exc:  # what damaged files make numpy, json or the checks raise
        first = exc
    try:
        return _load(folder, params)  # a concurrent writer may have replaced the generation
    except IndexStoreError:
        raise
    except (OSError, ValueError, UnicodeError, KeyError, TypeError, EOFError, AttributeError, IndexError,
            RecursionError):
        raise IndexStoreError(f"cannot read index in {folder}: {type(first).__name__}: {first}") from first


def _load(folder: Path, params: Any) -> Index:
    name = (folder / "CURRENT").read_text(encoding="ascii").strip()
    if not _NAME.fullmatch(name):
        raise ValueError(f"bad generation name {name!r}")
    meta: dict[str, Any] = json.loads((folder / name / "meta.json").read_bytes().decode("utf-8", "surrogatepass"))
    if not isinstance(meta, dict):
        raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
    if meta.get("version") != FORMAT_VERSION:
        raise IndexStoreError(f"index format {meta.get('version')} is not {FORMAT_VERSION}")
    entries = meta.get("segments")
    if not isinstance(entries, list) or not isinstance(meta.get("unread", {}), dict):
        raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
    segments = []
    for entry in entries:
        seg_name = entry["name"]
        if not isinstance(seg_name, str) or not _NAME.fullmatch(seg_name):
            raise ValueError(f"bad segment name {seg_name!r}")
        mtimes = {int(d): int(m) for d, m in dict(entry.get("mtimes", {})).items()}
        segments.append(load_segment(folder, seg_name, [int(d) for d in entry["deleted"]], mtimes))
    return Index(segments, {"unread": meta.get("unread", {}), "generation": name}, params)


def load_segment(folder: Path, name: str, deleted: Sequence[int] = (), mtimes: dict[int, int] | None = None
                 ) -> Segment:
    """Memory-map one segment (checked) with the documents a generation deletes in it."""
    path = folder / name
    meta: dict[str, Any] = json.loads((path / "segment.json").read_bytes().decode("utf-8", "surrogatepass"))
    if not isinstance(meta, dict) or meta.get("version") != FORMAT_VERSION:
        raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
    blob = _map_bytes(path / "blob.bin")
    # The values of the columns were checked when written; a file changed since (its size or time
    # differs from what segment.json recorded) has every value checked again: a pass over the data.
    files = meta.get("files")
    unchanged = isinstance(files, dict) and all(
        files.get(f"{key}.npy") == _stat(path / f"{key}.npy") for key in ARRAYS) and files.get(
        "blob.bin") == _stat(path / "blob.bin")
    shapes = meta.get("shapes")
    if unchanged and isinstance(shapes, dict) and _shapes_ok(shapes):
        # As written: the arrays are mapped when first read (a question reads a few of a segment's).
        known = {k: (str(v[0]), int(v[1])) for k, v in shapes.items()}
        arrays: dict[str, Any] = LazyArrays(path, known)
        checked = {k: arrays[k] if k in _VALUES_CHECKED else _Shape(*known[k]) for k in ARRAYS}
        _validate(checked, meta, blob, deleted, mtimes or {}, values=False)
    else:
        arrays = {key: _map_array(path / f"{key}.npy") for key in ARRAYS}
        _validate(arrays, meta, blob, deleted, mtimes or {}, values=not unchanged)
    return Segment(name, meta, arrays, blob, deleted, mtimes)


#: The arrays whose values (not only lengths) the checks read when a segment is as written.
_VALUES_CHECKED = frozenset({"c_boff", "p_ptr", "t_off", "part_off", "p_exc_pos"})


class _Shape:
    """An array's dtype and length as segment.json recorded them (what the checks read of most arrays)."""

    def __init__(self, dtype: str, length: int) -> None:
        self.dtype = np.dtype(dtype)
        self.shape = (length,)


def _shapes_ok(shapes: Any) -> bool:
    return isinstance(shapes, dict) and all(
        key in shapes and isinstance(shapes[key], list) and len(shapes[key]) == 2 and isinstance(shapes[key][0], str)
        and isinstance(shapes[key][1], int) and shapes[key][1] >= 0 for key in ARRAYS)


class LazyArrays(dict[str, Any]):
    """A segment's arrays, each memory-mapped when first read; its dtype and length must be those recorded."""

    def __init__(self, path: Path, known: dict[str, tuple[str, int]]) -> None:
        super().__init__()
        self.path = path
        self.known = known

    def __missing__(self, key: str) -> NDArray[Any]:
        found = self.known.get(key)
        if found is None:
            raise KeyError(key)
        array = _map_array(self.path / f"{key}.npy")
        if array.dtype.str != found[0] or len(array) != found[1]:
            raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
        self[key] = array
        return array


def _stat(path: Path) -> list[int]:
    """A file's size and modification time (ns), as segment.json records them."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


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


def _docs_ok(docs: Any, n: int) -> bool:
    """Whether the document records are well formed and their sentences add up to ``n``, in order."""
    if not isinstance(docs, list):
        return False
    pos = 0
    for d in docs:
        if not isinstance(d, dict) or not set(DOC_FIELDS) <= d.keys() <= {*DOC_FIELDS, *DOC_OPTIONAL}:
            return False
        if int(d["first"]) != pos or int(d["count"]) < 0:
            return False
        if not isinstance(d.get("lang") or "", str) or not isinstance(d.get("acronyms", []), list):
            return False
        pos += int(d["count"])
    return pos == n


def _ids_within(ids: NDArray[Any], low: int, end: int) -> bool:
    """Whether every value of ``ids`` lies in ``low .. end - 1`` (true when there are none)."""
    return not len(ids) or low <= int(ids.min()) <= int(ids.max()) < end


def _strings_ok(meta: dict[str, Any], key: str, terms: str) -> bool:
    values, lists = meta.get(key), meta.get(terms)
    return isinstance(values, list) and isinstance(lists, list) and len(values) == len(lists)


def _validate(a: dict[str, Any], meta: dict[str, Any], blob: NDArray[np.uint8], deleted: Sequence[int],
              mtimes: dict[int, int], values: bool = True) -> None:
    """Consistency checks: lengths agree, offsets stay inside what they index and (``values``) so do ids.

    The lengths and offsets cost nothing; the ids are a pass over the columns (milliseconds per
    million sentences), done when a file is not as it was written.
    """
    n = int(meta["n_chunks"])
    n_par = int(meta["n_paragraphs"])
    n_terms = int(a["t_off"].shape[0]) - 1
    n_post = int(a["p_delta"].shape[0])
    docs = meta.get("docs")
    if not isinstance(docs, list):
        raise IndexStoreError("index files are inconsistent (truncated or corrupted)")
    ok = (
        all(int(a[k].shape[0]) == n for k in CHUNK_COLUMNS)
        and int(a["c_boff"].shape[0]) == n + 1
        and (n == 0 or int(a["c_boff"][-1]) <= int(blob.shape[0]))
        and int(a["g_start"].shape[0]) == n_par + 1 and int(a["g_len"].shape[0]) == n_par
        and n_terms >= 0 and int(a["p_ptr"].shape[0]) == n_terms + 1
        and all(int(a[k].shape[0]) == n_terms for k in ("t_maxtf", "t_pdf", "t_maxptf", "t_key"))
        and a["t_key"].dtype == np.uint64
        and int(a["p_ptr"][-1]) == n_post == int(a["p_tf"].shape[0]) == int(meta["n_postings"])
        and a["p_delta"].dtype == np.uint16
        and int(a["p_exc_pos"].shape[0]) == int(a["p_exc_val"].shape[0])
        and _ids_within(a["p_exc_pos"], 0, n_post)
        and int(a["t_off"][-1]) == int(a["t_blob"].shape[0])
        and int(a["part_off"].shape[0]) >= 1 and int(a["part_off"][0]) == 0
        and int(a["part_off"][-1]) == int(a["part_blob"].shape[0])
        and _docs_ok(docs, n)
        and all(isinstance(d, int) and 0 <= d < len(docs) for d in deleted)
        and all(0 <= d < len(docs) for d in mtimes)
        and _strings_ok(meta, "sections", "section_terms") and _strings_ok(meta, "labels", "label_terms")
        and isinstance(meta.get("title_terms"), list) and len(meta["title_terms"]) == len(docs)
        and isinstance(meta.get("langs", []), list) and all(isinstance(x, str) for x in meta.get("langs", []))
    )
    ok = ok and (not values or (
        _ids_within(a["c_doc"], 0, len(docs))
        and _ids_within(a["g_pid"], 0, n_par)
        and _ids_within(a["c_section"], -1, len(meta["sections"]))  # -1: no section
        and _ids_within(a["c_label"], -1, len(meta["labels"]))
        and _ids_within(a["c_pdesc"], -1, int(a["part_off"].shape[0]) - 1)  # -1: in no part
        and _ids_within(a["c_part"], 0, 1 << 31)
        and _ids_within(a["p_exc_pos"], 0, n_post)
        and (n == 0 or int(np.asarray(a["c_boff"]).max()) <= int(blob.shape[0]))
    ))
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
