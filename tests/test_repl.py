"""The REPL, driven for real: prompt-toolkit pipe input, a recording console, and a pty.

``python tests/test_repl.py`` prints the README transcript again from a real
session.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

import qa.repl
from qa.refresh import open_index
from qa.repl import (
    CorpusCompleter,
    Repl,
    Session,
    Settings,
    corpus_words,
    describe_roots,
    history_path,
    private_history,
    start,
)
from qa.search import search

ROOT = Path(__file__).resolve().parent.parent
SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"
CITE = "seeds/000_491430e7b4296c73.txt:7:1"


def console(width: int = 120) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, record=True)


def new_session(settings: Settings | None = None) -> Session:
    index, report = open_index(None)
    return Session(index=index, report=report, settings=settings or Settings(),
                   reopen=lambda rebuild: open_index(None, rebuild=rebuild))


def run_session(keys: str, history_file: Path | None = None, settings: Settings | None = None,
                editor: str = "", later: str = "", debug: bool = False) -> tuple[int, str, Session]:
    """Type ``keys`` (then ``later``, a moment after) into a real REPL over the seeds.

    Returns:
        The exit status, the text the console shows, and the session.
    """
    out = console()
    session = new_session(settings)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        history = private_history(history_file) if history_file else None
        repl = Repl(session, out, input=pipe, output=DummyOutput(), history=history, editor=editor, debug=debug)
        if later:

            def send_later() -> None:
                repl.words()  # completion may wait for the words: a loaded machine must not outrun it
                time.sleep(0.5)
                pipe.send_text(later)

            threading.Thread(target=send_later, daemon=True).start()
        status = repl.run()
    return status, out.export_text(), session


# -- questions and commands -------------------------------------------------


def test_question_then_ctrl_d() -> None:
    status, screen, _ = run_session(SEEDS_Q + "\r\x04")
    assert status == 0
    assert screen.splitlines()[0] == (
        "qa: 2 documents, 43 sentences in the bundled seeds. Ask a question; :help for commands, Ctrl-D to quit."
    )
    assert f"[1] {CITE}" in screen
    assert "Vice Foreign Minister Liu Zhenmin led" in screen


def test_commands() -> None:
    keys = "\r".join([":k 1", SEEDS_Q, ":show 1", ":docs", ":context 0", ":explain", "sixth nuclear test",
                      ":bogus", ":k many", ":show 9", ":help", ":quit"]) + "\r"
    status, screen, session = run_session(keys)
    assert status == 0
    assert session.settings.k == 1 and session.settings.context == 0 and session.settings.explain
    assert "[2]" not in screen  # :k 1 took effect
    assert "showing 1 sentence per answer" in screen
    assert "7 Vice Foreign Minister Liu Zhenmin led" in screen  # :show prints line numbers
    assert any(line.split() == ["seeds/003_3ffbbf34607cdfd1.txt", "16"] for line in screen.splitlines())
    assert "why:" in screen  # :explain
    assert "unknown command :bogus; type :help for the list" in screen
    assert "usage: :k N" in screen
    assert "the last answer has 1 hit" in screen
    assert ":reindex" in screen and ":open N" in screen  # help lists commands with the prefix


def test_k_changes_the_number_of_answers() -> None:
    _, screen, _ = run_session(f":k 5\r{SEEDS_Q}\r\x04")
    assert "[5] " in screen and "[6] " not in screen


def test_show_prints_the_whole_paragraph_with_line_numbers() -> None:
    _, screen, _ = run_session("sixth nuclear test\r:show 1\r\x04")
    shown = screen.split(":show", 1)[-1] if ":show" in screen else screen
    assert "seeds/003_3ffbbf34607cdfd1.txt\n15 North Korea staged its sixth nuclear test on September 3" in shown


def test_show_pages_long_paragraphs_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.pager import Pager

    paged: list[str] = []

    class Recorder(Pager):
        def show(self, content: str) -> None:
            paged.append(content)

    monkeypatch.setattr(qa.repl, "_isatty", lambda stream: True)
    monkeypatch.setattr(qa.repl, "_pager", lambda: (Recorder(), False))
    out = Console(file=io.StringIO(), width=100, height=3, color_system=None, record=True)
    repl = Repl(new_session(), out, input=None, output=DummyOutput())
    repl.handle("Pang Kwang Hyok")
    repl.handle(":show 1")
    assert len(paged) == 1 and "Pang" in paged[0]


def test_ctrl_c_clears_the_line_and_does_not_exit() -> None:
    status, screen, session = run_session("half typed\x03" + SEEDS_Q + "\r\x03\x04")
    assert status == 0
    assert session.last is not None and session.last.question == SEEDS_Q  # "half typed" was dropped
    assert CITE in screen


def test_empty_stopwords_and_no_match_do_not_raise() -> None:
    status, screen, _ = run_session("\r   \rwhat is the\rzeppelin quasar\r:\r\x04")
    assert status == 0
    assert "nothing to search for: the question has only stopwords or punctuation" in screen
    assert "no match: not in the documents: zeppelin, quasar" in screen
    assert "type :help for commands" in screen


def test_an_unexpected_error_is_one_line_and_the_session_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import qa.search

    real = qa.search.search

    def flaky(index: object, question: str, **kw: object) -> object:
        if "boom" in question:
            raise RuntimeError("disk on fire")
        return real(index, question, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(qa.search, "search", flaky)
    status, screen, _ = run_session(f"boom\r{SEEDS_Q}\r\x04")
    assert status == 0 and "error: RuntimeError: disk on fire" in screen and CITE in screen
    assert "Traceback" not in screen
    with pytest.raises(RuntimeError):
        run_session("boom\r\x04", debug=True)


def test_open_without_editor_and_with_one(tmp_path: Path) -> None:
    _, screen, _ = run_session(SEEDS_Q + "\r:open 1\r\x04")
    assert "set $EDITOR to open files; the hit is at " in screen and "000_491430e7b4296c73.txt:7" in screen
    marker = tmp_path / "opened"
    editor = f"{sys.executable} -c \"import sys; open({str(marker)!r}, 'w').write(' '.join(sys.argv[1:]))\""
    run_session(SEEDS_Q + "\r:open 1\r\x04", editor=editor)
    line, path = marker.read_text().split(" ", 1)
    assert line == "+7" and path.endswith("000_491430e7b4296c73.txt")
    _, screen, _ = run_session(SEEDS_Q + "\r:open 1\r\x04", editor="/nonexistent/editor")
    assert "cannot run '/nonexistent/editor'" in screen


def test_reindex_keeps_answering() -> None:
    status, screen, _ = run_session(":reindex\r" + SEEDS_Q + "\r\x04")
    assert status == 0 and "indexed 2 documents, 43 sentences" in screen and CITE in screen


def test_ctrl_c_during_reindex_keeps_the_index() -> None:
    index, report = open_index(None)

    def opener(rebuild: bool) -> tuple:
        if rebuild:
            raise KeyboardInterrupt
        return index, report

    out = console()
    with create_pipe_input() as pipe:
        pipe.send_text(f":reindex\r{SEEDS_Q}\r\x04")
        status = start(opener, Settings(), out, input=pipe, output=DummyOutput(), history=None)
    screen = out.export_text()
    assert status == 0 and "re-indexing interrupted; still using the previous index" in screen and CITE in screen


def test_start_uses_the_opener() -> None:
    calls: list[bool] = []

    def opener(rebuild: bool) -> tuple:
        calls.append(rebuild)
        return open_index(None, rebuild=rebuild)

    out = console()
    with create_pipe_input() as pipe:
        pipe.send_text(":reindex\r\x04")
        status = start(opener, Settings(), out, input=pipe, output=DummyOutput(), history=None)
    assert status == 0 and calls == [False, True]


# -- history ----------------------------------------------------------------


def test_history_survives_a_restart_and_is_private(isolated_env: Path) -> None:
    path = history_path()
    assert path == isolated_env / "xdg-data" / "qa" / "history"
    run_session(SEEDS_Q + "\r\x04", history_file=path)
    assert SEEDS_Q in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # Second session: Up recalls the last question from the file; Enter asks it again.
    status, screen, session = run_session("\x1b[A\r\x04", history_file=path)
    assert status == 0 and session.last is not None and session.last.question == SEEDS_Q
    assert CITE in screen


def test_ctrl_r_searches_the_history(isolated_env: Path) -> None:
    path = history_path()
    run_session(f"sixth nuclear test\r{SEEDS_Q}\r\x04", history_file=path)
    _, _, session = run_session("\x12sixth\r\r\x04", history_file=path)
    assert session.last is not None and session.last.question == "sixth nuclear test"


def test_unwritable_data_folder_keeps_history_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    from prompt_toolkit.history import InMemoryHistory

    assert isinstance(private_history(blocker / "qa" / "history"), InMemoryHistory)


# -- completion -------------------------------------------------------------


def test_completion_of_commands_and_words() -> None:
    completer = CorpusCompleter(lambda: ["delegate", "delegation", "Denuclearisation", "Korea"])
    words = [c.text for c in completer.get_completions(Document("the deleg"), CompleteEvent())]
    assert words == ["delegate", "delegation"]
    assert [c.text for c in completer.get_completions(Document("kor"), CompleteEvent())] == ["Korea"]
    assert [c.text for c in completer.get_completions(Document(":re"), CompleteEvent())] == [":reindex"]
    assert [c.text for c in completer.get_completions(Document(":s"), CompleteEvent())] == [":show"]
    assert list(completer.get_completions(Document(":show 1"), CompleteEvent())) == []


def test_corpus_words_are_surface_words_not_stems() -> None:
    index, _ = open_index(None)
    words = corpus_words(index)
    assert "Pyongyang" in words and "delegation" in words and "Korea" in words
    assert "deleg" not in words and "korea" not in words  # no stems; the corpus's own spelling
    completer = CorpusCompleter(lambda: words)
    assert "Pyongyang" in [c.text for c in completer.get_completions(Document("pyong"), CompleteEvent())]


def test_corpus_words_are_bounded_and_whole(make_corpus: Callable[[dict[str, str | bytes]], Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"Sentence number {i} mentions zebra{chr(97 + i % 26)}quartz here.\n\n" for i in range(400))
    root = make_corpus({"many.txt": text + "The very last one names Xylophone."})
    index, _ = open_index([str(root)])
    monkeypatch.setattr(qa.repl, "_COMPLETION_PIECE", 200)
    words = corpus_words(index, limit=2_000)
    corpus = set(re.findall(r"\w+", text + "The very last one names Xylophone."))
    assert words and set(words) <= corpus  # pieces never yield half words
    assert len([w for w in words if w.startswith("zebra")]) < 26  # bounded: a sample, not all


def test_tab_completes_in_a_live_session() -> None:
    _, screen, session = run_session("who is Pang Kwang Hyo\t", later="\r\x04")
    assert session.last is not None and session.last.question == "who is Pang Kwang Hyok"
    assert "Pang Kwang Hyok" in screen


# -- the command line -------------------------------------------------------


def test_describe_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.corpus import bundled_seeds

    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    assert describe_roots([str(bundled_seeds()), "notes", str(tmp_path)]) == "the bundled seeds, notes, ."


def test_repl_reads_a_script_from_a_pipe(run_qa: Callable[..., CompletedProcess[str]], tmp_path: Path,
                                         isolated_env: Path) -> None:
    script = f":k 1\n{SEEDS_Q}\n:docs\n:bogus\nzeppelin\n:quit\nnot asked\n"
    result = run_qa("repl", input=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Input is not a terminal" not in result.stderr
    assert f"Q: {SEEDS_Q}\n[1] {CITE}" in result.stdout and "[2]" not in result.stdout  # the question first
    assert "seeds/003_3ffbbf34607cdfd1.txt" in result.stdout  # :docs
    # stdout is not a terminal: it carries answers only, the session's messages go to stderr.
    assert result.stderr.splitlines() == ["showing 1 sentence per answer",
                                          "unknown command :bogus; type :help for the list",
                                          "'zeppelin': no match: not in the documents: zeppelin"]
    assert "unknown command" not in result.stdout and "no match" not in result.stdout
    assert "\x1b" not in result.stdout and "qa>" not in result.stdout
    assert not (isolated_env / "xdg-data" / "qa" / "history").exists()


def test_qa_without_a_command_on_a_pipe_answers_each_line(run_qa: Callable[..., CompletedProcess[str]],
                                                          tmp_path: Path) -> None:
    result = run_qa("-k", "1", input=SEEDS_Q + "\n", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith(f"Q: {SEEDS_Q}\n[1] {CITE}")
    assert "Ask a question" not in result.stdout


@pytest.fixture
def pty_env(isolated_env: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "120", "LINES": "40"})
    env.pop("EDITOR", None)
    env.pop("VISUAL", None)
    return env


def test_real_pty_session(pty_env: dict[str, str], tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    from conftest import qa_command

    cmd = qa_command()
    log = io.StringIO()
    child = pexpect.spawn(cmd[0], cmd[1:], env=pty_env, cwd=str(tmp_path), encoding="utf-8",
                          timeout=30, dimensions=(40, 120))
    child.logfile_read = log
    try:
        child.expect_exact("Ctrl-D to quit")
        child.expect_exact("qa>")
        child.send(SEEDS_Q + "\r")
        child.expect_exact(CITE)
        child.expect_exact("Vice Foreign Minister Liu Zhenmin")
        child.expect_exact("qa>")
        child.send("half typed")
        child.expect_exact("typed")
        child.send("\x03")  # Ctrl-C clears the line: still running
        child.expect_exact("qa>")
        child.send(":sh\t")  # Tab completes the command
        child.expect_exact(":show")
        child.send(" 1\r")
        child.expect_exact("Vice Foreign Minister Liu Zhenmin led a Chinese delegation")  # the paragraph
        child.expect_exact("qa>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    except pexpect.TIMEOUT:  # pragma: no cover - show the screen on failure
        pytest.fail("timed out; the screen was:\n" + log.getvalue()[-3000:])
    finally:
        child.close()
    assert child.exitstatus == 0
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x1b\x07]*(\x07|\x1b\\)", "", log.getvalue())
    index, _ = open_index(cache=False)  # the bundled seeds, as the session used
    best = search(index, SEEDS_Q, k=1).hits[0]
    assert f"{CITE}  score {best.score:.2f}" in screen  # the cited answer, with its OSC 8 link stripped
    assert "file://" in log.getvalue()  # the citation is a hyperlink on a terminal
    assert "Traceback" not in screen


# -- the README transcript ----------------------------------------------------


def transcript(inputs: list[str], out: Console) -> str:
    """What a session over the seeds shows for ``inputs``, prompts included, as on a terminal."""
    from rich.text import Text

    repl = Repl(new_session(), out, input=None, output=DummyOutput())
    repl.banner()
    for line in inputs:
        out.print(Text("qa> ", style="bold") + Text(line), soft_wrap=True)
        repl.handle_safely(line)
    return "\n".join(line.rstrip() for line in out.export_text(clear=False).splitlines())


def _readme_session() -> tuple[list[str], str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Interactive REPL", 1)[1]
    block = re.search(r"```console\n\$ qa\n(.*?)\n```", section, re.DOTALL)
    assert block, "README has an '## Interactive REPL' section with a '$ qa' transcript"
    shown = block.group(1)
    return [line[4:] for line in shown.splitlines() if line.startswith("qa> ")], shown


def test_readme_transcript_is_real_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inputs, shown = _readme_session()
    assert inputs and any(i.startswith(":") for i in inputs)
    assert transcript(inputs, console(width=100)) == shown


#: The session README's screenshot shows, on an 80-column colour terminal.
SCREENSHOT_INPUTS = ["When did North Korea test its sixth nuclear bomb?", ":sho 1", ":show 1"]
SCREENSHOT = ROOT / "tests" / "screenshots" / "repl.svg"


def screenshot_svg() -> str:
    """README's screenshot: a real session over the seeds, recorded by rich as SVG."""
    out = Console(file=io.StringIO(), width=80, height=40, force_terminal=True, color_system="truecolor",
                  record=True, legacy_windows=False)
    transcript(SCREENSHOT_INPUTS, out)
    return out.export_svg(title="qa", unique_id="qa-repl")  # the default id hashes file links: install paths


