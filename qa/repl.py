"""The interactive session: a prompt-toolkit loop that asks, searches and renders.

Everything it shows goes through :class:`qa.render.RichRenderer`, the renderer
``qa ask`` uses. Input, output and the rich console are passed in, so tests
drive the real loop with a pipe input and a recording console.
"""

from __future__ import annotations

import bisect
import os
import re
import shlex
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from qa.errors import QAError
from qa.render import RichRenderer, clean, no_match_message

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output
    from rich.console import Console

    from qa.engine import OpenReport
    from qa.index import Index
    from qa.search import Answer

PREFIX = ":"

COMMANDS: dict[str, str] = {
    "help": "show this help",
    "k N": "show N sentences per answer (also :top N)",
    "context N": "show N neighbouring sentences (also :C N)",
    "explain": "toggle why-each-sentence-ranked details",
    "docs": "list the documents and their sentence counts",
    "show N": "show hit N in full: its whole paragraph, with line numbers",
    "open N": "open hit N in $EDITOR at its line",
    "reindex": "rebuild the index from the documents",
    "quit": "leave (also :q, :exit or Ctrl-D)",
}
_NAMES = sorted({c.split()[0] for c in COMMANDS} | {"top", "C", "q", "exit"})
#: Bytes of sentence text scanned for completion words (bounded on big corpora).
_COMPLETION_SCAN_BYTES = 8_000_000
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]{2,}")


def history_path() -> Path:
    """History file in the user's data folder (``$XDG_DATA_HOME/qa/history`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("qa", appauthor=False)) / "history"


def private_history(path: Path) -> History:
    """A FileHistory whose folder is 0700 and file 0600; in memory if that fails."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


class CorpusCompleter(Completer):
    """Completes ``:commands`` and words that occur in the documents."""

    def __init__(self, words: Callable[[], Sequence[str]]) -> None:
        self._load_words = words
        self._words: Sequence[str] | None = None

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        """Yield completions for the word before the cursor."""
        text = document.text_before_cursor
        if text.startswith(PREFIX) and " " not in text:
            stem = text[len(PREFIX) :]
            for name in _NAMES:
                if name.startswith(stem):
                    yield Completion(PREFIX + name, start_position=-len(text))
            return
        word = document.get_word_before_cursor()
        if len(word) < 2 or not word.isalpha():
            return
        if self._words is None:
            self._words = self._load_words()
        lower = word.lower()
        i = bisect.bisect_left(self._words, lower)
        shown = 0
        while i < len(self._words) and self._words[i].startswith(lower) and shown < 50:
            if self._words[i] != lower:
                yield Completion(self._words[i], start_position=-len(word))
                shown += 1
            i += 1


def corpus_words(index: Index, limit: int = _COMPLETION_SCAN_BYTES) -> list[str]:
    """Sorted distinct lowercase words of the corpus (from at most ``limit`` bytes of text)."""
    blob = index.arrays["blob"]
    raw = bytes(blob[: min(limit, int(blob.shape[0]))]).decode("utf-8", errors="ignore")
    counts = Counter(w.lower() for w in _WORD.findall(raw))
    return sorted(counts)


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
    notes: list[str] = field(default_factory=list)


