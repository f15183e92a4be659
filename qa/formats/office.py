"""Word (``.docx``) and OpenDocument (``.odt``) text documents, paragraph by paragraph.

Read from the zip with :class:`~qa.formats.archive.SafeZip` and streamed
through the entity-refusing XML parser; nothing in the file is executed or
expanded. Each paragraph is a block, cited ``file.docx#p=N``: N counts the
document's paragraphs in reading order from 1 (empty ones, headings, list
items, table cells and text boxes included), then the footnotes' and
endnotes' paragraphs after the body's. Headings (Word's heading styles and
outline levels, OpenDocument's ``text:h``) name the sections and are not
sentences; the document title is the core properties' (``dc:title``), else
a paragraph in the Title style.

Left out: headers and footers, comments, deleted text of tracked changes,
field codes, hidden text (Word), tables of contents (and OpenDocument's
indexes), and the fallback copies of text boxes Word writes for old readers.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from qa.formats import Extracted, Part, Warn
from qa.formats.archive import Refused, SafeZip, parse_xml
from qa.formats.pieces import Pieces, clip, trimmed_block

_W = frozenset({"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                "http://purl.oclc.org/ooxml/wordprocessingml/main"})
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_DC = "http://purl.org/dc/elements/1.1/"
_REL = frozenset({"http://schemas.openxmlformats.org/package/2006/relationships",
                  "http://purl.oclc.org/ooxml/officeDocument/relationships"})  # strict OOXML package rels
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_PREFIXES = {
    _TEXT: "text:",
    "urn:oasis:names:tc:opendocument:xmlns:office:1.0": "office:",
    "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0": "svg:",
    _MC: "mc:",
}
#: Longest heading kept as a section name.
_HEADING_MAX = 200
#: Most spaces one ``<text:s text:c="N"/>`` stands for (a hostile N must not allocate gigabytes).
_MAX_SPACES = 1000


def _key(name: str) -> tuple[str, str]:
    """``"uri local"`` -> (uri, a short key: the local name for Word, ``text:p`` style for the rest)."""
    uri, _, local = name.rpartition(" ")
    return uri, (local if uri in _W else _PREFIXES.get(uri, "*:") + local)


@dataclass(slots=True)
class _Para:
    """One paragraph as read: its text pieces and what makes it a heading or the title."""

    chars: list[str] = field(default_factory=list)
    level: int | None = None
    title: bool = False
    style: str | None = None  # Word: the paragraph style id
    outline: int | None = None  # Word: a direct outline level (0-8 heading, 9 body text)
    note: bool = False
    contents: bool = False  # an entry of a generated table of contents

    def text(self) -> str:
        return "".join(self.chars)


class _Reader:
    """Streaming handler with an element stack, a skip depth and the open paragraphs."""

    skipped: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.skip = 0
        self.open: list[_Para] = []
        self.paras: list[_Para] = []
        self.notes: list[_Para] = []

    def parent(self, up: int = 1) -> str:
        return self.stack[-up] if len(self.stack) >= up else ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, key = _key(name)
        if self.skip or key in self.skipped or self.hides(key, uri, attrs):
            self.skip += 1
        else:
            self.element(key, uri, attrs)
        self.stack.append(key)

    def end(self, name: str) -> None:
        key = self.stack.pop()
        if self.skip:
            self.skip -= 1
        else:
            self.close(key)

    def hides(self, key: str, uri: str, attrs: dict[str, str]) -> bool:
        return False

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        raise NotImplementedError

    def close(self, key: str) -> None:
        raise NotImplementedError

    def begin_paragraph(self, para: _Para) -> None:
        self.open.append(para)
        (self.notes if para.note else self.paras).append(para)

    def add(self, text: str) -> None:
        if self.open and not self.skip:
            self.open[-1].chars.append(text)


@dataclass(slots=True)
class _Style:
    name: str = ""
    based: str | None = None
    outline: int | None = None


class _WordStyles(_Reader):
    """``styles.xml``: each paragraph style's name, parent and outline level."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: dict[str, _Style] = {}
        self.current: _Style | None = None

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        val = attrs.get(f"{uri} val", "")
        if key == "style":
            self.current = _Style()
            self.styles[attrs.get(f"{uri} styleId", "")] = self.current
        elif self.current is not None:
            if key == "name" and self.parent() == "style":
                self.current.name = val
            elif key == "basedOn" and self.parent() == "style":
                self.current.based = val
            elif key == "outlineLvl" and self.parent() == "pPr":
                self.current.outline = _int(val)

    def close(self, key: str) -> None:
        if key == "style":
            self.current = None

    def is_contents(self, style_id: str | None) -> bool:
        """Whether a style is one of a table of contents (``toc 1``..., ``TOC Heading``): generated, not prose."""
        style = self.styles.get(style_id or "")
        return style is not None and _TOC_STYLE.fullmatch(style.name.strip().lower()) is not None

    def level(self, style_id: str | None) -> int | None:
        """Heading level of a style (0: the Title style; None: not a heading), following ``basedOn``."""
        for _ in range(16):  # a basedOn cycle must not loop forever
            style = self.styles.get(style_id or "")
            if style is None:
                return None
            found = _name_level(style.name)
            if found is not None:
                return found
            if style.outline is not None:
                return style.outline + 1 if 0 <= style.outline < 9 else None
            style_id = style.based
        return None


