"""One analyzer shared by indexing and questions: words -> lowercase -> stop -> stem.

The same function must run on both sides, or a question could never match the
words it was indexed under. Everything here is pure and deterministic.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Sequence

#: Operators of programming languages, longest first: documentation is asked
#: about them ("what does := do"), so they are words of their own.
OPERATORS: tuple[str, ...] = tuple(sorted(
    """
    := -> => == != === !== <= >= ** // += -= *= /= %= &= |= ^= **= //= >>= <<= @= << >> && || ?? ?. ::
    |> <- <<- %% %/% %*% %in% %>% %o% ~=
    """.split(), key=lambda op: (-len(op), op)))
_OPERATOR = "|".join(re.escape(op) for op in OPERATORS)
#: A word: letters and digits (any script), with inner apostrophes kept
#: together so that possessives and contractions stay one token. Dotted
#: acronyms (U.S., U.N.) come first and become one word (us, un). Then
#: operators (:data:`OPERATORS`).
#: (Written for the regex engine's speed: ``x.(?:x.)+`` for ``(?:x.){2,}``, and the operators tried
#: only where one can start: the same words, a third less time; ``tests/test_langs.py`` checks them
#: against the plain form.)
_OPERATOR_START = "".join(sorted({re.escape(op[0]) for op in OPERATORS}))
_WORD_BODY = r"[^\W\d_]\.(?:[^\W\d_]\.)+|[^\W_]+(?:['\u2019\u02bc`][^\W_]+)*"
_WORD = re.compile(rf"{_WORD_BODY}|(?=[{_OPERATOR_START}])(?:{_OPERATOR})")
#: :data:`_WORD` on ASCII text, where ASCII classes match the same characters, faster.
_ASCII_WORD = re.compile(_WORD.pattern, re.ASCII)


def _word_pattern(text: str) -> re.Pattern[str]:
    """:data:`_WORD`, or its equal :data:`_ASCII_WORD` when ``text`` is ASCII."""
    return _ASCII_WORD if text.isascii() else _WORD


def _words_in(text: str) -> list[str]:
    """:data:`_WORD`'s matches in ``text``."""
    return _word_pattern(text).findall(text)


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})

