"""qa: ask questions of your documents; get the sentences that answer, with citations.

The library does everything the command line does::

    from qa import open_index, search
    index, _ = open_index(["notes/"])
    for hit in search(index, "Who led the delegation?").hits:
        print(hit.source, hit.line, hit.text)

Heavy modules (numpy, nltk, rich) are imported only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_RANKING",
    "Answer",
    "BM25Params",
    "CorpusError",
    "Hit",
    "Index",
    "QAError",
    "QueryError",
    "Ranking",
    "__version__",
    "build_index",
    "open_index",
    "search",
]

from qa.errors import CorpusError, QAError, QueryError

if TYPE_CHECKING:
    from qa.build import build_index
    from qa.index import Index
    from qa.ranking import DEFAULT_RANKING, BM25Params, Ranking
    from qa.refresh import open_index
    from qa.search import Answer, Hit, search

_LAZY = {
    "build_index": "qa.build",
    "open_index": "qa.refresh",
    "BM25Params": "qa.ranking",
    "DEFAULT_RANKING": "qa.ranking",
    "Ranking": "qa.ranking",
    "Index": "qa.index",
    "Answer": "qa.search",
    "Hit": "qa.search",
    "search": "qa.search",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562), keeping ``import qa`` cheap."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
