"""Second stage: re-score the best candidates with their context as BM25F fields.

The first stage (:func:`qa.search.rank`) adds up separately saturated scores
for the sentence, its neighbours, its paragraph and its heading. That counts a
question word twice when it is both in the sentence and around it, and it
cannot tell a sentence that holds *all* the question's words in its context
from one that repeats a single rare word. BM25F (Robertson, Zaragoza and
Taylor 2004, the field model Lucene's ``BM25FQuery`` implements) fixes both:
each term's frequency is summed over weighted, length-normalised fields first,
then saturated once.

Lexical cues that any English question carries are added:

- the expected answer type: a "when" question is answered by a sentence with
  a date, "how many" by one with a number, "who"/"where" by one with a name,
  each one the question does not already hold;
- word order: question words that stand together in the sentence (a
  phrase) or near each other;
- where the words are rare: a name that fills a whole book tells its
  sentences apart less than its idf over the corpus says;
- the whole document: a sentence from a document that is about the
  question's words as a whole is likelier to answer it;
- the very words asked: a question word found in the same form (not only the
  same stem) is surer evidence, since stemming joins words such as
  "general" and "generation".

Only a short list of candidates is re-scored, so the cost does not grow with
the corpus. Weights were fitted on the tune half of bench/quality.py.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from qa.analyzers import analyzer
from qa.index import unique_ids
from qa.langdata import QUESTION_TYPES
from qa.ranking import DEFAULT_RANKING, BM25Params, Rerank
from qa.tokens import STOP_MARK

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qa.index import Index


DEFAULT_RERANK = DEFAULT_RANKING.rerank

_DATE_Q = re.compile(
    r"\bwhen\b|\b(?:what|which) (?:year|century|decade|date|month|day|era|period)\b", re.IGNORECASE
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|far|old|large|big|tall|high|often|fast|deep|wide|heavy)\b"
    r"|\bwhat (?:percentage|percent|proportion|number|amount|fraction)\b",
    re.IGNORECASE,
)
_NAME_Q = re.compile(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhere\b", re.IGNORECASE)
_PLACE_Q = re.compile(r"\bwhere\b|\bwhat (?:country|city|state|county|continent|region|town|place)\b", re.IGNORECASE)
_PLACE_S = re.compile(r"\b(?:located|situated|lies|based|headquartered|bordered|borders|north|south|east|west)\b"
                      r"|\b(?:in|at|near|on)\s+(?:the\s+)?[A-Z][a-z]+")
#: "What is X", "who was X", "what does X mean", "define X": the answer says what X is.
_DEFINITION_Q = re.compile(r"^\W*(?:(?:what|who)(?:'s|\s+(?:is|are|was|were))\b|what\s+(?:does|do)\b.*\bmean\b"
                           r"|define\b|definition\s+of\b|meaning\s+of\b)", re.IGNORECASE)
#: The verb a definition turns on: "X is a ...", "X are used to ...", "X refers to ...".
_COPULA = re.compile(r"\b(?:(?:is|are|was|were)\s+(?:a|an|the|one|any|used|defined|called|known|what)\b"
                     r"|refers?\s+to\b|means\b|denotes\b|represents\b|provides\b)")
#: At most this many words stand before a definition's verb (its subject, not a whole clause).
_DEFINITION_HEAD = 8
_DATE_S = re.compile(
    r"\b(?:1\d{3}|20\d{2})s?\b|\b(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December|century|centuries|BC|AD|BCE|CE)\b"
)
_NUMBER_S = re.compile(
    r"\d+|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen"
    r"|half|percent|once|twice|thrice)\b",
    re.IGNORECASE,
)
#: A capitalised word that does not start the sentence.
_NAME_S = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")
_WORDS = re.compile(r"\w+")


@functools.cache
def _typed(lang: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The compiled date and number question patterns of a language (compiled when first asked)."""
    found = QUESTION_TYPES.get(lang)
    return None if found is None else (re.compile(found[0]), re.compile(found[1]))

#: A year, whatever stands around it (a Chinese year is written ``1879年``).
_YEAR = re.compile(r"(?<!\d)(?:1\d{3}|20\d{2})(?!\d)")
_DIGITS = re.compile(r"\d+")


