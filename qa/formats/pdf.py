"""PDF: text page by page through pypdf; every sentence knows its page.

The document text is the pages' extracted text joined by blank lines (each
page its own blocks, so no sentence spans two pages), with ligatures expanded
and words hyphenated across line ends rejoined, so that "eﬃcient" and
"effi-\\ncient" match a question's "efficient". Citations are
``source#page=N``. Scanned PDFs (no text layer) and encrypted PDFs that an
empty password does not open are skipped with one warning; so is a file pypdf
cannot parse at all. Pages that fail on their own are left out with one
warning for the file. pypdf's own log messages about repaired damage are kept
off the terminal.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import warnings
from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from qa.formats import Block, Extracted, Warn, blocks_between

if TYPE_CHECKING:
    from pypdf import PdfReader

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
#: A letter, a hyphen (ASCII, soft or Unicode) at the end of a line, and a lowercase letter on the next line.
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010][ \t]*\r?\n[ \t]*(?=[^\W\d_])(?=[^A-Z\u00c0-\u00de])")
_SOFT_HYPHEN = re.compile("\u00ad")
#: Metadata titles that are file names or placeholders, not titles.
_JUNK_TITLE = re.compile(r"(?i)^(untitled|title|document\d*|microsoft \w+ - .*|.*\.(docx?|rtf|odt|tex|dvi|pptx?|pdf|"
                         r"indd|qxd|ps|eps))$")

#: Extracted PDFs kept in memory, by content hash: indexing reads each file twice
#: (a sample to train the sentence splitter, then the whole file), and text
#: extraction is by far the slowest step for a PDF. Bounded in characters.
_MEMO_CHARS = 16_000_000
_memo: OrderedDict[str, Extracted] = OrderedDict()


def repair(text: str) -> str:
    """Expand ligatures, join words hyphenated at line ends, drop soft hyphens."""
    return _SOFT_HYPHEN.sub("", _HYPHEN_BREAK.sub("", text.translate(_LIGATURES)))


def extract_pdf(data: bytes, name: str, warn: Warn) -> Extracted | None:
    """Extract a PDF's text layer; None (warned) for scanned, encrypted or broken files."""
    key = hashlib.blake2b(data, digest_size=16).hexdigest()
    found = _memo.get(key)
    if found is not None:
        _memo.move_to_end(key)
        return found
    result = _extract(data, name, warn)
    if result is not None:
        _remember(key, result)
    return result


def _remember(key: str, doc: Extracted) -> None:
    _memo[key] = doc
    while sum(len(d.text) for d in _memo.values()) > _MEMO_CHARS and len(_memo) > 1:
        _memo.popitem(last=False)
    if len(doc.text) > _MEMO_CHARS:
        _memo.pop(key, None)


def _extract(data: bytes, name: str, warn: Warn) -> Extracted | None:
    from pypdf import PdfReader

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                warn(f"skipping encrypted PDF {name} (it needs a password)")
                return None
            pages, failed = _page_texts(reader)
            title = _title(reader)
            outline = _outline(reader)
        except Exception as exc:  # any parser failure on a damaged file means "skip it"
            warn(f"skipping unreadable PDF {name}: {_reason(exc)}")
            return None
    if failed:
        warn(f"{name}: text of page{'s' if len(failed) > 1 else ''} {_ranges(failed)} could not be read")
    if not any(p.strip() for p in pages):
        warn(f"skipping {name}: no text layer (a scanned PDF?)")
        return None
    return _assemble(pages, title, outline)


#: An outline entry: (depth, title, 1-based page number).
OutlineItem = tuple[int, str, int]


def _outline(reader: PdfReader) -> list[OutlineItem]:
    """The PDF's outline (its bookmarks: the table of contents its author gave it), in order;
    empty when it has none or it cannot be read."""
    try:
        numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)
                   if page.indirect_reference is not None}
        out: list[OutlineItem] = []

        def walk(items: list[Any], depth: int) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item, depth + 1)
                    continue
                idnum = getattr(getattr(item, "page", None), "idnum", None)
                number = numbers.get(idnum) if isinstance(idnum, int) else None
                title = " ".join(str(getattr(item, "title", "") or "").split())
                if number is not None and title:
                    out.append((depth, title, number))

        walk(list(reader.outline), 0)
        return out
    except Exception:  # a damaged outline only costs the sections it would have named
        return []


