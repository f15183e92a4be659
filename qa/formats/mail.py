"""Saved mail: ``.eml`` (one message) and ``.mbox`` (many), each message's text.

Parsed with the standard library's :mod:`email` (the lenient ``compat32``
parser, which never evaluates anything). Of each message, the first
``text/plain`` part that is not an attachment is read, else the first
``text/html`` part, read as HTML; encoded bodies (quoted-printable, base64)
are decoded and charsets honoured. Quoted lines (``> ``), the attribution
line before them (``On ..., X wrote:``), everything after a signature
separator (``-- ``) or an ``-----Original Message-----`` line, and in HTML
bodies ``<blockquote>`` elements are left out:
they are other messages' text, indexed where it was written.

Citations: a ``.eml`` whose body is stored as plain text in the file is
cited ``mail.eml:line:col`` (the file's own lines); one whose body had to be
decoded, just ``mail.eml``. A message of an mbox is ``inbox.mbox#msg=N``
(N from 1, in file order, split at ``From `` lines as :mod:`mailbox` does).
The subject is the title (in an mbox, each message's section); ``From`` and
``Date`` (ISO 8601 when it parses) go with each result.

Untrusted input: headers are cut to :data:`HEADER_MAX` characters before
being decoded, a MIME tree too deep for the parser or wider than
:data:`MAX_PARTS` parts is malformed, and an unknown charset is read as
UTF-8 with one warning. A message that cannot be read is skipped with a
warning; in an mbox, one warning names them all and the rest is read.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from qa.formats import Block, Extracted, Part, Warn, paragraphs
from qa.formats.pieces import Pieces, clip

#: Characters of a header kept before it is decoded (RFC 5322 lines are at most 998).
HEADER_MAX = 2000
#: MIME parts looked at per message.
MAX_PARTS = 10_000


class _RawHeaders(type(compat32)):  # type: ignore[misc]
    """compat32, but headers come back as the text in the file (decoded here, with limits)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawHeaders()


@dataclass(slots=True)
class _Body:
    """A message's text as indexed and where it is in the file."""

    text: str
    blocks: list[Block]
    raw_at: int | None  # byte offset of the body in the message when stored verbatim
    found: bool = True  # whether the message has a text part at all
    subject: str | None = None
    sender: str | None = None
    date: str | None = None
    notes: list[str] = field(default_factory=list)
    hidden: bytes | None = None  # blanked HTML markup (qa.formats.Extracted)


class _Malformed(Exception):
    """A message that cannot be read (the message says why)."""


def _header(msg: Message, key: str) -> str | None:
    """A header's value on one line, RFC 2047 encoded words decoded."""
    value = msg.get(key)
    if not isinstance(value, str):
        return None
    value = value[:HEADER_MAX]
    if not value.isascii():  # 8-bit bytes in a header: UTF-8 in practice
        return clip(value.encode("ascii", "surrogateescape").decode("utf-8", "replace"))
    if "=?" in value:
        from email.errors import MessageError
        from email.header import decode_header, make_header

        with contextlib.suppress(ValueError, LookupError, UnicodeError, TypeError, AttributeError, MessageError):
            value = str(make_header(decode_header(value)))  # a bad encoded word: the text as written
    return clip(value)


def _date(msg: Message) -> str | None:
    """The ``Date`` header in ISO 8601 when it parses, else as written."""
    value = _header(msg, "date")
    if value is None:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value).isoformat()
    except (ValueError, TypeError, IndexError, OverflowError):
        return value


def _text_parts(msg: Message) -> tuple[Message | None, Message | None]:
    """The first inline text/plain part and the first text/html part (None where there is none)."""
    plain: Message | None = None
    html: Message | None = None
    stack: list[Message] = [msg]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            raise _Malformed(f"more than {MAX_PARTS:,} MIME parts")
        ctype = part.get_content_type()
        if part.is_multipart():
            if not ctype.startswith("message/"):  # an attached message is an attachment
                children = part.get_payload()
                if isinstance(children, list):
                    stack.extend(reversed([c for c in children if isinstance(c, Message)]))
            continue
        if (part.get("content-disposition") or "").strip().lower().startswith("attachment"):
            continue
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and html is None:
            html = part
        if plain is not None and html is not None:
            break
    return plain, html


