"""Reading speed of each format: files per second on generated samples.

For every format qa reads, writes ``--files`` sample files of about the same
prose (a few pages: ``--paragraphs`` paragraphs of 2-4 sentences, headings
every 8 paragraphs) with tests/make_documents.py and friends, then times
``qa.corpus.read_document`` (read the bytes, unpack, parse, extract text,
blocks and sections) on each, best of ``--repeat`` passes. Plain text,
Markdown and HTML are measured the same way for comparison. One big file
per format (``--big`` times the paragraphs) shows the throughput on large
documents. Prints a table, then one JSON line.

Usage::

    python bench/formats.py [--files 200] [--paragraphs 40] [--big 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

WORDS = ("heron lighthouse keeper harbour current tide estuary gull channel beacon mooring navigation weather "
         "pressure salinity sediment shoreline erosion ferry anchor rudder sail marsh reed").split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."


def prose(rng: random.Random, paragraphs: int) -> list[tuple[str | None, str]]:
    """(heading or None, paragraph) pairs: a heading every 8 paragraphs."""
    out: list[tuple[str | None, str]] = []
    for i in range(paragraphs):
        heading = f"Part {i // 8 + 1}" if i % 8 == 0 else None
        out.append((heading, " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))))
    return out


def _docx(doc: list[tuple[str | None, str]]) -> bytes:
    from make_documents import make_docx, w_p

    return make_docx("".join((w_p(h, "Heading1") if h else "") + w_p(p) for h, p in doc), title="Sample")


def _odt(doc: list[tuple[str | None, str]]) -> bytes:
    from make_documents import make_odt, o_h, o_p

    return make_odt("".join((o_h(h, 1) if h else "") + o_p(p) for h, p in doc), title="Sample")


def _epub(doc: list[tuple[str | None, str]]) -> bytes:
    from xml.sax.saxutils import escape

    from make_documents import make_epub, xhtml

    chapters: list[list[str]] = []
    for h, p in doc:
        if h or not chapters:
            chapters.append([f"<h1>{escape(h or 'Start')}</h1>"])
        chapters[-1].append(f"<p>{escape(p)}</p>")
    return make_epub([(f"ch{i}.xhtml", xhtml("\n".join(c))) for i, c in enumerate(chapters)], title="Sample")


def _ipynb(doc: list[tuple[str | None, str]]) -> bytes:
    from make_documents import make_notebook

    cells: list[tuple[str, str]] = []
    for h, p in doc:
        cells.append(("markdown", (f"## {h}\n\n" if h else "") + p))
        cells.append(("code", "x = compute()\nplot(x)"))
    return make_notebook(cells)


def _mail_body(doc: list[tuple[str | None, str]]) -> str:
    return "\n\n".join(p for _, p in doc) + "\n\n> quoted line\n\n-- \nsignature\n"


def _eml(doc: list[tuple[str | None, str]]) -> bytes:
    from make_documents import make_eml

    return make_eml(_mail_body(doc))


def _mbox(doc: list[tuple[str | None, str]]) -> bytes:
    from make_documents import make_eml, make_mbox

    size = 4  # paragraphs per message
    return make_mbox([make_eml(_mail_body(doc[i : i + size]), subject=f"Message {i // size + 1}")
                      for i in range(0, len(doc), size)])


def _txt(doc: list[tuple[str | None, str]]) -> bytes:
    return "\n\n".join((f"{h}\n\n" if h else "") + p for h, p in doc).encode()


def _md(doc: list[tuple[str | None, str]]) -> bytes:
    return "\n\n".join((f"## {h}\n\n" if h else "") + p for h, p in doc).encode()


def _html(doc: list[tuple[str | None, str]]) -> bytes:
    from xml.sax.saxutils import escape

    body = "\n".join((f"<h2>{escape(h)}</h2>\n" if h else "") + f"<p>{escape(p)}</p>" for h, p in doc)
    return f"<html><head><title>Sample</title></head><body>\n{body}\n</body></html>\n".encode()


def _md_gz(doc: list[tuple[str | None, str]]) -> bytes:
    return gzip.compress(_md(doc))


FORMATS: dict[str, tuple[str, Callable[[list[tuple[str | None, str]]], bytes]]] = {
    ".txt": (".txt", _txt), ".md": (".md", _md), ".html": (".html", _html), ".md.gz": (".md.gz", _md_gz),
    ".docx": (".docx", _docx), ".odt": (".odt", _odt), ".epub": (".epub", _epub), ".ipynb": (".ipynb", _ipynb),
    ".eml": (".eml", _eml), ".mbox": (".mbox", _mbox),
}


def time_reads(paths: list[Path], repeat: int) -> tuple[float, int]:
    """Best total seconds over ``repeat`` passes of read_document on every path, and characters read."""
    from qa.corpus import SourceFile, read_document

    files = [SourceFile(p, p.name) for p in paths]
    best = float("inf")
    chars = 0
    for _ in range(repeat):
        start = time.perf_counter()
        chars = 0
        for f in files:
            doc = read_document(f, lambda message: None)
            assert doc is not None and doc.blocks, f.path
            chars += sum(b.end - b.start for b in doc.blocks)
        best = min(best, time.perf_counter() - start)
    return best, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--paragraphs", type=int, default=40)
    parser.add_argument("--big", type=int, default=50, help="the big file has this many times the paragraphs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    docs = [prose(rng, args.paragraphs) for _ in range(args.files)]
    big_doc = prose(rng, args.paragraphs * args.big)
    results: dict[str, dict[str, float]] = {}
    print(f"{args.files} files of {args.paragraphs} paragraphs each; one file of {args.paragraphs * args.big}; "
          f"best of {args.repeat} (read_document: read, unpack, parse, extract)")
    print(f"{'format':<8} {'KB/file':>8} {'files/s':>9} {'ms/file':>8} {'text MB/s':>10}   "
          f"{'big file':>9} {'big s':>7} {'big MB/s':>9}")
    with tempfile.TemporaryDirectory(prefix="qa-formats-") as tmp:
        for name, (suffix, make) in FORMATS.items():
            folder = Path(tmp) / name.strip(".").replace(".", "_")
            folder.mkdir()
            paths = []
            size = 0
            for i, doc in enumerate(docs):
                data = make(doc)
                size += len(data)
                path = folder / f"f{i:04}{suffix}"
                path.write_bytes(data)
                paths.append(path)
            seconds, chars = time_reads(paths, args.repeat)
            big_data = make(big_doc)
            big = folder / f"big{suffix}"
            big.write_bytes(big_data)
            big_s, big_chars = time_reads([big], args.repeat)
            r = results[name] = {
                "files_per_s": round(len(paths) / seconds, 1), "ms_per_file": round(seconds * 1e3 / len(paths), 3),
                "text_mb_per_s": round(chars / seconds / 1e6, 2), "kb_per_file": round(size / len(paths) / 1e3, 1),
                "big_mb": round(len(big_data) / 1e6, 2), "big_s": round(big_s, 3),
                "big_text_mb_per_s": round(big_chars / big_s / 1e6, 2)}
            print(f"{name:<8} {r['kb_per_file']:>8.1f} {r['files_per_s']:>9,.0f} {r['ms_per_file']:>8.2f} "
                  f"{r['text_mb_per_s']:>10.1f}   {r['big_mb']:>7.2f}MB {r['big_s']:>7.3f} "
                  f"{r['big_text_mb_per_s']:>9.1f}")
    print(json.dumps({"files": args.files, "paragraphs": args.paragraphs, "formats": results}))


if __name__ == "__main__":
    main()
