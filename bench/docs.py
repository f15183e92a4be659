"""Documentation benchmark (issue 15): real questions over documentation folders as Debian installs them.

Each package's folder is indexed whole, generated pages and all, with qa's
defaults, as ``qa ask --docs FOLDER "..."`` would (``qa.refresh.open_index``),
and each question goes through ``qa.search.search(index, question, k=10)``.
The questions and their gold answers (``bench/docs_questions.json``) were
written by a person reading the documentation, not by looking at what qa
returns. A gold answer is one or more alternatives ``(pages, text)``: a hit is
*useful* when its document's page key is one of ``pages`` and its sentence
contains ``text`` (both sides lowercased, whitespace collapsed, no space
before punctuation, typographic quotes and dashes folded to ASCII, inline
markup dropped: backticks, asterisks and reST roles such as ``:func:``, so
the sentence of a Sphinx ``_sources/*.rst.txt`` page counts as its HTML twin).
A gold text's pages are every page whose raw text holds it (``--check-gold``
checks this without qa): Node's ``all`` page, git's command lists.

A page key is the document's path relative to the package folder, without a
leading ``_sources/`` and without its document extensions (``.html``,
``.txt``, ``.rst``, ``.md``, ``.gz``, ``.pdf``...): ``library/subprocess``
names both ``library/subprocess.html`` and
``_sources/library/subprocess.rst.txt``; ``fs`` names ``fs.md.gz`` and
``fs.html``; ``whatsnew/3.8`` keeps its version number.

Metrics: top-1, top-3 and MRR@10 (reciprocal rank of the first useful hit in
the first 10; 0 when there is none), for qa and, in the same run over the same
sentences, the standard baseline of ``bench/quality.py`` (Lucene BM25 over
each sentence alone). Every third question of each package (positions 2, 5,
8, ...) is the ``test`` split, fixed before any tuning; the rest is ``tune``.

A question is *unreachable* when none of its gold sentences is an indexed
sentence of its pages (the page was not read, the text was lost, or the
sentence was cut apart): it counts as a miss and is listed with the reason.

The benchmark installs nothing: a package whose folder is missing is named on
stderr and skipped. It prints a table and, last, one JSON line.

Usage::

    python bench/docs.py                    # all packages, a temporary index cache
    python bench/docs.py --cache /tmp/qa-docs --verbose
    python bench/docs.py --check-gold       # gold texts against the raw files (no qa)

In Python (the index is opened once; ranking configurations are evaluated
without re-indexing)::

    from bench.docs import load_questions, open_package, evaluate, metrics
    questions = load_questions()
    package = open_package("git-doc", cache_dir="/tmp/qa-docs")   # folder from the question file
    outcomes = evaluate(package, questions, rank=lambda index, question: [...chunk ids...])
    print(metrics(outcomes))
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from bench.quality import LuceneBaseline  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.refresh import open_index  # noqa: E402
from qa.search import search  # noqa: E402

QUESTIONS = HERE / "docs_questions.json"
#: Hits looked at per question (MRR@10).
K = 10
#: Extensions that are dropped from a file name to make its page key.
DOC_EXTENSIONS = {"gz", "txt", "text", "rst", "md", "markdown", "html", "htm", "xhtml", "pdf", "org"}
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u2212": "-", "\xa0": " "})

#: ``(index, question) -> chunk ids, best first``.
Ranker = Callable[[Index, str], Sequence[int]]


#: Inline markup of plain-text sources: reST roles (``:func:``), backticks, asterisks.
_MARKUP = re.compile(r":[A-Za-z][\w.+-]*(?::[\w.+-]+)*:(?=`)|[`*]")


def normalise(text: str) -> str:
    """Lowercase, no inline markup, ASCII quotes and dashes, single spaces, no space before punctuation."""
    text = re.sub(r"\s+", " ", _MARKUP.sub("", text.translate(_FOLD)).lower()).strip()
    return re.sub(r" (?=[.,;:!?)\]])", "", text)


def page_key(path: str, folder: str) -> str:
    """``library/subprocess`` for ``FOLDER/_sources/library/subprocess.rst.txt`` (see the module docstring)."""
    rel = os.path.relpath(path, folder).replace(os.sep, "/")
    if rel.startswith("../"):
        rel = Path(path).name
    rel = rel.removeprefix("_sources/")
    head, _, name = rel.rpartition("/")
    while "." in name and name.rsplit(".", 1)[1].lower() in DOC_EXTENSIONS:
        name = name.rsplit(".", 1)[0]
    return f"{head}/{name}" if head else name


@dataclass(frozen=True)
class Gold:
    """One acceptable answer: a sentence containing ``text`` on one of ``pages``."""

    pages: tuple[str, ...]
    text: str
    norm: str


@dataclass(frozen=True)
class Question:
    package: str
    number: int  # position in its package's list
    split: str
    question: str
    gold: tuple[Gold, ...]


@dataclass(frozen=True)
class QuestionSet:
    folders: dict[str, str]  # package -> folder as Debian installs it
    questions: list[Question]


def load_questions(path: str | Path = QUESTIONS) -> QuestionSet:
    """Read a question file; check that each split is the one its position fixes."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    questions = []
    for item in data["questions"]:
        pkg = item["package"]
        if pkg not in data["packages"]:
            raise ValueError(f"{path}: question {item['question']!r} names unknown package {pkg!r}")
        number = seen.get(pkg, 0)
        seen[pkg] = number + 1
        split = "test" if number % 3 == 2 else "tune"
        if item["split"] != split:
            raise ValueError(f"{path}: {pkg} question {number} ({item['question']!r}) must be in {split}")
        gold = tuple(Gold(tuple(g["pages"]), g["text"], normalise(g["text"])) for g in item["gold"])
        questions.append(Question(pkg, number, split, item["question"], gold))
    return QuestionSet(dict(data["packages"]), questions)


