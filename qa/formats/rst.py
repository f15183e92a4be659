"""reStructuredText: index the prose, not the markup, and keep every offset.

Read ``.rst`` files and Sphinx's ``_sources/*.rst.txt`` copies the way their
HTML renders them, with markup blanked in place (newlines kept) so that
``line:column`` is the place in the file:

- section titles (a line under- and optionally overlined with one punctuation
  character) are not sentences: they name the sections of what follows, and
  the first one is the document's title;
- what is not prose is left out: comments, targets, substitution
  definitions, code (``::`` literal blocks, ``>>>`` doctest blocks and the
  ``code-block``/``literalinclude``/``index``/``toctree``... directives),
  table borders;
- an object's description (``.. function:: open(file, mode='r')``, ``..
  class::``, ``.. option::``...) is labelled with its signature, and a
  glossary's definitions with their term, as the HTML reader labels ``<dt>``;
- inline markup is blanked: roles (``:func:`os.path.join``` reads
  ``os.path.join``, ``:ref:`Title <target>``` reads ``Title``), literals,
  emphasis, hyperlinks (their text stays, the URL goes), footnote references,
  escapes.

It is not a full docutils parser (no nested inline markup, no option lists);
it never evaluates or includes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.formats import Extracted, blank_line_cuts, blocks_between, prose_blocks

#: Characters rst allows as section adornment.
_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1{2,}[ \t]*")
_EXPLICIT = re.compile(r"\.\.(?:[ \t]+|$)")
_DIRECTIVE = re.compile(r"\.\.[ \t]+(?:\|[^|]+\|[ \t]+)?([A-Za-z0-9][\w:.+-]*)::(?:[ \t]+(.*))?$")
_OPTION = re.compile(r"[ \t]*:[\w ./-]+:(?:[ \t].*)?$")
_BULLET = re.compile(r"([ \t]*)([-*+\u2022]|\(?(?:\d+|#|[A-Za-z]|[ivxlcdm]+)[.)])[ \t]+(?=\S)")
_FIELD = re.compile(r"[ \t]*(:(?![ \t])[^:\n]+(?<![ \t]):)(?:[ \t]+|$)")
_LINE_BLOCK = re.compile(r"[ \t]*(\|)(?:[ \t]+|$)")
_GRID_BORDER = re.compile(r"[ \t]*\+(?:[-=]+\+)+[ \t]*")
_SIMPLE_BORDER = re.compile(r"[ \t]*=+(?:[ \t]+=+)+[ \t]*")

#: Directives whose body is not prose (code, machinery, pictures): left out with their body.
_DROP = frozenset(
    """
    code code-block sourcecode highlight highlightlang literalinclude include raw math
    doctest testcode testoutput testsetup testcleanup productionlist graphviz digraph graph
    image toctree index autosummary automodule autoclass autofunction automethod autodata
    autoexception moduleauthor sectionauthor codeauthor tabularcolumns csv-table
    only ifconfig plot program currentmodule module default-role role
    """.split()
)
#: Directives describing an object: their argument (a signature, an option) labels their body.
_OBJECTS = frozenset(
    """
    function method class attribute data exception decorator decoratormethod classmethod staticmethod
    property coroutinefunction coroutinemethod abstractmethod awaitablefunction awaitablemethod
    describe object option cmdoption envvar opcode pdbcommand type macro member var struct enum
    enumerator union fixture confval setting
    """.split()
)
#: Roles whose text Sphinx shows as the last dotted component when it starts with ``~``.
_ROLE_BEFORE = re.compile(r"(?<![\w`\\]):(?:[\w.+-]+:)*[\w.+-]+:(?=`)")
_ROLE_AFTER = re.compile(r"(?<=`):(?:[\w.+-]+:)*[\w.+-]+:(?![\w:])")
_INTERPRETED = re.compile(r"(?<![\w`\\])`(?!`)([^`\n]*(?:\n[^`\n]+)*?)`(__?)?(?![\w`])")
_LITERAL = re.compile(r"(?<![\w`\\])``(?![\s`])(.+?)(?<![\s\\])``(?![\w`])", re.DOTALL)
_STRONG = re.compile(r"(?<![\w*\\])\*\*(?=\S)(?:[^*\n]|\n(?!\n))+?(?<=\S)\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*(?=[^\s*])(?:[^*\n]|\n(?!\n))+?(?<=[^\s*\\])\*(?![\w*])")
_TARGET_IN_TEXT = re.compile(r"[ \t\n]*<[^<>\n]+>$")
_FOOTNOTE_REF = re.compile(r"[ \t]*\[(?:#[\w-]*|\*|\d+|[A-Za-z][\w.-]*)\]_(?![\w])")
_REFERENCE = re.compile(r"(?<=[\w)])__?(?![\w])")
_SUBSTITUTION = re.compile(r"(?<![\w|\\])\|(?=\S)([^|\n]+)(?<=\S)\|(?:__?)?(?![\w|])")
_ESCAPE = re.compile(r"\\(?=[^\s\w])")
_FOOTNOTE = re.compile(r"\.\.[ \t]+\[[^\]]+\](?:[ \t]+|$)")


@dataclass(slots=True)
class _State:
    """What the line scan builds."""

    text: str
    chars: list[str]
    hidden: bytearray
    cuts: list[int] = field(default_factory=list)
    heads: list[tuple[int, str | None]] = field(default_factory=list)
    labels: list[tuple[int, str | None]] = field(default_factory=list)
    path: list[tuple[int, str]] = field(default_factory=list)
    styles: list[tuple[str, bool]] = field(default_factory=list)  # adornment styles, in order of first use
    links: list[tuple[int, int]] = field(default_factory=list)  # spans of link text
    title: str | None = None

    def blank(self, start: int, end: int, hide: bool = True) -> None:
        chars = self.chars
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = " "
        if hide:
            self.hidden[start:end] = b"\x01" * (end - start)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _plain(text: str) -> str:
    """A title or signature without inline markup, for a section name or a label."""
    text = _ROLE_BEFORE.sub(lambda m: m.group(0)[1:-1] + " " if _named_role(m.group(0)) else "", text)
    text = _ROLE_AFTER.sub("", text)
    text = re.sub(r"`[~!.]*([^`<]*?)\s*(?:<[^>]*>)?`_{0,2}", r"\1", text)
    text = text.replace("``", "").replace("**", "").replace("\\", "")
    return " ".join(text.split())


#: Roles that Sphinx shows with their name ("PEP 8", "RFC 2822").
_NAMED_ROLES = frozenset({"pep", "rfc"})


def _named_role(role: str) -> bool:
    """Whether ``:role:`` (with its colons) is one whose name is part of what the page shows."""
    return role.strip(":").split(":")[-1].lower() in _NAMED_ROLES


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = _State(text, list(text), bytearray(len(text)))
        self.lines: list[tuple[int, int, str]] = []  # (start, end, text without the newline)
        pos = 0
        while pos <= len(text):
            nl = text.find("\n", pos)
            end = len(text) if nl < 0 else nl
            self.lines.append((pos, end, text[pos:end].rstrip("\r")))
            pos = end + 1
        self.labels: list[tuple[int, str]] = []  # (indent of the directive, label) while its body lasts

    def hide_lines(self, first: int, last: int) -> None:
        """Blank whole lines ``first .. last - 1`` and cut around them."""
        if first >= last:
            return
        lo, hi = self.lines[first][0], self.lines[last - 1][1]
        self.s.blank(lo, hi)
        self.s.cuts.extend((lo, hi))

    def body_end(self, i: int, indent: int) -> int:
        """The line after the indented body that follows line ``i`` (blank lines inside it included)."""
        j, last = i + 1, i + 1
        while j < len(self.lines):
            line = self.lines[j][2]
            if line.strip():
                if _indent(line) <= indent:
                    break
                last = j + 1
            j += 1
        return last

    def set_label(self, pos: int) -> None:
        self.s.labels.append((pos, " > ".join(label for _, label in self.labels) or None))

    def run(self) -> None:
        i = 0
        lines = self.lines
        while i < len(lines):
            start, end, line = lines[i]
            if not line.strip():
                i += 1
                continue
            indent = _indent(line)
            if self.labels and indent <= self.labels[-1][0]:
                while self.labels and indent <= self.labels[-1][0]:
                    self.labels.pop()
                self.set_label(start)
            i = self.line(i, start, end, line, indent)

    def line(self, i: int, start: int, end: int, line: str, indent: int) -> int:
        """Handle the construct that starts at line ``i``; return the next line to look at."""
        body = line[indent:]
        if _EXPLICIT.match(body):
            return self.explicit(i, start, line, indent)
        if title := self.section(i):
            return title
        if _GRID_BORDER.fullmatch(line) or _SIMPLE_BORDER.fullmatch(line) or (
            _ADORNMENT.fullmatch(line) and len(line.strip()) >= 4
        ):
            self.hide_lines(i, i + 1)  # a table border or a transition
            return i + 1
        if body.startswith(">>>"):
            return self.skip_block(i, indent)
        return self.paragraph(i, indent)

    def skip_block(self, i: int, indent: int) -> int:
        """Blank a doctest block (to the next blank line)."""
        j = i
        while j < len(self.lines) and self.lines[j][2].strip():
            j += 1
        self.hide_lines(i, j)
        return j

    def section(self, i: int) -> int:
        """A section title at line ``i`` (with or without an overline): 0 when there is none."""
        lines = self.lines
        over = _ADORNMENT.fullmatch(lines[i][2])
        first = i + 1 if over else i
        if first + 1 >= len(lines):
            return 0
        title = lines[first][2]
        under = _ADORNMENT.fullmatch(lines[first + 1][2])
        if (not title.strip() or (_indent(title) and not over) or under is None
                or _ADORNMENT.fullmatch(title) or (over and over.group(1) != under.group(1))):
            return 0
        if len(lines[first + 1][2].rstrip()) < min(len(title.rstrip()), 3):
            return 0
        style = (under.group(1), over is not None)
        if style not in self.s.styles:
            self.s.styles.append(style)
        level = self.s.styles.index(style) + 1
        name = _plain(title)
        path = self.s.path
        while path and path[-1][0] >= level:
            path.pop()
        if name:
            path.append((level, name))
            if self.s.title is None:
                self.s.title = name
        last = first + 2
        self.hide_lines(i, last)
        self.s.heads.append((lines[last - 1][1], " > ".join(h for _, h in path) or None))
        return last

    def explicit(self, i: int, start: int, line: str, indent: int) -> int:
        """Comments, targets, substitutions, footnotes and directives."""
        end = self.body_end(i, indent)
        directive = _DIRECTIVE.match(line[indent:])
        if directive is None:
            footnote = _FOOTNOTE.match(line[indent:])
            if footnote is not None:  # a footnote: its text is prose
                self.s.blank(start + indent, start + indent + footnote.end())
                self.s.cuts.append(start)
                return i + 1
            self.hide_lines(i, end)  # a comment, a target or a substitution definition
            return end
        name = directive.group(1).lower().split(":")[-1]
        args = directive.group(2) or ""
        if name in _DROP:
            self.hide_lines(i, end)
            return end
        j = i + 1
        while j < end and self.lines[j][2].strip() and _OPTION.match(self.lines[j][2]):
            j += 1  # the directive's options
        if name in _OBJECTS:
            while j < end and self.lines[j][2].strip() and not _OPTION.match(self.lines[j][2]):
                args += " " + self.lines[j][2].strip()  # a signature continued on more lines
                j += 1
                while j < end and self.lines[j][2].strip() and _OPTION.match(self.lines[j][2]):
                    j += 1
            self.hide_lines(i, j)
            self.labels.append((indent, _plain(args)))
            self.set_label(self.lines[j - 1][1])
            return j
        if name == "glossary":
            self.hide_lines(i, j)
            return self.glossary(j, end)
        # Admonitions, version notes and the like: the directive's name is markup, its words are prose.
        name_end = line[indent:].find("::") + 2
        self.s.blank(start, start + indent + name_end)
        self.s.cuts.append(start)
        if j > i + 1:
            self.hide_lines(i + 1, j)
        return j

    def glossary(self, i: int, end: int) -> int:
        """A glossary's body: each term line labels the definition indented under it."""
        term_indent: int | None = None
        j = i
        while j < end:
            line = self.lines[j][2]
            if line.strip():
                indent = _indent(line)
                if term_indent is None:
                    term_indent = indent
                if indent <= term_indent:
                    names = [_plain(line)]
                    k = j + 1
                    while k < end and self.lines[k][2].strip() and _indent(self.lines[k][2]) <= term_indent:
                        names.append(_plain(self.lines[k][2]))  # several terms for one definition
                        k += 1
                    self.hide_lines(j, k)
                    self.labels.append((term_indent, "; ".join(n for n in names if n)))
                    self.set_label(self.lines[k - 1][1])
                    def_end = self.body_end(k - 1, term_indent)
                    k = self.scan_body(k, def_end)
                    self.labels.pop()
                    self.set_label(self.lines[k - 1][1] if k > 0 else 0)
                    j = k
                    continue
            j += 1
        return end

    def scan_body(self, i: int, end: int) -> int:
        """Scan lines ``i .. end - 1`` as ordinary content."""
        j = i
        while j < end:
            start, stop, line = self.lines[j]
            if not line.strip():
                j += 1
                continue
            j = max(j + 1, self.line(j, start, stop, line, _indent(line)))
        return j

    def paragraph(self, i: int, indent: int) -> int:
        """A paragraph (list items, fields and table rows cut it); ``::`` at its end makes what follows code."""
        lines = self.lines
        j = i
        s = self.s
        if self.definition(i, indent):
            return i + 1
        while j < len(lines):
            start, _, line = lines[j]
            if not line.strip():
                break
            if j > i and (_EXPLICIT.match(line.lstrip()) or _indent(line) < indent):
                break
            if j > i and j + 1 < len(lines) and _ADORNMENT.fullmatch(lines[j + 1][2]) and not _indent(line):
                break  # a section title starts here
            if m := _BULLET.match(line):
                s.blank(start + m.start(2), start + m.end(2))
                s.cuts.append(start)
            elif (m := _FIELD.match(line)) or (m := _LINE_BLOCK.match(line)):
                s.blank(start + m.start(1), start + m.end(1))
                s.cuts.append(start)
            if "|" in line and (line.lstrip().startswith("|") or _GRID_BORDER.fullmatch(line)):
                s.cuts.append(start)  # a grid table row: its cells are apart, as on the page
                for k, ch in enumerate(line):
                    if ch == "|":
                        s.blank(start + k, start + k + 1, hide=False)
            if _GRID_BORDER.fullmatch(line) or _SIMPLE_BORDER.fullmatch(line):
                self.hide_lines(j, j + 1)
            j += 1
        last_start, _, last = lines[j - 1]
        if last.rstrip().endswith("::"):
            colons = last_start + len(last.rstrip()) - 2
            bare = last.rstrip()[:-2]
            # "Example::" reads "Example:"; a "::" standing alone or after a space disappears.
            if bare.strip() and not bare.endswith((" ", "\t")):
                s.blank(colons + 1, colons + 2)
            else:
                s.blank(colons, colons + 2)
            return self.literal(j, indent)
        return j

    def definition(self, i: int, indent: int) -> bool:
        """A definition list item at line ``i`` (a one-line term, its definition indented below):
        the term labels the definition, as a ``<dt>`` does."""
        lines = self.lines
        if i + 1 >= len(lines) or not lines[i + 1][2].strip() or _indent(lines[i + 1][2]) <= indent:
            return False
        line = lines[i][2]
        if line.rstrip().endswith("::") or _BULLET.match(line) or _FIELD.match(line) or line.lstrip().startswith("|"):
            return False
        self.hide_lines(i, i + 1)
        self.labels.append((indent, _plain(line)))
        self.set_label(lines[i][1])
        return True

    def literal(self, j: int, indent: int) -> int:
        """Blank the literal (code) block that follows a ``::`` paragraph ending at line ``j``."""
        k = j
        while k < len(self.lines) and not self.lines[k][2].strip():
            k += 1
        if k >= len(self.lines):
            return k
        block_indent = _indent(self.lines[k][2])
        if block_indent <= indent and not self.lines[k][2].lstrip().startswith(">"):
            return j  # no indented block: nothing is code
        end = self.body_end(k - 1, indent) if block_indent > indent else self.quoted_end(k)
        self.hide_lines(k, end)
        return end

    def quoted_end(self, k: int) -> int:
        """The end of an unindented, ``>``-quoted literal block."""
        while k < len(self.lines) and self.lines[k][2].lstrip().startswith(">"):
            k += 1
        return k


