"""The sentences indexing makes of a text, as records (a plain module the tests share).

Built the way ``qa index`` builds them: the splitter's spans
(:meth:`~qa.chunking.SentenceSplitter.sentence_spans`), then the worker-side
encoding (:func:`qa.encode.encode_spans`) for lines and columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.chunking import SentenceSplitter
from qa.corpus import Document
from qa.encode import encode_spans
from qa.formats import Block


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as the index keeps it: offsets, position, block, text and its block's section and page."""

    start: int
    end: int
    line: int
    column: int
    ordinal: int
    paragraph: int
    text: str
    section: str | None
    page: int | None


def split(text: str, blocks: Sequence[Block], splitter: SentenceSplitter) -> list[Sentence]:
    """The sentences of ``text`` (with the blocks a reader found in it), in document order."""
    block_list = list(blocks)
    starts, ends, paras = splitter.sentence_spans(text, block_list)
    part = encode_spans(Document(Path("/x.txt"), "x.txt", text, block_list), starts, ends, paras)
    lines = np.frombuffer(part.cols["c_line"], dtype=np.int32).tolist()
    columns = np.frombuffer(part.cols["c_col"], dtype=np.int32).tolist()
    return [Sentence(s, e, line, col, i, p, text[s:e], block_list[p].section, block_list[p].page)
            for i, (s, e, p, line, col) in enumerate(zip(starts, ends, paras, lines, columns, strict=True))]
