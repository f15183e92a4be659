"""Markdown: index the prose, not the markup, and keep every offset.

Markup is blanked with spaces (newlines kept), so ``line:column`` of a
sentence is its place in the ``.md`` file. Headings are hard boundaries and
give each following sentence its section path (``Intro > Install``); heading
text names the section rather than being a sentence of its own. YAML (``---``)
or TOML (``+++``) front matter is metadata: its ``title`` is the document
title (read as text, never evaluated), else the first level-1 heading is.

Code is not prose: fenced and indented code blocks are left out of the
sentences (inline ``code`` spans stay, without their backticks). Link targets,
images, HTML comments, tags, raw ``<script>``/``<style>`` blocks, reference
definitions, footnote markers and emphasis markers are blanked; link text,
footnote text and entities (decoded in place) stay.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from qa.formats import Extracted, blank_line_cuts, blocks_between, prose_blocks

_FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\r?\n(.*?)^(?:\1|\.\.\.)[ \t]*\r?$", re.DOTALL | re.MULTILINE)
_FRONT_KEY = re.compile(r"[ \t]*(?:#.*|[A-Za-z0-9_-]+[ \t]*[:=].*)?\r?")
_FRONT_LANG = re.compile(
    r"""^(?:lang|language)[ \t]*[:=][ \t]*(["']?)([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\1[ \t]*\r?$""", re.MULTILINE)
_FRONT_TITLE = re.compile(r"""^title[ \t]*[:=][ \t]*(["']?)(.+?)\1[ \t]*\r?$""", re.MULTILINE)
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?")  # the closing #s: _atx_text (a regex was quadratic)
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_FENCE_OPEN = re.compile(r"([ \t]*(?:>[ \t]*)*)(`{3,}(?=[^`]*$)|~{3,})")
_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_LIST = re.compile(r"([ \t]*)([-*+]|(\d{1,9})[.)])(?:[ \t]+|$)")
_QUOTE = re.compile(r"[ \t]{0,3}(?:>[ \t]?)+")
_TABLE_SEP = re.compile(r"[ \t]*(?:\|[ \t]*)?:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*(?:\|[ \t]*)?")
_REF_DEF = re.compile(r" {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S.*")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^[^\]\s]+\]:")

_DEST = r"\((?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*\)"
_RAW_OPEN = re.compile(r"<(script|style)\b")  # searched in lowercased text
_RAW_CLOSE = {tag: re.compile(rf"</{tag}[ \t]*>") for tag in ("script", "style")}
_IMAGE = re.compile(r"!\[[^\[\]\n]*\](?:" + _DEST + r"|\[[^\[\]\n]*\])?")
_LINK = re.compile(r"\[([^\[\]\n]+)\](?:" + _DEST + r"|\[[^\[\]\n]*\])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\s]+\]")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^<>\s]+>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_MARKERS = re.compile(r"\*+|~~|`+|(?<![^\W_])_+|_+(?![^\W_])")
_TICKS = re.compile(r"`+|\n")


def code_spans(text: str) -> list[tuple[int, int]]:
    """The contents of inline code spans (``__dirname``, ``*args``), in order, in linear time.

    As CommonMark: a run of backticks opens a span that the next run of the
    same length on the same line closes; runs of other lengths inside are
    content. Only the backticks are markup.
    """
    spans: list[tuple[int, int]] = []
    open_runs: dict[int, int] = {}  # run length -> end of the opening run
    for m in _TICKS.finditer(text):
        if m.group() == "\n":
            open_runs.clear()
            continue
        width = m.end() - m.start()
        opened = open_runs.get(width)
        if opened is None:
            open_runs[width] = m.end()
            continue
        if m.start() > opened:
            spans.append((opened, m.start()))
        open_runs = {w: e for w, e in open_runs.items() if e < opened - width + 1 and w != width}
    return spans
_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|>~<])")


class _Mask:
    """A same-length copy of the text in which markup is replaced by spaces.

    ``hidden`` marks the blanked characters that a reader does not see at all
    (emphasis markers, link targets), as opposed to those that separate words
    (a table's ``|``): see :class:`qa.formats.Extracted`. ``links`` are the
    spans of link text kept.
    """

    def __init__(self, text: str) -> None:
        self.chars = list(text)
        self.hidden = bytearray(len(text))
        self.links: list[tuple[int, int]] = []

    def blank(self, start: int, end: int, hide: bool = True) -> None:
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

    def blank_all(self, pattern: re.Pattern[str], keep_group: int | None = None) -> None:
        """Blank every match of ``pattern``, except group ``keep_group`` (link text)."""
        for m in pattern.finditer(self.text()):
            if keep_group is not None and m.group(keep_group) is not None:
                self.blank(m.start(), m.start(keep_group))
                self.blank(m.end(keep_group), m.end())
                self.links.append((m.start(keep_group), m.end(keep_group)))
            else:
                self.blank(m.start(), m.end())

    def text(self) -> str:
        return "".join(self.chars)


