"""Word, OpenDocument, EPUB, notebooks, mail and gzip: text, structure and exact citations.

Corpora are written by tests/make_documents.py. Where a library can say what
the answer must be, it does: ElementTree numbers the paragraphs of a Word or
OpenDocument file, :mod:`zipfile` gives the XHTML an EPUB citation points
into, :mod:`json` the notebook cell, :mod:`mailbox` the messages of an mbox,
:mod:`gzip` the decompressed text.
"""

from __future__ import annotations

import gzip
import io
import json
import mailbox
import zipfile
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from xml.etree import ElementTree

import pytest
from make_documents import (
    W,
    make_docx,
    make_eml,
    make_epub,
    make_mbox,
    make_notebook,
    make_odt,
    o_h,
    o_p,
    w_p,
    w_run,
    w_table,
    xhtml,
)
from sentences import split as chunk_text

from qa.chunking import SentenceSplitter
from qa.extensions import is_supported
from qa.formats import Extracted, extract
from qa.refresh import open_index
from qa.search import search

RunQA = Callable[..., CompletedProcess[str]]
MakeCorpus = Callable[[dict[str, "str | bytes"]], Path]


def _read(name: str, data: bytes) -> Extracted:
    warnings: list[str] = []
    doc = extract(Path(name), data, name, warnings.append)
    assert doc is not None and warnings == [], warnings
    return doc


def _blocks(doc: Extracted) -> list[tuple[str, str | None, int | None]]:
    """(text, section, part number) of each block."""
    return [(doc.text[b.start : b.end], b.section, b.part.number if b.part else None) for b in doc.blocks]


def _json(result: CompletedProcess[str]) -> list[dict]:  # type: ignore[type-arg]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["results"]  # type: ignore[no-any-return]


# -- Word -----------------------------------------------------------------------------------------------

GUIDE = (w_p("Harbour Guide", "Title") + w_p("Lighthouses", "Heading1")
         + w_p("The keeper lit the lamp at dusk. The heron watched.") + w_p("")
         + w_p("Tides", "Heading2") + w_p("Spring tides\tfollow the new moon.\nA second line.")
         + w_table([["Gull colony", "Forty nests"], ["Heron count", "Twelve birds"]])
         + w_p("Weather", "MyChapter") + w_p("Fog rolls in from the east.")
         + w_p("Storms", "berschrift3") + w_p("Gales break the pier.")
         + w_p("Plain again", outline=9) + w_p("Outline heading", outline=0)
         + w_p(runs=w_run("Visible salt marsh. ") + w_run("vanished words", hidden=True))
         + '<w:p><w:del w:id="1"><w:r><w:delText>deleted words</w:delText></w:r></w:del>'
         + '<w:ins w:id="2"><w:r><w:t>Inserted words stay.</w:t></w:r></w:ins></w:p>'
         + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \\* fieldcode</w:instrText>'
         + '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Field result.</w:t></w:r>'
         + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
         + '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
         + w_p("Text box words.") + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
         + w_p("Text box words.") + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
         + "<w:r><w:t>After the box.</w:t></w:r></w:p>")


def test_docx_paragraphs_sections_title_and_what_is_left_out() -> None:
    data = make_docx(GUIDE, title="The Harbour Guide", footnotes=["A note on mooring rings."],
                     header="Running header words", comments="A reviewer comment")
    doc = _read("g.docx", data)
    assert doc.title == "The Harbour Guide"
    assert _blocks(doc) == [
        ("The keeper lit the lamp at dusk. The heron watched.", "Lighthouses", 3),
        ("Spring tides\tfollow the new moon.\nA second line.", "Lighthouses > Tides", 6),
        ("Gull colony", "Lighthouses > Tides", 7), ("Forty nests", "Lighthouses > Tides", 8),
        ("Heron count", "Lighthouses > Tides", 9), ("Twelve birds", "Lighthouses > Tides", 10),
        ("Fog rolls in from the east.", "Weather", 12),  # a custom style based on Heading 1
        ("Gales break the pier.", "Weather > Storms", 14),  # a localised style id named "heading 3"
        ("Plain again", "Weather > Storms", 15),  # a direct outline level 9 is body text
        ("Visible salt marsh.", "Outline heading", 17),
        ("Inserted words stay.", "Outline heading", 18),
        ("Field result.", "Outline heading", 19),
        ("After the box.", "Outline heading", 20),  # the text box is paragraph 21, in reading order after it
        ("Text box words.", "Outline heading", 21),
        ("A note on mooring rings.", None, 22),  # footnotes after the body, in no section of it
    ]
    for gone in ("Running header", "reviewer comment", "vanished", "deleted", "fieldcode", "PAGE"):
        assert gone not in doc.text