@contextlib.contextmanager
def _cache_dir(folder: str | Path | None) -> Iterator[None]:
    """``$QA_CACHE_DIR`` set to ``folder`` for the duration (unchanged when ``folder`` is None)."""
    old = os.environ.get("QA_CACHE_DIR")
    if folder is not None:
        os.environ["QA_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("QA_CACHE_DIR", None)
        else:
            os.environ["QA_CACHE_DIR"] = old


@dataclass
class Package:
    """One package's folder, opened as qa opens it, with each document's page key."""

    name: str
    folder: str
    index: Index
    seconds: float
    cached: bool
    pages: list[str]
    _doc_of: np.ndarray = field(repr=False)
    _texts: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def page_of(self, cid: int) -> str:
        return self.pages[int(self._doc_of[cid])]

    def docs_of(self, page: str) -> list[int]:
        return [d for d, p in enumerate(self.pages) if p == page]

    def sentences(self, doc: int) -> list[str]:
        """Normalised text of each sentence of document ``doc`` (memoised)."""
        if doc not in self._texts:
            info = self.index.docs[doc]
            self._texts[doc] = [normalise(self.index.text(c)) for c in range(info.first, info.first + info.count)]
        return self._texts[doc]

    def useful(self, question: Question, cid: int) -> bool:
        page = self.page_of(cid)
        golds = [g for g in question.gold if page in g.pages]
        if not golds:
            return False
        text = normalise(self.index.text(cid))
        return any(g.norm in text for g in golds)


def open_package(name: str, folder: str | None = None, cache_dir: str | Path | None = None,
                 warn: Callable[[str], None] | None = None) -> Package:
    """Open (build, or load from the cache) qa's index of a package's folder, with qa's defaults.

    ``folder`` defaults to the package's folder in ``bench/docs_questions.json``;
    ``cache_dir`` to qa's own cache (the one ``qa ask --docs FOLDER`` uses).

    Raises:
        QAError: the folder is missing or holds no document qa reads.
    """
    folder = folder or load_questions().folders[name]
    start = time.perf_counter()
    with _cache_dir(cache_dir):
        index, report = open_index([folder], warn=warn)
    seconds = time.perf_counter() - start
    pages = [page_key(d.path, folder) for d in index.docs]
    return Package(name, folder, index, seconds, report.cached, pages, index.column("c_doc", index.chunk_ids()))


def qa_rank(index: Index, question: str) -> list[int]:
    """qa's answer as a user gets it: ``search(index, question, k=10)``."""
    try:
        return [hit.chunk for hit in search(index, question, k=K).hits]
    except QAError:
        return []


class BaselineRank:
    """The standard baseline of ``bench/quality.py`` over the same index's sentences."""

    def __init__(self, index: Index) -> None:
        self.model = LuceneBaseline([index.text(i) for i in range(index.n_chunks)])

    def __call__(self, index: Index, question: str) -> list[int]:
        scores = self.model.scores(question)
        top = np.flatnonzero(scores > 0)
        if len(top) > K:
            top = top[np.argpartition(-scores[top], K - 1)[:K]]
        return sorted(top.tolist(), key=lambda c: (-scores[c], c))  # ties: first sentence first


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first useful hit in the first K, None when there is none
    top: int | None  # the first hit's chunk id


def evaluate(package: Package, questions: QuestionSet | Sequence[Question],
             rank: Ranker | None = None) -> list[Outcome]:
    """Rank each of the package's questions with ``rank`` (default: qa) and find the first useful hit."""
    rank = rank or qa_rank
    items = questions.questions if isinstance(questions, QuestionSet) else questions
    out = []
    for q in items:
        if q.package != package.name:
            continue
        ids = list(rank(package.index, q.question))[:K]
        first = next((i + 1 for i, cid in enumerate(ids) if package.useful(q, int(cid))), None)
        out.append(Outcome(q, first, int(ids[0]) if ids else None))
    return out


def metrics(outcomes: Sequence[Outcome], split: str | None = None) -> dict[str, Any]:
    """top-1, top-3 and MRR@10 over the outcomes (of one split, or all); None when there are none."""
    ranks = [o.rank for o in outcomes if split in (None, "whole", o.question.split)]
    if not ranks:
        return {"n": 0, "top1": None, "top3": None, "mrr": None}
    n = len(ranks)
    return {"n": n, "top1": sum(r == 1 for r in ranks) / n, "top3": sum(r is not None and r <= 3 for r in ranks) / n,
            "mrr": sum(1 / r for r in ranks if r is not None) / n}


def reachability(package: Package, question: Question) -> list[str]:
    """Why each gold alternative cannot be found: '' when it is an indexed sentence of its page."""
    reasons = []
    for g in question.gold:
        docs = [d for page in g.pages for d in package.docs_of(page)]
        if not docs:
            reasons.append("page not indexed")
        elif any(g.norm in s for d in docs for s in package.sentences(d)):
            reasons.append("")
        elif any(g.norm in " ".join(package.sentences(d)) for d in docs):
            reasons.append("split across sentences")
        else:
            reasons.append("not in the indexed text")
    return reasons


# --- reading the raw files, independently of qa (``--check-gold``) -----------------------------------


def raw_text(path: Path) -> str:
    """The file's text as a person reads it: tags dropped from HTML, PDF pages by pypdf, ``.gz`` unpacked."""
    if path.suffix.lower() == ".pdf":
        import pypdf

        text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
        return re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # words hyphenated at line ends
    raw = gzip.decompress(path.read_bytes()) if path.suffix.lower() == ".gz" else path.read_bytes()
    text = raw.decode("utf-8", "replace")
    if re.search(r"\.x?html?(\.gz)?$", path.name, re.IGNORECASE):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return text


def document_pages(folder: str | Path) -> dict[str, list[Path]]:
    """The folder's documents (any file whose name, less ``.gz``, ends in a document extension) by page key."""
    files: dict[str, list[Path]] = {}
    for path in sorted(Path(folder).rglob("*")):
        name = path.name.lower().removesuffix(".gz")
        if path.is_file() and "." in name and name.rsplit(".", 1)[1] in DOC_EXTENSIONS:
            files.setdefault(page_key(str(path), str(folder)), []).append(path)
    return files


def check_gold(qset: QuestionSet, packages: Sequence[str]) -> int:
    """Check each gold text against the raw files; returns the number of problems.

    A gold text must be in a file of each page it names, and a page whose text
    holds it verbatim must be among its pages (the same sentence answers there too).
    """
    problems = 0
    for name in packages:
        pages = document_pages(qset.folders[name])
        texts = {page: [normalise(raw_text(p)) for p in paths] for page, paths in pages.items()}
        for q in (q for q in qset.questions if q.package == name):
            for g in q.gold:
                holding = {page for page, page_texts in texts.items() if any(g.norm in t for t in page_texts)}
                for page in g.pages:
                    if page not in holding:
                        where = "no such page" if page not in texts else "not in its text"
                        print(f"{name} #{q.number} {q.question!r}: {page}: {g.text!r}: {where}")
                if holding - set(g.pages):
                    print(f"{name} #{q.number} {q.question!r}: {g.text!r} is also on {sorted(holding - set(g.pages))}")
                problems += len(set(g.pages) - holding) + bool(holding - set(g.pages))
        print(f"{name}: {sum(q.package == name for q in qset.questions)} questions checked", file=sys.stderr)
    return problems


# --- the report ---------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


def _hit_line(package: Package, cid: int | None) -> str:
    if cid is None:
        return "(no hit)"
    text = " ".join(package.index.text(cid).split())
    return f"{package.page_of(cid)}: {text[:150]}{'...' if len(text) > 150 else ''}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", metavar="DIR", help="index cache to keep between runs (default: a temporary one)")
    parser.add_argument("--questions", metavar="FILE", default=str(QUESTIONS), help="question file (JSON)")
    parser.add_argument("--package", action="append", metavar="NAME", help="only this package (repeatable)")
    parser.add_argument("--verbose", "-v", action="store_true", help="each question: ranks and qa's first hit")
    parser.add_argument("--check-gold", action="store_true",
                        help="check the gold texts against the raw files (without qa) and exit")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    qset = load_questions(args.questions)
    names = args.package or list(qset.folders)
    for name in names:
        if name not in qset.folders:
            parser.error(f"unknown package {name!r} (known: {', '.join(qset.folders)})")
    present = []
    for name in names:
        if Path(qset.folders[name]).is_dir():
            present.append(name)
        else:
            print(f"docs: {name}: {qset.folders[name]} not found (Debian package {name} not installed); skipped",
                  file=sys.stderr)
    if args.check_gold:
        return 1 if check_gold(qset, present) else 0
    with contextlib.ExitStack() as stack:
        cache = args.cache or stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-docs-"))
        return _run(qset, present, cache, args.verbose, start)


