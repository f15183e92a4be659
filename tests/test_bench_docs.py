"""The documentation benchmark's own bookkeeping (bench/docs.py), on tiny inline folders.

The benchmark itself needs Debian documentation packages; these tests do not:
they check page keys, matching, ranks and metrics, the split rule, the
unreachable report and the missing-package path against hand-worked answers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import docs

ROOT = "/usr/share/doc/pkg"


@pytest.mark.parametrize(("path", "key"), [
    (f"{ROOT}/library/subprocess.html", "library/subprocess"),
    (f"{ROOT}/_sources/library/subprocess.rst.txt", "library/subprocess"),
    (f"{ROOT}/fs.md.gz", "fs"),
    (f"{ROOT}/all.html", "all"),
    (f"{ROOT}/whatsnew/3.8.html", "whatsnew/3.8"),
    (f"{ROOT}/gitweb.conf.html", "gitweb.conf"),
    (f"{ROOT}/R-intro.pdf", "R-intro"),
    ("/elsewhere/refman.pdf", "refman"),
])
def test_page_key(path: str, key: str) -> None:
    assert docs.page_key(path, ROOT) == key


def test_normalise_folds_what_readers_change() -> None:
    text = "Returns  0 .\nThe object\u2019s  \u201cid\u201d \u2013 x"
    assert docs.normalise(text) == "returns 0. the object's \"id\" - x"
    assert docs.normalise("f( a , b )") == "f( a, b)"
    rst = "only one thread executes Python :term:`bytecode` at a time; *x* is ``y``"
    assert docs.normalise(rst) == docs.normalise("Only one thread executes Python bytecode at a time; x is y")


def _question_file(tmp_path: Path, folders: dict[str, str], questions: list[dict[str, object]]) -> Path:
    path = tmp_path / "questions.json"
    path.write_text(json.dumps({"packages": folders, "questions": questions}), encoding="utf-8")
    return path


def _q(package: str, split: str, question: str, *gold: tuple[str, str]) -> dict[str, object]:
    return {"package": package, "split": split, "question": question,
            "gold": [{"pages": [page], "text": text} for page, text in gold]}


def test_split_is_fixed_by_position(tmp_path: Path) -> None:
    good = [_q("p", s, f"q{i}", ("a", "x")) for i, s in enumerate(["tune", "tune", "test", "tune"])]
    loaded = docs.load_questions(_question_file(tmp_path, {"p": "/x"}, good))
    assert [q.split for q in loaded.questions] == ["tune", "tune", "test", "tune"]
    bad = [_q("p", "tune", f"q{i}", ("a", "x")) for i in range(3)]
    with pytest.raises(ValueError, match="must be in test"):
        docs.load_questions(_question_file(tmp_path, {"p": "/x"}, bad))


def test_shipped_questions_meet_the_issue() -> None:
    qset = docs.load_questions()
    per_package = {name: sum(q.package == name for q in qset.questions) for name in qset.folders}
    assert len(qset.questions) >= 80 and len(per_package) >= 3 and min(per_package.values()) >= 25
    assert sum(q.split == "test" for q in qset.questions) == sum(n // 3 for n in per_package.values())
    assert len({(q.package, q.question) for q in qset.questions}) == len(qset.questions)
    for q in qset.questions:
        assert q.gold and all(5 <= len(g.text.split()) <= 12 for g in q.gold), q.question


@pytest.fixture
def package(make_corpus: Callable[[dict[str, str | bytes]], Path], tmp_path: Path) -> docs.Package:
    root = make_corpus({
        "guide.md": "# Guide\n\nThe cat sleeps on the mat all day.\n\nDogs bark at the postman.\n",
        "ref/api.html": "<html><body><p>The cat function returns 0 .</p><p>Cats purr. Loudly at night.</p>"
                        "</body></html>",
    })
    return docs.open_package("toy", str(root), cache_dir=tmp_path / "cache")


def _chunk(package: docs.Package, needle: str) -> int:
    return next(c for c in range(package.index.n_chunks) if needle in package.index.text(c))


def test_evaluate_ranks_the_first_useful_hit(package: docs.Package) -> None:
    assert sorted(set(package.pages)) == ["guide", "ref/api"]
    def question(number: int, split: str, text: str, page: str, gold: str) -> docs.Question:
        return docs.Question("toy", number, split, text, (docs.Gold((page,), gold, docs.normalise(gold)),))

    questions = [
        question(0, "tune", "where does the cat sleep", "guide", "cat sleeps on the mat"),
        question(1, "tune", "what does cat return", "ref/api", "function returns 0."),
        question(2, "test", "who barks", "ref/api", "Dogs bark at the postman"),
    ]
    mat, ret, bark, purr = (_chunk(package, s) for s in ("mat", "returns", "bark", "purr"))
    order = {0: [purr, mat], 1: [ret], 2: [bark]}  # the dog sentence is on the wrong page: never useful
    outcomes = docs.evaluate(package, questions, rank=lambda index, q: order[[x.question for x in questions].index(q)])
    assert [o.rank for o in outcomes] == [2, 1, None]
    assert [o.top for o in outcomes] == [purr, ret, bark]
    m = docs.metrics(outcomes)
    assert m == {"n": 3, "top1": 1 / 3, "top3": 2 / 3, "mrr": (1 / 2 + 1) / 3}
    assert docs.metrics(outcomes, "test") == {"n": 1, "top1": 0.0, "top3": 0.0, "mrr": 0.0}
    assert docs.metrics([], "test")["mrr"] is None
    assert all(o.rank is not None for o in docs.evaluate(package, questions[:2]))  # the default ranker is qa


def test_only_the_first_ten_hits_count(package: docs.Package) -> None:
    mat = _chunk(package, "mat")
    gold = docs.Gold(("guide",), "cat sleeps on the mat", docs.normalise("cat sleeps on the mat"))
    q = docs.Question("toy", 0, "tune", "cat", (gold,))
    others = [c for c in range(package.index.n_chunks) if c != mat]
    padded = (others * 10)[: docs.K]
    assert docs.evaluate(package, [q], rank=lambda index, text: [*padded, mat])[0].rank is None
    assert docs.evaluate(package, [q], rank=lambda index, text: [*padded[:9], mat])[0].rank == 10


def test_reachability_names_why_a_gold_cannot_be_found(package: docs.Package) -> None:
    def gold(page: str, text: str) -> docs.Gold:
        return docs.Gold((page,), text, docs.normalise(text))

    q = docs.Question("toy", 0, "tune", "cats", (
        gold("ref/api", "Cats purr"),
        gold("ref/api", "purr. Loudly at night"),
        gold("ref/api", "cats meow"),
        gold("ref/missing", "Cats purr"),
    ))
    assert docs.reachability(package, q) == ["", "split across sentences", "not in the indexed text",
                                             "page not indexed"]


def test_baseline_ranks_by_bm25(package: docs.Package) -> None:
    ranked = docs.BaselineRank(package.index)(package.index, "postman")
    assert ranked == [_chunk(package, "postman")]


def test_missing_package_is_skipped(tmp_path: Path, make_corpus: Callable[[dict[str, str | bytes]], Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = make_corpus({"a.txt": "The heron stands in the estuary at dawn.\n"})
    path = _question_file(tmp_path, {"here": str(root), "gone": str(tmp_path / "nowhere")}, [
        _q("here", "tune", "where does the heron stand", ("a", "heron stands in the estuary")),
        _q("gone", "tune", "anything", ("a", "some words of an answer")),
    ])
    assert docs.main(["--questions", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "gone:" in err and "skipped" in err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["questions"] == 1 and list(summary["corpora"]) == ["here"]
    assert summary["tune_top1"] == 1.0 and summary["test_mrr"] is None
    assert docs.main(["--questions", str(path), "--package", "gone"]) == 1
    out, _ = capsys.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["questions"] == 0


def test_check_gold_reads_the_raw_files(tmp_path: Path, make_corpus: Callable[[dict[str, str | bytes]], Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    root = make_corpus({
        "a.html": "<p>The heron <b>stands</b> in the estuary &amp; waits.</p>",
        "b.md.gz": gzip.compress(b"The heron stands in the estuary & waits.\n"),
        "b.json.gz": gzip.compress(b'{"text": "The heron stands in the estuary"}'),
    })
    assert sorted(docs.document_pages(root)) == ["a", "b"]
    qset = docs.load_questions(_question_file(tmp_path, {"p": str(root)}, [
        _q("p", "tune", "heron", ("a", "heron stands in the estuary & waits")),
        _q("p", "tune", "gull", ("a", "the gull flies over the sea")),
    ]))
    assert docs.check_gold(qset, ["p"]) == 2  # the gull is nowhere; the heron is on page b too
    out = capsys.readouterr().out
    assert "'the gull flies over the sea': not in its text" in out and "is also on ['b']" in out