def test_docx_paragraph_numbers_are_elementtree_order() -> None:
    """N in ``#p=N`` is the position of the ``w:p`` among all paragraphs of the document, as ElementTree walks it."""
    data = make_docx(GUIDE)
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    oracle = {}
    for n, para in enumerate(root.iter(f"{{{W}}}p"), start=1):
        own = "".join(t.text or "" for r in para.findall(f"{{{W}}}r") for t in r.findall(f"{{{W}}}t"))
        oracle.setdefault(own.strip(), n)
    doc = _read("g.docx", data)
    for text, _, number in _blocks(doc):
        first_run = text.split("\t")[0].split("\n")[0]
        if first_run in oracle:
            assert oracle[first_run] == number, text
    assert len(oracle) >= 12


def test_docx_styled_title_when_no_core_title() -> None:
    doc = _read("g.docx", make_docx(w_p("Styled Title", "Title") + w_p("Body text.")))
    assert doc.title == "Styled Title" and _blocks(doc) == [("Body text.", None, 2)]


def test_docx_table_of_contents_entries_are_not_prose() -> None:
    doc = _read("t.docx", make_docx(w_p("Lighthouses\t3", "TOC1") + w_p("Lighthouses", "Heading1") + w_p("Text.")))
    assert _blocks(doc) == [("Text.", "Lighthouses", 3)]


