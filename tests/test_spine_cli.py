"""The real ``qa`` entry point with stdout a pipe: formats, batch mode, exit codes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

SEEDS_Q = "Who led the Chinese delegation that went to North Korea?"
LIU = "Vice Foreign Minister Liu Zhenmin led a Chinese delegation"
ANSI = re.compile(r"\x1b[\[\]]")
RunQA = Callable[..., CompletedProcess[str]]

SMALL = {
    "notes/ships.txt": "Lighthouses guide ships at night.\nThe keeper lit the lamp at dusk.\n\nFog rolled in.",
    "notes/birds.md": "# Birds\n\nThe heron stood still in the marsh. It caught a fish.\n",
}


def test_seeds_example_from_the_issue(run_qa: RunQA, tmp_path: Path) -> None:
    result = run_qa("ask", SEEDS_Q, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    first = result.stdout.splitlines()[0]
    assert first.startswith("[1] seeds/000_491430e7b4296c73.txt:7:1 ")
    assert LIU in result.stdout.splitlines()[1]
    assert not ANSI.search(result.stdout)


def test_python_dash_m_works_too(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "qa", "ask", SEEDS_Q, "-k", "1"], capture_output=True, text=True,
                         cwd=tmp_path, encoding="utf-8")
    assert out.returncode == 0 and LIU in out.stdout


def test_json_schema_and_exact_offsets(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    result = run_qa("ask", "--docs", str(root), "--format", "json", "-k", "5", "-C", "1", "keeper lamp ships",
                    cwd=root.parent)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "results"}
    assert data["question"] == "keeper lamp ships"
    keys = {"rank", "score", "source", "path", "line", "column", "start", "end", "text", "before", "after",
            "title", "section", "label", "page", "lang", "duplicates", "paragraph", "cell", "message", "item", "from",
            "date"}
    assert data["results"]
    for i, hit in enumerate(data["results"], start=1):
        assert set(hit) == keys
        assert hit["rank"] == i
        assert hit["source"] == str(Path(hit["path"]).relative_to(root.parent))
        assert Path(hit["path"]).is_absolute()
        text = Path(hit["path"]).read_text(encoding="utf-8")
        assert text[hit["start"] : hit["end"]] == hit["text"]
        line_start = text.rfind("\n", 0, hit["start"]) + 1
        assert hit["line"] == text.count("\n", 0, hit["start"]) + 1
        assert hit["column"] == hit["start"] - line_start + 1
    scores = [h["score"] for h in data["results"]]
    assert scores == sorted(scores, reverse=True)
    top = data["results"][0]
    assert top["text"] == "The keeper lit the lamp at dusk."
    assert top["before"] == ["Lighthouses guide ships at night."]
    assert top["after"] == []  # "Fog rolled in." is another paragraph


def test_markdown_section_in_json(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    data = json.loads(run_qa("ask", "--docs", str(root), "--format", "json", "heron marsh").stdout)
    assert data["results"][0]["section"] == "Birds"
    assert data["results"][0]["title"] == "Birds"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "jsonl", "rich"])
def test_every_format_pipes_cleanly(run_qa: RunQA, fmt: str) -> None:
    result = run_qa("ask", "--format", fmt, "--color", "never", SEEDS_Q)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "seeds/000_491430e7b4296c73.txt" in result.stdout
    assert not ANSI.search(result.stdout)
    if fmt == "jsonl":
        assert len(result.stdout.splitlines()) == 1
        json.loads(result.stdout)
    if fmt == "markdown":
        assert "**Chinese**" in result.stdout


def test_text_and_rich_show_the_same_content(run_qa: RunQA) -> None:
    text = run_qa("ask", "--format", "text", SEEDS_Q).stdout
    rich = run_qa("ask", "--format", "rich", "--color", "always", SEEDS_Q).stdout
    plain = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", rich)
    assert ANSI.search(rich)
    assert plain.split() == text.split()


@pytest.mark.parametrize(
    ("env", "expect_color"),
    [({"FORCE_COLOR": "1"}, True), ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False), ({"TERM": "dumb"}, False)],
)
def test_colour_environment(run_qa: RunQA, env: dict[str, str], expect_color: bool) -> None:
    out = run_qa("ask", SEEDS_Q, env=env).stdout
    assert bool(ANSI.search(out)) == expect_color


def test_batch_mode_reads_one_question_per_line(run_qa: RunQA) -> None:
    questions = f"{SEEDS_Q}\n\n   \nWhen did North Korea conduct its sixth nuclear test?\n"
    result = run_qa("ask", "-", "--format", "jsonl", input=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == [SEEDS_Q, "When did North Korea conduct its sixth nuclear test?"]
    assert "sixth nuclear test on September 3" in lines[1]["results"][0]["text"]


def test_no_command_with_piped_stdin_is_batch(run_qa: RunQA) -> None:
    result = run_qa("--format", "text", input=SEEDS_Q + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Q: ")
    assert LIU in result.stdout


def test_exit_1_when_nothing_matches_names_the_missing_words(run_qa: RunQA) -> None:
    result = run_qa("ask", "zeppelin quasar")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "zeppelin" in result.stderr and "quasar" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_1_for_only_stopwords(run_qa: RunQA) -> None:
    result = run_qa("ask", "what is the")
    assert result.returncode == 1
    assert "stopwords" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("ask", "--docs", "/no/such/place", "x"), "/no/such/place"),
        (("ask", "--top", "many", "x"), "many"),
        (("ask", "--frobnicate", "x"), "frobnicate"),
        (("ask", "   "), "empty question"),
    ],
)
def test_exit_2_is_one_line_without_traceback(run_qa: RunQA, args: tuple[str, ...], needle: str) -> None:
    result = run_qa(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: ") and needle in lines[0]


def test_empty_folder_is_exit_2_listing_extensions(run_qa: RunQA, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "image.png").write_bytes(b"\x89PNG")
    result = run_qa("ask", "--docs", str(tmp_path / "empty"), "anything")
    assert result.returncode == 2
    assert "no documents found" in result.stderr and ".txt" in result.stderr and ".md" in result.stderr


def test_unsupported_files_are_counted_on_stderr(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({**SMALL, "pic.png": b"\x89PNG", "data.bin": b"\x00\x01"})
    result = run_qa("ask", "--docs", str(root), "heron")
    assert result.returncode == 0
    assert "skipped 2 files with unsupported extensions" in result.stderr


def test_bad_files_warn_once_and_do_not_stop_indexing(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "good.txt": "The heron stood in the marsh.",
        "latin1.txt": "The caf\xe9 near the marsh served tea.".encode("latin-1"),
        "binary.txt": b"\x00\x01\x02\x03 heron",
        "bom.txt": "\ufeffA heron with a BOM.".encode(),
        "utf16.txt": "A heron in UTF-16.".encode("utf-16"),
    })
    result = run_qa("ask", "--docs", str(root), "--format", "json", "-k", "10", "heron")
    assert result.returncode == 0
    warnings = result.stderr.splitlines()
    assert any("latin1.txt" in w and "UTF-8" in w for w in warnings)
    assert any("binary.txt" in w and "binary" in w for w in warnings)
    assert len(warnings) == 2
    texts = {h["text"] for h in json.loads(result.stdout)["results"]}
    assert {"The heron stood in the marsh.", "A heron with a BOM.", "A heron in UTF-16."} <= texts
    bom = next(h for h in json.loads(result.stdout)["results"] if "BOM" in h["text"])
    assert bom["column"] == 1


def test_index_command_reuses_and_refreshes(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    first = run_qa("index", "--docs", str(root))
    assert first.returncode == 0 and "built" in first.stdout and "sentences" in first.stdout
    assert "up to date" in run_qa("index", "--docs", str(root)).stdout
    (root / "notes" / "ships.txt").write_text("A new sentence about a violet heron.", encoding="utf-8")
    assert "built" in run_qa("index", "--docs", str(root)).stdout
    where = run_qa("index", "--where", "--docs", str(root)).stdout.strip()
    assert Path(where).is_dir()


def test_qa_docs_environment_variable(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    result = run_qa("ask", "heron", env={"QA_DOCS": str(root)})
    assert result.returncode == 0 and "birds.md" in result.stdout


# -- a question needs no command -------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["what", "is", "the", "GIL"], ["what is the GIL"], ["-k", "1", "what"], ["--docs", "d", "-k1", "what"],
    ["--docs=d", "what"], ["--doc", "d", "what"], ["-c", "py", "what"], ["--format", "json", "what"],
    ["--explain", "what"], ["--", "-what"], ["-"],
])
def test_a_first_word_that_is_no_command_is_a_question(argv: list[str]) -> None:
    from qa.cli import build_parser, route

    routed = route(argv, build_parser())
    i = routed.index("ask")
    assert routed[:i] + routed[i + 1 :] == argv  # "ask" inserted, nothing else changed
    assert routed[i + 1] in ("what", "what is the GIL", "--", "-")


@pytest.mark.parametrize("argv", [["index", "of", "refraction"], ["ask", "index", "x"], ["-k", "2", "repl"],
                                  ["collection", "list"], [], ["--docs", "d"], ["--version"], ["--"]])
def test_command_names_win(argv: list[str]) -> None:
    from qa.cli import build_parser, route

    assert route(argv, build_parser()) == argv


def test_qa_question_asks_like_qa_ask(run_qa: RunQA) -> None:
    bare = run_qa("Who", "led", "the", "Chinese", "delegation?", "-k", "2")
    quoted = run_qa("Who led the Chinese delegation?", "-k", "2")
    explicit = run_qa("ask", "Who led the Chinese delegation?", "-k", "2")
    assert bare.returncode == quoted.returncode == explicit.returncode == 0
    assert bare.stdout == quoted.stdout == explicit.stdout and LIU in bare.stdout
    index_question = run_qa("ask", "index", "of", "refraction")
    assert index_question.returncode == 1 and "not in the documents: index, refraction" in index_question.stderr
    command = run_qa("index", "of", "refraction")
    assert command.returncode == 2
    assert "to ask a question that starts with 'index': qa ask index ..." in command.stderr


def test_k_0_is_a_usage_error_as_in_the_repl(run_qa: RunQA) -> None:
    for args in (("ask", "-k", "0", "x"), ("-k", "0", "x"), ("ask", "--top=0", "x")):
        result = run_qa(*args)
        assert result.returncode == 2 and "must be 1 or more" in result.stderr and result.stdout == ""
    assert run_qa("ask", "-C", "0", "-k", "1", SEEDS_Q).returncode == 0  # no context is fine


def test_help_shows_three_examples(run_qa: RunQA) -> None:
    result = run_qa("--help")
    assert result.returncode == 0
    examples = result.stdout.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(examples) == 3 and all(line.startswith("  qa ") for line in examples)
    assert "qa [OPTIONS] QUESTION..." in result.stdout and "collection" in result.stdout
