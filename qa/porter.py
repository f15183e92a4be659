"""The Porter stemmer, as NLTK's ``PorterStemmer()`` (its default NLTK_EXTENSIONS mode) stems.

Same rules, same order, same results (``tests/test_porter.py`` compares the
two on every word of the seeds and on edge cases); rewritten for speed. NLTK
builds each step's rule list, with a closure per rule, on every call and
classifies letters one call at a time: ~35 µs a word. Here the rules are
tables grouped by last letter and consonants are classified in one
``str.translate``: a one-shot question stems a few hundred new words (the
re-ranked sentences), and indexing every distinct word of a corpus.

Vocabulary, from the paper: a consonant is a letter other than a, e, i, o, u,
and other than y preceded by a consonant; ``m``, the measure of a stem, is
the number of vowel-consonant runs ``VC`` in ``[C](VC)^m[V]``.
"""

from __future__ import annotations

from collections.abc import Callable

#: Irregular forms (NLTK_EXTENSIONS): stemmed by lookup.
_POOL = {
    "sky": "sky",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "news": "news",
    "innings": "inning",
    "inning": "inning",
    "outings": "outing",
    "outing": "outing",
    "cannings": "canning",
    "canning": "canning",
    "howe": "howe",
    "proceed": "proceed",
    "exceed": "exceed",
    "succeed": "succeed",
}

#: ASCII letters to "v" (vowel), "c" (consonant) or "y" (decided by the letter before).
_CV = str.maketrans({chr(c): "v" if chr(c) in "aeiou" else "y" if chr(c) == "y" else "c" for c in range(128)})


def _cv(word: str) -> str:
    """One letter per character of ``word``: "c" for a consonant, "v" for a vowel."""
    if word.isascii():
        t = word.translate(_CV)
    else:
        t = "".join("v" if ch in "aeiou" else "y" if ch == "y" else "c" for ch in word)
    if "y" not in t:
        return t
    out = list(t)
    for i, ch in enumerate(out):
        if ch == "y":  # a consonant first or after a vowel, a vowel after a consonant
            out[i] = "c" if i == 0 or out[i - 1] == "v" else "v"
    return "".join(out)


def _m(stem: str) -> int:
    """The measure of ``stem``."""
    return _cv(stem).count("vc")


def _ends_cvc(word: str) -> bool:
    """*o: ends consonant-vowel-consonant, the last not w, x or y (or is vowel-consonant, two letters)."""
    n = len(word)
    if n >= 3:
        return _cv(word)[-3:] == "cvc" and word[-1] not in "wxy"
    return n == 2 and _cv(word) == "vc"


def _rules(*rules: tuple[str, str]) -> dict[str, tuple[tuple[str, str], ...]]:
    """(suffix, replacement) rules grouped by their last letter, each group in the given order.

    Only the first rule whose suffix matches applies (or none, if its
    condition fails), and two suffixes with different last letters never
    both match: looking in the word's last letter's group is the same.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for suffix, replacement in rules:
        groups.setdefault(suffix[-1], []).append((suffix, replacement))
    return {last: tuple(group) for last, group in groups.items()}


def _apply(word: str, table: dict[str, tuple[tuple[str, str], ...]], ok: Callable[[str], bool]) -> str:
    """The first rule of ``table`` whose suffix ends ``word``, if ``ok`` accepts the stem left."""
    for suffix, replacement in table.get(word[-1:], ()):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if ok(stem) else word
    return word


def _m_over_0(stem: str) -> bool:
    return "vc" in _cv(stem)


def _m_over_1(stem: str) -> bool:
    return _cv(stem).count("vc") > 1


_STEP2 = _rules(
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ("fulli", "ful"), ("logi", "log"),
)
_STEP3 = _rules(
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
)
_STEP4 = _rules(
    ("al", ""), ("ance", ""), ("ence", ""), ("er", ""), ("ic", ""), ("able", ""), ("ible", ""), ("ant", ""),
    ("ement", ""), ("ment", ""), ("ent", ""), ("ion", ""), ("ou", ""), ("ism", ""), ("ate", ""), ("iti", ""),
    ("ous", ""), ("ive", ""), ("ize", ""),
)


def _step1a(w: str) -> str:
    if w.endswith("ies") and len(w) == 4:
        return w[:-3] + "ie"
    if w.endswith("sses") or w.endswith("ies"):
        return w[:-2]
    if w.endswith("ss"):
        return w
    if w.endswith("s"):
        return w[:-1]
    return w


def _step1b(w: str) -> str:
    if w.endswith("ied"):
        return w[:-3] + ("ie" if len(w) == 4 else "i")
    if w.endswith("eed"):
        stem = w[:-3]
        return stem + "ee" if _m_over_0(stem) else w
    if w.endswith("ed"):
        stem = w[:-2]
    elif w.endswith("ing"):
        stem = w[:-3]
    else:
        return w
    if "v" not in _cv(stem):
        return w
    if stem.endswith("at") or stem.endswith("bl") or stem.endswith("iz"):
        return stem + "e"
    if len(stem) >= 2 and stem[-1] == stem[-2] and _cv(stem)[-1] == "c":
        return stem[:-1] if stem[-1] not in "lsz" else stem
    return stem + "e" if _m(stem) == 1 and _ends_cvc(stem) else stem


def _step1c(w: str) -> str:
    if w.endswith("y"):
        stem = w[:-1]
        if len(stem) > 1 and _cv(stem)[-1] == "c":
            return stem + "i"
    return w


def _step2(w: str) -> str:
    if w.endswith("alli") and _m_over_0(w[:-4]):
        return _step2(w[:-4] + "al")
    for suffix, replacement in _STEP2.get(w[-1:], ()):
        if w.endswith(suffix):
            stem = w[: -len(suffix)]
            # logi -> log keeps the l with the stem when measuring (geo-logi, theo-logi).
            ok = _m_over_0(w[:-3] if suffix == "logi" else stem)
            return stem + replacement if ok else w
    return w


def _step4(w: str) -> str:
    if w.endswith("ion"):
        stem = w[:-3]
        return stem if _m_over_1(stem) and stem[-1] in "st" else w
    return _apply(w, _STEP4, _m_over_1)


def _step5a(w: str) -> str:
    if w.endswith("e"):
        stem = w[:-1]
        m = _m(stem)
        if m > 1 or (m == 1 and not _ends_cvc(stem)):
            return stem
    return w


def _step5b(w: str) -> str:
    if w.endswith("ll") and _m_over_1(w[:-1]):
        return w[:-1]
    return w


def stem(word: str) -> str:
    """The Porter stem of ``word`` (lowercased), as ``nltk.stem.PorterStemmer().stem(word)``."""
    w = word.lower()
    found = _POOL.get(w)
    if found is not None:
        return found
    if len(word) <= 2:
        return w
    w = _step1c(_step1b(_step1a(w)))
    w = _step4(_apply(_step2(w), _STEP3, _m_over_0))
    return _step5b(_step5a(w))