def answer_type(question: str, langs: Sequence[str] = ("en",)) -> str:
    """What kind of answer the question asks for: ``date``, ``number``, ``name`` or ``""``.

    In English by its words; in the other languages ``langs`` of an index,
    "when" and "how many" (``date``, ``number``) by theirs.
    """
    if _DATE_Q.search(question):
        return "date"
    if _NUMBER_Q.search(question):
        return "number"
    if _NAME_Q.search(question):
        return "name"
    lower = question.lower()
    for lang in langs:
        found = _typed(lang)
        if found is not None:
            if found[0].search(lower):
                return "year"
            if found[1].search(lower):
                return "digits"
    return ""


def has_answer_type(kind: str, sentence: str, question_words: set[str]) -> bool:
    """Whether ``sentence`` holds something of ``kind`` that is not one of ``question_words``.

    The answer is what the question does not say: in "how many games did
    Super Bowl 50 draw", the 50 answers nothing.
    """
    pattern = {"date": _DATE_S, "number": _NUMBER_S, "name": _NAME_S, "year": _YEAR, "digits": _DIGITS}.get(kind)
    return pattern is not None and any(m.group().lower() not in question_words for m in pattern.finditer(sentence))


@dataclass(slots=True)
class Fields:
    """Per-candidate lengths and neighbours, shared by every term."""

    ids: NDArray[np.int64]
    pid: NDArray[np.int64]
    prev: NDArray[np.int64]
    next: NDArray[np.int64]
    has_prev: NDArray[np.bool_]
    has_next: NDArray[np.bool_]
    lo: NDArray[np.int64]
    hi: NDArray[np.int64]
    norm_s: NDArray[np.float64]
    norm_w: NDArray[np.float64]
    norm_p: NDArray[np.float64]
    around: NDArray[np.int64]


def _fields(index: Index, ids: NDArray[np.int64], rr: Rerank) -> Fields:
    p = index.column("g_pid", ids)
    lo, hi = index.paragraph_bounds(p)
    has_prev, has_next = ids - 1 >= lo, ids + 1 < hi
    prev, nxt = np.maximum(ids - 1, lo), np.minimum(ids + 1, hi - 1)
    own = index.column("c_len", ids).astype(np.float64)
    win = np.where(has_prev, index.column("c_len", prev), 0) + np.where(has_next, index.column("c_len", nxt), 0)
    avg = index.avgdl or 1.0
    avg_par = index.paragraph_mean() or 1.0
    return Fields(
        ids=ids, pid=p, prev=prev, next=nxt, has_prev=has_prev, has_next=has_next, lo=lo, hi=hi,
        norm_s=1 - rr.sentence_b + rr.sentence_b * own / avg,
        norm_w=1 - rr.window_b + rr.window_b * win / (2 * avg),
        norm_p=1 - rr.paragraph_b + rr.paragraph_b * index.paragraph_lengths(p) / avg_par,
        around=np.concatenate((ids, prev, nxt)),
    )


@dataclass(slots=True)
class TermStats:
    """What the field loop learns about each question term, per candidate."""

    contributions: dict[str, NDArray[np.float64]]
    local: NDArray[np.float64]
    shared: NDArray[np.float64]
    document: NDArray[np.float64]


