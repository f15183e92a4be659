"""HTML: the page's text, tags blanked in place so citations point into the source.

Parsed with the standard library's :class:`html.parser.HTMLParser` (no regexes
over tags). Scripts, styles and page furniture (``nav``, ``header``,
``footer``, ``aside``, forms, ``head``) are left out; block elements are hard
boundaries; ``h1``-``h6`` give sections; ``<title>`` is the document title.
Entities are decoded in place and padded with spaces to keep offsets.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

from qa.formats import Extracted, blocks_between

_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
                   "svg", "head", "button", "select", "iframe", "object", "canvas"})
_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "br", "hr", "tr", "td", "th", "table",
                    "section", "article", "main", "blockquote", "pre", "figure", "figcaption", "caption",
                    "h1", "h2", "h3", "h4", "h5", "h6", "title", "body", "address", "details", "summary"})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source"})


class _Extractor(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.src = text
        self.chars = [c if c in "\r\n" else " " for c in text]
        self.line_starts = [0]
        for i, c in enumerate(text):
            if c == "\n":
                self.line_starts.append(i + 1)
        self.skip_depth = 0
        self.stack: list[str] = []
        self.cuts: list[int] = []
        self.heads: list[tuple[int, str | None]] = []
        self.path: list[tuple[int, str]] = []
        self.in_heading: tuple[int, int] | None = None  # (level, start of text)
        self.heading_text: list[str] = []
        self.in_title = False
        self.title_text: list[str] = []

    def _abs_pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._abs_pos()
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip_depth += 1
        if tag not in _VOID:
            self.stack.append(tag)
        if tag in _BLOCK:
            self.cuts.append(pos)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not self.skip_depth:
            self.in_heading = (int(tag[1]), pos)
            self.heading_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.cuts.append(self._abs_pos())

    def handle_endtag(self, tag: str) -> None:
        pos = self._abs_pos()
        if tag == "title":
            self.in_title = False
        if tag in self.stack:
            while self.stack:
                top = self.stack.pop()
                if top in _SKIP:
                    self.skip_depth = max(self.skip_depth - 1, 0)
                if top == tag:
                    break
        if tag in _BLOCK:
            self.cuts.append(pos)
        if self.in_heading and tag == f"h{self.in_heading[0]}":
            level, _ = self.in_heading
            name = " ".join("".join(self.heading_text).split())
            while self.path and self.path[-1][0] >= level:
                self.path.pop()
            if name:
                self.path.append((level, name))
            self.heads.append((pos, " > ".join(h for _, h in self.path) or None))
            self.in_heading = None

    def _keep(self, start: int, text: str) -> None:
        if self.in_title:
            self.title_text.append(text)
            return
        if self.skip_depth:
            return
        if self.in_heading:
            self.heading_text.append(text)
            return  # headings name sections; they are not sentences
        for i, ch in enumerate(text):
            if ch not in "\r\n":
                self.chars[start + i] = ch

    def handle_data(self, data: str) -> None:
        self._keep(self._abs_pos(), data)

    def handle_entityref(self, name: str) -> None:
        self._keep(self._abs_pos(), html.unescape(f"&{name};")[:1])

    def handle_charref(self, name: str) -> None:
        self._keep(self._abs_pos(), html.unescape(f"&#{name};")[:1])


def extract_html(text: str) -> Extracted:
    """HTML page to blanked text with blocks, sections and title."""
    parser = _Extractor(text)
    parser.feed(text)
    parser.close()
    masked = "".join(parser.chars)
    title = " ".join("".join(parser.title_text).split()) or None
    heads = sorted(parser.heads)
    return Extracted(text=masked, blocks=blocks_between(masked, parser.cuts, heads), title=title)
