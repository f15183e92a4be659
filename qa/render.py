"""Answers -> rich, text, Markdown, JSON or JSON Lines. One renderer for ``ask`` and the REPL.

Every format shows the same content. ``rich`` only adds decoration (colour,
dimmed context, highlighted words, clickable citations) to the lines that
``text`` prints. A one-shot question writes that decoration's escape codes
itself (:class:`AnsiRenderer`); only the REPL imports the rich library.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from qa.analyzers import analyzer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from qa.search import Answer, Hit

FORMATS = ("auto", "rich", "text", "markdown", "json", "jsonl")

_WS = re.compile(r"\s+")
#: Characters that must never reach a terminal raw: C0/C1 controls (ESC starts
#: CSI/OSC sequences), DEL, and bidirectional overrides that reorder text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # visible "control picture", e.g. ␛ for ESC
    return "\ufffd"


def clean(text: str) -> str:
    """One display line: whitespace runs collapsed, control characters made visible."""
    return _UNSAFE.sub(_picture, _WS.sub(" ", text).strip())


def describe_roots(roots: Sequence[str]) -> str:
    """The corpus folders as a user would name them (the bundled seeds, ``~/notes``, ``docs``), display-safe."""
    import os

    from qa.corpus import bundled_seeds

    home, cwd = Path.home(), Path.cwd()
    names = []
    for raw in roots:
        path = Path(os.path.abspath(os.path.expanduser(raw)))
        if path == bundled_seeds():
            names.append("the bundled seeds")
        elif path == cwd or cwd in path.parents:
            names.append(str(path.relative_to(cwd)) if path != cwd else ".")
        elif home in path.parents:
            names.append("~/" + str(path.relative_to(home)))
        else:
            names.append(str(path))
    return ", ".join(clean(n) for n in names)


def citation(hit: Hit) -> str:
    """``source:line:column``, or ``source#page=N`` for paged documents (display-safe).

    A sentence in a part of its document cites the part: ``file.docx#p=N``,
    ``nb.ipynb#cell=N:line:col``, ``book.epub#OEBPS/ch2.xhtml:line:col``,
    ``inbox.mbox#msg=N``; a mail whose body had to be decoded is ``mail.eml`` alone.
    """
    source = clean(hit.source)
    if hit.page is not None:
        return f"{source}#page={hit.page}"
    if hit.location is not None:
        where = hit.location
        return source + clean(where.anchor()) + (f":{hit.line}:{hit.column}" if where.has_lines() else "")
    return f"{source}:{hit.line}:{hit.column}"


def utf8_safe(text: str) -> str:
    """Replace lone surrogates (undecodable bytes in file names) so output stays valid UTF-8.

    Each undecodable byte becomes one U+FFFD, as in a document read with bad bytes.
    """
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def file_url(hit: Hit) -> str:
    """A ``file://`` URL for the hit (with the line or page as a fragment)."""
    url = Path(hit.path).as_uri()  # percent-encodes the real bytes of the name, even undecodable ones
    if hit.page is not None:
        return f"{url}#page={hit.page}"
    if hit.location is not None and not (hit.location.kind == "message" and hit.location.raw):
        return url  # lines of a paragraph, cell or EPUB item are not lines of the file
    return f"{url}#L{hit.line}"


def highlights(text: str, terms: set[str], lang: str = "en") -> list[tuple[int, int]]:
    """Spans of ``text`` (in language ``lang``) whose words match one of the question's terms, merged
    where they overlap (the character pairs of unspaced scripts)."""
    spans: list[tuple[int, int]] = []
    for term, s, e in analyzer(lang).analyze(text, stops=True):
        if term in terms:
            if spans and s <= spans[-1][1]:
                if e > spans[-1][1]:
                    spans[-1] = (spans[-1][0], e)
            else:
                spans.append((s, e))
    return spans