def _page_texts(reader: PdfReader) -> tuple[list[str], list[int]]:
    """Repaired text of every page and the 1-based numbers of pages that failed."""
    texts: list[str] = []
    failed: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(repair(page.extract_text() or ""))
        except Exception:  # one broken page must not lose the others
            texts.append("")
            failed.append(number)
    return texts, failed


def _assemble(pages: list[str], title: str | None, outline: list[OutlineItem] | None = None) -> Extracted:
    """Join the pages with blank lines; each page's paragraphs carry its number.

    Running heads and page numbers are blanked (:func:`running_lines`), as are
    table-of-contents lines (dot leaders and a page number: navigation, not
    prose). A numbered heading ("1.8 R commands", "Appendix A Index") is no
    sentence: it ends a paragraph and names the section of what follows, as
    Markdown headings do, across pages. A PDF with few numbered headings but
    an outline (a reference manual: one entry per topic) takes its sections
    from the outline instead (:func:`_outline_sections`).
    """
    pages = [_blank_lines(page, drop) for page, drop in zip(pages, running_lines(pages), strict=True)]
    numbered = _numbered_sections(pages)
    if outline and len(numbered[2]) < _FEW_HEADINGS:
        numbered = _outline_sections(pages, outline)
    parts, blocks, _ = numbered
    return Extracted(text="\n\n".join(parts) + "\n\n", blocks=blocks, title=title)


#: Fewer numbered headings than this and a PDF's outline names its sections.
_FEW_HEADINGS = 3
#: The standard parts of a reference page (R's help pages, man pages): headings of no words of their own.
_PAGE_PARTS = re.compile(r"(?i)(?:description|usage|arguments|details|value|values|notes?|references|see also|examples?"
                         r"|author\(s\)|authors?|source|format|warnings?|synopsis|options|return value|exit status"
                         r"|environment|files|bugs)")
#: The parts of a reference page that are code: its usage (synopsis) and its examples.
_CODE_PARTS = {"usage", "synopsis", "examples", "example"}


def _outline_sections(pages: list[str], outline: list[OutlineItem]) -> tuple[list[str], list[Block], list[str]]:
    """Blocks named by the outline: each entry's line on its page (the first line from where the
    previous entry was found that starts with the entry's title and is no sentence, "rep Replicate
    Elements of Vectors and Lists" for the entry "rep") is a heading; an entry whose line is not
    found starts at the top of its page. The standard parts of a reference page ("Description",
    "See Also") are boundaries of no section of their own."""
    by_page: dict[int, list[tuple[int, str]]] = {}
    for depth, name, number in outline:
        by_page.setdefault(number, []).append((depth, name))
    parts: list[str] = []
    blocks: list[Block] = []
    found: list[str] = []
    pos = 0
    path: list[tuple[int, str]] = []
    code = False  # in a reference page's usage or examples: code, not prose
    reference = False  # a "Description" or "Synopsis" part since the last entry: a reference page
    for number, page in enumerate(pages, start=1):
        cuts: list[int] = []
        heads: list[tuple[int, str | None]] = [(0, " > ".join(h for _, h in path) or None)]
        lines = _lines(page)
        at = 0  # the next line to look at
        entries: set[int] = set()
        for depth, name in by_page.get(number, []):
            hit = next((k for k in range(at, len(lines)) if _entry_line(lines[k][2], name)), None)
            start = lines[hit][0] if hit is not None else lines[at][0] if at < len(lines) else len(page)
            heading = " ".join(lines[hit][2].split()) if hit is not None else name
            while path and path[-1][0] >= depth:
                path.pop()
            path.append((depth, heading))
            found.append(heading)
            if hit is not None:
                end = lines[hit][1]
                cuts += [start, end]
                page = page[:start] + " " * (end - start) + page[end:]
                at = hit + 1
                entries.add(hit)
            heads.append((start, " > ".join(h for _, h in path)))
        for k, (start, end, line) in enumerate(lines):
            part = _PAGE_PARTS.fullmatch(line.strip())
            name = part.group().lower() if part is not None else ""
            if k in entries:
                reference = False
            reference = reference or name in ("description", "synopsis")
            if k in entries or part:  # usage and examples are code on a reference page only
                code = reference and name in _CODE_PARTS
            if part or (code and k not in entries):
                cuts += [start, end]
                page = page[:start] + " " * (end - start) + page[end:]
        heads.sort(key=lambda h: h[0])
        blocks += [Block(b.start + pos, b.end + pos, section=b.section, page=number)
                   for b in blocks_between(page, cuts, heads)]
        parts.append(page)
        pos += len(page) + 2
    return parts, blocks, found


