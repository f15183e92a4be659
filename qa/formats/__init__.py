"""Turn one file's bytes into searchable text and its hard-boundary blocks.

Every extractor returns an :class:`Extracted` whose ``text`` keeps the
character offsets (and so the lines) of the decoded file wherever it can:
markup is blanked with spaces rather than removed, so a citation's
``line:column`` opens at the right place in the original file.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

# The extension sets live in qa.extensions (discovery needs them without the
# extractors); they are still importable from here.
from qa.extensions import (
    DOCUMENT_EXTENSIONS,
    HTML_EXTENSIONS,
    MARKDOWN_EXTENSIONS,
    PDF_EXTENSIONS,
    is_man,
    is_rst,
)
from qa.extensions import SUPPORTED_EXTENSIONS as SUPPORTED_EXTENSIONS
from qa.extensions import TEXT_EXTENSIONS as TEXT_EXTENSIONS

#: Bytes looked at to decide whether a file is binary.
_SNIFF_BYTES = 8192
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Part:
    """The piece of a document a block belongs to, which its citations point into.

    A Word paragraph (``file.docx#p=N``), a notebook cell
    (``nb.ipynb#cell=N:line:col``), an EPUB item
    (``book.epub#OEBPS/ch2.xhtml:line:col``) or a mail message
    (``inbox.mbox#msg=N``, ``mail.eml:line:col``). A PDF page is one too
    (``Block.page`` is its shorthand). Line and column of a sentence count
    from ``origin``, the offset in the document text where the part's own
    line ``line``, column 1 is.

    Attributes:
        kind: ``page``, ``paragraph``, ``cell``, ``item`` or ``message``.
        number: 1-based number of the part (0: it has none, as an EPUB item or a lone ``.eml``).
        name: an EPUB item's path inside the archive.
        origin: offset in the document text where the part's numbering starts.
        line: the line number at ``origin`` (a mail body's first line in its file).
        raw: mail only: the body is stored as plain text in the file, so lines are the file's.
        at: mail only: the line of the file where the message starts (to open it there).
        sender: mail only: the ``From`` header, decoded.
        date: mail only: the ``Date`` header (ISO 8601 when it parses).
    """

    kind: str
    number: int = 0
    name: str | None = None
    origin: int = 0
    line: int = 1
    raw: bool = False
    at: int = 0
    sender: str | None = None
    date: str | None = None

    def placed(self, origin: int) -> Part:
        """The same part starting at ``origin`` (``dataclasses.replace``, without its cost per paragraph)."""
        return Part(self.kind, self.number, self.name, origin, self.line, self.raw, self.at, self.sender, self.date)

    def descriptor(self) -> str:
        """What the index stores of the part besides its number and lines: a JSON object, the same for
        every block of the part (and shared by all the paragraphs of a Word file)."""
        import json

        fields = {"kind": self.kind, "name": self.name, "raw": self.raw or None, "at": self.at or None,
                  "from": self.sender, "date": self.date}
        return json.dumps({k: v for k, v in fields.items() if v is not None}, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Block:
    """A hard-boundary region of text (a paragraph): sentences never cross it.

    ``section`` is the heading path in force; ``label`` the term, signature or
    question the block describes (a definition list's ``<dt>``, an rst
    ``.. function::`` line), when the format says so.
    """

    start: int
    end: int
    section: str | None = None
    page: int | None = None
    label: str | None = None
    part: Part | None = None

    def located(self) -> Part | None:
        """The block's part: its own, else a PDF page's (``page``), else None."""
        if self.part is not None:
            return self.part
        return Part("page", self.page) if self.page else None


@dataclass(slots=True)
class Extracted:
    """What a format extractor gives back for one document.

    ``hidden``, when set, has one byte per character of ``text``: 1 where the
    character is markup that was blanked (a tag, an emphasis marker), so that
    what is shown of a sentence reads like the rendered page ("returns 0."
    rather than "returns 0 .") while offsets still point into the source.
    """

    text: str
    blocks: list[Block]
    title: str | None = None
    hidden: bytes | None = None
    lang: str | None = None  # the language the document declares (front matter, ``<html lang>``), as written



_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_VISIBLE = re.compile(r"\S")


class _InForce:
    """The value in force at an offset, from sorted (offset, value) events, asked in increasing order."""

    def __init__(self, events: list[tuple[int, str | None]] | None) -> None:
        self.events = events or []
        self.i = 0
        self.value: str | None = None

    def at(self, pos: int) -> str | None:
        events = self.events
        while self.i < len(events) and events[self.i][0] <= pos:
            self.value = events[self.i][1]
            self.i += 1
        return self.value


def blocks_between(text: str, cuts: list[int], sections: list[tuple[int, str | None]] | None = None,
                   page: int | None = None, *, blank_lines: bool = True,
                   labels: list[tuple[int, str | None]] | None = None) -> list[Block]:
    """Paragraphs of ``text`` split at every offset in ``cuts`` (and at blank lines).

    ``sections`` and ``labels`` are sorted lists of (offset, value): a block
    gets the heading path and the label in force at its start. With
    ``blank_lines=False`` only ``cuts`` separate blocks (for markup whose
    blanked tags leave empty lines that are not paragraph breaks); blocks are
    then trimmed to their first and last visible character.
    """
    bounds = sorted({0, len(text), *(c for c in cuts if 0 < c < len(text))})
    out: list[Block] = []
    section, label = _InForce(sections), _InForce(labels)
    for lo, hi in itertools.pairwise(bounds):
        found = paragraphs(text, lo, hi) if blank_lines else _trimmed(text, lo, hi)
        for block in found:
            out.append(Block(block.start, block.end, section=section.at(block.start), page=page,
                             label=label.at(block.start)))
    return out


def _trimmed(text: str, start: int, end: int) -> list[Block]:
    """``text[start:end]`` as one block without its surrounding whitespace (none if blank)."""
    m = _VISIBLE.search(text, start, end)
    if m is None:
        return []
    last = end
    while text[last - 1].isspace():
        last -= 1
    return [Block(m.start(), last)]


def blank_line_cuts(text: str) -> list[int]:
    """Both ends of every run of blank lines: paragraph breaks, as cuts."""
    cuts: list[int] = []
    for match in _BLANK_LINE.finditer(text):
        cuts += (match.start(), match.end())
    return cuts


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Block]:
    """Split ``text[start:end]`` at blank lines into non-empty blocks."""
    end = len(text) if end is None else end
    blocks: list[Block] = []
    pos = start
    for match in _BLANK_LINE.finditer(text, start, end):
        if text[pos : match.start()].strip():
            blocks.append(Block(pos, match.start()))
        pos = match.end() - 1
    if text[pos:end].strip():
        blocks.append(Block(pos, end))
    return blocks


#: Words that may stand between the links of a navigation block ("See also: a, b", "next | previous").
_NAV_WORDS = frozenset("see also and or next previous prev up top back to the of index modules home".split())
_LETTERS = re.compile(r"[^\W\d_]+")


def _navigation(block: Block, masked: str, links: list[tuple[int, int]], first: int) -> bool:
    """Whether a block is nothing but links (and a few joining words): navigation, not prose.

    ``links`` are the page's link spans in order; ``first`` is the first that may reach the block.
    """
    rest: list[str] = []
    pos, linked = block.start, False
    for s, e in links[first:]:
        if s >= block.end:
            break
        if e <= block.start:
            continue
        linked = True
        rest.append(masked[pos:max(s, pos)])
        pos = max(pos, e)
    if not linked:
        return False
    rest.append(masked[pos : block.end])
    return all(w.lower() in _NAV_WORDS for w in _LETTERS.findall("".join(rest)))


def prose_blocks(blocks: list[Block], masked: str, links: list[tuple[int, int]]) -> list[Block]:
    """The blocks that are prose: not link lists, not without a single letter or digit."""
    ends = [e for _, e in links]
    out = []
    for block in blocks:
        if not any(c.isalnum() for c in masked[block.start : block.end]):
            continue
        if links and _navigation(block, masked, links, bisect.bisect_right(ends, block.start)):
            continue
        out.append(block)
    return out



_TITLE_LINE_MAX = 120
#: A word of four letters or more ending a sentence inside a line.
_SENTENCE_INSIDE = re.compile(r"[^\W\d_]{4}[.?!]\s")


def _text_title(text: str, blocks: list[Block]) -> str | None:
    """A plain-text title: a short first paragraph of one line without sentence punctuation."""
    if not blocks:
        return None
    first = text[blocks[0].start : blocks[0].end].strip()
    if not first or "\n" in first or len(first) > _TITLE_LINE_MAX or first[-1] in ".?!:;,":
        return None
    if _SENTENCE_INSIDE.search(first):
        return None  # "It was late. The end": sentences, not a title ("Mr. Smith" may be one)
    return first


def extract_text(text: str) -> Extracted:
    """Plain text: paragraphs are separated by blank lines; a short first line is the title.

    The title names the document (evidence for its sentences, as a Markdown
    ``#`` heading is) and is not a sentence of its own, unless it is all the
    file holds (a one-line note).
    """
    blocks = paragraphs(text)
    title = _text_title(text, blocks)
    return Extracted(text=text, blocks=blocks[1:] if title and len(blocks) > 1 else blocks, title=title)


def decode(data: bytes, name: str, warn: Warn, declared: str | None = None) -> str | None:
    """Decode file bytes; None (with a warning) when the file looks binary.

    A BOM wins; then UTF-8; then the ``declared`` encoding (an HTML page's
    ``<meta charset>``), else UTF-8 with the bad bytes replaced and a warning.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:_SNIFF_BYTES]:
        warn(f"skipping binary file {name}")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if declared is not None:
            return data.decode(declared, errors="replace")
        warn(f"{name} is not valid UTF-8; undecodable bytes replaced")
        return data.decode("utf-8", errors="replace")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def declared_charset(data: bytes) -> str | None:
    """The encoding an HTML page declares in its first 2 KB, if Python knows it."""
    found = _META_CHARSET.search(data[:2048])
    if found is None:
        return None
    try:
        return codecs.lookup(found.group(1).decode("ascii")).name
    except LookupError:
        return None


def extract(path: PurePath, data: bytes, name: str, warn: Warn) -> Extracted | None:
    """Parse one file's bytes by its extension; None (warned) if it cannot be used.

    Known extensions pick their reader; anything else (files with no
    extension, or names an ``--include`` glob let in) is read as plain text,
    except a file with no extension whose first line is ``#!``: a script.
    """
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_EXTENSIONS:  # Word, OpenDocument, EPUB, notebooks, mail: qa.formats.readers
        from qa.formats.readers import extract_document

        return extract_document(suffix, data, name, warn)
    if suffix in PDF_EXTENSIONS:
        from qa.formats.pdf import extract_pdf

        return extract_pdf(data, name, warn)
    is_html = suffix in HTML_EXTENSIONS
    text = decode(data, name, warn, declared_charset(data) if is_html else None)
    if text is None:
        return None
    if suffix in MARKDOWN_EXTENSIONS:
        from qa.formats.markdown import extract_markdown

        return extract_markdown(text)
    if is_html:
        from qa.formats.html import extract_html

        return extract_html(text)
    if is_rst(path.name):
        from qa.formats.rst import extract_rst

        return extract_rst(text)
    if is_man(path.name):
        from qa.formats.man import extract_man, looks_like_roff

        if looks_like_roff(text):
            return extract_man(text)
    if not suffix and text.startswith("#!"):
        warn(f"skipping {name}: a script (its first line is #!), not a document")
        return None
    return extract_text(text)
