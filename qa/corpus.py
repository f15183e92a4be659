"""Find and read the documents: paths in, :class:`Document` out.

Nothing here prints. Problems with single files are reported through a
``warn`` callback and the file is skipped; only a problem with the corpus as a
whole (a path that does not exist, no documents at all) raises.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import CorpusError
from qa.formats import SUPPORTED_EXTENSIONS, Block, extract, is_supported

Warn = Callable[[str], None]

def _ignore(message: str) -> None:
    """Default warning sink: drop the message."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to index: where it is and how to show its name."""

    path: Path
    source: str


@dataclass(slots=True)
class Document:
    """A decoded document and its hard-boundary blocks."""

    path: Path
    source: str
    text: str
    blocks: list[Block]
    title: str | None = None
    size: int = 0
    mtime_ns: int = 0
    digest: str = ""
    warnings: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def bundled_seeds() -> Path:
    """The folder of seed articles shipped inside the package."""
    here = Path(__file__).resolve().parent
    installed = here / "seeds"
    return installed if installed.is_dir() else here.parent / "seeds"


def default_roots() -> list[str]:
    """``$QA_DOCS`` (``os.pathsep``-separated) if set, else the bundled seeds."""
    env = os.environ.get("QA_DOCS", "").strip()
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [str(bundled_seeds())]


def display_name(path: Path, cwd: Path | None = None) -> str:
    """The path as a user would type it: relative inside cwd, ``seeds/NAME`` for seeds."""
    seeds = bundled_seeds()
    if path.parent == seeds:
        return f"seeds/{path.name}"
    cwd = cwd or Path.cwd()
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _absolute(raw: str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(raw)))


IGNORE_FILES = (".gitignore", ".qaignore")


@dataclass(frozen=True, slots=True)
class Filters:
    """``--include`` / ``--exclude`` globs (gitignore syntax, relative to each root)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def key(self) -> list[list[str]]:
        """Plain data for the cache key: different filters index different files."""
        return [list(self.include), list(self.exclude)]


def _spec(lines: Iterable[str]) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def discover(
    roots: Sequence[str], warn: Warn = _ignore, filters: Filters | None = None
) -> tuple[list[SourceFile], int]:
    """List the files to index under ``roots`` (files or folders, recursively).

    Hidden files and folders are skipped, and so is whatever a ``.gitignore``
    or ``.qaignore`` in an indexed folder ignores. ``filters.include`` makes
    only matching files count (and reads them even with an unknown
    extension, as plain text); ``filters.exclude`` drops matching files.

    Returns:
        The files, sorted and without duplicates, and how many files were
        skipped for an unsupported extension.

    Raises:
        CorpusError: a root does not exist.
    """
    filters = filters or Filters()
    include = _spec(filters.include) if filters.include else None
    exclude = _spec(filters.exclude) if filters.exclude else None
    found: dict[Path, SourceFile] = {}
    skipped = 0
    cwd = Path.cwd()
    for raw in roots:
        root = _absolute(raw)
        if not root.exists():
            raise CorpusError(f"no such file or folder: {raw}")
        for path in _walk(root, warn) if root.is_dir() else iter([root]):
            rel = path.name if path == root else str(path.relative_to(root))
            if exclude is not None and exclude.match_file(rel):
                continue
            if include is not None:
                if not include.match_file(rel):
                    continue
            elif not is_supported(path):
                skipped += 1
                continue
            if path not in found:
                found[path] = SourceFile(path, display_name(path, cwd))
    return sorted(found.values(), key=lambda f: str(f.path)), skipped


def _read_ignores(folder: Path, warn: Warn) -> Any:
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            lines += (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            continue
        except OSError as exc:
            warn(f"cannot read {folder / name}: {exc.strerror or exc}")
    return _spec(lines) if lines else None


def _walk(root: Path, warn: Warn) -> Iterator[Path]:
    """Yield files under ``root``: symlinks followed once, hidden and ignored names skipped."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Path, list[tuple[Path, Any]]]] = [(root, [])]
    while stack:
        folder, specs = stack.pop()
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue  # a symlink loop or a second link to the same folder
            seen.add(key)
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            warn(f"cannot read folder {folder}: {exc.strerror or exc}")
            continue
        own = _read_ignores(folder, warn)
        if own is not None:
            specs = [*specs, (folder, own)]
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                path = Path(entry.path)
                if specs and _ignored(path, is_dir, specs):
                    continue
                if is_dir:
                    stack.append((path, specs))
                elif entry.is_file():
                    yield path
                elif entry.is_symlink():
                    warn(f"skipping broken link {entry.path}")
            except OSError as exc:
                warn(f"cannot read {entry.path}: {exc.strerror or exc}")


def _ignored(path: Path, is_dir: bool, specs: list[tuple[Path, Any]]) -> bool:
    """Whether an ignore file of the path's folder or of any parent ignores it."""
    for base, spec in specs:
        rel = str(path.relative_to(base)) + ("/" if is_dir else "")
        if spec.match_file(rel):
            return True
    return False


def content_digest(data: bytes) -> str:
    """Hash of a file's bytes: tells a real edit from a touch that kept the content."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_document(file: SourceFile, warn: Warn = _ignore) -> Document | None:
    """Read and parse one file; None (with a warning) if it cannot be used."""
    try:
        with open(file.path, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                warn(f"skipping {file.source}: not a regular file")
                return None
            data = handle.read()
    except OSError as exc:
        warn(f"cannot read {file.source}: {exc.strerror or exc}")
        return None
    extracted = extract(file.path, data, file.source, warn)
    if extracted is None:
        return None
    return Document(
        path=file.path,
        source=file.source,
        text=extracted.text,
        blocks=extracted.blocks,
        title=extracted.title,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        digest=content_digest(data),
    )


def no_documents_message(roots: Sequence[str]) -> str:
    """The error for a corpus with nothing to index."""
    exts = ", ".join(sorted(SUPPORTED_EXTENSIONS))
    where = ", ".join(roots)
    return f"no documents found in {where} (looked for {exts})"