_HEADING_STYLE = re.compile(r"heading\s*([1-9])")
_TOC_STYLE = re.compile(r"toc(?: [1-9]| heading)")


def _name_level(name: str) -> int | None:
    """Word's built-in style names (always English in styles.xml): ``heading 1``..``heading 9``, ``Title``."""
    lowered = name.strip().lower()
    if lowered == "title":
        return 0
    found = _HEADING_STYLE.fullmatch(lowered)
    return int(found.group(1)) if found else None


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


_OFF = frozenset({"0", "false", "off"})


class _WordText(_Reader):
    """``document.xml``, ``footnotes.xml`` or ``endnotes.xml``: the paragraphs and their text."""

    #: Deleted and moved-away text, field codes, and the fallback copy of text boxes for old readers.
    skipped = frozenset({"del", "delText", "moveFrom", "instrText", "mc:Fallback", "sdtPr", "rPrChange",
                         "pPrChange"})

    def __init__(self, notes: bool = False) -> None:
        super().__init__()
        self.in_notes = notes
        self.text_open = False
        self.hidden = False

    def hides(self, key: str, uri: str, attrs: dict[str, str]) -> bool:
        # The separator "notes" Word keeps in footnotes.xml are not text.
        return key in ("footnote", "endnote") and attrs.get(f"{uri} type", "normalText") != "normalText"

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        parent = self.parent()
        if key == "p":
            self.begin_paragraph(_Para(note=self.in_notes))
        elif key == "r":
            self.hidden = False
        elif key == "t":
            self.text_open = parent == "r"
        elif parent == "r" and key in ("tab", "ptab"):
            self.add("\t")
        elif parent == "r" and key in ("br", "cr"):
            self.add("\n")
        elif parent == "r" and key == "noBreakHyphen":
            self.add("-")
        elif self.open and parent == "pPr" and key == "pStyle":
            self.open[-1].style = attrs.get(f"{uri} val")
        elif self.open and parent == "pPr" and key == "outlineLvl":
            self.open[-1].outline = _int(attrs.get(f"{uri} val"))
        elif key == "vanish" and parent == "rPr" and self.parent(2) == "r":
            self.hidden = attrs.get(f"{uri} val", "true").lower() not in _OFF

    def close(self, key: str) -> None:
        if key == "p" and self.open:
            self.open.pop()
        elif key == "t":
            self.text_open = False

    def text(self, data: str) -> None:
        if self.text_open and not self.hidden:
            self.add(data)


class _OdfText(_Reader):
    """``content.xml`` of an OpenDocument text: ``text:p`` and ``text:h`` paragraphs."""

    skipped = frozenset({"office:annotation", "text:tracked-changes", "text:note-citation", "text:table-of-content",
                         "text:alphabetical-index", "text:illustration-index", "text:table-index",
                         "text:object-index", "text:user-index", "text:bibliography", "svg:title", "svg:desc",
                         "office:event-listeners"})

    def __init__(self) -> None:
        super().__init__()
        self.in_note = 0

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        if key == "text:note-body":
            self.in_note += 1
        elif key in ("text:p", "text:h"):
            para = _Para(note=self.in_note > 0)
            if key == "text:h":
                para.level = max(1, min(_int(attrs.get(f"{_TEXT} outline-level")) or 1, 10))
            elif attrs.get(f"{_TEXT} style-name", "") == "Title":
                para.title = True
            self.begin_paragraph(para)
        elif key == "text:s":
            self.add(" " * max(1, min(_int(attrs.get(f"{_TEXT} c")) or 1, _MAX_SPACES)))
        elif key == "text:tab":
            self.add("\t")
        elif key == "text:line-break":
            self.add("\n")

    def close(self, key: str) -> None:
        if key == "text:note-body":
            self.in_note -= 1
        elif key in ("text:p", "text:h") and self.open:
            self.open.pop()

    def text(self, data: str) -> None:
        # In OpenDocument, tabs and line breaks are elements; newlines in the XML are layout.
        self.add(data.replace("\r", " ").replace("\n", " ").replace("\t", " "))