@dataclass
class PackageResult:
    package: Package
    qa: list[Outcome]
    baseline: list[Outcome]
    reasons: dict[int, list[str]]  # question number -> why each gold alternative is unreachable ('' if it is not)

    def unreachable(self) -> list[Outcome]:
        return [o for o in self.qa if all(self.reasons[o.question.number])]


def run_package(name: str, folder: str, questions: QuestionSet, cache: str) -> PackageResult:
    """Open one package's index and evaluate qa and the baseline on its questions."""
    package = open_package(name, folder, cache, warn=lambda m: print(f"docs: {name}: {m}", file=sys.stderr))
    qa_out = evaluate(package, questions)
    base_out = evaluate(package, questions, BaselineRank(package.index))
    reasons = {o.question.number: reachability(package, o.question) for o in qa_out}
    print(f"docs: {name}: {len(package.index.docs):,} documents, {package.index.n_chunks:,} sentences, "
          f"index {'loaded' if package.cached else 'built'} in {package.seconds:.1f} s", file=sys.stderr)
    return PackageResult(package, qa_out, base_out, reasons)


def print_table(results: dict[str, PackageResult]) -> None:
    all_qa = [o for r in results.values() for o in r.qa]
    splits = {s: sum(o.question.split == s for o in all_qa) for s in ("tune", "test")}
    print(f"documentation benchmark: {len(results)} packages, {len(all_qa)} questions "
          f"(tune {splits['tune']}, test {splits['test']})")
    print(f"{'package':<12} {'folder':<34} {'documents':>9} {'sentences':>10} {'index s':>8}")
    for name, r in results.items():
        p = r.package
        print(f"{name:<12} {p.folder:<34} {len(p.index.docs):>9,} {p.index.n_chunks:>10,} {p.seconds:>8.1f}")
    print()
    print(f"{'':<12} {'':<6} {'':>4}  {'qa':-^17}  {'baseline':-^17}")
    head = f"{'top1':>5} {'top3':>5} {'MRR':>5}"
    print(f"{'package':<12} {'split':<6} {'n':>4}  {head}  {head}")
    rows = [(name, r.qa, r.baseline) for name, r in results.items()]
    rows.append(("all", all_qa, [o for r in results.values() for o in r.baseline]))
    for name, qa_out, base_out in rows:
        for split in ("tune", "test", "whole"):
            m, mb = metrics(qa_out, split), metrics(base_out, split)
            label = name if split == "tune" else ""
            print(f"{label:<12} {split:<6} {m['n']:>4}  {_fmt(m['top1'])} {_fmt(m['top3'])} {_fmt(m['mrr'])}  "
                  f"{_fmt(mb['top1'])} {_fmt(mb['top3'])} {_fmt(mb['mrr'])}")


