"""Cell widths equal rich's, code point by code point; wrapping keeps every row within the width.

``python tests/test_cells.py --write`` regenerates ``qa/_cellwidths.py`` from the installed rich.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len as rich_cell_len
from rich.cells import get_character_cell_size, split_graphemes
from rich.console import Console
from rich.text import Text

from qa import _cellwidths
from qa.cells import cell_len, char_width, graphemes, truncate, wrap

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "qa" / "_cellwidths.py"


def generated_table() -> str:
    """The text of qa/_cellwidths.py made from rich's newest Unicode table."""
    from importlib.metadata import version

    from rich._unicode_data import load

    table = load("latest")

    def rows(items: list[str], head: str, tail: str) -> list[str]:
        out, line = [head], "   "
        for item in items:
            if len(line) + len(item) + 1 > 118:
                out.append(line)
                line = "   "
            line += " " + item
        return [*out, line, tail]

    return "\n".join([
        '"""Cell widths of the characters that are not one cell wide (generated: do not edit).',
        "",
        f"Made by ``python tests/test_cells.py --write`` from rich {version('rich')}'s Unicode "
        f"{table.unicode_version} table",
        "(itself from the wcwidth project); ``tests/test_cells.py`` checks every code point against rich.",
        '"""',
        "",
        f'UNICODE_VERSION = "{table.unicode_version}"',
        "",
        "#: (first code point, last code point, cells), sorted; a character in no range takes one cell.",
        *rows([f"({s}, {e}, {w})," for s, e, w in table.widths], "WIDTHS: tuple[tuple[int, int, int], ...] = (", ")"),
        "",
        "#: Characters (code points) that VARIATION SELECTOR-16 (U+FE0F) makes two cells wide.",
        *rows([f"{c}," for c in sorted(map(ord, table.narrow_to_wide))], "NARROW_TO_WIDE: frozenset[int] = frozenset((",
              "))"),
        "",
    ])


def test_the_table_is_the_one_rich_has() -> None:
    assert TABLE.read_text(encoding="utf-8") == generated_table()


def test_every_code_point_has_richs_width() -> None:
    wrong = [cp for cp in range(0x110000) if char_width(chr(cp)) != get_character_cell_size(chr(cp), "latest")]
    assert wrong == []


#: Characters whose width or joining is interesting: CJK, Hangul, emoji and their modifiers,
#: combining marks (Latin, Devanagari, Thai, Arabic), joiners, variation selectors, RTL letters.
TRICKY = ("a é e\u0301 東京 한국 ｶ 🦩 👍 🏽 ❤ ☺ 1 # \u20e3 \u200d \ufe0f \ufe0e \u0300 \u0903 क ् ष ि "
          "ก ำ ั ไ ท ย ع ر ب ي ة \u064b \u05d0 \u05b7 \u00ad \u200b \u2060 ー 。 「 」 \U0001f1ef \U0001f1f5 "
          "\U0001f468 \U0001f469 \U0001f467 \U00020000 \u3000").split()


