"""EPUB books: each spine item in reading order, read as HTML, cited by its path in the archive.

``META-INF/container.xml`` names the package document (OPF), whose spine
lists the XHTML items in reading order; each is read with the HTML reader's
rules (:func:`~qa.formats.html.extract_html`: markup blanked in place,
navigation dropped, ``h1``-``h6`` as sections), so a sentence is cited
``book.epub#OEBPS/ch2.xhtml:3:1``, its line and column in that file. The
book's ``dc:title`` is the document title. Books whose text is encrypted
(DRM, listed in ``META-INF/encryption.xml``) are skipped with one warning;
obfuscated fonts are not text and do not matter.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from qa.formats import Extracted, Part, Warn, decode
from qa.formats.archive import Refused, SafeZip, parse_xml, xml_declared_encoding
from qa.formats.pieces import Pieces, clip

_HTML_TYPES = frozenset({"application/xhtml+xml", "text/html"})


class _Container:
    def __init__(self) -> None:
        self.rootfiles: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name.endswith(" rootfile") or name == "rootfile":
            path = attrs.get("full-path", "")
            if path:
                self.rootfiles.append(path)

    def end(self, name: str) -> None:
        pass


class _Package:
    """The OPF package document: title, manifest and spine."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, str]] = {}  # id -> (href, media type)
        self.spine: list[str] = []
        self.title_parts: list[str] | None = None
        self.title: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "item":
            self.items[attrs.get("id", "")] = (attrs.get("href", ""), attrs.get("media-type", ""))
        elif local == "itemref":
            self.spine.append(attrs.get("idref", ""))
        elif local == "title" and name.startswith("http://purl.org/dc/elements/1.1/") and self.title is None:
            self.title_parts = []

    def end(self, name: str) -> None:
        if self.title_parts is not None:
            self.title = clip("".join(self.title_parts))
            self.title_parts = None

    def text(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)


def _read_xml(zf: SafeZip, path: str, handler: _Container | _Package) -> None:
    data = zf.read(path)
    if data is None:
        raise Refused(f"not an EPUB book (no {path})")
    parse_xml(data, handler.start, handler.end, getattr(handler, "text", None))


def _encrypted(zf: SafeZip) -> set[str]:
    """Paths listed in ``META-INF/encryption.xml`` (fonts are often obfuscated there; text only with DRM)."""
    data = zf.read("META-INF/encryption.xml")
    if data is None:
        return set()
    found: set[str] = set()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.endswith(" CipherReference"):
            found.add(posixpath.normpath(unquote(attrs.get("URI", "")).lstrip("/")))

    parse_xml(data, start, lambda name: None)
    return found


def extract_epub(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """The text of an EPUB's spine items in order; None (warned) when the book cannot be read."""
    from qa.formats.html import extract_html

    try:
        zf = SafeZip(data)
        container = _Container()
        _read_xml(zf, "META-INF/container.xml", container)
        if not container.rootfiles:
            raise Refused("not an EPUB book (no package document)")
        opf = posixpath.normpath(unquote(container.rootfiles[0]))
        package = _Package()
        _read_xml(zf, opf, package)
        paths = _spine_paths(package, posixpath.dirname(opf))
        locked = _encrypted(zf) & set(paths)
        if locked:
            raise Refused("its text is encrypted (DRM)")
        pieces = Pieces()
        missing: list[str] = []
        for path in paths:
            raw = zf.read(path)
            if raw is None:
                missing.append(path)
                continue
            text = decode(raw, f"{name}#{path}", warn, xml_declared_encoding(raw))
            if text is None:
                continue
            item = extract_html(text)
            pieces.add(item.text, item.blocks, Part("item", name=path), hidden=item.hidden)
    except Refused as exc:
        warn(f"skipping {name}: {exc}")
        return None
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        warn(f"{name}: spine item{'s' if len(missing) > 1 else ''} not in the book: {shown}")
    return pieces.extracted(package.title)


def _spine_paths(package: _Package, folder: str) -> list[str]:
    """Archive paths of the spine's (X)HTML items, in reading order, each once."""
    out: dict[str, None] = {}
    for idref in package.spine:
        href, media = package.items.get(idref, ("", ""))
        if not href or media not in _HTML_TYPES:
            continue
        href = unquote(href.split("#", 1)[0])
        out.setdefault(posixpath.normpath(posixpath.join(folder, href)).lstrip("/"), None)
    return list(out)