def print_unreachable(results: dict[str, PackageResult]) -> None:
    total = sum(len(r.unreachable()) for r in results.values())
    print(f"\nunreachable (no gold sentence is an indexed sentence of its page; counted as misses): {total}")
    for name, r in results.items():
        for o in r.unreachable():
            q = o.question
            print(f"  {name} #{q.number} [{q.split}] {q.question!r}")
            for g, why in zip(q.gold, r.reasons[q.number], strict=True):
                print(f"      {'|'.join(g.pages)}: {g.text!r}: {why}")


def print_questions(results: dict[str, PackageResult]) -> None:
    for name, r in results.items():
        print(f"\n{name}: rank of the first useful hit for qa and the baseline ('-': none in {K}); qa's first hit")
        for o, b in zip(r.qa, r.baseline, strict=True):
            q = o.question
            lost = sum(bool(why) for why in r.reasons[q.number])
            note = f"  ({lost} of {len(q.gold)} gold unreachable)" if lost else ""
            print(f"  #{q.number:<2} {q.split:<4} qa {_rank(o.rank):>2}  bm25 {_rank(b.rank):>2}  {q.question}{note}")
            print(f"        -> {_hit_line(r.package, o.top)}")


def summary(results: dict[str, PackageResult], seconds: float) -> dict[str, Any]:
    """The JSON line: overall fractions per split for qa and the baseline, and one entry per package."""
    all_qa = [o for r in results.values() for o in r.qa]
    all_base = [o for r in results.values() for o in r.baseline]
    out: dict[str, Any] = {}
    for split in ("test", "tune", "whole"):
        m = metrics(all_qa, split)
        out.update({f"{split}_{k}": _round(m[k]) for k in ("top1", "top3", "mrr")})
    for split in ("whole", "test", "tune"):
        m = metrics(all_base, split)
        prefix = "baseline" if split == "whole" else f"baseline_{split}"
        out.update({f"{prefix}_{k}": _round(m[k]) for k in ("top1", "top3", "mrr")})
    out.update({"questions": len(all_qa), "unreachable": sum(len(r.unreachable()) for r in results.values()),
                "seconds": round(seconds, 1)})
    out["corpora"] = {
        name: {"folder": r.package.folder, "documents": len(r.package.index.docs),
               "sentences": r.package.index.n_chunks, "questions": len(r.qa),
               **{k: _round(v) for k, v in metrics(r.qa).items() if k != "n"},
               "baseline_mrr": _round(metrics(r.baseline)["mrr"]), "unreachable": len(r.unreachable()),
               "index_seconds": round(r.package.seconds, 1)}
        for name, r in results.items()}
    return out


def _run(qset: QuestionSet, names: Sequence[str], cache: str, verbose: bool, start: float) -> int:
    results = {}
    for name in names:
        try:
            results[name] = run_package(name, qset.folders[name], qset, cache)
        except QAError as exc:
            print(f"docs: {name}: {exc}; skipped", file=sys.stderr)
    print_table(results)
    print_unreachable(results)
    if verbose:
        print_questions(results)
    seconds = time.perf_counter() - start
    print(f"\n{seconds:.0f} s in all")
    print(json.dumps(summary(results, seconds)))
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