class _Title(_Reader):
    """A metadata part (``docProps/core.xml``, ``meta.xml``): the text of its first ``dc:title``."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] | None = None
        self.title: str | None = None

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        if uri == _DC and key.endswith("title") and self.title is None:
            self.parts = []

    def close(self, key: str) -> None:
        if self.parts is not None:
            self.title = clip("".join(self.parts))
            self.parts = None

    def text(self, data: str) -> None:
        if self.parts is not None:
            self.parts.append(data)


class _Relationships(_Reader):
    """A ``.rels`` part: (type, target) of each internal relationship."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def element(self, key: str, uri: str, attrs: dict[str, str]) -> None:
        if key.endswith("Relationship") and attrs.get("TargetMode", "Internal") != "External":
            self.found.append((attrs.get("Type", ""), attrs.get("Target", "")))

    def close(self, key: str) -> None:
        pass


def _parse(data: bytes, reader: _Reader) -> None:
    text: Callable[[str], None] | None = getattr(reader, "text", None)
    parse_xml(data, reader.start, reader.end, text)


def _related(zf: SafeZip, source: str, kind: str) -> str | None:
    """The part that ``source`` (``""``: the package) points to with a relationship of type ``.../kind``."""
    folder, base = posixpath.split(source)
    rels = zf.read(posixpath.join(folder, "_rels", f"{base}.rels"))
    if rels is None:
        return None
    reader = _Relationships()
    _parse(rels, reader)
    for rel_type, target in reader.found:
        if rel_type.rsplit("/", 1)[-1] == kind and target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            return posixpath.normpath(path)
    return None


def _optional(zf: SafeZip, where: Callable[[], str | None], reader: _Reader, name: str, what: str,
              warn: Warn) -> None:
    """Parse a part the text can do without (styles, notes, properties), found by ``where()``:
    if it is damaged, say so and go on."""
    try:
        part = where()
        data = zf.read(part) if part is not None else None
        if data is not None:
            _parse(data, reader)
    except Refused as exc:
        warn(f"{name}: {what} not read: {exc}")


def extract_docx(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """A Word document's paragraphs, sections and title; None (warned) when it cannot be read."""
    try:
        zf = SafeZip(data)
        main = _related(zf, "", "officeDocument") or "word/document.xml"
        body_xml = zf.read(main)
        if body_xml is None:
            raise Refused("not a Word document (no word/document.xml)")
        body = _WordText()
        _parse(body_xml, body)
    except Refused as exc:
        warn(f"skipping {name}: {exc}")
        return None
    styles = _WordStyles()
    _optional(zf, lambda: _related(zf, main, "styles"), styles, name, "styles", warn)
    notes: list[_Para] = []
    for kind in ("footnotes", "endnotes"):
        reader = _WordText(notes=True)
        _optional(zf, functools.partial(_related, zf, main, kind), reader, name, kind, warn)
        notes += reader.notes
    core = _Title()
    _optional(zf, lambda: _related(zf, "", "core-properties") or "docProps/core.xml", core, name, "properties",
              warn)
    for para in body.paras:
        para.level = _word_level(para, styles)
        para.title = para.level == 0
        para.contents = styles.is_contents(para.style)
    return _assemble([*body.paras, *notes], core.title)


def _word_level(para: _Para, styles: _WordStyles) -> int | None:
    """A paragraph's heading level from its direct outline level, else its style (0: Title)."""
    if para.outline is not None:
        return para.outline + 1 if 0 <= para.outline < 9 else None
    return styles.level(para.style)


def extract_odt(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """An OpenDocument text's paragraphs, sections and title; None (warned) when it cannot be read."""
    try:
        zf = SafeZip(data)
        manifest = zf.read("META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise Refused("it is password-protected")
        content = zf.read("content.xml")
        if content is None:
            raise Refused("not an OpenDocument file (no content.xml)")
        body = _OdfText()
        _parse(content, body)
    except Refused as exc:
        warn(f"skipping {name}: {exc}")
        return None
    meta = _Title()
    _optional(zf, lambda: "meta.xml", meta, name, "properties", warn)
    return _assemble([*body.paras, *body.notes], meta.title)


def _assemble(paras: list[_Para], title: str | None) -> Extracted:
    """Paragraphs (body, then notes) to one text: each non-empty one a block cited by its number."""
    pieces = Pieces()
    path: list[tuple[int, str]] = []
    styled_title: str | None = None
    in_notes = False
    for number, para in enumerate(paras, start=1):
        text = para.text()
        if para.note and not in_notes:
            in_notes, path = True, []  # notes come after the body: no heading of the body names them
        if para.title:
            styled_title = styled_title or clip(text)
            continue
        if para.contents:
            continue
        if para.level:
            while path and path[-1][0] >= para.level:
                path.pop()
            heading = clip(text, _HEADING_MAX)
            if heading:
                path.append((para.level, heading))
            continue
        blocks = trimmed_block(text)
        if blocks:
            pieces.add(text, blocks, Part("paragraph", number), section=" > ".join(h for _, h in path) or None)
    return pieces.extracted(title or styled_title)