def hit_json(hit: Hit, explain: bool = False) -> dict[str, Any]:
    """The JSON object of one hit (schema in README.md)."""
    from qa.index import LOCATION_KEYS  # loaded already: the hit came from an index

    out: dict[str, Any] = {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "source": utf8_safe(hit.source),
        "path": utf8_safe(hit.path),
        "line": hit.line,
        "column": hit.column,
        "start": hit.start,
        "end": hit.end,
        "text": hit.text,
        "before": hit.before,
        "after": hit.after,
        "title": hit.title,
        "section": hit.section,
        "label": hit.label,
        "page": hit.page,
        "lang": hit.lang,
        "duplicates": [{"source": utf8_safe(d.source), "path": utf8_safe(d.path), "line": d.line,
                        "column": d.column, "page": d.page} for d in hit.duplicates],
        **(hit.location.fields() if hit.location is not None else dict.fromkeys(LOCATION_KEYS)),
    }
    if explain:
        out["explain"] = {k: round(v, 6) for k, v in hit.explain.items()}
    return out


def answer_json(answer: Answer, explain: bool = False) -> dict[str, Any]:
    """The JSON object of one answered question."""
    return {
        "question": answer.question,
        "results": [hit_json(h, explain) for h in answer.hits],
        "missing": answer.missing,
        "ignored": answer.ignored,
    }


def ignored_note(answer: Answer, explain: bool = False) -> str | None:
    """One line naming the common words a question did not search, when they may have mattered.

    Always with ``explain``; otherwise only when at most one word was searched
    and a dropped word is more than the shape of the question ("what", "how").
    """
    from qa.tokens import QUESTION_WORDS

    if not answer.ignored:
        return None
    if not explain and (len(set(answer.terms)) > 1 or all(w in QUESTION_WORDS for w in answer.ignored)):
        return None
    words = ", ".join(clean(w) for w in answer.ignored)
    return f"not searched (too common): {words}; quote a word to search it"


def no_match_message(answer: Answer) -> str:
    """One line saying why a question found nothing."""
    if not answer.terms:
        return "nothing to search for: the question has only stopwords or punctuation"
    if answer.missing and len(answer.missing) == len(set(answer.terms)):
        words = ", ".join(clean(w) for w in answer.missing)
        return f"no match: not in the documents: {words}"
    return "no match"


@dataclass(frozen=True, slots=True)
class Line:
    """A display line: its kind decides the decoration in rich output.

    ``hang`` is the indentation of its continuation rows when it is wrapped on
    a terminal (under the text that follows its marker: ``  > ``, ``[1] ``).
    """

    kind: str  # "header", "question", "hit", "context", "explain", "blank"
    text: str
    hit: Hit | None = None
    hang: int = 0


#: Indentation of a hit's sentence and of its neighbours: the text after ``  > ``.
TEXT_COLUMN = 4


def header(hit: Hit) -> str:
    """A result's first line: rank, citation, score, then what the sentence is about.

    The rank comes first and the citation second (the terminal format styles
    them by position); anything further goes after the score.
    """
    head = f"[{hit.rank}] {citation(hit)}  score {hit.score:.2f}"
    where = place(hit)
    if where:
        head += f"  ({clean(where)})"
    if hit.duplicates:
        n = len(hit.duplicates)
        head += f"  also in {n} other place{'s' if n != 1 else ''}"
    return head


def lines(answer: Answer, show_question: bool, explain: bool) -> Iterator[Line]:
    """The content shared by the text and rich formats."""
    if show_question:
        yield Line("question", f"Q: {clean(answer.question)}", hang=3)
    for hit in answer.hits:
        yield Line("header", header(hit), hit, hang=TEXT_COLUMN)
        for text in hit.before:
            yield Line("context", "    " + clean(text), hang=TEXT_COLUMN)
        yield Line("hit", "  > " + clean(hit.text), hit, hang=TEXT_COLUMN)
        for text in hit.after:
            yield Line("context", "    " + clean(text), hang=TEXT_COLUMN)
        if explain:
            yield Line("explain", "    why: " + explain_text(hit), hang=TEXT_COLUMN + 5)
        yield Line("blank", "")


