"""Untrusted containers, opened with limits: zip archives, XML, gzip streams.

Word, OpenDocument and EPUB files are zip archives of XML from anywhere, and
Debian compresses its documentation with gzip. Everything here refuses,
rather than works through, what a hostile file can make expensive:

- a zip with more than :data:`MAX_MEMBERS` members, a member over
  :data:`MAX_MEMBER_BYTES` uncompressed (as declared, or as it really
  inflates: declared sizes can lie), more than :data:`MAX_TOTAL_BYTES` in
  all, encrypted members and damaged data (bad CRC, truncated streams);
- XML that declares entities (billion laughs, external entities that would
  read local files): the parser refuses the first declaration, the same
  guard defusedxml installs, and never loads an external DTD;
- a gzip stream that inflates past :data:`MAX_MEMBER_BYTES`, read in pieces
  so memory stays bounded whatever the compression ratio.

A refusal is a :class:`Refused` exception whose message says why, in words
a user understands; each reader turns it into one warning and skips the file.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

#: Largest uncompressed member (or decompressed gzip stream) read.
MAX_MEMBER_BYTES = 100_000_000
#: Most members an archive may have.
MAX_MEMBERS = 10_000
#: Most uncompressed bytes an archive may declare (or inflate to) in all.
MAX_TOTAL_BYTES = 1_000_000_000

_READ_CHUNK = 1 << 20
_EOCD = b"PK\x05\x06"
_CENTRAL = b"PK\x01\x02"
#: The end-of-central-directory record is within the last 22 + 65,535 (comment) bytes.
_EOCD_SEARCH = 22 + 0xFFFF


class Refused(Exception):
    """A container that is not read: damaged, encrypted, or past a limit (the message says which)."""


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


class SafeZip:
    """A zip archive in memory whose members are read with size limits.

    Raises:
        Refused: not a zip archive, damaged, or with too many members or bytes.
    """

    def __init__(self, data: bytes) -> None:
        self._total = 0
        _check_member_count(data)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError,
                NotImplementedError, KeyError, IndexError, OverflowError) as exc:
            raise Refused(f"not a readable zip archive ({_reason(exc)})") from exc
        if len(infos) > MAX_MEMBERS:
            raise Refused(f"the archive has {len(infos):,} members (at most {MAX_MEMBERS:,} are read)")
        declared = sum(max(i.file_size, 0) for i in infos)
        if declared > MAX_TOTAL_BYTES:
            raise Refused(f"the archive declares {_mb(declared)} uncompressed (at most {_mb(MAX_TOTAL_BYTES)})")
        self._infos = {i.filename: i for i in infos}

    def names(self) -> list[str]:
        """Member names, in archive order."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        """Whether the archive holds a member of that name."""
        return name in self._infos

    def read(self, name: str) -> bytes | None:
        """A member's bytes (None when there is no such member).

        Raises:
            Refused: the member is encrypted, damaged or too large.
        """
        info = self._infos.get(name)
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise Refused(f"{name} is encrypted (password-protected)")
        if info.file_size > MAX_MEMBER_BYTES:
            raise Refused(f"{name} declares {_mb(info.file_size)} uncompressed (at most {_mb(MAX_MEMBER_BYTES)})")
        out = io.BytesIO()
        try:
            with self._zip.open(info) as member:
                while piece := member.read(_READ_CHUNK):
                    out.write(piece)
                    self._count(name, out.tell(), len(piece))
        except Refused:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError, OverflowError) as exc:  # RuntimeError: zipfile's "encrypted, password required"
            raise Refused(f"{name} cannot be read ({_reason(exc)})") from exc
        return out.getvalue()

    def _count(self, name: str, member_bytes: int, new: int) -> None:
        if member_bytes > MAX_MEMBER_BYTES:
            raise Refused(f"{name} inflates past {_mb(MAX_MEMBER_BYTES)} (a zip bomb?)")
        self._total += new
        if self._total > MAX_TOTAL_BYTES:
            raise Refused(f"the archive inflates past {_mb(MAX_TOTAL_BYTES)} (a zip bomb?)")


def _check_member_count(data: bytes) -> None:
    """Refuse an archive with too many members before :mod:`zipfile` makes an object for each one.

    Every entry of the central directory starts with its signature, and
    zipfile reads entries only up to the directory's end: counting the
    signatures in the directory's bytes bounds what it will parse.
    """
    eocd = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if eocd < 0:
        raise Refused("not a zip archive (a password-protected Office file is not one either)")
    size = int.from_bytes(data[eocd + 12 : eocd + 16], "little")
    entries = data.count(_CENTRAL, max(0, eocd - size), eocd)
    if entries > MAX_MEMBERS:
        raise Refused(f"the archive has {entries:,} members (at most {MAX_MEMBERS:,} are read)")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__


def gunzip(data: bytes, limit: int = MAX_MEMBER_BYTES) -> bytes:
    """Decompress gzip ``data`` (every member of a multi-member file), refusing more than ``limit`` bytes.

    Inflated a megabyte at a time: a small file that would inflate to
    gigabytes is refused once past the limit, never held in memory.

    Raises:
        Refused: not gzip, damaged or truncated, or too large once inflated.
    """
    if not data:
        return b""  # an empty file holds an empty document, as gzip.decompress says
    out = io.BytesIO()
    rest = data
    try:
        while True:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = rest
            while True:
                piece = inflater.decompress(pending, _READ_CHUNK)
                out.write(piece)
                if out.tell() > limit:
                    raise Refused(f"it inflates past {_mb(limit)} (a gzip bomb?)")
                pending = inflater.unconsumed_tail
                if inflater.eof or not (pending or piece):
                    break
            if not inflater.eof:
                raise Refused("the gzip stream is truncated")
            rest = inflater.unused_data.lstrip(b"\x00")  # members may be followed by zero padding
            if not rest:
                return out.getvalue()
    except zlib.error as exc:
        raise Refused(f"not a readable gzip file ({_reason(exc)})") from exc


#: Element handlers: start(name, attributes), end(name), text(data). Names are "namespace-uri local-name".
StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


def _refuse_entities(*args: Any) -> int:
    raise Refused("the XML declares entities (refused: entity expansion and external entities are not read)")


def parse_xml(data: bytes, start: StartHandler, end: EndHandler, text: TextHandler | None = None) -> None:
    """Stream ``data`` through expat with namespaces resolved, calling the handlers.

    Entity declarations of any kind are refused and no external DTD or
    entity is ever loaded, so neither billion laughs nor a reference to a
    local file can do anything; predefined entities and character references
    (``&amp;``, ``&#233;``) read as usual. Streaming: memory stays what the
    handlers keep.

    Raises:
        Refused: the XML is malformed or declares entities.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError, UnicodeError) as exc:  # LookupError: an unknown encoding
        raise Refused(f"malformed XML ({_reason(exc)})") from exc
    except RecursionError as exc:  # pragma: no cover - expat itself does not recurse per element
        raise Refused("malformed XML (nested too deeply)") from exc


_XML_ENCODING = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def xml_declared_encoding(data: bytes) -> str | None:
    """The encoding an XML (XHTML) file declares in its ``<?xml ...?>`` line, if Python knows it."""
    import codecs

    found = _XML_ENCODING.match(data)
    if found is None:
        return None
    try:
        return codecs.lookup(found.group(1).decode("ascii")).name
    except LookupError:
        return None