def test_docx_search_json_and_text_citation(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({"guide.docx": make_docx(GUIDE, title="The Harbour Guide")})
    hit = _json(run_qa("ask", "--docs", "docs", "--format", "json", "spring tides moon", "-k", "1",
                       cwd=root.parent))[0]
    assert (hit["paragraph"], hit["section"], hit["title"]) == (6, "Lighthouses > Tides", "The Harbour Guide")
    assert hit["text"] == "Spring tides\tfollow the new moon."
    assert (hit["line"], hit["column"], hit["page"], hit["cell"], hit["message"], hit["item"]) == (1, 1, None, None,
                                                                                                   None, None)
    second = _json(run_qa("ask", "--docs", "docs", "--format", "json", "second line", "-k", "1", cwd=root.parent))
    assert (second[0]["paragraph"], second[0]["line"], second[0]["column"]) == (6, 2, 1)  # line 2 of the paragraph
    text = run_qa("ask", "--docs", "docs", "heron count", "-k", "1", cwd=root.parent).stdout
    assert text.startswith("[1] docs/guide.docx#p=9  score ")


# -- OpenDocument --------------------------------------------------------------------------------------

ODT_BODY = (o_h("Birds", 1) + o_p("The cormorant dries its wings.") + o_h("Herons", 2)
            + o_p("Grey herons  stand\tstill.\nThey wait.")
            + '<text:p>Tide tables<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            '<text:note-body><text:p>A note about tide tables.</text:p></text:note-body></text:note>'
            " are printed.</text:p>"
            + '<office:annotation><text:p>A reviewer remark.</text:p></office:annotation>'
            + '<text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted once.</text:p></text:deletion>'
            + "</text:changed-region></text:tracked-changes>"
            + '<text:table-of-content><text:index-body><text:p>Birds 1</text:p></text:index-body>'
            + "</text:table-of-content>"
            + '<table:table><table:table-row><table:table-cell><text:p>Cell one.</text:p></table:table-cell>'
            + "<table:table-cell><text:p>Cell two.</text:p></table:table-cell></table:table-row></table:table>"
            + '<text:list><text:list-item><text:p>First item.</text:p></text:list-item></text:list>'
            + '<text:p text:style-name="Title">Styled title</text:p>' + o_h("Gulls", 1) + o_p("Gulls shout."))


def test_odt_paragraphs_notes_lists_tables_sections() -> None:
    doc = _read("n.odt", make_odt(ODT_BODY, title="Bird Notes"))
    assert doc.title == "Bird Notes"
    assert _blocks(doc) == [
        ("The cormorant dries its wings.", "Birds", 2),
        ("Grey herons  stand\tstill.\nThey wait.", "Birds > Herons", 4),
        ("Tide tables are printed.", "Birds > Herons", 5),
        ("Cell one.", "Birds > Herons", 6), ("Cell two.", "Birds > Herons", 7), ("First item.", "Birds > Herons", 8),
        ("Gulls shout.", "Gulls", 11),
        ("A note about tide tables.", None, 12),
    ]
    for gone in ("reviewer", "Deleted once", "Birds 1"):
        assert gone not in doc.text


def test_odt_paragraph_numbers_follow_the_document_order() -> None:
    """ElementTree's order of ``text:p``/``text:h`` outside notes, annotations, changes and indexes, then the notes."""
    data = make_odt(ODT_BODY)
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"))
    t = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    o = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
    hidden = {id(p) for tag in (f"{o}annotation", f"{t}tracked-changes", f"{t}table-of-content")
              for e in root.iter(tag) for p in e.iter()}
    notes = [p for nb in root.iter(f"{t}note-body") for p in nb.iter() if p.tag == f"{t}p"]
    body = [p for p in root.iter() if p.tag in (f"{t}p", f"{t}h") and id(p) not in hidden
            and all(p is not n for n in notes)]
    order = [*body, *notes]
    doc = _read("n.odt", data)
    for text, _, number in _blocks(doc):
        assert number is not None
        element = order[number - 1]
        assert (element.text or "").split()[0] == text.split()[0]


# -- EPUB ------------------------------------------------------------------------------------------------

CH1 = xhtml("<h1>Chapter One</h1>\n<nav><p>Navigation words.</p></nav>\n<p>The lighthouse stood on the cape.</p>\n"
            "<p>Storms came every winter &amp; spring.</p>", "One")
CH2 = xhtml("<h1>Chapter Two</h1>\n<h2>The Island</h2>\n<p>The keeper&#8217;s daughter rowed to the island.</p>", "Two")


def test_epub_spine_order_sections_and_item_citations(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    book = make_epub([("text/ch2.xhtml", CH2), ("text/ch1.xhtml", CH1)], title="Cape Stories", spine=["c1", "c0"])
    doc = _read("b.epub", book)
    assert doc.title == "Cape Stories" and "Navigation" not in doc.text
    items = [(doc.text[b.start : b.end], b.section, b.part.name if b.part else None) for b in doc.blocks]
    assert items == [
        ("The lighthouse stood on the cape.", "Chapter One", "OEBPS/text/ch1.xhtml"),
        ("Storms came every winter &amp; spring.".replace("&amp;", "&    "), "Chapter One", "OEBPS/text/ch1.xhtml"),
        ("The keeper’s daughter rowed to the island.".replace("’", "’      "), "Chapter Two > The Island",
         "OEBPS/text/ch2.xhtml"),
    ]
    root = make_corpus({"book.epub": book})
    for question in ("lighthouse cape", "storms winter", "daughter rowed island"):
        hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", question, "-k", "1"))[0]
        inside = zipfile.ZipFile(io.BytesIO(book)).read(hit["item"]).decode("utf-8").split("\n")
        assert inside[hit["line"] - 1][hit["column"] - 1 :].startswith(hit["text"].split()[0])
        assert hit["title"] == "Cape Stories" and hit["paragraph"] is None
    text = run_qa("ask", "--docs", "docs", "daughter rowed", "-k", "1", "--no-cache", cwd=root.parent).stdout
    assert text.startswith("[1] docs/book.epub#OEBPS/text/ch2.xhtml:8:4  score ")


def test_epub_at_the_archive_root_and_a_missing_item() -> None:
    book = make_epub([("ch1.xhtml", CH1), ("gone.xhtml", CH2)], opf_dir="")
    broken = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in broken.infolist():
            if info.filename != "gone.xhtml":
                zf.writestr(info, broken.read(info))
    warnings: list[str] = []
    doc = extract(Path("b.epub"), out.getvalue(), "b.epub", warnings.append)
    assert doc is not None and warnings == ["b.epub: spine item not in the book: gone.xhtml"]
    assert {b.part.name for b in doc.blocks if b.part} == {"ch1.xhtml"}


# -- notebooks ---------------------------------------------------------------------------------------------

NOTEBOOK = [("markdown", "# Analysis\n\nIntro text about herons."), ("code", "print('heron code')\n# not a heading"),
            ("markdown", "### Detail\n\nDeep detail text."), ("markdown", "## Results\n\nThe herons nested early.\n"
                                                                       "A second *line*."),
            ("raw", "raw cell words"), ("markdown", "Closing words with no heading of their own.")]


def test_notebook_markdown_cells_sections_carry_across_cells() -> None:
    doc = _read("nb.ipynb", make_notebook(NOTEBOOK))
    assert doc.title == "Analysis"
    assert [(doc.text[b.start : b.end], b.section, b.part.number if b.part else None) for b in doc.blocks] == [
        ("Intro text about herons.", "Analysis", 1),
        ("Deep detail text.", "Analysis > Detail", 3),
        ("The herons nested early.\nA second  line .", "Analysis > Results", 4),  # "### Detail" is closed by "##"
        ("Closing words with no heading of their own.", "Analysis > Results", 6),
    ]
    assert "heron code" not in doc.text and "printed heron output" not in doc.text and "raw cell" not in doc.text


def test_notebook_citations_point_into_the_cell(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    data = make_notebook(NOTEBOOK, title="Heron Notebook", as_list=False)
    root = make_corpus({"nb.ipynb": data})
    cells = json.loads(data)["cells"]
    for question in ("herons nested early", "second line", "closing words"):
        hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", question, "-k", "1"))[0]
        source = cells[hit["cell"] - 1]["source"].split("\n")
        assert source[hit["line"] - 1][hit["column"] - 1 :].startswith(hit["text"].split()[0])
        assert hit["title"] == "Heron Notebook"
    text = run_qa("ask", "--docs", "docs", "herons nested early", "-k", "1", "--no-cache", cwd=root.parent).stdout
    assert text.startswith("[1] docs/nb.ipynb#cell=4:3:1  score ")


def test_notebook_format_3() -> None:
    nb = {"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 2, "source": ["Old ", "Heading"]},
        {"cell_type": "code", "input": "x = 1", "outputs": []},
        {"cell_type": "markdown", "source": "Old notebook prose."}]}]}
    doc = _read("old.ipynb", json.dumps(nb).encode())
    assert _blocks(doc) == [("Old notebook prose.", "Old Heading", 3)]


