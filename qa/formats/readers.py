"""The readers of documents that are more than text: Word, OpenDocument, EPUB, notebooks, mail.

Each lives in its own module, imported only when a file of its kind is read.
"""

from __future__ import annotations

from qa.extensions import (
    EPUB_EXTENSIONS,
    MAIL_EXTENSIONS,
    MBOX_EXTENSIONS,
    NOTEBOOK_EXTENSIONS,
    OPENDOCUMENT_EXTENSIONS,
)
from qa.formats import Extracted, Warn


def extract_document(suffix: str, data: bytes, name: str, warn: Warn) -> Extracted | None:
    """Read ``data`` as the format of ``suffix`` (one of :data:`~qa.extensions.DOCUMENT_EXTENSIONS`)."""
    if suffix in OPENDOCUMENT_EXTENSIONS:
        from qa.formats.office import extract_odt

        return extract_odt(data, name, warn)
    if suffix in EPUB_EXTENSIONS:
        from qa.formats.epub import extract_epub

        return extract_epub(data, name, warn)
    if suffix in NOTEBOOK_EXTENSIONS:
        from qa.formats.notebook import extract_notebook

        return extract_notebook(data, name, warn)
    if suffix in MAIL_EXTENSIONS:
        from qa.formats.mail import extract_eml

        return extract_eml(data, name, warn)
    if suffix in MBOX_EXTENSIONS:
        from qa.formats.mail import extract_mbox

        return extract_mbox(data, name, warn)
    from qa.formats.office import extract_docx

    return extract_docx(data, name, warn)
