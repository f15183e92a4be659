"""The interactive session: a prompt-toolkit loop that asks, searches and renders.

Everything it shows goes through :class:`qa.render.RichRenderer`, the renderer
``qa ask`` uses. Input, output and the rich console are passed in, so tests
drive the real loop with a pipe input and a recording console. Given plain
``lines`` instead (``qa repl < script``), the same commands and questions run
without prompt-toolkit.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit.auto_suggest import AutoSuggestFromHistory, Suggestion
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from rich.pager import Pager

from qa.errors import QAError
from qa.render import RichRenderer, clean, describe_roots, no_match_message, place

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.console import Console, RenderableType
    from rich.text import Text

    from qa.index import Index
    from qa.refresh import OpenReport
    from qa.search import Answer, Hit

PREFIX = ":"

COMMANDS: dict[str, str] = {
    "help": "show this help",
    "k N": "show N sentences per answer (also :top N)",
    "context N": "show N neighbouring sentences (also :C N)",
    "explain": "toggle why-each-sentence-ranked details",
    "docs": "list the documents and their sentence counts",
    "show N": "show hit N in full: its paragraph, with line numbers (a PDF's: with its page)",
    "open N": "open hit N at its line in $VISUAL or $EDITOR (a PDF: at its page in a PDF viewer)",
    "reindex": "rebuild the index from the documents",
    "quit": "leave (also :q, :exit, quit or exit alone on the line, or Ctrl-D)",
}
#: Lines that leave the session although they have no colon (and would otherwise be searched).
QUIT_WORDS = frozenset({"quit", "exit"})
_NAMES = sorted({c.split()[0] for c in COMMANDS} | {"top", "C", "q", "exit"})
#: Bytes of sentence text scanned for completion words (bounded on big corpora).
_COMPLETION_SCAN_BYTES = 4_000_000
#: Text is scanned in pieces this big, spread over the whole corpus when it is larger than the budget.
_COMPLETION_PIECE = 64_000
_COMPLETIONS_SHOWN = 50
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*[^\W_]")
_PROMPT = FormattedText([("bold", "qa> ")])
_PROMPT_CELLS = 4


# -- history --------------------------------------------------------------


def history_path() -> Path:
    """History file in the user's data folder (``$XDG_DATA_HOME/qa/history`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("qa", appauthor=False)) / "history"


def private_history(path: Path) -> History:
    """A FileHistory whose folders are created 0700 and file 0600; in memory if that fails."""
    from qa.store import make_private_dirs

    try:
        make_private_dirs(path.parent)
        os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


# -- completion -----------------------------------------------------------


def surface_forms(counts: Counter[str]) -> list[str]:
    """One spelling per word, the corpus's most frequent one, sorted case-insensitively."""
    best: dict[str, tuple[int, str]] = {}
    for form, n in counts.items():
        key = form.lower()
        if key not in best or (n, form) > best[key]:
            best[key] = (n, form)
    return [best[key][1] for key in sorted(best)]


def corpus_words(index: Index, limit: int = _COMPLETION_SCAN_BYTES) -> list[str]:
    """Distinct words of the corpus as written (not stems), from at most about ``limit`` bytes.

    A corpus larger than ``limit`` is sampled in pieces spread over all of it,
    so every part contributes words; small pieces keep each regex call short.
    """
    blobs = index.text_blobs()
    ends = list(itertools.accumulate(int(b.shape[0]) for b in blobs))
    size = ends[-1] if ends else 0
    pieces = max(1, math.ceil(min(size, limit) / _COMPLETION_PIECE))
    step = size / pieces
    counts: Counter[str] = Counter()
    for i in range(pieces):
        at = int(i * step)
        s = bisect.bisect_right(ends, at)
        if s >= len(blobs):
            break
        blob, base = blobs[s], ends[s] - int(blobs[s].shape[0])
        lo = at - base
        hi = min(int(blob.shape[0]), lo + _COMPLETION_PIECE)
        text = bytes(blob[lo:hi]).decode("utf-8", errors="ignore")
        found = _WORD.findall(text)
        if lo > 0 and found and not text[:1].isspace():
            found = found[1:]  # the piece may start inside a word
        if hi < int(blob.shape[0]) and found and not text[-1:].isspace():
            found = found[:-1]
        counts.update(found)
    return surface_forms(counts)


