"""PDF: text page by page through pypdf; every sentence knows its page.

The document text is the pages' extracted text joined by blank lines, with
ligatures expanded and words hyphenated across line ends rejoined, so that
"eﬃcient" and "effi-\\ncient" match a question's "efficient". Citations are
``source#page=N``. Scanned PDFs (no text layer) and encrypted PDFs that an
empty password does not open are skipped with one warning.
"""

from __future__ import annotations

import io
import re

from qa.formats import Block, Extracted, Warn, paragraphs

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ft", "ﬆ": "st"})
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[a-z\u00df-\u00ff])")


def repair(text: str) -> str:
    """Expand ligatures and join words hyphenated at line ends."""
    return _HYPHEN_BREAK.sub("", text.translate(_LIGATURES))


def extract_pdf(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """Extract a PDF's text layer; None (warned) for scanned, encrypted or broken files."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            warn(f"skipping encrypted PDF {name}")
            return None
        pages = [repair(page.extract_text() or "") for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, NotImplementedError) as exc:
        warn(f"skipping unreadable PDF {name}: {exc}")
        return None
    if not any(p.strip() for p in pages):
        warn(f"skipping {name}: no text layer (a scanned PDF?)")
        return None
    text, blocks = "", []
    for number, page in enumerate(pages, start=1):
        start = len(text)
        text += page + "\n\n"
        blocks += [Block(b.start, b.end, page=number) for b in paragraphs(text, start, start + len(page))]
    title = str(meta_title).strip() if meta_title else None
    return Extracted(text=text, blocks=blocks, title=title or None)
