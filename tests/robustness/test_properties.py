"""Property tests: chunking loses nothing and invents nothing; search never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.chunking import SentenceSplitter, chunk_text
from qa.engine import open_index
from qa.errors import QAError
from qa.formats import extract_text
from qa.search import search

SPLITTER = SentenceSplitter()
ALPHABET = st.sampled_from([*list("ab Zé.?!\n\r\t\"'’—-12U.S.Mr 東🦩"), "\n\n", ". ", "Dr. ", "\x1b[2J"])
TEXT = st.lists(ALPHABET, max_size=300).map("".join)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(TEXT)
def test_chunking_loses_and_duplicates_nothing(text: str) -> None:
    chunks = chunk_text(text, extract_text(text).blocks, SPLITTER)
    covered = [False] * len(text)
    prev_end = 0
    for i, c in enumerate(chunks):
        assert c.ordinal == i
        assert prev_end <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.text
        line_start = text.rfind("\n", 0, c.start) + 1
        assert c.line == text.count("\n", 0, c.start) + 1 and c.column == c.start - line_start + 1
        for j in range(c.start, c.end):
            covered[j] = True
        prev_end = c.end
    # Everything outside the chunks is whitespace: no text is lost.
    assert all(covered[j] or text[j].isspace() for j in range(len(text)))


WORD = st.sampled_from("heron marsh lamp the of U.S. Mr. Korea’s 1994 café 🦩 a".split())
SENTENCE = st.lists(WORD, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")
DOC = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(DOC, min_size=1, max_size=4), st.text(max_size=40))
def test_search_never_raises_and_citations_are_real(docs: list[str], question: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i, text in enumerate(docs):
            (root / f"d{i}.txt").write_text(text, encoding="utf-8")
        index, _ = open_index([str(root)], cache=False)
        try:
            answer = search(index, question, k=5)
        except QAError:
            assert not question.strip()
            return
        scores = [h.score for h in answer.hits]
        assert scores == sorted(scores, reverse=True)
        for hit in answer.hits:
            text = Path(hit.path).read_text(encoding="utf-8")
            assert text[hit.start : hit.end] == hit.text
