"""File name extensions qa reads by default, by format.

Apart from :mod:`qa.formats` so that finding the files of a corpus (which
every question does, to check that the index is fresh) does not import the
extractors.
"""

from __future__ import annotations

import re

#: Extensions read as plain text. Files with no extension at all (README,
#: NOTES, Gutenberg books) are read as plain text too; binary ones are skipped, and so are scripts
#: (their first line is a ``#!``) and build files (:data:`PROGRAM_NAMES`).
#: ``.debian``: Debian's README.Debian, NEWS.Debian and changelog.Debian.
TEXT_EXTENSIONS = frozenset({".txt", ".text", ".org", ".debian"})
#: reStructuredText; Sphinx's copies of its sources, ``_sources/*.rst.txt``, too.
RST_EXTENSIONS = frozenset({".rst", ".rest"})
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
PDF_EXTENSIONS = frozenset({".pdf"})
WORD_EXTENSIONS = frozenset({".docx"})
OPENDOCUMENT_EXTENSIONS = frozenset({".odt"})
EPUB_EXTENSIONS = frozenset({".epub"})
NOTEBOOK_EXTENSIONS = frozenset({".ipynb"})
MAIL_EXTENSIONS = frozenset({".eml"})
MBOX_EXTENSIONS = frozenset({".mbox"})
#: Manual pages: ``.man``, and the section suffixes ``.1``-``.9`` (``ls.1``, ``printf.3``, ``CA.pl.1ssl``,
#: ``Moose.3pm``): a section digit and up to eight letters. Whether a file so named really is a page is
#: decided from its text (``ChangeLog.1`` is a rotated log, read as plain text).
MAN_EXTENSIONS = frozenset({".man"})
_MAN_SECTION = re.compile(r"\.[1-9][a-z]{0,8}")
#: Suffixes shaped like a man section that name something else.
_NOT_MAN = frozenset({".7z"})
#: Files whose name says they are programs, not documents, though they have no extension (or ``.txt``):
#: build files, container recipes. ripgrep's file types know them by these names.
PROGRAM_NAMES = frozenset({"makefile", "gnumakefile", "bsdmakefile", "dockerfile", "containerfile", "vagrantfile",
                           "rakefile", "gemfile", "jenkinsfile", "snakefile", "sconstruct", "sconscript",
                           "cmakelists.txt", "meson.build", "build.gradle", "justfile"})
#: The formats :mod:`qa.formats.readers` reads (containers, notebooks, mail).
DOCUMENT_EXTENSIONS = (WORD_EXTENSIONS | OPENDOCUMENT_EXTENSIONS | EPUB_EXTENSIONS | NOTEBOOK_EXTENSIONS
                       | MAIL_EXTENSIONS | MBOX_EXTENSIONS)
SUPPORTED_EXTENSIONS = (TEXT_EXTENSIONS | RST_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | PDF_EXTENSIONS
                        | DOCUMENT_EXTENSIONS | MAN_EXTENSIONS)
#: A gzip-compressed file is read as what it holds: ``x.md.gz`` as Markdown, ``README.gz`` as text.
GZIP_EXTENSION = ".gz"


def is_rst(name: str) -> bool:
    """Whether a file of this name is reStructuredText (``x.rst``, or Sphinx's ``x.rst.txt`` copy)."""
    lower = name.lower()
    return lower.endswith((".rst", ".rest", ".rst.txt"))


def is_man(name: str) -> bool:
    """Whether a file of this name may be a manual page (``ls.1``, ``x.3pm``, ``x.man``; ``.gz`` taken off first)."""
    suffix = _suffix(name)
    return suffix in MAN_EXTENSIONS or (suffix not in _NOT_MAN and _MAN_SECTION.fullmatch(suffix) is not None)


def _suffix(name: str) -> str:
    """The lowercased suffix as pathlib sees it (``""`` for ``README`` or ``.hidden``)."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def is_supported(name: str) -> bool:
    """Whether qa reads a file of this name by default (``--include`` can add more).

    ``name`` is a file name, not a path; its suffix is what pathlib calls one.
    ``NAME.EXT.gz`` is supported when ``NAME.EXT`` is (``x.tar.gz`` is not). Build files
    (``Makefile``, ``CMakeLists.txt``: :data:`PROGRAM_NAMES`) are programs, not documents.
    """
    if name.lower() in PROGRAM_NAMES:
        return False
    suffix = _suffix(name)
    if suffix == GZIP_EXTENSION:
        inner = _suffix(name[: -len(GZIP_EXTENSION)])
        return inner != GZIP_EXTENSION and (inner in SUPPORTED_EXTENSIONS or not inner
                                            or is_man(name[: -len(GZIP_EXTENSION)]))
    return suffix in SUPPORTED_EXTENSIONS or not suffix or is_man(name)
