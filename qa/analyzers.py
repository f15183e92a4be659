"""One analyzer per language, shared by documents and questions: words -> terms.

English is :mod:`qa.tokens`, exactly (its terms are plain strings: ``bird``,
``'the`` for a stopword). Every other language has an :class:`Analyzer`:

- words are runs of letters, digits *and combining marks* (Devanagari and Thai
  vowel signs, Arabic shadda are marks, not letters), with inner apostrophes;
  operators and dotted acronyms as in English;
- text in scripts written without spaces (Chinese, Japanese, Korean, Thai,
  Lao, Khmer, Myanmar) is cut into overlapping character bigrams, with each
  character also a term of its own (Lucene's ``CJKBigramFilter`` with
  unigrams), so that a question finds its words without a dictionary;
- words are NFKC-normalised, lowercased (Turkish dotted and dotless i kept
  apart), French, Italian and Catalan elisions (``l'``) and Turkish suffixes
  after an apostrophe dropped, Arabic diacritics and Greek accents removed;
- stopwords (:data:`qa.langdata.STOPWORDS`) are indexed as stopword terms and
  searched only when a question needs them, as in English;
- the rest is stemmed with the language's Snowball stemmer (PyStemmer), and
  the term is tagged with the language: ``de:haus``, ``'de:die``. Terms of two
  languages never meet, so each language keeps its own statistics; numbers,
  operators and the character bigrams of unspaced scripts are not tagged and
  meet across languages.

:func:`analyze_question` analyses a question in each language of an index.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from qa import tokens
from qa.langdata import SNOWBALL, STOPWORDS
from qa.tokens import CHUNK_SEP, STOP_MARK

#: Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Hangul, kana, CJK ideographs).
UNSPACED = (
    "\u0e01-\u0e3a\u0e40-\u0e4e\u0e50-\u0e59"  # Thai (no baht sign, no Thai punctuation)
    "\u0e81-\u0edf"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17d3\u17e0-\u17e9"  # Khmer
    "\u1100-\u11ff\u3131-\u318e\uac00-\ud7af"  # Hangul
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"  # CJK radicals, iteration marks
    "\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"  # ideographs, halfwidth kana
    "\U00020000-\U0003134f"
)


@functools.cache
def _unspaced_char() -> re.Pattern[str]:
    return re.compile(f"[{UNSPACED}]")  # 3 ms to compile: only when a word is not ASCII


def unspaced(word: str) -> bool:
    """Whether ``word`` starts with a character of a script written without spaces (CJK, Thai...)."""
    return bool(word) and not word[0].isascii() and _unspaced_char().match(word) is not None


_OPERATOR = tokens._OPERATOR
_OPERATOR_FIRST = tokens._OPERATOR_START


@functools.cache
def _marks() -> str:
    """Every combining mark (Mn, Mc, Me) of the Basic Multilingual Plane, as regex class ranges."""
    codes = [c for c in range(0x300, 0x10000) if unicodedata.category(chr(c))[0] == "M"]
    ranges: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code != prev + 1:
            ranges.append(f"\\u{start:04x}-\\u{prev:04x}" if prev > start else f"\\u{start:04x}")
            start = code
        prev = code
    return "".join(ranges)


@functools.cache
def word_pattern() -> re.Pattern[str]:
    """A word of any language: a dotted acronym, a run of an unspaced script, letters, digits and
    marks with inner apostrophes, or an operator."""
    letter = f"[^\\W_{UNSPACED}]"
    body = f"{letter}(?:{letter}+|[{_marks()}]+)*"
    return re.compile(rf"[^\W\d_]\.(?:[^\W\d_]\.)+|[{UNSPACED}]+|{body}(?:['\u2019\u02bc`]{body})*"
                      rf"|(?=[{_OPERATOR_FIRST}])(?:{_OPERATOR})")


#: :func:`word_pattern` on ASCII text, where no mark or unspaced script can occur: the same words,
#: without compiling a class of every combining mark (50 ms, paid by each one-shot question when an
#: index holds a language other than English).
_ASCII_WORD = tokens._ASCII_WORD  # (its Unicode apostrophes never occur in ASCII text)


def words_of(text: str) -> re.Pattern[str]:
    """The word pattern for ``text``: :func:`word_pattern`, or its cheaper equal on ASCII text."""
    return _ASCII_WORD if text.isascii() else word_pattern()


@functools.cache
def _word_or_sep() -> re.Pattern[str]:
    return re.compile(rf"(?=[^\W_]|[{_OPERATOR_FIRST}])(?:{word_pattern().pattern})|{CHUNK_SEP}")


#: French, Italian and Catalan articles and pronouns elided before a vowel: ``l'homme`` is ``homme``.
ELISIONS: dict[str, frozenset[str]] = {
    "fr": frozenset("l m t qu n s j d c jusqu quoiqu lorsqu puisqu".split()),
    "it": frozenset("c l all dall dell nell sull coll pell gl agl dagl degl negl sugl un m t s v d".split()),
    "ca": frozenset("d l m n s t".split()),
}
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_ALEF = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                              "\u0649": "\u064a"})



def normalise_arabic(word: str) -> str:
    """Arabic diacritics and tatweel dropped, the hamza forms of alef as bare alef, alef maksura as
    yeh (Lucene's ``ArabicNormalizer``; its teh marbuta to heh is left to the Snowball stemmer, which
    reads teh marbuta as a suffix: XQuAD ar MRR 0.788 with it, 0.800 without)."""
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_ALEF)




def _strip_accents(word: str) -> str:
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", word)
                                                 if unicodedata.category(c) != "Mn"))


#: Whether each character of a CJK run is also a term (besides the pairs): a Chinese character is
#: often a word (bench/quality.py, zh: MRR 0.848 with, 0.834 without). Thai, Lao, Khmer and Myanmar
#: characters are letters, not words: pairs only (th: 0.914 without, 0.881 with).
UNIGRAMS = True
_LETTER_SCRIPTS = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def unspaced_forms(run: str, unigrams: bool | None = None) -> list[str]:
    """The terms of a run of an unspaced script: each character, and each pair of neighbours."""
    if unigrams is None:
        unigrams = UNIGRAMS and not _LETTER_SCRIPTS.match(run)
    if len(run) == 1:
        return [run]
    out: list[str] = []
    for i in range(len(run) - 1):
        if unigrams:
            out.append(run[i])
        out.append(run[i : i + 2])
    if unigrams:
        out.append(run[-1])
    return out


def unspaced_spans(start: int, run: str, unigrams: bool | None = None) -> list[tuple[int, int]]:
    """The spans (offsets in the text) of :func:`unspaced_forms`, in the same order."""
    if unigrams is None:
        unigrams = UNIGRAMS and not _LETTER_SCRIPTS.match(run)
    if len(run) == 1:
        return [(start, start + 1)]
    out: list[tuple[int, int]] = []
    for i in range(len(run) - 1):
        if unigrams:
            out.append((start + i, start + i + 1))
        out.append((start + i, start + i + 2))
    if unigrams:
        out.append((start + len(run) - 1, start + len(run)))
    return out


class LanguageAnalyzer(Protocol):
    """What indexing, ranking and display need of a language's analysis (:mod:`qa.tokens` for English)."""

    lang: str

    def normal_word(self, raw: str) -> str: ...
    def stop_term(self, raw: str) -> str: ...
    def stem(self, word: str) -> str: ...
    def stem_all(self, words: Sequence[str]) -> list[str]: ...
    def raw_words(self, text: str) -> list[str]: ...
    def joined_words(self, texts: Sequence[str]) -> tuple[list[str], array[int]] | None: ...
    def normal_words(self, text: str) -> list[str]: ...
    def tokenize(self, text: str) -> list[str]: ...
    def terms_in_order(self, text: str, stops: bool = False) -> list[str]: ...
    def analyze(self, text: str, stops: bool = False) -> Iterator[tuple[str, int, int]]: ...
    def analyze_question(self, text: str) -> tuple[list[tuple[str, int, int]], list[str]]: ...
    def is_stopword(self, word: str) -> bool: ...