def _blank_inline(s: _State) -> None:
    """Inline markup over the block-masked text, left to right, keeping the words."""
    text = "".join(s.chars)
    links: list[tuple[int, int]] = []
    for m in _ROLE_BEFORE.finditer(text):
        if _named_role(m.group()):  # ":pep:`8`" reads "pep 8"
            s.blank(m.start(), m.start() + 1)
            s.blank(m.end() - 1, m.end(), hide=False)
        else:
            s.blank(m.start(), m.end())
    for m in _ROLE_AFTER.finditer(text):
        s.blank(m.start(), m.end())
    text = "".join(s.chars)
    for m in _LITERAL.finditer(text):
        s.blank(m.start(), m.start() + 2)
        s.blank(m.end() - 2, m.end())
    text = "".join(s.chars)
    for m in _INTERPRETED.finditer(text):
        inner_start, inner_end = m.start(1), m.end(1)
        s.blank(m.start(), inner_start)
        s.blank(inner_end, m.end())
        inner = text[inner_start:inner_end]
        target = _TARGET_IN_TEXT.search(inner)
        if target is not None and target.start() > 0:
            s.blank(inner_start + target.start(), inner_end)
            inner_end = inner_start + target.start()
        elif m.group(2):
            pass  # `text`_ : a reference by name
        if inner.startswith(("~", "!", ".")):
            cut = inner_start + len(inner) - len(inner.lstrip("~!."))
            if inner.startswith("~"):  # Sphinx shows the last dotted component
                dot = text.rfind(".", inner_start, inner_end)
                cut = max(cut, dot + 1)
            s.blank(inner_start, cut)
        if m.group(2) or (target is not None and target.start() > 0):
            links.append((inner_start, inner_end))
    text = "".join(s.chars)
    for pattern, width in ((_STRONG, 2), (_EMPHASIS, 1)):
        for m in pattern.finditer(text):
            s.blank(m.start(), m.start() + width)
            s.blank(m.end() - width, m.end())
        text = "".join(s.chars)
    for pattern in (_FOOTNOTE_REF, _REFERENCE, _ESCAPE):
        for m in pattern.finditer(text):
            s.blank(m.start(), m.end())
        text = "".join(s.chars)
    for m in _SUBSTITUTION.finditer(text):
        s.blank(m.start(), m.start(1))
        s.blank(m.end(1), m.end())
    s.links = links


def extract_rst(text: str) -> Extracted:
    """reStructuredText to blanked prose (same length as ``text``), blocks, sections, labels and title."""
    scan = _Scanner(text)
    scan.run()
    s = scan.s
    _blank_inline(s)
    masked = "".join(s.chars)
    cuts = s.cuts + blank_line_cuts(text)
    heads = sorted(s.heads)
    labels = sorted(s.labels, key=lambda x: x[0])
    blocks = blocks_between(masked, cuts, heads, blank_lines=False, labels=labels)
    blocks = prose_blocks(blocks, masked, sorted(s.links))
    return Extracted(text=masked, blocks=blocks, title=s.title, hidden=bytes(s.hidden))