def test_readme_screenshot_is_a_real_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## Usage", 1)[1].lstrip()
    assert usage.startswith("![") and "(tests/screenshots/repl.svg)" in usage.splitlines()[0]  # Usage opens with it
    assert SCREENSHOT.read_text(encoding="utf-8") == screenshot_svg()


if __name__ == "__main__":  # print the README transcript from a real session; --svg rewrites the screenshot
    if sys.argv[1:] == ["--svg"]:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_text(screenshot_svg(), encoding="utf-8")
    else:
        questions, _ = _readme_session()
        print(transcript(questions, console(width=100)))


# -- papercuts: quit words, mistyped commands, suggestions, PDFs -------------------


@pytest.mark.parametrize("word", ["quit", "exit", "  QUIT  ", "Exit"])
def test_quit_or_exit_alone_leaves_without_searching(word: str) -> None:
    status, screen, session = run_session(f"{word}\r{SEEDS_Q}\r")
    assert status == 0 and session.done
    assert session.last is None and CITE not in screen  # left at once: nothing searched, the next line unread


def test_quit_inside_a_question_is_a_question() -> None:
    _, _, session = run_session("quit smoking\r\x04")
    assert session.last is not None and session.last.question == "quit smoking"


@pytest.mark.parametrize(("typed", "hint"), [
    (":sho 1", "did you mean :show?"), (":shwo 1", "did you mean :show?"), (":reindx", "did you mean :reindex?"),
    (":expain", "did you mean :explain?"), (":zzz", "type :help for the list"),
])
def test_an_unknown_command_suggests_the_closest(typed: str, hint: str) -> None:
    _, screen, _ = run_session(f"{typed}\r\x04")
    assert f"unknown command {typed.split()[0]}; {hint}" in screen