@given(st.lists(st.sampled_from([*TRICKY, " "]), max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_strings_measure_and_split_as_rich_does(text: str) -> None:
    assert cell_len(text) == rich_cell_len(text, "latest")
    assert graphemes(text) == split_graphemes(text, "latest")[0]


def test_known_widths() -> None:
    assert cell_len("東京 herons 🦩") == 2 * 2 + 1 + 6 + 1 + 2
    assert cell_len("e\u0301") == 1  # combining acute
    assert cell_len("\u0915\u094d\u0937\u093f") == rich_cell_len("\u0915\u094d\u0937\u093f", "latest")
    assert cell_len("❤\ufe0f") == 2  # VS16 widens a narrow emoji
    assert truncate("東京タワー", 5) == "東京"
    assert truncate("abc", 0) == "" and truncate("abc", 9) == "abc"


# -- wrapping -----------------------------------------------------------------


def rows_of(text: str, width: int, hang: int) -> list[str]:
    return [" " * indent + text[s:e] for s, e, indent in wrap(text, width, hang)]


def rejoin(text: str, width: int, hang: int) -> str:
    """The text again from its rows: dropped spaces put back (they are all single spaces here)."""
    ranges = wrap(text, width, hang)
    out = text[ranges[0][0] : ranges[0][1]]
    for (_, prev_end, _), (start, end, _) in itertools.pairwise(ranges):
        out += text[prev_end:start] + text[start:end]
    return out


WORDS = st.sampled_from(["a", "heron", "marsh", "東京", "タワー", "🦩", "e\u0301te\u0301", "क्षि", "ไทย",
                         "مرحبا", "https://example.com/a/very/long/path/that/goes/on/and/on", "。", "「引用」",
                         "x" * 30, "supercalifragilistic"])


@given(st.lists(WORDS, min_size=1, max_size=30), st.integers(8, 90), st.integers(0, 6))
@settings(max_examples=500, deadline=None)
def test_rows_fit_keep_the_text_and_break_only_where_allowed(words: list[str], width: int, hang: int) -> None:
    text = "  > " + " ".join(words)
    ranges = wrap(text, width, hang)
    shown = rows_of(text, width, hang)
    assert all(rich_cell_len(row, "latest") <= width for row in shown)  # rich agrees every row fits
    assert rejoin(text, width, hang) == text  # nothing lost, nothing reordered (RTL stays logical)
    for (_, prev_end, _), (start, _, _) in itertools.pairwise(ranges):
        if text[prev_end:start] == " ":
            continue  # a break at a space
        assert prev_end == start
        before, after = text[:start].rsplit(" ", 1)[-1], text[start:].split(" ", 1)[0]
        word = before + after
        folded = rich_cell_len(word, "latest") > width - min(hang, width // 2)
        cjk = any(char_width(c) == 2 for c in text[start - 1 : start + 1])
        assert folded or cjk, (text, width, hang, shown)
    if hang and len(shown) > 1:
        assert all(row.startswith(" " * min(hang, width // 2)) for row in shown[1:])


@given(st.lists(st.sampled_from(["a", "heron", "marsh", "the", "grey", "x" * 12, "ok,", "(it)"]), min_size=1,
                max_size=40), st.integers(12, 100))
@settings(max_examples=300, deadline=None)
def test_word_wrap_is_richs_where_every_word_fits(words: list[str], width: int) -> None:
    text = " ".join(words)
    console = Console(width=width, file=None, color_system=None)
    theirs = [line.plain.rstrip() for line in Text(text).wrap(console, width)]
    assert rows_of(text, width, 0) == theirs


def test_examples() -> None:
    sentence = "  > The heron waits for fish in the marsh, getting the size of a file."
    assert rows_of(sentence, 30, 4) == ["  > The heron waits for fish", "    in the marsh, getting the",
                                        "    size of a file."]
    url = "  > see https://example.com/" + "a" * 40
    assert rows_of(url, 30, 4) == ["  > see", "    https://example.com/aaaaaa", "    " + "a" * 26, "    " + "a" * 8]
    assert rows_of("  > " + "x" * 40, 30, 4) == ["  > " + "x" * 26, "    " + "x" * 14]  # not a lone marker
    cjk = "  > 東京は日本の首都であり、世界最大の都市圏を形成している。"
    rows = rows_of(cjk, 20, 4)
    assert all(rich_cell_len(r, "latest") <= 20 for r in rows) and len(rows) == 4
    assert not any(r.lstrip().startswith(("、", "。")) for r in rows)  # no closing punctuation starts a row
    assert rows_of("short", 40, 4) == ["short"] and wrap("", 10) == [(0, 0, 0)]
    assert rows_of("abc def", 0, 2) == ["abc def"]  # no width: no wrapping


@pytest.mark.parametrize("version", [_cellwidths.UNICODE_VERSION])
def test_table_version_is_richs_newest(version: str) -> None:
    from rich._unicode_data import load

    assert load("latest").unicode_version == version


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        TABLE.write_text(generated_table(), encoding="utf-8")
    else:
        print(generated_table())
