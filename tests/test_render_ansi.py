"""The terminal format without rich writes what rich writes (hyperlink ids aside)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.engine import open_index
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


def _both(index: object, question: str, color: bool, show_question: bool, explain: bool) -> tuple[str, str]:
    answer = search(index, question, k=5, context=1, with_explain=explain)  # type: ignore[arg-type]
    ours, theirs = io.StringIO(), io.StringIO()
    AnsiRenderer(ours, color, show_question, explain, hyperlinks=color).write(answer)
    RichRenderer(make_console(theirs, color), show_question, explain, hyperlinks=color).write(answer)
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
