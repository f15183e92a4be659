"""Answer-quality benchmark: sentence retrieval on SQuAD, WikiQA and XQuAD.

Every set is written as files the way a user would keep them and goes through
qa's real path: discovery, Punkt sentence chunks, the index built by qa's own
code, and qa's ranking. Each set's standard baseline runs in the same process
on the same candidate sentences (qa's chunks), each sentence scored alone.

``--set squad`` (the default): ReQA-style sentence retrieval on SQuAD v1.1 dev.
    Each article becomes one .txt file (the title on the first line,
    paragraphs separated by blank lines). Every sentence of every paragraph is
    a candidate; for each question, each distinct sentence holding one of its
    answers is a gold target (Ahmad et al. 2019). Metrics over
    (question, gold sentence) pairs: MRR over the whole ranking, R@1, R@5
    (tied scores get the average rank) and mean latency per question.
    Baseline: Lucene BM25 (k1=0.9, b=0.4, Pyserini's defaults), lowercase
    words, Porter stemming, Lucene's English stopwords. The 48 articles are
    split into two fixed halves by sorted title (even/odd): ``tune`` (used to
    choose qa's defaults) and ``test`` (never tuned on).

``--set wikiqa``: the WikiQA training set (real Bing queries). All 1,994
    summaries are pooled, one .txt file each, its sentences joined into one
    paragraph after undoing the distribution's CSV quoting and tokenization
    (:func:`detokenize`; a caption or list item without final punctuation
    gets a period, :func:`terminated`). Every answerable question (873) is
    asked; the gold sentences are its answer sentences. A returned sentence
    matches a gold one when their whitespace-normalised texts are equal, or
    one contains the other and the shorter is at least half the longer (qa
    may split differently). Metrics per question, on the top 10 in the order
    the user sees (higher score first, then document order): MRR@10, R@1,
    R@5. The report counts gold sentences that match no indexed sentence at
    all. Baseline: the SQuAD set's Lucene BM25 on qa's sentences. Halves: by
    the summary's number (``W0000`` ...): even ``tune``, odd ``test`` (fixed
    before any tuning; a summary's questions stay together).

``--set xquad``: XQuAD, the 240 SQuAD dev paragraphs (48 articles) and their
    1,190 questions professionally translated; each of its 12 languages (en
    de es ru zh ar th hi el tr vi ro) is its own corpus, asked exactly as the
    SQuAD set (one file per article, its title line the English title, as in
    the data), but scored MRR@10 (as issue 18 measured it; R@1, R@5 as
    SQuAD). Halves: the SQuAD halves (the same 48 titles, sorted, even/odd).
    Baseline per language, on qa's sentences: BM25 (k1=0.9, b=0.4), lowercase
    words (``\\w`` and combining marks), no stopwords, the Snowball stemmer
    of the language (the ``snowballstemmer`` package, for the benchmark
    only; without it, no stemming, said on stderr; none for vi), Chinese and
    Thai (any unspaced script) as overlapping character bigrams. Where qa's
    splitter finds no sentence ends (zh, th, hi) its "sentences" are whole
    paragraphs: the report shows sentences per paragraph.

``--set all``: squad, wikiqa and xquad, each set's report in turn without its
    JSON line, then the three JSON lines, squad's first, then wikiqa's, then
    xquad's (the last three lines). Each set's time goes to stderr.

Usage::

    python bench/quality.py                # SQuAD: a table, then one JSON line
    python bench/quality.py --set wikiqa   # WikiQA: a table, then one JSON line
    python bench/quality.py --set xquad    # a row per language, then one JSON line
    python bench/quality.py --set all      # all three; the last three lines are JSON

For a tuning loop (one index per set, built once; any ranking function)::

    sys.path.insert(0, "bench"); import quality
    from qa.search import dense_scores
    sets = {name: quality.prepare(name) for name in quality.SETS}
    for name, prepared in sets.items():
        result = quality.evaluate(prepared, dense_scores)  # score_fn(index, question) -> a score per chunk
        print(name, quality.summary(result))               # {"mrr": ..., "tune_mrr": ..., ...}

``prepare`` returns a :class:`Prepared` (index, inputs, halves, baseline) or,
for XQuAD, a :class:`Suite` of one :class:`Prepared` per language
(``prepare("xquad.zh")`` prepares one). Data are read from
``../shared/data`` (found from the repository or a worktree beside it;
``--data`` or ``$QA_BENCH_DATA`` overrides).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SETS = ("squad", "wikiqa", "xquad")
XQUAD_LANGS = ("en", "de", "es", "ru", "zh", "ar", "th", "hi", "el", "tr", "vi", "ro")
#: The Snowball stemmer of each XQuAD language (snowballstemmer's names); None: no stemmer.
SNOWBALL = {"en": "english", "de": "german", "es": "spanish", "ru": "russian", "ar": "arabic", "hi": "hindi",
            "el": "greek", "tr": "turkish", "ro": "romanian", "vi": None, "zh": None, "th": None}
#: Languages written without spaces between words: indexed by the baseline as character bigrams.
UNSPACED = {"zh", "th", "ja", "ko"}
#: Lucene's EnglishAnalyzer stop set (what Pyserini's default analyzer drops).
LUCENE_STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
#: Cut-off of the WikiQA and XQuAD metrics (MRR@10, as issues 16 and 18 measured them).
DEPTH = 10

ScoreFn = Callable[[Any, str], np.ndarray]


def data_dir() -> Path:
    """``shared/data``: ``$QA_BENCH_DATA``, else beside the repository or beside a worktree folder."""
    if os.environ.get("QA_BENCH_DATA"):
        return Path(os.environ["QA_BENCH_DATA"])
    for up in HERE.parents:
        if (up / "shared" / "data").is_dir():
            return up / "shared" / "data"
    return HERE.parent.parent / "shared" / "data"


# --- building a corpus and its index ----------------------------------------------------------


def write_corpus(data: list[dict[str, Any]], folder: Path, titles: bool = True) -> list[dict[str, Any]]:
    """One file per article; returns per-article paragraph offsets and questions.

    ``titles=False`` leaves out the title line, as in notes that have none.
    """
    articles = []
    for art in sorted(data, key=lambda a: a["title"]):
        title = art["title"].replace("_", " ")
        text = title + "\n\n" if titles else ""
        paras = []
        for p in art["paragraphs"]:
            context = p["context"].replace("\n", " ")
            paras.append({"offset": len(text), "context": context, "qas": p["qas"]})
            text += context + "\n\n"
        name = re.sub(r"[^\w.-]+", "_", art["title"]) + ".txt"
        (folder / name).write_text(text, encoding="utf-8")
        articles.append({"title": title, "file": str((folder / name).resolve()), "paragraphs": paras})
    return articles


def build(folder: Path) -> Any:
    """qa's index over ``folder``, built by qa's own discovery and indexing code."""
    sys.path.insert(0, str(HERE.parent))
    from qa.build import build_index
    from qa.corpus import discover

    files, _ = discover([str(folder)])
    return build_index(files)


def chunk_texts(index: Any) -> list[str]:
    return [index.text(i) for i in range(index.n_chunks)]


def gold_inputs(index: Any, articles: list[dict[str, Any]]) -> tuple[list[tuple[str, int, int]], np.ndarray]:
    """(question, gold candidate, article number) inputs, and each chunk's candidate id.

    Identical sentence text in the same paragraph is one candidate.
    """
    every = index.chunk_ids()
    starts, ends = index.column("c_start", every), index.column("c_end", every)
    doc_of, para_of = index.column("c_doc", every), index.column("c_para", every)
    doc_ids = {d.path: i for i, d in enumerate(index.docs)}
    candidate = np.arange(index.n_chunks)
    seen: dict[tuple[int, int, str], int] = {}
    for cid in range(index.n_chunks):
        key = (int(doc_of[cid]), int(para_of[cid]), index.text(cid))
        candidate[cid] = seen.setdefault(key, cid)
    inputs = []
    for a_no, art in enumerate(articles):
        d = doc_ids[art["file"]]
        first, count = index.docs[d].first, index.docs[d].count
        s, e = starts[first : first + count], ends[first : first + count]
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                golds = set()
                for ans in qa["answers"]:
                    pos = p["offset"] + ans["answer_start"]
                    hit = np.flatnonzero((s <= pos) & (pos < e))
                    if len(hit):
                        golds.add(int(candidate[first + hit[0]]))
                for g in sorted(golds):
                    inputs.append((qa["question"], g, a_no))
    return inputs, candidate


# --- WikiQA: undoing the distribution's quoting and tokenization ------------------------------

_SPACE_BEFORE = re.compile(
    r" +(?:(?=[,;:!?%)\]}])|(?=\.(?![.\d]))|(?='s\b|'re\b|'ve\b|'ll\b|'d\b|'m\b|n't\b))")
_SPACE_AFTER = re.compile(r"(?<=[(\[{$]) +")
_PLURAL_POSSESSIVE = re.compile(r"(?<=\ws) +'(?= |$)")
_LINK_HYPHEN = re.compile(r"(?<=[^\W\d_]) +-(?=[^\W\d_])")  # "Emmy -winning": a link, then its suffix


def _unquote_csv(sentence: str) -> str:
    """The sentence without the CSV export's quoting (``"a, ""b"" c"`` -> ``a, "b" c``).

    The export wraps a sentence holding a comma in double quotes and doubles
    its own quotes; a sentence cut out of such a field keeps only its opening
    or only its closing quote. An odd run of quotes at either end holds one.
    """
    if (len(sentence) - len(sentence.lstrip('"'))) % 2:
        sentence = sentence[1:]
    if (len(sentence) - len(sentence.rstrip('"'))) % 2:
        sentence = sentence[:-1]
    return sentence.replace('""', '"')


def _tidy_quotes(text: str) -> str:
    """``" If U Seek Amy "`` -> ``"If U Seek Amy"`` when the quotes pair up."""
    if text.count('"') % 2:
        return text
    parts = text.split('"')
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        if i % 2 == 0:  # inside an opening quote
            out.append('"' + part.lstrip(" "))
        else:
            out[-1] = out[-1].rstrip(" ")
            out.append('"' + part)
    return "".join(out)


def detokenize(sentence: str) -> str:
    """One WikiQA sentence as Wikipedia shows it.

    The distribution puts spaces around link anchors and before punctuation
    (``Schulz 's``, ``Rocky films , initially``, ``( Tommy Morrison )``,
    ``Emmy -winning``) and exports sentences as CSV. Spaces before ``, . ; :
    ! ? % ) ]`` and clitics (``'s n't 're``), after ``( [ $``, inside paired
    double quotes and before a plural possessive (``Brothers '``) are removed;
    an ellipsis (``, ...Baby``) and dashes between words (``1940 \u2013 1973``,
    ``mid- to late``) are kept.
    """
    text = _unquote_csv(sentence.strip())
    text = " ".join(text.split())
    text = _SPACE_BEFORE.sub("", text)
    text = _SPACE_AFTER.sub("", text)
    text = _PLURAL_POSSESSIVE.sub("'", text)
    text = _LINK_HYPHEN.sub("-", text)
    return _tidy_quotes(text)


_TERMINATED = re.compile(r"[.!?][\"')\]\u201d\u2019]*$")


def terminated(sentence: str) -> str:
    """The sentence with a final period when it has no final punctuation.

    WikiQA's summaries hold image captions and list items (``The ice facade
    is approximately 60 m high``); joined into a paragraph without one, they
    would run into the next sentence (33 of the 1,040 gold sentences would
    then match no indexed sentence; 3 with it).
    """
    return sentence + "." if sentence and not _TERMINATED.search(sentence) else sentence


def _normal(text: str) -> str:
    return " ".join(text.split())


def sentences_match(a: str, b: str) -> bool:
    """Equal whitespace-normalised texts, or one holds the other and is at least half its length."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return 2 * len(short) >= len(long) and short in long


def matching_chunks(golds: Iterable[str], texts: list[str]) -> dict[str, np.ndarray]:
    """For each (normalised) gold sentence, the ids of the chunks whose text matches it."""
    lengths = np.array([len(t) for t in texts])
    out = {}
    for gold in golds:
        near = np.flatnonzero((2 * lengths >= len(gold)) & (lengths <= 2 * len(gold)))
        out[gold] = np.array([i for i in near.tolist() if sentences_match(gold, texts[i])], dtype=np.int64)
    return out


# --- the baselines -----------------------------------------------------------------------------


class LuceneBaseline:
    """BM25 as Lucene computes it over sentences, each scored alone (the baseline).

    The default analyzer is Lucene's standard English one (lowercase words,
    Lucene's English stopwords, Porter stemming); ``analyzer`` replaces it.
    """

    def __init__(self, texts: list[str], k1: float = 0.9, b: float = 0.4,
                 analyzer: Callable[[str], list[str]] | None = None) -> None:
        if analyzer is None:
            from nltk.stem.porter import PorterStemmer

            self._stem = PorterStemmer().stem
            self._cache: dict[str, str] = {}
            analyzer = self.analyze
        self._analyze = analyzer
        docs = [Counter(analyzer(t)) for t in texts]
        self.n = len(docs)
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avgdl = lengths.mean()
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        rows: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for term, tf in d.items():
                rows[term].append((i, tf))
        for term, items in rows.items():
            ids = np.array([i for i, _ in items])
            tf = np.array([t for _, t in items], dtype=np.float64)
            idf = math.log(1 + (self.n - df[term] + 0.5) / (df[term] + 0.5))
            w = idf * tf / (tf + k1 * (1 - b + b * lengths[ids] / avgdl))
            self.postings[term] = (ids, w)

    def analyze(self, text: str) -> list[str]:
        out = []
        for w in re.findall(r"\w+", text.lower()):
            if w in LUCENE_STOP:
                continue
            s = self._cache.get(w)
            if s is None:
                s = self._cache[w] = self._stem(w)
            out.append(s)
        return out

    def scores(self, question: str) -> np.ndarray:
        out = np.zeros(self.n)
        for term in self._analyze(question):  # Lucene sums over query terms (repeats count)
            if term in self.postings:
                ids, w = self.postings[term]
                out[ids] += w
        return out


#: Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK, Hangul syllables.
_UNSPACED_CHARS = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
                   "\uac00-\ud7af\uf900-\ufaff")
