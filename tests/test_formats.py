"""Markdown, HTML and PDF files built in the test, found with the right line, section and page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from qa.formats import Extracted, extract_text
from qa.formats.html import extract_html
from qa.formats.markdown import extract_markdown
from qa.formats.pdf import repair
from qa.refresh import open_index
from qa.search import search

RunQA = Callable[..., CompletedProcess[str]]

MARKDOWN = """---
title: "Field Guide"
tags: [birds]
---

# Coastal birds

The grey heron waits in [shallow water](https://example.org/water) for **fish**.
It strikes fast.

<!-- a comment about herons that is not prose -->

## Gulls

- Gulls follow fishing boats.
- They eat almost anything

```python
heron = "code, not prose"
```

### Nesting

![A gull nest](img/nest.png) Gulls nest on cliffs.
"""

HTML = """<!DOCTYPE html>
<html><head><title>Bird &amp; Sea Notes</title>
<style>p { color: red }</style><script>var heron = "not prose";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About herons in the nav</a></nav>
<h1>Coastal birds</h1>
<p>The grey heron waits in the <b>shallow</b> water.
It strikes fast &mdash; faster than a pike.</p>
<h2>Gulls</h2>
<ul><li>Gulls follow fishing boats.</li><li>They eat almost anything</li></ul>
<footer>Copyright heron corp</footer>
</body></html>
"""


def _text_ops(lines: list[str], kerning: bool) -> str:
    """A page's content stream: one text line per string, Tj (or TJ with kerning, as TeX writes)."""
    ops = ["BT /F1 11 Tf 72 720 Td 14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        if kerning and " " in escaped:
            words = escaped.split(" ")
            parts = " ".join(f"({w}{' ' if i < len(words) - 1 else ''}) -15" for i, w in enumerate(words))
            ops.append(f"[{parts}] TJ T*")
        else:
            ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    return "\n".join(ops)


def make_pdf(pages: list[list[str]], title: str | None = None, encrypt: str | None = None,
             compress: bool = False, kerning: bool = False) -> bytes:
    """A small, valid PDF with a Helvetica text layer (one string per line), written by hand.

    ``encrypt`` is a user password ("" makes a PDF any reader opens without
    asking); ``compress`` deflates the content streams and ``kerning`` writes
    TJ arrays, as real PDFs do.
    """
    import zlib

    objects: list[bytes] = []
    kids = []
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        # Helvetica's StandardEncoding has the fi and fl ligatures at 0xAE and 0xAF.
        stream = _text_ops(lines, kerning).translate({0xFB01: 0xAE, 0xFB02: 0xAF}).encode("latin-1")
        head = b"<< /Length %d >>"
        if compress:
            stream = zlib.compress(stream)
            head = b"<< /Length %d /Filter /FlateDecode >>"
        page_no = len(objects) + 1
        kids.append(f"{page_no} 0 R")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {page_no + 1} 0 R >>".encode())
        objects.append(head % len(stream) + b"\nstream\n" + stream + b"\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    info = None
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
        info = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R" + (f" /Info {info} 0 R" if info else "") + " >>"
    out += b"trailer\n" + trailer.encode() + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    if encrypt is not None:
        import io

        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(out))))
        writer.encrypt(user_password=encrypt, owner_password="owner", algorithm="RC4-128")
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()
    return bytes(out)


def _same_shape(original: str, doc: Extracted) -> None:
    """Blanking keeps every offset: same length, newlines in the same places."""
    assert len(doc.text) == len(original)
    assert [i for i, c in enumerate(doc.text) if c == "\n"] == [i for i, c in enumerate(original) if c == "\n"]


def _paras(doc: Extracted) -> list[tuple[str, str | None]]:
    return [(" ".join(doc.text[b.start : b.end].split()), b.section) for b in doc.blocks]