# -- mail ----------------------------------------------------------------------------------------------------

REPLY = ("Hi team,\n\nThe ferry leaves at noon on Friday.\nBring the charts.\n\nOn Monday, Bob wrote:\n"
         "> The old ferry text, quoted.\n>> Older still.\n\nThanks.\n-- \nAnn Heron\nHarbour office ferry desk\n")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_eml_stored_as_text_is_cited_at_its_line(run_qa: RunQA, make_corpus: MakeCorpus, newline: str) -> None:
    data = make_eml(REPLY, newline=newline)
    root = make_corpus({"mail.eml": data})
    hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", "ferry noon friday", "-k", "1"))[0]
    lines = data.decode().split(newline)
    assert lines[hit["line"] - 1][hit["column"] - 1 :].startswith("The ferry leaves at noon")
    assert (hit["title"], hit["from"], hit["date"]) == ("Harbour news", "Ann Heron <ann@example.org>",
                                                       "2024-12-03T10:15:00+01:00")
    assert hit["message"] is None
    text = run_qa("ask", "--docs", "docs", "ferry noon", "-k", "5", "--no-cache", cwd=root.parent).stdout
    assert text.startswith(f"[1] docs/mail.eml:{hit['line']}:1  score ")
    for gone in ("quoted", "Older still", "Bob wrote", "ferry desk", "Ann Heron\n"):
        assert gone not in text


def test_eml_quotes_and_signature_are_blanked_in_place() -> None:
    from qa.formats.mail import unquoted

    kept = unquoted(REPLY)
    assert len(kept) == len(REPLY) and kept.count("\n") == REPLY.count("\n")
    assert "ferry leaves" in kept and "Thanks." in kept
    assert "quoted" not in kept and "Older" not in kept and "Bob wrote" not in kept and "Ann Heron" not in kept
    assert unquoted("From the dock\n>From escaped\n", mbox=True) == "From the dock\n From escaped\n"