@dataclass(slots=True)
class _Fence:
    char: str
    length: int


class _Scanner:
    """One pass over the lines: block structure, headings, code, front matter."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.mask = _Mask(text)
        self.cuts: list[int] = []
        self.heads: list[tuple[int, str | None]] = []
        self.path: list[tuple[int, str]] = []
        self.title: str | None = None
        self.front_title: str | None = None
        self.front_lang: str | None = None
        self.fence: _Fence | None = None
        self.indented_code = False
        self.in_list = False
        self.para: tuple[int, int] | None = None  # the previous line, when it is paragraph text

    def run(self) -> None:
        pos = self._front_matter()
        text = self.text
        while pos <= len(text):
            nl = text.find("\n", pos)
            hi = len(text) if nl < 0 else nl
            self._line(pos, hi, text[pos:hi].rstrip("\r"))
            pos = hi + 1

    def _front_matter(self) -> int:
        front = _FRONT.match(self.text)
        if front is None:
            return 0
        first = next((ln for ln in front.group(2).split("\n") if ln.strip()), "")
        if not _FRONT_KEY.fullmatch(first):
            return 0  # a thematic break at the top of the file, not metadata
        found = _FRONT_TITLE.search(front.group(2))
        if found:
            self.front_title = found.group(2).strip() or None
        lang = _FRONT_LANG.search(front.group(2))
        if lang:
            self.front_lang = lang.group(2)
        self.mask.blank(0, front.end())
        self.cuts.append(front.end())
        return front.end() + 1

    def _line(self, lo: int, hi: int, line: str) -> None:
        if self.fence is not None:
            self._in_fence(lo, hi, line)
            return
        stripped = line.strip()
        indent = _indent(line)
        if self.indented_code:
            if not stripped or indent >= 4:
                self.mask.blank(lo, hi)
                return
            self.indented_code = False
            self.cuts.append(lo)
        if not stripped:
            self.para = None
            return
        if indent >= 4 and self.para is None and not self.in_list:
            self.indented_code = True
            self.mask.blank(lo, hi)
            self.cuts.append(lo)
            return
        if self._block_line(lo, hi, line):
            self.para = None
            return
        self._text_line(lo, hi, line, indent)

    def _in_fence(self, lo: int, hi: int, line: str) -> None:
        fence = self.fence
        assert fence is not None
        self.mask.blank(lo, hi)
        body = _QUOTE.sub("", line, count=1).strip()
        if len(body) >= fence.length and body == fence.char * len(body):
            self.fence = None
            self.cuts.append(hi)

    def _block_line(self, lo: int, hi: int, line: str) -> bool:
        """Fences, headings, rules, table separators, definitions: True when the line was one."""
        if m := _FENCE_OPEN.match(line):
            self.fence = _Fence(m.group(2)[0], len(m.group(2)))
            self.mask.blank(lo, hi)
            self.cuts.append(lo)
            return True
        if m := _ATX.fullmatch(line):
            self._heading(lo, hi, len(m.group(1)), _atx_text(m.group(2) or ""))
            return True
        if self.para is not None and (m := _SETEXT.fullmatch(line)) and not self.in_list:
            p_lo, p_hi = self.para
            self._heading(p_lo, hi, 1 if m.group(1)[0] == "=" else 2, self.text[p_lo:p_hi])
            return True
        if _BREAK.fullmatch(line) or _TABLE_SEP.fullmatch(line) or _REF_DEF.fullmatch(line):
            self.in_list = self.in_list and not _BREAK.fullmatch(line)
            self.mask.blank(lo, hi)
            self.cuts.extend((lo, hi))
            return True
        return False

    def _text_line(self, lo: int, hi: int, line: str, indent: int) -> None:
        if m := _QUOTE.match(line):
            self.mask.blank(lo, lo + m.end())
            line = " " * m.end() + line[m.end() :]
        m = _LIST.match(line)
        if m and m.group(3) is not None and self.para is not None and not self.in_list and m.group(3) != "1":
            m = None  # "2019. That was..." wrapped in a paragraph: only "1." starts a list there
        if m:
            self.mask.blank(lo + m.start(2), lo + m.end(2))
            self.cuts.append(lo)
            self.in_list = True
        elif indent == 0 and self.para is None:
            self.in_list = False  # an unindented paragraph after a blank line ends the list
        if f := _FOOTNOTE_DEF.match(line):
            self.mask.blank(lo, lo + f.end())
            self.cuts.append(lo)
        if line.lstrip().startswith("|"):
            self.cuts.append(lo)  # each table row stands alone
            for i, ch in enumerate(line):
                if ch == "|":
                    self.mask.blank(lo + i, lo + i + 1, hide=False)  # cells are apart, as on the page
        self.para = (lo, hi)

    def _heading(self, start: int, end: int, level: int, raw: str) -> None:
        self.mask.blank(start, end)
        self.cuts.extend((start, end))
        self.in_list = False
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        name = _inline_plain(raw)
        if name:
            self.path.append((level, name))
        self.heads.append((end, " > ".join(h for _, h in self.path) or None))
        if self.title is None and level == 1 and name:
            self.title = name


def _atx_text(content: str) -> str:
    """An ATX heading's text without trailing blanks and the optional closing ``#`` sequence."""
    content = content.rstrip(" \t")
    bare = content.rstrip("#")
    if bare != content and (not bare or bare[-1] in " \t"):
        content = bare.rstrip(" \t")
    return content