_UNSPACED_RUNS = re.compile(f"[{_UNSPACED_CHARS}]+|[^{_UNSPACED_CHARS}]+")
_HAS_UNSPACED = re.compile(f"[{_UNSPACED_CHARS}]")


@functools.lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    """A word: ``\\w`` and combining marks (Devanagari and Thai vowel signs are marks, not ``\\w``)."""
    marks = [c for c in range(0x10000) if unicodedata.category(chr(c)).startswith("M")]
    ranges, start = [], marks[0]
    for prev, cur in zip(marks, [*marks[1:], -1], strict=True):
        if cur != prev + 1:
            ranges.append(f"\\u{start:04x}-\\u{prev:04x}" if prev > start else f"\\u{start:04x}")
            start = cur
    return re.compile(f"[\\w{''.join(ranges)}]+")


def _bigrams(word: str) -> list[str]:
    """Overlapping character bigrams of the unspaced-script runs of ``word``; other runs stay whole."""
    out: list[str] = []
    for run in _UNSPACED_RUNS.findall(word):
        if len(run) > 1 and _HAS_UNSPACED.match(run):
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


@functools.lru_cache(maxsize=1)
def _snowball() -> Any:
    """The ``snowballstemmer`` module, or None (said once on stderr): the benchmark's own, not qa's."""
    try:
        import snowballstemmer
    except ImportError:
        print("quality: snowballstemmer is not installed: the XQuAD baselines run without stemming "
              "(pip install snowballstemmer)", file=sys.stderr)
        return None
    return snowballstemmer