@pytest.mark.parametrize("encoding", ["quoted-printable", "base64"])
def test_eml_decoded_bodies_are_cited_by_file_alone(run_qa: RunQA, make_corpus: MakeCorpus, encoding: str) -> None:
    body = "Café meeting about the ferry schedule moved to Thursday.\n"
    root = make_corpus({"qp.eml": make_eml(body, encoding=encoding, subject="=?utf-8?q?Caf=C3=A9_plans?=")})
    hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", "cafe ferry thursday", "-k", "1"))[0]
    assert hit["text"] == body.strip() and hit["title"] == "Café plans"
    text = run_qa("ask", "--docs", "docs", "ferry thursday", "-k", "1", "--no-cache", cwd=root.parent).stdout
    assert text.startswith("[1] docs/qp.eml  score ")


def test_eml_html_only_and_charsets() -> None:
    doc = _read("h.eml", make_eml("", html="<html><body><h2>Update</h2><p>Rudder repairs done.</p><blockquote "
                                           'type="cite"><p>Quoted rudder text.</p></blockquote></body></html>'))
    assert _blocks(doc) == [("Rudder repairs done.", "Update", 0)]  # a lone message has no number
    blank_text = _read("b.eml", make_eml("  \n", html="<p>Only the HTML part has words.</p>"))
    assert _blocks(blank_text) == [("Only the HTML part has words.", None, 0)]
    latin = make_eml("Le héron cendré attend.\n", charset="iso-8859-1")
    assert "Le héron cendré attend." in _read("l.eml", latin).text
    warnings: list[str] = []
    odd = extract(Path("x.eml"), make_eml("Strange charset text.\n", charset="x-klingon"), "x.eml", warnings.append)
    assert odd is not None and "Strange charset text." in odd.text
    assert warnings == ["x.eml: unknown charset 'x-klingon' read as UTF-8"]


def test_mbox_messages_match_the_mailbox_module(run_qa: RunQA, make_corpus: MakeCorpus, tmp_path: Path) -> None:
    messages = [make_eml("First message about anchors.\n", subject="Anchors"),
                make_eml("", html="<h2>Update</h2><p>Second message about rudder repairs.</p>", subject="Rudders",
                         encoding="base64"),
                make_eml("From the harbour master: sails dried.\n\nBetween messages.\n", subject="Sails",
                         sender="=?utf-8?q?Zo=C3=AB?= <zoe@example.org>"),
                make_eml("Attachments only", subject="Empty")]
    data = make_mbox(messages)
    (tmp_path / "inbox.mbox").write_bytes(data)
    oracle = [m["subject"] for m in mailbox.mbox(str(tmp_path / "inbox.mbox"))]
    from qa.formats.mail import message_starts

    assert len(message_starts(data)) == len(oracle) == 4
    root = make_corpus({"inbox.mbox": data})
    for question, number in (("anchors", 1), ("rudder repairs", 2), ("sails dried harbour master", 3)):
        hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", question, "-k", "1"))[0]
        assert hit["message"] == number and hit["section"].split(" > ")[0] == oracle[number - 1]
        assert hit["date"] == "2024-12-03T10:15:00+01:00"
    hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", "sails dried", "-k", "1"))[0]
    assert hit["from"] == "Zoë <zoe@example.org>" and hit["text"] == "From the harbour master: sails dried."
    lines = data.decode().split("\n")
    assert lines[hit["line"] - 1] == ">From the harbour master: sails dried."  # escaped by the mail store
    assert hit["column"] == 2
    text = run_qa("ask", "--docs", "docs", "rudder repairs", "-k", "1", "--no-cache", cwd=root.parent).stdout
    assert text.startswith("[1] docs/inbox.mbox#msg=2  score ") and "(Rudders > Update)" in text


# -- gzip ------------------------------------------------------------------------------------------------------

MD = "# Streams\n\nSome intro.\n\n## Reading lines\n\nUse readline to read a file line by line.\n"


