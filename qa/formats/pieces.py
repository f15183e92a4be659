"""One document text from pieces read one by one (paragraphs, cells, EPUB items, messages).

Each piece keeps its own offsets, so line and column inside it are exact;
pieces are joined by blank lines, so no sentence spans two of them, and
each piece's blocks carry the :class:`~qa.formats.Part` they belong to.
"""

from __future__ import annotations

from qa.formats import Block, Extracted, Part

_JOIN = "\n\n"


class Pieces:
    """Collects pieces of text and their blocks into one :class:`~qa.formats.Extracted`."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._blocks: list[Block] = []
        self._pos = 0
        self._hidden = bytearray()
        self._any_hidden = False

    def add(self, text: str, blocks: list[Block], part: Part | None, section: str | None = None,
            prefix: str | None = None, hidden: bytes | None = None) -> None:
        """Append ``text`` with its ``blocks`` (offsets in ``text``).

        ``part`` gets the piece's start as its origin. A block without a
        section gets ``section``; with ``prefix``, a block's own section is
        put under it (``Subject > Heading``). ``hidden`` marks the piece's
        blanked markup (:class:`~qa.formats.Extracted`).
        """
        pos = self._pos
        placed = part.placed(pos) if part is not None else None
        for b in blocks:
            own = b.section
            name = own if own is not None and prefix is None else (
                f"{prefix} > {own}" if own is not None else (section if section is not None else prefix))
            self._blocks.append(Block(b.start + pos, b.end + pos, section=name, part=placed, label=b.label))
        self._texts.append(text)
        self._hidden += hidden if hidden is not None else bytes(len(text))
        self._hidden += bytes(len(_JOIN))
        self._any_hidden = self._any_hidden or hidden is not None
        self._pos = pos + len(text) + len(_JOIN)

    @property
    def empty(self) -> bool:
        """Whether no block was added."""
        return not self._blocks

    def extracted(self, title: str | None) -> Extracted:
        """The joined text, its blocks and ``title``."""
        return Extracted(text=_JOIN.join(self._texts) + (_JOIN if self._texts else ""), blocks=self._blocks,
                         title=title, hidden=bytes(self._hidden) if self._any_hidden else None)


def trimmed_block(text: str) -> list[Block]:
    """``text`` as one block without its surrounding whitespace (none when blank)."""
    stripped = text.strip()
    if not stripped:
        return []
    start = len(text) - len(text.lstrip())
    return [Block(start, start + len(stripped))]


def clip(value: str | None, limit: int = 200) -> str | None:
    """A metadata string on one line, at most ``limit`` characters (None when empty)."""
    if value is None:
        return None
    one = " ".join(value[: limit * 8].split())[:limit]
    return one or None
