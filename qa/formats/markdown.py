"""Markdown: index the prose, not the markup, and keep every offset.

Markup is blanked with spaces (newlines kept), so ``line:column`` of a
sentence is its place in the ``.md`` file. Headings are hard boundaries and
give each following sentence its section path (``Intro > Install``). YAML
front matter is metadata (its ``title:`` is the document title; it is read
as text, never evaluated). Fenced code blocks are not prose: they are left
out of the sentences (search them as plain text with ``--include``-ing a
copy under another extension if you need to).
"""

from __future__ import annotations

import re

from qa.formats import Extracted, blocks_between

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)")
_QUOTE = re.compile(r"^[ \t]{0,3}(>[ \t]?)+")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S.*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^>\s]+>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MARKERS = re.compile(r"\*+|~~|`+|(?<![^\W_])_+|_+(?![^\W_])")
_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|>])")


class _Mask:
    """A same-length copy of the text in which markup is replaced by spaces."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    def blank(self, start: int, end: int) -> None:
        chars = self.chars
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = " "

    def blank_all(self, pattern: re.Pattern[str], text: str, keep_group: int | None = None) -> None:
        for m in pattern.finditer(text):
            if keep_group is not None and m.group(keep_group) is not None:
                self.blank(m.start(), m.start(keep_group))
                self.blank(m.end(keep_group), m.end())
            else:
                self.blank(m.start(), m.end())

    def text(self) -> str:
        return "".join(self.chars)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def extract_markdown(text: str) -> Extracted:
    """Markdown to blanked prose, blocks, sections and title."""
    mask = _Mask(text)
    cuts: list[int] = []
    heads: list[tuple[int, str | None]] = []
    path: list[tuple[int, str]] = []
    title: str | None = None
    body_start = 0
    front = _FRONT.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        if found:
            title = found.group(1).strip().strip("\"'") or None
        mask.blank(0, front.end())
        body_start = front.end()
        cuts.append(body_start)

    def heading(start: int, end: int, level: int, name: str) -> None:
        nonlocal title
        mask.blank(start, end)
        cuts.extend((start, end))
        while path and path[-1][0] >= level:
            path.pop()
        name = _inline_plain(name)
        path.append((level, name))
        heads.append((end, " > ".join(h for _, h in path) or None))
        if title is None and level == 1 and name:
            title = name

    lines = _lines(text)
    fence: str | None = None
    prev_text: tuple[int, int] | None = None
    for lo, hi in lines:
        if lo < body_start:
            continue
        line = text[lo:hi].rstrip("\r")
        if fence is not None:
            mask.blank(lo, hi)
            if line.strip().startswith(fence):
                fence = None
                cuts.append(hi)
            prev_text = None
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)
            mask.blank(lo, hi)
            cuts.append(lo)
            prev_text = None
            continue
        if m := _ATX.match(line):
            heading(lo, hi, len(m.group(1)), m.group(2) or "")
            prev_text = None
            continue
        if (m := _SETEXT.match(line)) and prev_text is not None and not _LIST.match(text[prev_text[0]:prev_text[1]]):
            heading(prev_text[0], hi, 1 if m.group(1)[0] == "=" else 2, text[prev_text[0] : prev_text[1]].strip())
            prev_text = None
            continue
        if _BREAK.match(line) or _TABLE_SEP.match(line) or _REF_DEF.match(line):
            mask.blank(lo, hi)
            cuts.extend((lo, hi))
            prev_text = None
            continue
        if m := _QUOTE.match(line):
            mask.blank(lo, lo + m.end())
        if m := _LIST.match(line):
            mask.blank(lo + m.start(2), lo + m.end(2))
            cuts.append(lo)
        if "|" in line and line.strip().startswith("|"):
            cuts.append(lo)  # each table row stands alone
            for i, ch in enumerate(line):
                if ch == "|":
                    mask.blank(lo + i, lo + i + 1)
        prev_text = (lo, hi) if line.strip() else None
    current = mask.text()
    for pattern, keep in ((_COMMENT, None), (_AUTOLINK, None), (_IMAGE, 1), (_LINK, 1), (_TAG, None)):
        mask.blank_all(pattern, current, keep)
        current = mask.text()
    mask.blank_all(_MARKERS, current)
    mask.blank_all(_ESCAPE, mask.text())
    masked = mask.text()
    return Extracted(text=masked, blocks=blocks_between(masked, cuts, heads), title=title)


def _inline_plain(text: str) -> str:
    """Heading text without inline markup (links, emphasis, code)."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _MARKERS.sub("", text)
    return " ".join(text.split())
