"""qa's Porter stemmer stems exactly as NLTK's PorterStemmer does (indexes depend on it)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from qa import porter, tokens
from qa.corpus import bundled_seeds

SUFFIXES = (
    "ational tional enci anci izer bli alli entli eli ousli ization ation ator alism iveness fulness ousness "
    "aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al ance ence er ic able ible ant "
    "ement ment ent ion sion tion ou ism ate iti ous ive ize sses ies ss s eed ed ing ied y e ll at bl iz"
).split()
PREFIXES = ["", "y", "yy", "b", "by", "ay", "r", "ra", "rat", "geo", "theo", "happ", "contr", "hop", "fil",
            "fail", "tann", "fizz", "hiss", "conflat", "troubl", "siz", "agr", "pl", "é", "naïv", "ÿ", "1"]


Stem = Callable[[str], str]


@pytest.fixture(scope="module")
def nltk_stem() -> Stem:
    from nltk.stem.porter import PorterStemmer

    stem: Stem = PorterStemmer().stem
    return stem


def _check(words: set[str], nltk_stem: Stem) -> None:
    wrong = {w: (porter.stem(w), nltk_stem(w)) for w in words if porter.stem(w) != nltk_stem(w)}
    assert not wrong, list(wrong.items())[:20]


def test_same_as_nltk_on_the_seeds(nltk_stem: Stem) -> None:
    words: set[str] = set()
    for path in bundled_seeds().glob("*.txt"):
        for raw in tokens._WORD.findall(path.read_text(encoding="utf-8")):
            words.update({raw, raw.lower(), tokens.normal_word(raw)})
    words.discard("")
    assert len(words) > 500
    _check(words, nltk_stem)


def test_same_as_nltk_on_every_rule(nltk_stem: Stem) -> None:
    words = {p + s for p in PREFIXES for s in SUFFIXES}
    words |= {"sky", "skies", "dying", "lying", "tying", "news", "innings", "proceed", "exceed", "succeed",
              "caresses", "ponies", "ties", "feed", "agreed", "plastered", "bled", "motoring", "sing",
              "conflated", "troubled", "sized", "hopping", "tanned", "falling", "hissing", "fizzed", "failing",
              "filing", "happy", "enjoy", "relational", "conditional", "rational", "valenci", "digitizer",
              "radicalli", "differentli", "vileli", "analogousli", "vietnamization", "predication", "operator",
              "feudalism", "decisiveness", "hopefulness", "callousness", "formaliti", "sensitiviti",
              "sensibiliti", "triplicate", "formative", "formalize", "electriciti", "electrical", "hopeful",
              "goodness", "revival", "allowance", "inference", "airliner", "gyroscopic", "adjustable",
              "defensible", "irritant", "replacement", "adjustment", "dependent", "adoption", "homologou",
              "communism", "activate", "angulariti", "homologous", "effective", "bowdlerize", "probate",
              "rate", "cease", "controll", "roll", "yyyyyyyy", "syzygy", "toy", "ivy", "orrery", "İstanbul"}
    _check(words, nltk_stem)


def test_same_as_nltk_on_random_strings(nltk_stem: Stem) -> None:
    rng = random.Random(4)
    letters = "aeiouybcdlmnrstgzwx"
    _check({"".join(rng.choice(letters) for _ in range(rng.randint(1, 14))) for _ in range(20_000)}, nltk_stem)


def test_stemming_a_question_does_not_import_nltk() -> None:
    import subprocess
    import sys

    code = "import sys; from qa.tokens import tokenize; tokenize('running delegations'); print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "nltk" not in out.stdout
