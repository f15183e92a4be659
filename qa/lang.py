"""Which language a document (or a question) is written in: offline, from the text itself.

The script of its letters decides first (Han and kana, Hangul, Thai, Greek,
Hebrew...); within a script shared by several languages (Latin, Cyrillic,
Arabic, Devanagari) the language whose stopwords (:data:`qa.langdata.STOPWORDS`)
occur most often wins. A few thousand characters from three places of the
text are read, so that a Project Gutenberg book's English licence header does
not make a German novel English. Text with too little to go on is English,
what qa read everything as before.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from qa.langdata import SNOWBALL, STOPWORDS
from qa.tokens import CLASSIC_STOPWORDS

#: Languages qa has an analyzer for beyond a generic one: English, those with stopwords or a
#: Snowball stemmer, and the unspaced scripts.
KNOWN: frozenset[str] = frozenset({"en", "zh", "ja", "ko", "th", "vi", *STOPWORDS, *SNOWBALL})
#: The words detection counts, by language.
#: Words of one letter and English contraction pieces (``ve``, ``ll``) are words of many languages and count for none.
PROFILES: dict[str, frozenset[str]] = {
    lang: frozenset(w for w in words if len(w) > 1) for lang, words in {
        "en": CLASSIC_STOPWORDS - {"ll", "ve", "re", "ma", "ain", "don"}, **STOPWORDS}.items()}
#: Languages that share a script, in the order ties are broken.
BY_SCRIPT: dict[str, tuple[str, ...]] = {
    "latin": ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "hu", "tr", "ro", "vi", "id", "ca",
              "pl", "cs"),
    "cyrillic": ("ru", "uk"),
    "arabic": ("ar", "fa"),
    "devanagari": ("hi", "ne"),
}
@functools.cache
def _scripts() -> tuple[tuple[str, re.Pattern[str], int], ...]:
    """Each script's name, character class and weight (compiled when first needed: 5 ms, which a
    question in ASCII never pays)."""
    return tuple((name, re.compile(f"[{chars}]"), weight) for name, chars, weight in (
        ("han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", 3),
        ("kana", "\u3041-\u3096\u30a1-\u30fa\u30fc\uff66-\uff9f", 3),
        ("hangul", "\uac00-\ud7af\u1100-\u11ff\u3131-\u318e", 3),
        ("thai", "\u0e01-\u0e4e", 1),
        ("cyrillic", "\u0400-\u04ff", 1),
        ("greek", "\u0370-\u03ff\u1f00-\u1fff", 1),
        ("arabic", "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc", 1),
        ("devanagari", "\u0900-\u097f", 1),
        ("hebrew", "\u0590-\u05ff", 1),
        ("latin", "A-Za-z\u00c0-\u024f\u1e00-\u1eff", 1),
    ))


#: The language of a script only one language here is written in.
_SCRIPT_LANG = {"thai": "th", "greek": "el", "hebrew": "he", "hangul": "ko"}
_WORDS = re.compile(r"[^\W\d_]+")
#: Characters read from each of three places of a long text.
SAMPLE_CHARS = 3000
#: Fewest stopwords a text must hold for a language other than English to be chosen.
MIN_HITS = 3


def sample(text: str) -> str:
    """Up to three :data:`SAMPLE_CHARS` pieces of ``text``: its start, middle and three quarters."""
    n = len(text)
    if n <= 3 * SAMPLE_CHARS:
        return text
    mid, late = n // 2, 3 * n // 4
    return "\n".join((text[:SAMPLE_CHARS], text[mid : mid + SAMPLE_CHARS], text[late : late + SAMPLE_CHARS]))


def script(text: str) -> str:
    """The script most of ``text``'s letters are in (``latin`` when it has none)."""
    if text.isascii():
        return "latin"
    best, most = "latin", 0
    scripts = _scripts()
    for name, pattern, weight in scripts:
        count = len(pattern.findall(text)) * weight
        if count > most:
            best, most = name, count
    if best in ("han", "kana"):
        kana = len(scripts[1][1].findall(text))
        han = len(scripts[0][1].findall(text))
        return "kana" if kana * 10 >= kana + han else "han"
    return best