def test_gzip_files_are_read_as_what_they_hold(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        "api/readline.md.gz": gzip.compress(MD.encode()),
        "README.gz": gzip.compress(b"Plain readme words about herons.\n"),
        "changelog.Debian.gz": gzip.compress(b"qa (1.0) unstable\n\n  * Packaged the heron release.\n"),
        "page.html.gz": gzip.compress(b"<html><title>T</title><body><p>An html heron page.</p></body></html>"),
        "data.tar.gz": gzip.compress(b"heron in a tarball"),
        "multi.txt.gz": gzip.compress(b"First member. ") + gzip.compress(b"Second member about a heron.\n"),
    })
    hit = _json(run_qa("ask", "--docs", str(root), "--format", "json", "read file line by line", "-k", "1"))[0]
    assert (hit["section"], hit["line"], hit["column"]) == ("Streams > Reading lines", 7, 1)
    assert MD.split("\n")[hit["line"] - 1].startswith(hit["text"])
    result = run_qa("ask", "--docs", str(root), "--format", "json", "heron", "-k", "10", "--no-cache")
    found = {Path(h["path"]).name for h in _json(result)}
    assert found == {"README.gz", "changelog.Debian.gz", "page.html.gz", "multi.txt.gz"}
    assert result.stderr.startswith("qa: warning: skipped 1 file with unsupported extensions (")
    text = run_qa("ask", "--docs", "docs", "readline", "-k", "1", "--no-cache", cwd=root.parent).stdout
    assert text.startswith("[1] docs/api/readline.md.gz:7:1  score ")


def test_gzip_discovery_rules() -> None:
    assert all(is_supported(n) for n in ("x.md.gz", "README.gz", "x.TXT.GZ", "NEWS.Debian.gz", "b.docx.gz",
                                         "x.1.gz"))  # a manual page
    assert not any(is_supported(n) for n in ("x.tar.gz", "x.json.gz", "x.gz.gz", "x.c.gz"))


def test_gzip_file_refreshes_when_it_changes(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"notes.md.gz": gzip.compress(b"The old heron note.\n")})
    index, _ = open_index([str(root)])
    assert search(index, "heron", k=1).hits[0].text == "The old heron note."
    (root / "notes.md.gz").write_bytes(gzip.compress(b"The new egret note.\n"))
    index, report = open_index([str(root)])
    assert report.built and search(index, "egret", k=1).hits[0].text == "The new egret note."


# -- all formats --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["g.docx", "n.odt", "b.epub", "nb.ipynb", "m.eml", "i.mbox"])
def test_chunks_are_exact_slices_and_count_lines_within_parts(name: str) -> None:
    data = {"g.docx": lambda: make_docx(GUIDE), "n.odt": lambda: make_odt(ODT_BODY),
            "b.epub": lambda: make_epub([("ch1.xhtml", CH1), ("ch2.xhtml", CH2)]),
            "nb.ipynb": lambda: make_notebook(NOTEBOOK), "m.eml": lambda: make_eml(REPLY),
            "i.mbox": lambda: make_mbox([make_eml(REPLY), make_eml("Two.\n\nThree lines.\n")])}[name]()
    doc = _read(name, data)
    chunks = chunk_text(doc.text, doc.blocks, SentenceSplitter())
    assert chunks and all(c.text == doc.text[c.start : c.end] for c in chunks)
    for c in chunks:
        part = doc.blocks[c.paragraph].part
        assert part is not None
        own = doc.text[part.origin :].split("\n")  # the part's text from its first line
        assert own[c.line - part.line][c.column - 1 :].startswith(c.text.split()[0])


def test_a_refresh_keeps_every_location_as_a_rebuild_has_it(make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        "g.docx": make_docx(GUIDE), "b.epub": make_epub([("ch1.xhtml", CH1), ("ch2.xhtml", CH2)]),
        "nb.ipynb": make_notebook(NOTEBOOK), "m.eml": make_eml(REPLY),
        "i.mbox": make_mbox([make_eml(REPLY), make_eml("Two.\n\nThree lines.\n", subject="Other")]),
    })
    open_index([str(root)])
    (root / "j.mbox").write_bytes(make_mbox([make_eml("A new heron message.\n", subject="New", sender="Bo <b@x>")]))
    (root / "g.docx").unlink()
    refreshed, report = open_index([str(root)])
    rebuilt, _ = open_index([str(root)], cache=False)
    assert report.built and refreshed.n_chunks == rebuilt.n_chunks

    def located(index: object) -> set[tuple[object, ...]]:
        from qa.index import Index

        assert isinstance(index, Index)
        return {(index.doc_of(i).path, index.text(i), *index.position(i)[:2], index.location(i))
                for i in index.chunk_ids().tolist()}

    assert located(refreshed) == located(rebuilt)
    assert {loc.kind for *_, loc in located(refreshed) if loc} == {"item", "cell", "message"}
