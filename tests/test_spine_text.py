"""Tokens and sentence chunks: the analyzer and the exact offsets citations rely on."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sentences import Sentence as Chunk
from sentences import split as chunk_text

from qa import tokens
from qa.chunking import MAX_CHUNK_CHARS, SentenceSplitter
from qa.corpus import bundled_seeds
from qa.formats import extract_text
from qa.formats.markdown import extract_markdown


def split(text: str, train: bool = True) -> list[Chunk]:
    splitter = SentenceSplitter.train([text]) if train else SentenceSplitter()
    return chunk_text(text, extract_text(text).blocks, splitter)


def assert_exact(text: str, chunks: list[Chunk]) -> None:
    lines = text.split("\n")
    for i, c in enumerate(chunks):
        assert text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert c.ordinal == i
        line_text = lines[c.line - 1]
        assert line_text[c.column - 1 :].startswith(c.text.split("\n")[0])
    for a, b in itertools.pairwise(chunks):
        assert a.end <= b.start


# -- tokens ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("North Korea’s missile", ["north", "korea", "missil"]),
        ("the U.S. and the U.N.", ["us", "un"]),
        ("US and IT and WHO", ["us", "it", "who"]),
        ("us and it and who", []),
        ("Delegations were running", ["deleg", "run"]),
        ("state-run agency in 1994", ["state", "run", "agenc", "1994"]),
        ("Ｆｕｌｌｗｉｄｔｈ café ﬁnal", ["fullwidth", "café", "final"]),
        ("don't won’t", []),
        ("O'Brien’s dog", ["obrien", "dog"]),
        ("What happened after the war, not before it?", ["happen", "after", "war", "not", "befor"]),
        ("the only one of the most", ["onli", "one", "most"]),
    ],
)
def test_tokenize(text: str, expected: list[str]) -> None:
    assert tokens.tokenize(text) == expected


@pytest.mark.parametrize(("asked", "told", "term"), [
    ("When did the war begin?", "The war began in 1914.", "begin"),
    ("What did she build?", "She built a ship.", "build"),
    ("Who wins the cup?", "Leeds won the cup.", "win"),
    ("Where did the children go?", "The child went home.", "go"),
    ("What did the men teach?", "A man taught Greek.", "teach"),
])
def test_irregular_forms_meet_their_base_form(asked: str, told: str, term: str) -> None:
    assert term in tokens.tokenize(asked)
    assert term in tokens.tokenize(told)


def test_irregular_table_leaves_out_forms_that_are_other_words() -> None:
    assert tokens.IRREGULAR["began"] == tokens.IRREGULAR["begun"] == "begin"
    assert tokens.IRREGULAR["won"] == "win"
    for word in ("left", "bound", "ground", "lay", "lives", "lit"):
        assert word not in tokens.IRREGULAR, word
    assert tokens.tokenize("left wing") == ["left", "wing"]
    # Every base form is itself a plain word: no chains.
    assert not set(tokens.IRREGULAR.values()) & set(tokens.IRREGULAR)
    assert tokens.tokenize("won't") == []  # the contraction still stops


def test_kept_words_are_classic_stopwords_and_the_rest_still_stop() -> None:
    assert tokens.KEPT < tokens.CLASSIC_STOPWORDS
    assert tokens.STOPWORDS == tokens.CLASSIC_STOPWORDS - tokens.KEPT
    for word in ("after", "between", "not", "only", "most", "may"):
        assert tokens.tokenize(word), word
    for word in ("the", "which", "was", "they", "of", "and"):
        assert tokens.tokenize(word) == [], word


@pytest.mark.parametrize(("question", "searched"), [
    ("what does the with statement do", ["'with", "statement"]),  # between an article and a word
    ("how does a for loop work", ["'for", "loop", "work"]),
    ("is operator versus ==", ["'is", "oper", "versu", "=="]),  # before a noun naming syntax
    ('what does "as" mean', ["'as", "mean"]),  # quoted
    ("what does `yield from` do", ["yield"]),  # `from` does not stand in quotes of its own
    ("what does := do", [":="]),  # an operator is a word
    ("what is this", ["'this"]),  # nothing else to search: every stopword but the question's shape
    ("what is the", []),
    ("who led the delegation", ["lead", "deleg"]),  # an ordinary question drops its stopwords
])
def test_a_question_searches_the_stopwords_that_are_its_point(question: str, searched: list[str]) -> None:
    terms, ignored = tokens.analyze_question(question)
    assert [t for t, _, _ in terms] == searched
    assert not set(ignored) & {t[1:] for t in searched if t.startswith(tokens.STOP_MARK)}
    assert [question[s:e].lower() for t, s, e in terms if t.startswith(tokens.STOP_MARK)] == [
        t[1:] for t in searched if t.startswith(tokens.STOP_MARK)]


def test_stopwords_are_indexed_as_marked_terms_and_do_not_count_in_length() -> None:
    from qa.encode import _token_terms

    terms, n_words, ids, chunk_of = _token_terms(["The heron is in the pond.", "x := y"])
    assert terms[:n_words] == ["heron", "pond", "x", ":="]
    assert all(t.startswith(tokens.STOP_MARK) for t in terms[n_words:])
    assert sorted(terms[n_words:]) == ["'in", "'is", "'the", "'y"]
    words_only = ids < n_words
    assert list(np.bincount(chunk_of[words_only])) == [2, 2]  # "y" is a stopword ("y'all")


@pytest.mark.parametrize(("text", "expected"), [
    ("fs.readFile", ["fs", "readfil", "read", "file"]),  # the word as written, then its parts
    ("XMLHttpRequest", ["xmlhttprequest", "xml", "http", "request"]),
    ("toString", ["tostr", "string"]),  # a part that is a stopword is dropped like one
    ("McDonald iPhone", ["mcdonald", "mc", "donald", "iphon"]),  # a one-letter part: no split
    ("HTTP utf8 x86 Python", ["http", "utf8", "x86", "python"]),  # no lowercase-to-uppercase turn
])
def test_camel_case_words_are_also_their_parts(text: str, expected: list[str]) -> None:
    assert tokens.tokenize(text) == expected
    assert [t for t, _, _ in tokens.analyze(text)] == expected


def test_fast_tokenising_equals_tokenising_each_text_alone() -> None:
    from qa.encode import _token_terms, _token_terms_slow

    rng = random.Random(7)
    words = ["readFile", "the", "XMLHttpRequest", "plain", "iPhone", "is", "x:=y", "toString", "U.S.", "don't",
             "café", "getHTTPResponse", "Words"]
    for _ in range(200):
        texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 5))]
        fast, slow = _token_terms(texts), _token_terms_slow(texts)
        assert [fast[0][i] for i in fast[2]] == [slow[0][i] for i in slow[2]], texts
        assert list(fast[3]) == list(slow[3])
        assert fast[1] == sum(not t.startswith(tokens.STOP_MARK) for t in fast[0])


def test_analyze_gives_offsets_of_the_original_words() -> None:
    text = "Who led the Chinese delegation?"
    spans = [(t, text[s:e]) for t, s, e in tokens.analyze(text)]
    assert spans == [("lead", "led"), ("chines", "Chinese"), ("deleg", "delegation")]


def test_stemming_is_memoised() -> None:
    stemmer = tokens.Stemmer()
    calls: list[str] = []
    from qa.porter import stem as real

    def counting(word: str) -> str:
        calls.append(word)
        return real(word)

    stemmer._stem = counting
    for _ in range(3):
        assert stemmer("delegations") == "deleg"
    assert calls == ["delegations"]


def test_normal_words_then_stem_equals_tokenize() -> None:
    text = "The U.S. delegations’ running talks, 1994-95: WHO said so."
    assert [tokens.stem(w) for w in tokens.normal_words(text)] == tokens.tokenize(text)


def test_tokenizing_does_not_import_the_whole_of_nltk() -> None:
    code = "import sys; from qa.tokens import tokenize; tokenize('running delegations'); print('nltk' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- chunks -----------------------------------------------------------------


def test_seed_sentences_split_right() -> None:
    seeds = bundled_seeds()
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))}
    splitter = SentenceSplitter.train(texts.values())
    first = texts["000_491430e7b4296c73.txt"]
    chunks = chunk_text(first, extract_text(first).blocks, splitter)
    assert_exact(first, chunks)
    texts_ = [c.text for c in chunks]
    sept = next(t for t in texts_ if "Sept. 9." in t)
    assert sept.startswith("Washington is seeking") and sept.endswith("largest nuclear test on Sept. 9.")
    assert any(t.startswith("But the two countries have seen") for t in texts_)
    assert any("the U.S. and its allies to do more" in t for t in texts_)
    assert any("The sanction resolutions of the U.N. Security Council are illegal" in t for t in texts_)
    liu = next(c for c in chunks if c.text.startswith("Vice Foreign Minister Liu Zhenmin led"))
    assert (liu.line, liu.column) == (7, 1)
    second = texts["003_3ffbbf34607cdfd1.txt"]
    chunks2 = chunk_text(second, extract_text(second).blocks, splitter)
    assert_exact(second, chunks2)
    assert any(c.text == "— Donald J. Trump (@realDonaldTrump) November 16, 2017" for c in chunks2)


def test_abbreviations_initials_and_quotes() -> None:
    text = (
        "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 3. They talked.\n"
        "“Is it true?” she asked. “Yes,” said J. R. Hartley.\n"
    )
    got = [c.text for c in split(text)]
    assert got == [
        "Mr. Smith met Dr. Jones at 5 p.m. on Jan. 3.",
        "They talked.",
        "“Is it true?” she asked.",
        "“Yes,” said J. R. Hartley.",
    ]


def test_crlf_hard_wraps_and_blank_lines() -> None:
    text = "First line wraps\r\nonto the next line. Second one.\r\n\r\nA new paragraph\r\nwithout a period"
    chunks = split(text)
    assert_exact(text, chunks)
    assert [c.text for c in chunks] == [
        "First line wraps\r\nonto the next line.",
        "Second one.",
        "A new paragraph\r\nwithout a period",
    ]
    assert [c.paragraph for c in chunks] == [0, 0, 1]
    assert [(c.line, c.column) for c in chunks] == [(1, 1), (2, 21), (4, 1)]


def test_blank_lines_are_hard_boundaries_even_without_periods() -> None:
    text = "It was a dark night. The end\n\nCHAPTER TWO\n\nMorning came"
    assert [c.text for c in split(text)] == ["It was a dark night.", "The end", "CHAPTER TWO", "Morning came"]


def test_a_title_line_names_the_document_and_is_no_sentence() -> None:
    text = "Wind power\n\nWind power is the conversion of wind energy into electricity. It is renewable.\n"
    doc = extract_text(text)
    assert doc.title == "Wind power"
    assert [c.text for c in split(text)] == [
        "Wind power is the conversion of wind energy into electricity.", "It is renewable."]
    # A one-line note is still searchable: its only line is both its title and its sentence.
    assert [c.text for c in split("buy milk\n")] == ["buy milk"]


def test_unicode_offsets_are_characters() -> None:
    text = "Café au lait. 東京は大きい。 Emoji 🎉 party here. Ünïcödé ends."
    chunks = split(text)
    assert_exact(text, chunks)
    assert chunks[1].column == len("Café au lait. ") + 1


def test_markdown_headings_are_boundaries_with_sections() -> None:
    text = "# Guide\n\nIntro text here\n## Install\nRun the installer. Then restart.\n"
    doc = extract_markdown(text)
    chunks = chunk_text(text, doc.blocks, SentenceSplitter())
    assert_exact(text, chunks)
    assert [(c.text, c.section) for c in chunks] == [
        ("Intro text here", "Guide"),
        ("Run the installer.", "Guide > Install"),
        ("Then restart.", "Guide > Install"),
    ]
    assert doc.title == "Guide"


def test_long_sentences_are_capped_with_exact_offsets() -> None:
    text = "word " * 1000 + "end."
    chunks = split(text, train=False)
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert_exact(text, chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")


def test_punkt_parameters_round_trip_through_json() -> None:
    import json

    text = (Path(bundled_seeds()) / "000_491430e7b4296c73.txt").read_text(encoding="utf-8")
    trained = SentenceSplitter.train([text])
    again = SentenceSplitter(json.loads(json.dumps(trained.to_json())))
    assert again.params.abbrev_types == trained.params.abbrev_types
    assert split_with(again, text) == split_with(trained, text)


def split_with(splitter: SentenceSplitter, text: str) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in chunk_text(text, extract_text(text).blocks, splitter)]


_PUNKT_PIECES = st.sampled_from([*"ab Zé.?!\n\t\"'’)(]", "Mr. ", "U.S. ", "e.g. ", "Dr.", " . ", "...", "\n\n",
                                 "1. ", "3.14", "“Yes.” ", "(see below.) ", "word", "Word", "etc. The"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_PUNKT_PIECES, max_size=60).map("".join))
def test_punkt_spans_equal_nltks_span_tokenize(text: str) -> None:
    """The one-loop Punkt (it reads nltk's private regexes: nltk's version is pinned) against nltk itself."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    trained = SentenceSplitter.train(["Mr. Smith met Dr. Jones at 5 p.m. on Jan. 3. They talked. " * 20])
    for splitter in (SentenceSplitter(), trained):
        want = list(PunktSentenceTokenizer(splitter.params).span_tokenize(text))
        assert splitter._punkt_spans(text) == want