def place(hit: Hit) -> str:
    """Where in its document a hit stands: section (else title), then the label it describes."""
    return " > ".join(x for x in (hit.section or hit.title, hit.label) if x)


def rows(line: Line, width: int | None) -> list[tuple[int, int, int]]:
    """The rows ``line`` takes on a terminal ``width`` cells wide (None: one row, never wrapped).

    Each row is (start, end, indent): ``line.text[start:end]`` after ``indent`` spaces.
    """
    if not width:
        return [(0, len(line.text), 0)]
    from qa.cells import wrap

    return wrap(line.text, width, line.hang)


def explain_text(hit: Hit) -> str:
    """Per-term contributions, largest first."""
    parts = sorted(hit.explain.items(), key=lambda kv: -kv[1])
    return " + ".join(f"{term} {value:.2f}" for term, value in parts) or "(no term matched)"


class Renderer(Protocol):
    """Writes answers in one format."""

    def write(self, answer: Answer) -> None:
        """Write one answered question."""

    def close(self) -> None:
        """Finish the output (flush, close a JSON array...)."""


class TextRenderer:
    """Plain text: no escape codes at all; what a pipe or file gets.

    With a ``width`` (stdout is a terminal) long lines are wrapped as in the
    terminal format; a pipe gets one line per sentence.
    """

    def __init__(self, out: TextIO, show_question: bool = False, explain: bool = False,
                 width: int | None = None) -> None:
        self.out = out
        self.show_question = show_question
        self.explain = explain
        self.width = width

    def write(self, answer: Answer) -> None:
        """Write one answer as plain lines."""
        out: list[str] = []
        for line in lines(answer, self.show_question, self.explain):
            out += [" " * indent + line.text[start:end] + "\n" for start, end, indent in rows(line, self.width)]
        self.out.write("".join(out))

    def close(self) -> None:
        """Flush."""
        self.out.flush()


class MarkdownRenderer(TextRenderer):
    """Markdown: a heading per hit, context in italics, matched words in bold."""

    def write(self, answer: Answer) -> None:
        """Write one answer as Markdown."""
        terms = set(answer.terms)
        out: list[str] = []
        if self.show_question:
            out.append(f"## {_md_escape(clean(answer.question))}\n")
        for hit in answer.hits:
            where = f" — {_md_escape(clean(place(hit)))}" if hit.section or hit.label else ""
            out.append(f"**{hit.rank}.** [`{citation(hit)}`]({file_url(hit)}){where} · score {hit.score:.2f}\n")
            quote = [f"*{_md_escape(clean(t))}*" for t in hit.before]
            quote.append(_md_bold(clean(hit.text), terms, hit.lang))
            quote += [f"*{_md_escape(clean(t))}*" for t in hit.after]
            out.append("> " + " ".join(quote) + "\n")
            if self.explain:
                out.append(f"why: {_md_escape(explain_text(hit))}\n")
        self.out.write("\n".join(out) + "\n")


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _md_bold(text: str, terms: set[str], lang: str = "en") -> str:
    out, pos = [], 0
    for s, e in highlights(text, terms, lang):
        out += [_md_escape(text[pos:s]), "**", _md_escape(text[s:e]), "**"]
        pos = e
    out.append(_md_escape(text[pos:]))
    return "".join(out)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")