def simple_analyzer(lang: str) -> Callable[[str], list[str]]:
    """Lowercase words, the language's Snowball stemmer, character bigrams for unspaced scripts."""
    stem: Callable[[str], str] = str
    name = SNOWBALL.get(lang)
    if name and _snowball() is not None:
        stem = _snowball().stemmer(name).stemWord
    cache: dict[str, list[str]] = {}
    word = _word_pattern()

    def analyze(text: str) -> list[str]:
        out: list[str] = []
        for w in word.findall(text.lower()):
            terms = cache.get(w)
            if terms is None:
                pieces = _bigrams(w) if _HAS_UNSPACED.search(w) else [w]
                terms = cache[w] = [stem(p) for p in pieces]
            out.extend(terms)
        return out

    return analyze


# --- prepared sets -----------------------------------------------------------------------------


@dataclass
class Prepared:
    """One corpus indexed once, its questions and golds, halves and baseline.

    Attributes:
        name: ``squad``, ``wikiqa`` or ``xquad.LANG``.
        kind: ``pairs`` (SQuAD's way: one input per (question, gold sentence),
            full ranking, ties at their average rank) or ``top10`` (WikiQA's:
            one input per question, first gold in the top 10 the user sees).
        index: qa's index.
        inputs: ``(question, gold, unit)``: gold is a candidate id (pairs) or an
            array of matching chunk ids (top10); unit is the article or summary.
        halves: ``tune`` and ``test`` sets of units.
        baseline: the baseline's scores over the chunks for a question.
        unique: candidate ids (pairs: identical sentences of a paragraph count once).
        depth: reciprocal ranks beyond this rank count 0 (10: MRR@10; inf: MRR over the whole ranking).
        info: counts for the report.
    """

    name: str
    kind: str
    index: Any
    inputs: list[tuple[str, Any, int]]
    halves: dict[str, set[int]]
    baseline: Callable[[str], np.ndarray]
    unique: np.ndarray
    depth: float = math.inf
    info: dict[str, Any] = field(default_factory=dict)
    folder: Any = None  # keeps the corpus files alive as long as the index
    _baseline_result: dict[str, Any] | None = None

    def baseline_result(self) -> dict[str, Any]:
        """The baseline's evaluation (computed once)."""
        if self._baseline_result is None:
            self._baseline_result = evaluate(self, lambda _index, q: self.baseline(q))
        return self._baseline_result