def _indent(line: str) -> int:
    """Columns of leading whitespace (a tab counts as reaching the next multiple of 4)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def _blank_blocks(mask: _Mask) -> None:
    """Blank HTML comments, then ``<script>``/``<style>`` blocks, left to right, in linear time.

    A regex would rescan to the end of the text from every unclosed ``<!--``
    or ``<script>``; here a closer that cannot be found once is not looked for again.
    """
    lower = mask.text().lower()
    at = 0
    while (start := lower.find("<!--", at)) >= 0:
        end = lower.find("-->", start + 4)
        if end < 0:
            break
        mask.blank(start, end + 3)
        at = end + 3
    lower = mask.text().lower()
    at, unclosed = 0, set()
    while opener := _RAW_OPEN.search(lower, at):
        tag = opener.group(1)
        at = opener.end()
        if tag in unclosed:
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
    """Blank inline markup over the whole (block-masked) text, keeping link text."""
    _blank_blocks(mask)
    for pattern, keep in ((_AUTOLINK, None), (_IMAGE, None), (_LINK, 1), (_FOOTNOTE_REF, None), (_TAG, None)):
        mask.blank_all(pattern, keep)
    for m in _ENTITY.finditer(mask.text()):
        value = html.unescape(m.group())
        if value != m.group() and len(value) <= len(m.group()):
            mask.put(m.start(), m.end(), value)
    _blank_markers(mask)
    mask.blank_all(_ESCAPE)


def _blank_markers(mask: _Mask) -> None:
    """Blank emphasis markers and backticks, but not the characters inside code spans."""
    import bisect

    text = mask.text()
    spans = code_spans(text)
    starts = [s for s, _ in spans]
    for m in _MARKERS.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and m.start() < spans[i][1]:
            continue  # inside code: "__init__", "**kwargs" stay as written
        mask.blank(m.start(), m.end())


def extract_markdown(text: str) -> Extracted:
    """Markdown to blanked prose (same length as ``text``), blocks, sections and title."""
    scan = _Scanner(text)
    scan.run()
    _blank_inline(scan.mask)
    mask = scan.mask
    masked = mask.text()
    cuts = scan.cuts + blank_line_cuts(text)
    blocks = blocks_between(masked, cuts, scan.heads, blank_lines=False)
    blocks = prose_blocks(blocks, masked, sorted(mask.links))
    return Extracted(text=masked, blocks=blocks, title=scan.front_title or scan.title, hidden=bytes(mask.hidden),
                     lang=scan.front_lang)


def _inline_plain(text: str) -> str:
    """Heading text without inline markup (links, images, emphasis, code, tags)."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    out, pos = [], 0
    for start, end in code_spans(text):  # code spans as written, markers around them dropped
        out.append(_MARKERS.sub("", text[pos:start]))
        out.append(text[start:end])
        pos = end
    out.append(_MARKERS.sub("", text[pos:]))
    return " ".join("".join(out).split())


def heading_outline(text: str) -> list[tuple[int, str]]:
    """The headings in force at the end of ``text``, outermost first, as (level, name).

    For readers that get one document's Markdown in pieces (notebook cells):
    a piece read after these headings, written out again in front of it,
    gets the sections it would have had in one file.
    """
    scan = _Scanner(text)
    scan.run()
    return list(scan.path)