def unicode_output(stream: TextIO) -> bool:
    """Whether ``stream`` encodes every character (a UTF encoding)."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding.startswith("utf")


class JsonRenderer:
    """One JSON object per question: indented (``json``) or one line each (``jsonl``)."""

    def __init__(self, out: TextIO, lines: bool, explain: bool = False) -> None:
        self.out = out
        self.lines = lines
        self.explain = explain

    def write(self, answer: Answer) -> None:
        """Write one answer object."""
        data = answer_json(answer, self.explain)
        # \uXXXX for everything when the output cannot take Unicode (PYTHONIOENCODING=ascii).
        ascii_only = not unicode_output(self.out)
        text = json.dumps(data, ensure_ascii=ascii_only, indent=None if self.lines else 2)
        # Bidi overrides, C1 controls and lone surrogates are valid in JSON strings but
        # not safe on a terminal: escape them too (they only occur inside strings).
        text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        self.out.write(text + "\n")

    def close(self) -> None:
        """Flush."""
        self.out.flush()


class RichRenderer:
    """The terminal format: the text lines, decorated; wrapped at ``width`` cells when given."""

    def __init__(
        self, console: Console, show_question: bool = False, explain: bool = False, hyperlinks: bool = True,
        width: int | None = None,
    ) -> None:
        self.console = console
        self.show_question = show_question
        self.explain = explain
        self.hyperlinks = hyperlinks
        self.width = width

    def write(self, answer: Answer) -> None:
        """Print one answer to the console."""
        terms = set(answer.terms)
        for line in lines(answer, self.show_question, self.explain):
            for row in self._styled(line, terms):
                self.console.print(row, soft_wrap=True)

    def _styled(self, line: Line, terms: set[str]) -> list[Text]:
        from rich.style import Style
        from rich.text import Text

        spans = [(start, end, Style.parse(style) + Style(link=link) if link else Style.parse(style))
                 for start, end, style, link in _spans(line, terms, self.hyperlinks)]
        out = []
        for first, last, indent in rows(line, self.width):
            text = Text(" " * indent + line.text[first:last])
            for start, end, style in spans:
                if start < last and end > first:
                    text.stylize(style, max(start, first) - first + indent, min(end, last) - first + indent)
            out.append(text)
        return out

    def close(self) -> None:
        """Nothing to finish."""


#: SGR parameters rich writes for the styles of the terminal format.
_SGR = {"bold": "1", "dim": "2", "cyan": "36", "bold green": "1;32", "bold yellow": "1;33", "bold magenta": "1;35"}


def _spans(line: Line, terms: set[str], hyperlinks: bool) -> list[tuple[int, int, str, str | None]]:
    """(start, end, style, link) decorations of a line in the terminal format, in order, not overlapping.

    The one definition of the terminal format's decoration: :class:`RichRenderer`
    hands these to rich, :class:`AnsiRenderer` writes the same escape codes itself
    (``tests/test_render_ansi.py`` checks both give the same bytes).
    """
    text = line.text
    if line.kind == "header" and line.hit is not None:
        rank_end = text.index("]") + 1
        cite_end = rank_end + 1 + len(citation(line.hit))
        link = file_url(line.hit) if hyperlinks else None
        return [(0, rank_end, "bold", None), (rank_end + 1, cite_end, "cyan", link), (cite_end, len(text), "dim", None)]
    if line.kind == "hit":
        return [(0, 3, "bold green", None),
                *((s, e, "bold yellow", None) for s, e in highlights(text, terms, line.hit.lang if line.hit else "en"))]
    if line.kind in ("context", "explain"):
        return [(0, len(text), "dim", None)]
    if line.kind == "question":
        return [(0, len(text), "bold magenta", None)]
    return []


class AnsiRenderer:
    """The terminal format, written as the escape codes rich writes for it, without rich.

    ``qa ask`` on a terminal then does not import rich (~25 ms of a one-shot
    question); the REPL, which needs rich anyway, uses :class:`RichRenderer`.
    Both wrap at ``width`` cells with :func:`rows` (None: lines are never
    wrapped, rich's ``soft_wrap``).
    """

    def __init__(self, out: TextIO, color: bool, show_question: bool = False, explain: bool = False,
                 hyperlinks: bool = True, width: int | None = None) -> None:
        self.out = out
        self.color = color
        self.show_question = show_question
        self.explain = explain
        self.hyperlinks = hyperlinks and color
        self.width = width
        self._links = 0

    def write(self, answer: Answer) -> None:
        """Write one answer (and flush, as rich does after each print)."""
        terms = set(answer.terms)
        out: list[str] = []
        for line in lines(answer, self.show_question, self.explain):
            spans = self._numbered(_spans(line, terms, self.hyperlinks)) if self.color else []
            for first, last, indent in rows(line, self.width):
                out.append(" " * indent + self._decorated(line.text, first, last, spans))
                out.append("\n")
        self.out.write("".join(out))
        self.out.flush()

    def _numbered(self, spans: list[tuple[int, int, str, str | None]]) -> list[tuple[int, int, str, str | None]]:
        """The spans with each link given its OSC 8 id (one per link, kept across the rows it spans)."""
        out = []
        for start, end, style, link in spans:
            if link:
                self._links += 1
                link = f"id={self._links};{link}"
            out.append((start, end, style, link))
        return out

    @staticmethod
    def _decorated(text: str, first: int, last: int, spans: list[tuple[int, int, str, str | None]]) -> str:
        out: list[str] = []
        pos = first
        for start, end, style, link in spans:
            start, end = max(start, first), min(end, last, len(text))
            if start >= end:
                continue
            out.append(text[pos:start])
            piece = f"\x1b[{_SGR[style]}m{text[start:end]}\x1b[0m"
            if link:
                piece = f"\x1b]8;{link}\x1b\\{piece}\x1b]8;;\x1b\\"
            out.append(piece)
            pos = end
        out.append(text[pos:last])
        return "".join(out)

    def close(self) -> None:
        """Flush."""
        self.out.flush()


def make_console(out: TextIO, color: bool, width: int | None = None) -> Console:
    """A rich Console on ``out``; no escape codes at all when ``color`` is False."""
    from rich.console import Console

    console = Console(
        file=out,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        width=width,
    )
    # rich exits with status 1 on a broken pipe; let the CLI's one handler treat it like any stream.
    console.on_broken_pipe = _reraise_broken_pipe  # type: ignore[method-assign]
    return console


def _reraise_broken_pipe() -> None:
    raise BrokenPipeError("output closed by the reader")


def make_renderer(
    fmt: str, out: TextIO, color: bool, show_question: bool = False, explain: bool = False,
    width: int | None = None,
) -> Renderer:
    """The renderer for a resolved format name (not ``auto``).

    ``width``: the terminal's, to wrap the rich and text formats at (None on a pipe).
    """
    if fmt == "rich":
        if sys.platform == "win32":  # rich knows the consoles that take no escape codes
            return RichRenderer(make_console(out, color), show_question, explain, hyperlinks=color, width=width)
        return AnsiRenderer(out, color, show_question, explain, hyperlinks=color, width=width)
    if fmt == "markdown":
        return MarkdownRenderer(out, show_question, explain)
    if fmt in ("json", "jsonl"):
        return JsonRenderer(out, lines=fmt == "jsonl", explain=explain)
    return TextRenderer(out, show_question, explain, width)



def human_size(size: int) -> str:
    """Bytes as a person reads them: ``512 B``, ``48.2 kB``, ``45.1 MB``, ``1.3 GB`` (powers of 1000)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def ago(seconds: float) -> str:
    """A duration in the past as a person says it: ``just now``, ``5 minutes ago``, ``3 days ago``."""
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"  # pragma: no cover - unreachable


def text_table(rows: list[list[str]], right: set[int] | frozenset[int] = frozenset()) -> str:
    """Rows as aligned plain-text columns (two spaces apart; ``right``: columns aligned right).

    Widths are terminal cells, so names in any script line up; every cell is made display-safe.
    """
    from qa.cells import cell_len

    cells = [[clean(c) for c in row] for row in rows]
    widths = [max(cell_len(row[i]) for row in cells if i < len(row)) for i in range(max(map(len, cells)))]
    out = []
    for row in cells:
        padded = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - cell_len(cell))
            padded.append(pad + cell if i in right else cell + pad)
        out.append("  ".join(padded).rstrip() + "\n")
    return "".join(out)