@dataclass
class Suite:
    """Several corpora evaluated one by one (XQuAD: one per language)."""

    name: str
    parts: dict[str, Prepared]


def _squad_like(name: str, data: list[dict[str, Any]], titles: bool,
                baseline: Callable[[list[str]], Callable[[str], np.ndarray]], depth: float) -> Prepared:
    tmp = tempfile.TemporaryDirectory(prefix=f"qa-{name}-")
    folder = Path(tmp.name)
    articles = write_corpus(data, folder, titles=titles)
    index = build(folder)
    inputs, candidate = gold_inputs(index, articles)
    halves = {"tune": set(range(0, len(articles), 2)), "test": set(range(1, len(articles), 2))}
    questions = sum(len(p["qas"]) for a in articles for p in a["paragraphs"])
    paragraphs = sum(len(a["paragraphs"]) for a in articles)
    return Prepared(name, "pairs", index, inputs, halves, baseline(chunk_texts(index)), np.unique(candidate), depth,
                    {"units": len(articles), "questions": questions, "paragraphs": paragraphs}, tmp)


def prepare_squad(path: Path | None = None, titles: bool = True) -> Prepared:
    data = json.loads((path or data_dir() / "squad-dev-v1.1.json").read_text(encoding="utf-8"))["data"]
    return _squad_like("squad", data, titles, lambda texts: LuceneBaseline(texts).scores, math.inf)


