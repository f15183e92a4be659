"""Sentence chunks with exact offsets, line and column.

Sentences are found by nltk's Punkt, trained on the corpus being indexed and
seeded with common English abbreviations, so no Punkt model ever needs to be
downloaded. The sentence ends of other scripts, which are never abbreviations
(the ideographic full stop and the full-width exclamation and question marks,
the Devanagari danda, the Arabic question mark), always end a sentence;
Punkt decides the periods between them. Blocks (paragraphs, headings) from :mod:`qa.formats` are hard
boundaries; a line break inside a paragraph is not.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from qa.formats import Block

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

#: Longest chunk, in characters: longer sentences (tables, run-on lines) are
#: cut at whitespace so that one chunk never swamps a result or the memory.
MAX_CHUNK_CHARS = 1000
#: Punkt sees at most this much text at once; longer blocks are pre-cut.
MAX_WINDOW_CHARS = 100_000
#: How much text Punkt is trained on: enough to learn a corpus's abbreviations
#: (the seeded list covers the common ones); training runs before the worker
#: pool starts and costs about 4 s per MB.
TRAIN_CHARS = 500_000

#: Abbreviations Punkt may not learn from a small corpus (lowercase, no final period).
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    mr mrs ms messrs mme mmes dr prof sr jr st mt ft gen col lt sgt capt cmdr adm
    gov sen rep pres supt rev hon fr esq
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    u.s u.s.a u.k u.n e.u d.c n.y l.a a.m p.m e.g i.e etc vs al cf viz approx
    inc ltd co corp bros dept est fig figs eq eqs ed eds vol vols no nos pp ch sec
    univ ave blvd rd
    a b c d e f g h i j k l m n o p q r s t u v w x y z
    """.split()
)

_SPACE = re.compile(r"\s")


