"""Markdown, HTML and PDF files built in the test, found with the right line, section and page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from qa.engine import open_index
from qa.formats import extract_text
from qa.formats.html import extract_html
from qa.formats.markdown import extract_markdown
from qa.formats.pdf import repair
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


def make_pdf(pages: list[list[str]], title: str | None = None, encrypt: bool = False) -> bytes:
    """A small, valid PDF with a Helvetica text layer (one string per line)."""
    objects: list[bytes] = []
    kids = []
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = ["BT /F1 11 Tf 72 720 Td 14 TL"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        page_no = len(objects) + 1
        kids.append(f"{page_no} 0 R")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {page_no + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
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
    if encrypt:
        import io

        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(out))))
        writer.encrypt(user_password="secret", owner_password="owner")
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()
    return bytes(out)


def test_markdown_prose_sections_title_and_offsets() -> None:
    doc = extract_markdown(MARKDOWN)
    assert len(doc.text) == len(MARKDOWN)
    assert doc.title == "Field Guide"
    paras = [(" ".join(doc.text[b.start : b.end].split()), b.section) for b in doc.blocks]
    assert ("The grey heron waits in shallow water for fish . It strikes fast.", "Coastal birds") in paras
    assert ("Gulls follow fishing boats.", "Coastal birds > Gulls") in paras
    assert ("They eat almost anything", "Coastal birds > Gulls") in paras
    assert ("A gull nest Gulls nest on cliffs.", "Coastal birds > Gulls > Nesting") in paras
    flat = " ".join(p for p, _ in paras)
    assert "example.org" not in flat and "code, not prose" not in flat and "comment" not in flat
    assert "tags" not in flat


def test_markdown_search_gives_line_column_and_section(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({"guide.md": MARKDOWN})
    index, _ = open_index([str(root)])
    hit = search(index, "where do gulls nest?", k=1).hits[0]
    line = MARKDOWN.splitlines()[hit.line - 1]
    assert line[hit.column - 1 :].startswith("A gull nest") or line[hit.column - 1 :].startswith("Gulls nest")
    assert hit.section == "Coastal birds > Gulls > Nesting" and hit.title == "Field Guide"
    assert not search(index, "code not prose").hits or search(index, "code not prose").hits[0].section is None


def test_setext_headings_and_tables() -> None:
    text = "Title\n=====\n\nIntro line.\n\n| a | b |\n|---|---|\n| heron | gull |\n"
    doc = extract_markdown(text)
    assert doc.title == "Title"
    paras = [" ".join(doc.text[b.start : b.end].split()) for b in doc.blocks]
    assert paras == ["Intro line.", "a b", "heron gull"]


def test_html_text_title_sections_and_source_lines(make_corpus: Callable[..., Path]) -> None:
    doc = extract_html(HTML)
    assert len(doc.text) == len(HTML) and doc.title == "Bird & Sea Notes"
    flat = " ".join(doc.text.split())
    assert "not prose" not in flat and "nav" not in flat and "Copyright" not in flat and "color" not in flat
    root = make_corpus({"page.html": HTML})
    index, _ = open_index([str(root)])
    hit = search(index, "what is faster than a pike?", k=1, context=0).hits[0]
    assert " ".join(hit.text.split()) == "It strikes fast — faster than a pike."
    assert HTML.splitlines()[hit.line - 1][hit.column - 1 :].startswith("It strikes fast")
    assert hit.section == "Coastal birds" and hit.title == "Bird & Sea Notes"
    gull = search(index, "what do gulls follow", k=1).hits[0]
    assert gull.section == "Coastal birds > Gulls"


def test_pdf_pages_citations_and_repairs(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    pdf = make_pdf([["Chapter one is about lighthouses.", "The keeper lit the lamp."],
                    ["The second page describes an effi-", "cient heron that catches fish."]], title="Sea Book")
    root = make_corpus({"book.pdf": pdf})
    result = run_qa("ask", "--docs", str(root), "--format", "json", "efficient heron", "-k", "1")
    assert result.returncode == 0, result.stderr
    hit = json.loads(result.stdout)["results"][0]
    assert hit["page"] == 2 and "efficient heron" in hit["text"] and hit["title"] == "Sea Book"
    text = run_qa("ask", "--docs", str(root), "keeper lamp", "-k", "1").stdout
    assert text.startswith("[1] docs/book.pdf#page=1 ") or "book.pdf#page=1" in text.splitlines()[0]


def test_pdf_repair() -> None:
    assert repair("an eﬃcient ﬁsh and infor-\nmation") == "an efficient fish and information"
    assert repair("well-\nKnown") == "well-\nKnown"  # a capital after the break: keep the hyphen


def test_scanned_encrypted_and_broken_pdfs_are_skipped(run_qa: RunQA, make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({
        "scanned.pdf": make_pdf([[]]),
        "locked.pdf": make_pdf([["A secret heron."]], encrypt=True),
        "broken.pdf": b"%PDF-1.4 garbage",
        "ok.txt": "An open heron.",
    })
    result = run_qa("ask", "--docs", str(root), "heron")
    assert result.returncode == 0 and "ok.txt" in result.stdout and "secret" not in result.stdout
    err = result.stderr
    assert "scanned.pdf" in err and "no text layer" in err
    assert "locked.pdf" in err and "encrypted" in err
    assert "broken.pdf" in err
    assert "Traceback" not in err


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


def test_gitignore_and_qaignore(make_corpus: Callable[..., Path]) -> None:
    root = make_corpus({".gitignore": "build/\n*.log.txt\n!important.log.txt\n", "sub/.qaignore": "draft*\n",
                        "a.txt": "heron a", "build/b.txt": "heron b", "x.log.txt": "heron x",
                        "important.log.txt": "heron i", "sub/draft1.txt": "heron d", "sub/final.txt": "heron f"})
    index, _ = open_index([str(root)])
    names = sorted(Path(d.path).name for d in index.docs)
    assert names == ["a.txt", "final.txt", "important.log.txt"]


@pytest.mark.parametrize("text", ["Short Title\n\nBody text here.", "Not a title.\n\nBody."])
def test_plain_text_title(text: str) -> None:
    title = extract_text(text).title
    assert title == ("Short Title" if text.startswith("Short") else None)