class Repl:
    """The prompt loop. ``run()`` returns the exit status (0 on Ctrl-D or ``:quit``)."""

    def __init__(
        self,
        session: Session,
        console: Console,
        *,
        input: Input | None = None,
        output: Output | None = None,
        history: History | None = None,
        editor: str | None = None,
    ) -> None:
        self.s = session
        self.console = console
        self.editor = editor if editor is not None else os.environ.get("VISUAL") or os.environ.get("EDITOR", "")
        self.prompt: PromptSession[str] = PromptSession(
            history=history if history is not None else InMemoryHistory(),
            auto_suggest=AutoSuggestFromHistory(),
            completer=CorpusCompleter(lambda: corpus_words(self.s.index)),
            complete_while_typing=False,
            enable_history_search=False,
            input=input,
            output=output,
        )

    def say(self, message: str, style: str = "dim") -> None:
        """One line of session output (escaped: documents and questions are data)."""
        from rich.text import Text

        self.console.print(Text(clean(message), style=style), soft_wrap=True)

    def banner(self) -> None:
        """The startup line: the corpus and how to get help."""
        index, report = self.s.index, self.s.report
        where = ", ".join(report.roots)
        self.say(
            f"qa: {len(index.docs):,} documents, {index.n_chunks:,} sentences in {where}. "
            f"Ask a question; {PREFIX}help for commands, Ctrl-D to quit.",
            style="bold",
        )

    def run(self) -> int:
        """Read questions until Ctrl-D or :quit."""
        self.banner()
        while not self.s.done:
            try:
                line = self.prompt.prompt("qa> ")
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line
            except EOFError:
                break
            try:
                self.handle(line)
            except KeyboardInterrupt:
                self.say("interrupted")
            except QAError as exc:
                self.say(f"error: {exc}", style="red")
        return 0

    def handle(self, line: str) -> None:
        """One line typed at the prompt: a command or a question."""
        text = line.strip()
        if not text:
            return
        if text.startswith(PREFIX):
            self.command(text[len(PREFIX) :])
        else:
            self.ask(text)

    def ask(self, question: str) -> None:
        """Answer one question with the shared renderer."""
        from qa.search import search

        st = self.s.settings
        answer = search(self.s.index, question, k=st.k, context=st.context, with_explain=st.explain)
        self.s.last = answer
        if not answer.hits:
            self.say(no_match_message(answer), style="yellow")
            return
        RichRenderer(self.console, explain=st.explain, hyperlinks=self.console.is_terminal).write(answer)

    # -- commands -------------------------------------------------------
    def command(self, text: str) -> None:
        """Dispatch ``:name args``."""
        try:
            parts = shlex.split(text)
        except ValueError:
            parts = text.split()
        if not parts:
            self.say(f"type {PREFIX}help for commands")
            return
        name, args = parts[0].lower(), parts[1:]
        handlers: dict[str, Callable[[list[str]], None]] = {
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
        handler = handlers.get(name)
        if handler is None:
            self.say(f"unknown command {PREFIX}{name}; type {PREFIX}help for the list", style="yellow")
            return
        handler(args)

    def cmd_help(self, args: list[str]) -> None:
        """List the commands."""
        from rich.table import Table

        table = Table(show_header=False, box=None, padding=(0, 2))
        for usage, what in COMMANDS.items():
            table.add_row(f"{PREFIX}{usage}", what)
        self.console.print(table)
        self.say("Anything else is a question. Up/Down: history, Ctrl-R: search it, Tab: complete, →: accept hint.")

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
        self.console.print(table)

    def _hit(self, args: list[str], what: str) -> Any:
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
        """Show the whole paragraph of a hit, with line numbers (paged when long)."""
        from rich.text import Text

        hit = self._hit(args, "show")
        if hit is None:
            return
        index = self.s.index
        lines = paragraph_lines(index, hit.chunk)
        out = Text()
        out.append(f"{hit.source}" + (f"  ({clean(hit.section)})" if hit.section else "") + "\n", style="cyan")
        width = len(str(lines[-1][0])) if lines else 1
        for number, text, is_hit in lines:
            out.append(f"{number:>{width}} ", style="dim")
            out.append(clean(text) + "\n", style="bold" if is_hit else "")
        if self.console.is_terminal and len(lines) > self.console.size.height - 2:
            with self.console.pager(styles=True):
                self.console.print(out)
        else:
            self.console.print(out, end="")

    def cmd_open(self, args: list[str]) -> None:
        """Open a hit's file in $EDITOR at its line."""
        hit = self._hit(args, "open")
        if hit is None:
            return
        if not self.editor:
            self.say(f"set $EDITOR to open files; the hit is at {hit.path}:{hit.line}", style="yellow")
            return
        command = [*shlex.split(self.editor), f"+{hit.line}", hit.path]
        try:
            subprocess.run(command, check=False)
        except OSError as exc:
            self.say(f"cannot run {self.editor!r}: {exc.strerror or exc}", style="red")

    def cmd_reindex(self, args: list[str]) -> None:
        """Rebuild the index (Ctrl-C keeps the current one)."""
        if self.s.reopen is None:
            self.say("re-indexing is not available here", style="yellow")
            return
        self.say("re-indexing...")
        self.s.index, self.s.report = self.s.reopen(True)
        self.s.last = None
        self.say(f"indexed {len(self.s.index.docs):,} documents, {self.s.index.n_chunks:,} sentences")

    def cmd_quit(self, args: list[str]) -> None:
        """Leave the session."""
        self.s.done = True


def paragraph_lines(index: Index, cid: int) -> list[tuple[int, str, bool]]:
    """The paragraph of chunk ``cid`` as (line number, text, is the hit) rows.

    Lines come from the sentences' own text and line numbers, so they match the
    file as it was indexed.
    """
    rows: list[tuple[int, str, bool]] = []
    for i in index.paragraph(cid):
        first = int(index.arrays["c_line"][i])
        for offset, text in enumerate(index.text(i).splitlines() or [""]):
            rows.append((first + offset, text, i == cid))
    merged: list[tuple[int, str, bool]] = []
    for number, text, is_hit in rows:
        if merged and merged[-1][0] == number:
            prev = merged[-1]
            merged[-1] = (number, f"{prev[1]} {text}", prev[2] or is_hit)
        else:
            merged.append((number, text, is_hit))
    return merged


def start(
    opener: Callable[[bool], tuple[Index, OpenReport]],
    settings: Settings,
    console: Console,
    *,
    input: Input | None = None,
    output: Output | None = None,
    history: History | None = None,
) -> int:
    """Open the corpus and run a session; the CLI's ``qa repl`` entry point."""
    index, report = opener(False)
    session = Session(index=index, report=report, settings=settings, reopen=opener)
    hist = history if history is not None else private_history(history_path())
    return Repl(session, console, input=input, output=output, history=hist).run()


def words_of(texts: Iterable[str]) -> list[str]:
    """Sorted distinct lowercase words of ``texts`` (helper for tests and small corpora)."""
    return sorted({w.lower() for t in texts for w in _WORD.findall(t)})
