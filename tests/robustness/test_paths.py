"""Bad --docs paths: exit 2 and a sentence that says what is wrong."""

from __future__ import annotations

from pathlib import Path

from robust_helpers import MakeCorpus, RunQA, no_traceback

from qa.formats import SUPPORTED_EXTENSIONS

LOOKED_FOR = ", ".join(sorted(SUPPORTED_EXTENSIONS))


def test_missing_docs_is_exit_2_and_names_it(run_qa: RunQA, make_corpus: MakeCorpus, tmp_path: Path) -> None:
    good = make_corpus({"a.txt": "A heron."})
    missing = tmp_path / "no such folder"
    for args in (["--docs", str(missing)], ["--docs", str(good), "--docs", str(missing)]):
        result = run_qa("ask", *args, "heron")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == f"qa: error: no such file or folder: {missing}\n"
    from_env = run_qa("ask", "heron", env={"QA_DOCS": str(missing)})
    assert from_env.returncode == 2 and str(missing) in from_env.stderr


def test_empty_folder_is_exit_2_and_lists_extensions(run_qa: RunQA, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".hidden.txt").write_text("A hidden heron.", encoding="utf-8")
    result = run_qa("ask", "--docs", str(empty), "heron")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"qa: error: no documents found in {empty} (looked for {LOOKED_FOR})\n"
    assert ".txt" in LOOKED_FOR and ".md" in LOOKED_FOR


def test_only_unsupported_files_is_exit_2(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.png": b"x", "b.exe": b"y", "c.xlsx": b"z"})
    result = run_qa("ask", "--docs", str(root), "anything")
    assert result.returncode == 2
    assert result.stderr == f"qa: error: no documents found in {root} (looked for {LOOKED_FOR})\n"
    no_traceback(result)


def test_a_file_given_directly_is_read_even_with_an_odd_name(run_qa: RunQA, tmp_path: Path) -> None:
    odd = tmp_path / "notes with space.txt"
    odd.write_text("A heron on its own.", encoding="utf-8")
    result = run_qa("ask", "--docs", str(odd), "heron")
    assert result.returncode == 0 and result.stderr == ""


def test_a_named_pipe_is_skipped_not_waited_on(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    import os

    root = make_corpus({"a.txt": "The keeper lit the lamp."})
    fifo = root / "pipe.txt"
    os.mkfifo(fifo)
    result = run_qa("ask", "--docs", str(fifo), "--docs", str(root / "a.txt"), "lamp", timeout=30)
    no_traceback(result)
    assert result.returncode == 0 and "a.txt:1:1" in result.stdout
    assert result.stderr == f"qa: warning: skipping {fifo}: not a regular file\n"


def test_invalid_include_and_exclude_patterns_are_usage_errors(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.txt": "The keeper lit the lamp."})
    for option, pattern in (("--exclude", "!"), ("--exclude", "\\"), ("--include", "[z-a]")):
        result = run_qa("ask", "--docs", str(root), option, pattern, "lamp")
        no_traceback(result)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"qa: error: invalid {option} pattern ") and result.stderr.count("\n") == 1


def test_a_bad_line_in_an_ignore_file_is_a_warning(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.txt": "The keeper lit the lamp.", "b.md": "The lamp is out.", ".gitignore": "!\n*.md\n"})
    result = run_qa("ask", "--docs", str(root), "lamp", "--format", "jsonl")
    no_traceback(result)
    assert result.returncode == 0
    assert result.stderr.startswith("qa: warning: ignoring the pattern '!' in ") and result.stderr.count("\n") == 1
    assert "a.txt" in result.stdout and "b.md" not in result.stdout  # the good line still applies


def test_qa_docs_that_names_nothing_is_a_usage_error(run_qa: RunQA) -> None:
    result = run_qa("ask", "lamp", env={"QA_DOCS": ":::"})
    no_traceback(result)
    assert result.returncode == 2 and result.stderr == "qa: error: QA_DOCS=':::' names no file or folder\n"


def test_a_named_pipe_as_ignore_file_is_skipped(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    import os

    root = make_corpus({"a.txt": "The keeper lit the lamp."})
    os.mkfifo(root / ".gitignore")
    result = run_qa("ask", "--docs", str(root), "lamp", timeout=30)
    no_traceback(result)
    assert result.returncode == 0 and "a.txt:1:1" in result.stdout
    assert result.stderr == f"qa: warning: skipping {root / '.gitignore'}: not a regular file\n"
