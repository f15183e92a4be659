"""Named collections: folders and globs saved once under a name, in the user's config file.

The file is ``config.toml`` in the user's config folder
(``platformdirs.user_config_dir("qa")``, ``~/.config/qa`` on Linux;
``$QA_CONFIG_DIR`` overrides), readable and editable by hand::

    [collections.python]
    paths = ["/usr/share/doc/python3-doc/html"]
    include = []
    exclude = ["_sources/"]

A collection's index is the one ``--docs`` with the same folders and globs
would use, so both share it. Anything wrong in the file is a
:class:`ConfigError` naming the file and the problem.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from qa.corpus import Filters

#: Longest collection name accepted.
MAX_NAME = 64
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_KEYS = ("paths", "include", "exclude")

HEADER = """\
# qa's settings. Each [collections.NAME] table is a collection: `qa -c NAME` asks it.
#   paths:   files or folders (absolute, or starting with ~)
#   include: gitignore-style globs: index only the files that match (any extension, read as text)
#   exclude: gitignore-style globs: never index the files and folders that match
# `qa collection add` and `qa collection remove` rewrite this file (comments are not kept).
"""


@dataclass(frozen=True, slots=True)
class Collection:
    """A named corpus: its folders and ``--include``/``--exclude`` globs."""

    name: str
    paths: tuple[str, ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def filters(self) -> Filters:
        """The globs as the corpus walker takes them."""
        from qa.corpus import Filters

        return Filters(self.include, self.exclude)

    def index_folder(self) -> Path:
        """Where its index is cached: the folder ``--docs`` with the same paths and globs uses."""
        from qa.store import index_dir

        return index_dir(self.paths, self.filters().key())


def config_dir() -> Path:
    """``$QA_CONFIG_DIR`` if set, else the platform's user config folder for qa."""
    env = os.environ.get("QA_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("qa", appauthor=False))


def config_path() -> Path:
    """The config file (it need not exist)."""
    return config_dir() / "config.toml"


def check_name(name: str) -> str:
    """``name`` if it can name a collection.

    Raises:
        UsageError: empty, too long, looks like an option, has control
            characters or surrounding spaces, or is not valid Unicode.
    """
    problem = _name_problem(name)
    if problem:
        raise UsageError(f"invalid collection name {name!r}: {problem}")
    return name


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return "it is empty"
    if name != name.strip():
        return "it starts or ends with a space"
    if name.startswith("-"):
        return "it starts with '-', like an option"
    if len(name) > MAX_NAME:
        return f"it is longer than {MAX_NAME} characters"
    if not name.isprintable():
        return "it has control characters"
    if not _is_unicode(name):
        return "it is not valid UTF-8"
    return None


def _is_unicode(text: str) -> bool:
    """False for text holding lone surrogates (undecodable bytes of an argument or a file name)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- reading ------------------------------------------------------------------


def load_collections(path: Path | None = None) -> dict[str, Collection]:
    """The collections in the config file, in file order (none when it does not exist).

    Raises:
        ConfigError: the file cannot be read, is not TOML, or holds something qa does not know.
    """
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(path, f"cannot read it: {exc.strerror or exc}") from None
    return parse(raw, path)


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - Python 3.10

    return tomli  # pragma: no cover


def parse(raw: bytes, path: Path) -> dict[str, Collection]:
    """Collections from the bytes of a config file (``path`` names it in errors)."""
    toml = _toml()
    try:
        data = toml.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text (byte {exc.start})") from None
    except toml.TOMLDecodeError as exc:
        raise ConfigError(path, str(exc)) from None
    unknown = [key for key in data if key != "collections"]
    if unknown:
        raise ConfigError(path, f"unknown setting {unknown[0]!r}{_suggest(unknown[0], ['collections'])}")
    tables = data.get("collections", {})
    if not isinstance(tables, dict):
        raise ConfigError(path, "'collections' must be a table: [collections.NAME]")
    return {name: _collection(name, table, path) for name, table in tables.items()}


def _collection(name: str, table: Any, path: Path) -> Collection:
    where = f"collection {name!r}"
    problem = _name_problem(name)
    if problem:
        raise ConfigError(path, f"invalid collection name {name!r}: {problem}")
    if not isinstance(table, dict):
        raise ConfigError(path, f"{where} must be a table: [collections.{_key(name)}]")
    for key in table:
        if key not in _KEYS:
            raise ConfigError(path, f"{where}: unknown key {key!r}{_suggest(key, _KEYS)}")
    if "paths" not in table:
        raise ConfigError(path, f"{where} has no 'paths'")
    paths = _strings(table["paths"], f"{where}: 'paths'", path)
    if not paths:
        raise ConfigError(path, f"{where}: 'paths' is empty")
    for p in paths:
        if not os.path.isabs(os.path.expanduser(p)):
            raise ConfigError(path, f"{where}: path {p!r} is not absolute (start it with / or ~)")
    include = _strings(table.get("include", []), f"{where}: 'include'", path)
    exclude = _strings(table.get("exclude", []), f"{where}: 'exclude'", path)
    return Collection(name, tuple(os.path.expanduser(p) for p in paths), tuple(include), tuple(exclude))


def _strings(value: Any, what: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, f"{what} must be a list of strings")
    if any(not v for v in value):
        raise ConfigError(path, f"{what} has an empty string")
    return value


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- writing ------------------------------------------------------------------


def _string(text: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _key(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else _string(name)


def _array(items: Sequence[str]) -> str:
    return "[" + ", ".join(_string(i) for i in items) + "]"


def dumps(collections: Iterable[Collection]) -> str:
    """The config file's text for ``collections``."""
    parts = [HEADER]
    for c in collections:
        parts.append(
            f"\n[collections.{_key(c.name)}]\n"
            f"paths = {_array(c.paths)}\ninclude = {_array(c.include)}\nexclude = {_array(c.exclude)}\n"
        )
    return "".join(parts)


def save_collections(collections: Iterable[Collection], path: Path | None = None) -> None:
    """Write the config file atomically (a new file renamed over the old one; folder 0700, file 0600)."""
    from qa.store import make_private_dirs

    path = path or config_path()
    data = dumps(collections).encode("utf-8")
    make_private_dirs(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(path, f"cannot write it: {exc.strerror or exc}") from None


# -- the operations the CLI offers ---------------------------------------------


def get_collection(name: str, path: Path | None = None) -> Collection:
    """The collection called ``name``.

    Raises:
        UsageError: there is none (the message suggests a close name or says how to list them).
    """
    collections = load_collections(path)
    if name in collections:
        return collections[name]
    if not collections:
        raise UsageError(f"no collection named {name!r}: there are none yet (add one: qa collection add NAME PATH...)")
    raise UsageError(f"no collection named {name!r}{_suggest(name, collections)}; 'qa collection list' shows them")


def new_collection(name: str, paths: Sequence[str], include: Sequence[str] = (),
                   exclude: Sequence[str] = ()) -> Collection:
    """A collection checked for saving: a valid name, existing paths made absolute, valid globs.

    Raises:
        UsageError: a bad name, glob or path that cannot be stored.
        CorpusError: a path that does not exist.
    """
    from qa.corpus import Filters, check_filters
    from qa.errors import CorpusError

    check_name(name)
    absolute = []
    for raw in paths:
        if not _is_unicode(raw):
            raise UsageError(f"{raw!r} is not valid UTF-8 and cannot be saved in a collection (use --docs)")
        full = os.path.abspath(os.path.expanduser(raw))
        if not os.path.exists(full):
            raise CorpusError(f"no such file or folder: {raw}")
        if full not in absolute:
            absolute.append(full)
    for glob in (*include, *exclude):
        if not glob or not _is_unicode(glob):
            raise UsageError(f"invalid glob {glob!r}")
    check_filters(Filters(tuple(include), tuple(exclude)))
    return Collection(name, tuple(absolute), tuple(include), tuple(exclude))


def add_collection(collection: Collection, replace: bool = False, path: Path | None = None) -> None:
    """Save ``collection`` (from :func:`new_collection`) in the config file.

    Raises:
        UsageError: a collection of that name exists and ``replace`` is False.
    """
    collections = load_collections(path)
    if collection.name in collections and not replace:
        raise UsageError(f"a collection named {collection.name!r} exists (--replace changes it)")
    collections[collection.name] = collection
    save_collections(collections.values(), path)


def remove_collection(name: str, path: Path | None = None) -> tuple[Collection, bool]:
    """Remove ``name`` from the config file; return it and whether another collection shares its index.

    Raises:
        UsageError: there is no such collection.
    """
    removed = get_collection(name, path)
    collections = load_collections(path)
    del collections[name]
    save_collections(collections.values(), path)
    shared = any(c.index_folder() == removed.index_folder() for c in collections.values())
    return removed, shared