def test_suggestion_is_cut_to_the_rest_of_the_row() -> None:
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.history import InMemoryHistory

    from qa.cells import cell_len
    from qa.repl import OneRowSuggestion

    history = InMemoryHistory()
    long_question = "東京 " + "heron " * 600 + "END"
    history.append_string(long_question)
    buffer = Buffer(history=history)
    for width, typed in [(60, "東"), (60, "東京 her"), (80, "東京 " + "heron " * 20), (30, "東京 " + "heron " * 9)]:
        suggestion = OneRowSuggestion(lambda w=width: w).get_suggestion(buffer, Document(typed))
        assert suggestion is not None and long_question.startswith(typed + suggestion.text)
        used = (4 + cell_len(typed)) % width
        assert used + cell_len(suggestion.text) <= width - 1 < used + cell_len(suggestion.text) + 2
    assert OneRowSuggestion(lambda: 60).get_suggestion(buffer, Document("zebra")) is None


def _pdf_session(make_corpus: Callable[..., Path]) -> Session:
    from test_formats import make_pdf

    pdf = make_pdf([["Chapter one is about lighthouses.", "The keeper lit the lamp."],
                    ["Chapter two: the keeper polished the great lens every morning.",
                     "Ships saw the light from far away."]])
    root = make_corpus({"book.pdf": pdf})
    index, report = open_index([str(root / "book.pdf")])
    return Session(index=index, report=report, settings=Settings())