class CorpusWords:
    """The corpus's words for completion, gathered once in a background thread."""

    def __init__(self, index: Index) -> None:
        self._index = index
        self._words: list[str] = []
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin gathering (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="qa-words", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            self._words = corpus_words(self._index)
        except Exception:  # completion is a convenience: it never breaks the session
            self._words = []
        finally:
            self._ready.set()

    def __call__(self) -> list[str]:
        """The words, waiting briefly for the first gathering to finish."""
        self.start()
        self._ready.wait(5.0)
        return self._words


class CorpusCompleter(Completer):
    """Completes ``:commands`` and words that occur in the documents (case-insensitively)."""

    def __init__(self, words: Callable[[], Sequence[str]]) -> None:
        self._source = words
        self._seen: Sequence[str] | None = None
        self._keys: list[str] = []
        self._forms: list[str] = []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        """Yield completions for the word before the cursor."""
        text = document.text_before_cursor
        if text.lstrip().startswith(PREFIX) and " " not in text.lstrip():
            typed = text.lstrip()[len(PREFIX) :]
            for name in _NAMES:
                if name.startswith(typed):
                    yield Completion(PREFIX + name, start_position=-len(typed) - len(PREFIX))
            return
        word = document.get_word_before_cursor()
        if len(word) < 2 or not word.isalpha():
            return
        yield from self._words_from(word)

    def _words_from(self, word: str) -> Iterator[Completion]:
        self._refresh()
        lower = word.lower()
        i = bisect.bisect_left(self._keys, lower)
        shown = 0
        while i < len(self._keys) and self._keys[i].startswith(lower) and shown < _COMPLETIONS_SHOWN:
            if self._keys[i] != lower:
                yield Completion(self._forms[i], start_position=-len(word))
                shown += 1
            i += 1

    def _refresh(self) -> None:
        words = self._source()
        if words is not self._seen:
            pairs = sorted((w.lower(), w) for w in words)
            self._keys = [k for k, _ in pairs]
            self._forms = [w for _, w in pairs]
            self._seen = words


class OneRowSuggestion(AutoSuggestFromHistory):
    """Suggestions from history, cut to what fits on the rest of the cursor's row.

    A long earlier question would otherwise fill the screen in grey. Right
    arrow accepts what is shown; the rest is suggested again after it.
    """

    def __init__(self, columns: Callable[[], int], prompt_cells: int = _PROMPT_CELLS) -> None:
        self._columns = columns
        self._prompt_cells = prompt_cells

    def get_suggestion(self, buffer: Buffer, document: Document) -> Suggestion | None:
        """The history suggestion, truncated to the cells left on the row."""
        from qa.cells import cell_len, truncate

        found = super().get_suggestion(buffer, document)
        if found is None:
            return None
        columns = max(self._columns(), 1)
        last_row = document.text.rsplit("\n", 1)[-1]
        used = (self._prompt_cells if "\n" not in document.text else 0) + cell_len(last_row)
        room = columns - 1 - used % columns
        text = truncate(found.text, room)
        return Suggestion(text) if text else None


def _terminal_columns() -> int:
    """The width of the running prompt's terminal (80 outside one)."""
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()
    return app.output.get_size().columns if app is not None else 80


# -- session --------------------------------------------------------------


@dataclass(slots=True)
class Settings:
    """What the user can change during a session."""

    k: int = 3
    context: int = 1
    explain: bool = False


@dataclass(slots=True)
class Session:
    """State of one REPL session."""

    index: Index
    report: OpenReport
    settings: Settings
    last: Answer | None = None
    done: bool = False
    reopen: Callable[[bool], tuple[Index, OpenReport]] | None = None


class Repl:
    """The prompt loop. ``run()`` returns the exit status (0 on Ctrl-D or ``:quit``).

    Args:
        session: the index and settings.
        console: where answers and messages go.
        input: prompt-toolkit input (default: the terminal).
        output: prompt-toolkit output for the prompt line (default: the terminal).
        history: prompt history (default: in memory).
        editor: command for ``:open`` (default: ``$VISUAL``, else ``$EDITOR``).
        lines: read these lines instead of prompting (``qa repl < script``); each
            answer is then preceded by its question, as ``qa ask -`` does.
        debug: let unexpected errors raise instead of printing one line.
        notes: where session messages go (default: ``console``).
        title: the collection's name, for the banner.
    """

    def __init__(
        self,
        session: Session,
        console: Console,
        *,
        input: Input | None = None,
        output: Output | None = None,
        history: History | None = None,
        editor: str | None = None,
        lines: Iterable[str] | None = None,
        debug: bool = False,
        notes: Console | None = None,
        title: str | None = None,
    ) -> None:
        self.s = session
        self.title = title
        self.console = console
        self.notes = notes or console  # where session messages go (stderr when stdout is not a terminal)
        self.editor = editor if editor is not None else os.environ.get("VISUAL") or os.environ.get("EDITOR", "")
        self.opener = system_opener()  # for documents an editor cannot show (Word, EPUB)
        self.debug = debug
        self._input, self._output = input, output
        self._history = history if history is not None else InMemoryHistory()
        self._lines = iter(lines) if lines is not None else None
        self._prompt: PromptSession[str] | None = None
        self.words = CorpusWords(session.index)

    @property
    def prompt(self) -> PromptSession[str]:
        """The prompt-toolkit session, created on first use (never in line mode)."""
        if self._prompt is None:
            from prompt_toolkit import PromptSession

            self._prompt = PromptSession(
                history=self._history,
                auto_suggest=OneRowSuggestion(_terminal_columns),
                completer=CorpusCompleter(lambda: self.words()),
                complete_while_typing=False,
                complete_in_thread=True,
                enable_history_search=False,
                input=self._input,
                output=self._output,
            )
        return self._prompt

    def say(self, message: str, style: str = "dim") -> None:
        """One line of session output (escaped: documents and questions are data)."""
        from rich.text import Text

        width = self.notes.width if self.notes.is_terminal else None
        self.notes.print(wrapped(Text(clean(message), style=style), width, 2), soft_wrap=True)

    def banner(self) -> None:
        """The startup line: the corpus and how to get help."""
        index, report = self.s.index, self.s.report
        where = describe_roots(report.roots)
        if self.title:
            where = f"collection {clean(self.title)} ({where})"
        self.say(
            f"qa: {len(index.docs):,} documents, {index.n_chunks:,} sentences in {where}. "
            f"Ask a question; {PREFIX}help for commands, Ctrl-D to quit.",
            style="bold",
        )

    def read(self) -> str:
        """The next line typed (or scripted); EOFError at the end."""
        if self._lines is not None:
            line = next(self._lines, None)
            if line is None:
                raise EOFError
            return line
        return self.prompt.prompt(_PROMPT)

    def run(self) -> int:
        """Read questions until Ctrl-D or :quit."""
        if self._lines is None:
            self.banner()
            self.words.start()
        while not self.s.done:
            try:
                line = self.read()
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line
            except EOFError:
                break
            self.handle_safely(line)
        return 0

    def handle_safely(self, line: str) -> None:
        """Handle one line; any error becomes one line of output and the session goes on."""
        try:
            self.handle(line)
        except KeyboardInterrupt:
            self.say("interrupted")
        except QAError as exc:
            self.say(f"error: {exc}", style="red")
        except BrokenPipeError:
            raise
        except Exception as exc:
            if self.debug:
                raise
            self.say(f"error: {type(exc).__name__}: {exc} (start qa with --debug for details)", style="red")

    def handle(self, line: str) -> None:
        """One line typed at the prompt: a command or a question."""
        text = line.strip()
        if not text:
            return
        if text.startswith(PREFIX):
            self.command(text[len(PREFIX) :])
        elif text.lower() in QUIT_WORDS:
            self.cmd_quit([])
        else:
            self.ask(text)

    @property
    def width(self) -> int | None:
        """The width to wrap answers at: the terminal's, or None when output is not a terminal."""
        return self.console.width if self.console.is_terminal else None

    def ask(self, question: str) -> None:
        """Answer one question with the shared renderer."""
        from qa.search import search

        st = self.s.settings
        answer = search(self.s.index, question, k=st.k, context=st.context, with_explain=st.explain)
        self.s.last = answer
        scripted = self._lines is not None
        if not answer.hits:
            prefix = f"{clean(question)[:80]!r}: " if scripted else ""
            self.say(prefix + no_match_message(answer), style="yellow")
            return
        RichRenderer(self.console, show_question=scripted, explain=st.explain,
                     hyperlinks=self.console.is_terminal, width=self.width).write(answer)

    # -- commands -------------------------------------------------------
    def command(self, text: str) -> None:
        """Dispatch ``:name args``."""
        try:
            parts = shlex.split(text)
        except ValueError:
            parts = text.split()
        if not parts:
            self.say(f"type {PREFIX}help for commands", style="yellow")
            return
        name, args = parts[0].lower(), parts[1:]
        handlers = self._handlers()
        handler = handlers.get(name)
        if handler is None:
            self.say(f"unknown command {PREFIX}{clean(name)}; {did_you_mean(name, handlers)}", style="yellow")
            return
        handler(args)

    def _handlers(self) -> dict[str, Callable[[list[str]], None]]:
        return {
            "help": self.cmd_help,
            "h": self.cmd_help,
            "?": self.cmd_help,
            "k": self.cmd_k,
            "top": self.cmd_k,
            "context": self.cmd_context,
            "c": self.cmd_context,
            "explain": self.cmd_explain,
            "docs": self.cmd_docs,
            "show": self.cmd_show,
            "open": self.cmd_open,
            "reindex": self.cmd_reindex,
            "quit": self.cmd_quit,
            "q": self.cmd_quit,
            "exit": self.cmd_quit,
        }

    def cmd_help(self, args: list[str]) -> None:
        """List the commands."""
        from rich.table import Table

        table = Table(show_header=False, box=None, padding=(0, 2))
        for usage, what in COMMANDS.items():
            table.add_row(f"{PREFIX}{usage}", what)
        self.console.print(table)
        self.say(
            "Anything else is a question. Up/Down: history, Ctrl-R: search it, Tab: complete, "
            "Right: accept the grey suggestion, Ctrl-C: clear the line or stop a search."
        )

    def _number(self, args: list[str], what: str, low: int = 0) -> int | None:
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) < low:
            self.say(f"usage: {PREFIX}{what} N (a whole number of at least {low})", style="yellow")
            return None
        return int(args[0])

    def cmd_k(self, args: list[str]) -> None:
        """Set how many sentences an answer shows."""
        n = self._number(args, "k", 1)
        if n is not None:
            self.s.settings.k = n
            self.say(f"showing {n} sentence{'s' if n != 1 else ''} per answer")

    def cmd_context(self, args: list[str]) -> None:
        """Set how many neighbouring sentences are shown."""
        n = self._number(args, "context")
        if n is not None:
            self.s.settings.context = n
            self.say(f"showing {n} neighbouring sentence{'s' if n != 1 else ''}")

    def cmd_explain(self, args: list[str]) -> None:
        """Toggle per-term explanations."""
        self.s.settings.explain = not self.s.settings.explain
        self.say(f"explain {'on' if self.s.settings.explain else 'off'}")

    def cmd_docs(self, args: list[str]) -> None:
        """List documents with their sentence counts."""
        from rich.table import Table

        table = Table("document", "sentences", box=None, padding=(0, 2))
        for doc in self.s.index.docs:
            table.add_row(clean(doc.source), f"{doc.count:,}")
        self._print_long(table, len(self.s.index.docs) + 1)

    def _hit(self, args: list[str], what: str) -> Hit | None:
        last = self.s.last
        if last is None or not last.hits:
            self.say(f"no answer yet: ask a question, then {PREFIX}{what} N", style="yellow")
            return None
        n = self._number(args, what, 1)
        if n is None:
            return None
        if n > len(last.hits):
            self.say(f"the last answer has {len(last.hits)} hit{'s' if len(last.hits) != 1 else ''}", style="yellow")
            return None
        return last.hits[n - 1]

    def cmd_show(self, args: list[str]) -> None:
        """Show the whole paragraph of a hit: with line numbers, or for a PDF with its page number."""
        hit = self._hit(args, "show")
        if hit is None:
            return
        if hit.page is not None:
            self._show_page(hit)
            return
        from rich.text import Text

        rows = paragraph_lines(self.s.index, hit.chunk)
        out = self._show_head(hit)
        width = len(str(rows[-1][0])) if rows else 1
        for number, text, is_hit in rows:
            row = Text(f"{number:>{width}} ", style="dim")
            row.append(clean(text), style="bold" if is_hit else "")
            out.append("\n")
            out.append(wrapped(row, self.width, width + 1))
        self._print_long(out, len(rows) + 1)

    def _show_head(self, hit: Hit) -> Text:
        from rich.text import Text

        out = Text()
        anchor = clean(hit.location.anchor()) if hit.location is not None and hit.page is None else ""
        out.append(clean(hit.source) + anchor, style="cyan")
        if hit.page is not None:
            out.append(f"  page {hit.page}", style="bold")
        where = place(hit)
        if where:
            out.append(f"  ({clean(where)})", style="dim")
        return out

    def _show_page(self, hit: Hit) -> None:
        """A PDF hit: the page number and the paragraph of that page, the hit in bold (no line numbers)."""
        from rich.text import Text

        body = Text()
        for i in self.s.index.paragraph(hit.chunk):
            if body:
                body.append(" ")
            body.append(clean(self.s.index.text(i)), style="bold" if i == hit.chunk else "")
        out = self._show_head(hit)
        out.append("\n")
        out.append(wrapped(body, self.width, 0))
        self._print_long(out, out.plain.count("\n") + 1)

    def _print_long(self, renderable: RenderableType, rows: int) -> None:
        """Print, through a pager when on a terminal and taller than the screen."""
        pager = _pager() if _isatty(self.console.file) and rows > self.console.size.height - 2 else None
        if pager is None:
            self.console.print(renderable, soft_wrap=True)
            return
        with _sigint_deferred(), self.console.pager(pager[0], styles=pager[1], links=pager[1]):
            self.console.print(renderable, soft_wrap=True)

    def cmd_open(self, args: list[str]) -> None:
        """Open a hit's file in $EDITOR at its line; a PDF in a viewer at its page; Word, OpenDocument
        and EPUB files with their application."""
        hit = self._hit(args, "open")
        if hit is None:
            return
        if hit.page is not None:
            self._open_pdf(hit.path, hit.page)
            return
        if hit.location is not None and hit.location.kind in ("paragraph", "item"):
            self._open_with_system(hit)
            return
        line = editor_line(hit)
        where = f"{hit.path}:{line}" if line is not None else hit.path
        if not self.editor:
            self.say(f"set $EDITOR to open files; the hit is at {where}", style="yellow")
            return
        at_line = [] if line is None else [f"+{line}"]
        try:
            command = [*shlex.split(self.editor), *at_line, hit.path]
        except ValueError:
            command = [self.editor, *at_line, hit.path]
        try:
            with _sigint_deferred():  # Ctrl-C belongs to the editor while it runs
                subprocess.run(command, check=False)
        except OSError as exc:
            self.say(f"cannot run {self.editor!r}: {exc.strerror or exc}", style="red")

    def _open_pdf(self, path: str, page: int) -> None:
        """Start a PDF viewer at ``page``, in the background (the session goes on)."""
        try:
            found = pdf_viewer(path, page)
        except ValueError as exc:
            self.say(f"$QA_PDF_VIEWER: {exc}", style="red")
            return
        if found is None:
            self.say(f"no PDF viewer found: set $QA_PDF_VIEWER (e.g. 'zathura --page={{page}} {{path}}'); "
                     f"the hit is at {path}#page={page}", style="yellow")
            return
        command, name = found
        try:
            _start_detached(command)
        except OSError as exc:
            self.say(f"cannot run {name!r}: {exc.strerror or exc}", style="red")
            return
        self.say(f"opening {Path(path).name} at page {page} with {name}")

    def _open_with_system(self, hit: Hit) -> None:
        """A document only its own application shows (a Word file, a book): the system opener, in the background."""
        from qa.render import citation

        if not self.opener:
            self.say(f"no program to open it here; the hit is at {citation(hit)}", style="yellow")
            return
        try:
            subprocess.Popen([*self.opener, hit.path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.say(f"cannot run {self.opener[0]!r}: {exc.strerror or exc}", style="red")
            return
        self.say(f"opening {clean(hit.source)}; the hit is at {citation(hit)}")

    def cmd_reindex(self, args: list[str]) -> None:
        """Rebuild the index (Ctrl-C keeps the current one)."""
        if self.s.reopen is None:
            self.say("re-indexing is not available here", style="yellow")
            return
        self.say("re-indexing... (Ctrl-C to stop)")
        try:
            index, report = self.s.reopen(True)
        except KeyboardInterrupt:
            self.say("re-indexing interrupted; still using the previous index", style="yellow")
            return
        self.s.index, self.s.report, self.s.last = index, report, None
        self.words = CorpusWords(index)
        self.say(f"indexed {len(index.docs):,} documents, {index.n_chunks:,} sentences")

    def cmd_quit(self, args: list[str]) -> None:
        """Leave the session."""
        self.s.done = True


def did_you_mean(name: str, commands: Iterable[str]) -> str:
    """``did you mean :show?`` for a mistyped command, else where to find the list."""
    import difflib

    names = [c for c in commands if len(c) > 1]
    close = [c for c in names if c.startswith(name)] if name else []
    close = close or difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    if close:
        return f"did you mean {PREFIX}{close[0]}?"
    return f"type {PREFIX}help for the list"


def wrapped(text: Text, width: int | None, hang: int) -> Text:
    """``text`` broken into rows ``width`` cells wide as answers are (:func:`qa.cells.wrap`), styles kept."""
    from rich.text import Text

    if not width:
        return text
    from qa.cells import wrap

    out = Text()
    for i, (start, end, indent) in enumerate(wrap(text.plain, width, hang)):
        if i:
            out.append("\n" + " " * indent)
        out.append_text(text[start:end])
    return out


#: PDF viewers qa knows, tried in this order: the program and its arguments to open {path} at {page}.
PDF_VIEWERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zathura", ("--page={page}", "{path}")),
    ("evince", ("--page-index={page}", "{path}")),
    ("okular", ("--page", "{page}", "{path}")),
    ("atril", ("--page-index={page}", "{path}")),
    ("xreader", ("--page-index={page}", "{path}")),
    ("qpdfview", ("{path}#{page}",)),
    ("sioyek", ("--page", "{page}", "{path}")),
    ("mupdf", ("{path}", "{page}")),
    ("xpdf", ("{path}", "{page}")),
    ("SumatraPDF", ("-page", "{page}", "{path}")),
)


def _fill(args: Sequence[str], path: str, page: int) -> list[str]:
    return [a.replace("{path}", path).replace("{page}", str(page)) for a in args]


def pdf_viewer(path: str, page: int, template: str | None = None,
               which: Callable[[str], str | None] = shutil.which) -> tuple[list[str], str] | None:
    """The command that opens ``path`` at ``page``, and the viewer's name; None when there is none.

    ``$QA_PDF_VIEWER`` (or ``template``) first: a command with ``{path}`` and
    ``{page}`` (the path is added at the end when it has no ``{path}``); then
    the first known viewer on PATH with its page option; then the system's
    opener (``xdg-open``, macOS ``open``), which cannot choose the page.

    Raises:
        ValueError: the template cannot be split like a shell command line, or is empty.
    """
    template = os.environ.get("QA_PDF_VIEWER", "") if template is None else template
    if template.strip():
        args = shlex.split(template)
        if not args:
            raise ValueError("it is empty")
        if not any("{path}" in a for a in args):
            args.append("{path}")
        return _fill(args, path, page), args[0]
    for name, args_ in PDF_VIEWERS:
        program = which(name)
        if program:
            return [program, *_fill(args_, path, page)], name
    import sys

    opener = {"darwin": "open"}.get(sys.platform, "xdg-open")
    program = which(opener)
    return ([program, path], opener) if program else None


def _start_detached(command: list[str]) -> None:
    """Run ``command`` in its own session with no terminal I/O, without waiting for it."""
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)


