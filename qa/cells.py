"""Terminal cells: how wide text is on screen, and where to wrap it.

Widths are rich's (``rich.cells.cell_len``, the reference the tests check every
code point against), computed here without importing rich, so a one-shot
question on a terminal stays fast: wide East Asian characters and most emoji
take two cells, combining marks and other zero-width characters none (they
join the character before them), a ZERO WIDTH JOINER glues the next character
to the previous one, and VARIATION SELECTOR-16 widens the emoji it follows.

:func:`wrap` breaks a display line into rows at word boundaries (between
characters in CJK text, which has no spaces), folding a word only when it is
longer than a row. Text is kept in logical order: right-to-left scripts are
wrapped as stored and left to the terminal to display.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

_SPACE_OR_WORD = re.compile(r" +|[^ ]+")

#: Characters that may not start a row (closing punctuation, small kana: CJK line-breaking rules).
NO_BREAK_BEFORE = frozenset(
    "、。，．,.：:；;！!？?）)］]｝}」』】〕〉》〗〙〛’”・ー…‥々〻ゝゞヽヾ゛゜%‰℃"  # noqa: RUF001
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
)
#: Characters that may not end a row (opening punctuation).
NO_BREAK_AFTER = frozenset("（([［｛{「『【〔〈《〖〘〚‘“")  # noqa: RUF001

_ZWJ = "\u200d"
_VS16 = "\ufe0f"


@lru_cache(maxsize=1)
def _table() -> tuple[list[int], list[int], list[int], frozenset[int]]:
    from qa._cellwidths import NARROW_TO_WIDE, WIDTHS

    return [s for s, _, _ in WIDTHS], [e for _, e, _ in WIDTHS], [w for _, _, w in WIDTHS], NARROW_TO_WIDE


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Cells one character takes on its own: 0, 1 or 2 (rich's ``get_character_cell_size``)."""
    code = ord(ch)
    if 0 < code < 32 or 0x7F <= code < 0xA0:
        return 0
    if 0x20 <= code < 0x7F:
        return 1
    starts, ends, widths, _ = _table()
    i = bisect_right(starts, code) - 1
    return widths[i] if i >= 0 and code <= ends[i] else 1


def _simple(text: str) -> bool:
    """Printable ASCII: one cell per character."""
    return text.isascii() and text.isprintable()


def graphemes(text: str) -> list[tuple[int, int, int]]:
    """(start, end, cells) of each character with what joins it, as rich's ``split_graphemes``.

    Zero-width characters belong to the character before them, a ZERO WIDTH
    JOINER takes the next character into the same span, and VARIATION
    SELECTOR-16 makes a narrow emoji two cells.
    """
    if _simple(text):
        return [(i, i + 1, 1) for i in range(len(text))]
    narrow_to_wide = _table()[3]
    spans: list[tuple[int, int, int]] = []
    last: str | None = None  # the last character measured, while VS16 may still widen it
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in (_ZWJ, _VS16):
            if not spans:
                spans.append((i, i + 1, 0))
                i += 1
                continue
            start, _, cells = spans[-1]
            if ch == _ZWJ:
                i += 2 if i < n - 1 else 1
            else:
                i += 1
                if last is not None and ord(last) in narrow_to_wide:
                    last = None
                    cells += 1
            spans[-1] = (start, i, cells)
            continue
        width = char_width(ch)
        if width:
            last = ch
            spans.append((i, i + 1, width))
        elif spans:
            start, _, cells = spans[-1]
            spans[-1] = (start, i + 1, cells)
        else:
            spans.append((i, i + 1, 0))
        i += 1
    return spans


def cell_len(text: str) -> int:
    """Cells ``text`` takes on a terminal (rich's ``cell_len``)."""
    if _simple(text):
        return len(text)
    if _ZWJ not in text and _VS16 not in text:
        return sum(map(char_width, text))
    # rich's rules, which differ from :func:`graphemes` at the edges (a joiner first in the text).
    narrow_to_wide = _table()[3]
    total, last, i, n = 0, None, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == _ZWJ:
            i += 1  # the joined character takes no cell
        elif ch == _VS16:
            if last is not None:
                total += ord(last) in narrow_to_wide
                last = None
        else:
            width = char_width(ch)
            if width:
                last = ch
                total += width
        i += 1
    return total