def prepare_xquad(lang: str, folder: Path | None = None, titles: bool = True) -> Prepared:
    path = (folder or data_dir() / "xquad") / f"xquad.{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return _squad_like(f"xquad.{lang}", data, titles,
                       lambda texts: LuceneBaseline(texts, analyzer=simple_analyzer(lang)).scores, DEPTH)


def prepare_wikiqa(path: Path | None = None) -> Prepared:
    raw = json.loads((path or data_dir() / "wikiqa" / "wikiqa-train.json").read_text(encoding="utf-8"))
    tmp = tempfile.TemporaryDirectory(prefix="qa-wikiqa-")
    folder = Path(tmp.name)
    docs = {}
    for doc in raw["documents"]:
        sentences = [terminated(detokenize(s)) for s in doc["sentences"]]
        docs[doc["id"]] = sentences
        (folder / f"{doc['id']}.txt").write_text(" ".join(s for s in sentences if s) + "\n", encoding="utf-8")
    index = build(folder)
    texts = [_normal(t) for t in chunk_texts(index)]
    asked = [q for q in raw["questions"] if q["answers"]]
    golds = {_normal(docs[q["document"]][i]) for q in asked for i in q["answers"]}
    matches = matching_chunks(golds, texts)
    inputs = []
    for q in asked:
        gold_ids = np.unique(np.concatenate([matches[_normal(docs[q["document"]][i])] for i in q["answers"]]))
        inputs.append((q["question"], gold_ids, int(q["document"].lstrip("W"))))
    units = {u for _, _, u in inputs}
    halves = {"tune": {u for u in units if u % 2 == 0}, "test": {u for u in units if u % 2 == 1}}
    unmatched = sum(1 for q in asked for i in q["answers"] if not len(matches[_normal(docs[q["document"]][i])]))
    info = {"units": len(raw["documents"]), "questions": len(asked),
            "sentences_given": sum(len(s) for s in docs.values()),
            "gold_sentences": sum(len(q["answers"]) for q in asked), "gold_unmatched": unmatched,
            "no_gold": sum(1 for _, g, _ in inputs if not len(g))}
    baseline = LuceneBaseline(chunk_texts(index)).scores
    return Prepared("wikiqa", "top10", index, inputs, halves, baseline, np.arange(index.n_chunks), DEPTH,
                    info, tmp)


def xquad_languages(folder: Path | None = None) -> list[str]:
    """The languages of the ``xquad.LANG.json`` files present: XQuAD's 12 in the usual order, then others."""
    found = {p.name.split(".")[1] for p in (folder or data_dir() / "xquad").glob("xquad.*.json")}
    if not found:
        raise FileNotFoundError(2, "no xquad.LANG.json files", str(folder or data_dir() / "xquad"))
    return [lang for lang in XQUAD_LANGS if lang in found] + sorted(found - set(XQUAD_LANGS))


def prepare(name: str, titles: bool = True, squad: Path | None = None) -> Prepared | Suite:
    """Build the corpus and qa's index of set ``name`` (``squad``, ``wikiqa``, ``xquad``, ``xquad.LANG``)."""
    if name == "squad":
        return prepare_squad(squad, titles)
    if name == "wikiqa":
        return prepare_wikiqa()
    if name == "xquad":
        return Suite("xquad", {lang: prepare_xquad(lang, titles=titles) for lang in xquad_languages()})
    if name.startswith("xquad."):
        return prepare_xquad(name.split(".", 1)[1], titles=titles)
    raise ValueError(f"unknown set {name!r}: expected one of {', '.join(SETS)} or xquad.LANG")


# --- evaluation --------------------------------------------------------------------------------


def rank_of(scores: np.ndarray, gold: int, unique: np.ndarray) -> float:
    """1-based rank of ``gold`` among the candidates; ties get the average rank."""
    s = scores[unique]
    g = scores[gold]
    return 1 + float((s > g).sum()) + (float((s == g).sum()) - 1) / 2


