"""Hostile Word, OpenDocument, EPUB, notebook, mail and gzip files: one warning and a skip each, never a
traceback, a hang, a file read off the disk or memory that grows with what a file claims to hold."""

from __future__ import annotations

import gzip
import io
import json
import sys
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from make_documents import make_docx, make_eml, make_epub, make_mbox, make_notebook, make_odt, o_p, w_p, xhtml
from robust_helpers import MakeCorpus, RunQA, no_traceback

from qa.formats import extract
from qa.formats.archive import MAX_MEMBER_BYTES, MAX_MEMBERS, Refused, SafeZip, gunzip, parse_xml


def _patch_central(data: bytes, name: str, *, size: int | None = None, flags: int | None = None) -> bytes:
    """``data`` with the central directory entry of ``name`` declaring another size or flags."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        n = int.from_bytes(out[pos + 28 : pos + 30], "little")
        if out[pos + 46 : pos + 46 + n] == name.encode():
            if size is not None:
                out[pos + 24 : pos + 28] = size.to_bytes(4, "little")
            if flags is not None:
                out[pos + 8 : pos + 10] = flags.to_bytes(2, "little")
                local = int.from_bytes(out[pos + 42 : pos + 46], "little")
                out[local + 6 : local + 8] = flags.to_bytes(2, "little")
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in the archive")


def _read(name: str, data: bytes) -> tuple[object, list[str]]:
    warnings: list[str] = []
    return extract(Path(name), data, name, warnings.append), warnings


def _skipped(name: str, data: bytes, reason: str) -> None:
    """The file is skipped with exactly one warning that names it and says ``reason``."""
    doc, warnings = _read(name, data)
    assert doc is None and len(warnings) == 1, warnings
    assert warnings[0].startswith(f"skipping {name}: ") and reason in warnings[0], warnings[0]


DOCX = make_docx(w_p("A safe heron paragraph."))

# -- zip bombs --------------------------------------------------------------------------------------------


def test_a_member_that_declares_too_much_is_refused() -> None:
    bomb = _patch_central(DOCX, "word/document.xml", size=MAX_MEMBER_BYTES + 1)
    _skipped("bomb.docx", bomb, "word/document.xml declares 100 MB uncompressed (at most 100 MB)")


def test_a_member_that_inflates_past_what_it_declares_stops_there() -> None:
    """101 MB of zeros deflate to 100 KB; declared as 1 KB, reading stops after 1 KB (the CRC then fails)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as member:
            for _ in range(101):
                member.write(b"\0" * (1 << 20))
    bomb = _patch_central(out.getvalue(), "word/document.xml", size=1024)
    tracemalloc.start()
    try:
        _skipped("bomb.docx", bomb, "word/document.xml cannot be read (Bad CRC-32")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # never the 101 MB the data would inflate to


def test_too_many_members_are_refused_before_they_are_parsed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i in range(MAX_MEMBERS + 1):
            zf.writestr(f"m{i}", b"")
    data = out.getvalue()
    _skipped("many.epub", data, f"{MAX_MEMBERS + 1:,} members")
    # The end record may lie about the count: the entries themselves are counted.
    eocd = data.rfind(b"PK\x05\x06")
    forged = data[: eocd + 8] + (1).to_bytes(2, "little") * 2 + data[eocd + 12 :]
    _skipped("many.epub", forged, "members (at most 10,000")


def test_more_than_a_gigabyte_in_all_is_refused() -> None:
    members = {f"word/part{i}.xml": "<x/>" for i in range(11)}
    data = make_docx(w_p("Text."), extra=members)  # type: ignore[arg-type]
    for name in members:
        data = _patch_central(data, name, size=95_000_000)
    _skipped("huge.docx", data, "declares 1,045 MB uncompressed (at most 1,000 MB)")


