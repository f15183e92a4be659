"""HTML: the page's text, tags blanked in place so citations point into the source.

Parsed with the standard library's :class:`html.parser.HTMLParser` (no regexes
over tags). Left out: scripts, styles, ``head``, forms and page furniture
(``nav``, ``aside``, ``footer``, a ``header`` outside ``article``/``main``,
elements with ``role="navigation"``, ``banner``, ``contentinfo``,
``complementary`` or ``search``, and ``hidden`` / ``aria-hidden`` ones), and
code blocks (``<pre><code>``, as fenced code in Markdown). Block elements are
hard boundaries; blank lines left by blanked tags are not. ``h1``-``h6`` name
the sections; ``<title>`` is the document title. Entities are decoded in place
and padded with spaces, so every offset is the offset in the source.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from qa.formats import Extracted, blocks_between

_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "svg", "math",
                   "head", "button", "select", "textarea", "iframe", "object", "canvas", "dialog", "menu"})
_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CONTENT = frozenset({"article", "main"})
_BLOCK = frozenset({"address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
                    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
                    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol",
                    "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
                    "title", "tr", "ul"})
#: Start tags that end an unclosed heading (``<h2>Title<p>text``): its text is prose again.
_ENDS_HEADING = frozenset({"p", "ul", "ol", "dl", "table", "section", "article", "blockquote", "pre", "li", "hr"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: A section name longer than this is cut (a heading left open by broken markup).
_HEADING_MAX = 200


@dataclass(slots=True)
class _Open:
    """An element on the stack and whether it hides its content."""

    tag: str
    skip: bool


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
        self.path: list[tuple[int, str]] = []
        self.heading: tuple[str, list[str]] | None = None  # (tag, text so far)
        self.title: list[str] | None = None  # text of the <title> being read
        self.title_text: str | None = None

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _hides(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _SKIP:
            return True
        if tag == "header":
            return not any(self.open[t] for t in _CONTENT)
        if tag == "code" and self.stack and self.stack[-1].tag == "pre":
            return True
        values = dict(attrs)
        return ("hidden" in values or (values.get("aria-hidden") or "").lower() == "true"
                or (values.get("role") or "").lower() in _SKIP_ROLES)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._pos()
        if self.heading is not None and (tag in _HEADINGS or tag in _ENDS_HEADING):
            self._end_heading(pos)
        if tag == "title" and self.title_text is None and not self.skip_depth_outside_head():
            self.title = []
        if tag in _BLOCK:
            self.cuts.append(pos)
        if tag in _VOID:
            return
        skip = self._hides(tag, attrs)
        self.stack.append(_Open(tag, skip))
        self.open[tag] += 1
        self.skip_depth += skip
        if tag in _HEADINGS and not self.skip_depth:
            self.heading = (tag, [])

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
                if self.heading is not None and top.tag == self.heading[0]:
                    self._end_heading(pos)
                if top.tag == tag:
                    break
        if tag in _BLOCK:
            self.cuts.append(pos)

    def _end_heading(self, pos: int) -> None:
        assert self.heading is not None
        tag, parts = self.heading
        self.heading = None
        level = int(tag[1])
        name = " ".join("".join(parts).split())[:_HEADING_MAX]
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        if name:
            self.path.append((level, name))
        self.cuts.append(pos)
        self.heads.append((pos, " > ".join(h for _, h in self.path) or None))

    def _keep(self, start: int, text: str) -> None:
        if self.title is not None:
            self.title.append(text)
            return
        if self.skip_depth:
            return
        if self.heading is not None:
            self.heading[1].append(text)
            return  # headings name sections; they are not sentences
        chars = self.chars
        for i, ch in enumerate(text):
            if ch not in "\r\n":
                chars[start + i] = ch

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


def extract_html(text: str) -> Extracted:
    """HTML page to blanked text (same length as ``text``) with blocks, sections and title."""
    parser = _Extractor(text)
    parser.feed(_defuse(text))
    parser.close()
    if parser.heading is not None:
        parser._end_heading(len(text))
    masked = "".join(parser.chars)
    heads = sorted(parser.heads, key=lambda h: h[0])
    blocks = blocks_between(masked, parser.cuts, heads, blank_lines=False)
    return Extracted(text=masked, blocks=blocks, title=parser.title_text)
