"""File name extensions qa reads by default, by format.

Apart from :mod:`qa.formats` so that finding the files of a corpus (which
every question does, to check that the index is fresh) does not import the
extractors.
"""

from __future__ import annotations

#: Extensions read as plain text. Files with no extension at all (README,
#: NOTES, Gutenberg books) are read as plain text too; binary ones are skipped.
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".rst", ".org"})
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
PDF_EXTENSIONS = frozenset({".pdf"})
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | PDF_EXTENSIONS
