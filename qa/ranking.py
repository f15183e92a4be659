"""One ranking configuration: every weight qa's ranking uses, in one typed object.

:class:`Ranking` groups the three stages' parameters; :data:`DEFAULT_RANKING`
is what the command line uses, chosen on the tune splits of all of
``bench/quality.py``'s sets and ``bench/docs.py`` together. A library user
passes another to :func:`qa.search.search` (``ranking=``). All of it applies
at question time: the index stores raw term frequencies and lengths.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

VARIANTS = ("okapi", "plus", "l")


@dataclass(frozen=True, slots=True)
class BM25Params:
    """The sentence BM25 of the first stage: which rank-bm25 class to mirror and its parameters.

    Applied when a question is asked (:mod:`qa.bm25`): the index keeps raw
    term frequencies and sentence lengths, and idf and the average length are
    summed over its live segments, so any value works on any index.
    ``variant`` is ``okapi`` (BM25Okapi), ``plus`` (BM25Plus) or ``l`` (BM25L).
    """

    variant: str = "plus"
    k1: float = 0.6
    b: float = 0.2
    delta: float = 1.0
    epsilon: float = 0.25

    def to_json(self) -> dict[str, Any]:
        """Plain data for the index metadata."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Evidence:
    """How much the surroundings of a sentence count, besides its own BM25 score.

    A sentence that answers a question often does not repeat the question's
    words: they are in the sentence before, in the paragraph, or in the title.
    Measured on SQuAD (bench/quality.py), these weights are qa's defaults.

    Attributes:
        window: weight of the neighbouring sentences' scores (same paragraph).
        paragraph: weight of the paragraph's own BM25 score (paragraphs as documents).
        title: weight of question words found in the document title or section heading.
        expand: paragraphs (best first) whose other sentences also become candidates.
        paragraph_k1: BM25 saturation for paragraphs.
        paragraph_b: BM25 length normalisation for paragraphs (Lucene's default:
            paragraphs vary in length far more than sentences do).
    """

    window: float = 0.15
    paragraph: float = 1.2
    title: float = 0.3
    expand: int = 20
    paragraph_k1: float = 0.6
    paragraph_b: float = 0.75



@dataclass(frozen=True, slots=True)
class Rerank:
    """Weights of the second stage (``shortlist=0`` turns it off).

    Attributes:
        shortlist: how many first-stage candidates are re-scored.
        k1: BM25F saturation, applied once to the fields' combined frequency.
        sentence_b: length normalisation of the sentence field.
        window: weight of the sentence before (same paragraph) as a field.
        window_after: weight of the sentence after. Lower: a sentence leans on
            the one before it ("This is called ...") more than on the one after.
        window_b: length normalisation of the two neighbours, together.
        paragraph: weight of the rest of the paragraph field.
        paragraph_b: its length normalisation (by paragraph length).
        heading: weight of the document title and section heading field.
        paragraph_score: weight of the first stage's paragraph BM25.
        answer_type: bonus when the sentence has what the question asks for.
        local: weight of the question terms' idf within the sentence's own document.
        phrase: weight of question word pairs found next to each other (idf share).
        proximity: weight of sum(1 / distance**2) over matched question term pairs.
        shared: weight of the idf of matched terms that the paragraph repeats elsewhere.
        document: weight of the BM25 of the question against the sentence's whole document.
        document_k1: its saturation (of how many of the document's sentences hold a term).
        document_b: its length normalisation (by the document's number of sentences).
        exact: weight of the question's words found in the sentence in the same form
            (not only the same stem), as a share of the question's idf.
        lead: weight of the share of the question's idf found in the first sentence of the
            candidate's document (what a document is about, when it has no title).
        definition: for a question asking what or who something is, weight of the share of
            the question's idf that the sentence holds before its verb "is" ("X is a ...").
        first: weight of being the first sentence of the document.
        first_paragraph: weight of being the first sentence of the paragraph.
        place: bonus when a "where" question meets a sentence that places something.
        heading_match: weight of how well the heading a sentence is under (its label, else its
            innermost section, or its document's title) and the question name the same thing: the
            share of the heading's idf the question holds times the share of the question's idf
            the heading holds ("Creating virtual environments" for "how do I create a virtual
            environment"; the glossary term "decorator" for "what is a decorator").
        heading_first: the same, for the first sentence under that heading only (what a
            section or a definition says first is its summary; a parameter list or a version
            note before it, lines that are not sentences, does not count).
        headings: how many headings (labels and sections, best first) that name what the
            question asks about bring their opening sentences into the shortlist, whatever
            their first-stage score: a glossary's "decorator" for "what is a decorator",
            whose definition need not repeat the word.
        heading_floor: the least heading match (as ``heading_match`` measures it) for that.
    """

    shortlist: int = 100
    k1: float = 0.45
    sentence_b: float = 0.3
    window: float = 0.45
    window_after: float = 0.09
    window_b: float = 0.2
    paragraph: float = 0.1
    paragraph_b: float = 0.5
    heading: float = 1.0
    paragraph_score: float = 0.5
    answer_type: float = 6.0
    local: float = 0.25
    phrase: float = 3.0
    proximity: float = 0.0
    shared: float = -0.125
    document: float = 0.4
    document_k1: float = 3.0
    document_b: float = 0.75
    exact: float = 3.5
    lead: float = 1.0
    definition: float = 3.0
    first: float = 1.0
    first_paragraph: float = 1.0
    place: float = 0.0
    heading_match: float = 2.0
    heading_first: float = 8.0
    headings: int = 10
    heading_floor: float = 0.5



@dataclass(frozen=True, slots=True)
class Ranking:
    """Every parameter of the ranking.

    Attributes:
        bm25: the sentence BM25 (question time, as everything here).
        evidence: first stage: how much a sentence's surroundings count.
        rerank: second stage: the re-scored shortlist.
    """

    bm25: BM25Params = field(default_factory=BM25Params)
    evidence: Evidence = field(default_factory=Evidence)
    rerank: Rerank = field(default_factory=Rerank)

    def table(self) -> list[tuple[str, Any]]:
        """``(group.name, value)`` for every parameter, in declaration order (README lists them)."""
        rows: list[tuple[str, Any]] = []
        for group in fields(self):
            part = getattr(self, group.name)
            rows += [(f"{group.name}.{f.name}", getattr(part, f.name)) for f in fields(part)]
        return rows


DEFAULT_RANKING = Ranking()