class English:
    """:mod:`qa.tokens` as a :class:`LanguageAnalyzer`: the same functions, the same terms."""

    lang = "en"
    normal_word = staticmethod(tokens.normal_word)
    stop_term = staticmethod(tokens.stop_term)
    stem = staticmethod(tokens.stem)
    stem_all = staticmethod(tokens.stem_all)
    raw_words = staticmethod(tokens.raw_words)
    joined_words = staticmethod(tokens.joined_words)
    normal_words = staticmethod(tokens.normal_words)
    tokenize = staticmethod(tokens.tokenize)
    terms_in_order = staticmethod(tokens.terms_in_order)
    analyze = staticmethod(tokens.analyze)
    analyze_question = staticmethod(tokens.analyze_question)

    @staticmethod
    def is_stopword(word: str) -> bool:
        return word.lower() in tokens.STOPWORDS


class Analyzer:
    """The analyzer of one language other than English (module docstring)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.tag = lang + ":"
        self.stops = STOPWORDS.get(lang, frozenset())
        if lang in ("ar", "fa"):  # the lists keep the spellings detection counts; analysis compares normalised words
            self.stops = frozenset(normalise_arabic(word) for word in self.stops)
        self.elisions = ELISIONS.get(lang, frozenset())
        self._snowball = SNOWBALL.get(lang)
        self._stemmer: Callable[[str], str] | None = None
        self._stems: dict[str, str] = {}
        self._normal: dict[str, str] = {}
        self._terms: dict[str, str] = {}

    # -- one word ---------------------------------------------------------
    def _lower(self, word: str) -> str:
        if self.lang in ("tr", "az"):
            word = word.replace("I", "\u0131").replace("\u0130", "i")
        return word.lower()

    def _normalise(self, word: str) -> str | None:
        """One raw word lowercased and normalised; None for a stopword."""
        if not word[0].isalnum():
            return word  # an operator
        if not word.isascii():
            word = unicodedata.normalize("NFKC", word).translate(tokens._APOSTROPHES)
        if word.endswith("."):
            word = word.replace(".", "")
        lower = self._lower(word)
        if "'" in lower:
            head, _, tail = lower.partition("'")
            if self.lang in ("tr", "az"):
                lower = head  # Ankara'da: the suffix after the apostrophe goes
            elif head in self.elisions and tail:
                lower = tail.replace("'", "")
        if self.lang in ("ar", "fa"):
            lower = normalise_arabic(lower)
        elif self.lang == "el":
            lower = _strip_accents(lower).replace("\u03c2", "\u03c3")
        acronym = len(word) > 1 and word.isupper()
        if lower in self.stops and not acronym:
            return None
        if "'" in lower:
            lower = lower.replace("'", "")
            if lower in self.stops and not acronym:
                return None
        return lower or None

    def _forms(self, word: str) -> str:
        """The normalised forms of one raw word, space-separated ("" for a stopword)."""
        if unspaced(word):
            run = unicodedata.normalize("NFKC", word) if not word.isascii() else word
            return " ".join(unspaced_forms(run.lower()))
        return tokens.camel_forms(word, self._normalise)

    def normal_word(self, raw: str) -> str:
        """The normalised, unstemmed forms of one raw word, space-separated ("" for a stopword)."""
        found = self._normal.get(raw)
        if found is None:
            if len(self._normal) >= tokens._WordCache.limit:
                self._normal.clear()
            found = self._normal[raw] = self._forms(raw)
        return found

    def is_stopword(self, word: str) -> bool:
        """Whether a raw word is one of the language's stopwords."""
        return bool(word) and not self.normal_word(word) and word[0].isalnum()

    def stop_term(self, raw: str) -> str:
        """The index term of a raw word that is a stopword ("" for any other word)."""
        if self.normal_word(raw) or not raw[0].isalnum() or unspaced(raw):
            return ""
        lower = self._lower(unicodedata.normalize("NFKC", raw).translate(tokens._APOSTROPHES))
        if self.lang in ("ar", "fa"):
            lower = normalise_arabic(lower)
        elif self.lang == "el":
            lower = _strip_accents(lower).replace("\u03c2", "\u03c3")
        return STOP_MARK + self.tag + lower.replace("'", "")

    def stem(self, word: str) -> str:
        """The term of one normalised word: stemmed and tagged; numbers, operators and unspaced
        scripts as they are."""
        found = self._stems.get(word)
        if found is not None:
            return found
        if not word[0].isalnum() or word.isdigit() or unspaced(word):
            term = word
        else:
            stemmer = self._stemmer_fn()
            term = self.tag + (stemmer(word) if stemmer is not None and len(word) > 2 else word)
        self._stems[word] = term
        return term

    def _stemmer_fn(self) -> Callable[[str], str] | None:
        if self._stemmer is None and self._snowball is not None:
            self._stemmer = snowball(self._snowball) or str
        return self._stemmer

    def stem_all(self, words: Sequence[str]) -> list[str]:
        """``[stem(w) for w in words]``."""
        stem = self.stem
        return [stem(w) for w in words]

    def _terms_of(self, raw: str) -> str:
        found = self._terms.get(raw)
        if found is None:
            if len(self._terms) >= tokens._TermCache.limit:
                self._terms.clear()
            forms = self.normal_word(raw)
            found = self._terms[raw] = " ".join(map(self.stem, forms.split())) if forms else ""
        return found

    # -- text -------------------------------------------------------------
    def raw_words(self, text: str) -> list[str]:
        """The words of ``text`` as written."""
        return words_of(text).findall(text)

    def joined_words(self, texts: Sequence[str]) -> tuple[list[str], array[int]] | None:
        """:func:`qa.tokens.joined_words` with this language's words."""
        return tokens.joined_words(texts, _word_or_sep())

    def normal_words(self, text: str) -> list[str]:
        """The words of ``text`` normalised and stopped but not stemmed."""
        return [f for w in words_of(text).findall(text) if (n := self.normal_word(w)) for f in n.split(" ")]

    def tokenize(self, text: str) -> list[str]:
        """The index terms of ``text``, in order."""
        return [t for w in words_of(text).findall(text) if (terms := self._terms_of(w)) for t in terms.split(" ")]

    def terms_in_order(self, text: str, stops: bool = False) -> list[str]:
        """:meth:`tokenize`, with stopword terms too when ``stops`` is set."""
        return [t for t, _, _ in self.analyze(text, stops)]

    def analyze(self, text: str, stops: bool = False) -> Iterator[tuple[str, int, int]]:
        """``(term, start, end)`` of each indexable word (each bigram of unspaced text) of ``text``."""
        for match in words_of(text).finditer(text):
            raw = match.group()
            terms = self._terms_of(raw)
            if not terms:
                if stops and (stop := self.stop_term(raw)):
                    yield stop, match.start(), match.end()
                continue
            if unspaced(raw):
                parts = terms.split(" ")
                spans = unspaced_spans(match.start(), raw)
                if len(spans) == len(parts):
                    for term, (s, e) in zip(parts, spans, strict=True):
                        yield term, s, e
                    continue
            for term in terms.split(" "):
                yield term, match.start(), match.end()

    def analyze_question(self, text: str) -> tuple[list[tuple[str, int, int]], list[str]]:
        """The question's terms, plus the stopwords left out (searched when quoted, or when nothing else is)."""
        out: list[tuple[str, int, int]] = []
        stops: list[tuple[int, str, str]] = []  # (position in out, stop term, word)
        for match in words_of(text).finditer(text):
            raw, start, end = match.group(), match.start(), match.end()
            if self._terms_of(raw):
                out += self._analyze_one(raw, start, end)
                continue
            stop = self.stop_term(raw)
            if not stop:
                continue
            if tokens._quoted(text, start, end):
                out.append((stop, start, end))
            else:
                stops.append((len(out), stop, raw.lower()))
                out.append(("", start, end))
        if not any(term for term, _, _ in out):
            for at, stop, _ in stops:
                out[at] = (stop, out[at][1], out[at][2])
        ignored = list(dict.fromkeys(word for at, _, word in stops if not out[at][0]))
        return [t for t in out if t[0]], ignored

    def _analyze_one(self, raw: str, start: int, end: int) -> list[tuple[str, int, int]]:
        return [(t, start + s, start + e) for t, s, e in self.analyze(raw)]