def test_markdown_prose_sections_title_and_offsets() -> None:
    doc = extract_markdown(MARKDOWN)
    _same_shape(MARKDOWN, doc)
    assert doc.title == "Field Guide"
    assert _paras(doc) == [
        ("The grey heron waits in shallow water for fish . It strikes fast.", "Coastal birds"),
        ("Gulls follow fishing boats.", "Coastal birds > Gulls"),
        ("They eat almost anything", "Coastal birds > Gulls"),
        ("Gulls nest on cliffs.", "Coastal birds > Gulls > Nesting"),
    ]


def test_markdown_search_gives_line_column_and_section(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"guide.md": MARKDOWN})
    index, _ = open_index([str(root)])
    hit = search(index, "where do gulls nest?", k=1).hits[0]
    assert (hit.line, hit.column, hit.text) == (24, 30, "Gulls nest on cliffs.")
    assert MARKDOWN.splitlines()[hit.line - 1][hit.column - 1 :] == "Gulls nest on cliffs."
    assert hit.section == "Coastal birds > Gulls > Nesting" and hit.title == "Field Guide"
    heron = search(index, "where does the heron wait", k=1).hits[0]
    assert (heron.line, heron.column, heron.section) == (8, 1, "Coastal birds")
    assert not search(index, "code not prose").hits  # fenced code is not indexed
    assert not search(index, "example.org water").hits[0].text.count("example")


def test_markdown_cli_json_has_section_title_and_line(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"guide.md": MARKDOWN})
    result = run_qa("ask", "--docs", str(root), "--format", "json", "-k", "1", "what do gulls follow?")
    assert result.returncode == 0 and result.stderr == ""
    hit = json.loads(result.stdout)["results"][0]
    assert hit["text"] == "Gulls follow fishing boats."
    assert (hit["line"], hit["column"]) == (15, 3)
    assert (hit["section"], hit["title"], hit["page"]) == ("Coastal birds > Gulls", "Field Guide", None)
    text = run_qa("ask", "--docs", str(root), "-k", "1", "what do gulls follow?").stdout
    head = text.splitlines()[0]
    assert ":15:3  score " in head and head.endswith("  (Coastal birds > Gulls)")


