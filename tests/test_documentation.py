"""Reading documentation as a person does: its structure, not its noise (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from test_formats import make_pdf

from qa.encode import shown_texts
from qa.formats import extract_text
from qa.formats.html import extract_html
from qa.formats.markdown import code_spans, extract_markdown
from qa.formats.pdf import _assemble, _follows, _outline, extract_pdf, running_lines
from qa.formats.rst import extract_rst
from qa.ranking import DEFAULT_RANKING
from qa.refresh import open_index
from qa.rerank import _innermost, _opens
from qa.search import search
from qa.tokens import acronyms

MakeCorpus = Callable[[dict[str, str | bytes]], Path]


def shown(doc: object) -> list[tuple[str, str | None, str | None]]:
    """(text as shown, section, label) of each block of an extracted document."""
    blocks = doc.blocks  # type: ignore[attr-defined]
    texts = shown_texts(doc.text, doc.hidden, [b.start for b in blocks], [b.end for b in blocks])  # type: ignore[attr-defined]
    return [(t.strip(), b.section, b.label) for t, b in zip(texts, blocks, strict=True)]


SPHINX = """<html><head><title>Glossary — Python documentation</title></head><body>
<div class="related" role="navigation"><a href="index.html">index</a> | <a href="next.html">next</a></div>
<h1>Glossary<a class="headerlink" href="#glossary" title="Permalink">¶</a></h1>
<dl class="glossary">
<dt id="term-GIL">GIL<a class="headerlink" href="#term-GIL">¶</a></dt>"""
SPHINX += """<dd><p>See <a href="#gil">global interpreter lock</a>.</p></dd>
<dt id="term-global-interpreter-lock">global interpreter lock<a class="headerlink" href="#g">¶</a></dt>
<dd><p>The mechanism used by the <a href="#c">CPython</a> interpreter to assure that
only one thread executes Python <a href="#b">bytecode</a> at a time.</p>
<div class="highlight"><pre>static int local_clear ( localobject * self ) {
  return 0;
}</pre></div></dd>
</dl>
<dl class="py function"><dt class="sig sig-object py" id="datetime.datetime.now">
<em class="property"><span class="pre">classmethod</span><span class="w"> </span></em>"""
SPHINX += """<span class="sig-prename">datetime.</span><span class="sig-name">now</span>"""
SPHINX += """<span class="sig-paren">(</span><em>tz=None</em><span class="sig-paren">)</span>"""
SPHINX += """<a class="headerlink" href="#n">¶</a></dt>
<dd><p>Return the current local date and time. It returns """
SPHINX += """<code class="docutils literal"><span class="pre">0</span></code>.</p></dd></dl>
<ul><li><a href="a.html">First page</a></li><li><a href="b.html">Second</a> | <a href="c.html">third</a></li></ul>
</body></html>
"""


def test_html_terms_and_signatures_label_what_follows_and_are_no_sentences() -> None:
    assert shown(extract_html(SPHINX)) == [
        # "See global interpreter lock." is a cross-reference: all links but "See", like a list of links.
        ("The mechanism used by the CPython interpreter to assure that only one thread executes Python bytecode at a "
         "time.", "Glossary", "global interpreter lock"),
        # <pre> is code, the permalink "¶" is gone, "0" and "." meet as on the page.
        ("Return the current local date and time. It returns 0.", "Glossary", "classmethod datetime.now(tz=None)"),
    ]


def test_a_page_made_of_preformatted_text_keeps_it() -> None:
    page = "<html><body><pre>The heron waits in the pond.\nIt waits for hours.</pre></body></html>"
    assert [t for t, _, _ in shown(extract_html(page))] == ["The heron waits in the pond. It waits for hours."]


def test_html_offsets_still_point_into_the_source() -> None:
    doc = extract_html(SPHINX)
    assert len(doc.text) == len(SPHINX) and doc.hidden is not None and len(doc.hidden) == len(SPHINX)
    block = doc.blocks[0]
    assert SPHINX[block.start : block.start + 15] == "The mechanism u"


def test_markdown_code_spans_keep_their_characters_and_link_lists_are_left_out() -> None:
    text = ("# Modules\n\n- [fs](fs.md)\n- [path](path.md)\n\n## `__dirname`\n\n"
            "The directory name of the **current** module, as `__filename` has `*args` and _more_.\n")
    assert shown(extract_markdown(text)) == [
        ("The directory name of the current module, as __filename has *args and more.", "Modules > __dirname",
         None)]


def test_markdown_code_spans_are_literal_and_escapes_and_wrapped_links_read_as_rendered() -> None:
    # As CommonMark renders them: in a code span only the backticks are markup (no tags, links, entities);
    # a link's text may be a code span or wrap over lines; an escaped "_" or "*" is literal.
    text = ("Use `<div>`, `a[0](x)`, `&amp;` and ``x `y` z``; see [`fs.readFile()`][] and **ESM\\_RESOLVE**"
            " or \\*args, as [the\nguide](https://example.org/g) says. A path ends in (`\\`).\n")
    assert shown(extract_markdown(text)) == [
        ("Use <div>, a[0](x), &amp; and x `y` z; see fs.readFile() and ESM_RESOLVE or *args, as the guide says. "
         "A path ends in (\\).", None, None)]


def test_markdown_headings_keep_code_spans_as_written() -> None:
    text = "# `fs.read(fd[, options])`\n\n### Event: `<inspector-protocol-method>`;\n\nText.\n"
    doc = extract_markdown(text)
    assert doc.title == "fs.read(fd[, options])"
    assert shown(doc) == [("Text.", "fs.read(fd[, options]) > Event: <inspector-protocol-method>;", None)]


def test_code_spans_are_found_in_linear_time() -> None:
    assert code_spans("a `x` and ``y ` z`` and `unclosed") == [(3, 4), (12, 17)]
    # Inside an open span, runs of another length are content, not spans of their own (they once overlapped).
    assert code_spans("``'No value `assert.ok()`'``.") == [(2, 26)]
    assert code_spans("`a\nb `c`") == [(6, 7)]  # a span does not cross a line here
    assert code_spans("`" * 20_000 + "``x" * 20_000)  # quick, whatever it finds


RST = """\
:mod:`datetime` --- Basic date and time types
=============================================

