"""Manual pages: the roff source of ``ls.1``, ``printf.3.gz``, read as ``man`` shows it.

Requests and escapes are blanked in place (newlines kept), so a citation's
``line:column`` is the place in the source file, and what is shown reads like
the formatted page (``.BR ls (1)`` shows ``ls(1)``, ``\\-`` a hyphen,
``\\(em`` a dash):

- ``.TH NAME SECTION`` gives the title, ``NAME(SECTION)``; ``.SH`` and ``.SS``
  name the sections of what follows (``DESCRIPTION > Options``) and are no
  sentences;
- a tagged paragraph's tag (``.TP`` and the line after it, ``.IP tag``: an
  option, a function, a term) is not a sentence but the *label* of the
  paragraph it describes, as a definition list's ``<dt>`` is in HTML; tags of
  nested lists (``.RS``/``.RE``) are joined: ``--sort > size``;
- paragraph macros (``.PP``, ``.LP``, ``.P``, ``.TP``, ``.IP``, ``.sp``, ``.br``...)
  and blank lines separate paragraphs; font macros (``.B``, ``.I``, ``.BR``,
  ``.IR``...) are text with their quotes blanked;
- what is not prose is left out: comments, macro definitions, no-fill and
  example blocks (``.nf``/``.fi``, ``.EX``/``.EE``: code and synopses), the
  SYNOPSIS section (signatures, as the HTML reader leaves out ``<dt class=sig>``)
  and every other request; a ``tbl`` table's format lines are blanked and each
  of its rows is a paragraph.

BSD's mdoc pages (``.Dd``, ``.Sh``, ``.It``...) are read the same way, their
macro names blanked. Nothing is ever run or included (``.so`` is not followed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.formats import Extracted, blocks_between

#: Requests that start a paragraph (a break), besides headings and tagged paragraphs.
_BREAKS = frozenset("PP LP P sp br HP RS RE in ti nf fi EX EE TS TE Pp Lp Bl El Bd Ed D1 Dl Rs Re ns".split())
_FONT = frozenset("B I SM SB".split())
_ALTERNATE = frozenset("BI BR IB IR RB RI".split())
_HEADINGS = {"SH": 1, "SS": 2, "Sh": 1, "Ss": 2}
#: mdoc macros that are called by name inside mdoc lines: blanked, their arguments kept.
_MDOC = frozenset("""
    Ad An Ao Ac Aq Ar At Bc Bf Bo Bq Brc Bro Brq Bsx Bx Cd Cm Dc Do Dq Dv Ec Em En Eo Er Es Ev Ex Fa Fc Fd Fl Fn
    Fo Fr Ft Fx Hf Ic In Lb Li Lk Me Ms Mt Nm No Ns Nx Oc Oo Op Ot Ox Pa Pc Pf Po Pq Qc Ql Qo Qq Sc So Sq St Sx Sy
    Ta Tn Ux Va Vt Xc Xo Xr Nd It