def _entry_line(line: str, name: str) -> bool:
    """Whether ``line`` is the heading of outline entry ``name``: it starts with it, and is no sentence."""
    text = " ".join(line.split())
    return (text == name or text.startswith(name + " ")) and len(text) <= 120 and not text.endswith((".", ",", ";"))


def _numbered_sections(pages: list[str]) -> tuple[list[str], list[Block], list[str]]:
    """Blocks named by numbered headings that count on (see :func:`_assemble`), and those headings."""
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    path: list[tuple[int, str]] = []
    numbers: list[tuple[int, ...]] = []
    for number, page in enumerate(pages, start=1):
        cuts: list[int] = []
        heads: list[tuple[int, str | None]] = [(0, " > ".join(h for _, h in path) or None)]
        lines = _lines(page)
        last = max((k for k, (_, _, line) in enumerate(lines) if line.strip()), default=0)
        top = min((k for k, (_, _, line) in enumerate(lines) if line.strip()), default=0)
        for k, (start, end, line) in enumerate(lines):
            heading = _NUMBERED.fullmatch(line.strip())
            if heading is None or k >= last - 1:  # the foot of a page holds footnotes, not headings
                continue
            outline = _heading_number(heading.group(1))
            if not _follows(numbers[-1] if numbers else None, outline):
                continue  # "3 Empty section tag name" in running text is no heading: the numbers must count on
            if len(outline) == 1 and k > top + 1:
                continue  # a chapter starts a page (under its running head at most)
            numbers.append(outline)
            level = len(outline) - 1 if outline[0] >= _APPENDIX else len(outline)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, " ".join(line.split())))
            cuts += [start, end]
            heads.append((end, " > ".join(h for _, h in path)))
            page = page[:start] + " " * (end - start) + page[end:]
        blocks += [Block(b.start + pos, b.end + pos, section=b.section, page=number)
                   for b in blocks_between(page, cuts, heads)]
        parts.append(page)
        pos += len(page) + 2
    return parts, blocks, [" ".join(str(n) for n in number) for number in numbers]


#: A numbered heading: "5.4 The array() function", "Chapter 3 Objects", "Appendix A Index", "A.2 Options";
#: not a numbered list item ("2. Use"), not a sentence (no final period).
_NUMBERED = re.compile(r"(?:(?:Chapter|Section|Appendix|Part)\s+(?=[A-Z0-9]))?"
                       r"((?:[1-9]\d?|[A-Z](?=\.\d))(?:\.\d{1,3}){0,4}|(?<=Appendix )[A-Z])"
                       r"[ \t]+(?=[A-Z\u2018\u201c'\"(])[^\n]{1,70}(?<![.,;:])")
#: Appendix letters sort after every chapter number: "A.2" is (1000 + 1, 2).
_APPENDIX = 1000


def _heading_number(label: str) -> tuple[int, ...]:
    """``"5.4"`` -> (5, 4); ``"A.2"`` -> (1001, 2); ``"B"`` -> (1002,)."""
    parts = label.split(".")
    first = int(parts[0]) if parts[0].isdigit() else _APPENDIX + ord(parts[0]) - ord("A") + 1
    return (first, *(int(p) for p in parts[1:]))