class SentenceSplitter:
    """A Punkt sentence splitter whose parameters round-trip through JSON."""

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        p = _punkt().PunktParameters()
        if params:
            p.abbrev_types = set(params.get("abbrev_types", ()))
            p.collocations = {tuple(c) for c in params.get("collocations", ())}
            p.sent_starters = set(params.get("sent_starters", ()))
            p.ortho_context.update(params.get("ortho_context", {}))
        p.abbrev_types |= ABBREVIATIONS
        self.params = p
        self._tokenizer: PunktSentenceTokenizer = _memo_tokenizer_class()(p)
        self._period_context: Any = self._tokenizer._lang_vars.period_context_re()
        self._realign: Any = self._tokenizer._lang_vars.re_boundary_realignment

    @classmethod
    def train(cls, texts: Iterable[str], limit: int = TRAIN_CHARS) -> SentenceSplitter:
        """Learn abbreviations and sentence starters from (a sample of) ``texts``."""
        trainer = _punkt().PunktTrainer()
        seen = 0
        for text in texts:
            if seen >= limit:
                break
            sample = text[: limit - seen]
            trainer.train(sample, finalize=False)
            seen += len(sample)
        trainer.finalize_training()
        params = trainer.get_params()
        # Keep only what the trainer learned about abbreviations from real
        # periods; the seeded list is added in __init__.
        return cls(
            {
                "abbrev_types": sorted(params.abbrev_types),
                "collocations": sorted(params.collocations),
                "sent_starters": sorted(params.sent_starters),
                "ortho_context": dict(params.ortho_context),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Parameters as plain JSON data (never pickle)."""
        p = self.params
        return {
            "abbrev_types": sorted(p.abbrev_types - ABBREVIATIONS),
            "collocations": sorted(list(c) for c in p.collocations),
            "sent_starters": sorted(p.sent_starters),
            "ortho_context": dict(p.ortho_context),
        }

    def spans(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """Yield sentence spans (absolute offsets) inside ``text[start:end]``."""
        if _HARD_END.search(text, start, end):
            lo = start
            for found in _HARD_END.finditer(text, start, end):
                yield from self._punkt_or_whole(text, lo, found.end())
                lo = found.end()
            if lo < end:
                yield from self._punkt_or_whole(text, lo, end)
            return
        yield from self._punkt_or_whole(text, start, end)

    def _punkt_or_whole(self, text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        if not _CANDIDATE.search(text, start, end):
            yield start, end  # no possible sentence end: the block is one sentence
            return
        for w_start, w_end in _windows(text, start, end):
            for s, e in self._punkt_spans(text[w_start:w_end]):
                yield w_start + s, w_start + e

    def _punkt_spans(self, text: str) -> list[tuple[int, int]]:
        """Exactly ``PunktSentenceTokenizer.span_tokenize(text)``, in one loop.

        nltk finds the candidate breaks, the word before each, the breaks and
        the realigned boundaries in four chained generators; this is the same
        algorithm (same regexes, same quirks, same memoised decisions) without
        the generator and slice objects, which cost more than the decisions.
        """
        tokenizer = self._tokenizer
        decide = tokenizer.text_contains_sentbreak
        whitespace = _PUNKT_WHITESPACE
        breaks: list[tuple[int, int]] = []
        last_break = 0
        # The candidate waiting to be decided: its match and the word before it.
        pending: Any = None
        p_start = p_stop = 0
        for match in self._period_context.finditer(text):
            m_start = match.start()
            # Punkt's previous word: after the last ASCII whitespace since the
            # previous candidate's word; whitespace right at that point (or none)
            # means the previous word's start (nltk's "index 0 is falsy" rule).
            i = m_start - 1
            while i > p_stop and text[i] not in whitespace:
                i -= 1
            w_start = i + 1 if i > p_stop else p_start
            if (
                pending is not None
                and p_stop <= w_start
                and decide(text[p_start:p_stop] + pending.group() + pending.group("after_tok"))
            ):
                breaks.append((last_break, pending.end()))
                nxt = pending.start("next_tok")
                last_break = nxt if nxt >= 0 else pending.end()
            pending, p_start, p_stop = match, w_start, m_start
        if pending is not None and decide(text[p_start:p_stop] + pending.group() + pending.group("after_tok")):
            breaks.append((last_break, pending.end()))
            nxt = pending.start("next_tok")
            last_break = nxt if nxt >= 0 else pending.end()
        breaks.append((last_break, len(text.rstrip())))
        # Realign closing quotes and brackets onto the sentence they end.
        out: list[tuple[int, int]] = []
        realign = 0
        realign_re = self._realign
        last = len(breaks) - 1
        for k in range(last):
            s1 = breaks[k][0] + realign
            s1_end = breaks[k][1]
            s2, s2_end = breaks[k + 1]
            m = realign_re.match(text[s2:s2_end]) if s2 < s2_end and text[s2] in _REALIGN_FIRST else None
            if m is not None:
                out.append((s1, s2 + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if s1 < s1_end:
                    out.append((s1, s1_end))
        s1, s1_end = breaks[last][0] + realign, breaks[last][1]
        if s1 < s1_end:
            out.append((s1, s1_end))
        return out

    def sentence_spans(self, text: str, blocks: Sequence[Block]) -> tuple[list[int], list[int], list[int]]:
        """The sentences of ``text`` as three lists: start and end offsets, and block index.

        Each block is split on its own (blocks are hard boundaries), in
        document order; indexing packs these lists into arrays directly.
        """
        starts: list[int] = []
        ends: list[int] = []
        paras: list[int] = []
        spans = self._block_spans(text, blocks)
        n = len(spans)
        k = 0
        big = MAX_CHUNK_CHARS
        space = str.isspace
        while k < n:
            b, s, e = spans[k]
            k += 1
            # A break after ? or ! is undone when the next sentence of the same block
            # starts in lowercase ("“Is it true?” she asked.").
            while (
                k < n and spans[k][0] == b and _QUESTION_END.search(text, s, e) and _starts_lower(text, *spans[k][1:])
            ):
                e = spans[k][2]
                k += 1
            if 0 < e - s <= big and not space(text[s]) and not space(text[e - 1]):
                if _ALNUM.search(text, s, e):  # "." or "---" alone says nothing
                    starts.append(s)
                    ends.append(e)
                    paras.append(b)
                continue
            for lo, hi in _cap(text, s, e):
                if _ALNUM.search(text, lo, hi):
                    starts.append(lo)
                    ends.append(hi)
                    paras.append(b)
        return starts, ends, paras

    def _block_spans(self, text: str, blocks: Sequence[Block]) -> list[tuple[int, int, int]]:
        """``(block index, start, end)`` sentence spans, never crossing a block.

        Punkt runs once over a window of consecutive blocks (one call per block
        costs more than the splitting itself on short paragraphs) and its
        sentences are then cut at every block boundary, so blocks stay hard
        boundaries.
        """
        out: list[tuple[int, int, int]] = []
        bounds = [(block.start, block.end) for block in blocks]
        i = 0
        while i < len(bounds):
            j, w_end = i, bounds[i][1]
            while j + 1 < len(bounds) and bounds[j + 1][1] - bounds[i][0] <= MAX_WINDOW_CHARS:
                j += 1
                w_end = bounds[j][1]
            b = i
            b_start, b_end = bounds[b]
            for s, e in self.spans(text, bounds[i][0], w_end):
                if b_start <= s < e <= b_end and b <= j:  # the usual case: inside the current block
                    out.append((b, s, e))
                    continue
                while b <= j and s < e:
                    b_start, b_end = bounds[b]
                    if s >= b_end:
                        b += 1
                        continue
                    lo, hi = max(s, b_start), min(e, b_end)
                    if lo < hi:
                        out.append((b, lo, hi))
                    if e <= b_end:
                        break
                    s = b_end
                    b += 1
                if b <= j:
                    b_start, b_end = bounds[b]
            i = j + 1
        return out


_PUNKT: Any = None


def _punkt() -> Any:
    """nltk's ``punkt`` module, loaded without running ``nltk/__init__``.

    Importing the whole nltk package costs ~0.5 s (most of a refresh after one
    file changed); Punkt only needs a few small modules. They are loaded under placeholder parent
    packages that are then dropped from ``sys.modules``, so a later real
    ``import nltk`` starts clean.
    """
    global _PUNKT
    if _PUNKT is None:
        if "nltk.tokenize.punkt" in sys.modules:
            _PUNKT = sys.modules["nltk.tokenize.punkt"]
            return _PUNKT
        before = set(sys.modules)
        try:
            for name in ("nltk", "nltk.tokenize"):
                spec = importlib.util.find_spec(name)
                if spec is None:  # pragma: no cover - nltk is a dependency
                    raise ImportError(name)
                sys.modules[name] = importlib.util.module_from_spec(spec)
            _PUNKT = importlib.import_module("nltk.tokenize.punkt")
        finally:
            for name in set(sys.modules) - before:
                if name == "nltk" or name.startswith("nltk."):
                    del sys.modules[name]
    return _PUNKT


_MEMO_CLASS: Any = None
_PLAIN_END = re.compile(r"([A-Za-z]{2,})\.\s+\S+")


def _memo_tokenizer_class() -> Any:
    """PunktSentenceTokenizer whose per-candidate decision is memoised.

    Punkt decides each potential break from a short context string (the word
    before the period, the period and the next word); the decision depends on
    nothing else once the parameters are fixed, and the same contexts recur
    throughout a corpus, so caching them saves a good share of splitting time.
    """
    global _MEMO_CLASS
    if _MEMO_CLASS is None:
        PunktSentenceTokenizer: Any = _punkt().PunktSentenceTokenizer

        lang_vars, token_cls = _direct_regex_classes()

        class MemoPunkt(PunktSentenceTokenizer):  # type: ignore[misc]
            def __init__(self, params: Any) -> None:
                super().__init__(params, lang_vars=lang_vars(), token_cls=token_cls)
                self._memo: dict[str, bool] = {}
                self._plain_ok = frozenset(params.abbrev_types) | {c[0] for c in params.collocations}

            def text_contains_sentbreak(self, text: str) -> bool:
                # Most candidates are "word. Next": a period after an ordinary word
                # (two or more letters, not an abbreviation, not starting a learned
                # collocation) is always a break in Punkt's rules; skip its machinery.
                plain = _PLAIN_END.fullmatch(text)
                if plain is not None and plain.group(1).lower() not in self._plain_ok:
                    return True
                found = self._memo.get(text)
                if found is None:
                    if len(self._memo) > 500_000:
                        self._memo.clear()
                    found = self._memo[text] = bool(super().text_contains_sentbreak(text))
                return found

        _MEMO_CLASS = MemoPunkt
    return _MEMO_CLASS


def _direct(pattern: Any) -> Any:
    """The compiled pattern inside nltk's per-call timeout wrapper (same engine, same matches).

    nltk routes every regex call through a wrapper that arms a timeout, which
    costs more than the match itself on Punkt's short contexts; Punkt's own
    patterns are linear, so they are called directly.
    """
    return getattr(pattern, "_rx", pattern)


def _direct_regex_classes() -> tuple[Any, Any]:
    """Punkt's language variables and token class, calling their regexes directly."""
    punkt: Any = _punkt()

    class DirectLangVars(punkt.PunktLanguageVars):  # type: ignore[misc]
        re_boundary_realignment = _direct(punkt.PunktLanguageVars.re_boundary_realignment)

        def _word_tokenizer_re(self) -> Any:
            return _direct(super()._word_tokenizer_re())

        def period_context_re(self) -> Any:
            return _direct(super().period_context_re())

    class DirectToken(punkt.PunktToken):  # type: ignore[misc]
        __slots__ = ()
        _RE_ELLIPSIS = _direct(punkt.PunktToken._RE_ELLIPSIS)
        _RE_NUMERIC = _direct(punkt.PunktToken._RE_NUMERIC)
        _RE_INITIAL = _direct(punkt.PunktToken._RE_INITIAL)
        _RE_ALPHA = _direct(punkt.PunktToken._RE_ALPHA)

        @property
        def is_non_punct(self) -> Any:
            return _direct(punkt._re_non_punct).search(self.type)

    return DirectLangVars, DirectToken


_CANDIDATE = re.compile(r"[.?!]")
#: Sentence ends that are never abbreviations, with the closing quotes and brackets after them:
#: ideographic full stop (and its half-width form), full-width ! and ?, Devanagari danda and
#: double danda, Arabic question mark, Urdu full stop.
_HARD_END = re.compile("[\u3002\uff61\uff01\uff1f\u0964\u0965\u061f\u06d4]+"
                       "[\u300d\u300f\uff09\u201d\u2019\u3011\u3015\u300b\u3009\"')\\]]*")
#: Where a sentence with no space may be cut: after a comma or semicolon of CJK or Latin text.
_SOFT_CUT = re.compile("[\uff0c\u3001\uff1b\uff1a,;:]")
#: A letter or digit: a sentence without one (a lone "." or "---") is not indexed.
_ALNUM = re.compile(r"[^\W_]")
#: What Punkt counts as whitespace when it looks for the word before a period.
_PUNKT_WHITESPACE = frozenset(" \t\n\r\x0b\x0c")
#: First characters of Punkt's boundary realignment (closing quotes and brackets).
_REALIGN_FIRST = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
#: A span ending in ? or ! (closing quotes and brackets allowed after it).
_QUESTION_END = re.compile(r"[?!][\"'\u201d\u2019)\]]*\s*\Z")


def _starts_lower(text: str, start: int, end: int) -> bool:
    """Whether the first letter-or-digit of ``text[start:end]`` is a lowercase letter."""
    for ch in text[start : min(end, start + 8)]:
        if ch.isalnum():
            return ch.islower()
    return False


def _windows(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut very long blocks before Punkt sees them, at a line break or space."""
    while end - start > MAX_WINDOW_CHARS:
        limit = start + MAX_WINDOW_CHARS
        cut = text.rfind("\n", start + MAX_WINDOW_CHARS // 2, limit)
        if cut < 0:
            cut = text.rfind(" ", start + MAX_WINDOW_CHARS // 2, limit)
        cut = limit if cut < 0 else cut + 1
        yield start, cut
        start = cut
    yield start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cap(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Split a span longer than MAX_CHUNK_CHARS at whitespace, keeping exact offsets."""
    while end - start > MAX_CHUNK_CHARS:
        limit = start + MAX_CHUNK_CHARS
        cut = -1
        for m in _SPACE.finditer(text, start + MAX_CHUNK_CHARS // 2, limit):
            cut = m.start()
        if cut < 0:  # text without spaces (Chinese, Japanese, Thai): after a comma, else anywhere
            for m in _SOFT_CUT.finditer(text, start + MAX_CHUNK_CHARS // 2, limit):
                cut = m.end()
        cut = limit if cut < 0 else cut
        s, e = _trim(text, start, cut)
        if s < e:
            yield s, e
        start = cut
    s, e = _trim(text, start, end)
    if s < e:
        yield s, e
