"""Markdown: index the prose, not the markup, and keep every offset.

Markup is blanked with spaces (newlines kept), so ``line:column`` of a
sentence is its place in the ``.md`` file. The block structure is
CommonMark's, with GitHub's tables, as markdown-it-py parses it: every block
token's line map says which lines are paragraph text, a heading, a table row,
raw HTML or code. Headings are hard boundaries and give each following
sentence its section path (``Intro > Install``); heading text names the
section rather than being a sentence of its own. YAML (``---``) or TOML
(``+++``) front matter is metadata: its ``title`` is the document title (read
as text, never evaluated), else the first level-1 heading is.

Code is not prose: fenced and indented code blocks are left out of the
sentences (inline ``code`` spans stay as written, without their backticks).
Inline markup is blanked by the linear-time scanning below (markdown-it-py's
inline tokens carry no offsets, and its inline parser is slow on hostile
input): link targets, images, HTML comments, tags, raw ``<script>``/``<style>``
elements, footnote markers and emphasis markers are blanked; link text,
footnote text and entities (decoded in place) stay.
"""

from __future__ import annotations

import bisect
import html
import re
from typing import TYPE_CHECKING

from qa.formats import Extracted, blank_line_cuts, blocks_between, prose_blocks

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: markdown-it's own limit: deeper quotes and lists get no tokens, and are read line by line instead.
_MAX_NESTING = 20

_FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\r?\n(.*?)^(?:\1|\.\.\.)[ \t]*\r?$", re.DOTALL | re.MULTILINE)
_FRONT_KEY = re.compile(r"[ \t]*(?:#.*|[A-Za-z0-9_-]+[ \t]*[:=].*)?\r?")
_FRONT_TITLE = re.compile(r"""^title[ \t]*[:=][ \t]*(["']?)(.+?)\1[ \t]*\r?$""", re.MULTILINE)
_FRONT_LANG = re.compile(
    r"""^(?:lang|language)[ \t]*[:=][ \t]*(["']?)([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\1[ \t]*\r?$""", re.MULTILINE)
#: Quote markers, list markers and indentation in front of a line's text (where no token says where it starts).
_CONTAINER_PREFIX = re.compile(r"(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)))*[ \t]*")
_REF_DEF = re.compile(r"\[(?!\^)[^\]]+\]:[ \t]*\S.*")
_FOOTNOTE_DEF = re.compile(r"^[ \t>]*\[\^[^\]\s]+\]:[ \t]*", re.MULTILINE)
_PIPE = re.compile(r"\\.|\|")
#: Tags that start or end a block in HTML: inside a Markdown HTML block they separate paragraphs, as on the page.
_HTML_BREAK = re.compile(
    r"</?(?:address|article|aside|blockquote|br|caption|dd|details|div|dl|dt|figcaption|figure|footer|h[1-6]|"
    r"header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)\b[^<>]*>",
    re.IGNORECASE)
#: CommonMark's HTML blocks of kinds 1-5 (opener, closer): one whose closer never comes runs to the end of the
#: document and hides it. A typo should not do that: such an opener is read as text, and blanked (but for a
#: ``<script>``-like tag, which the tag pattern blanks when it is whole).
_HTML_BLOCKS = (
    (re.compile(r"<(?:script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE | re.MULTILINE),
     re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]+"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
)

_DEST = r"\((?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*\)"
_RAW_OPEN = re.compile(r"<(script|style|pre)(?=[\s/>])")  # searched in lowercased text
_RAW_CLOSE = {tag: re.compile(rf"</{tag}[ \t]*>") for tag in ("script", "style", "pre")}
#: Link text and image descriptions may wrap over lines (not over a blank line: see _Mask.blank_all).
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:" + _DEST + r"|\[[^\[\]\n]*\])|!\[[^\[\]\n]*\]")
_LINK = re.compile(r"\[([^\[\]]+)\](?:" + _DEST + r"|\[[^\[\]\n]*\])")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\s]+\]")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^<>\s]+>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_MARKERS = re.compile(r"\*+|~~|`+|(?<![^\W_])_+|_+(?![^\W_])")
_TICKS = re.compile(r"`+|\n")
_INLINE_MARKUP = re.compile(r"[`*_~\[\]<>&\\]")
_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|>~<])")