def paragraph_lines(index: Index, cid: int) -> list[tuple[int, str, bool]]:
    """The paragraph of chunk ``cid`` as (line number, text, is the hit) rows.

    Lines come from the sentences' own text and line numbers, so they match the
    file as it was indexed; sentences sharing a line are joined.
    """
    rows: list[tuple[int, str, bool]] = []
    for i in index.paragraph(cid):
        first = index.position(i)[0]
        for offset, text in enumerate(index.text(i).splitlines() or [""]):
            if rows and rows[-1][0] == first + offset:
                number, prev, was_hit = rows[-1]
                rows[-1] = (number, f"{prev} {text}", was_hit or i == cid)
            else:
                rows.append((first + offset, text, i == cid))
    return rows


def editor_line(hit: Hit) -> int | None:
    """The line of the hit's file to open an editor at (None: the top, or the page for a PDF).

    A notebook cell's lines are not the JSON file's; a mail whose body had to
    be decoded opens at its message's first line.
    """
    where = hit.location
    if hit.page is not None or (where is not None and where.kind == "cell"):
        return None
    if where is not None and where.kind == "message" and not where.raw:
        return where.at
    return hit.line


def system_opener() -> list[str] | None:
    """The command that opens a file with its default application (``open`` on macOS, else ``xdg-open``)."""
    import sys

    if sys.platform == "darwin":
        return ["open"]
    found = shutil.which("xdg-open")
    return [found] if found else None