#: English stopwords: the classic list used by NLTK and Snowball, built in so
#: that no corpus download is ever needed.
CLASSIC_STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against ain all am an and any are aren aren't as at
    be because been before being below between both but by can couldn couldn't d
    did didn didn't do does doesn doesn't doing don don't down during each few for
    from further had hadn hadn't has hasn hasn't have haven haven't having he her
    here hers herself him himself his how i if in into is isn isn't it it's its
    itself just ll m ma me mightn mightn't more most mustn mustn't my myself needn
    needn't no nor not now o of off on once only or other our ours ourselves out
    over own re s same shan shan't she she's should should've shouldn shouldn't so
    some such t than that that'll the their theirs them themselves then there these
    they this those through to too under until up ve very was wasn wasn't we were
    weren weren't what when where which while who whom why will with won won't
    wouldn wouldn't y you you'd you'll you're you've your yours yourself yourselves
    also would could may might shall us
    """.split()
)
#: Words of that list that qa keeps as terms: quantifiers and comparisons
#: ("most", "few", "only", "same"), order in time and space ("before",
#: "after", "during", "between", "under"), negation ("not", "no") and modals
#: ("may", "would"); and "won", listed only for "won't", though on its own it
#: is the past of "win". A question that uses one of them ("what happened
#: *after* the war", "the *only* ...") is answered by a sentence that uses it too, and
#: they are rare enough for their idf to count (bench/quality.py, tune half:
#: MRR +0.004). Pronouns, articles, auxiliaries, conjunctions and the short
#: prepositions stay stopwords.
KEPT: frozenset[str] = frozenset(
    """
    most more few only same other all any both each own very too
    before after above below over under between against during until
    off down up out through further again once
    no not nor also would could may might shall won
    """.split()
)
#: The words the analyzer drops: the classic list less :data:`KEPT`.
STOPWORDS: frozenset[str] = CLASSIC_STOPWORDS - KEPT
#: Stopwords are still indexed, as terms of their own that start with this
#: mark (no other term can: apostrophes are dropped from words), and do not
#: count in a sentence's length. A question searches one only where it is the
#: point of the question (:func:`analyze_question`): "the *with* statement".
STOP_MARK = "'"
#: Words that make the shape of a question rather than say what it is about.
QUESTION_WORDS: frozenset[str] = frozenset(
    """
    what which who whom whose when where why how is are was were be been being am do does did doing
    the a an i me my you your we our can could would should will shall may might there here
    """.split()
)
#: Nouns that name a word as syntax: "the *with* statement", "a *for* loop", "the *in* operator".
SYNTAX_NOUNS: frozenset[str] = frozenset(
    """
    statement statements keyword keywords operator operators loop loops clause clauses block blocks
    expression expressions
    """.split()
)
_ARTICLES = frozenset({"the", "a", "an"})
_OPEN_QUOTES = "\"'`\u2018\u201c\u00ab"
_CLOSE_QUOTES = "\"'`\u2019\u201d\u00bb"


#: English irregular verb forms and plurals, by their base form: each form is
#: stemmed as its base, so that "when did the war begin" meets "the war
#: began" and "what did she build" meets "she built" (questions with "did"
#: ask in the base form what the text tells in the past). Forms that are as
#: often another word (left, bound, ground, lay, lit, wound, fed, lent, bit,
#: lives) are left out (bench/quality.py, tune half: MRR +0.0025).
_IRREGULAR_TABLE = """
arise arose arisen | awake awoke awoken | bear borne | beat beaten | become became
begin began begun | bend bent | bleed bled | blow blew blown | break broke broken
breed bred | bring brought | build built | buy bought | catch caught
choose chose chosen | cling clung | come came | creep crept | deal dealt | dig dug
draw drew drawn | drink drank drunk | drive drove driven | eat ate eaten
fall fell fallen | feel felt | fight fought | find found | flee fled | fly flew flown
forbid forbade forbidden | forget forgot forgotten | forgive forgave forgiven
freeze froze frozen | get got gotten | give gave given | go went gone | grow grew grown
hang hung | hear heard | hide hid hidden | hold held | keep kept | kneel knelt
know knew known | lead led | leap leapt | lose lost | make made | mean meant | meet met
pay paid | ride rode ridden | ring rang rung | rise rose risen | run ran | say said
see saw seen | seek sought | sell sold | send sent | shake shook shaken | shine shone
shoot shot | shrink shrank shrunk | sing sang sung | sink sank sunk | sit sat
sleep slept | slide slid | speak spoke spoken | spend spent | spin spun
spring sprang sprung | stand stood | steal stole stolen | stick stuck | sting stung
strike struck stricken | strive strove striven | swear swore sworn | sweep swept
swim swam swum | swing swung | take took taken | teach taught | tear tore torn
tell told | think thought | throw threw thrown | understand understood
undertake undertook undertaken | wake woke woken | wear wore worn | weave wove woven
weep wept | win won | withdraw withdrew withdrawn | write wrote written
overcome overcame | undergo underwent undergone | overthrow overthrew overthrown
rebuild rebuilt | withhold withheld | uphold upheld | mislead misled | forsake forsook forsaken
man men | woman women | child children | foot feet | tooth teeth | mouse mice | goose geese
wife wives | knife knives | half halves | wolf wolves | shelf shelves | thief thieves
"""
#: Irregular form -> base form (:data:`_IRREGULAR_TABLE`).
IRREGULAR: dict[str, str] = {
    form: group.split()[0] for group in _IRREGULAR_TABLE.replace("\n", "|").split("|") for form in group.split()[1:]
}


class Stemmer:
    """Porter stemming, memoised: each distinct word is stemmed once.

    An irregular form (:data:`IRREGULAR`) is stemmed as its base form.
    """

    def __init__(self) -> None:
        self._stem: Callable[[str], str] | None = None
        self.cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        try:
            return self.cache[word]
        except KeyError:
            pass
        if self._stem is None:
            from qa.porter import stem as porter  # NLTK's rules, 3x faster than NLTK (tests/test_porter.py)

            self._stem = porter
        base = IRREGULAR.get(word, word)
        stem = self._stem(base) if len(base) > 2 and base[0].isalnum() else base  # operators stay
        self.cache[word] = stem
        return stem


_STEMMER = Stemmer()


def _normalise(word: str) -> str | None:
    """Lowercase one raw word and drop stopwords; None when it carries no meaning."""
    if not word[0].isalnum():
        return word  # an operator
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word).translate(_APOSTROPHES)
    if word.endswith("."):
        word = word.replace(".", "")
    lower = word.lower()
    if lower.endswith("'s"):
        lower = lower[:-2]
    # An all-caps acronym (US, IT, WHO) is a name, not a function word.
    acronym = len(word) > 1 and word.isupper()
    if lower in STOPWORDS and not acronym:
        return None  # before dropping apostrophes: "won't" is a stopword, "wont" is not
    if "'" in lower:
        lower = lower.replace("'", "")
        if lower in STOPWORDS and not acronym:
            return None
    return lower or None


#: The parts of a word written in camelCase or PascalCase: readFile, XMLHttpRequest.
_CAMEL_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")


def _forms(word: str) -> str:
    """The normalised forms of one raw word, space-separated ("" for a stopword).

    Usually one. A word written in camelCase is also its parts, as Lucene's
    word-delimiter filter does with its original kept: ``readFile`` is
    ``readfile read file``, so "read a file" meets it and so does "readfile".
    """
    return camel_forms(word, _normalise)


def camel_forms(word: str, normalise: Callable[[str], str | None]) -> str:
    """A word's normalised form and, when it is written in camelCase, its parts' (``normalise``: one
    raw word to its normal form, None for a stopword), space-separated."""
    whole = normalise(word)
    if not word.isascii() or _CAMEL.search(word) is None:
        return whole or ""
    parts = _CAMEL_PART.findall(word)
    if len(parts) < 2 or min(map(len, parts)) < 2:
        return whole or ""
    found = [whole] if whole else []
    for part in parts:
        form = normalise(part)
        if form and form not in found:
            found.append(form)
    return " ".join(found)


class _TermCache(dict[str, str]):
    """Raw word -> term ("" for a stopword; terms space-separated for a camelCase word), filled on first sight.

    Indexing sees the same few hundred thousand raw words millions of times;
    one dict lookup per word replaces normalising and stemming it again.
    """

    limit = 2_000_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        forms = _forms(word)
        term = " ".join(map(_STEMMER, forms.split())) if " " in forms else (_STEMMER(forms) if forms else "")
        self[word] = term
        return term


_TERMS = _TermCache()


class _WordCache(dict[str, str]):
    """Raw word -> normalised, unstemmed word ("" for a stopword; :func:`_forms`)."""

    limit = 2_000_000

    def __missing__(self, word: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        normal = _forms(word)
        self[word] = normal
        return normal


_NORMAL = _WordCache()


def normal_words(text: str) -> list[str]:
    """The words of ``text`` normalised and stopped but not stemmed.

    Indexing workers send these and the parent process stems each distinct
    word once (:func:`stem`); ``[stem(w) for w in normal_words(t)]`` equals
    ``tokenize(t)``.
    """
    return [form for w in map(_NORMAL.__getitem__, _words_in(text)) if w for form in w.split(" ")]


#: Joins the chunk texts of a document so that one regex pass tokenises them
#: all; never part of a word, and matched on its own as a chunk marker.
CHUNK_SEP = "\x00"
#: The same words (a word always starts with a letter, a digit or an
#: operator's first character; saying so up front lets the engine skip other
#: characters faster), or the marker.
_WORD_OR_SEP = rf"(?=[^\W_]|[{_OPERATOR_START}])(?:{_WORD.pattern})|{CHUNK_SEP}"


@functools.cache
def _word_or_sep(ascii_only: bool) -> re.Pattern[str]:
    """:data:`_WORD_OR_SEP` compiled on first use (only indexing needs it: ~5 ms).

    For ASCII-only text, ASCII classes match the same characters as Unicode
    ones, only faster.
    """
    return re.compile(_WORD_OR_SEP, re.ASCII if ascii_only else 0)


def _words_and_markers(text: str, pattern: re.Pattern[str] | None = None) -> list[str]:
    return (pattern or _word_or_sep(text.isascii())).findall(text)


class _Ids(dict[str, int]):
    """Raw word -> dense id in order of first sight."""

    def __missing__(self, word: str) -> int:
        new = self[word] = len(self)
        return new


#: Texts tokenised per regex pass: bounds the list of word strings alive at once.
_BATCH_CHARS = 1_000_000


def joined_words(texts: Sequence[str], pattern: re.Pattern[str] | None = None
                 ) -> tuple[list[str], array[int]] | None:
    """The raw words of all ``texts``: distinct words, and their ids in text order.

    Consecutive texts are joined with :data:`CHUNK_SEP` (a batch at a time),
    which is found as a word of its own between them: the words between two
    markers are exactly ``_WORD.findall`` of that text (a word never crosses
    the marker). Batches end with a marker too, so every text is followed by
    exactly one. None when a text itself holds the marker. ``pattern``: the
    words (and the marker) of another language (:mod:`qa.analyzers`).
    """
    ids = _Ids()
    seq: array[int] = array("i")
    batch: list[str] = []
    size = 0
    for text in texts:
        if CHUNK_SEP in text:
            return None
        batch.append(text)
        size += len(text)
        if size >= _BATCH_CHARS:
            batch.append("")
            seq.extend(map(ids.__getitem__, _words_and_markers(CHUNK_SEP.join(batch), pattern)))
            batch, size = [], 0
    if batch:
        batch.append("")
        seq.extend(map(ids.__getitem__, _words_and_markers(CHUNK_SEP.join(batch), pattern)))
    return list(ids), seq


def normal_word(raw: str) -> str:
    """The normalised, unstemmed forms of one raw word, space-separated ("" for a stopword; :func:`_forms`)."""
    return _NORMAL[raw]


def stop_term(raw: str) -> str:
    """The index term of a raw word that is a stopword ("" for any other word)."""
    if _NORMAL[raw]:
        return ""
    lower = raw.translate(_APOSTROPHES).lower() if not raw.isascii() else raw.lower()
    return STOP_MARK + lower if lower in STOPWORDS else ""


def stem(word: str) -> str:
    """The stem of one normalised word (memoised)."""
    return _STEMMER(word)


def stem_all(words: Sequence[str]) -> list[str]:
    """The stems of many normalised words: ``[stem(w) for w in words]``, with the
    memo lookups done in C and only unseen words stemmed."""
    stemmer = _STEMMER
    cache = stemmer.cache
    for word in set(words).difference(cache):
        stemmer(word)
    return list(map(cache.__getitem__, words))


def analyze(text: str, stops: bool = False) -> Iterator[tuple[str, int, int]]:
    """Yield ``(term, start, end)`` for each indexable word of ``text``.

    Offsets are those of the word in ``text``, so callers can highlight the
    words of a sentence that matched a question. With ``stops``, stopwords
    come too, as their :func:`stop_term`.
    """
    terms = _TERMS
    for match in _word_pattern(text).finditer(text):
        raw = match.group()
        term = terms[raw] or (stop_term(raw) if stops else "")
        if not term:
            continue
        if " " in term:
            for part in term.split(" "):
                yield part, match.start(), match.end()
        else:
            yield term, match.start(), match.end()


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` stands in quotes or backticks of its own."""
    return (start > 0 and end < len(text) and text[start - 1] in _OPEN_QUOTES and text[end] in _CLOSE_QUOTES)


