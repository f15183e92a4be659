"""File name extensions qa reads by default, by format.

Apart from :mod:`qa.formats` so that finding the files of a corpus (which
every question does, to check that the index is fresh) does not import the
extractors.
"""

from __future__ import annotations

#: Extensions read as plain text. Files with no extension at all (README,
#: NOTES, Gutenberg books) are read as plain text too; binary ones are skipped.
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".org"})
#: reStructuredText; Sphinx's copies of its sources, ``_sources/*.rst.txt``, too.
RST_EXTENSIONS = frozenset({".rst", ".rest"})
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
PDF_EXTENSIONS = frozenset({".pdf"})
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | RST_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | PDF_EXTENSIONS


def is_rst(name: str) -> bool:
    """Whether a file of this name is reStructuredText (``x.rst``, or Sphinx's ``x.rst.txt`` copy)."""
    lower = name.lower()
    return lower.endswith((".rst", ".rest", ".rst.txt"))


def is_supported(name: str) -> bool:
    """Whether qa reads a file of this name by default (``--include`` can add more).

    ``name`` is a file name, not a path; its suffix is what pathlib calls one.
    """
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return suffix.lower() in SUPPORTED_EXTENSIONS or not suffix
