"""Write small Word, OpenDocument, EPUB, notebook and mail files for tests and benchmarks.

Everything is generated here (zip and XML written by hand), never downloaded.
The files are minimal but valid: Word and LibreOffice open them.
"""

from __future__ import annotations

import io
import json
import zipfile
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def zip_bytes(members: dict[str, bytes | str], *, stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    """A zip archive of ``members`` (in order; names in ``stored`` are not compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            raw = data.encode("utf-8") if isinstance(data, str) else data
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), raw, compress_type=method)
    return out.getvalue()


# -- Word -------------------------------------------------------------------------------------------


def w_run(text: str, *, hidden: bool = False) -> str:
    """A run of text; line breaks become ``<w:br/>``, tabs ``<w:tab/>``."""
    props = "<w:rPr><w:vanish/></w:rPr>" if hidden else ""
    pieces = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{props}{''.join(pieces)}</w:r>"


def w_p(text: str = "", style: str | None = None, *, runs: str | None = None, outline: int | None = None) -> str:
    """A paragraph (``style``: a style id such as ``Heading1``, ``Title``, ``ListParagraph``)."""
    props = ""
    if style or outline is not None:
        inner = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
            f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else "")
        props = f"<w:pPr>{inner}</w:pPr>"
    return f"<w:p>{props}{runs if runs is not None else w_run(text)}</w:p>"


def w_table(rows: list[list[str]]) -> str:
    """A table whose cells each hold one paragraph."""
    body = "".join("<w:tr>" + "".join(f"<w:tc>{w_p(cell)}</w:tc>" for cell in row) + "</w:tr>" for row in rows)
    return f"<w:tbl>{body}</w:tbl>"


_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>
<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="berschrift3"><w:name w:val="heading 3"/></w:style>
<w:style w:type="paragraph" w:styleId="MyChapter"><w:name w:val="My Chapter"/><w:basedOn w:val="Heading1"/></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>
</w:styles>"""


def make_docx(body: str, *, title: str | None = None, footnotes: list[str] | None = None,
              header: str | None = None, comments: str | None = None, document_xml: str | None = None,
              extra: dict[str, bytes | str] | None = None) -> bytes:
    """A Word file whose ``<w:body>`` holds ``body`` (build it with :func:`w_p` and :func:`w_table`)."""
    doc_rels = [f'<Relationship Id="rS" Type="{_DOC_REL}/styles" Target="styles.xml"/>']
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
        'ContentType="application/xml"/><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/footnotes.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        'core-properties+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>',
        "word/document.xml": document_xml or f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>",
        "word/styles.xml": _STYLES,
    }
    if footnotes is not None:
        notes = "".join(f'<w:footnote w:id="{i}">{w_p(text)}</w:footnote>' for i, text in enumerate(footnotes, 1))
        members["word/footnotes.xml"] = (f'<?xml version="1.0"?><w:footnotes xmlns:w="{W}">'
                                         '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/>'
                                         f"</w:r></w:p></w:footnote>{notes}</w:footnotes>")
        doc_rels.append(f'<Relationship Id="rF" Type="{_DOC_REL}/footnotes" Target="footnotes.xml"/>')
    if header is not None:
        members["word/header1.xml"] = f'<?xml version="1.0"?><w:hdr xmlns:w="{W}">{w_p(header)}</w:hdr>'
        doc_rels.append(f'<Relationship Id="rH" Type="{_DOC_REL}/header" Target="header1.xml"/>')
    if comments is not None:
        members["word/comments.xml"] = (f'<?xml version="1.0"?><w:comments xmlns:w="{W}"><w:comment w:id="0">'
                                        f"{w_p(comments)}</w:comment></w:comments>")
        doc_rels.append(f'<Relationship Id="rC" Type="{_DOC_REL}/comments" Target="comments.xml"/>')
    members["word/_rels/document.xml.rels"] = (f'<?xml version="1.0"?><Relationships xmlns="{_REL_NS}">'
                                               + "".join(doc_rels) + "</Relationships>")
    members["docProps/core.xml"] = (
        '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + (f"<dc:title>{escape(title)}</dc:title>" if title else "") + "</cp:coreProperties>")
    members.update(extra or {})
    return zip_bytes(members)


# -- OpenDocument ----------------------------------------------------------------------------------

_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def o_p(text: str) -> str:
    """A ``text:p``; runs of spaces become ``<text:s text:c="N"/>``, tabs and newlines their elements."""
    out = []
    for ch_run in text.split("\n"):
        if out:
            out.append("<text:line-break/>")
        out.append(escape(ch_run).replace("\t", "<text:tab/>").replace("  ", ' <text:s text:c="1"/>'))
    return f"<text:p>{''.join(out)}</text:p>"


def o_h(text: str, level: int) -> str:
    return f'<text:h text:outline-level="{level}">{escape(text)}</text:h>'


def make_odt(body: str, *, title: str | None = None, encrypted: bool = False) -> bytes:
    """An OpenDocument text whose ``office:text`` holds ``body``."""
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                + ('<manifest:encryption-data manifest:checksum-type="SHA1"/>' if encrypted else "")
                + "</manifest:file-entry></manifest:manifest>")
    return zip_bytes({
        "mimetype": "application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": manifest,
        "content.xml": f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>",
        "meta.xml": f'<?xml version="1.0"?><office:document-meta {_ODF_NS}><office:meta>'
        + (f"<dc:title>{escape(title)}</dc:title>" if title else "") + "</office:meta></office:document-meta>",
    })