def truncate(text: str, cells: int) -> str:
    """The longest start of ``text`` that fits in ``cells`` cells (whole characters only)."""
    if cells <= 0:
        return ""
    if _simple(text):
        return text[:cells]
    used = 0
    for start, _end, width in graphemes(text):
        if used + width > cells:
            return text[:start]
        used += width
    return text


def _units(word: str, offset: int) -> list[tuple[int, int, int]]:
    """(start, end, cells) pieces of a word between which a row may end.

    A word without wide characters is one piece; CJK text (no spaces) may
    break before or after any wide character, except before closing and
    after opening punctuation.
    """
    if _simple(word):
        return [(offset, offset + len(word), len(word))]
    spans = graphemes(word)
    units: list[tuple[int, int, int]] = []
    prev_wide = False
    for start, end, cells in spans:
        wide = cells == 2
        if units and (wide or prev_wide) and word[start] not in NO_BREAK_BEFORE \
                and word[units[-1][1] - offset - 1] not in NO_BREAK_AFTER:
            units.append((offset + start, offset + end, cells))
        elif units:
            s, _, c = units[-1]
            units[-1] = (s, offset + end, c + cells)
        else:
            units.append((offset + start, offset + end, cells))
        prev_wide = wide
    return units


def wrap(text: str, width: int, hang: int = 0) -> list[tuple[int, int, int]]:
    """Rows of ``text`` on a terminal ``width`` cells wide: (start, end, indent) each.

    ``text[start:end]`` is shown after ``indent`` spaces (0 on the first row,
    ``hang`` on continuation rows; the caller writes them). Rows end at
    spaces, which are dropped there (the first row keeps its leading spaces),
    or between two characters of CJK text. A word longer than a row starts a
    row (unless the current one holds only a marker such as ``  > ``) and is
    folded between characters. Every row fits: ``hang`` is at most half the
    width, and only a character wider than the whole row overflows its row.
    """
    if width <= 0 or cell_len(text) <= width:
        return [(0, len(text), 0)]
    hang = max(0, min(hang, width // 2))
    rows: list[tuple[int, int]] = []
    row_start, used, started = 0, 0, False  # started: a word has been placed (spaces before it are kept)
    space: tuple[int, int] | None = None  # the spaces before the next word: (start, cells)
    for match in _SPACE_OR_WORD.finditer(text):
        start, end = match.span()
        if text[start] == " ":
            space = (start, end - start) if started or rows else None
            if not started and not rows:
                used += end - start  # leading spaces of the first row are indentation
            continue
        for unit_start, unit_end, cells in _units(text[start:end], start):
            gap = space[1] if space and started else 0
            if used + gap + cells <= width:
                used += gap + cells
            elif cells <= width - hang:
                rows.append((row_start, space[0] if space and started else unit_start))
                row_start, used = unit_start, hang + cells
            else:  # longer than any row: folded, from a row of its own unless this one holds only a marker
                if started and used + gap > hang:
                    rows.append((row_start, space[0] if space else unit_start))
                    row_start, used, gap = unit_start, hang, 0
                used += gap
                row_start, used = _fold(text, unit_start, unit_end, width, hang, rows, row_start, used)
            started, space = True, None
    rows.append((row_start, len(text)))
    return [(s, e, hang if i else 0) for i, (s, e) in enumerate(rows)]


def _fold(text: str, start: int, end: int, width: int, hang: int, rows: list[tuple[int, int]],
          row_start: int, used: int) -> tuple[int, int]:
    """Place a word longer than a row character by character; return the open row's start and cells used."""
    for s, _, cells in graphemes(text[start:end]):
        if used + cells > width and used > hang:
            rows.append((row_start, start + s))
            row_start, used = start + s, hang
        used += cells
    return row_start, used