def test_what_members_really_inflate_to_is_counted_too(monkeypatch: pytest.MonkeyPatch) -> None:
    zf = SafeZip(make_docx(w_p("Some words " * 100)))
    monkeypatch.setattr("qa.formats.archive.MAX_TOTAL_BYTES", 500)
    with pytest.raises(Refused, match="inflates past"):
        zf.read("word/document.xml")


# -- XML ---------------------------------------------------------------------------------------------------

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + "]>")


def _with_prolog(xml: str, prolog: str) -> str:
    return prolog + xml.split("?>", 1)[1] if xml.startswith("<?xml") else prolog + xml


def _entity_files(secret: Path) -> dict[str, bytes]:
    """A billion-laughs and an external-entity file of each zip format."""
    external = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    doc = f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>&lol9; &xxe; heron</w:t></w:r></w:p></w:body></w:document>'
    odt = make_odt(o_p("placeholder"))
    content = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml").decode()
    files = {}
    for label, prolog in (("laughs", LAUGHS), ("external", external)):
        files[f"{label}.docx"] = make_docx("", document_xml=_with_prolog(doc, prolog).replace(
            "&lol9;" if label == "external" else "&xxe;", ""))
        files[f"{label}.odt"] = _replace_member(odt, "content.xml", _with_prolog(
            content.replace("placeholder", "&lol9;" if label == "laughs" else "&xxe;"), prolog))
        files[f"{label}.epub"] = make_epub([("c.xhtml", xhtml("<p>A heron.</p>"))], title=None, extra={
            "META-INF/container.xml": prolog + '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            f'<rootfiles><rootfile full-path="{"&lol9;" if label == "laughs" else "&xxe;"}"/></rootfiles></container>'})
    return files


def _replace_member(data: bytes, name: str, text: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, text.encode() if info.filename == name else src.read(info))
    return out.getvalue()


def test_entity_expansion_and_external_entities_are_refused(run_qa: RunQA, make_corpus: MakeCorpus,
                                                            tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET heron password", encoding="utf-8")
    files = _entity_files(secret)
    root = make_corpus({**files, "ok.txt": "A plain heron."})
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json")
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert [Path(h["path"]).name for h in json.loads(result.stdout)["results"]] == ["ok.txt"]
    assert "TOPSECRET" not in result.stdout
    errors = sorted(result.stderr.splitlines())
    assert len(errors) == len(files), errors
    for line, name in zip(errors, sorted(files), strict=True):
        assert line.startswith(f"qa: warning: skipping {root / name}: ") and "declares entities" in line, line


def test_the_xml_parser_refuses_every_entity_declaration() -> None:
    for prolog in (LAUGHS, '<!DOCTYPE d [<!ENTITY % p SYSTEM "http://example.com/x.dtd"> %p;]>',
                   '<!DOCTYPE d [<!ENTITY u SYSTEM "x.png" NDATA png>]>'):
        with pytest.raises(Refused, match="entities"):
            parse_xml((prolog + "<d/>").encode(), lambda n, a: None, lambda n: None)
    seen: list[str] = []
    parse_xml(b'<!DOCTYPE d SYSTEM "http://example.com/never-fetched.dtd"><d>&amp;&#233;</d>',
              lambda n, a: None, lambda n: None, seen.append)
    assert "".join(seen) == "&é"


def test_deeply_nested_xml_is_read() -> None:
    depth = 100_000
    nest = "<w:sdt><w:sdtContent>" * depth + w_p("Deep heron words.") + "</w:sdtContent></w:sdt>" * depth
    doc, warnings = _read("deep.docx", make_docx(nest))
    assert warnings == [] and doc is not None and "Deep heron words." in doc.text  # type: ignore[attr-defined]


def test_a_huge_space_count_is_capped() -> None:
    odt = make_odt('<text:p>A<text:s text:c="999999999999"/>heron.</text:p>')
    doc, warnings = _read("s.odt", odt)
    assert warnings == [] and doc is not None and len(doc.text) < 2_000  # type: ignore[attr-defined]


# -- encrypted and damaged archives ----------------------------------------------------------------------------


def test_encrypted_and_damaged_archives_are_skipped(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    ch = xhtml("<p>A locked heron.</p>")
    flipped = bytearray(DOCX)
    at = DOCX.index(b"word/document.xml") + len("word/document.xml") + 10
    flipped[at] ^= 0xFF
    files = {
        "locked.docx": _patch_central(DOCX, "word/document.xml", flags=1),
        "office-password.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000,  # an OLE2 container
        "locked.odt": make_odt(o_p("A locked heron."), encrypted=True),
        "drm.epub": make_epub([("c.xhtml", ch)], encrypted=["OEBPS/c.xhtml"]),
        "truncated.docx": DOCX[: len(DOCX) // 2],
        "garbage.odt": b"PK\x03\x04" + bytes(range(256)) * 8,
        "crc.docx": bytes(flipped),
        "empty.epub": b"",
        "notbook.epub": make_docx(w_p("A heron in the wrong file.")),
    }
    root = make_corpus({**files, "ok.txt": "A plain heron."})
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json")
    no_traceback(result)
    assert [Path(h["path"]).name for h in json.loads(result.stdout)["results"]] == ["ok.txt"]
    errors = {line.split(": ")[2].rsplit("/", 1)[-1]: line for line in result.stderr.splitlines()}
    assert sorted(errors) == sorted(files), result.stderr
    assert "encrypted (password-protected)" in errors["locked.docx"]
    assert "not a zip archive (a password-protected Office file is not one either)" in errors["office-password.docx"]
    assert "password-protected" in errors["locked.odt"]
    assert "encrypted (DRM)" in errors["drm.epub"]
    assert "not an EPUB book" in errors["notbook.epub"]


def test_a_font_obfuscated_in_an_epub_is_no_reason_to_skip() -> None:
    book = make_epub([("c.xhtml", xhtml("<p>An open heron.</p>"))], encrypted=["OEBPS/font.otf"])
    doc, warnings = _read("font.epub", book)
    assert warnings == [] and doc is not None and "An open heron." in doc.text  # type: ignore[attr-defined]


# -- notebooks -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "reason"), [
    (b"{ not json", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"cells": {"0": "a dict"}}', "not a Jupyter notebook"),
    (b'{"cells": "a string"}', "not a Jupyter notebook"),
    (b'["a", "list"]', "not a Jupyter notebook"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[" + b"0," * 4_000_001 + b"0]", "too large a notebook"),
])
def test_notebooks_that_are_not_are_skipped(data: bytes, reason: str) -> None:
    _skipped("nb.ipynb", data, reason)


def test_malformed_cells_are_left_out_with_one_warning() -> None:
    good = json.loads(make_notebook([("markdown", "A heron in a good cell.")]))
    good["cells"] += [7, {"cell_type": "markdown", "source": [1, 2]}, {"cell_type": None},
                      {"cell_type": "markdown", "source": {"x": 1}}]
    doc, warnings = _read("nb.ipynb", json.dumps(good).encode())
    assert warnings == ["nb.ipynb: 4 malformed cells left out"]
    assert doc is not None and "A heron in a good cell." in doc.text  # type: ignore[attr-defined]


# -- mail ----------------------------------------------------------------------------------------------------


def _deep_mime(depth: int) -> bytes:
    head = b"From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n"
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth))
    closing = b"".join(b"\n--b%d--\n" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\n\nA deeply buried heron.\n" + closing


def test_hostile_mail(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    long_subject = "Heron " + "x" * 1_000_000
    files = {
        "deep.eml": _deep_mime(1000),
        "junk.eml": b"\x00\x01\x02binary heron" * 100,
        "attachment.eml": (b"From: a@example.org\nSubject: files\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
                           b'boundary="B"\n\n--B\nContent-Type: application/pdf\nContent-Disposition: attachment\n\n'
                           b"%PDF heron\n--B--\n"),
        "nobox.mbox": b"Just some heron text, no From line.\n",
    }
    kept = {
        "long.eml": make_eml("A heron under a long subject.\n", subject=long_subject),
        "words.eml": make_eml("A heron under encoded words.\n", subject="=?a?q?" * 200_000),
        "badword.eml": make_eml("A heron under a bad encoded word.\n", subject="=?utf-8?b?!!!notbase64?="),
        "charset.eml": make_eml("A heron in an unknown charset.\n", charset="x-unknown-8"),
        "inbox.mbox": make_mbox([make_eml("A heron in a good message.\n", subject="Good"), _deep_mime(1000),
                                 make_eml("Another heron, after the bad one.\n", subject="After")]),
    }
    root = make_corpus({**files, **kept})
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json", timeout=120)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["results"]
    assert {Path(h["path"]).name for h in hits} == set(kept)
    assert {h["message"] for h in hits if h["source"].endswith(".mbox")} == {1, 3}
    titles = {Path(h["path"]).name: h["title"] for h in hits}
    assert titles["long.eml"] == long_subject[:200] and len(titles["words.eml"]) <= 200
    assert titles["badword.eml"] == "=?utf-8?b?!!!notbase64?="
    errors = sorted(result.stderr.splitlines())
    assert errors == sorted([
        f"qa: warning: skipping {root / 'deep.eml'}: malformed mail: its MIME structure is nested too deeply",
        f"qa: warning: skipping binary file {root / 'junk.eml'}",
        f"qa: warning: skipping {root / 'attachment.eml'}: no text part (attachments only?)",
        f"qa: warning: skipping {root / 'nobox.mbox'}: not an mbox (no 'From ' line starts a message)",
        f"qa: warning: {root / 'charset.eml'}: unknown charset 'x-unknown-8' read as UTF-8",
        f"qa: warning: {root / 'inbox.mbox'}: malformed message left out: 2 (its MIME structure is nested too deeply)",
    ]), result.stderr


def test_a_mime_tree_too_wide_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qa.formats.mail.MAX_PARTS", 50)
    parts = b"".join(b"--B\nContent-Type: image/png\n\nx\n" for _ in range(60))
    data = (b"From: a@example.org\nSubject: wide\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
            + parts + b"--B--\n")
    _skipped("wide.eml", data, "more than 50 MIME parts")


# -- gzip ----------------------------------------------------------------------------------------------------


def _gzip_bomb(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(megabytes)) + packer.flush()


def test_a_gzip_bomb_stops_at_the_limit_in_bounded_memory(tmp_path: Path) -> None:
    from qa.corpus import SourceFile, read_document

    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(_gzip_bomb(300))
    warnings: list[str] = []
    tracemalloc.start()
    try:
        doc = read_document(SourceFile(path, "bomb.txt.gz"), warnings.append)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc is None and warnings == ["skipping bomb.txt.gz: it inflates past 100 MB (a gzip bomb?)"]
    assert peak < MAX_MEMBER_BYTES * 1.5  # the limit and a piece, never the 300 MB


def test_damaged_gzip_files_are_skipped(run_qa: RunQA, make_corpus: MakeCorpus) -> None:
    good = gzip.compress(b"A compressed heron.\n" * 50)
    crc = bytearray(good)
    crc[-8] ^= 0xFF
    files = {"truncated.md.gz": good[: len(good) // 2], "notgzip.txt.gz": b"plain heron text, not compressed",
             "crc.txt.gz": bytes(crc), "empty.txt.gz": b""}
    root = make_corpus({**files, "ok.txt.gz": good})
    result = run_qa("ask", "--docs", str(root), "heron", "-k", "10", "--format", "json")
    no_traceback(result)
    assert {Path(h["path"]).name for h in json.loads(result.stdout)["results"]} == {"ok.txt.gz"}
    errors = sorted(result.stderr.splitlines())
    assert len(errors) == 3 and all(f"{root}/" in e and "skipping" in e for e in errors), errors
    assert gunzip(b"") == b""  # an empty file is an empty document, as an empty .txt
    assert "truncated" in next(e for e in errors if "truncated.md.gz" in e)


def test_gzip_reads_what_the_gzip_module_reads() -> None:
    text = ("line %d of a heron log\n" * 5000 % tuple(range(5000))).encode()
    data = gzip.compress(text[:40_000]) + gzip.compress(text[40_000:])
    assert gunzip(data) == gzip.decompress(data) == text


@pytest.mark.skipif(sys.platform != "linux", reason="a Debian folder")
def test_debian_documentation_names(make_corpus: MakeCorpus, run_qa: RunQA) -> None:
    root = make_corpus({"NEWS.Debian.gz": gzip.compress(b"qa (1.0-1) unstable\n\n  * The heron news.\n"),
                        "copyright": "Heron copyright text.\n"})
    result = run_qa("ask", "--docs", str(root), "heron news", "-k", "1", "--format", "json")
    assert json.loads(result.stdout)["results"][0]["source"].endswith("NEWS.Debian.gz")


# -- any damage --------------------------------------------------------------------------------------------------------

_XML_SAMPLES = {
    "a.docx": (make_docx(w_p("Title", "Title") + w_p("Hello world.", "Heading1") + w_p("x", outline=2),
                         title="T", footnotes=["n"]), "word/document.xml"),
    "a.odt": (make_odt(o_p("Hello  world.\tx\ny") + "<text:p>a<text:note><text:note-body><text:p>n</text:p>"
                       "</text:note-body></text:note></text:p>"), "content.xml"),
    "a.epub": (make_epub([("c.xhtml", xhtml("<h1>x</h1><p>Hello.</p>"))]), "OEBPS/content.opf"),
}
_RAW_SAMPLES = {
    "a.ipynb": make_notebook([("markdown", "# T\n\nHello."), ("code", "x")]),
    "a.eml": make_eml("Hello.\n\n> q\n", html="<p>hi</p>", encoding="quoted-printable"),
    "a.mbox": make_mbox([make_eml("Hello.\n"), make_eml("Two.\n", encoding="base64")]),
}
_EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(
    [b"", b"<", b">", b"&", b"&#0;", b'"', b"\xff", b"\x00", b"\n", b"<w:p>", b"</text:p>", b"{", b"]", b",",
     b'<?xml version="1.0" encoding="x-unknown"?>', b'<!DOCTYPE d [<!ENTITY e "e">]>', b"--B\n",
     b"Content-Type: multipart/mixed; boundary=B\n", b"=?utf-8?b?", b"From "])), min_size=1, max_size=6)


def _damaged(data: bytes, edits: list[tuple[float, bytes]]) -> bytes:
    out = bytearray(data)
    for where, piece in edits:
        at = int(where * len(out))
        out[at : at + (0 if piece else 7)] = piece  # insert a piece, or cut 7 bytes
    return bytes(out)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(sample=st.sampled_from(sorted(_XML_SAMPLES)), edits=_EDITS)
def test_damaged_xml_inside_an_archive_never_raises(sample: str, edits: list[tuple[float, bytes]]) -> None:
    data, member = _XML_SAMPLES[sample]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            raw = src.read(info)
            zf.writestr(info.filename, _damaged(raw, edits) if info.filename == member else raw)
    _read(sample, out.getvalue())  # an Extracted or None: never an exception


@settings(max_examples=150, deadline=None, derandomize=True)
@given(sample=st.sampled_from(sorted([*_XML_SAMPLES, *_RAW_SAMPLES])), edits=_EDITS)
def test_damaged_bytes_never_raise(sample: str, edits: list[tuple[float, bytes]]) -> None:
    data = _XML_SAMPLES[sample][0] if sample in _XML_SAMPLES else _RAW_SAMPLES[sample]
    _read(sample, _damaged(data, edits))
