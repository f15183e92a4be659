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
from typing import TYPE_CHECKING, BinaryIO

from qa.errors import CorpusError, UsageError
from qa.extensions import GZIP_EXTENSION, SUPPORTED_EXTENSIONS, is_supported

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

    from qa.formats import Block

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
    hidden: bytes | None = None  # see qa.formats.Extracted
    lang: str | None = None  # the language it declares (front matter ``lang:``, HTML ``lang=``), as written


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
        roots = [p for p in env.split(os.pathsep) if p]
        if not roots:
            raise UsageError(f"QA_DOCS={env!r} names no file or folder")
        return roots
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


IGNORE_FILES = (".gitignore", ".qaignore")


@dataclass(frozen=True, slots=True)
class Filters:
    """``--include`` / ``--exclude`` globs (gitignore syntax, relative to each root), and ``--lang``:
    the language every document is read in (None: each document's own, :func:`qa.lang.document_language`)."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    lang: str | None = None

    def key(self) -> list[list[str]]:
        """Plain data for the cache key: different filters (or languages) index different files."""
        return [list(self.include), list(self.exclude), *([[self.lang]] if self.lang else [])]


def _spec(lines: Iterable[str], bad: Callable[[str, str], None] | None = None) -> GitIgnoreSpec:
    """Compile gitignore-style ``lines``; ``bad(line, reason)`` is told of each invalid one, which is left out."""
    import re

    from pathspec import GitIgnoreSpec

    lines = list(lines)
    try:
        return GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        pass
    good = []
    for line in lines:
        try:
            GitIgnoreSpec.from_lines([line])
        except (ValueError, re.error) as exc:
            if bad is not None:
                bad(line, getattr(exc, "msg", None) or str(exc).split("\n")[0])
            continue
        good.append(line)
    return GitIgnoreSpec.from_lines(good)


def _usage(option: str) -> Callable[[str, str], None]:
    def bad(line: str, reason: str) -> None:
        raise UsageError(f"invalid {option} pattern {line!r}: {reason}")

    return bad


@dataclass(frozen=True, slots=True)
class _Rules:
    """Compiled filters: ``include`` / ``exclude`` specs (None when not given)."""

    include: GitIgnoreSpec | None
    exclude: GitIgnoreSpec | None

    @classmethod
    def of(cls, filters: Filters | None) -> _Rules:
        filters = filters or Filters()
        return cls(_spec(filters.include, _usage("--include")) if filters.include else None,
                   _spec(filters.exclude, _usage("--exclude")) if filters.exclude else None)

    def excluded(self, rel: str) -> bool:
        """Whether ``--exclude`` drops the file ``rel``."""
        return self.exclude is not None and self.exclude.match_file(rel)

    def prunes(self, rel: str) -> bool:
        """Whether ``--exclude`` keeps the walk out of the folder ``rel``."""
        return self.exclude is not None and bool(_folder_verdict(self.exclude, rel + "/"))


def check_filters(filters: Filters) -> None:
    """Compile the globs once.

    Raises:
        UsageError: a glob is not a valid gitignore pattern.
    """
    _Rules.of(filters)


def discover(
    roots: Sequence[str], warn: Warn = _ignore, filters: Filters | None = None
) -> tuple[list[SourceFile], int]:
    """List the files to index under ``roots`` (files or folders, recursively).

    In folders, hidden files and folders are skipped, and so is whatever a
    ``.gitignore`` or ``.qaignore`` in an indexed folder ignores (gitignore
    rules: the deeper file wins, ``!`` re-includes, a trailing ``/`` matches
    folders only, a ``/`` elsewhere anchors to the ignore file's folder, ``**``
    spans folders). Globs are matched against paths relative to their root.
    ``filters.include`` makes only matching files count (and reads them even
    with an unknown extension, as plain text); ``filters.exclude`` drops
    matching files and does not enter matching folders. A file named as a
    root is always indexed, whatever its extension.

    Returns:
        The files, sorted and without duplicates, and how many files were
        skipped for an unsupported extension.

    Raises:
        CorpusError: a root does not exist.
    """
    paths, skipped = discover_paths(roots, warn, filters)
    return source_files(paths), len(skipped)


def source_files(paths: Iterable[str]) -> list[SourceFile]:
    """:class:`SourceFile` objects (with display names) for absolute paths from :func:`discover_paths`."""
    cwd = Path.cwd()
    out = []
    for raw in paths:
        path = Path(raw)
        out.append(SourceFile(path, display_name(path, cwd)))
    return out


def discover_paths(
    roots: Sequence[str], warn: Warn = _ignore, filters: Filters | None = None
) -> tuple[list[str], list[str]]:
    """What :func:`discover` finds, as sorted absolute path strings, and the files skipped for their extension.

    Plain strings all the way: checking that a cached index is fresh walks
    every file of the corpus, and ``pathlib`` objects would cost more than
    the ``stat`` calls themselves on a folder of 50,000 notes.
    """
    rules = _Rules.of(filters)
    found: set[str] = set()
    skipped: list[str] = []
    for raw in roots:
        root = os.path.abspath(os.path.expanduser(raw))
        if not os.path.exists(root):
            raise CorpusError(f"no such file or folder: {raw}")
        if not os.path.isdir(root):
            found.add(root)  # a file named as a root is always read
            continue
        prefix = root if root.endswith(os.sep) else root + os.sep
        filtered = rules.include is not None or rules.exclude is not None
        for path, name in _walk(root, warn, rules):
            if filtered:
                rel = _posix(path[len(prefix) :])
                if rules.excluded(rel):
                    continue
                if rules.include is not None:
                    if rules.include.match_file(rel):
                        found.add(path)
                    continue
            if is_supported(name):
                found.add(path)
            else:
                skipped.append(path)
    return sorted(found - _page_sources(found)), skipped


#: A page's source text beside the page itself: ``git-commit.txt`` (AsciiDoc) beside ``git-commit.html``.
_SOURCE_SUFFIXES = (".txt",)
_PAGE_SUFFIXES = (".html", ".htm")


def _page_sources(paths: set[str]) -> set[str]:
    """The ``X.txt`` files that stand beside an ``X.html`` page: the page's source, not another document.

    Documentation generators leave the text they were written in next to the
    HTML they made of it, in its own markup; the page says the same, better.
    """
    out = set()
    for path in paths:
        lower = path.lower()
        if lower.endswith(_SOURCE_SUFFIXES):
            stem = path[: path.rfind(".")]
            if any(stem + suffix in paths for suffix in _PAGE_SUFFIXES):
                out.add(path)
    return out


def _posix(rel: str) -> str:
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


def _read_ignores(folder: str, names: set[str], warn: Warn) -> GitIgnoreSpec | None:
    """The rules of ``folder``'s .gitignore then .qaignore (later lines win), if any.

    ``names`` are the folder's entries: only ignore files that exist are opened.
    """
    lines: list[str] = []
    for name in IGNORE_FILES:
        if name not in names:
            continue
        path = os.path.join(folder, name)
        try:
            with _open_nonblocking(path) as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    warn(f"skipping {path}: not a regular file")
                    continue
                lines += handle.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            continue
        except OSError as exc:
            warn(f"cannot read {path}: {exc.strerror or exc}")
    if not any(line.strip() for line in lines):
        return None
    return _spec(lines, lambda line, reason: warn(f"ignoring the pattern {line!r} in {folder}: {reason}"))


_Specs = list[tuple[str, "GitIgnoreSpec"]]


def _walk(root: str, warn: Warn, rules: _Rules) -> Iterator[tuple[str, str]]:
    """Yield (path, name) of files under ``root``: symlinks followed once; hidden, ignored, excluded skipped."""
    seen: set[tuple[int, int]] = set()
    prefix = root if root.endswith(os.sep) else root + os.sep
    stack: list[tuple[str, _Specs]] = [(root, [])]
    while stack:
        folder, specs = stack.pop()
        try:
            st = os.stat(folder)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue  # a symlink loop or a second link to the same folder
            seen.add(key)
            entries = list(os.scandir(folder))
        except OSError as exc:
            warn(f"cannot read folder {folder}: {exc.strerror or exc}")
            continue
        own = _read_ignores(folder, {e.name for e in entries if e.name in IGNORE_FILES}, warn)
        if own is not None:
            specs = [*specs, (folder, own)]
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
                path = entry.path
                if specs and ignored(path, is_dir, specs):
                    continue
                if is_dir:
                    if not rules.prunes(_posix(path[len(prefix) :])):
                        stack.append((path, specs))
                elif entry.is_file():
                    yield path, entry.name
                elif entry.is_symlink():
                    warn(f"skipping broken link {entry.path}")
            except OSError as exc:
                warn(f"cannot read {entry.path}: {exc.strerror or exc}")


def ignored(path: str, is_dir: bool, specs: Sequence[tuple[str, GitIgnoreSpec]]) -> bool:
    """Whether the ignore files of the path's folder and its parents ignore it.

    ``specs`` are (folder, rules) from the outermost folder in: as in git, the
    deepest file with a rule that matches decides (its last matching line), so
    ``!keep.log`` in a subfolder re-includes what a parent's ``*.log`` ignores.
    """
    for base, spec in reversed(specs):
        rel = _posix(path[len(base.rstrip(os.sep)) + 1 :])
        verdict = _folder_verdict(spec, rel + "/") if is_dir else spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False


def _folder_verdict(spec: GitIgnoreSpec, rel: str) -> bool | None:
    """Whether ``spec`` ignores the folder ``rel`` (None: no rule says).

    Unlike pathspec, git does not let ``dir/**`` match ``dir`` itself: the
    folder is still entered, so ``!dir/keep.txt`` can re-include a file.
    """
    for pattern in reversed(spec.patterns):
        source = str(getattr(pattern, "pattern", "") or "").strip().lstrip("!")
        if pattern.include is None or source.endswith("/**"):
            continue
        if pattern.match_file(rel) is not None:
            return bool(pattern.include)
    return None


def content_digest(data: bytes) -> str:
    """Hash of a file's bytes: tells a real edit from a touch that kept the content."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _open_nonblocking(path: str | Path) -> BinaryIO:
    """Open for reading without blocking: opening a named pipe would otherwise wait for a writer forever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    return open(fd, "rb")


def read_document(file: SourceFile, warn: Warn = _ignore) -> Document | None:
    """Read and parse one file; None (with a warning) if it cannot be used."""
    try:
        with _open_nonblocking(file.path) as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                warn(f"skipping {file.source}: not a regular file")
                return None
            data = handle.read()
    except OSError as exc:
        warn(f"cannot read {file.source}: {exc.strerror or exc}")
        return None
    from qa.formats import extract  # the extractors: not needed to answer from a cached index

    inner, content = _decompressed(file, data, warn)
    if content is None:
        return None
    extracted = extract(inner, content, file.source, warn)
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
        hidden=extracted.hidden,
        lang=extracted.lang,
    )


def _decompressed(file: SourceFile, data: bytes, warn: Warn) -> tuple[Path, bytes | None]:
    """``NAME.EXT.gz``: the name it is read as (``NAME.EXT``) and its decompressed bytes (None, warned,
    when it cannot be: damaged, or a bomb). Any other file: its own name and bytes."""
    if file.path.suffix.lower() != GZIP_EXTENSION:
        return file.path, data
    from qa.formats.archive import Refused, gunzip

    try:
        return file.path.with_suffix(""), gunzip(data)
    except Refused as exc:
        warn(f"skipping {file.source}: {exc}")
        return file.path, None


def no_documents_message(roots: Sequence[str]) -> str:
    """The error for a corpus with nothing to index."""
    exts = ", ".join(sorted(SUPPORTED_EXTENSIONS))
    where = ", ".join(roots)
    return f"no documents found in {where} (looked for {exts})"