def _charset(part: Message) -> str | None:
    try:
        found = part.get_content_charset()
    except (ValueError, LookupError, UnicodeError, TypeError):
        return None
    return found if isinstance(found, str) else None


def _decode(payload: bytes, part: Message, notes: list[str]) -> str:
    """The payload as text in the part's charset; UTF-8 (with a note) when Python does not know it."""
    charset = _charset(part) or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):  # unknown, or not a text encoding (rot13)
        notes.append(f"unknown charset {clip(charset, 40)!r} read as UTF-8")
        return payload.decode("utf-8", errors="replace")


_QUOTED = re.compile(r"^[ \t]*>[^\n]*", re.MULTILINE)
_ATTRIBUTION = re.compile(r"^[^\n>]{0,300}\bwrote:[ \t]*\r?(?=\n(?:[ \t]*\r?\n)?[ \t]*>)", re.MULTILINE)
_SIGNATURE = re.compile(r"^(?:-- ?|-----Original Message-----)[ \t]*\r?$", re.MULTILINE)
_MBOXRD_FROM = re.compile(r"^>(>*From )", re.MULTILINE)
_NOT_NEWLINE = re.compile(r"[^\r\n]")


def _blank(match: re.Match[str]) -> str:
    return _NOT_NEWLINE.sub(" ", match.group())


def unquoted(text: str, mbox: bool = False) -> str:
    """``text`` (same length and lines) with quoted lines, their attribution and the signature blanked.

    In an mbox, ``>From `` at a line start is a ``From `` line escaped by the
    mail store (mboxrd), not a quotation: its first ``>`` is blanked instead.
    """
    if mbox:
        text = _MBOXRD_FROM.sub(r" \1", text)
    cut = _SIGNATURE.search(text)
    if cut is not None:
        text = text[: cut.start()] + _NOT_NEWLINE.sub(" ", text[cut.start() :])
    text = _ATTRIBUTION.sub(_blank, text)
    return _QUOTED.sub(_blank, text)


_BLOCKQUOTE = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)


def unquoted_html(text: str) -> str:
    """``text`` (same length and lines) with every ``<blockquote>`` blanked: how mail programs quote in HTML."""
    out: list[str] = []
    done = depth = 0
    start = 0
    for tag in _BLOCKQUOTE.finditer(text):
        if not tag.group(1):
            if depth == 0:
                start = tag.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                out += (text[done:start], _NOT_NEWLINE.sub(" ", text[start : tag.end()]))
                done = tag.end()
    if depth:  # never closed: quoted to the end
        out += (text[done:start], _NOT_NEWLINE.sub(" ", text[start:]))
        done = len(text)
    out.append(text[done:])
    return "".join(out)


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def read_message(raw: bytes, mbox: bool = False) -> _Body:
    """One message's readable text (none when it has no text part) and headers.

    Raises:
        _Malformed: the message cannot be parsed.
    """
    from qa.formats.html import extract_html

    try:
        msg = BytesParser(policy=_POLICY).parsebytes(raw)
        plain, html = _text_parts(msg)
        payload = plain.get_payload(decode=True) if plain is not None else None
        part, is_html = plain, False
        if html is not None and not (isinstance(payload, bytes) and payload.strip()):  # no text, or a blank one
            part, is_html = html, True
            payload = html.get_payload(decode=True)
    except RecursionError as exc:
        raise _Malformed("its MIME structure is nested too deeply") from exc
    except _Malformed:
        raise
    except Exception as exc:  # the parser is lenient; anything it still raises means a broken message
        raise _Malformed(f"it cannot be parsed ({type(exc).__name__})") from exc
    subject, sender, date = _header(msg, "subject"), _header(msg, "from"), _date(msg)
    if part is None or not isinstance(payload, bytes):
        return _Body("", [], None, found=False, subject=subject, sender=sender, date=date)
    notes: list[str] = []
    text = _decode(payload, part, notes)
    raw_at = _verbatim(raw, part, payload, text)
    if is_html:
        read = extract_html(unquoted_html(text))
        return _Body(read.text, read.blocks, raw_at, subject=subject, sender=sender, date=date, notes=notes,
                     hidden=read.hidden)
    masked = unquoted(text, mbox)
    return _Body(masked, paragraphs(masked), raw_at, subject=subject, sender=sender, date=date, notes=notes)