def test_show_for_a_pdf_gives_the_page_and_its_paragraph(make_corpus: Callable[..., Path]) -> None:
    out = console()
    repl = Repl(_pdf_session(make_corpus), out, input=None, output=DummyOutput())
    repl.handle("who polished the lens")
    repl.handle(":show 1")
    shown = out.export_text().split("book.pdf  page 2", 1)
    assert len(shown) == 2
    assert "the keeper polished the great lens every morning. Ships saw the light" in shown[1]
    assert not re.search(r"^\s*\d+ ", shown[1], re.MULTILINE)  # no line numbers of the extracted text


def test_open_for_a_pdf_starts_the_viewer_at_the_page(make_corpus: Callable[..., Path], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "viewer-args"
    viewer = tmp_path / "bin" / "zathura"
    viewer.parent.mkdir()
    viewer.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {record}\n")
    viewer.chmod(0o755)
    session = _pdf_session(make_corpus)
    path = str(session.index.docs[0].path)

    def opened(env_template: str | None, path_dirs: str) -> list[str]:
        record.unlink(missing_ok=True)
        if env_template is None:
            monkeypatch.delenv("QA_PDF_VIEWER", raising=False)
        else:
            monkeypatch.setenv("QA_PDF_VIEWER", env_template)
        monkeypatch.setenv("PATH", path_dirs)
        out = console()
        repl = Repl(session, out, input=None, output=DummyOutput(), editor="/bin/false")
        repl.handle("who polished the lens")
        repl.handle(":open 1")
        for _ in range(200):
            if record.exists() and record.read_text():
                break
            time.sleep(0.05)
        assert "opening book.pdf at page 2" in out.export_text()
        return record.read_text().splitlines()

    assert opened(None, str(viewer.parent)) == ["--page=2", path]  # a known viewer on PATH, with its page flag
    assert opened(f"{viewer} -P {{page}} {{path}}", "/nonexistent") == ["-P", "2", path]  # the template
    assert opened(f"{viewer} --at={{page}}", "/nonexistent") == ["--at=2", path]  # no {path}: added at the end
    viewer.rename(viewer.with_name("xdg-open"))
    assert opened(None, str(viewer.parent)) == [path]  # the system opener, which cannot choose the page


def test_open_for_a_pdf_without_any_viewer_says_where_the_hit_is(make_corpus: Callable[..., Path],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    out = console()
    repl = Repl(_pdf_session(make_corpus), out, input=None, output=DummyOutput(), editor="/bin/false")
    repl.handle("who polished the lens")
    repl.handle(":open 1")
    screen = out.export_text()
    assert "no PDF viewer found: set $QA_PDF_VIEWER" in screen and "book.pdf#page=2" in screen


def test_pdf_viewer_template_errors() -> None:
    from qa.repl import pdf_viewer

    with pytest.raises(ValueError):
        pdf_viewer("/a b.pdf", 3, template="viewer 'unclosed")
    assert pdf_viewer("/a b.pdf", 3, template="v {path}#{page}") == (["v", "/a b.pdf#3"], "v")
    assert pdf_viewer("/x.pdf", 1, template="", which=lambda name: None) is None
    found = pdf_viewer("/x.pdf", 7, template="", which=lambda name: f"/usr/bin/{name}" if name == "okular" else None)
    assert found == (["/usr/bin/okular", "--page", "7", "/x.pdf"], "okular")


def test_banner_names_the_collection() -> None:
    out = console()
    repl = Repl(new_session(), out, input=None, output=DummyOutput(), title="news")
    repl.banner()
    assert "in collection news (the bundled seeds)." in out.export_text()


def test_answers_wrap_at_the_terminal_width_in_the_session() -> None:
    out = Console(file=io.StringIO(), width=50, color_system=None, force_terminal=True, record=True)
    repl = Repl(new_session(), out, input=None, output=DummyOutput())
    repl.handle(SEEDS_Q)
    rows = out.export_text().splitlines()
    assert all(len(row) <= 50 for row in rows)
    hit = next(i for i, row in enumerate(rows) if row.startswith("  > Vice"))
    assert rows[hit + 1].startswith("    ") and not rows[hit + 1].startswith("     ")


def test_open_picks_the_program_and_line_for_each_kind_of_document(
        make_corpus: Callable[[dict[str, str | bytes]], Path], tmp_path: Path) -> None:
    """Word and EPUB files go to the system opener; a notebook opens at the top (its cells' lines are not the
    file's); a mail at the sentence's line when the body is stored as text, else at its message's first line."""
    sys.path.insert(0, str(ROOT / "tests"))
    from make_documents import make_docx, make_eml, make_epub, make_mbox, make_notebook, w_p, xhtml

    root = make_corpus({
        "a.docx": make_docx(w_p("Alpha paragraph words.")),
        "b.epub": make_epub([("c.xhtml", xhtml("<p>Bravo chapter words.</p>"))]),
        "c.ipynb": make_notebook([("markdown", "# Title\n\nCharlie cell words.")]),
        "d.eml": make_eml("Delta decoded words.\n", encoding="base64"),
        "e.mbox": make_mbox([make_eml("First.\n"), make_eml("Echo stored words.\n"),
                             make_eml("Foxtrot encoded words.\n", encoding="quoted-printable")]),
    })
    index, report = open_index([str(root)])
    marker = tmp_path / "ran"
    program = f"{sys.executable} -c \"import sys; open({str(marker)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\""
    out = console()
    session = Session(index=index, report=report, settings=Settings())
    words = ("alpha paragraph", "bravo chapter", "charlie cell", "delta decoded", "echo stored", "foxtrot encoded")
    lines = [x for w in words for x in (w, ":open 1")]
    repl = Repl(session, out, editor=program, lines=lines)
    record = f"import sys; open({str(marker)!r}, 'a').write('system ' + sys.argv[1] + '\\n')"
    repl.opener = [sys.executable, "-c", record]
    assert repl.run() == 0
    for _ in range(50):  # the system opener runs in the background
        if marker.exists() and marker.read_text().count("\n") == 6:
            break
        time.sleep(0.1)
    mbox = (root / "e.mbox").read_bytes().decode().split("\n")
    echo = next(i for i, ln in enumerate(mbox, 1) if ln.startswith("Echo stored"))
    foxtrot_from = [i for i, ln in enumerate(mbox, 1) if ln.startswith("From ann")][2]
    assert sorted(marker.read_text().splitlines()) == sorted([
        f"system {root / 'a.docx'}", f"system {root / 'b.epub'}", str(root / "c.ipynb"),
        f"+1 {root / 'd.eml'}", f"+{echo} {root / 'e.mbox'}", f"+{foxtrot_from} {root / 'e.mbox'}"])
    screen = out.export_text()
    assert "opening " in screen and "a.docx#p=1" in screen and "b.epub#OEBPS/c.xhtml:6:4" in screen