def _hits(words: list[str], langs: Sequence[str]) -> dict[str, int]:
    """How many of ``words`` each language's profile holds (from the smaller side: a note of five words
    against nineteen profiles of ~150 stopwords is 95 look-ups, not 3,000)."""
    counts = Counter(words)
    out: dict[str, int] = {}
    for lang in langs:
        profile = PROFILES.get(lang)
        if profile is None:
            continue
        if len(counts) < len(profile):
            out[lang] = sum(n for w, n in counts.items() if w in profile)
        else:
            out[lang] = sum(counts[w] for w in profile if w in counts)
    return out


def detect(text: str) -> str:
    """The language ``text`` is written in (an ISO 639-1 code)."""
    piece = sample(text)
    kind = script(piece)
    if kind in ("han", "kana"):
        return "ja" if kind == "kana" else "zh"
    if kind in _SCRIPT_LANG:
        return _SCRIPT_LANG[kind]
    langs = BY_SCRIPT.get(kind)
    if langs is None:
        return "en"
    if not piece.isascii():
        piece = unicodedata.normalize("NFC", piece)
    hits = _hits(_WORDS.findall(piece.lower()), langs)
    best = max(langs, key=lambda lang: hits.get(lang, 0))  # ties: the first in BY_SCRIPT order
    if kind == "latin" and (hits[best] < MIN_HITS or best == "en"):
        return "en"
    return best if hits.get(best, 0) else langs[0]


def question_language(text: str, langs: Sequence[str]) -> str | None:
    """Which of ``langs`` (an index's languages) a question is written in; None when it cannot be told.

    By script, then by stopwords: a language must hold more of the
    question's words than any other.
    """
    kind = script(text)
    by_script = [lang for lang in langs if _script_of(lang) == kind]
    if len(by_script) == 1:
        return by_script[0]
    if not by_script:
        return None
    words = _WORDS.findall(unicodedata.normalize("NFC", text).lower())
    hits = _hits(words, by_script)
    ranked = sorted(hits.values(), reverse=True)
    if not ranked or ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(hits, key=lambda lang: hits[lang])


def _script_of(lang: str) -> str:
    if lang in ("zh",):
        return "han"
    if lang == "ja":
        return "kana"
    for kind, code in _SCRIPT_LANG.items():
        if code == lang:
            return kind
    for kind, langs in BY_SCRIPT.items():
        if lang in langs:
            return kind
    return "latin"


_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")
#: Three-letter and legacy codes people write for languages qa knows by their two-letter code.
_ALIASES = {"iw": "he", "nb": "no", "nn": "no", "in": "id", "eng": "en", "deu": "de", "ger": "de", "fra": "fr",
            "fre": "fr", "spa": "es", "rus": "ru", "zho": "zh", "chi": "zh", "jpn": "ja", "kor": "ko", "ara": "ar",
            "tha": "th", "hin": "hi", "ell": "el", "gre": "el", "tur": "tr", "vie": "vi", "ron": "ro", "rum": "ro"}


def language_code(value: str) -> str | None:
    """An ISO 639-1 code qa knows, from a language tag as documents write it (``de-DE``, ``zh_Hans``,
    ``pt-BR``, ``deu``); None when it names no language qa knows."""
    found = _TAG.match(value)
    if found is None:
        return None
    code = found.group(1).lower()
    code = _ALIASES.get(code, code)
    return code if code in KNOWN else None


def document_language(text: str, declared: str | None = None, forced: str | None = None) -> str:
    """A document's language: ``forced`` (``--lang``), else what it declares (front matter ``lang:``,
    HTML ``lang=``) unless its letters are in another script, else :func:`detect`."""
    if forced:
        return forced
    code = language_code(declared) if declared else None
    if code is not None:
        kind = script(sample(text))
        if _script_of(code) == kind or (code == "ja" and kind == "han") or (code == "ko" and kind == "han"):
            return code
    return detect(text)