# -- terminal helpers -------------------------------------------------------


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False


class _CommandPager(Pager):
    """Pipes text to a pager command (``less -RFX`` unless ``$PAGER`` says otherwise)."""

    def __init__(self, command: list[str]) -> None:
        self.command = command

    def show(self, content: str) -> None:
        """Run the pager on ``content``."""
        subprocess.run(self.command, input=content, text=True, encoding="utf-8", errors="replace", check=False)


def _pager() -> tuple[Pager, bool] | None:
    """The pager and whether it shows colours; None when there is none to run."""
    custom = os.environ.get("PAGER", "").strip()
    if custom:
        with contextlib.suppress(ValueError):
            argv = shlex.split(custom)
            if argv and shutil.which(argv[0]):
                return _CommandPager(argv), False
    less = shutil.which("less")
    return (_CommandPager([less, "-RFX"]), True) if less else None


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Ignore Ctrl-C in qa while a child program (editor, pager) owns the terminal.

    A Python handler (not SIG_IGN) is installed, so the child still gets the
    default disposition when it starts.
    """
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def start(
    opener: Callable[[bool], tuple[Index, OpenReport]],
    settings: Settings,
    console: Console,
    *,
    input: Input | None = None,
    output: Output | None = None,
    history: History | None = None,
    lines: Iterable[str] | None = None,
    debug: bool = False,
    notes: Console | None = None,
    title: str | None = None,
) -> int:
    """Open the corpus and run a session; the CLI's ``qa repl`` entry point.

    On a terminal the prompt goes to stdout, or to stderr when stdout is
    redirected (answers still go to stdout). With ``lines`` no prompt is shown.
    Session messages go to ``notes`` when given (else with the answers).
    """
    index, report = opener(False)
    session = Session(index=index, report=report, settings=settings, reopen=opener)
    if lines is None and output is None and input is None:
        from prompt_toolkit.output import create_output

        output = create_output(always_prefer_tty=True)
    hist = history if history is not None or lines is not None else private_history(history_path())
    repl = Repl(session, console, input=input, output=output, history=hist, lines=lines, debug=debug, notes=notes,
                title=title)
    return repl.run()
