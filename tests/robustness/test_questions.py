"""Bad questions: a clear answer for each, and nothing hostile ever reaches the terminal raw."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import qa_command
from robust_helpers import CLEAR, OSC52, MakeCorpus, RunQA, no_traceback, raw_escapes

from qa.errors import QueryError
from qa.refresh import open_index
from qa.search import MAX_QUESTION_CHARS, search

SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"


@pytest.mark.parametrize("question", ["", "   ", "\t\n", "\u3000"])
def test_empty_question_is_exit_2(run_qa: RunQA, question: str) -> None:
    result = run_qa("ask", question)
    assert result.returncode == 2
    assert result.stderr == "qa: error: empty question\n"
    assert result.stdout == ""


def test_blank_lines_on_stdin_are_skipped(run_qa: RunQA) -> None:
    result = run_qa("ask", "-", input="\n   \n\t\n")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "qa: warning: no questions on stdin\n"


@pytest.mark.parametrize("question", ["what is the", "?!...", "—", "how is ... the?"])
def test_stopwords_or_punctuation_is_exit_1_with_a_reason(run_qa: RunQA, question: str) -> None:
    result = run_qa("ask", question)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "qa: nothing to search for: the question has only stopwords or punctuation\n"


def test_ten_thousand_characters_accepted_one_more_refused(run_qa: RunQA) -> None:
    longest = ("nuclear test " * 800)[: MAX_QUESTION_CHARS - 1] + "x"
    assert len(longest) == MAX_QUESTION_CHARS == 10_000
    ok = run_qa("ask", longest, "-k", "1")
    assert ok.returncode == 0 and ok.stdout.startswith("[1] seeds/"), ok.stderr
    no_traceback(ok)
    too_long = run_qa("ask", longest + "y")
    assert too_long.returncode == 2
    assert too_long.stderr == "qa: error: question too long (10,001 characters; at most 10,000)\n"


def test_too_long_question_on_stdin_is_warned_and_the_rest_answered(run_qa: RunQA) -> None:
    result = run_qa("ask", "-", "--format", "jsonl", input="x" * 10_001 + "\nnuclear test\n")
    assert result.returncode == 0
    assert [json.loads(line)["question"] for line in result.stdout.splitlines()] == ["nuclear test"]
    assert "question too long" in result.stderr and len(result.stderr.splitlines()) == 1


def _hostile_corpus(make_corpus: MakeCorpus) -> Path:
    return make_corpus({
        f"evil{CLEAR}.txt": f"The heron {CLEAR} cleared {OSC52} the screen \x9b2J again.\n\n"
                            + f"\x1b[31m{CLEAR}" * 20 + "\n\nThe heron \u202eneves\u202c reversed.",
        "plain.txt": "A grey heron waits in the reeds.",
    })


@pytest.mark.parametrize("color", ["always", "never"])
@pytest.mark.parametrize("fmt", ["rich", "text", "markdown", "auto"])
def test_escape_sequences_never_reach_the_terminal(run_qa: RunQA, make_corpus: MakeCorpus,
                                                   color: str, fmt: str) -> None:
    root = _hostile_corpus(make_corpus)
    question = f"heron {OSC52} {CLEAR} cleared"
    result = run_qa("ask", "--docs", str(root), "--format", fmt, "--color", color, "--explain",
                    question, "-k", "5", "-C", "2")
    assert result.returncode == 0, result.stderr
    assert raw_escapes(result.stdout) == [] and raw_escapes(result.stderr) == []
    assert "\u241b" in result.stdout  # shown as a visible ␛
    assert "cleared" in result.stdout
    if color == "never":
        assert "\x1b" not in result.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_escape_sequences_are_escaped_in_json(run_qa: RunQA, make_corpus: MakeCorpus, fmt: str) -> None:
    root = _hostile_corpus(make_corpus)
    result = run_qa("ask", "--docs", str(root), "--format", fmt, f"heron {OSC52} cleared", "-k", "5")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    data = json.loads(result.stdout)
    texts = [h["text"] for h in data["results"]]
    assert any(CLEAR in t for t in texts)  # the data itself is kept exactly, escaped by JSON


def test_batch_questions_and_no_match_lines_are_cleaned(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = _hostile_corpus(make_corpus)
    questions = f"heron {CLEAR}\nzeppelin\x1b[5;5H\n\x1b]0;pwned\x07 zeppelin\n"
    for color in ("always", "never"):
        result = run_qa("ask", "-", "--docs", str(root), "--format", "rich", "--color", color, input=questions)
        assert result.returncode == 0
        assert "Q: heron ␛[2J" in result.stdout
        assert raw_escapes(result.stdout) == [] and raw_escapes(result.stderr) == []
        assert result.stderr.count("no match") == 2


def test_escape_sequences_in_a_no_match_message(run_qa: RunQA) -> None:
    result = run_qa("ask", f"zeppelin{OSC52}", "--color", "always")
    assert result.returncode == 1 and result.stdout == ""
    assert raw_escapes(result.stderr) == [] and result.stderr.startswith("qa: no match")


def test_escape_sequences_in_warnings_and_errors(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        f"bin{CLEAR}.txt": b"\x00\x01binary",
        f"bad{OSC52}.txt": b"A heron \xff with a bad byte.",
        "ok.txt": "A heron.",
    })
    (root / f"link{CLEAR}.txt").symlink_to(root / "nowhere")
    result = run_qa("ask", "--docs", str(root), "heron", "--color", "always")
    assert result.returncode == 0
    assert len(result.stderr.splitlines()) == 3, result.stderr
    assert raw_escapes(result.stderr) == [] and raw_escapes(result.stdout) == []
    missing = run_qa("ask", "--docs", f"/no/such{CLEAR}", "heron")
    assert missing.returncode == 2 and raw_escapes(missing.stderr) == []
    assert missing.stderr == "qa: error: no such file or folder: /no/such␛[2J\n"
    usage = run_qa("ask", "heron", f"--bogus{OSC52}")
    assert usage.returncode == 2 and raw_escapes(usage.stderr) == [] and len(usage.stderr.splitlines()) == 1


def test_rtl_emoji_and_control_characters(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"intl.txt": "שלום עולם היא ברכה. The 🦩 flamingo stands on one leg. مرحبا بالعالم.\n"})
    for question in ["שלום", "🦩 flamingo", "flamingo\x01\x02\x7f", "\u202eflamingo", "مرحبا"]:
        result = run_qa("ask", "--docs", str(root), "--color", "always", "--format", "rich", question)
        assert result.returncode == 0, (question, result.stderr)
        assert "intl.txt:1:1" in result.stdout
        assert raw_escapes(result.stdout) == [] and result.stderr == ""


def test_nul_in_a_question_on_stdin(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.txt": "The flamingo stands on one leg."})
    result = run_qa("ask", "-", "--docs", str(root), "--format", "text", input="Q\x00flamingo\x00 leg\n")
    assert result.returncode == 0 and "\x00" not in result.stdout and "a.txt:1:1" in result.stdout
    no_traceback(result)


@pytest.mark.parametrize("fmt", ["jsonl", "text", "rich"])
def test_invalid_utf8_on_stdin(fmt: str) -> None:
    out = subprocess.run([*qa_command(), "ask", "-", "--format", fmt, "--color", "never"],
                         input=b"nuclear \xff\xfe test\n\xc3\n", capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    stdout = out.stdout.decode("utf-8")  # valid UTF-8 out, whatever came in
    only_stopwords = "nothing to search for: the question has only stopwords or punctuation"
    assert out.stderr.decode("utf-8") == f"qa: '\ufffd': {only_stopwords}\n"  # the lone bad byte
    if fmt == "jsonl":
        data = json.loads(stdout.splitlines()[0])
        assert "\ufffd" in data["question"] and data["results"]


def test_invalid_utf8_in_the_argument() -> None:
    out = subprocess.run([*qa_command(), "ask", b"nuclear \xff test", "--format", "json"],
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["results"] and "\\udc" not in out.stdout.decode("utf-8")


def test_library_search_on_bad_questions_raises_typed_errors() -> None:
    index, _ = open_index(None)
    for bad in ("", " \n", "x" * 10_001):
        with pytest.raises(QueryError):
            search(index, bad)
    assert search(index, SEEDS_Q).hits
    assert search(index, "what is the ?!").hits == []


@pytest.mark.parametrize("command", [["ask", "-"], ["repl"], []])
def test_a_closed_stdin_reads_as_empty(make_corpus: MakeCorpus, command: list[str]) -> None:
    """``qa ask - <&-``: Python's sys.stdin is None; that is no questions, not an internal error."""
    from robust_helpers import shell_qa

    root = make_corpus({"a.txt": "The keeper lit the lamp."})
    args = " ".join(command)
    result = subprocess.run(["bash", "-c", f"{shell_qa()} --docs '{root}' {args} <&-"],
                            capture_output=True, text=True, timeout=60)
    no_traceback(result)
    assert "internal error" not in result.stderr
    assert result.stdout == ""
    assert result.returncode in (0, 1), result.stderr  # repl: a session with nothing typed; ask: no questions
