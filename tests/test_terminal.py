"""What a person sees: qa in a real pseudo-terminal 60 columns wide, its output fed to a terminal emulator (pyte).

pexpect runs the installed ``qa``; pyte plays its bytes as a VT100 would, so
the tests read the screen a person would read when the command has ended.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import qa_command

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"
COLUMNS, ROWS = 60, 60


@pytest.fixture
def tty_env(isolated_env: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"})
    for name in ("COLUMNS", "LINES", "EDITOR", "VISUAL"):
        env.pop(name, None)  # the width must come from the terminal itself
    return env


def run_in_terminal(args: list[str], env: dict[str, str], cwd: Path, keys: list[tuple[str, str]] = (),  # type: ignore[assignment]
                    ) -> tuple[list[str], str, int]:
    """Run qa in a 60-column pty; send each (text, then expect) pair; return the final screen, raw output, status."""
    cmd = qa_command()
    child = pexpect.spawn(cmd[0], [*cmd[1:], *args], env=env, cwd=str(cwd), encoding="utf-8", timeout=60,
                          dimensions=(ROWS, COLUMNS))
    raw: list[str] = []
    try:
        for text, expect in keys:
            child.expect_exact(expect)
            raw.append(child.before + child.after)
            child.send(text)
        child.expect(pexpect.EOF)
        raw.append(child.before)
    except pexpect.TIMEOUT:  # pragma: no cover - show what was on screen
        pytest.fail("timed out; output was:\n" + "".join(raw) + str(child.before))
    finally:
        child.close()
    output = "".join(raw)
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.Stream(screen).feed(output.replace("\n", "\r\n") if "\r\n" not in output else output)
    return [line.rstrip() for line in screen.display], output, child.exitstatus


def answer_rows(screen: list[str]) -> list[str]:
    return [row for row in screen if row]


def test_ask_wraps_at_60_columns_under_the_marker_and_only_answers_stay(
        tty_env: dict[str, str], run_qa: Callable[..., object], make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"seeds.txt": (Path(__file__).parent.parent / "seeds" / "000_491430e7b4296c73.txt")
                        .read_text(encoding="utf-8"), "photo.png": b"\x89PNG", "data.bin": b"\x00"})
    screen, raw, status = run_in_terminal(["ask", "--docs", str(root), SEEDS_Q], tty_env, root.parent)
    assert status == 0
    rows = answer_rows(screen)
    assert rows[0].startswith("[1] docs/seeds.txt:7:1  score ")
    assert all(len(row) <= COLUMNS for row in rows)
    hit = rows.index(next(r for r in rows if r.startswith("  > Vice Foreign Minister")))
    assert rows[hit + 1].startswith("    ") and rows[hit + 1][4] != " "  # hanging indent under the text
    piped = run_qa("ask", "--docs", str(root), SEEDS_Q, cwd=root.parent)
    assert " ".join(rows).split() == piped.stdout.split()  # the same words, none cut at the edge
    assert max(len(line) for line in piped.stdout.splitlines()) > COLUMNS  # a pipe gets one line per sentence
    # The note about skipped files was shown while indexing, and is gone from the screen.
    assert "skipped 2 files" in raw
    assert not any("skipped" in row or "qa:" in row for row in screen)


def test_repl_wraps_and_quit_without_colon_leaves(tty_env: dict[str, str], tmp_path: Path) -> None:
    keys = [(SEEDS_Q + "\r", "qa>"), ("quit\r", "Agency said.")]
    screen, raw, status = run_in_terminal([], tty_env, tmp_path, keys)
    assert status == 0
    rows = answer_rows(screen)
    assert rows[0].startswith("qa: 2 documents, 43 sentences in the bundled seeds.")
    assert all(len(row) <= COLUMNS for row in rows)
    hit = next(i for i, r in enumerate(rows) if r.startswith("  > Vice Foreign Minister"))
    assert rows[hit + 1].startswith("    delegation") or rows[hit + 1].startswith("    ")
    assert "Liu Zhenmin" in " ".join(rows)
    assert "no match" not in raw and "[4]" not in raw  # "quit" left instead of being searched


def test_the_grey_suggestion_fills_at_most_the_rest_of_the_row(tty_env: dict[str, str], tmp_path: Path,
                                                            isolated_env: Path) -> None:
    history = isolated_env / "xdg-data" / "qa" / "history"
    history.parent.mkdir(parents=True)
    long_question = "Who led " + "the very long delegation " * 40 + "ZZZEND"
    history.write_text(f"\n# 2024-01-01 00:00:00\n+{long_question}\n", encoding="utf-8")
    keys = [("Who l", "qa>"), ("\x15\x04", "very long")]
    _, raw, status = run_in_terminal([], tty_env, tmp_path, keys)
    assert status == 0
    assert "the very long" in raw  # the suggestion was shown...
    assert "ZZZEND" not in raw  # ...but never beyond the row
    shown = re.findall(r"the very long delegation", raw)
    assert 0 < len(shown) <= COLUMNS // len("the very long delegation ") + 1
