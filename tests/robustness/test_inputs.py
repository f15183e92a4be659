"""Bad questions, bad documents, bad paths and bad output streams: clear answers, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from conftest import qa_command

from qa.engine import open_index
from qa.search import search

RunQA = Callable[..., CompletedProcess[str]]
SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"
#: What must never reach a terminal raw: clear screen, OSC 52 clipboard, any OSC/CSI from documents.
DANGEROUS = ("\x1b[2J", "\x1b]52", "\x07", "\x1b[31m\x1b[2J")


def no_traceback(result: CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


# -- questions ------------------------------------------------------------


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_empty_question_is_exit_2(run_qa: RunQA, question: str) -> None:
    result = run_qa("ask", question)
    assert result.returncode == 2 and "empty question" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize("question", ["the of and", "?!...", "—"])
def test_stopwords_or_punctuation_is_exit_1_with_a_reason(run_qa: RunQA, question: str) -> None:
    result = run_qa("ask", question)
    assert result.returncode == 1
    assert result.stderr.startswith("qa: ") and len(result.stderr.splitlines()) == 1
    no_traceback(result)


def test_ten_thousand_characters_accepted_more_refused(run_qa: RunQA) -> None:
    long_q = ("nuclear test " * 800)[:10_000]
    assert run_qa("ask", long_q).returncode == 0
    result = run_qa("ask", long_q + "x")
    assert result.returncode == 2 and "too long" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize("color", ["always", "never"])
@pytest.mark.parametrize("fmt", ["rich", "text", "markdown"])
def test_escape_sequences_never_reach_the_terminal(run_qa: RunQA, make_corpus: Callable[..., Path],
                                                   color: str, fmt: str) -> None:
    root = make_corpus({"evil\x1b[2J.txt": "The heron \x1b[2J cleared \x1b]52;c;aGVsbG8=\x07 the screen.\n\n"
                        + "\x1b[31m\x1b[2J" * 20})
    question = "heron \x1b]52;c;ZXZpbA==\x07 \x1b[2J cleared"
    result = run_qa("ask", "--docs", str(root), "--format", fmt, "--color", color, question, "-k", "5")
    assert result.returncode == 0
    for bad in DANGEROUS:
        assert bad not in result.stdout
        assert bad not in result.stderr
    assert "\u241b" in result.stdout  # shown as a visible ␛


def test_escape_sequences_in_no_match_messages(run_qa: RunQA) -> None:
    result = run_qa("ask", "zeppelin\x1b]52;c;ZXZpbA==\x07")
    assert result.returncode == 1
    for bad in DANGEROUS:
        assert bad not in result.stderr


def test_rtl_emoji_nul_and_control_characters(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"intl.txt": "שלום עולם היא ברכה. The 🦩 flamingo stands on one leg.\n"})
    for question in ["שלום", "🦩 flamingo", "flamingo\x01\x02", "\u202eflamingo"]:
        result = run_qa("ask", "--docs", str(root), question)
        assert result.returncode == 0, (question, result.stderr)
        assert "\u202e" not in result.stdout
        no_traceback(result)
    # NUL cannot be in an argument; it can arrive on stdin.
    result = run_qa("ask", "-", "--docs", str(root), input="flamingo\x00 leg\n")
    assert result.returncode == 0 and "\x00" not in result.stdout
    no_traceback(result)


def test_invalid_utf8_on_stdin(make_corpus: Callable[..., Path]) -> None:
    out = subprocess.run([*qa_command(), "ask", "-", "--format", "jsonl"], input=b"nuclear \xff\xfe test\n",
                         capture_output=True, timeout=60)
    assert out.returncode == 0
    data = json.loads(out.stdout.decode("utf-8"))
    assert "\ufffd" in data["question"] and data["results"]


# -- documents ------------------------------------------------------------


def test_awkward_documents_are_skipped_or_read(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "empty.txt": "",
        "blank.txt": "  \n\n\t \r\n",
        "ok.txt": "The lighthouse keeper lit the lamp.",
        "utf16.txt": "The heron was written in UTF-16.".encode("utf-16"),
        "escapes.txt": "\x1b[2J\x1b]0;title\x07" * 100,
        "image.png": b"\x89PNG\r\n",
    })
    result = run_qa("ask", "--docs", str(root), "--format", "json", "heron lamp", "-k", "5")
    assert result.returncode == 0, result.stderr
    texts = [h["text"] for h in json.loads(result.stdout)["results"]]
    assert "The heron was written in UTF-16." in texts and "The lighthouse keeper lit the lamp." in texts
    assert "skipped 1 file with unsupported extensions" in result.stderr
    no_traceback(result)


def test_symlink_loops_broken_links_and_deep_folders(run_qa: RunQA, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    deep = root
    for i in range(60):
        deep = deep / f"d{i}"
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text("The deepest heron of all.", encoding="utf-8")
    (root / "d0" / "loop").symlink_to(root, target_is_directory=True)
    (root / "broken.txt").symlink_to(root / "missing.txt")
    result = run_qa("ask", "--docs", str(root), "--format", "json", "deepest heron", timeout=60)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["results"]
    assert len({h["path"] for h in hits}) == 1 and hits[0]["text"] == "The deepest heron of all."
    assert "broken link" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_warned_others_indexed(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"secret.txt": "A hidden heron.", "open.txt": "An open heron."})
    (root / "secret.txt").chmod(0)
    result = run_qa("ask", "--docs", str(root), "heron")
    assert result.returncode == 0 and "open.txt" in result.stdout and "secret.txt" in result.stderr


def test_strange_file_names_stay_one_line_and_valid_json(run_qa: RunQA, tmp_path: Path) -> None:
    root = tmp_path / "names"
    root.mkdir()
    (root / "with space.txt").write_text("A heron with spaces.", encoding="utf-8")
    (root / "new\nline.txt").write_text("A heron with a newline.", encoding="utf-8")
    os.close(os.open(os.fsencode(root) + b"/bad\xffbyte.txt", os.O_WRONLY | os.O_CREAT))
    Path(os.fsdecode(os.fsencode(root) + b"/bad\xffbyte.txt")).write_text("A heron with a bad byte.")
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "3", "-C", "0")
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(headers) == 3
    js = run_qa("ask", "--docs", str(root), "heron", "-k", "3", "--format", "jsonl")
    data = json.loads(js.stdout)
    assert len(data["results"]) == 3
    no_traceback(js)


def test_file_disappearing_during_indexing(make_corpus: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_corpus({"a.txt": "A heron stays.", "b.txt": "A heron leaves."})
    import qa.corpus

    real = qa.corpus.read_document
    warnings: list[str] = []

    def vanishing(file, warn):
        if file.path.name == "b.txt":
            file.path.unlink(missing_ok=True)
        return real(file, warn)

    monkeypatch.setattr(qa.corpus, "read_document", vanishing)
    monkeypatch.setattr("qa.build.read_document", vanishing)
    index, _ = open_index([str(root)], warn=warnings.append)
    assert [d.source.endswith("a.txt") for d in index.docs] == [True]
    assert any("b.txt" in w for w in warnings)


def test_a_huge_line_is_indexed_in_bounded_chunks(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    size = 8_000_000
    (root / "line.txt").write_text(("lorem ipsum heron " * (size // 18 + 1))[:size], encoding="utf-8")
    code = (
        "import resource, json\nfrom qa.engine import open_index\nfrom qa.search import search\n"
        f"index, _ = open_index([{str(root)!r}])\n"
        "h = search(index, 'heron', k=1).hits[0]\n"
        "text = open(h.path, encoding='utf-8').read()\n"
        "print(json.dumps({'n': index.n_chunks, 'ok': text[h.start:h.end] == h.text, 'len': len(h.text),"
        " 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=os.environ)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["ok"] and data["len"] <= 1000 and data["n"] >= size // 1000
    assert data["rss"] < 600_000  # KB: a few times the text, not quadratic


# -- paths ----------------------------------------------------------------


def test_only_unsupported_files_is_exit_2(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"a.png": b"x", "b.exe": b"y"})
    result = run_qa("ask", "--docs", str(root), "anything")
    assert result.returncode == 2 and "no documents found" in result.stderr
    no_traceback(result)


# -- output ---------------------------------------------------------------


@pytest.mark.parametrize("consumer", ["head -1", "true"])
def test_broken_pipe_is_quiet(consumer: str) -> None:
    cmd = " ".join(f"'{c}'" for c in qa_command())
    shell = f"{cmd} ask -k 20 -C 3 'North Korea' | {consumer}; echo \"status=${{PIPESTATUS[0]}}\" >&2"
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert "status=0" in out.stderr
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr and "Exception" not in out.stderr


def test_closed_stdout_and_full_disk() -> None:
    cmd = " ".join(f"'{c}'" for c in qa_command())
    closed = subprocess.run(["bash", "-c", f"{cmd} ask 'nuclear test' >&-"], capture_output=True, text=True)
    assert closed.returncode == 2 and closed.stderr.startswith("qa: error:") and "Traceback" not in closed.stderr
    if Path("/dev/full").exists():
        full = subprocess.run(["bash", "-c", f"{cmd} ask 'nuclear test' > /dev/full"], capture_output=True, text=True)
        assert full.returncode == 2
        assert re.fullmatch(r"qa: error: cannot write output: .*\n", full.stderr)


def test_library_search_on_bad_question_raises_typed_error() -> None:
    from qa.errors import QueryError

    index, _ = open_index(None)
    with pytest.raises(QueryError):
        search(index, "")
    assert search(index, SEEDS_Q).hits
