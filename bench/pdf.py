"""PDF benchmark: build a 200-page PDF and time indexing it with qa.

The PDF is written by ``tests/test_formats.make_pdf`` (a Helvetica text
layer, 40 lines a page, deflated content streams with kerned TJ arrays as
TeX and word processors write them, words hyphenated across some line ends),
then indexed from scratch through ``qa.refresh.open_index`` in a fresh cache.
Text extraction alone (pypdf) is timed separately. Prints the figures, then
one JSON line.

Usage::

    python bench/pdf.py [--pages 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

WORDS = ("heron lighthouse keeper harbour current tide estuary gull channel beacon mooring "
         "navigation weather pressure salinity sediment shoreline erosion").split()


def page_lines(rng: random.Random, n: int) -> list[str]:
    lines = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 12))]
        line = " ".join(words).capitalize() + "."
        if rng.random() < 0.1:
            line = line[:-1] + " infor-"  # continued on the next line: "infor-\nmation"
            lines.append(line)
            lines.append("mation about the " + " ".join(rng.sample(WORDS, 4)) + ".")
            continue
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    from test_formats import make_pdf

    rng = random.Random(5)
    with tempfile.TemporaryDirectory(prefix="qa-pdf-") as tmp:
        root = Path(tmp) / "docs"
        root.mkdir()
        pdf = make_pdf([page_lines(rng, 40) for _ in range(args.pages)], title="Benchmark", compress=True,
                       kerning=True)
        (root / "book.pdf").write_bytes(pdf)
        os.environ["QA_CACHE_DIR"] = str(Path(tmp) / "cache")
        from qa.formats.pdf import _extract
        from qa.refresh import open_index
        from qa.search import search

        start = time.perf_counter()
        extracted = _extract(pdf, "book.pdf", print)  # uncached: pypdf alone
        extract = time.perf_counter() - start
        assert extracted is not None
        start = time.perf_counter()
        index, _ = open_index([str(root)])
        build = time.perf_counter() - start
        start = time.perf_counter()
        open_index([str(root)])
        reopen = time.perf_counter() - start
        hits = search(index, "information about the harbour", k=3).hits
        pages = sorted({h.page for h in hits if h.page})
    print(f"{args.pages} pages ({len(pdf) / 1e6:.2f} MB PDF, {len(extracted.text) / 1e6:.2f} M characters of text)")
    print(f"  text extraction (pypdf):  {extract:.2f} s ({args.pages / extract:.0f} pages/s)")
    print(f"  full index from scratch:  {build:.2f} s ({index.n_chunks:,} sentences)")
    print(f"  reopen the cached index:  {reopen * 1000:.0f} ms")
    print(f"  'information about the harbour' found on pages {pages}")
    print(json.dumps({"pages": args.pages, "pdf_mb": round(len(pdf) / 1e6, 2), "chars": len(extracted.text),
                      "sentences": index.n_chunks, "extract_s": round(extract, 3), "index_s": round(build, 3),
                      "reopen_s": round(reopen, 3)}))


if __name__ == "__main__":
    main()
