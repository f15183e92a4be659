"""HTML: the page's text, tags blanked in place so citations point into the source.

Parsed with the standard library's :class:`html.parser.HTMLParser` (no regexes
over tags). Left out: scripts, styles, ``head``, forms and page furniture
(``nav``, ``aside``, ``footer``, a ``header`` outside ``article``/``main``,
elements with ``role="navigation"``, ``banner``, ``contentinfo``,
``complementary`` or ``search``, elements whose class says they are
navigation, a sidebar or a footer (``navheader``, ``nav-panel``, ``footer``)
or whose id is one of those words, and ``hidden`` / ``aria-hidden`` ones),
permalink anchors (Sphinx's ``¶``), code blocks (``<pre>``, as fenced code in
Markdown, unless the page is nothing but preformatted text) and blocks that
are nothing but links (tables of contents, indexes, "next | previous" bars).
Block elements are hard boundaries; blank lines left by blanked tags are not.
``h1``-``h6`` name the sections, each until the next heading of its level or
until the element it titles closes (a DocBook "Note" box, a ``<section>``; a
wrapper holding nothing but the heading passes it on to its parent; an ``h1``
names the rest of the page); ``<title>`` is the document title. A
definition list's term (``<dt>``: a glossary term, a function's signature, a
FAQ's question) is not a sentence but the *label* of what its ``<dd>`` says;
so is a short paragraph of nothing but bold text (a title written without a
heading tag: ``<p><b>Maximum Database Size</b></p>``) for the paragraphs after
it in the same element.
Entities are decoded in place and padded with spaces, so every offset is the
offset in the source; what is hidden is recorded so that a sentence is shown
as the page reads ("returns 0." rather than "returns 0 .").
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from qa.formats import Block, Extracted, blocks_between, prose_blocks

_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "svg", "math",
                   "head", "button", "select", "textarea", "iframe", "object", "canvas", "dialog", "menu"})
_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CONTENT = frozenset({"article", "main"})
_BLOCK = frozenset({"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
                    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
                    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol",
                    "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
                    "title", "tr", "ul"})
#: Words of a class or id that mark page furniture, as the tags of ``_SKIP`` do where there are no such tags:
#: DocBook's ``navheader``/``navfooter`` (Prev | Up | Next and the neighbouring pages' titles), Sphinx's
#: ``footer`` and ``sphinxsidebar``, Texinfo's ``nav-panel``, breadcrumbs, pagers.
_FURNITURE = frozenset({"nav", "navbar", "navheader", "navfooter", "navigation", "breadcrumb", "breadcrumbs",
                        "footer", "sidebar", "sphinxsidebar", "pager", "pagination"})
#: Words that say an element holds the page's content after all (``content sidebar-open``).
_CONTENT_WORDS = frozenset({"content", "main", "article", "body", "document"})
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article"})
_WORD_SPLIT = re.compile(r"[\s_-]+")
_FURNITURE_HINT = re.compile(r"nav|footer|sidebar|breadcrumb|pager|pagination", re.IGNORECASE)


def _furniture(cls: str | None, ident: str | None) -> bool:
    """Whether an element's class, or its whole id, names it navigation, a sidebar or a footer.

    Words of a class, not substrings (``footnote``, ``navigator-api`` are not); an id only as a whole
    (``id="footer"``), since ids are often made of a heading's words (``editing-and-navigation``).
    """
    if ident and ident.lower() in _FURNITURE:
        return True
    if not cls or _FURNITURE_HINT.search(cls) is None:  # most classes ("pre", "sig-name"): one search
        return False
    words = set(_WORD_SPLIT.split(cls.lower()))
    return bool(words & _FURNITURE) and not words & _CONTENT_WORDS


#: Start tags that end an unclosed heading (``<h2>Title<p>text``): its text is prose again.
_ENDS_HEADING = frozenset({"p", "ul", "ol", "dl", "table", "section", "article", "blockquote", "pre", "li", "hr"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: A section name longer than this is cut (a heading left open by broken markup).
_HEADING_MAX = 200
#: Permalink marks that documentation generators append to headings and terms.
_PERMALINK = "\u00b6\u00a7#\U0001f517\u2693"
#: Pages whose preformatted text outweighs their prose this much are text in <pre>, not code.
_PRE_PAGE_RATIO = 5


@dataclass(slots=True)
class _Open:
    """An element on the stack and whether it hides its content."""

    tag: str
    skip: bool
    link: bool = False
    bold: bool = False
    start: int = 0


@dataclass(slots=True)
class _Heading:
    """A heading in force: its level, its text, the depth of the element it belongs to (which ends it),
    and how many pieces of page text had been kept when it ended."""

    level: int
    name: str
    depth: int
    kept: int


@dataclass(slots=True)
class _List:
    """An open definition list: its current term and whether its description is being read."""

    label: str | None = None
    in_dd: bool = False
    described: bool = False  # a description followed the current term(s)


def _name(parts: list[str]) -> str:
    """Heading or term text: whitespace collapsed, permalink marks dropped, length capped."""
    return " ".join("".join(parts).split()).rstrip(_PERMALINK + " ")[:_HEADING_MAX]


class _Extractor(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.chars = [c if c in "\r\n" else " " for c in text]
        self.line_starts = [0]
        self.line_starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.source = text  # data is copied from here: the parser sees a defused copy
        self.stack: list[_Open] = []
        self.open: Counter[str] = Counter()  # tags on the stack, so an end tag is checked in O(1)
        self.skip_depth = 0
        self.cuts: list[int] = []
        self.heads: list[tuple[int, str | None]] = []
        self.path: list[_Heading] = []  # the headings in force, outermost first
        self.heading: tuple[str, list[str], int] | None = None  # (tag, text so far, depth of its element)
        self.kept = 0  # pieces of page text kept so far: has a heading's container more than the heading?
        self.title: list[str] | None = None  # text of the <title> being read
        self.title_text: str | None = None
        self.lang: str | None = None  # <html lang="..."> as written
        self.shown = bytearray(len(text))  # 1 where a character of the page's text was kept
        self.lists: list[_List] = []  # open <dl>s, outermost first
        self.term: list[str] | None = None  # text of the <dt> being read
        self.labels: list[tuple[int, str | None]] = []
        self.links: list[tuple[int, int]] = []  # spans of link text
        self.link_depth = 0
        self.bold_depth = 0
        self.bold: list[tuple[int, int]] = []  # spans of bold text (<b>, <strong>)
        self.containers: list[tuple[int, int]] = []  # spans of closed elements that hold paragraphs
        self.pre_depth = 0
        self.code: list[tuple[int, int]] = []  # spans of preformatted text

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _hides(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _SKIP:
            return True
        if tag == "header":
            return not any(self.open[t] for t in _CONTENT)
        values = dict(attrs)
        if tag == "a" and "headerlink" in (values.get("class") or "").split():
            return True  # Sphinx's permalink "¶"
        return ("hidden" in values or (values.get("aria-hidden") or "").lower() == "true"
                or (values.get("role") or "").lower() in _SKIP_ROLES
                or (tag not in _NEVER_FURNITURE and _furniture(values.get("class"), values.get("id"))))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._pos()
        if self.heading is not None and (tag in _HEADINGS or tag in _ENDS_HEADING):
            self._end_heading(pos)
        if tag == "html" and self.lang is None:
            self.lang = next((v for k, v in attrs if k in ("lang", "xml:lang") and v), None)
        if tag == "title" and self.title_text is None and not self.skip_depth_outside_head():
            self.title = []
        if tag in _BLOCK:
            self.cuts.append(pos)
        if tag in _VOID:
            return
        skip = self._hides(tag, attrs)
        link = tag == "a" and any(k == "href" for k, _ in attrs)
        bold = tag in ("b", "strong")
        self.stack.append(_Open(tag, skip, link, bold, pos))
        self.bold_depth += bold
        self.open[tag] += 1
        self.skip_depth += skip
        self.link_depth += link
        self.pre_depth += tag == "pre"
        if tag in _HEADINGS and not self.skip_depth:
            self.heading = (tag, [], self._container())
        elif tag in ("dl", "dt", "dd") and not self.skip_depth:
            self._definition_start(tag, pos)

    def _container(self) -> int:
        """The depth of the element a heading just opened belongs to (its index on the stack, plus one).

        An open ``<p>`` is not one: a browser closes it at the heading, and its late ``</p>`` would close
        everything after it here.
        """
        depth = len(self.stack) - 1
        while depth > 0 and self.stack[depth - 1].tag == "p":
            depth -= 1
        return depth

    def _definition_start(self, tag: str, pos: int) -> None:
        """A definition list opens, or one of its terms or descriptions starts."""
        if tag == "dl":
            self.lists.append(_List())
            return
        if not self.lists:
            return
        current = self.lists[-1]
        self._end_term()
        if tag == "dt":
            if current.described:  # a new entry: its terms replace the last one's
                current.label = None
            current.in_dd = current.described = False
            self.term = []
        else:
            current.in_dd = current.described = True
        self.labels.append((pos, self._label()))

    def _end_term(self) -> None:
        if self.term is None or not self.lists:
            self.term = None
            return
        name = _name(self.term)
        self.term = None
        current = self.lists[-1]
        if name:  # several terms in a row (overloaded signatures) share the description
            current.label = f"{current.label}; {name}"[:_HEADING_MAX] if current.label else name

    def _definition_end(self, tag: str, pos: int) -> None:
        if not self.lists:
            return
        if tag == "dt":
            self._end_term()
            return
        if tag == "dd":
            self.lists[-1].in_dd = False
        else:
            self._end_term()
            self.lists.pop()
        self.labels.append((pos, self._label()))

    def _label(self) -> str | None:
        """The terms whose descriptions are open here, outermost first."""
        path = [d.label for d in self.lists if d.in_dd and d.label]
        return " > ".join(path) or None

    def skip_depth_outside_head(self) -> int:
        """Hidden elements other than ``head`` around the current position (an SVG's title)."""
        return sum(o.skip for o in self.stack if o.tag != "head")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.cuts.append(self._pos())

    def handle_endtag(self, tag: str) -> None:
        pos = self._pos()
        if tag == "title" and self.title is not None:
            self.title_text = " ".join("".join(self.title).split()) or None
            self.title = None
        if tag in _HEADINGS and self.heading is not None:
            self._end_heading(pos)  # any heading end tag closes the open heading, as browsers do
        if self.open[tag]:
            while self.stack:
                top = self.stack.pop()
                self.open[top.tag] -= 1
                self.skip_depth -= top.skip
                self.link_depth -= top.link
                self.bold_depth -= top.bold
                if top.tag in _CONTAINERS and not top.skip:
                    self.containers.append((top.start, pos))
                self.pre_depth -= top.tag == "pre"
                if self.heading is not None and top.tag == self.heading[0]:
                    self._end_heading(pos)
                if top.tag in ("dl", "dt", "dd") and not self.skip_depth:
                    self._definition_end(top.tag, pos)
                if self.path and self.path[-1].depth > len(self.stack):
                    self._scope_closes(pos)
                if top.tag == tag:
                    break
        if tag in _BLOCK:
            self.cuts.append(pos)

    def _end_heading(self, pos: int) -> None:
        assert self.heading is not None
        tag, parts, depth = self.heading
        self.heading = None
        level = int(tag[1])
        name = _name(parts)
        while self.path and self.path[-1].level >= level:
            self.path.pop()
        if name:  # a page's h1 names all of it, wherever it stands (in a header: git's, Apache's pages)
            self.path.append(_Heading(level, name, 0 if level == 1 else depth, self.kept))
        self.cuts.append(pos)
        self._section_changed(pos)

    def _section_changed(self, pos: int) -> None:
        self.heads.append((pos, " > ".join(h.name for h in self.path) or None))

    def _scope_closes(self, pos: int) -> None:
        """An element closed that holds the innermost headings: a heading whose container held more than the
        heading (a DocBook ``div.note`` titled "Note", a ``<section>``) ends there; one that was alone in
        it (a wrapper: ``div.titlepage``, ``hgroup``) now belongs to the container's parent."""
        depth, path = len(self.stack), self.path
        changed = False
        for i in range(len(path) - 1, -1, -1):
            if path[i].depth <= depth:
                break
            if path[i].kept == self.kept:
                path[i].depth = depth
            else:
                del path[i:]
                changed = True
        if changed:
            self.cuts.append(pos)
            self._section_changed(pos)

    def _keep(self, start: int, text: str) -> None:
        if self.title is not None:
            self.title.append(text)
            return
        if self.skip_depth:
            return
        if self.heading is not None:
            self.heading[1].append(text)
            return  # headings name sections; they are not sentences
        if self.term is not None:
            self.term.append(text)
            return  # a term labels its description; it is not a sentence
        self.kept += not text.isspace()
        chars = self.chars
        for i, ch in enumerate(text):
            if ch not in "\r\n":
                chars[start + i] = ch
        end = start + len(text)
        self.shown[start:end] = b"\x01" * len(text)
        if self.bold_depth:
            self.bold.append((start, end))
        if self.link_depth:
            self.links.append((start, end))
        if self.pre_depth:
            self.code.append((start, end))

    def handle_data(self, data: str) -> None:
        start = self._pos()
        self._keep(start, self.source[start : start + len(data)])  # "x < 10" as written, not defused

    def handle_entityref(self, name: str) -> None:
        self._keep(self._pos(), _entity(f"&{name};", 1 + len(name)))

    def handle_charref(self, name: str) -> None:
        self._keep(self._pos(), _entity(f"&#{name};", 2 + len(name)))


def _entity(ref: str, room: int) -> str:
    """The decoded reference, if it fits in the ``room`` characters the source used."""
    value = html.unescape(ref)
    if value == ref:
        return ref[:room]  # not an entity html knows: keep the source text
    return value if len(value) <= room else value[:1]


#: ``<![`` that the standard parser cannot take (it raises on any other keyword).
_BAD_SECTION = re.compile(r"<!\[(?!(?:cdata|temp|ignore|include|rcdata|if|else|endif)(?![-_.a-z0-9]))",
                          re.IGNORECASE | re.ASCII)


def _defuse(text: str) -> str:
    """``text`` (same length) with a space for each ``<`` that can never open a complete tag.

    HTMLParser rescans from an unclosed ``<`` to the end of the text before
    taking it as data, once per such ``<``: thousands of them in a page (a
    broken or hostile file) would cost minutes. A ``<`` after the last ``>``
    and a ``<!--`` after the last ``-->`` can never close, and read as the
    same text; a ``<![`` that is no marked section would make the parser raise.
    """
    last_gt = text.rfind(">") + 1
    closed = text.rfind("-->") + 1  # at most last_gt: "-->" ends with a ">"
    text = text[:closed] + text[closed:last_gt].replace("<!--", " !--") + text[last_gt:].replace("<", " ")
    return _BAD_SECTION.sub(" ![", text)


def _hide_code(parser: _Extractor) -> None:
    """Blank preformatted text, unless the page is made of it (a text file wrapped in ``<pre>``)."""
    code = sum(e - s for s, e in parser.code)
    if not code or code > _PRE_PAGE_RATIO * (parser.shown.count(1) - code):
        return
    chars, shown = parser.chars, parser.shown
    for s, e in parser.code:
        chars[s:e] = _NOT_NEWLINE.sub(" ", "".join(chars[s:e]))
        shown[s:e] = bytes(e - s)


_NOT_NEWLINE = re.compile(r"[^\r\n]")


def extract_html(text: str) -> Extracted:
    """HTML page to blanked text (same length as ``text``) with blocks, sections, labels and title."""
    parser = _Extractor(text)
    parser.feed(_defuse(text))
    parser.close()
    if parser.heading is not None:
        parser._end_heading(len(text))
    _hide_code(parser)
    masked = "".join(parser.chars)
    heads = sorted(parser.heads, key=lambda h: h[0])
    labels = sorted(parser.labels, key=lambda h: h[0])
    blocks = blocks_between(masked, parser.cuts, heads, blank_lines=False, labels=labels)
    blocks = prose_blocks(blocks, masked, parser.links)
    blocks = _bold_titles(blocks, masked, parser.bold, parser.containers)
    hidden = bytes(parser.shown).translate(_FLIP)
    return Extracted(text=masked, blocks=blocks, title=parser.title_text, hidden=hidden, lang=parser.lang)


_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")
#: Elements that hold paragraphs: a bold title names what follows it inside the one around it.
_CONTAINERS = frozenset({"li", "ol", "ul", "dd", "dl", "div", "section", "article", "main", "blockquote", "td",
                         "th", "table", "body", "details", "figure", "aside"})
#: The longest paragraph of bold text read as a title.
_BOLD_TITLE_MAX = 80


def _bold_titles(blocks: list[Block], masked: str, bold: list[tuple[int, int]],
                 containers: list[tuple[int, int]]) -> list[Block]:
    """Paragraphs that are nothing but a short run of bold text (``<p><b>Maximum Database Size</b></p>``,
    ``<p><b>PRAGMA stats;</b></p>``) are titles written without a heading tag: not sentences, but the label
    of the paragraphs after them, up to the end of the element holding them (a list item), the next
    heading, bold title or labelled paragraph. A bold line
    that ends a sentence (``.``, ``!``, ``?``) or that nothing follows in its section stays a sentence.
    """
    if not bold:
        return blocks
    starts = [s for s, _ in bold]
    out: list[Block] = []
    title: str | None = None
    section: str | None = None
    reach = 0
    for i, block in enumerate(blocks):
        name = _bold_title(block, masked, bold, starts)
        if name is not None and block.label is None:
            end = min((e for s, e in containers if s <= block.start and e >= block.end), default=len(masked))
            if i + 1 < len(blocks) and blocks[i + 1].section == block.section and blocks[i + 1].start < end:
                title, section, reach = name, block.section, end
                continue
        if title is not None and (block.section != section or block.label is not None or block.start >= reach):
            title = None
        out.append(Block(block.start, block.end, block.section, block.page, title, block.part)
                   if title is not None else block)
    return out


def _bold_title(block: Block, masked: str, bold: list[tuple[int, int]], starts: list[int]) -> str | None:
    """The block's text if it is a short title set in bold, else None."""
    text = masked[block.start : block.end]
    if len(text) > 4 * _BOLD_TITLE_MAX:
        return None
    name = " ".join(text.split())
    if len(name) > _BOLD_TITLE_MAX or name[-1:] in ("", ".", "!", "?") or sum(c.isalpha() for c in name) < 3:
        return None  # "F" of an index's letters is no title
    covered = 0
    i = max(0, bisect.bisect_right(starts, block.start) - 1)
    while i < len(bold) and bold[i][0] < block.end:
        s, e = max(bold[i][0], block.start), min(bold[i][1], block.end)
        if e > s:
            covered += sum(1 for c in masked[s:e] if not c.isspace())
        i += 1
    if covered < sum(1 for c in text if not c.isspace()):
        return None
    return name.rstrip(":").rstrip() or None