def top_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best chunk ids in the order qa shows them: higher score first, then document order."""
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        ids = np.flatnonzero(scores >= threshold)
    else:
        ids = np.arange(len(scores))
    return ids[np.lexsort((ids, -scores[ids]))][:k]


def first_gold_rank(scores: np.ndarray, gold: np.ndarray, depth: int = DEPTH) -> float:
    """1-based position of the first gold chunk in the top ``depth``; ``inf`` when there is none."""
    found = np.flatnonzero(np.isin(top_ids(scores, depth), gold))
    return float(found[0] + 1) if len(found) else math.inf


def metrics(ranks: list[float], depth: float = math.inf) -> dict[str, float]:
    r = np.asarray(ranks)
    rr = np.where(r <= depth, 1 / r, 0.0)
    return {"mrr": float(rr.mean()), "r1": float((r <= 1).mean()), "r5": float((r <= 5).mean())}


def evaluate(prepared: Prepared | Suite, score_fn: ScoreFn) -> dict[str, Any]:
    """Ranks and metrics of ``score_fn(index, question) -> score per chunk`` on a prepared set.

    Returns ``{"tune"|"test"|"whole": {"mrr", "r1", "r5"}, "ms_per_query", "rr", "units"}``
    (``rr``: reciprocal rank per input; MRR@10 for WikiQA); for a :class:`Suite`,
    ``{"langs": {lang: result}, "tune"|"test"|"whole": {means}}``.
    """
    if isinstance(prepared, Suite):
        langs = {lang: evaluate(part, score_fn) for lang, part in prepared.parts.items()}
        means = {half: {m: float(np.mean([r[half][m] for r in langs.values()])) for m in ("mrr", "r1", "r5")}
                 for half in ("tune", "test", "whole")}
        return {"langs": langs, **means}
    depth = prepared.depth
    by_question: dict[str, list[int]] = defaultdict(list)
    for n, (question, _, _) in enumerate(prepared.inputs):
        by_question[question].append(n)
    ranks = np.zeros(len(prepared.inputs))
    elapsed = 0.0
    for question, members in by_question.items():
        start = time.perf_counter()
        scores = score_fn(prepared.index, question)
        elapsed += time.perf_counter() - start
        for n in members:
            gold = prepared.inputs[n][1]
            if prepared.kind == "top10":
                ranks[n] = first_gold_rank(scores, gold, int(depth))
            else:
                ranks[n] = rank_of(scores, gold, prepared.unique)
    units = np.array([u for _, _, u in prepared.inputs])
    tune = np.isin(units, sorted(prepared.halves["tune"]))
    out: dict[str, Any] = {"whole": metrics(ranks.tolist(), depth), "tune": metrics(ranks[tune].tolist(), depth),
                           "test": metrics(ranks[~tune].tolist(), depth)}
    out["ms_per_query"] = 1000 * elapsed / max(len(by_question), 1)
    out["rr"] = np.where(ranks <= depth, 1 / ranks, 0.0)
    out["units"] = units
    return out


def summary(result: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one evaluation (for a tuning loop's log)."""
    if "langs" in result:
        return {"mean_mrr": round(result["whole"]["mrr"], 4), "tune_mean_mrr": round(result["tune"]["mrr"], 4),
                "test_mean_mrr": round(result["test"]["mrr"], 4)}
    return {"mrr": round(result["whole"]["mrr"], 4), "r1": round(result["whole"]["r1"], 4),
            "tune_mrr": round(result["tune"]["mrr"], 4), "test_mrr": round(result["test"]["mrr"], 4)}