@pytest.mark.parametrize(
    ("source", "title", "paras"),
    [
        ("Title\n=====\n\nIntro line.\n\n| a | b |\n|---|---|\n| heron | gull |\n", "Title",
         [("Intro line.", "Title"), ("a b", "Title"), ("heron gull", "Title")]),
        ("# C#\n\n## \n\nUses C# daily.\n", "C#", [("Uses C# daily.", "C#")]),
        ("Intro.\n\n    indented = code\n\nAfter.\n", None, [("Intro.", None), ("After.", None)]),
        ("- item one\n\n  continued item text\n", None, [("item one", None), ("continued item text", None)]),
        # CommonMark: four columns past the item's text (column 2) is an indented code block in the item.
        ("- item one\n\n      code in the item\n", None, [("item one", None)]),
        ("It ended in\n2019. Then it rained.\n", None, [("It ended in 2019. Then it rained.", None)]),
        ("See [the page](https://en.wikipedia.org/wiki/Heron_(bird) \"t\") now.\n", None,
         [("See the page now.", None)]),
        ("+++\ntitle = \"Toml Title\"\n+++\n# Heading\nText.\n", "Toml Title", [("Text.", "Heading")]),
        ("---\n\nNot front matter.\n\n---\n\nBody.\n", None, [("Not front matter.", None), ("Body.", None)]),
        ("---\nauthor: me\n---\n# First H1\nText.\n", "First H1", [("Text.", "First H1")]),
        ("A claim.[^1]\n\n[^1]: The footnote text.\n[ref]: https://example.org\n", None,
         [("A claim.", None), ("The footnote text.", None)]),
        ("Fish &amp; chips<!-- hidden\nnote --> cost <b>less</b>.\n", None, [("Fish & chips cost less .", None)]),
        ("> Quoted heron.\n> ~~~\n> quoted code\n> ~~~\n", None, [("Quoted heron.", None)]),
        ("1. First\n2. Second\n\n```\nopen fence never closed\n", None, [("First", None), ("Second", None)]),
        ("# A\n## B\n### C\nDeep.\n## D\nBack.\n", "A", [("Deep.", "A > B > C"), ("Back.", "A > D")]),
        # The block structure is CommonMark's (markdown-it-py), each case as its reference renderer reads it:
        # an HTML block's cells are apart; <pre> is code; lazy continuation; a table in a quote; pipes without
        # a delimiter row are text; a heading in a quote is no section; a fence in a list item is code.
        ("<table>\n<tr><td>SIGHUP</td><td>Sent when the terminal closes.</td></tr>\n</table>\n", None,
         [("SIGHUP", None), ("Sent when the terminal closes.", None)]),
        ("Text.\n\n<pre>\nLOAD(X)\n1. If X is a file\n</pre>\n\nAfter.\n", None, [("Text.", None), ("After.", None)]),
        ("> Quoted line\nlazy continuation.\n\nAfter.\n", None,
         [("Quoted line lazy continuation.", None), ("After.", None)]),
        ("> | a | b |\n> |---|---|\n> | heron | gull |\n", None, [("a b", None), ("heron gull", None)]),
        ("a | b\nc | d\n", None, [("a | b c | d", None)]),
        ("# Top\n\n> ## Note\n> Quoted text.\n\nBody.\n", "Top", [("Quoted text.", "Top"), ("Body.", "Top")]),
        ("1. one\n   ```\n   code\n   ```\n2. two\n", None, [("one", None), ("two", None)]),
        ("Setext\n---\n\n- item\n---\nAfter rule.\n", None, [("item", "Setext"), ("After rule.", "Setext")]),
        ("# T\r\n\r\nLine one\r\nline two.\r\n", "T", [("Line one line two.", "T")]),
        ("-\tItem with a tab.\n", None, [("Item with a tab.", None)]),
        ("[^n]: Short.\n", None, [("Short.", None)]),  # a footnote, though CommonMark reads a link definition
        # Not CommonMark: an HTML comment never closed would hide the rest of the file; only its opener is markup.
        ("Intro.\n\n<!-- never closed\n\n# Later\n\nText after.\n", "Later",
         [("Intro.", None), ("never closed", None), ("Text after.", "Later")]),
        # Deeper than markdown-it's 20 levels: still read, the markers blanked.
        (">" * 30 + " Deep quote.\n" + "- " * 30 + "Deep item.\n", None, [("Deep quote.", None), ("Deep item.", None)]),
    ],
)
def test_markdown_structure(source: str, title: str | None, paras: list[tuple[str, str | None]]) -> None:
    doc = extract_markdown(source)
    _same_shape(source, doc)
    assert doc.title == title
    assert _paras(doc) == paras


def test_html_text_title_sections_and_source_lines(make_corpus: Callable[..., Path]) -> None:
    doc = extract_html(HTML)
    _same_shape(HTML, doc)
    assert doc.title == "Bird & Sea Notes"
    flat = " ".join(doc.text.split())
    assert "not prose" not in flat and "nav" not in flat and "Copyright" not in flat and "color" not in flat
    root = make_corpus({"page.html": HTML})
    index, _ = open_index([str(root)])
    hit = search(index, "what is faster than a pike?", k=1, context=0).hits[0]
    assert " ".join(hit.text.split()) == "It strikes fast — faster than a pike."
    assert (hit.line, hit.column) == (8, 1)
    assert hit.section == "Coastal birds" and hit.title == "Bird & Sea Notes"
    gull = search(index, "what do gulls follow", k=1).hits[0]
    assert gull.section == "Coastal birds > Gulls"
    assert HTML.splitlines()[gull.line - 1][gull.column - 1 :].startswith("Gulls follow fishing boats.")
    assert all("Copyright" not in h.text and "nav" not in h.text for h in search(index, "heron corp nav", k=10).hits)


