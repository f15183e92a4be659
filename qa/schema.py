"""The on-disk format of a qa index, written down once (format 16).

An index is a folder per corpus in the cache (:func:`qa.store.index_dir`)::

    lock                  flock'd while a process writes
    CURRENT               the name of the live generation (``gen-<id>``), replaced atomically
    gen-<id>/             one generation: a list of segments and what is deleted in them
        meta.json         see GENERATION below
        punkt.json        the Punkt parameters every segment was split with
    seg-<id>/             one immutable segment (shared by the generations that list it)
        segment.json      see SEGMENT below
        blob.bin          the sentences' text, UTF-8, back to back in sentence order
        <array>.npy       one 1-D array each (see ARRAYS), read with allow_pickle=False

Segments are written once and never changed (Lucene's and tantivy's model). A
build writes segments of bounded size; a refresh writes the new and changed
files as a new small segment and lists the documents it replaces as deleted in
their old segments (in the generation, not in the segment); merges (a tiered
policy, :mod:`qa.merge`) rewrite a few segments of similar size into one and
drop what is deleted. A new generation is written beside the old one and made
live by renaming ``CURRENT``; the segments no live generation lists are then
removed. A crash at any moment leaves the previous generation live.

Ids inside a segment are local (sentence ``0..n_chunks-1``, paragraph, term,
document, section, label, part descriptor). The reader (:class:`qa.index.Index`)
numbers sentences and paragraphs globally by adding each segment's base (the
sizes of the segments before it, deleted sentences included, so a deleted
sentence leaves a hole that no posting points to); documents are numbered over
the live ones only. Every statistic BM25 needs (sentence count, average
length, document frequency, the same for paragraphs) is summed over the live
sentences of every segment when a question is asked, so the scores equal those
of one segment built from scratch over the same files.

GENERATION (``gen-<id>/meta.json``)::

    version      FORMAT_VERSION
    segments     [{"name": "seg-<id>", "deleted": [local document ids], "mtimes": {"<local doc id>": mtime_ns}}]
                 in order (their sentences are numbered in this order); ``mtimes``: documents whose file
                 was touched (new modification time, same content), kept as they are
    unread       {path: [size, mtime_ns]} files that could not be read, not retried while unchanged

SEGMENT (``seg-<id>/segment.json``)::

    version      FORMAT_VERSION
    n_chunks     sentences;  n_paragraphs: paragraphs;  tokens: the sum of c_len;  n_postings
    docs         one record per document, in sentence order: path, source (as shown), title (or null),
                 size, mtime_ns, first (its first sentence), count (its sentences), fingerprint
                 (content digest), tokens (sum of its c_len), paragraphs, lang (the ISO 639-1 code
                 of the analyzer its text was indexed with, :mod:`qa.lang`; absent or null: "en"),
                 acronyms (optional: [[acronym, long form], ...] the document spells out, in order)
    langs        the sorted languages of its documents (a question is analysed in each language of
                 the live documents; readers recompute it when documents are deleted)
    sections     heading paths (c_section indexes them); section_terms: each one's index terms, in
                 the languages of the documents whose sentences it heads
    labels       the terms or signatures sentences describe (c_label); label_terms: their terms (as
                 section_terms)
    title_terms  per document, the index terms of its title, in the document's language
    full         true when a build wrote it because its buffer was full (the merge policy leaves it alone
                 unless mostly deleted); absent otherwise
    files        {file name: [size, mtime_ns]} of each file as written: a file that differs has every
                 value of the segment checked again when it is opened
    shapes       {array name: [dtype, length]}: a segment whose files are as written is opened without
                 mapping its arrays (each is mapped when first read, and must have this type and length)

Index terms are those of the document's analyzer (:mod:`qa.analyzers`): an English term as it is,
another language's tagged with its code (``de:haus``); stopword terms start with ``'``
(:data:`qa.tokens.STOP_MARK`: ``'de:die``); a camelCase word is indexed as itself and its parts.

ARRAYS (per segment; integer columns are stored in the narrowest type that holds their
values, so readers must not assume a width; -1 means "none" where noted).
"""

from __future__ import annotations

#: Bumped whenever the on-disk layout, the analyzer or what a reader makes of a file changes.
FORMAT_VERSION = 16

#: name -> meaning. Per sentence (length n_chunks) unless said otherwise.
ARRAYS: dict[str, str] = {
    "c_doc": "local document id",
    "c_line": "1-based line of the sentence's start (in its part, for documents read in parts)",
    "c_col": "1-based column, in characters",
    "c_para": "index of the block (paragraph) of its document that holds it",
    "c_section": "section id (-1: none)",
    "c_label": "label id (-1: none)",
    "c_part": "the part's number (PDF page, Word paragraph, cell, message; 0: none)",
    "c_pdesc": "part descriptor id (-1: none)",
    "c_len": "length in index terms, stopword terms not counted (BM25's document length)",
    "c_start": "character offset of the start in the document's text",
    "c_end": "character offset one past the end",
    "c_boff": "n_chunks + 1 byte offsets into blob.bin: sentence i is blob[c_boff[i]:c_boff[i + 1]]",
    "g_pid": "local paragraph id (paragraphs are runs of sentences of one block)",
    "g_start": "n_paragraphs + 1: first sentence of each paragraph, and n_chunks",
    "g_len": "n_paragraphs: length of each paragraph in index terms",
    "t_blob": "the vocabulary, UTF-8, sorted by bytes, back to back (stopword terms start with ')",
    "t_off": "n_terms + 1 byte offsets into t_blob",
    "t_key": "uint64, n_terms: each term's first 8 bytes (zero-padded) as a big-endian number, ascending: a "
             "question's terms are found by a binary search in it",
    "p_ptr": "n_terms + 1: term t's postings are p_*[p_ptr[t]:p_ptr[t + 1]], by ascending sentence",
    "t_maxtf": "n_terms: the term's largest frequency in one sentence (with the BM25 parameters, a bound on "
               "its weight in any sentence: what lets a question skip sentences that cannot reach the top)",
    "t_pdf": "n_terms: how many paragraphs hold the term (paragraph BM25's document frequency)",
    "t_maxptf": "n_terms: the term's largest frequency in one paragraph (a bound on its paragraph weight)",
    "p_delta": "uint16: a posting's sentence id minus the previous one of its term (the first: the id "
               "itself); 65535 marks a value held in p_exc_val",
    "p_exc_pos": "positions (ascending) of the postings whose delta is in p_exc_val",
    "p_exc_val": "their deltas",
    "p_tf": "the term's frequency in the sentence (raw: k1 and b apply at question time)",
    "part_blob": "part descriptors (JSON objects: kind, EPUB item name, mail headers...), UTF-8",
    "part_off": "n_descriptors + 1 byte offsets into part_blob",
}

#: Columns with one value per sentence.
CHUNK_COLUMNS = ("c_doc", "c_line", "c_col", "c_para", "c_section", "c_label", "c_part", "c_pdesc", "c_len",
                 "c_start", "c_end", "g_pid")

#: The delta that says "look the value up in p_exc_val".
DELTA_ESCAPE = 0xFFFF

#: The fields of a document record (segment.json ``docs``), required first.
DOC_FIELDS = ("path", "source", "title", "size", "mtime_ns", "first", "count")
DOC_OPTIONAL = ("fingerprint", "tokens", "paragraphs", "lang", "acronyms")

__doc__ = (__doc__ or "") + "\n" + "\n".join(f"    {name:<10} {meaning}" for name, meaning in ARRAYS.items()) + "\n"