def gain_gap_interval(qa: dict[str, Any], base: dict[str, Any], halves: dict[str, set[int]],
                      reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of (test MRR gain) - (tune MRR gain) over the baseline.

    Units (articles, summaries) are resampled with replacement within each half
    (questions of one article are not independent), both systems on the same resample.
    """
    rng = np.random.default_rng(seed)
    units = qa["units"]
    diff = qa["rr"] - base["rr"]
    per_unit = {a: (float(diff[units == a].sum()), int((units == a).sum())) for a in np.unique(units).tolist()}
    gaps = []
    for _ in range(reps):
        gain = {}
        for half, members in halves.items():
            present = sorted(m for m in members if m in per_unit)
            pick = rng.choice(present, size=len(present))
            total = sum(per_unit[a][0] for a in pick.tolist())
            gain[half] = total / max(sum(per_unit[a][1] for a in pick.tolist()), 1)
        gaps.append(gain["test"] - gain["tune"])
    lo, hi = np.percentile(gaps, [2.5, 97.5])
    return float(lo), float(hi)


def product_path_mismatches(prepared: Prepared, score_fn: ScoreFn, every: int = 20) -> tuple[int, int]:
    """How many sampled questions get a different top 10 from ``qa.search.search`` than from ``score_fn``.

    The benchmark ranks with dense scores for speed; this checks on every
    ``every``-th question that the order is the one the user is shown.
    """
    from qa.search import search

    questions = list(dict.fromkeys(q for q, _, _ in prepared.inputs))[::every]
    bad = 0
    for q in questions:
        shown = [h.chunk for h in search(prepared.index, q, k=DEPTH).hits]
        ranked = top_ids(score_fn(prepared.index, q), DEPTH).tolist()
        bad += shown != ranked[: len(shown)]
    return bad, len(questions)


# --- reports -----------------------------------------------------------------------------------


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def pairs_json(prepared: Prepared, qa: dict[str, Any]) -> dict[str, Any]:
    """The JSON line's object of a SQuAD-style set (also each language of XQuAD's)."""
    base = prepared.baseline_result()
    return _rounded({
        "mrr": qa["whole"]["mrr"], "r1": qa["whole"]["r1"], "r5": qa["whole"]["r5"],
        "tune_mrr": qa["tune"]["mrr"], "test_mrr": qa["test"]["mrr"],
        "baseline_mrr": base["whole"]["mrr"], "baseline_r1": base["whole"]["r1"],
        "baseline_tune_mrr": base["tune"]["mrr"], "baseline_test_mrr": base["test"]["mrr"],
        "ms_per_query": round(qa["ms_per_query"], 3), "sentences": len(prepared.unique),
        "inputs": len(prepared.inputs),
    })


def report_pairs(prepared: Prepared, qa: dict[str, Any], out: Callable[[str], None] = print) -> dict[str, Any]:
    """SQuAD's report: counts, a table, the gain over the baseline; returns the JSON line's object."""
    base = prepared.baseline_result()
    out(f"{len(prepared.unique):,} candidate sentences, {len(prepared.inputs):,} inputs, "
        f"{prepared.info['units']} articles (tune {len(prepared.halves['tune'])}, "
        f"test {len(prepared.halves['test'])})")
    _table(out, {"qa": qa, "baseline": base}, "MRR")
    gain = {h: qa[h]["mrr"] - base[h]["mrr"] for h in ("tune", "test")}
    cut = {h: gain[h] / (1 - base[h]["mrr"]) for h in ("tune", "test")}
    lo, hi = gain_gap_interval(qa, base, prepared.halves)
    out(f"gain over baseline: tune {gain['tune']:+.4f}, test {gain['test']:+.4f} "
        f"(test - tune {gain['test'] - gain['tune']:+.4f}, 95% interval over articles {lo:+.3f} .. {hi:+.3f}); "
        f"share of the baseline's 1 - MRR removed: tune {cut['tune']:.1%}, test {cut['test']:.1%}")
    return pairs_json(prepared, qa)


def _table(out: Callable[[str], None], results: dict[str, dict[str, Any]], mrr: str) -> None:
    out(f"{'system':<10} {'half':<6} {mrr:>6} {'R@1':>6} {'R@5':>6}")
    for system, res in results.items():
        for half in ("tune", "test", "whole"):
            m = res[half]
            out(f"{system:<10} {half:<6} {m['mrr']:6.3f} {m['r1']:6.3f} {m['r5']:6.3f}")
        out(f"{system:<10} {res['ms_per_query']:.2f} ms per query")


def report_wikiqa(prepared: Prepared, qa: dict[str, Any], out: Callable[[str], None] = print) -> dict[str, Any]:
    base = prepared.baseline_result()
    info = prepared.info
    tune_q = int(np.isin(qa["units"], sorted(prepared.halves["tune"])).sum())
    out(f"{prepared.index.n_chunks:,} indexed sentences ({info['sentences_given']:,} in the data) in "
        f"{info['units']:,} summaries; {info['questions']} answerable questions (tune {tune_q}, "
        f"test {info['questions'] - tune_q}: even/odd summary number)")
    out(f"gold sentences matching no indexed sentence: {info['gold_unmatched']} of {info['gold_sentences']} "
        f"({info['no_gold']} questions left with no gold)")
    _table(out, {"qa": qa, "baseline": base}, "MRR@10")
    gain = {h: qa[h]["mrr"] - base[h]["mrr"] for h in ("tune", "test")}
    lo, hi = gain_gap_interval(qa, base, prepared.halves)
    out(f"gain over baseline: tune {gain['tune']:+.4f}, test {gain['test']:+.4f} "
        f"(test - tune {gain['test'] - gain['tune']:+.4f}, 95% interval over summaries {lo:+.3f} .. {hi:+.3f})")
    return _rounded({
        "mrr": qa["whole"]["mrr"], "r1": qa["whole"]["r1"], "r5": qa["whole"]["r5"],
        "tune_mrr": qa["tune"]["mrr"], "test_mrr": qa["test"]["mrr"],
        "tune_r1": qa["tune"]["r1"], "test_r1": qa["test"]["r1"],
        "baseline_mrr": base["whole"]["mrr"], "baseline_r1": base["whole"]["r1"], "baseline_r5": base["whole"]["r5"],
        "baseline_tune_mrr": base["tune"]["mrr"], "baseline_test_mrr": base["test"]["mrr"],
        "ms_per_query": round(qa["ms_per_query"], 3), "sentences": prepared.index.n_chunks,
        "questions": info["questions"], "gold_unmatched": info["gold_unmatched"],
    })


def report_xquad(suite: Suite, qa: dict[str, Any], out: Callable[[str], None] = print) -> dict[str, Any]:
    """One row per language (qa and its baseline on qa's own chunks), the means; returns the JSON object."""
    rows = [(lang, part, qa["langs"][lang], part.baseline_result()) for lang, part in suite.parts.items()]
    first = rows[0][1]
    out(f"XQuAD: {len(rows)} languages, each its own corpus of {first.info['units']} articles, "
        f"{first.info['paragraphs']} paragraphs, {first.info['questions']} questions "
        f"(tune {len(first.halves['tune'])}, test {len(first.halves['test'])} articles by sorted title); "
        f"MRR@{DEPTH}; 'per par': qa's sentences per paragraph")
    out(f"{'lang':<5} {'sents':>6} {'per par':>7}  {'qa MRR':>6} {'R@1':>6} {'R@5':>6} {'tune':>6} {'test':>6}"
        f"   {'base MRR':>8} {'R@1':>6} {'tune':>6} {'test':>6}  {'qa-base':>7}")

    def row(label: str, sents: str, per: str, res: dict[str, Any], base: dict[str, Any]) -> None:
        out(f"{label:<5} {sents:>6} {per:>7}  {res['whole']['mrr']:6.3f} {res['whole']['r1']:6.3f} "
            f"{res['whole']['r5']:6.3f} {res['tune']['mrr']:6.3f} {res['test']['mrr']:6.3f}   "
            f"{base['whole']['mrr']:8.3f} {base['whole']['r1']:6.3f} {base['tune']['mrr']:6.3f} "
            f"{base['test']['mrr']:6.3f}  {res['whole']['mrr'] - base['whole']['mrr']:+7.3f}")

    for lang, part, res, base in rows:
        row(lang, str(len(part.unique)), f"{len(part.unique) / part.info['paragraphs']:.1f}", res, base)
    mean_base = {h: {m: float(np.mean([b[h][m] for *_, b in rows])) for m in ("mrr", "r1", "r5")}
                 for h in ("tune", "test", "whole")}
    row("mean", "", "", qa, mean_base)
    out(f"qa {float(np.mean([r['ms_per_query'] for _, _, r, _ in rows])):.2f} ms per query (mean over languages)")
    return {"langs": {lang: pairs_json(part, res) for lang, part, res, _ in rows}, **_rounded({
        "mean_mrr": qa["whole"]["mrr"], "mean_baseline_mrr": mean_base["whole"]["mrr"],
        "test_mean_mrr": qa["test"]["mrr"], "tune_mean_mrr": qa["tune"]["mrr"],
        "mean_r1": qa["whole"]["r1"], "mean_baseline_r1": mean_base["whole"]["r1"],
        "mean_baseline_tune_mrr": mean_base["tune"]["mrr"], "mean_baseline_test_mrr": mean_base["test"]["mrr"],
    })}


def report(prepared: Prepared | Suite, qa: dict[str, Any], out: Callable[[str], None] = print) -> dict[str, Any]:
    """Print a set's report; returns the object of its JSON line."""
    if isinstance(prepared, Suite):
        return report_xquad(prepared, qa, out)
    if prepared.kind == "top10":
        return report_wikiqa(prepared, qa, out)
    return report_pairs(prepared, qa, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="set_name", default="squad", choices=[*SETS, "all"],
                        help="which benchmark to run (default: squad)")
    parser.add_argument("--squad", type=Path, default=None, help="SQuAD v1.1 dev JSON (default: shared data)")
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--no-titles", action="store_true",
                        help="write the articles without their title line (documents with no heading; squad, xquad)")
    args = parser.parse_args()
    if args.data:
        os.environ["QA_BENCH_DATA"] = str(args.data)
    sys.path.insert(0, str(HERE.parent))
    from qa.search import dense_scores

    names = list(SETS) if args.set_name == "all" else [args.set_name]
    lines = []
    for name in names:
        t0 = time.perf_counter()
        try:
            prepared = prepare(name, titles=not args.no_titles, squad=args.squad)
        except FileNotFoundError as e:
            print(f"quality: error: {e.filename}: not found (the shared data folder: --data or $QA_BENCH_DATA)",
                  file=sys.stderr)
            sys.exit(2)
        t1 = time.perf_counter()
        result = evaluate(prepared, dense_scores)
        t2 = time.perf_counter()
        parts = prepared.parts.values() if isinstance(prepared, Suite) else [prepared]
        for part in parts:
            part.baseline_result()
        bad = total = 0
        for part in parts:
            b, t = product_path_mismatches(part, dense_scores)
            bad, total = bad + b, total + t
        print(f"quality: {name}: qa.search's top {DEPTH} differs from the benchmark's ranking for "
              f"{bad} of {total} sampled questions", file=sys.stderr)
        lines.append(json.dumps(report(prepared, result)))
        print(f"quality: {name}: {time.perf_counter() - t0:.1f} s (corpus and index {t1 - t0:.1f} s, "
              f"qa's ranking {t2 - t1:.1f} s)", file=sys.stderr)
        if len(names) == 1:
            print(lines[-1])
        else:
            print()
        sys.stdout.flush()
    if len(names) > 1:
        for line in lines:
            print(line)


if __name__ == "__main__":
    main()