PRETTY = """<html><head><meta charset="utf-8"><title>Ignored &lt;b&gt; title</title></head><body>
<header><a href="/">Site name</a></header>
<article>
  <header><h1>Post title</h1></header>
  <p>
    The heron waits in a
    <a href="/pond">
      shallow pond
    </a>
    for hours.
  </p>
  <h2>Broken<p>heading left open by broken markup.
  <div role="navigation">Menu heron links</div>
  <div hidden>Hidden heron</div>
  <pre><code>heron = wait()</code></pre>
  <pre>A preformatted heron poem.</pre>
  <svg><title>Icon heron</title></svg>
  <table><tr><td>Cell one</td><td>Cell two</td></tr></table>
  <p>Line one<br>Line two &unknown; &#x2014; &#8212; end</p>
</article>
</body></html>
"""


def test_html_pretty_printed_markup_and_boilerplate() -> None:
    doc = extract_html(PRETTY)
    _same_shape(PRETTY, doc)
    assert doc.title == "Ignored <b> title"
    assert _paras(doc) == [
        ("The heron waits in a shallow pond for hours.", "Post title"),
        ("heading left open by broken markup.", "Post title > Broken"),
        # <pre> is code, not prose (as fenced code in Markdown), whether or not it holds <code>.
        ("Cell one", "Post title > Broken"),
        ("Cell two", "Post title > Broken"),
        ("Line one", "Post title > Broken"),
        ("Line two &unknown — — end", "Post title > Broken"),
    ]


def test_html_declared_charset_is_used_when_not_utf8(make_corpus: Callable[..., Path]) -> None:
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>'
    page += "<body><p>Le héron cendré attend.</p></body></html>"
    root = make_corpus({"fr.htm": page.encode("latin-1")})
    warnings: list[str] = []
    index, _ = open_index([str(root)], warn=warnings.append)
    assert search(index, "héron cendré", k=1).hits[0].text == "Le héron cendré attend."
    assert warnings == []