def _follows(prev: tuple[int, ...] | None, number: tuple[int, ...]) -> bool:
    """Whether heading ``number`` can come next after ``prev`` in a numbered outline.

    The first is 1 (or 1.1, or appendix A); then the next sibling at some level
    (one may be missed: text extraction can lose a heading), or the first child.
    An appendix may follow any chapter.
    """
    if prev is None:
        return number[0] in (1, _APPENDIX + 1) and all(n <= 1 for n in number[1:])
    if number[0] > _APPENDIX and prev[0] < _APPENDIX:
        return number[0] == _APPENDIX + 1 and all(n <= 1 for n in number[1:])
    if number[: len(prev)] == prev and len(number) == len(prev) + 1:
        return number[-1] in (1, 2)  # a first child
    for depth in range(min(len(prev), len(number)), 0, -1):
        if number[: depth - 1] == prev[: depth - 1] and number[depth - 1] in (prev[depth - 1] + 1, prev[depth - 1] + 2):
            return all(n <= 1 for n in number[depth:])
    return False


#: Dot leaders before a page number: a line of a table of contents or an index.
_LEADERS = re.compile(r"(?:\.\s?){4,}\s*[\divxlc]+\b")
#: A page number at either end of a line, or alone.
_PAGE_NUMBER = re.compile(r"\s*(?:(\d{1,5})\b.*?|.*?\b(\d{1,5})|([ivxlcdm]{1,8}))\s*")


def _lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _blank_lines(page: str, drop: set[int]) -> str:
    """``page`` with the lines numbered in ``drop`` and table-of-contents lines blanked; all of it when
    most of its lines are such lines (a contents or index page: navigation, not prose)."""
    lines = page.split("\n")
    leaders = [bool(_LEADERS.search(line)) for line in lines]
    visible = sum(1 for line in lines if line.strip())
    if visible and 2 * sum(leaders) >= visible:
        return "\n".join(" " * len(line) for line in lines)
    return "\n".join(" " * len(line) if i in drop or leaders[i] else line for i, line in enumerate(lines))


def running_lines(pages: list[str]) -> list[set[int]]:
    """Per page, the line numbers of its running head and foot: the first or last line that
    carries the page's printed number.

    Printed numbers differ from the page's place in the file by an offset (front
    matter); the offset most pages agree on finds them ("Chapter 7: Reading
    data 35" on the 41st page), as do lines of only a number or a roman numeral.
    """
    found: list[list[tuple[int, int | None]]] = []  # per page: (line number, printed number - page)
    offsets: Counter[int] = Counter()
    for number, page in enumerate(pages, start=1):
        lines = page.split("\n")
        ends = [i for i in (_first_visible(lines), _last_visible(lines)) if i is not None]
        mine: list[tuple[int, int | None]] = []
        for i in dict.fromkeys(ends):
            m = _PAGE_NUMBER.fullmatch(lines[i])
            if m is None or len(lines[i].strip()) > 100:
                continue
            printed = m.group(1) or m.group(2)
            if printed is None:
                mine.append((i, None))  # a roman numeral alone
                continue
            offset = int(printed) - number
            offsets[offset] += 1
            mine.append((i, offset))
        found.append(mine)
    if not offsets:
        return [set() for _ in pages]
    best, count = offsets.most_common(1)[0]
    if count < max(3, len(pages) // 4):
        return [set() for _ in pages]
    return [{i for i, offset in mine if offset in (best, None)} for mine in found]


def _first_visible(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line.strip()), None)


def _last_visible(lines: list[str]) -> int | None:
    return next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)


def _title(reader: PdfReader) -> str | None:
    """The metadata title, unless it is a file name or a placeholder."""
    meta = reader.metadata
    raw = meta.title if meta is not None else None
    title = " ".join(str(raw).split()) if raw else ""
    return title if title and not _JUNK_TITLE.match(title) else None


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Keep pypdf's log messages and warnings (repairs of damaged files) off stderr while it runs."""
    logger = logging.getLogger("pypdf")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