def _verbatim(raw: bytes, part: Message, payload: bytes, text: str) -> int | None:
    """Where the body's bytes are in the message when it is stored as they are (no transfer encoding), else None."""
    encoding = str(part.get("content-transfer-encoding") or "").strip().lower()
    if encoding not in ("", "7bit", "8bit", "binary") or not payload or text.count("\n") != payload.count(b"\n"):
        return None
    head = _HEADER_END.search(raw)
    at = raw.find(payload, head.end() if head else 0)
    return at if at >= 0 else None


class _Lines:
    """1-based line numbers of increasing byte offsets of one file, counted once."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.line = data, 0, 1

    def at(self, offset: int) -> int:
        self.line += self.data.count(b"\n", self.pos, offset)
        self.pos = offset
        return self.line


def _binary(data: bytes, name: str, warn: Warn) -> bool:
    """Mail is text: NUL bytes near the start mean some other file (warned)."""
    if b"\x00" in data[:8192]:
        warn(f"skipping binary file {name}")
        return True
    return False


def extract_eml(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """One message: its text, subject as title; None (warned) when it is malformed or has no text part."""
    if _binary(data, name, warn):
        return None
    try:
        body = read_message(data)
    except _Malformed as exc:
        warn(f"skipping {name}: malformed mail: {exc}")
        return None
    if not body.found:
        warn(f"skipping {name}: no text part (attachments only?)")
        return None
    for note in body.notes:
        warn(f"{name}: {note}")
    lines = _Lines(data)
    part = Part("message", 0, line=lines.at(body.raw_at) if body.raw_at is not None else 1,
                raw=body.raw_at is not None, at=1, sender=body.sender, date=body.date)
    pieces = Pieces()
    pieces.add(body.text, body.blocks, part, hidden=body.hidden)
    return pieces.extracted(body.subject)


_FROM_LINE = re.compile(rb"^From ", re.MULTILINE)


def message_starts(data: bytes) -> list[int]:
    """Byte offsets of the ``From `` lines that start the messages of an mbox (as :mod:`mailbox` splits it)."""
    return [m.start() for m in _FROM_LINE.finditer(data)]


def extract_mbox(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """Every message of an mbox, cited ``#msg=N``; None (warned) when the file is not an mbox."""
    if _binary(data, name, warn):
        return None
    starts = message_starts(data)
    if not starts:
        warn(f"skipping {name}: not an mbox (no 'From ' line starts a message)")
        return None
    lines = _Lines(data)
    pieces = Pieces()
    bad: list[str] = []
    notes: set[str] = set()
    for number, (start, stop) in enumerate(zip(starts, [*starts[1:], len(data)], strict=True), start=1):
        at = lines.at(start)
        first = data.find(b"\n", start, stop)
        body_start = stop if first < 0 else first + 1
        try:
            body = read_message(data[body_start:stop], mbox=True)
        except _Malformed as exc:
            bad.append(f"{number} ({exc})")
            continue
        if not body.blocks:
            continue
        notes.update(body.notes)
        raw = body.raw_at is not None
        line = lines.at(body_start + body.raw_at) if body.raw_at is not None else 1
        part = Part("message", number, line=line, raw=raw, at=at, sender=body.sender, date=body.date)
        pieces.add(body.text, body.blocks, part, prefix=body.subject, hidden=body.hidden)
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        warn(f"{name}: malformed message{'s' if len(bad) > 1 else ''} left out: {shown}")
    for note in sorted(notes):
        warn(f"{name}: {note}")
    return pieces.extracted(None)
