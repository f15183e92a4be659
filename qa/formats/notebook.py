"""Jupyter notebooks: the Markdown cells, read with the Markdown reader, cited by cell.

Code cells and their outputs are not prose and are left out. A sentence is
cited ``nb.ipynb#cell=N:line:col``: N counts every cell of the notebook from
1 (code cells included, as Jupyter shows them), line and column are in the
cell's source. Headings in Markdown cells name the sections of the cells
that follow them, as if the notebook's Markdown were one file. The title is
the notebook metadata's ``title``, else its first level-1 heading. nbformat
4 and the older 3 (worksheets, heading cells) are read.

The JSON is untrusted: a file that is not JSON, nests too deeply, holds
more values than a notebook plausibly has (:data:`MAX_VALUES`; they would
take gigabytes once parsed) or has no list of cells is skipped with one
warning; cells of the wrong shape are left out with one warning.
"""

from __future__ import annotations

import json
import re
from typing import Any

from qa.formats import Block, Extracted, Part, Warn
from qa.formats.pieces import Pieces, clip

#: A line that may be (or underline) a Markdown heading.
_HEADING_LINE = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
#: Most JSON values (counted by their separators and brackets) a notebook may have.
MAX_VALUES = 4_000_000


def _cells(nb: Any) -> list[Any] | None:
    """The cells of an nbformat 4 (``cells``) or 3 (``worksheets``) notebook; None if there is no such list."""
    if not isinstance(nb, dict):
        return None
    cells = nb.get("cells")
    if isinstance(cells, list):
        return cells
    sheets = nb.get("worksheets")
    if isinstance(sheets, list) and sheets and all(isinstance(s, dict) for s in sheets):
        found = [s.get("cells") for s in sheets]
        if all(isinstance(c, list) for c in found):
            return [cell for c in found for cell in c]
    return None


def _markdown(cell: Any) -> str | None:
    """A cell's Markdown ("" for a code or raw cell); None when the cell is malformed."""
    if not isinstance(cell, dict):
        return None
    kind = cell.get("cell_type")
    if kind not in ("markdown", "heading"):
        return "" if isinstance(kind, str) else None
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        source = "".join(source)
    if not isinstance(source, str):
        return None
    if kind == "heading":  # nbformat 3
        level = cell.get("level")
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        source = "#" * level + " " + " ".join(source.split())
    return source


def _load(data: bytes, name: str, warn: Warn) -> tuple[list[Any], str | None] | None:
    """The notebook's cells and metadata title; None (warned) when it is not a notebook."""
    values = data.count(b",") + data.count(b"{") + data.count(b"[")
    if values > MAX_VALUES:
        warn(f"skipping {name}: too large a notebook ({values:,} JSON values; at most {MAX_VALUES:,})")
        return None
    try:
        nb = json.loads(data)
    except RecursionError:
        warn(f"skipping {name}: its JSON is nested too deeply")
        return None
    except (ValueError, UnicodeError) as exc:
        warn(f"skipping {name}: not valid JSON ({' '.join(str(exc).split())[:100]})")
        return None
    cells = _cells(nb)
    if cells is None:
        warn(f"skipping {name}: not a Jupyter notebook (no list of cells)")
        return None
    meta = nb.get("metadata")
    title = meta.get("title") if isinstance(meta, dict) else None
    return cells, clip(title) if isinstance(title, str) else None


def extract_notebook(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """The Markdown cells' text, blocks and sections; None (warned) when the file is not a notebook."""
    from qa.formats.markdown import extract_markdown, heading_outline

    loaded = _load(data, name, warn)
    if loaded is None:
        return None
    cells, title = loaded
    pieces = Pieces()
    outline: list[tuple[int, str]] = []
    bad = 0
    for number, cell in enumerate(cells, start=1):
        source = _markdown(cell)
        if source is None:
            bad += 1
            continue
        if not source.strip():
            continue
        # The headings in force, written out in front of the cell, give its sections their full path.
        prefix = "".join(f"{'#' * level} {heading}\n" for level, heading in outline) + "\n" if outline else ""
        read = extract_markdown(prefix + source)
        cut = len(prefix)
        blocks = [Block(b.start - cut, b.end - cut, section=b.section, label=b.label)
                  for b in read.blocks if b.start >= cut]
        hidden = read.hidden[cut:] if read.hidden is not None else None
        pieces.add(read.text[cut:], blocks, Part("cell", number), hidden=hidden)
        before = outline
        if _HEADING_LINE.search(source):  # else the headings in force stay as they are
            outline = heading_outline(prefix + source)
        if title is None and outline != before and any(level == 1 for level, _ in outline):
            title = extract_markdown(source).title or next(h for level, h in outline if level == 1)
    if bad:
        warn(f"{name}: {bad} malformed cell{'s' if bad > 1 else ''} left out")
    return pieces.extracted(title)
