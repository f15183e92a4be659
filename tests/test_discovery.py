"""Which files get indexed: extensions, hidden names, .gitignore / .qaignore and --include / --exclude."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.corpus import Filters, discover
from qa.store import corpus_key

RunQA = Callable[..., subprocess.CompletedProcess[str]]
MakeCorpus = Callable[[dict[str, str | bytes]], Path]


def found(root: Path, filters: Filters | None = None, roots: list[str] | None = None) -> list[str]:
    """Indexed files as paths relative to ``root``."""
    files, _ = discover(roots or [str(root)], filters=filters)
    return sorted(f.path.relative_to(root).as_posix() for f in files)


def test_extensions_hidden_names_and_the_skipped_count(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.txt": "x", "b.md": "x", "c.html": "x", "d.pdf": "x", "e.rst": "x", "NOTES": "x",
                        "f.py": "x", "g.csv": "x", ".hidden.txt": "x", ".git/config.txt": "x", "sub/h.org": "x"})
    files, skipped = discover([str(root)])
    assert sorted(f.path.name for f in files) == ["NOTES", "a.txt", "b.md", "c.html", "d.pdf", "e.rst", "h.org"]
    assert skipped == 2  # f.py and g.csv


@pytest.mark.parametrize(
    ("ignore", "expected"),
    [
        # plain name: anywhere below the ignore file's folder
        ("notes.txt\n", ["a.txt", "sub/a.txt"]),
        # a slash in the pattern anchors it to the ignore file's folder
        ("/notes.txt\n", ["a.txt", "sub/a.txt", "sub/notes.txt"]),
        ("sub/notes.txt\n", ["a.txt", "notes.txt", "sub/a.txt"]),
        # trailing slash: folders only
        ("sub/\n", ["a.txt", "notes.txt"]),
        ("a.txt/\n", ["a.txt", "notes.txt", "sub/a.txt", "sub/notes.txt"]),
        # negation re-includes; order matters (last match wins)
        ("*.txt\n!a.txt\n", ["a.txt", "sub/a.txt"]),
        ("!a.txt\n*.txt\n", []),
        # ** spans folders
        ("**/a.txt\n", ["notes.txt", "sub/notes.txt"]),
        ("sub/**\n!sub/notes.txt\n", ["a.txt", "notes.txt", "sub/notes.txt"]),
        # a file cannot be re-included when its folder is ignored (as in git)
        ("sub/\n!sub/notes.txt\n", ["a.txt", "notes.txt"]),
        # comments, blank lines and escaped characters
        ("# a comment\n\n\\#x.txt\n", ["a.txt", "notes.txt", "sub/a.txt", "sub/notes.txt"]),
    ],
)
def test_gitignore_rules(make_corpus: MakeCorpus, ignore: str, expected: list[str]) -> None:
    root = make_corpus({".gitignore": ignore, "a.txt": "x", "notes.txt": "x", "sub/a.txt": "x",
                        "sub/notes.txt": "x"})
    assert found(root) == expected


def test_deeper_ignore_file_wins_and_qaignore_adds_rules(make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        ".gitignore": "*.log.txt\ndrafts/\n",
        ".qaignore": "private*\n",
        "run.log.txt": "x", "private.txt": "x", "drafts/d.txt": "x", "keep.txt": "x",
        "sub/.gitignore": "!important.log.txt\n",
        "sub/important.log.txt": "x", "sub/other.log.txt": "x",
        "sub/deeper/.qaignore": "/only-here.txt\n",
        "sub/deeper/only-here.txt": "x", "sub/only-here.txt": "x",
    })
    assert found(root) == ["keep.txt", "sub/important.log.txt", "sub/only-here.txt"]


def test_ignore_files_above_the_root_do_not_apply(make_corpus: MakeCorpus) -> None:
    root = make_corpus({".gitignore": "*.txt\n", "sub/a.txt": "x"})
    assert found(root / "sub", roots=[str(root / "sub")]) == ["a.txt"]


def test_include_and_exclude_globs(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"a.txt": "x", "b.md": "x", "src/c.py": "x", "src/gen/d.py": "x", "node_modules/e.md": "x"})
    assert found(root, Filters(include=("*.py",))) == ["src/c.py", "src/gen/d.py"]
    assert found(root, Filters(include=("*.py", "*.md"), exclude=("gen/",))) == ["b.md", "node_modules/e.md",
                                                                                 "src/c.py"]
    assert found(root, Filters(exclude=("node_modules/", "*.md"))) == ["a.txt"]
    assert found(root, Filters(include=("/src/*.py",))) == ["src/c.py"]
    assert found(root, Filters(include=("**",), exclude=("src/**", "!src/c.py"))) == ["a.txt", "b.md",
                                                                                      "node_modules/e.md", "src/c.py"]


def test_excluded_folders_are_not_walked(make_corpus: MakeCorpus, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    root = make_corpus({"a.txt": "x", "big/b.txt": "x"})
    walked: list[str] = []
    real = os.scandir

    def spy(path: str | os.PathLike[str]) -> object:
        walked.append(Path(path).name)
        return real(path)

    monkeypatch.setattr("qa.corpus.os.scandir", spy)
    assert found(root, Filters(exclude=("big/",))) == ["a.txt"]
    assert "big" not in walked


def test_a_file_named_as_a_root_is_always_read(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"script.py": "x", ".hidden.txt": "x"})
    files, skipped = discover([str(root / "script.py"), str(root / ".hidden.txt")], filters=Filters(include=("*.md",)))
    assert sorted(f.path.name for f in files) == [".hidden.txt", "script.py"] and skipped == 0


def test_filters_change_the_cache_key(make_corpus: MakeCorpus, run_qa: RunQA) -> None:
    roots = ["/x/docs"]
    plain = corpus_key(roots, Filters().key())
    assert plain == corpus_key(roots)
    assert len({plain, corpus_key(roots, Filters(include=("*.py",)).key()),
                corpus_key(roots, Filters(exclude=("*.py",)).key())}) == 3
    root = make_corpus({"a.txt": "The heron waits.", "b.py": "# The heron codes."})
    where = [run_qa("index", "--where", "--docs", str(root), *extra).stdout for extra in ((), ("--include", "*.py"))]
    assert where[0] != where[1]
    runs = [run_qa("ask", "--docs", str(root), *extra, "heron", "--format", "jsonl")
            for extra in ((), ("--include", "*.py"), ())]
    assert [r.returncode for r in runs] == [0, 0, 0]
    assert ['a.txt"' in runs[0].stdout, 'b.py"' in runs[1].stdout, 'a.txt"' in runs[2].stdout] == [True] * 3
    assert runs[0].stderr == ("qa: warning: skipped 1 file with unsupported extensions ('qa index --verbose' lists it;"
                              " --include GLOB indexes files as text)\n")
    assert runs[2].stderr == ""  # its own cache, still there: not rebuilt


def test_gitignore_edit_is_picked_up_by_the_cached_index(make_corpus: MakeCorpus) -> None:
    from qa.refresh import open_index

    root = make_corpus({"a.txt": "The heron waits.", "b.txt": "The gull waits."})
    index, _ = open_index([str(root)])
    assert len(index.docs) == 2
    (root / ".qaignore").write_text("b.txt\n")
    index, report = open_index([str(root)])
    assert [Path(d.path).name for d in index.docs] == ["a.txt"] and report.built
