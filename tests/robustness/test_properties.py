"""Property tests: chunking loses and invents nothing; search never raises and cites real text."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sentences import split as chunk_text

from qa.chunking import MAX_CHUNK_CHARS, SentenceSplitter
from qa.errors import CorpusError, QueryError
from qa.formats import extract_text
from qa.refresh import open_index
from qa.search import search

SPLITTER = SentenceSplitter()
PIECES = st.sampled_from([*list("ab Zé.?!\n\r\t\"'’—-12U.S.Mr 東🦩"), "\n\n", ". ", "Dr. ", "\x1b[2J", "\u00a0",
                          "\u2028", "x" * 700, " y" * 400])
TEXT = st.lists(PIECES, max_size=300).map("".join)
FAST = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def check_chunks(text: str) -> None:
    """What chunking promises for any plain text (.txt: no markup is blanked)."""
    extracted = extract_text(text)
    chunks = chunk_text(text, extracted.blocks, SPLITTER)
    covered = [False] * len(text)
    if extracted.title is not None and (not chunks or chunks[0].text != extracted.title):
        # The title line names the document and is no sentence (unless it is all the file holds).
        start = text.index(extracted.title)
        assert not text[:start].strip()
        covered[start : start + len(extracted.title)] = [True] * len(extracted.title)
    prev_end = 0
    for i, c in enumerate(chunks):
        assert c.ordinal == i
        assert prev_end <= c.start < c.end <= len(text)  # ordered, non-overlapping, never empty
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and len(c.text) <= MAX_CHUNK_CHARS
        line_start = text.rfind("\n", 0, c.start) + 1
        assert c.line == text.count("\n", 0, c.start) + 1 and c.column == c.start - line_start + 1
        for j in range(c.start, c.end):
            covered[j] = True
        prev_end = c.end
    # Everything outside the chunks and the title is whitespace or a run without a letter or digit (a lone
    # "." is no sentence): no text is lost (and by the above, none duplicated).
    lost = "".join(text[j] if not covered[j] else " " for j in range(len(text)))
    assert not re.search(r"[^\W_]", lost), lost


@FAST
@given(TEXT)
def test_chunking_loses_and_duplicates_nothing(text: str) -> None:
    check_chunks(text)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_chunking_arbitrary_unicode(text: str) -> None:
    check_chunks(text)


WORD = st.sampled_from("heron marsh lamp the of U.S. Mr. Korea’s 1994 café 🦩 a \x1b[2J שלום".split())
SENTENCE = st.lists(WORD, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")
SEP = st.sampled_from([" ", "\n", "\n\n", "\r\n", "\r\n\r\n", "\t"])
DOC = st.one_of(
    st.lists(st.tuples(SENTENCE, SEP), min_size=1, max_size=6).map(lambda ps: "".join(s + sep for s, sep in ps)),
    st.text(max_size=200),
)
QUESTION = st.one_of(st.text(max_size=40), st.lists(WORD, max_size=5).map(" ".join))


@FAST
@given(st.lists(DOC, min_size=1, max_size=4), QUESTION, st.integers(0, 6), st.integers(0, 3))
def test_search_never_raises_and_citations_are_real(docs: list[str], question: str, k: int, context: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i, text in enumerate(docs):
            (root / f"d{i}.txt").write_text(text, encoding="utf-8", newline="")
        try:
            index, _ = open_index([str(root)], cache=False)
        except CorpusError:  # nothing readable: only documents without a word (empty, blank, ":") or binary
            assert all(not any(c.isalnum() for c in t) or "\x00" in t for t in docs)
            return
        try:
            answer = search(index, question, k=k, context=context)
        except QueryError:
            assert not question.strip()
            return
        assert len(answer.hits) <= k
        scores = [h.score for h in answer.hits]
        assert scores == sorted(scores, reverse=True)
        assert [h.rank for h in answer.hits] == list(range(1, len(answer.hits) + 1))
        for hit in answer.hits:
            with open(hit.path, encoding="utf-8", newline="") as handle:
                text = handle.read()
            assert text[hit.start : hit.end] == hit.text and hit.text.strip()
            line_start = text.rfind("\n", 0, hit.start) + 1
            assert hit.line == text.count("\n", 0, hit.start) + 1
            assert hit.column == hit.start - line_start + 1
            assert len(hit.before) <= context and len(hit.after) <= context
            assert all(t in text for t in [*hit.before, *hit.after])


MARKDOWN_PIECES = st.sampled_from([
    "heron ", "gull. ", "\n", "\n\n", "\r\n", "\t", "    ", "# ", "## ", "> ", ">", "- ", "* ", "1. ", "2) ", "```",
    "~~~", "`", "``", "*", "**", "_", "\\", "[", "]", "(", ")", "![", "](x.md)", "[^1]", "[^1]: ", "[r]: /u",
    "|", "| a | b |\n|---|---|\n", "---", "===", "<!--", "-->", "<div>", "</div>", "<pre>", "</pre>", "<?", "<b>",
    "&amp;", "&#x1F426;", "+++", "é", "\u2028", "\x00",
])


@FAST
@given(st.lists(MARKDOWN_PIECES, max_size=120).map("".join))
def test_markdown_blanks_in_place_and_blocks_are_real(text: str) -> None:
    """Any Markdown: the same length and lines, only blanks (or a decoded entity) changed, blocks in order."""
    from qa.formats.markdown import extract_markdown

    doc = extract_markdown(text)
    assert len(doc.text) == len(text) and doc.hidden is not None and len(doc.hidden) == len(text)
    assert [i for i, c in enumerate(doc.text) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
    for i, (got, was) in enumerate(zip(doc.text, text, strict=True)):
        assert got in (was, " ") or "&" in text[max(0, i - 10) : i + 1], (i, got, was)
    end = 0
    for block in doc.blocks:
        assert end <= block.start < block.end <= len(text)
        assert not doc.text[block.start].isspace() and not doc.text[block.end - 1].isspace()
        assert any(c.isalnum() for c in doc.text[block.start : block.end])
        end = block.end