def analyze_question(text: str) -> tuple[list[tuple[str, int, int]], list[str]]:
    """A question's terms as :func:`analyze` gives them, plus the stopwords that are its point.

    A stopword is searched when it is quoted (``"with"``, `` `in` ``), stands
    between an article and another word ("the *with* statement", "a *for*
    loop") or before a noun naming syntax ("*is* operator"), and, when the
    question has no other word to search, every stopword but those that only
    shape a question (what, how, does...) is. Returns the terms, in order, and
    the stopwords left out (lowercase, in order, once each).
    """
    found = [(m.group(), m.start(), m.end()) for m in _word_pattern(text).finditer(text)]
    terms = _TERMS
    out: list[tuple[str, int, int]] = []
    stops: list[tuple[int, str]] = []  # (position in out, stop term) of stopwords not yet searched
    for i, (raw, start, end) in enumerate(found):
        term = terms[raw]
        if term:
            out += [(part, start, end) for part in term.split(" ")]
            continue
        stop = stop_term(raw)
        if not stop:
            continue
        before = found[i - 1][0].lower() if i else ""
        after = found[i + 1][0] if i + 1 < len(found) else ""
        if (_quoted(text, start, end) or after.lower() in SYNTAX_NOUNS
                or (before in _ARTICLES and after and terms[after])):
            out.append((stop, start, end))
        else:
            stops.append((len(out), stop))
            out.append(("", start, end))
    if not any(term for term, _, _ in out):
        for at, stop in stops:
            if stop[1:] not in QUESTION_WORDS:
                out[at] = (stop, out[at][1], out[at][2])
    ignored = list(dict.fromkeys(stop[1:] for at, stop in stops if not out[at][0]))
    return [t for t in out if t[0]], ignored