_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """CommonMark with GFM tables, block rules only (inline markup is blanked by the scanning below)."""
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING}).enable("table")
        parser.core.ruler.disable(["inline"])
        _PARSER = parser
    return _PARSER


def code_spans(text: str) -> list[tuple[int, int]]:
    """The contents of inline code spans (``__dirname``, ``*args``), in order, in linear time.

    As CommonMark: a run of backticks opens a span that the next run of the
    same length on the same line closes; runs of other lengths inside are
    content. A run that nothing closes is literal, and the scan goes on after it.
    """
    runs = [m.span() for m in _TICKS.finditer(text)]  # a newline is a run of length 0
    closer = [0] * len(runs)  # index of the next run of the same length on the line, 0 for none
    following: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        start, end = runs[i]
        if text[start] == "\n":
            following.clear()
            continue
        closer[i] = following.get(end - start, 0)
        following[end - start] = i
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(runs):
        j = closer[i]
        if j and text[runs[i][0]] != "\n":
            if runs[j][0] > runs[i][1]:
                spans.append((runs[i][1], runs[j][0]))
            i = j + 1
        else:
            i += 1
    return spans


class _Mask:
    """A same-length copy of the text in which markup is replaced by spaces.

    ``hidden`` marks the blanked characters that a reader does not see at all
    (emphasis markers, link targets), as opposed to those that separate words
    (a table's ``|``): see :class:`qa.formats.Extracted`. ``links`` are the
    spans of link text kept.
    """

    def __init__(self, text: str, hidden: bytearray) -> None:
        self.chars = list(text)
        self.hidden = hidden
        self.links: list[tuple[int, int]] = []
        self._text: str | None = text

    def changed(self) -> None:
        self._text = None

    def blank(self, start: int, end: int, hide: bool = True) -> None:
        self._text = None
        chars = self.chars
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = " "
        if hide:
            self.hidden[start:end] = b"\x01" * (end - start)

    def put(self, start: int, end: int, value: str) -> None:
        """Write ``value`` at ``start`` and blank the rest of ``[start, end)`` (value must fit)."""
        self.blank(start, end)
        self.chars[start : start + len(value)] = value
        self.hidden[start : start + len(value)] = bytes(len(value))

    def blank_all(self, pattern: re.Pattern[str], code: _Code, keep_group: int | None = None) -> None:
        """Blank every match of ``pattern`` outside code spans, except group ``keep_group`` (link text).

        Code spans are opaque to the pattern: ``[`a[0]`][ref]`` is a link whose text is a code span.
        """
        for m in pattern.finditer(code.opaque(self.text())):
            if code.covers(m.start()) or ("\n" in m.group() and _BLANK_LINE.search(m.group())):
                continue  # in code; across paragraphs
            if keep_group is not None and m.group(keep_group) is not None:
                self.blank(m.start(), m.start(keep_group))
                self.blank(m.end(keep_group), m.end())
                self.links.append((m.start(keep_group), m.end(keep_group)))
            else:
                self.blank(m.start(), m.end())

    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self.chars)
        return self._text