# -- EPUB ------------------------------------------------------------------------------------------


def xhtml(body: str, title: str = "Chapter") -> str:
    """An XHTML chapter: declaration, head, and ``body`` on the lines after ``<body>``."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n'
            f"<head><title>{escape(title)}</title></head>\n<body>\n{body}\n</body>\n</html>\n")


def make_epub(chapters: list[tuple[str, str]], *, title: str | None = "A Book", opf_dir: str = "OEBPS",
              encrypted: list[str] | None = None, extra: dict[str, bytes | str] | None = None,
              spine: list[str] | None = None) -> bytes:
    """An EPUB 3 book: ``chapters`` are (path relative to the OPF folder, XHTML), in reading order."""
    items = "".join(f'<item id="c{i}" href="{escape(path)}" media-type="application/xhtml+xml"/>'
                    for i, (path, _) in enumerate(chapters))
    refs = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters))) if spine is None else "".join(
        f'<itemref idref="{ref}"/>' for ref in spine)
    opf = ('<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           + (f"<dc:title>{escape(title)}</dc:title>" if title else "")
           + f'<dc:identifier id="id">x</dc:identifier></metadata><manifest>{items}</manifest>'
           f"<spine>{refs}</spine></package>")
    prefix = f"{opf_dir}/" if opf_dir else ""
    members: dict[str, bytes | str] = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        f'<rootfile full-path="{prefix}content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>",
        f"{prefix}content.opf": opf,
    }
    for path, html in chapters:
        members[prefix + path] = html
    if encrypted:
        refs_xml = "".join(f'<enc:EncryptedData xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:CipherData>'
                           f'<enc:CipherReference URI="{escape(p)}"/></enc:CipherData></enc:EncryptedData>'
                           for p in encrypted)
        members["META-INF/encryption.xml"] = ('<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:'
                                              f'opendocument:xmlns:container">{refs_xml}</encryption>')
    members.update(extra or {})
    return zip_bytes(members)


# -- notebooks ----------------------------------------------------------------------------------------


def make_notebook(cells: list[tuple[str, str]], *, title: str | None = None, as_list: bool = True) -> bytes:
    """An nbformat 4 notebook: ``cells`` are (cell type, source); code cells get an output."""
    out = []
    for kind, source in cells:
        lines = source.splitlines(keepends=True) if as_list else source
        cell: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            cell.update(execution_count=1, outputs=[{"output_type": "stream", "name": "stdout",
                                                     "text": ["printed heron output\n"]}])
        out.append(cell)
    meta: dict[str, object] = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    if title:
        meta["title"] = title
    return json.dumps({"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


# -- mail -------------------------------------------------------------------------------------------


def make_eml(body: str, *, subject: str = "Harbour news", sender: str = "Ann Heron <ann@example.org>",
             date: str = "Tue, 03 Dec 2024 10:15:00 +0100", encoding: str = "8bit", charset: str = "utf-8",
             html: str | None = None, newline: str = "\n", extra_headers: str = "") -> bytes:
    """One message: a text/plain body (``encoding``: 8bit, quoted-printable or base64), or an
    alternative of text and ``html`` (``body`` "" leaves the text part out)."""
    import base64
    import quopri

    def encoded(text: str, cte: str) -> bytes:
        import codecs

        try:
            raw = text.encode(codecs.lookup(charset).name)
        except LookupError:  # a charset Python does not know: the bytes are UTF-8
            raw = text.encode("utf-8")
        if cte == "base64":
            return base64.encodebytes(raw)
        if cte == "quoted-printable":
            return quopri.encodestring(raw)
        return raw

    head = (f"From: {sender}\nTo: team@example.org\nSubject: {subject}\nDate: {date}\nMIME-Version: 1.0\n"
            + extra_headers)
    if html is None:
        msg = (head + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n"
               ).encode() + encoded(body, encoding)
    else:
        parts = b""
        if body:
            parts += (f"--XyZ\nContent-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n"
                      ).encode() + encoded(body, encoding) + b"\n"
        parts += (f"--XyZ\nContent-Type: text/html; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n"
                  ).encode() + encoded(html, encoding) + b"\n--XyZ--\n"
        msg = (head + 'Content-Type: multipart/alternative; boundary="XyZ"\n\n').encode() + parts
    return msg.replace(b"\n", newline.encode()) if newline != "\n" else msg


def make_mbox(messages: list[bytes]) -> bytes:
    """An mboxrd file: each message after a ``From `` line, body lines starting ``From `` escaped."""
    out = []
    for msg in messages:
        lines = msg.split(b"\n")
        escaped = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines]
        out.append(b"From ann@example.org Tue Dec  3 10:15:00 2024\n" + b"\n".join(escaped).rstrip(b"\n") + b"\n\n")
    return b"".join(out)
