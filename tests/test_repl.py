"""The REPL, driven for real: prompt-toolkit pipe input, a recording console, and a pty."""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from qa.engine import open_index
from qa.repl import CorpusCompleter, Repl, Session, Settings, history_path, private_history, start

SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"
CITE = "seeds/000_491430e7b4296c73.txt:7:1"


def console() -> Console:
    return Console(file=io.StringIO(), width=120, color_system=None, force_terminal=False, record=True)


def run_session(keys: str, history_file: Path | None = None, settings: Settings | None = None,
                editor: str = "") -> tuple[int, str, Session]:
    """Type ``keys`` into a real REPL over the seeds; return (status, screen text, session)."""
    out = console()
    index, report = open_index(None)
    session = Session(index=index, report=report, settings=settings or Settings(),
                      reopen=lambda rebuild: open_index(None, rebuild=rebuild))
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        history = private_history(history_file) if history_file else None
        repl = Repl(session, out, input=pipe, output=DummyOutput(), history=history, editor=editor)
        status = repl.run()
    return status, out.export_text(), session


def test_question_then_ctrl_d(tmp_path: Path) -> None:
    status, screen, _ = run_session(SEEDS_Q + "\r\x04")
    assert status == 0
    assert screen.startswith("qa: 2 documents, 44 sentences in ")
    assert ":help" in screen.splitlines()[0]
    assert f"[1] {CITE}" in screen
    assert "Vice Foreign Minister Liu Zhenmin led" in screen


def test_commands(tmp_path: Path) -> None:
    keys = "\r".join([":k 1", SEEDS_Q, ":show 1", ":docs", ":context 0", ":explain", "sixth nuclear test",
                      ":bogus", ":k many", ":show 9", ":help", ":quit"]) + "\r"
    status, screen, session = run_session(keys)
    assert status == 0
    assert session.settings.k == 1 and session.settings.context == 0 and session.settings.explain
    assert "[2]" not in screen  # :k 1 took effect
    assert "7 Vice Foreign Minister Liu Zhenmin led" in screen  # :show prints line numbers
    assert any(line.split() == ["seeds/003_3ffbbf34607cdfd1.txt", "16"] for line in screen.splitlines())
    assert "why:" in screen  # :explain
    assert "unknown command :bogus" in screen
    assert "usage: :k N" in screen
    assert "the last answer has 1 hit" in screen
    assert ":reindex" in screen  # help lists commands with the prefix


def test_ctrl_c_clears_the_line_and_does_not_exit() -> None:
    status, screen, _ = run_session("half typed\x03" + SEEDS_Q + "\r\x04")
    assert status == 0
    assert CITE in screen


def test_empty_stopwords_and_no_match_do_not_raise() -> None:
    status, screen, _ = run_session("\r   \rwhat is the\rzeppelin quasar\r\x04")
    assert status == 0
    assert "only stopwords" in screen
    assert "not in the documents: zeppelin, quasar" in screen


def test_open_without_editor_and_with_one(tmp_path: Path) -> None:
    _, screen, _ = run_session(SEEDS_Q + "\r:open 1\r\x04")
    assert "set $EDITOR" in screen and ":7" in screen
    marker = tmp_path / "opened"
    editor = f"{sys.executable} -c \"import sys; open({str(marker)!r}, 'w').write(' '.join(sys.argv[1:]))\""
    run_session(SEEDS_Q + "\r:open 1\r\x04", editor=editor)
    line, path = marker.read_text().split(" ", 1)
    assert line == "+7" and path.endswith("000_491430e7b4296c73.txt")


def test_reindex_keeps_answering() -> None:
    status, screen, _ = run_session(":reindex\r" + SEEDS_Q + "\r\x04")
    assert status == 0 and "indexed 2 documents, 44 sentences" in screen and CITE in screen


def test_history_survives_a_restart_and_is_private(isolated_env: Path) -> None:
    path = history_path()
    assert str(path).startswith(str(isolated_env))
    run_session(SEEDS_Q + "\r\x04", history_file=path)
    assert SEEDS_Q in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # Second session: Up recalls the last question from the file; Enter asks it again.
    status, screen, session = run_session("\x1b[A\r\x04", history_file=path)
    assert status == 0 and session.last is not None and session.last.question == SEEDS_Q
    assert CITE in screen


def test_completion_of_commands_and_corpus_words() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    completer = CorpusCompleter(lambda: ["delegate", "delegation", "denuclearisation", "korea"])
    words = [c.text for c in completer.get_completions(Document("the deleg"), CompleteEvent())]
    assert words == ["delegate", "delegation"]
    commands = [c.text for c in completer.get_completions(Document(":re"), CompleteEvent())]
    assert commands == [":reindex"]


@pytest.fixture
def pexpect_env(isolated_env: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "120", "LINES": "40"})
    yield env


def test_real_pty_session(pexpect_env: dict[str, str], tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    from conftest import qa_command

    cmd = qa_command()
    child = pexpect.spawn(cmd[0], cmd[1:], env=pexpect_env, cwd=str(tmp_path), encoding="utf-8",
                          timeout=30, dimensions=(40, 120))
    try:
        child.expect("Ctrl-D to quit")
        child.expect_exact("qa>")
        child.send(SEEDS_Q + "\r")
        child.expect_exact(CITE)
        child.expect("Vice Foreign Minister Liu Zhenmin")
        child.expect_exact("qa>")
        child.send("\x03")  # Ctrl-C on an empty line: still running
        child.expect_exact("qa>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    screen = child.before or ""
    assert "Traceback" not in screen


def test_start_uses_the_opener(isolated_env: Path) -> None:
    calls: list[bool] = []

    def opener(rebuild: bool) -> tuple:
        calls.append(rebuild)
        return open_index(None, rebuild=rebuild)

    out = console()
    with create_pipe_input() as pipe:
        pipe.send_text(":reindex\r\x04")
        status = start(opener, Settings(), out, input=pipe, output=DummyOutput(), history=None)
    assert status == 0 and calls == [False, True]