.. module:: datetime
   :synopsis: Basic date and time types.

.. index:: single: date

The :mod:`datetime` module supplies classes, see :pep:`495` and :func:`~os.path.join`.

.. function:: now(tz=None)

   Return the current local date and time.

   .. versionadded:: 3.6
      The *fold* argument.

Example::

   >>> datetime.now()

Term one
   Its definition, with a `link <https://example.org>`_.

.. glossary::

   GIL
      See global interpreter lock.
"""


def test_rst_reads_like_its_html() -> None:
    doc = extract_rst(RST)
    assert doc.title == "datetime --- Basic date and time types"
    assert shown(doc) == [
        ("The datetime module supplies classes, see pep 495 and join.", "datetime --- Basic date and time types",
         None),
        ("Return the current local date and time.", "datetime --- Basic date and time types", "now(tz=None)"),
        ("3.6 The fold argument.", "datetime --- Basic date and time types", "now(tz=None)"),
        ("Example:", "datetime --- Basic date and time types", None),
        ("Its definition, with a link.", "datetime --- Basic date and time types", "Term one"),
        ("See global interpreter lock.", "datetime --- Basic date and time types", "GIL"),
    ]


def test_sphinx_sources_are_read_as_rst(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"_sources/page.rst.txt": RST})
    index, _ = open_index([str(root)])
    hit = search(index, "current local date and time", k=1).hits[0]
    assert hit.text == "Return the current local date and time." and hit.label == "now(tz=None)"


def test_a_page_source_beside_its_page_is_not_indexed_twice(make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        "git-commit.html": "<html><body><p>Record changes to the repository.</p></body></html>",
        "git-commit.txt": "git-commit(1)\n=============\n\nRecord changes to the repository::\n",
        "notes.txt": "Record changes to the notes.\n",
    })
    index, _ = open_index([str(root)])
    assert sorted(Path(d.path).name for d in index.docs) == ["git-commit.html", "notes.txt"]
    index, _ = open_index([str(root / "git-commit.txt")])  # named on the command line, it is read
    assert [Path(d.path).name for d in index.docs] == ["git-commit.txt"]


def test_the_label_shows_beside_the_section(run_qa: Callable[..., object], make_corpus: MakeCorpus) -> None:
    root = make_corpus({"g.html": SPHINX})
    result = run_qa("ask", "--docs", str(root), "current local date and time", "-k", "1", "--format", "json")
    import json

    hit = json.loads(result.stdout)["results"][0]  # type: ignore[attr-defined]
    assert (hit["section"], hit["label"]) == ("Glossary", "classmethod datetime.now(tz=None)")
    text = run_qa("ask", "--docs", str(root), "current local date and time", "-k", "1", "--format", "text")
    assert "(Glossary > classmethod datetime.now(tz=None))" in text.stdout  # type: ignore[attr-defined]


def test_acronyms_are_read_from_their_long_forms() -> None:
    text = ("The global interpreter lock (GIL) is one. The Comprehensive R Archive Network (CRAN) hosts packages. "
            "Department of Energy (DOE). Not one (XYZ).")
    assert acronyms(text) == [("cran", "comprehensive r archive network"), ("doe", "department of energy"),
                              ("gil", "global interpreter lock")]


def test_a_question_with_an_acronym_also_searches_its_long_form(make_corpus: MakeCorpus) -> None:
    root = make_corpus({
        "faq.txt": "Threads\n\nThe global interpreter lock (GIL) is often seen as a hindrance.\n",
        "glossary.html": SPHINX,
        "other.txt": "Notes\n\nMost extension code manipulating the GIL has a simple structure.\n",
    })
    index, _ = open_index([str(root)])
    texts = [h.text for h in search(index, "what is the GIL", k=3).hits]
    assert any(t.startswith("The mechanism used by the CPython interpreter") for t in texts)
    assert all("mechanism" not in h.text for h in search(index, "what is the gil lock", k=0).hits)


@pytest.mark.parametrize(("prev", "number", "ok"), [
    (None, (1,), True), (None, (3,), False), (None, (1, 1), True),
    ((1,), (1, 1), True), ((1, 7), (1, 8), True), ((1, 7), (1, 9), True), ((1, 7), (1, 12), False),
    ((1, 7), (2,), True), ((1, 7), (2, 1), True), ((1, 7), (2, 3), False), ((2, 1), (1, 4), False),
    ((9, 2), (1001,), True), ((9, 2), (1001, 1), True), ((1001, 3), (1002,), True),
])
def test_numbered_pdf_headings_must_count_on(prev: tuple[int, ...] | None, number: tuple[int, ...], ok: bool) -> None:
    assert _follows(prev, number) is ok


def test_pdf_running_heads_and_contents_lines_are_no_sentences_and_headings_name_sections() -> None:
    pages = ["Title of the manual\nby someone"]
    pages.append("i\nTable of Contents\n1 Introduction . . . . . . . . . 1\n1.1 Scope . . . . . . . . 1")
    pages.append("1\n1 Introduction\nThis manual is short.\n1.1 Scope\nIt covers herons.\nThe end of it.\nA footnote")
    for n in range(3, 9):
        pages.append(f"Chapter 1: Introduction {n - 1}\nHerons wade in page {n}.\nThey wait.\nMore text here.")
    assert running_lines(pages)[3] == {0}
    doc = _assemble(pages, None)
    texts = shown(doc)
    assert ("This manual is short.", "1 Introduction", None) in texts
    assert ("It covers herons.\nThe end of it.\nA footnote", "1 Introduction > 1.1 Scope", None) in texts
    assert all("Chapter 1" not in t and "Table of Contents" not in t for t, _, _ in texts)
    assert all(". . ." not in t for t, _, _ in texts)


def test_a_text_title_is_the_title_not_a_sentence() -> None:
    doc = extract_text("Wind power\n\nWind power is the conversion of wind energy into electricity.\n")
    assert doc.title == "Wind power" and [t for t, _, _ in shown(doc)] == [
        "Wind power is the conversion of wind energy into electricity."]


def test_a_sphinx_source_copy_gives_way_to_its_page(make_corpus: MakeCorpus) -> None:
    # Sphinx ships `_sources/x.rst.txt` beside the page `x.html` built from it: one sentence in two
    # places. Whichever copy ranks first, the page is shown and the copy is listed as another place.
    sentence = "The heron waits motionless in the shallow water of the marsh."
    root = make_corpus({
        "_sources/birds/heron.rst.txt": f"Heron\n=====\n\n{sentence}\n",
        "birds/heron.html": f"<html><body><h1>Heron</h1><p>{sentence}</p></body></html>",
        "_sources/fish.rst.txt": "Fish\n====\n\nA heron eats fish from the marsh water.\n",  # no page: stays
    })
    index, _ = open_index([str(root)])
    hits = search(index, "where does the heron wait", k=2, context=0).hits
    assert hits[0].text == sentence
    assert hits[0].path.endswith("birds/heron.html")
    assert [d.path.split("/_sources/")[-1] for d in hits[0].duplicates] == ["birds/heron.rst.txt"]
    assert hits[1].path.endswith("_sources/fish.rst.txt") and hits[1].duplicates == []


def test_sphinx_page_names_the_page_of_a_source_copy() -> None:
    from qa.search import sphinx_page
    assert sphinx_page("/d/html/_sources/library/os.rst.txt") == "/d/html/library/os"
    assert sphinx_page("/d/html/_sources/guide.md.txt") == "/d/html/guide"
    assert sphinx_page("/d/html/library/os.html") is None


def _glossary_corpus(make_corpus: MakeCorpus) -> Path:
    """A glossary whose definition of "decorator" never says the word, among many pages that do."""
    glossary = ("<html><head><title>Glossary</title></head><body><h1>Glossary</h1><dl class=\"glossary\">"
                "<dt id=\"term-decorator\">decorator</dt><dd><p>A function returning another function, usually "
                "applied as a function transformation using the wrapper syntax.</p></dd>"
                "<dt id=\"term-iterator\">iterator</dt><dd><p>An object representing a stream of data.</p></dd>"
                "</dl></body></html>")
    pages: dict[str, str | bytes] = {"glossary.html": glossary}
    for n in range(60):
        pages[f"api{n}.md"] = (f"# Module m{n}\n\n## Helpers\n\n"
                               f"The m{n}.helper{n} decorator marks a method as cached number {n}.\n\n"
                               f"Each decorator of m{n} keeps its own table.\n")
    return make_corpus(pages)


def test_a_heading_that_names_the_question_brings_its_definition_into_the_shortlist(make_corpus: MakeCorpus) -> None:
    index, _ = open_index([str(_glossary_corpus(make_corpus))])
    question = "what is a decorator"
    hits = search(index, question, k=3, with_explain=True).hits
    assert hits[0].text.startswith("A function returning another function") and hits[0].label == "decorator"
    # The glossary term is the subject of its first sentence: a definition, as "X is a ..." would be,
    # and it reads "decorator: A function returning ...", the question's word in the form asked.
    assert hits[0].explain["[definition]"] > 0 and hits[0].explain["[first under heading]"] > 0
    assert hits[0].explain["[exact form]"] > 0
    # Without heading candidates the definition, which never says "decorator", is not in the shortlist.
    off = replace(DEFAULT_RANKING, rerank=replace(DEFAULT_RANKING.rerank, headings=0, shortlist=20))
    assert all(not h.text.startswith("A function returning") for h in search(index, question, k=3, ranking=off).hits)


def test_the_first_sentence_under_a_heading_comes_after_its_parameter_list(make_corpus: MakeCorpus) -> None:
    root = make_corpus({"fs.md": "# File system\n\n## `fs.existsSync(path)`\n\n* `path` {string|URL}\n"
                                 "* Returns: {boolean} Whether it exists.\n\n"
                                 "Returns true if the path exists, false otherwise.\n\n"
                                 "The answer is cached for a second, then it is checked again.\n\n"
                                 "## `fs.readFile(path)`\n\nReads a file.\n"})
    index, _ = open_index([str(root)])
    texts = [index.text(c) for c in range(index.n_chunks)]
    opening = {texts[c]: _opens(index, c, index.doc_of(c).first) for c in range(index.n_chunks)}
    assert opening["Returns true if the path exists, false otherwise."]
    assert not opening["The answer is cached for a second, then it is checked again."]
    assert opening["Reads a file."]
    hits = {h.text: h.explain for h in search(index, "when does a path exist", k=5, with_explain=True).hits}
    assert hits["Returns true if the path exists, false otherwise."]["[first under heading]"] > 0
    assert "[first under heading]" not in hits["Returns: {boolean} Whether it exists."]


@pytest.mark.parametrize(("heading", "words"), [
    ("File system > fsPromises.writeFile(file, data[, options])", "write File"),
    ("os.path.exists(path)", "exists"),
    ("Creating virtual environments", "Creating virtual environments"),
    ("A > setImmediate(callback[, ...args])", "set Immediate"),
    ("decorator", "decorator"),
])
def test_a_signature_heading_is_named_by_the_words_of_its_name(heading: str, words: str) -> None:
    assert _innermost(heading) == words


REFERENCE_PAGES = [
    ["Contents", "abs . . . . . . . . 2", "rep . . . . . . . . 2"],
    ["abs Miscellaneous Mathematical Functions", "Description", "abs(x) computes the absolute value of x.",
     "Usage", "abs(x)", "Arguments", "x a numeric vector.", "rep Replicate Elements of Vectors",
     "Description", "rep replicates the values in x.", "Examples", "rep(1:4, 2)", "rep(1:4, each = 2)"],
    ["Details", "The default method replicates each element.", "See Also", "seq and sequence."],
]


def test_a_pdf_outline_names_the_sections_of_a_reference_manual() -> None:
    """No numbered headings, but an outline entry per topic: each topic's line names its section,
    the parts of a reference page are no sentences, and its usage and examples (code) are left out."""
    pages = ["\n".join(lines) for lines in REFERENCE_PAGES]
    outline = [(0, "Contents", 1), (0, "The base package", 2), (1, "abs", 2), (1, "rep", 2)]
    texts = shown(_assemble(pages, None, outline))
    assert ("abs(x) computes the absolute value of x.", "The base package > abs Miscellaneous Mathematical Functions",
            None) in texts
    rep = "The base package > rep Replicate Elements of Vectors"
    assert ("rep replicates the values in x.", rep, None) in texts
    assert ("The default method replicates each element.", rep, None) in texts  # on the next page
    shown_texts = [t for t, _, _ in texts]
    assert not any(t in ("Description", "Usage", "Examples", "Details") or "rep(1:4" in t or t == "abs(x)"
                   for t in shown_texts)
    # Without an outline the same pages have no sections.
    assert all(section is None for _, section, _ in shown(_assemble(pages, None)))


def test_a_pdf_outline_is_read_with_its_pages() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(REFERENCE_PAGES))))
    top = writer.add_outline_item(title="The base package", page_number=1)
    writer.add_outline_item(title="abs", page_number=1, parent=top)
    writer.add_outline_item(title="rep", page_number=1, parent=top)
    buf = io.BytesIO()
    writer.write(buf)
    assert _outline(PdfReader(io.BytesIO(buf.getvalue()))) == [(0, "The base package", 2), (1, "abs", 2),
                                                               (1, "rep", 2)]
    doc = extract_pdf(buf.getvalue(), "refman.pdf", lambda message: None)
    assert doc is not None
    assert ("rep replicates the values in x.", "The base package > rep Replicate Elements of Vectors",
            None) in shown(doc)


def test_an_examples_section_of_a_guide_is_prose_not_code() -> None:
    """Only on a reference page (one with a description) are its usage and examples code."""
    pages = ["Contents\nGetting started . . . . 2", "Getting started\nExamples\nHerons wait in shallow water."]
    texts = shown(_assemble(pages, None, [(0, "Contents", 1), (0, "Getting started", 2)]))
    assert ("Herons wait in shallow water.", "Getting started", None) in texts


MAN_PAGE = r""".\" Generated by hand; a comment is no sentence.
.TH GREP 1 "2024-01-01" "grep 3.11" "User Commands"
.SH NAME
grep \- print lines that match patterns
.SH SYNOPSIS
.B grep
[\fIOPTION\fR...] \fIPATTERNS\fR [\fIFILE\fR...]
.SH DESCRIPTION
.B grep
searches for
.I PATTERNS
in each
.IR FILE \&.
See
.BR egrep (1)
for the old names \(em they still work.
.SS "Matching Control"
.TP
.BR \-i ", " \-\^\-ignore\-case
Ignore case distinctions in patterns and input data.
.TP
\fB\-v\fR, \fB\-\-invert\-match\fR
Invert the sense of matching, to select non-matching lines.
.RS
.TP
.B note
The tag of a nested list joins the outer one.
.RE
.PP
Back to plain prose after the list.
.nf
grep -i pattern file
.fi
.ie n \{\
\h'-04'\(bu\h'+03'\c
.\}
A bulleted item without its nroff bullet.
.PP
\fB\-\-color\fR[=\fIWHEN\fR]
.RS 4
Surround the matched strings with color.
.RE
"""


def test_a_man_page_reads_as_man_shows_it() -> None:
    from qa.formats.man import extract_man

    doc = extract_man(MAN_PAGE)
    assert doc.title == "GREP(1)"
    assert shown(doc) == [
        ("grep - print lines that match patterns", "NAME", None),
        # .B/.I are words, .IR/.BR glue their arguments ("FILE.", "egrep(1)"), \(em is a dash; SYNOPSIS is left out.
        ("grep searches for PATTERNS in each FILE. See egrep(1) for the old names \u2014 they still work.",
         "DESCRIPTION", None),
        # a .TP tag labels its paragraph and is no sentence of its own
        ("Ignore case distinctions in patterns and input data.", "DESCRIPTION > Matching Control",
         "-i, --ignore-case"),
        ("Invert the sense of matching, to select non-matching lines.", "DESCRIPTION > Matching Control",
         "-v, --invert-match"),
        ("The tag of a nested list joins the outer one.", "DESCRIPTION > Matching Control",
         "-v, --invert-match > note"),
        # .PP ends the list; .nf ... .fi is code; text inside an ".ie n \{" block is formatting, not prose
        ("Back to plain prose after the list.", "DESCRIPTION > Matching Control", None),
        ("A bulleted item without its nroff bullet.", "DESCRIPTION > Matching Control", None),
        # DocBook's variable lists: a short line before an indented block (.RS) is the term it describes
        ("Surround the matched strings with color.", "DESCRIPTION > Matching Control", "--color[=WHEN]"),
    ]
    assert len(doc.text) == len(MAN_PAGE) and doc.hidden is not None and len(doc.hidden) == len(MAN_PAGE)
    block = doc.blocks[2]
    assert MAN_PAGE[block.start : block.end] == "Ignore case distinctions in patterns and input data."


def test_man_pages_are_found_and_read_by_their_text(make_corpus: MakeCorpus) -> None:
    import gzip

    from qa.extensions import is_supported

    assert all(map(is_supported, ["ls.1", "ls.1.gz", "printf.3", "CA.pl.1ssl.gz", "Moose.3pm.gz", "x.man"]))
    assert not any(map(is_supported, ["backup.7z", "x.tar.gz", "x.1x2"]))
    root = make_corpus({
        "man1/grep.1.gz": gzip.compress(MAN_PAGE.encode()),
        # named like a page, but a rotated log: read as plain text, not as roff
        "ChangeLog.1": "2001-02-03  Ann Author\n\n\t* grep.c (main): Ignore case with -y too.\n",
    })
    index, _ = open_index([str(root)])
    hit = search(index, "ignore case distinctions", k=1).hits[0]
    assert (hit.text, hit.section, hit.label) == ("Ignore case distinctions in patterns and input data.",
                                                   "DESCRIPTION > Matching Control", "-i, --ignore-case")
    assert hit.line == 20  # the line in the decompressed page
    log = search(index, "ignore case with -y", k=3).hits
    assert any(h.source.endswith("ChangeLog.1") and "Ignore case with -y too." in h.text for h in log)


def test_a_man_page_table_row_is_a_paragraph() -> None:
    from qa.formats.man import extract_man

    page = ".TH T 7\n.SH LIMITS\n.TS\nallbox;\nl l.\nName\tMeaning\nMAX_PATH\tthe longest path\n"
    page += "T{\nA long cell\nover lines\nT}\tsecond\n.TE\nAfter the table.\n"
    assert [t for t, _, _ in shown(extract_man(page))] == [
        "Name Meaning", "MAX_PATH the longest path", "A long cell over lines second", "After the table."]


DOCBOOK = """<html><body><div id="header"><h1>psql</h1><h2>Name</h2><p>psql is a terminal front end.</p></div>
<div class="refsect1"><div class="titlepage"><div><div><h2 class="title">Usage</h2></div></div></div>
<p>Start psql with the database name.</p>
<div class="tip"><h3 class="title">Tip</h3><p>Set PAGER to choose a pager.</p></div>
<p>The password command changes a user's password.</p>
<p>An unclosed paragraph before a heading
<h4>Meta-Commands</h4><p>Anything you enter that begins with a backslash is a meta-command.</p></p>
<p>Still about meta-commands.</p>
</div>
<p>After the usage section.</p></body></html>"""


def test_a_heading_ends_with_the_element_it_titles() -> None:
    assert [(t, s) for t, s, _ in shown(extract_html(DOCBOOK))] == [
        ("psql is a terminal front end.", "psql > Name"),
        # DocBook wraps a title alone in div.titlepage: the heading belongs to the section around it
        ("Start psql with the database name.", "psql > Usage"),
        ("Set PAGER to choose a pager.", "psql > Usage > Tip"),
        # the tip's box closed: its title no longer names what follows (it did, down to the next heading)
        ("The password command changes a user's password.", "psql > Usage"),
        ("An unclosed paragraph before a heading", "psql > Usage"),
        # an open <p> is no container of the heading after it (a browser closes it there)
        ("Anything you enter that begins with a backslash is a meta-command.", "psql > Usage > Meta-Commands"),
        ("Still about meta-commands.", "psql > Usage > Meta-Commands"),
        # the page's h1 names all of it, though it stands in a header
        ("After the usage section.", "psql"),
    ]


FURNITURE = """<html><body><div class="navheader"><table><tr><th>CREATE INDEX</th></tr>
<tr><td><a href="p.html">Prev</a></td><th>SQL Commands</th><td><a href="n.html">Next</a></td></tr></table></div>
<h1>CREATE INDEX</h1><p>CREATE INDEX constructs an index on a column.</p>
<section id="editing-and-navigation"><h2>Editing and navigation</h2><p>The editor opens a window.</p></section>
<p class="footnote">A footnote is the page's own text.</p>
<div class="navfooter"><table><tr><td>CREATE GROUP</td><td>CREATE LANGUAGE</td></tr></table></div>
<div class="footer">&copy; Copyright 2001-2026, Python Software Foundation. Created using Sphinx.</div>
<div id="footer"><p>Licensed under the Apache License, Version 2.0.</p></div></body></html>"""


def test_navigation_bars_and_footers_named_by_class_are_furniture() -> None:
    # DocBook's navheader/navfooter hold the neighbouring pages' titles, not links alone; footers are boilerplate.
    assert [t for t, _, _ in shown(extract_html(FURNITURE))] == [
        "CREATE INDEX constructs an index on a column.",
        "The editor opens a window.",  # an id made of a heading's words is no furniture
        "A footnote is the page's own text.",
    ]


def test_scripts_and_build_files_without_an_extension_are_not_documents(make_corpus: MakeCorpus) -> None:
    from qa.corpus import discover_paths

    root = make_corpus({
        "README": "Save the plot as a png with the png terminal.\n",
        "examples/Makefile": "all: plot.png\n\tgnuplot save-the-plot.gp\n",  # ripgrep's "make" type
        "examples/CMakeLists.txt": "add_executable(plot plot.c) # save the plot\n",
        "examples/saveplot": "#!/bin/sh\n# save the plot as a png\ngnuplot -e 'set terminal png'\n",
        "examples/notes": "# Notes\n\nSave the plot before closing the window.\n",  # a comment is no #!
    })
    _, skipped = discover_paths([str(root)])
    assert sorted(Path(p).name for p in skipped) == ["CMakeLists.txt", "Makefile"]
    warnings: list[str] = []
    index, _ = open_index([str(root)], warn=warnings.append)
    assert sorted(Path(d.path).name for d in index.docs) == ["README", "notes"]
    assert any("saveplot" in w and "#!" in w for w in warnings)
    assert {Path(h.source).name for h in search(index, "save the plot", k=5).hits} == {"README", "notes"}


BOLD_TITLES = """<html><body><h1>Limits In SQLite</h1>
<ol><li><p><b>Maximum Database Size</b></p>
<p>Every database consists of one or more pages.</p><p>The largest database is 281 terabytes.</p></li>
<li><p><b>PRAGMA stats;</b></p><p>This pragma returns auxiliary information.</p></li></ol>
<p><b>Bold text that ends a sentence stays a sentence.</b></p><p>And the next one is plain.</p>
<p><b>F</b></p><p>An index letter is no title.</p>
<h2>Notes</h2><p>After a heading nothing is labelled.</p>
<p><strong>A last bold line</strong></p></body></html>"""


def test_a_paragraph_of_bold_text_is_a_title_that_labels_what_follows() -> None:
    assert shown(extract_html(BOLD_TITLES)) == [
        ("Every database consists of one or more pages.", "Limits In SQLite", "Maximum Database Size"),
        ("The largest database is 281 terabytes.", "Limits In SQLite", "Maximum Database Size"),
        ("This pragma returns auxiliary information.", "Limits In SQLite", "PRAGMA stats;"),
        ("Bold text that ends a sentence stays a sentence.", "Limits In SQLite", None),
        ("And the next one is plain.", "Limits In SQLite", None),
        ("F", "Limits In SQLite", None),
        ("An index letter is no title.", "Limits In SQLite", None),
        ("After a heading nothing is labelled.", "Limits In SQLite > Notes", None),
        ("A last bold line", "Limits In SQLite > Notes", None),  # nothing follows it: it names nothing
    ]
