"""The terminal format without rich writes what rich writes (hyperlink ids aside)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.refresh import open_index
from qa.render import AnsiRenderer, RichRenderer, make_console
from qa.search import search

_LINK_ID = re.compile(r"\x1b\]8;id=[^;]*;")

DOCS = {
    "heron.md": "# Herons\n\nThe grey heron hunts in the marsh at dawn. It waits for fish.\n\n"
                "## Flight\n\nHerons fly with their necks folded; the heron's call is a croak.\n",
    "odd.txt": "Tabs\there and\x07bells, \x1b[2J escapes, \u202ereversed\u202c and wide 東京 herons 🦩.\n\n"
               "Another heron paragraph with [brackets] and [bold]markup[/bold] that is not markup.\n",
    "plain": "A heron, a heron and a heron again: herons everywhere in the marsh.\n",
}
QUESTIONS = ["Where does the heron hunt?", "heron", "What markup is in brackets?", "wide herons", "croak call"]

#: Every script the wrapping must be right for: CJK without spaces, combining marks (Latin, Devanagari,
#: Thai), right-to-left Arabic and Hebrew, emoji with joiners and modifiers, a URL longer than a row.
SCRIPTS = {
    "ja.txt": "東京の鷺は夜明けに沼地で魚を狩り、長い首を折りたたんで飛ぶ。鷺の鳴き声はしわがれている。\n",
    "zh.txt": "苍鹭在黎明时分于沼泽中捕鱼，它飞行时会把长长的脖子折叠起来，heron 的叫声很沙哑。\n",
    "mixed.txt": "The café’s heron (Ardea cinerea) waits; e\u0301te\u0301 herons, 👩\u200d👩\u200d👧 families and "
                 "👍🏽 thumbs watch the heron at https://example.org/birds/herons/grey-heron/behaviour/hunting"
                 "-at-dawn-in-the-marsh.html every morning.\n",
    "hi.txt": "बगुला heron सुबह दलदल में मछली पकड़ता है और क्षितिज की ओर देखता है।\n",
    "th.txt": "นกกระสาheronยืนนิ่งอยู่ในบึงตอนรุ่งเช้าเพื่อจับปลา\n",
    "ar.txt": "مالك الحزين heron يقف ساكنا في المستنقع عند الفجر لاصطياد السمك.\n",
    "he.txt": "האנפה heron עומדת דוממת בביצה עם שחר.\n",
}


def _both(index: object, question: str, color: bool, show_question: bool, explain: bool,
          width: int | None = None) -> tuple[str, str]:
    answer = search(index, question, k=5, context=1, with_explain=explain)  # type: ignore[arg-type]
    ours, theirs = io.StringIO(), io.StringIO()
    AnsiRenderer(ours, color, show_question, explain, hyperlinks=color, width=width).write(answer)
    RichRenderer(make_console(theirs, color), show_question, explain, hyperlinks=color, width=width).write(answer)
    return _LINK_ID.sub("\x1b]8;id=N;", ours.getvalue()), _LINK_ID.sub("\x1b]8;id=N;", theirs.getvalue())


@pytest.mark.parametrize("color", [True, False])
@pytest.mark.parametrize("show_question", [True, False])
@pytest.mark.parametrize("explain", [True, False])
def test_same_output_as_rich(make_corpus: Callable[[dict[str, str | bytes]], Path], color: bool,
                             show_question: bool, explain: bool) -> None:
    index, _ = open_index([str(make_corpus(DOCS))])  # type: ignore[arg-type]
    for question in QUESTIONS:
        ours, theirs = _both(index, question, color, show_question, explain)
        assert ours == theirs
        assert ("\x1b[" in ours) == color


def test_seeds_same_output_as_rich() -> None:
    index, _ = open_index()
    for question in ["Who led the Chinese delegation that went to North Korea?", "What happened in 1994?",
                     "Who said what about the border?"]:
        ours, theirs = _both(index, question, True, True, True)
        assert ours == theirs


def test_a_one_shot_question_on_a_terminal_does_not_import_rich(
        make_corpus: Callable[[dict[str, str | bytes]], Path]) -> None:
    root = make_corpus(DOCS)
    code = ("import sys; from qa.cli import main; "
            f"code = main(['ask', '--docs', {str(root)!r}, '--color', 'always', 'heron']); "
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'nltk')), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().endswith("0 []"), out.stderr
    assert "\x1b[1;33mheron\x1b[0m" in out.stdout


_SGR_OR_LINK = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")


@pytest.mark.parametrize("width", [12, 23, 40, 60, 97, 160])
def test_wrapped_output_is_richs_byte_for_byte_in_every_script(
        make_corpus: Callable[[dict[str, str | bytes]], Path], width: int) -> None:
    from rich.cells import cell_len

    index, _ = open_index([str(make_corpus({**DOCS, **SCRIPTS}))])  # type: ignore[arg-type]
    for question in ["heron", "鷺 沼地", "苍鹭 沼泽", "मछली", "المستنقع", "האנפה", "wide herons", *QUESTIONS]:
        for color, explain in [(True, True), (True, False), (False, False)]:
            ours, theirs = _both(index, question, color, True, explain, width=width)
            assert ours == theirs
            plain = _SGR_OR_LINK.sub("", ours)
            assert all(cell_len(row) <= width for row in plain.splitlines())  # rich measures every row
            assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]", ours)  # nothing injected
            unwrapped, _ = _both(index, question, False, True, explain)
            assert _words(plain) == _words(unwrapped) or _chars(plain) == _chars(unwrapped)


def _words(text: str) -> list[str]:
    return text.split()


def _chars(text: str) -> str:
    """The text without whitespace: what wrapping may move between rows but never change or reorder."""
    return re.sub(r"\s+", "", text)


def test_wrapping_keeps_words_whole_and_hangs_under_the_text(
        make_corpus: Callable[[dict[str, str | bytes]], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_corpus({**DOCS, **SCRIPTS})
    monkeypatch.chdir(root.parent)  # citations as short as a user's: docs/heron.md:3:1
    index, _ = open_index([str(root)])  # type: ignore[arg-type]
    ours, _ = _both(index, "heron marsh dawn", False, False, False, width=40)
    unwrapped, _ = _both(index, "heron marsh dawn", False, False, False)
    fitting = Counter(w for w in _words(unwrapped) if len(w) <= 40 - 4)
    assert not fitting - Counter(_words(ours))  # no word that fits a row is cut
    assert _chars(ours) == _chars(unwrapped)  # the URL longer than a row is folded, nothing lost
    for row in ours.splitlines():
        assert len(row) <= 40 or not row.isascii()
    hit_rows = ours.split("  > ", 1)[1].splitlines()
    assert len(hit_rows) > 1 and hit_rows[1].startswith("    ") and not hit_rows[1].startswith("     ")
    rtl, _ = _both(index, "المستنقع", False, False, False, width=30)
    assert "مالك الحزين" in rtl  # logical order, words whole


def test_a_one_shot_question_on_a_real_terminal_wraps_without_rich(
        make_corpus: Callable[[dict[str, str | bytes]], Path]) -> None:
    from rich.cells import cell_len

    pexpect = pytest.importorskip("pexpect")
    root = make_corpus({**DOCS, **SCRIPTS})
    code = ("import sys; from qa.cli import main; "
            f"code = main(['ask', '--docs', {str(root)!r}, 'heron']); "
            "print('MODULES', code, sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'nltk')), "
            "'qa.cells' in sys.modules, file=sys.stderr)")
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("COLUMNS", "LINES")}
    child = pexpect.spawn(sys.executable, ["-c", code], env={**env, "TERM": "xterm-256color"}, encoding="utf-8",
                          dimensions=(50, 40), timeout=60)
    child.expect(pexpect.EOF)
    output = child.before
    assert "MODULES 0 [] True" in output  # answered, wrapped (qa.cells), and rich never imported
    rows = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", output.split("MODULES")[0]).splitlines()
    assert rows and [row for row in rows if cell_len(row) > 40] == []