@functools.cache
def snowball(name: str) -> Callable[[str], str] | None:
    """The Snowball stemmer ``name``'s ``stemWord`` (PyStemmer: C, 3x faster to index with than the
    pure-Python snowballstemmer); None when this PyStemmer has no such algorithm."""
    import Stemmer

    try:
        return Stemmer.Stemmer(name).stemWord  # type: ignore[no-any-return]
    except KeyError:  # pragma: no cover - an older libstemmer
        return None


_ANALYZERS: dict[str, LanguageAnalyzer] = {"en": English()}


def analyzer(lang: str) -> LanguageAnalyzer:
    """The analyzer of language ``lang`` (an ISO 639-1 code; English for an empty one)."""
    found = _ANALYZERS.get(lang or "en")
    if found is None:
        found = _ANALYZERS[lang] = Analyzer(lang)
    return found


def analyze_question(text: str, langs: Sequence[str] = ("en",)) -> tuple[list[tuple[str, int, int]], list[str]]:
    """A question's terms in each of ``langs`` (an index's languages), and the stopwords left out.

    With English alone, :func:`qa.tokens.analyze_question`. Otherwise the
    question is analysed in each language, the one it is written in first
    (:func:`qa.lang.question_language`); a word that is a stopword of that
    language is searched in no other ("Wer war Einstein" searches *Einstein*
    in English, not *war*). A term found by two analyses counts once.
    """
    if len(langs) == 1:
        return analyzer(langs[0]).analyze_question(text)
    from qa.lang import question_language

    own = question_language(text, langs)
    order = [own, *(lang for lang in langs if lang != own)] if own else list(langs)
    first = analyzer(order[0])
    terms, ignored = first.analyze_question(text)
    dropped = {(s, e) for s, e in _stop_spans(first, text)} if own else set()
    names = _name_spans(text, own) if own else None
    seen = {t for t, _, _ in terms}
    for lang in order[1:]:
        found, _ = analyzer(lang).analyze_question(text)
        new = [(t, s, e) for t, s, e in found if t not in seen and (s, e) not in dropped and not _inside(s, e, dropped)
               and (names is None or _inside(s, e, names))]
        seen.update(t for t, _, _ in new)
        terms += new
    return terms, ignored