def _doc_ranges(index: Index, ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """First chunk and end of each candidate's document (documents are contiguous runs)."""
    docs = index.column("c_doc", ids)
    first = np.array([index.docs[d].first for d in docs.tolist()], dtype=np.int64)
    count = np.array([index.docs[d].count for d in docs.tolist()], dtype=np.int64)
    return first, first + count


def field_scores(index: Index, ids: NDArray[np.int64], terms: list[str], rr: Rerank = DEFAULT_RERANK,
                 params: BM25Params | None = None) -> TermStats:
    """BM25F of candidates ``ids`` over sentence, neighbours, rest of paragraph and heading, per term.

    Also collects, per candidate, the question terms' idf within its own document
    (a name that fills a whole book tells its sentences apart less than its
    corpus idf says), the idf of matched terms that the paragraph repeats, and
    the BM25 of the question against the whole document: a term's frequency
    there is the number of the document's sentences that hold it (a slice of
    its postings, since documents are contiguous runs of chunks), saturated
    and normalised by the document's length in sentences, weighted by the
    term's sentence idf. Its cost grows with the shortlist, not the corpus.
    """
    f = _fields(index, ids, rr)
    doc_lo, doc_hi = _doc_ranges(index, ids)
    doc_n = (doc_hi - doc_lo).astype(np.float64)
    stats = TermStats({}, np.zeros(len(ids)), np.zeros(len(ids)), np.zeros(len(ids)))
    avg_doc = index.n_chunks / max(len(index.docs), 1)
    doc_norm = rr.document_k1 * (1 - rr.document_b + rr.document_b * doc_n / avg_doc)
    headings = index.headings_terms(ids)
    for term, qtf in Counter(terms).items():
        tid = index.term_id(term)
        if tid is None:
            continue
        own, before, after = np.split(index.tf_at(tid, f.around), 3)  # one search for all three
        before, after = np.where(f.has_prev, before, 0), np.where(f.has_next, after, 0)
        win = rr.window * before + rr.window_after * after
        par = index.range_tf(tid, f.lo, f.hi).astype(np.float64)
        rest = np.maximum(par - own - before - after, 0)
        heading = np.array([term in h for h in headings], dtype=np.float64)
        tf = own / f.norm_s + win / f.norm_w + rr.paragraph * rest / f.norm_p + rr.heading * heading
        idf = index.idf(tid, params)
        stats.contributions[term] = qtf * idf * tf * (rr.k1 + 1) / (rr.k1 + tf)
        matched = own > 0
        df_doc = index.count_between(tid, doc_lo, doc_hi).astype(np.float64)
        stats.local += matched * np.log1p((doc_n - df_doc + 0.5) / (df_doc + 0.5))
        stats.shared += (matched & (par > own)) * idf
        stats.document += qtf * idf * df_doc * (rr.document_k1 + 1) / (df_doc + doc_norm)
    return stats


def bm25f(index: Index, ids: NDArray[np.int64], terms: list[str], rr: Rerank = DEFAULT_RERANK) -> NDArray[np.float64]:
    """BM25F of candidates ``ids`` (the sum of :func:`field_scores`' contributions)."""
    parts = field_scores(index, ids, terms, rr).contributions.values()
    return np.sum(list(parts), axis=0) if parts else np.zeros(len(ids))


def _positions(tokens: list[str], wanted: dict[str, float]) -> dict[str, list[int]]:
    """Where each of the ``wanted`` terms occurs in ``tokens`` (only those found)."""
    pos: dict[str, list[int]] = {}
    for i, t in enumerate(tokens):
        if t in wanted:
            pos.setdefault(t, []).append(i)
    return pos


def _gap(a: list[int], b: list[int]) -> int:
    """The least distance between a position of ``a`` and one of ``b`` (both ascending): one merge pass."""
    i = j = 0
    best = abs(a[0] - b[0])
    while i < len(a) and j < len(b):
        d = a[i] - b[j]
        if d == 0:
            return 0
        if d < 0:
            best = min(best, -d)
            i += 1
        else:
            best = min(best, d)
            j += 1
    return best


def order_scores(index: Index, texts: list[str], terms: list[str], question: str = "",
                 langs: list[str] | None = None, params: BM25Params | None = None,
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Phrase, proximity and exact-form evidence for each candidate text, from its words.

    ``phrase``: idf of question word pairs (consecutive in the question) found at
    most two words apart, as a share of the question's idf. ``proximity``: sum of
    1/distance² over pairs of matched question terms. ``exact``: idf of the
    question terms that the text holds in a form the question used (before
    stemming: "general" and "generation" share a stem but not a meaning), as a
    share of the question's idf. ``langs``: each text's language (default English),
    which analyses it and the question. ``params``: the sentence BM25 whose idf weighs the terms.
    """
    langs = langs or ["en"] * len(texts)
    idf, total = _idf_share(index, terms, params)
    seq = [t for t in terms if idf[t] > 0]
    pairs = [(x, y) for x, y in pairwise(seq) if x != y]
    by_lang: dict[str, dict[str, set[str]]] = {}
    for lang in dict.fromkeys(langs):
        a = analyzer(lang)
        forms_in = by_lang[lang] = {}
        for word in a.normal_words(question):
            term = a.stem(word)
            if idf.get(term):
                forms_in.setdefault(term, set()).add(word)
    phrase, proximity, exact = np.zeros(len(texts)), np.zeros(len(texts)), np.zeros(len(texts))
    stops = any(t.startswith(STOP_MARK) for t in idf)
    for j, text in enumerate(texts):
        a = analyzer(langs[j])
        forms = by_lang[langs[j]]
        normals = a.normal_words(text)
        pos = _positions(a.terms_in_order(text, stops) if stops else a.stem_all(normals), idf)
        phrase[j] = sum((idf[x] + idf[y]) / 2 for x, y in pairs if x in pos and y in pos and _gap(pos[x], pos[y]) <= 2)
        found = [t for t in idf if t in pos]
        proximity[j] = sum(1.0 / _gap(pos[x], pos[y]) ** 2 for i, x in enumerate(found) for y in found[i + 1 :])
        if forms:
            seen = set(normals)
            exact[j] = sum(idf[t] for t, words in forms.items() if not words.isdisjoint(seen))
    return phrase / total, proximity, exact / total


def _idf_share(index: Index, terms: list[str], params: BM25Params | None = None) -> tuple[dict[str, float], float]:
    idf: dict[str, float] = {}
    for term in dict.fromkeys(terms):
        tid = index.term_id(term)
        idf[term] = index.idf(tid, params) if tid is not None else 0.0
    return idf, sum(idf.values()) or 1.0


def _position_cues(index: Index, question: str, terms: list[str], ids: NDArray[np.int64], texts: list[str],
                   rr: Rerank, params: BM25Params | None = None) -> tuple[NDArray[np.float64], ...]:
    """Where a candidate stands and what it says first: lead, definition, first, first in paragraph, place."""
    n = len(ids)
    lead, definition, first, first_par, place = (np.zeros(n) for _ in range(5))
    if not (rr.lead or rr.definition or rr.first or rr.first_paragraph or rr.place) or not n:
        return lead, definition, first, first_par, place
    idf, total = _idf_share(index, terms, params)
    docs = index.column("c_doc", ids).tolist()
    par_first = index.paragraph_bounds(index.column("g_pid", ids))[0]
    first_par[:] = par_first == ids
    leads: dict[int, float] = {}
    for j, (cid, d) in enumerate(zip(ids.tolist(), docs, strict=True)):
        start = index.docs[d].first
        first[j] = cid == start
        if rr.lead:
            if d not in leads:
                found = index.lead_terms(d)
                leads[d] = sum(w for t, w in idf.items() if t in found) / total
            lead[j] = leads[d]
    if rr.definition and _DEFINITION_Q.search(question):
        for j, text in enumerate(texts):
            verb = _COPULA.search(text)
            if verb is not None and len(text[: verb.start()].split()) <= _DEFINITION_HEAD:
                head = set(analyzer(index.lang_of(int(ids[j]))).terms_in_order(text[: verb.start()]))
                definition[j] = sum(w for t, w in idf.items() if t in head) / total
    if rr.place and _PLACE_Q.search(question):
        place[:] = [bool(_PLACE_S.search(text)) for text in texts]
    return lead, definition, first, first_par, place


#: A signature's parameters: "fs.readFile(path[, options], callback)" names fs.readFile.
_SIGNATURE_ARGS = re.compile(r"(?<=[\w\]])\(.*\)$")


@functools.lru_cache(maxsize=65536)
def _heading_terms(heading: str, lang: str) -> tuple[str, ...]:
    """A heading's distinct terms in the analyzer of its document's language (headings recur)."""
    return tuple(dict.fromkeys(analyzer(lang).tokenize(heading)))


class _HeadingScore:
    """How well a heading names what the question asks about (memoised per heading).

    The share of the heading's idf that the question holds times the share of
    the question's idf that the heading holds: 1 when they hold the same
    words, small when either holds much the other does not.
    """

    def __init__(self, index: Index, idf: dict[str, float], total: float, params: BM25Params | None = None) -> None:
        self.index, self.idf, self.total, self.params = index, idf, total, params
        self.cache: dict[tuple[str, str], float] = {}

    def __call__(self, heading: str | None, lang: str) -> float:
        if not heading:
            return 0.0
        found = self.cache.get((heading, lang))
        if found is None:
            weights = {}
            for term in _heading_terms(heading, lang):
                tid = self.index.term_id(term)
                weights[term] = self.index.idf(tid, self.params) if tid is not None else 0.0
            own = sum(weights.values())
            shared = sum(w for t, w in weights.items() if t in self.idf)
            found = self.cache[heading, lang] = (shared / own) * (shared / self.total) if own else 0.0
        return found


#: A qualified name: "fsPromises.writeFile", "os.path.exists", "@typing.final".
_QUALIFIED = re.compile(r"\W*[\w$]+(?:[.:#][\w$]+)+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _innermost(heading: str) -> str:
    """The last part of a heading path, as the words it names: a signature by its name, a qualified
    name by its last part, a camelCase name by its words ("fsPromises.writeFile(file, data)" ->
    "write File": the function writes a file; its module is where it lives)."""
    name = _SIGNATURE_ARGS.sub("", heading.rsplit(" > ", 1)[-1]).strip()
    if _QUALIFIED.fullmatch(name):
        name = re.split(r"[.:#]", name)[-1]
    return _CAMEL.sub(" ", name) if " " not in name else name


#: A field of an API description ("Returns: {Promise} ...", "Default: 'utf8'.", "Return type: int").
_FIELD = re.compile(r"[A-Z][a-z]+(?: [a-z]+)?:\s")
#: A line that reads as a sentence: words, then final punctuation (not "path {string}", "History", "v7.6.0").
_SENTENCE_LIKE = re.compile(r"(?:\w+\W+){2,}.*[.!?:][\"')\]]*\s*$", re.DOTALL)
#: How far back the first sentence under a heading is looked for.
_OPENING_SPAN = 16


def _opens(index: Index, cid: int, first: int) -> bool:
    """Whether ``cid`` is the first sentence under its own heading (its label, else its section,
    else its document's title): it is no field of an API description ("Returns: ..."), and every
    chunk before it under the same label and section, in its document, is a line that is not a
    sentence (a parameter list, a "History" table, a version note) or such a field.
    """
    if _FIELD.match(index.text(cid)):
        return False
    section, label = index.value("c_section", cid), index.value("c_label", cid)
    prev = cid - 1
    while prev >= first and index.value("c_section", prev) == section and index.value("c_label", prev) == label:
        text = index.text(prev)
        if cid - prev > _OPENING_SPAN or (_SENTENCE_LIKE.match(text) and not _FIELD.match(text)):
            return False
        prev -= 1
    return True


def _heading_cues(index: Index, terms: list[str], ids: NDArray[np.int64], params: BM25Params | None = None
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """How well each candidate's heading names what the question asks about (its label, innermost
    section or document title, the best of them), that again for the first sentence under its own
    heading only (:class:`qa.ranking.Rerank` ``heading_match``, ``heading_first``), and the match
    of its label when it opens it (a definition list's term: what its first sentence defines)."""
    n = len(ids)
    match, first, defined = np.zeros(n), np.zeros(n), np.zeros(n)
    idf, total = _idf_share(index, terms, params)
    if not n or not any(idf.values()):
        return match, first, defined
    score = _HeadingScore(index, idf, total, params)
    docs = index.column("c_doc", ids).tolist()
    sections, labels = index.column("c_section", ids).tolist(), index.column("c_label", ids).tolist()
    for j, cid in enumerate(ids.tolist()):
        doc = index.docs[docs[j]]
        lang = doc.lang
        section, label = index.section_text(sections[j]), index.label_text(labels[j])
        by_label = score(_innermost(label), lang) if label else 0.0
        by_section = score(_innermost(section), lang) if section else 0.0
        match[j] = max(by_label, by_section, score(doc.title, lang))
        if match[j] and _opens(index, cid, doc.first):
            first[j] = match[j]
            defined[j] = by_label
    return match, first, defined


def heading_candidates(index: Index, terms: list[str], limit: int, floor: float, per_heading: int = 3,
                       params: BM25Params | None = None) -> NDArray[np.int64]:
    """The opening sentences of the ``limit`` headings that best name what the question asks about.

    Labels (a glossary term, a function's signature) and sections whose
    innermost heading matches the question at least ``floor`` (as
    :class:`_HeadingScore` measures it) are ranked by that match, and the
    first ``per_heading`` chunks under each are returned (sorted chunk ids;
    a section's own text, not the labelled items in it): the definition
    under "decorator" need not repeat the word, so the sentence's own score
    would not find it. The heading lists are scanned once per question; only
    headings that share a question word are scored.
    """
    idf, total = _idf_share(index, terms, params)
    wanted = {t for t, w in idf.items() if w > 0}
    if limit <= 0 or not wanted:
        return np.empty(0, np.int64)
    need = floor * total
    score = _HeadingScore(index, idf, total, params)
    lang = index.langs[0]
    found: list[tuple[float, int, int, int]] = []  # (match, kind, segment, id): kind 0 label, 1 section
    for s, kind, table, names in index.heading_tables():
        for i, held in enumerate(table):
            if wanted.isdisjoint(held) or sum(idf[t] for t in wanted.intersection(held)) < need:
                continue
            value = score(_innermost(names[i]), lang)
            if value >= floor:
                found.append((value, kind, s, i))
    found.sort(key=lambda x: (-x[0], x[1], x[2], x[3]))
    out = [index.under_heading(s, kind, i)[:per_heading] for _, kind, s, i in found[:limit]]
    return unique_ids(np.concatenate(out)) if out else np.empty(0, np.int64)


def rerank_scores(index: Index, question: str, terms: list[str], ids: NDArray[np.int64],
                  first_stage: dict[str, NDArray[np.float64]], rr: Rerank = DEFAULT_RERANK,
                  params: BM25Params | None = None) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
    """Second-stage scores of candidates ``ids`` and their parts (they add up to the score).

    Args:
        index: the index.
        question: the question as typed (for its expected answer type).
        terms: the question's index terms.
        ids: the candidates.
        first_stage: the first stage's ``paragraph`` evidence (paragraph BM25) for ``ids``.
        rr: weights.
        params: the sentence BM25 whose idf the terms are weighted by (default: the index's).

    Returns:
        The scores, and named parts: one per question term (its BM25F
        contribution) and one per bracketed cue (``[answer type]``...).
    """
    stats = field_scores(index, ids, terms, rr, params)
    parts: dict[str, NDArray[np.float64]] = dict(stats.contributions)
    texts = [index.text(c) for c in ids.tolist()]
    kind = answer_type(question, index.langs if index.langs != ("en",) else ())
    typed = np.zeros(len(ids))
    if kind and rr.answer_type:
        qwords = {w.lower() for w in _WORDS.findall(question)}
        typed = np.array([has_answer_type(kind, text, qwords) for text in texts], dtype=np.float64)
    zero = np.zeros(len(ids))
    langs = [index.lang_of(c) for c in ids.tolist()] if len(index.langs) > 1 or index.langs[0] != "en" else None
    heading, heading_first, defined = (_heading_cues(index, terms, ids, params)
                                       if rr.heading_match or rr.heading_first or rr.definition
                                       else (zero, zero, zero))
    # A definition list reads "term: definition": the first sentence under a term holds its words.
    worded = [f"{index.label(int(c))}: {text}" if defined[j] else text
              for j, (c, text) in enumerate(zip(ids, texts, strict=True))]
    phrase, proximity, exact = (order_scores(index, worded, terms, question, langs, params)
                                if (rr.phrase or rr.proximity or rr.exact) else (zero, zero, zero))
    lead, definition, first, first_par, place = _position_cues(index, question, terms, ids, texts, rr, params)
    if _DEFINITION_Q.search(question):  # a definition list's term is the subject of its first sentence
        definition = np.maximum(definition, defined)
    cues = {
        "[heading match]": rr.heading_match * heading,
        "[first under heading]": rr.heading_first * heading_first,
        "[paragraph]": rr.paragraph_score * first_stage["paragraph"],
        "[lead]": rr.lead * lead,
        "[definition]": rr.definition * definition,
        "[first]": rr.first * first,
        "[first in paragraph]": rr.first_paragraph * first_par,
        "[place]": rr.place * place,
        "[answer type]": rr.answer_type * typed,
        "[local idf]": rr.local * stats.local,
        "[phrase]": rr.phrase * phrase,
        "[proximity]": rr.proximity * proximity,
        "[shared]": rr.shared * stats.shared,
        "[document]": rr.document * stats.document,
        "[exact form]": rr.exact * exact,
    }
    parts.update(cues)
    total = np.sum(list(parts.values()), axis=0) if parts else np.zeros(len(ids))
    return total, parts