def test_pdf_pages_citations_and_repairs(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    pdf = make_pdf([["Chapter one is about lighthouses.", "The keeper lit the lamp."],
                    ["The second page describes an effi-", "cient heron that catches ﬁsh."]], title="Sea Book")
    root = make_corpus({"book.pdf": pdf})
    result = run_qa("ask", "--docs", "docs", "--format", "json", "efficient heron fish", "-k", "1", cwd=root.parent)
    assert result.returncode == 0 and result.stderr == ""
    hit = json.loads(result.stdout)["results"][0]
    assert hit["page"] == 2 and hit["title"] == "Sea Book" and hit["section"] is None
    assert hit["text"] == "The second page describes an efficient heron that catches fish."
    text = run_qa("ask", "--docs", "docs", "keeper lamp", "-k", "1", "-C", "0", cwd=root.parent).stdout
    assert text.splitlines()[:2] == [text.splitlines()[0], "  > The keeper lit the lamp."]
    assert text.startswith("[1] docs/book.pdf#page=1  score ") and text.splitlines()[0].endswith("(Sea Book)")


def test_pdf_extracted_text_keeps_chunk_offsets(make_corpus: Callable[..., Path]) -> None:
    from qa.formats.pdf import extract_pdf

    pdf = make_pdf([["Page one text.", "More on page one."], [], ["Page three text."]], compress=True, kerning=True)
    doc = extract_pdf(pdf, "x.pdf", pytest.fail)
    assert doc is not None
    assert [(doc.text[b.start : b.end].strip(), b.page) for b in doc.blocks] == [
        ("Page one text.\nMore on page one.", 1), ("Page three text.", 3)]
    root = make_corpus({"x.pdf": pdf})
    index, _ = open_index([str(root)])
    hit = search(index, "page three", k=1).hits[0]
    assert (hit.text, hit.page) == ("Page three text.", 3)


def test_pdf_repair() -> None:
    assert repair("an eﬃcient ﬁsh and infor-\nmation") == "an efficient fish and information"
    assert repair("well-\nKnown") == "well-\nKnown"  # a capital after the break: keep the hyphen
    assert repair("co\u00adop\u00ad\neration and pre\u2010\nview") == "cooperation and preview"
    assert repair("page 12-\n13") == "page 12-\n13"


def test_pdf_junk_metadata_title_is_dropped() -> None:
    from qa.formats.pdf import extract_pdf

    doc = extract_pdf(make_pdf([["Text."]], title="Microsoft Word - draft3.docx"), "d.pdf", pytest.fail)
    assert doc is not None and doc.title is None


def test_scanned_encrypted_and_broken_pdfs_are_skipped(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    damaged = make_pdf([["A damaged but readable heron."]]).replace(b"startxref\n", b"startxref\n1")
    root = make_corpus({
        "scanned.pdf": make_pdf([[]]),
        "locked.pdf": make_pdf([["A secret heron."]], encrypt="secret"),
        "open.pdf": make_pdf([["An owner-only protected heron."]], encrypt=""),
        "broken.pdf": b"%PDF-1.4 garbage",
        "damaged.pdf": damaged,
        "ok.txt": "An open heron.",
    })
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json")
    assert result.returncode == 0
    found = {Path(h["path"]).name for h in json.loads(result.stdout)["results"]}
    assert found == {"ok.txt", "open.pdf", "damaged.pdf"}
    err = result.stderr.splitlines()
    assert len(err) == 3, err  # one line per skipped file, no pypdf log noise
    assert any("scanned.pdf" in e and "no text layer" in e for e in err)
    assert any("locked.pdf" in e and "encrypted" in e for e in err)
    assert any("broken.pdf" in e for e in err)


def test_extensionless_files_are_text_and_include_exclude(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"NOTES": "A heron without an extension.", "code.py": "# A heron in code.",
                        "skip/me.txt": "An excluded heron.", "keep.txt": "A kept heron."})
    default = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json")
    sources = {Path(h["path"]).name for h in json.loads(default.stdout)["results"]}
    assert sources == {"NOTES", "me.txt", "keep.txt"}
    only_py = run_qa("ask", "--docs", str(root), "heron", "--include", "*.py", "--format", "json")
    assert {Path(h["path"]).name for h in json.loads(only_py.stdout)["results"]} == {"code.py"}
    excl = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--exclude", "skip/", "--format", "json")
    assert "me.txt" not in {Path(h["path"]).name for h in json.loads(excl.stdout)["results"]}


@pytest.mark.parametrize("text", ["Short Title\n\nBody text here.", "Not a title.\n\nBody."])
def test_plain_text_title(text: str) -> None:
    title = extract_text(text).title
    assert title == ("Short Title" if text.startswith("Short") else None)


@pytest.mark.parametrize("name", ["a.md", "a.html", "a.txt"])
def test_chunks_are_exact_slices_of_the_extracted_text(name: str, make_corpus: Callable[..., Path]) -> None:
    from sentences import split as chunk_text

    from qa.chunking import SentenceSplitter
    from qa.formats import extract

    source = {"a.md": MARKDOWN, "a.html": PRETTY, "a.txt": "One. Two!\n\nThree?"}[name]
    doc = extract(Path(name), source.encode(), name, pytest.fail)
    assert doc is not None
    chunks = chunk_text(doc.text, doc.blocks, SentenceSplitter())
    assert chunks and all(c.text == doc.text[c.start : c.end] for c in chunks)
    lines = source.split("\n")
    assert all(lines[c.line - 1][c.column - 1 :].startswith(c.text.split()[0]) for c in chunks)