def tokenize(text: str) -> list[str]:
    """Return the index terms of ``text`` (the tokens BM25 sees), in order."""
    return [part for t in map(_TERMS.__getitem__, _words_in(text)) if t for part in t.split(" ")]


def terms_in_order(text: str, stops: bool = False) -> list[str]:
    """:func:`tokenize`, with stopwords as their :func:`stop_term` too when ``stops`` is set."""
    if not stops:
        return tokenize(text)
    return [t for t, _, _ in analyze(text, stops=True)]


def raw_words(text: str) -> list[str]:
    """The words of ``text`` as written (before normalising): what the analyzer reads."""
    return _words_in(text)


def words(text: str) -> list[str]:
    """Return the lowercase surface words of ``text`` (for messages and completion)."""
    return [w.lower() for w in _words_in(text)]


#: An acronym in parentheses after its long form: "global interpreter lock (GIL)".
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,5})s?\)")
_LONG_WORDS = re.compile(r"[^\W\d_][\w'-]*")
#: Short words a long form may hold without a letter in its acronym ("Department *of* Energy").
_ACRONYM_FILLERS = frozenset("of and for the in on to a an de la".split())


def acronyms(text: str) -> list[tuple[str, str]]:
    """Acronyms the text defines, with their long forms: ``[("gil", "global interpreter lock")]``.

    The long form is the words right before the parentheses whose initials spell
    the acronym (short function words may stand between them), as in Schwartz
    and Hearst's algorithm, simplified: found this way, "GIL" can also find the
    sentences that say "global interpreter lock".
    """
    found: dict[str, str] = {}
    for m in _ACRONYM.finditer(text):
        letters = m.group(1).lower()
        before = _LONG_WORDS.findall(text[max(0, m.start() - 120) : m.start()])
        words: list[str] = []
        need = len(letters)
        for word in reversed(before):
            if need == 0:
                break
            lower = word.lower()
            if lower[0] == letters[need - 1]:
                words.append(lower)
                need -= 1
            elif lower in _ACRONYM_FILLERS and words:
                words.append(lower)
            else:
                break
        if need == 0 and len(words) >= 2:
            found.setdefault(letters, " ".join(reversed(words)))
    return sorted(found.items())