class _Reader:
    """The block structure of one document, from markdown-it-py's block tokens.

    Every line starts blanked; the lines of paragraphs, table rows and HTML
    blocks are kept from where their text starts (``keep``: the column, or -1),
    so quote and list markers, headings, code, rules, table delimiter rows,
    reference definitions and front matter are blanked by what they are not.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.front_end, self.front_title, self.front_lang = _front_matter(text)
        self.source, self.unclosed = _parser_input(text, self.front_end)
        self.lines = self.source.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)  # the last is len(text) + 1
        self.keep = [-1] * len(self.lines)
        self.claimed = bytearray(len(self.lines))  # lines a block token accounts for
        self.cuts: list[int] = [self.front_end] if self.front_end else []
        self.heads: list[tuple[int, str | None]] = []
        self.path: list[tuple[int, str]] = []
        self.title: str | None = None
        self.pipes: list[int] = []  # a table's cell separators: blanked, not hidden

    def run(self) -> None:
        tokens = _parser().parse(self.source)
        for i, token in enumerate(tokens):
            if token.map is None or token.nesting < 0 or token.type == "inline":
                continue
            lo, hi = token.map
            kind = token.type
            if kind == "paragraph_open":
                self._keep(lo, hi, tokens[i + 1].content, paragraph=True)
            elif kind == "html_block":
                self._keep(lo, hi, token.content, paragraph=False)
            elif kind == "heading_open":
                self._heading(token, tokens[i + 1].content)
            elif kind == "tr_open":
                self._row(lo, token.level > 2)
            elif kind in ("blockquote_open", "list_item_open") and token.level >= _MAX_NESTING - 1:
                self._too_deep(lo, hi)
                continue
            elif kind not in ("fence", "code_block", "hr", "table_open"):
                continue  # containers: their lines belong to what they hold
            self.claimed[lo:hi] = b"\x01" * (hi - lo)
            self._cut(lo, hi)
        self._footnotes()

    def _cut(self, lo: int, hi: int) -> None:
        self.cuts += (self.starts[lo], self.starts[hi] - 1)

    def _keep(self, lo: int, hi: int, content: str, *, paragraph: bool) -> None:
        """Keep lines ``lo:hi`` from where their text (a line of the token's content) starts.

        The content is the block's text without its container prefixes, line
        for line, so the line's text ends as the content's line does.
        """
        lines, keep = self.lines, self.keep
        for n, part in zip(range(lo, hi), content.split("\n"), strict=False):
            tail = part.strip()
            if not tail:
                continue
            line = lines[n].rstrip()
            start = len(line) - len(tail)
            if start < 0 or line[start:] != tail:
                start = _prefix_end(line)
            if paragraph and line.startswith("[", start) and _REF_DEF.fullmatch(line, start):
                self._cut(n, n + 1)  # a reference definition after a line of text: not prose either
                continue
            keep[n] = start
            if not paragraph:
                at = self.starts[n]
                for m in _HTML_BREAK.finditer(line, start):
                    self.cuts += (at + m.start(), at + m.end())

    def _row(self, n: int, nested: bool) -> None:
        """A table row: a block of its own, its cells apart as on the page."""
        line = self.lines[n]
        start = _prefix_end(line) if nested else len(line) - len(line.lstrip())
        self.keep[n] = start
        at = self.starts[n]
        self.pipes += (at + m.start() for m in _PIPE.finditer(line, start) if m.group() == "|")

    def _heading(self, token: Token, content: str) -> None:
        """A heading: a boundary; at the top level (not in a quote or list) it names the section."""
        if token.level:
            return
        level = int(token.tag[1])
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        name = _inline_plain(content)
        if name:
            self.path.append((level, name))
        assert token.map is not None
        self.heads.append((self.starts[token.map[1]] - 1, " > ".join(h for _, h in self.path) or None))
        if self.title is None and level == 1 and name:
            self.title = name

    def _too_deep(self, lo: int, hi: int) -> None:
        """Lines nested deeper than markdown-it reads: text after the quote and list markers, one block."""
        for n in range(lo, hi):
            if not self.claimed[n]:
                line = self.lines[n]
                start = _prefix_end(line)
                self.keep[n] = start if start < len(line.rstrip()) else -1
        self.claimed[lo:hi] = b"\x01" * (hi - lo)
        self._cut(lo, hi)

    def _footnotes(self) -> None:
        """Footnote definitions (``[^1]: text``): the marker is blanked, the text is a block of its own.

        CommonMark knows no footnotes: a definition is a paragraph line, or a
        reference definition when its text is one word; either way its text is read.
        """
        for m in _FOOTNOTE_DEF.finditer(self.source):
            n = bisect.bisect_right(self.starts, m.start()) - 1
            lo = self.starts[n]
            col, bracket = m.end() - lo, self.source.index("[", m.start()) - lo
            kept = self.keep[n]
            if col >= len(self.lines[n].rstrip()) or kept > bracket or (kept < 0 and self.claimed[n]):
                continue  # no text; "[^" after text; code or a heading
            self.keep[n] = col
            self.cuts.append(lo)

    def masked(self) -> _Mask:
        """The text with every line blanked up to its ``keep`` column (all of it when -1)."""
        text, starts, keep = self.text, self.starts, self.keep
        pieces: list[str] = []
        hidden = bytearray(len(text))
        for n, col in enumerate(keep):
            lo, hi = starts[n], starts[n + 1] - 1
            cut = hi if col < 0 else min(lo + col, hi)
            if cut > lo:
                pieces.append(_spaces(text[lo:cut]))
                hidden[lo:cut] = b"\x01" * (cut - lo)
            pieces.append(text[cut : hi + 1])  # with its newline
        mask = _Mask("".join(pieces), hidden)
        for start, end in self.unclosed:
            mask.blank(start, end)
        for at in self.pipes:
            mask.blank(at, at + 1, hide=False)  # cells are apart, as on the page
        return mask


def _prefix_end(line: str) -> int:
    """Where a line's text starts after its quote and list markers (where no token says so)."""
    found = _CONTAINER_PREFIX.match(line)
    return found.end() if found else 0


def _spaces(segment: str) -> str:
    """``segment`` blanked: spaces, its carriage returns kept."""
    if "\r" not in segment:
        return " " * len(segment)
    return re.sub(r"[^\r]", " ", segment)


def _front_matter(text: str) -> tuple[int, str | None, str | None]:
    """Where YAML or TOML front matter ends (0: there is none), its ``title`` and its ``lang``."""
    front = _FRONT.match(text)
    if front is None:
        return 0, None, None
    first = next((ln for ln in front.group(2).split("\n") if ln.strip()), "")
    if not _FRONT_KEY.fullmatch(first):
        return 0, None, None  # a thematic break at the top of the file, not metadata
    found = _FRONT_TITLE.search(front.group(2))
    lang = _FRONT_LANG.search(front.group(2))
    return front.end(), (found.group(2).strip() or None) if found else None, lang.group(2) if lang else None


def _parser_input(text: str, front_end: int) -> tuple[str, list[tuple[int, int]]]:
    """What markdown-it parses, and the unclosed HTML block openers to blank.

    The same lines: a carriage return is a space, front matter is blank
    lines, and the opener of an HTML block that is never closed is plain text.
    """
    source = text.replace("\r", " ")
    if front_end:
        source = re.sub(r"[^\n]", " ", source[:front_end]) + source[front_end:]
    if "<" not in source:
        return source, []
    unclosed: list[tuple[int, int]] = []
    for kind, (opener, closer) in enumerate(_HTML_BLOCKS):
        last = -1
        for last_match in closer.finditer(source):
            last = last_match.start()
        unclosed += ((m.start(), m.end() if kind else m.start()) for m in opener.finditer(source, last + 1))
    if not unclosed:
        return source, []
    chars = list(source)
    for start, _ in unclosed:
        chars[start] = "x"
    return "".join(chars), unclosed


class _Code:
    """The inline code spans of a text, asked whether they hold an offset."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]

    def opaque(self, text: str) -> str:
        """``text`` with the contents of its code spans made letters, so that no markup is seen in them."""
        if not self.starts:
            return text
        pieces: list[str] = []
        pos = 0
        for start, end in zip(self.starts, self.ends, strict=True):
            pieces += (text[pos:start], "x" * (end - start))
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)


def _blank_blocks(mask: _Mask, code: _Code) -> None:
    """Blank HTML comments, then ``<script>``, ``<style>`` and ``<pre>`` elements, left to right, in linear time.

    A regex would rescan to the end of the text from every unclosed ``<!--``
    or ``<script>``; here a closer that cannot be found once is not looked for
    again. ``<pre>`` is code, as a fenced block is; one written in a code span is text.
    """
    lower = mask.text().lower()
    at = 0
    while (start := lower.find("<!--", at)) >= 0:
        end = lower.find("-->", start + 4)
        if end < 0:
            break
        if code.covers(start):
            at = start + 4
            continue
        mask.blank(start, end + 3)
        at = end + 3
    lower = mask.text().lower()
    at, unclosed = 0, set()
    while opener := _RAW_OPEN.search(lower, at):
        tag = opener.group(1)
        at = opener.end()
        if tag in unclosed or code.covers(opener.start()):
            continue
        gt = lower.find(">", at)
        if gt < 0:
            break  # no opening tag after this one can end either
        closer = _RAW_CLOSE[tag].search(lower, gt + 1)
        if closer is None:
            unclosed.add(tag)
            continue
        mask.blank(opener.start(), closer.end())
        at = closer.end()


def _blank_inline(mask: _Mask) -> None:
    """Blank inline markup over the whole (block-masked) text, keeping link text and code spans as written.

    In a code span (```a[0](x)```, ```<div>```, ```&amp;```) only the backticks are markup, as in CommonMark.
    """
    text = mask.text()
    code = _Code(code_spans(text) if "`" in text else [])
    if "<" in text:  # each step only where its markup can be: most headings have none
        _blank_blocks(mask, code)
        mask.blank_all(_AUTOLINK, code)
    if "[" in text:
        mask.blank_all(_IMAGE, code)
        mask.blank_all(_LINK, code, keep_group=1)
        mask.blank_all(_FOOTNOTE_REF, code)
    if "<" in text:
        mask.blank_all(_TAG, code)
    if "&" in text:
        for m in _ENTITY.finditer(mask.text()):
            value = html.unescape(m.group())
            if value != m.group() and len(value) <= len(m.group()) and not code.covers(m.start()):
                mask.put(m.start(), m.end(), value)
    _blank_markers(mask, code)
    if "\\" in text:
        mask.blank_all(_ESCAPE, code)


def _blank_markers(mask: _Mask, code: _Code) -> None:
    """Blank emphasis markers and backticks, not the characters inside code spans (they are letters to the
    pattern: "__init__", "**kwargs" in code stay as written)."""
    probe, chars, hidden = code.opaque(mask.text()), mask.chars, mask.hidden
    for start, end in [m.span() for m in _MARKERS.finditer(probe)]:
        if start and probe[start - 1] == "\\" and probe[start] != "`" and _escaped(probe, start):
            start += 1  # "ESM\_RESOLVE", "\*": the first character is literal (a backslash ends code: `\`)
        chars[start:end] = " " * (end - start)  # a marker holds no newline
        hidden[start:end] = b"\x01" * (end - start)
    mask.changed()


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an escaping backslash (one not escaped itself)."""
    run = 0
    while pos - run > 0 and text[pos - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def extract_markdown(text: str) -> Extracted:
    """Markdown to blanked prose (same length as ``text``), blocks, sections and title."""
    reader = _Reader(text)
    reader.run()
    mask = reader.masked()
    _blank_inline(mask)
    masked = mask.text()
    cuts = reader.cuts + blank_line_cuts(text)
    blocks = blocks_between(masked, cuts, reader.heads, blank_lines=False)
    blocks = prose_blocks(blocks, masked, sorted(mask.links))
    return Extracted(text=masked, blocks=blocks, title=reader.front_title or reader.title,
                     hidden=bytes(mask.hidden), lang=reader.front_lang)


def _inline_plain(text: str) -> str:
    """Heading text as it reads: inline markup blanked as in the text (code spans as written), then dropped."""
    if not _INLINE_MARKUP.search(text):
        return " ".join(text.split())
    mask = _Mask(text, bytearray(len(text)))
    _blank_inline(mask)
    return " ".join("".join(c for c, hidden in zip(mask.chars, mask.hidden, strict=True) if not hidden).split())


def heading_outline(text: str) -> list[tuple[int, str]]:
    """The headings in force at the end of ``text``, outermost first, as (level, name).

    For readers that get one document's Markdown in pieces (notebook cells):
    a piece read after these headings, written out again in front of it,
    gets the sections it would have had in one file.
    """
    reader = _Reader(text)
    reader.run()
    return list(reader.path)
