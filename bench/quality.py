"""Answer-quality benchmark: ReQA-style sentence retrieval on SQuAD v1.1 dev.

Each SQuAD article becomes one .txt file, written the way a user would keep it
(the title on the first line, paragraphs separated by blank lines), and goes
through qa's real path: discovery, Punkt sentence chunks, the index and
``qa.search``. Every sentence of every paragraph is a candidate; for each
question, each distinct sentence holding one of its answers is a gold target
(Ahmad et al. 2019). Metrics: MRR, R@1, R@5 (tied scores get the average
rank) and mean latency per question.

The standard baseline is computed in the same run on the same candidates:
Lucene BM25 (k1=0.9, b=0.4, Pyserini's defaults), lowercase words, Porter
stemming, Lucene's English stopwords, each sentence scored alone.

The 48 articles are split into two fixed halves by sorted title (even/odd):
``tune`` (used to choose qa's defaults) and ``test`` (never tuned on).

Usage::

    python bench/quality.py            # prints a table, then one JSON line
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SQUAD = HERE.parent.parent / "shared" / "data" / "squad-dev-v1.1.json"
#: Lucene's EnglishAnalyzer stop set (what Pyserini's default analyzer drops).
LUCENE_STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)


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


def gold_inputs(index: Any, articles: list[dict[str, Any]]) -> tuple[list[tuple[str, int, int]], np.ndarray]:
    """(question, gold candidate, article number) inputs, and each chunk's candidate id.

    Identical sentence text in the same paragraph is one candidate.
    """
    starts = np.asarray(index.arrays["c_start"])
    ends = np.asarray(index.arrays["c_end"])
    doc_of = np.asarray(index.arrays["c_doc"])
    para_of = np.asarray(index.arrays["c_para"])
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


def rank_of(scores: np.ndarray, gold: int, unique: np.ndarray) -> float:
    """1-based rank of ``gold`` among the candidates; ties get the average rank."""
    s = scores[unique]
    g = scores[gold]
    return 1 + float((s > g).sum()) + (float((s == g).sum()) - 1) / 2


def metrics(ranks: list[float]) -> dict[str, float]:
    r = np.asarray(ranks)
    return {"mrr": float((1 / r).mean()), "r1": float((r <= 1).mean()), "r5": float((r <= 5).mean())}


class LuceneBaseline:
    """Lucene BM25 over sentences with its own standard analyzer (the baseline)."""

    def __init__(self, texts: list[str], k1: float = 0.9, b: float = 0.4) -> None:
        from nltk.stem.porter import PorterStemmer

        self._stem = PorterStemmer().stem
        self._cache: dict[str, str] = {}
        docs = [Counter(self.analyze(t)) for t in texts]
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
        for term in self.analyze(question):  # Lucene sums over query terms (repeats count)
            if term in self.postings:
                ids, w = self.postings[term]
                out[ids] += w
        return out


def evaluate(score_fn: Any, inputs: list[tuple[str, int, int]], unique: np.ndarray,
             halves: dict[str, set[int]]) -> dict[str, Any]:
    ranks: dict[str, list[float]] = {"whole": [], "tune": [], "test": []}
    articles: list[int] = []
    cache: dict[str, np.ndarray] = {}
    elapsed = 0.0
    for question, gold, a_no in inputs:
        if question not in cache:
            start = time.perf_counter()
            cache[question] = score_fn(question)
            elapsed += time.perf_counter() - start
        r = rank_of(cache[question], gold, unique)
        ranks["whole"].append(r)
        ranks["tune" if a_no in halves["tune"] else "test"].append(r)
        articles.append(a_no)
    out: dict[str, Any] = {name: metrics(rs) for name, rs in ranks.items()}
    out["ms_per_query"] = 1000 * elapsed / max(len(cache), 1)
    out["ranks"] = np.asarray(ranks["whole"])
    out["articles"] = np.asarray(articles)
    return out


def gain_gap_interval(qa: dict[str, Any], base: dict[str, Any], halves: dict[str, set[int]],
                      reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of (test MRR gain) - (tune MRR gain) over the baseline.

    Articles are resampled with replacement within each half (questions of one
    article are not independent), both systems on the same resample.
    """
    rng = np.random.default_rng(seed)
    arts = qa["articles"]
    diff = 1 / qa["ranks"] - 1 / base["ranks"]
    per_article = {a: (float(diff[arts == a].sum()), int((arts == a).sum())) for a in np.unique(arts).tolist()}
    gaps = []
    for _ in range(reps):
        gain = {}
        for half, members in halves.items():
            pick = rng.choice(sorted(members), size=len(members))
            total = sum(per_article[a][0] for a in pick.tolist())
            gain[half] = total / max(sum(per_article[a][1] for a in pick.tolist()), 1)
        gaps.append(gain["test"] - gain["tune"])
    lo, hi = np.percentile(gaps, [2.5, 97.5])
    return float(lo), float(hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--no-titles", action="store_true",
                        help="write the articles without their title line (documents with no heading)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    from qa.build import build_index
    from qa.corpus import discover
    from qa.search import dense_scores

    data = json.loads(args.squad.read_text(encoding="utf-8"))["data"]
    with tempfile.TemporaryDirectory(prefix="qa-squad-") as tmp:
        folder = Path(tmp)
        articles = write_corpus(data, folder, titles=not args.no_titles)
        files, _ = discover([str(folder)])
        index = build_index(files)
        inputs, candidate = gold_inputs(index, articles)
        unique = np.unique(candidate)
        halves = {"tune": set(range(0, len(articles), 2)), "test": set(range(1, len(articles), 2))}
        texts = [index.text(i) for i in range(index.n_chunks)]
        baseline = LuceneBaseline(texts)
        results = {
            "qa": evaluate(lambda q: dense_scores(index, q), inputs, unique, halves),
            "baseline": evaluate(baseline.scores, inputs, unique, halves),
        }
    print(f"{len(unique):,} candidate sentences, {len(inputs):,} inputs, "
          f"{len(articles)} articles (tune {len(halves['tune'])}, test {len(halves['test'])})")
    print(f"{'system':<10} {'half':<6} {'MRR':>6} {'R@1':>6} {'R@5':>6}")
    for system, res in results.items():
        for half in ("tune", "test", "whole"):
            m = res[half]
            print(f"{system:<10} {half:<6} {m['mrr']:6.3f} {m['r1']:6.3f} {m['r5']:6.3f}")
        print(f"{system:<10} {res['ms_per_query']:.2f} ms per query")
    qa, base = results["qa"], results["baseline"]
    gain = {h: qa[h]["mrr"] - base[h]["mrr"] for h in ("tune", "test")}
    cut = {h: gain[h] / (1 - base[h]["mrr"]) for h in ("tune", "test")}
    lo, hi = gain_gap_interval(qa, base, halves)
    print(f"gain over baseline: tune {gain['tune']:+.4f}, test {gain['test']:+.4f} "
          f"(test - tune {gain['test'] - gain['tune']:+.4f}, 95% interval over articles {lo:+.3f} .. {hi:+.3f}); "
          f"share of the baseline's 1 - MRR removed: tune {cut['tune']:.1%}, test {cut['test']:.1%}")
    print(json.dumps({
        "mrr": round(qa["whole"]["mrr"], 4), "r1": round(qa["whole"]["r1"], 4), "r5": round(qa["whole"]["r5"], 4),
        "tune_mrr": round(qa["tune"]["mrr"], 4), "test_mrr": round(qa["test"]["mrr"], 4),
        "baseline_mrr": round(base["whole"]["mrr"], 4), "baseline_r1": round(base["whole"]["r1"], 4),
        "baseline_tune_mrr": round(base["tune"]["mrr"], 4), "baseline_test_mrr": round(base["test"]["mrr"], 4),
        "ms_per_query": round(qa["ms_per_query"], 3), "sentences": len(unique), "inputs": len(inputs),
    }))


if __name__ == "__main__":
    main()
