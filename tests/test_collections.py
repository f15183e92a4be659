"""Named collections: the config file (written by hand, read back by tomllib), the commands, -c."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.config import Collection, config_path, dumps, load_collections, parse
from qa.errors import ConfigError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RunQA = Callable[..., CompletedProcess[str]]
SMALL = {
    "notes/ships.txt": "Lighthouses guide ships at night.\nThe keeper lit the lamp at dusk.\n",
    "notes/birds.md": "# Birds\n\nThe heron stood still in the marsh. It caught a fish.\n",
    "notes/drafts/old.txt": "The heron draft was never finished.\n",
    "notes/photo.png": b"\x89PNG",
}

# Text TOML must carry: quotes, backslashes, control characters, non-ASCII (no lone surrogates: not Unicode).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
NAMES = TEXT.filter(lambda s: s == s.strip() and s.strip() and not s.startswith("-") and s.isprintable())


@given(st.dictionaries(NAMES, st.tuples(st.lists(TEXT.map(lambda s: "/" + s), min_size=1, max_size=3),
                                        st.lists(TEXT, max_size=3), st.lists(TEXT, max_size=3)), max_size=4))
@settings(max_examples=300, deadline=None)
def test_what_is_written_reads_back_with_tomllib(tables: dict[str, tuple[list[str], list[str], list[str]]]) -> None:
    collections = [Collection(name, tuple(p), tuple(i), tuple(e)) for name, (p, i, e) in tables.items()]
    text = dumps(collections)
    data = tomllib.loads(text)  # the reference reader
    assert data == ({"collections": {c.name: {"paths": list(c.paths), "include": list(c.include),
                                               "exclude": list(c.exclude)} for c in collections}}
                    if collections else {})
    assert list(parse(text.encode(), Path("config.toml")).values()) == collections


def test_awkward_names_and_paths_round_trip(tmp_path: Path) -> None:
    awkward = Collection('my "notes" \\ 東京 ñ', ("/tmp/a \"b\"\\c", "/home/ü/日本語 docs"), ("*.md",), ("dra\tfts/",))
    text = dumps([awkward])
    assert '[collections."my \\"notes\\" \\\\ 東京 ñ"]' in text
    assert tomllib.loads(text)["collections"][awkward.name]["paths"] == list(awkward.paths)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert load_collections(path) == {awkward.name: awkward}


@pytest.mark.parametrize(("text", "problem"), [
    ("[collections.x\npaths = []", "line 1"),
    ("colections = 1", "unknown setting 'colections' (did you mean 'collections'?)"),
    ("collections = 3", "'collections' must be a table"),
    ("[collections.x]\npahts = ['/a']", "collection 'x': unknown key 'pahts' (did you mean 'paths'?)"),
    ("[collections.x]\ninclude = ['*.md']", "collection 'x' has no 'paths'"),
    ("[collections.x]\npaths = []", "collection 'x': 'paths' is empty"),
    ("[collections.x]\npaths = '/a'", "collection 'x': 'paths' must be a list of strings"),
    ("[collections.x]\npaths = ['/a', 3]", "must be a list of strings"),
    ("[collections.x]\npaths = ['notes']", "path 'notes' is not absolute"),
    ("[collections.x]\npaths = ['/a']\nexclude = ['']", "'exclude' has an empty string"),
    ("[collections.\"-x\"]\npaths = ['/a']", "invalid collection name '-x': it starts with '-'"),
    ("[collections.\" \"]\npaths = ['/a']", "invalid collection name ' ': it is empty"),
])
def test_a_bad_config_names_the_file_and_the_problem(text: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_collections(path)
    assert str(info.value).startswith(f"{path}: ") and problem in str(info.value)


def test_not_utf8_and_home_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[collections.x]\npaths = ['/caf\xe9']\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_collections(path)
    path.write_text("[collections.x]\npaths = ['~/notes']\n", encoding="utf-8")
    assert load_collections(path)["x"].paths == (str(Path.home() / "notes"),)
    assert load_collections(tmp_path / "missing.toml") == {}


@pytest.mark.parametrize("name", ["", "  ", "-c", "--docs", " padded", "tab\there", "x" * 65, "bad\udcff"])
def test_bad_names_are_usage_errors(name: str, make_corpus: Callable[..., Path]) -> None:
    from qa.config import new_collection

    with pytest.raises(UsageError):
        new_collection(name, [str(make_corpus(SMALL))])


def test_config_lives_in_qa_config_dir(isolated_env: Path) -> None:
    assert config_path() == isolated_env / "config" / "config.toml"


# -- the commands ----------------------------------------------------------------


def test_add_list_ask_remove(run_qa: RunQA, make_corpus: Callable[..., Path], isolated_env: Path) -> None:
    root = make_corpus(SMALL)
    added = run_qa("collection", "add", "birds", str(root / "notes"), "--exclude", "drafts/", cwd=root.parent)
    assert added.returncode == 0, added.stderr
    assert "added collection birds" in added.stdout and "documents     2" in added.stdout
    text = (isolated_env / "config" / "config.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["collections"]["birds"] == {"paths": [str(root / "notes")], "include": [],
                                                           "exclude": ["drafts/"]}
    listed = run_qa("collection", "list", cwd=root.parent)
    header, row = listed.stdout.splitlines()
    assert header.split() == ["name", "folders", "files", "sentences", "size", "last", "used"]
    assert row.split()[:5] == ["birds", "docs/notes", "--exclude", "drafts/", "2"] and row.endswith("just now")
    asked = run_qa("-c", "birds", "heron", cwd=root.parent)
    assert asked.returncode == 0 and "docs/notes/birds.md" in asked.stdout and "draft" not in asked.stdout
    assert run_qa("ask", "--collection", "birds", "heron", cwd=root.parent).stdout == asked.stdout
    # The collection's index is the one --docs with the same globs uses.
    where_c = run_qa("index", "--where", "-c", "birds").stdout
    where_d = run_qa("index", "--where", "--docs", str(root / "notes"), "--exclude", "drafts/").stdout
    assert where_c == where_d and Path(where_c.strip()).is_dir()
    (root / "notes" / "new.txt").write_text("A violet heron arrived.", encoding="utf-8")
    assert "built" in run_qa("index", "-c", "birds").stdout  # qa index -c NAME refreshes it
    removed = run_qa("collection", "remove", "birds")
    assert removed.returncode == 0 and "removed collection birds and its index" in removed.stdout
    assert not Path(where_c.strip()).exists()
    assert run_qa("collection", "list").stdout == ""


@pytest.mark.parametrize(("args", "needle"), [
    (("-c", "birds", "--docs", "x", "heron"), "-c/--collection and --docs cannot be used together"),
    (("-c", "birds", "--exclude", "x", "heron"), "a collection has its own globs"),
    (("-c", "bird", "heron"), "no collection named 'bird' (did you mean 'birds'?)"),
    (("collection", "add", "birds", "/no/such/folder"), "no such file or folder: /no/such/folder"),
    (("collection", "add", "-x", "."), "the following arguments are required"),
    (("collection", "add", "--", "-x", "."), "invalid collection name '-x'"),
    (("collection", "add", "other", ".", "--include", "[z-a]"), "invalid --include pattern"),
    (("collection", "remove", "nope"), "no collection named 'nope'"),
])
def test_usage_errors_are_one_line(args: tuple[str, ...], needle: str, run_qa: RunQA,
                                   make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    assert run_qa("collection", "add", "birds", str(root / "notes")).returncode == 0
    result = run_qa(*args, cwd=root)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: ") and needle in lines[0], result.stderr


def test_adding_an_existing_name_needs_replace(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    assert run_qa("collection", "add", "n", str(root / "notes")).returncode == 0
    again = run_qa("collection", "add", "n", str(root / "notes"), "--include", "*.md")
    assert again.returncode == 2 and "exists (--replace changes it)" in again.stderr
    assert run_qa("collection", "add", "n", str(root / "notes"), "--include", "*.md", "--replace").returncode == 0
    assert load_collections()["n"].include == ("*.md",)


def test_an_empty_folder_is_not_saved(run_qa: RunQA, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_qa("collection", "add", "e", str(tmp_path / "empty"))
    assert result.returncode == 2 and "no documents found" in result.stderr
    assert load_collections() == {}


def test_a_broken_config_is_exit_2_with_its_path(run_qa: RunQA, isolated_env: Path) -> None:
    path = isolated_env / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[collections.x]\npaths = [\n", encoding="utf-8")
    for args in (("-c", "x", "heron"), ("collection", "list"), ("collection", "add", "y", ".")):
        result = run_qa(*args)
        assert result.returncode == 2 and result.stderr.startswith(f"qa: error: {path}: ")
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_the_repl_over_a_collection(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus(SMALL)
    assert run_qa("collection", "add", "birds", str(root / "notes")).returncode == 0
    result = run_qa("-c", "birds", "repl", input="heron marsh\n:docs\n")
    assert result.returncode == 0 and "Q: heron marsh" in result.stdout and "birds.md" in result.stdout