_CODE_NEIGHBOURS = frozenset("_./:#$@(")


def _name_spans(text: str, own: str) -> set[tuple[int, int]]:
    """The words of a question in language ``own`` that other languages share: names (capitalised
    after the first word, or with a capital inside: "Thomas Stevenson", "iPhone", "GIL"), words with
    digits, parts of code ("mod_rewrite", "os.path") and words in another script than ``own``'s.

    Only these are searched in the index's other languages. The question's other words are words
    of its own language: analysed as another language's they would match that language's pages by
    the borrowed words they quote, each rare there, so an English question over a folder that also
    holds translations would be answered from the translations ("how do i enable mod_rewrite" from a
    Korean page quoting *enable*).
    """
    from qa.lang import _script_of, script

    home = _script_of(own)
    out: set[tuple[int, int]] = set()
    for n, m in enumerate(words_of(text).finditer(text)):
        word, start, end = m.group(), m.start(), m.end()
        code = text[start - 1 : start] in _CODE_NEIGHBOURS or text[end : end + 1] in _CODE_NEIGHBOURS
        capital = any(c.isupper() for c in word[1:]) or (n > 0 and word[:1].isupper())
        if capital or code or any(c.isdigit() for c in word) or (word.isalpha() and script(word) != home):
            out.add((start, end))
    return out


def _stop_spans(a: LanguageAnalyzer, text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in words_of(text).finditer(text) if a.is_stopword(m.group())]


def _inside(s: int, e: int, spans: set[tuple[int, int]]) -> bool:
    return any(lo <= s and e <= hi for lo, hi in spans)