""".split())
#: Special characters ``\\(xx`` / ``\\[xx]`` as the page shows them (the common ones; others are blanked).
_SPECIAL = {
    "em": "\u2014", "en": "\u2013", "hy": "-", "mi": "-", "bu": "\u2022", "co": "\u00a9", "rg": "\u00ae",
    "tm": "\u2122", "aq": "'", "dq": '"', "lq": "\u201c", "rq": "\u201d", "oq": "\u2018", "cq": "\u2019",
    "mu": "\u00d7", "di": "\u00f7", ">=": "\u2265", "<=": "\u2264", "!=": "\u2260", "->": "\u2192",
    "<-": "\u2190", "de": "\u00b0", "+-": "\u00b1", "ga": "`", "aa": "\u00b4", "ti": "~", "ha": "^",
    "rs": "\\", "sl": "/", "ba": "|", "or": "|", "at": "@", "sh": "#", "Do": "$", "lB": "[", "rB": "]",
    "lC": "{", "rC": "}", "la": "\u27e8", "ra": "\u27e9", "fm": "\u2032", "sc": "\u00a7", "ps": "\u00b6",
    "Fo": "\u00ab", "Fc": "\u00bb", "ss": "\u00df", "oe": "\u0153", "ae": "\u00e6", "pi": "\u03c0",
}
#: Predefined strings ``\\*(xx`` that man(7) and mdoc pages use for quotes and marks.
#: ``Aq`` is the apostrophe DocBook's stylesheets define.
_STRINGS = {"lq": "\u201c", "rq": "\u201d", "R": "\u00ae", "Tm": "\u2122", "aq": "'", "Aq": "'", "q": '"'}
_ESCAPE = re.compile(r"""\\(?:
      (?P<font>f(?:\[[^\]\n]*\]|\(..|.))
    | \((?P<special2>..)
    | \[(?P<special>[^\]\n]*)\]
    | \*(?:\[(?P<string>[^\]\n]*)\]|\((?P<string2>..)|(?P<string1>.))
    | s(?:[-+]?\d|\([-+]?\d\d|\[[^\]\n]*\]|[-+]\(\d\d|'[^'\n]*')
    | [nmgkYV$](?:\[[^\]\n]*\]|\(..|[-+]?.)
    | [hvwNoZlLbxXDRSHzAB]'[^'\n]*'
    | (?P<comment>"|\#).*
    | (?P<space>[ 0~])
    | (?P<char>[-.e\\'`])
    | [^\n]
)""", re.VERBOSE)
_CHAR = {"-": "-", ".": ".", "e": "\\", "\\": "\\", "'": "\u00b4", "`": "`"}
_REQUEST = re.compile(r"[.'][ \t]*([^ \t\n\\]*)")
_ROFF_START = re.compile(r"^[.'][ \t]*(?:TH|Dd|Dt|SH|Sh|so)\b", re.MULTILINE)
#: Leading lines a page may open with before its first real request: comments and blank lines.
_SNIFF = 4096


def looks_like_roff(text: str) -> bool:
    """Whether ``text`` is a manual page's source: one of its first lines is ``.TH``, ``.Dd``, ``.SH`` or ``.so``.

    Files named like pages that are not (``ChangeLog.1``, a rotated log) are read as plain text.
    """
    return _ROFF_START.search(text, 0, _SNIFF) is not None


def _arguments(line: str, start: int) -> list[tuple[int, int]]:
    """Spans (in ``line``) of the arguments of a request whose name ends at ``start``: quotes group words."""
    out: list[tuple[int, int]] = []
    i, n = start, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        if line[i] == '"':
            j = i + 1
            while j < n and not (line[j] == '"' and (j + 1 >= n or line[j + 1] != '"')):
                j += 2 if line[j] == '"' else 1
            out.append((i + 1, min(j, n)))
            i = j + 1
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 2 if line[j] == "\\" else 1
            out.append((i, min(j, n)))
            i = j
    return out


@dataclass(slots=True)
class _Page:
    """What the line scan builds: the blanked text, what is shown, breaks, sections and labels."""

    chars: list[str]
    shown: bytearray
    cuts: list[int] = field(default_factory=list)
    heads: list[tuple[int, str | None]] = field(default_factory=list)
    labels: list[tuple[int, str | None]] = field(default_factory=list)
    path: list[tuple[int, str]] = field(default_factory=list)
    outer: list[str | None] = field(default_factory=list)  # labels of the lists .RS nested this one in
    label: str | None = None
    title: str | None = None

    def keep(self, source: str, start: int, end: int) -> str:
        """Show ``source[start:end]`` with its escapes read; return the text as shown (for names and labels)."""
        out: list[str] = []
        pos = start
        for m in _ESCAPE.finditer(source, start, end):
            self._put(source, pos, m.start(), out)
            value = _escape_value(m)
            if value:
                self.chars[m.start()] = value
                self.shown[m.start()] = 1
                out.append(value)
            pos = m.end()
            if m.group("comment") is not None:
                break
        self._put(source, pos, end, out)
        return "".join(out)

    def _put(self, source: str, start: int, end: int, out: list[str]) -> None:
        if start >= end:
            return
        self.chars[start:end] = source[start:end]
        self.shown[start:end] = b"\x01" * (end - start)
        out.append(source[start:end])

    def newline(self, at: int, source: str) -> None:
        """Show the line break at ``at`` (a text line's end: a space between its words and the next line's)."""
        if at < len(source) and source[at] == "\n":
            self.shown[at] = 1

    def set_label(self, pos: int, label: str | None) -> None:
        self.label = label
        path = [x for x in (*self.outer, label) if x]
        self.labels.append((pos, " > ".join(path) or None))

    def heading(self, pos: int, level: int, name: str) -> None:
        name = " ".join(name.split())
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        if name:
            self.path.append((level, name))
        self.heads.append((pos, " > ".join(h for _, h in self.path) or None))
        self.outer = []
        self.set_label(pos, None)


def _escape_value(m: re.Match[str]) -> str:
    """What an escape shows, in at most as many characters as it takes in the source ("" for nothing)."""
    if m.group("space") is not None:
        return " "
    char = m.group("char")
    if char is not None:
        return _CHAR[char]
    name = m.group("special2") or m.group("special")
    if name is not None:
        if name.startswith("u") and len(name) in (5, 6) and all(c in "0123456789ABCDEFabcdef" for c in name[1:]):
            return chr(int(name[1:], 16))
        return _SPECIAL.get(name, "")
    string = m.group("string") or m.group("string2") or m.group("string1")
    if string is not None:
        value = _STRINGS.get(string, "")
        return value if len(value) < m.end() - m.start() else ""
    return ""


def extract_man(text: str) -> Extracted:
    """A manual page's roff source to blanked text (same length) with paragraphs, sections, labels and title."""
    page = _Page([c if c in "\r\n" else " " for c in text], bytearray(len(text)))
    scan = _Scan(page, text)
    pos = 0
    for line in text.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        scan.line(start, line.rstrip("\r\n"), pos)
    page.cuts.append(len(text))
    masked = "".join(page.chars)
    heads = sorted(page.heads, key=lambda h: h[0])
    labels = sorted(page.labels, key=lambda h: h[0])
    blocks = blocks_between(masked, page.cuts, heads, blank_lines=False, labels=labels)
    blocks = [b for b in blocks if any(c.isalnum() for c in masked[b.start : b.end])]
    hidden = bytes(page.shown).translate(_FLIP)
    return Extracted(text=masked, blocks=blocks, title=page.title, hidden=hidden)


@dataclass(slots=True)
class _Scan:
    """The line-by-line state of reading a page."""

    page: _Page
    text: str
    mdoc: bool = False
    skip_until: str | None = None  # ".." ends a macro definition, "fi" no-fill or an example, "TE" a table
    table_format: bool = False  # reading a table's format lines
    table_cell: bool = False  # inside a table's T{ ... T} text cell
    tag_next: bool = False  # the next line is a .TP tag
    join_tag: bool = False  # ... an extra one (.TQ), added to the label
    heading_next: int = 0  # the next line is the text of a heading of this level
    synopsis: bool = False
    conditional: int = 0  # depth of ".if ... \\{" blocks: formatting machinery (bullets, numbers)

    def line(self, start: int, body: str, end: int) -> None:
        page, text = self.page, self.text
        m = _REQUEST.match(body)
        name = m.group(1) if m else ""
        depth = self.conditional
        self.conditional = max(0, depth + (body.count("\\{") if m else 0) - body.count("\\}"))
        if depth and m is None:
            return  # text a condition chooses (an nroff bullet, a number): not the page's prose
        if self.skip_until is not None:
            self._skipped(start, body, name, m is None)
            return
        if m is None:
            if not body.strip():
                page.cuts.append(start)
            elif self.heading_next:
                self._heading(start, self.heading_next, page.keep(text, start, start + len(body)))
                _unshow(page, start, end)
            elif self.synopsis:
                return
            elif self.tag_next:
                self._tag(start, end, page.keep(text, start, start + len(body)))
            else:
                page.keep(text, start, start + len(body))
                page.newline(start + len(body), text)
            return
        args = _arguments(body, m.end())
        words = [body[a:b] for a, b in args]
        if name in ("TH", "Dt"):
            page.title = f"{_plain(words[0])}({_plain(words[1])})" if len(words) >= 2 else (
                _plain(words[0]) if words else None)
        elif name == "Dd":
            self.mdoc = True
        elif name in _HEADINGS:
            if words:
                self._heading(start, _HEADINGS[name], " ".join(_plain(w) for w in words))
            else:
                self.heading_next = _HEADINGS[name]
        elif name in ("de", "am", "ig"):
            self.skip_until = (words[0] if words else "..") if name == "ig" else ".."
        elif name in ("nf", "EX", "TS"):
            page.cuts.append(start)
            self.skip_until = "TE" if name == "TS" else "fi"
            self.table_format = name == "TS"
        elif self.synopsis:
            return
        elif name in ("TP", "TQ"):
            page.cuts.append(start)
            self.tag_next, self.join_tag = True, name == "TQ"
        elif name == "IP" or (self.mdoc and name == "It"):
            page.cuts.append(start)
            label = " ".join(_mdoc_words(words)) if name == "It" else (_plain(words[0]) if words else "")
            page.set_label(start, _label(label))
        elif name == "RS":
            term = self._term(start)
            page.cuts.append(start)
            page.outer.append(page.label)
            page.set_label(start, term)
        elif name == "RE":
            page.cuts.append(start)
            page.set_label(start, page.outer.pop() if page.outer else None)
        elif name in ("PP", "LP", "P", "HP", "Pp", "Lp"):
            page.cuts.append(start)
            page.outer = []
            page.set_label(start, None)
        elif name in _BREAKS:
            page.cuts.append(start)
        elif args and (name in _FONT or name in _ALTERNATE or (self.mdoc and name in _MDOC)):
            shown = self._macro_text(start, body, args, glued=name in _ALTERNATE)
            if self.tag_next:
                self._tag(start, end, shown)
            else:
                page.newline(start + len(body), text)
        # Any other request (.ft, .ad, .hy, .ne, .PD, .if, .ds, .so...) is machinery: blanked.

    def _term(self, start: int) -> str | None:
        """A short line ending without punctuation just before an indented block (``.RS``): the term the
        block describes (DocBook's variable lists: ``.PP`` ``--squash=<commit>`` ``.RS 4`` ...). It becomes
        the block's label and is no sentence; None (and nothing changed) when there is none."""
        page = self.page
        last = max((c for c in page.cuts[-8:] if c <= start), default=0)
        shown = " ".join("".join(page.chars[i] for i in range(last, start) if page.shown[i]).split())
        if not shown or len(shown) > _TERM_MAX or shown[-1] in ".:;,!?" or not any(c.isalpha() for c in shown):
            return None
        _unshow(page, last, start)
        return shown

    def _heading(self, start: int, level: int, name: str) -> None:
        self.heading_next = 0
        self.tag_next = False
        self.page.cuts.append(start)
        self.page.heading(start, level, name)
        self.synopsis = " ".join(name.split()).upper() in ("SYNOPSIS", "SYNTAX")

    def _tag(self, start: int, end: int, shown: str) -> None:
        """The line ``[start, end)`` is a tagged paragraph's tag: the label of what follows, not a sentence."""
        page = self.page
        label = _label(shown)
        if self.join_tag and page.label and label:
            label = f"{page.label}, {label}"[:_LABEL_MAX]
        page.set_label(start, label or (page.label if self.join_tag else None))
        self.tag_next = self.join_tag = False
        _unshow(page, start, end)
        page.cuts.append(end)

    def _macro_text(self, start: int, body: str, args: list[tuple[int, int]], *, glued: bool) -> str:
        """Show a font (or mdoc) macro's arguments: alternating fonts glue them (``ls(1)``); return the text."""
        page, text = self.page, self.text
        out: list[str] = []
        prev_end: int | None = None
        dash = False  # mdoc's "Fl x" shows "-x"
        for a, b in args:
            word = body[a:b]
            if self.mdoc and word in _MDOC:
                if word == "Fl":
                    page.chars[start + b - 1] = "-"
                    page.shown[start + b - 1] = 1
                    if prev_end is not None and not glued:
                        _show_gap(page, start + prev_end, start + a)
                        out.append(" ")
                    out.append("-")
                    prev_end, dash = b, True
                continue
            if prev_end is not None and not glued and not dash:
                _show_gap(page, start + prev_end, start + a)
                out.append(" ")
            out.append(page.keep(text, start + a, start + b))
            prev_end, dash = b, False
        return "".join(out)

    def _skipped(self, start: int, body: str, name: str, is_text: bool) -> None:
        """A line inside a macro definition, a no-fill block or a table."""
        page = self.page
        if self.skip_until == "TE":
            if self.table_format:
                if not is_text and name == "TE":
                    self.skip_until, self.table_format = None, False
                else:
                    self.table_format = not body.rstrip().endswith(".")
                return
            if is_text:
                self._table_row(start, body)
                return
            if name == "T&":
                self.table_format = True
            elif name == "TE":
                self.skip_until = None
                page.cuts.append(start)
            return
        if not is_text and (name == self.skip_until or (self.skip_until == "fi" and name in ("fi", "EE"))):
            self.skip_until = None
            page.cuts.append(start)

    def _table_row(self, start: int, body: str) -> None:
        """A table's data line: each row (or each line of a ``T{`` text cell) is shown; a row is a paragraph."""
        page, text = self.page, self.text
        if not self.table_cell:
            page.cuts.append(start)
        end = start + len(body)
        page.keep(text, start, end)
        page.newline(end, text)
        if body.startswith("T}"):
            _unshow(page, start, start + 2)
            self.table_cell = False
        for cell in re.finditer(r"T\{$", body):
            _unshow(page, start + cell.start(), start + cell.end())
            self.table_cell = True


_LABEL_MAX = 200
#: The longest line read as the term of the indented block after it.
_TERM_MAX = 120


def _label(shown: str) -> str | None:
    """A tag as a label (whitespace collapsed), or None when it names nothing (a bullet, a number)."""
    label = " ".join(shown.split())
    return label[:_LABEL_MAX] if any(c.isalpha() for c in label) else None


def _mdoc_words(words: list[str]) -> list[str]:
    """The words of an mdoc ``.It`` line as shown: macro names dropped, ``Fl x`` read ``-x``."""
    out: list[str] = []
    dash = False
    for word in words:
        if word in _MDOC:
            dash = dash or word == "Fl"
            continue
        out.append(("-" if dash else "") + _plain(word))
        dash = False
    return out


def _show_gap(page: _Page, start: int, end: int) -> None:
    """Show the blanks between two arguments as the space between two words."""
    page.chars[start:end] = " " * (end - start)
    page.shown[start:end] = b"\x01" * (end - start)


def _unshow(page: _Page, start: int, end: int) -> None:
    """Blank ``[start, end)`` again: a tag labels its paragraph and is not a sentence of it."""
    for i in range(start, end):
        if page.chars[i] not in "\r\n":
            page.chars[i] = " "
        page.shown[i] = 0


def _plain(arg: str) -> str:
    """A request argument as shown: escapes read, nothing recorded (for titles and headings)."""
    scratch = _Page([" "] * len(arg), bytearray(len(arg)))
    return scratch.keep(arg, 0, len(arg))


_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")
