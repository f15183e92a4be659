"""Command line: argument parsing, exit codes, the one place errors become messages.

Exit codes (see :class:`qa.errors.ExitCode`): 0 at least one passage shown,
1 nothing matched, 2 usage or input error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from qa import __version__
from qa.cache import PRUNE_DAYS
from qa.errors import CorpusError, ExitCode, OutputError, QAError, QueryError, UsageError
from qa.render import FORMATS, ignored_note, make_renderer, no_match_message

if TYPE_CHECKING:
    from qa.cache import IndexEntry
    from qa.corpus import Filters
    from qa.index import Index
    from qa.refresh import OpenReport
    from qa.search import Answer


class Terminated(BaseException):
    """Raised from the SIGTERM handler so cleanup code runs before exiting 143."""


def _columns(stream: TextIO | None = None) -> int:
    """Terminal width as ``shutil.get_terminal_size().columns`` gives it ($COLUMNS, else the stream's, else 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size((stream or sys.__stdout__).fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help formatter, sized without importing shutil.

    argparse makes one for every option it adds, and its default width comes
    from ``shutil`` (which loads zlib, bz2 and lzma): ~3 ms of every run. The
    terminal is asked its width once per process, not once per option.
    """

    _terminal_width: int | None = None

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            if _Formatter._terminal_width is None:
                _Formatter._terminal_width = _columns() - 2
            width = _Formatter._terminal_width
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become a UsageError (one line, exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'qa --help')")

    def print_help(self, file: Any = None) -> None:
        """As argparse's, but a failed write (full disk) is an error, not silently dropped."""
        _write_all(self.format_help(), file or sys.stdout)

    def print_usage(self, file: Any = None) -> None:
        """As argparse's, but a failed write is an error."""
        _write_all(self.format_usage(), file or sys.stdout)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """As argparse's, but a failed write is an error."""
        if message:
            _write_all(message, sys.stderr)
        raise SystemExit(status)


class _Version(argparse.Action):
    """``--version``: argparse's, printed through :func:`_write_all` (a failed write is an error)."""

    def __init__(self, option_strings: list[str], version: str, dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show program's version number and exit") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)
        self.version = version

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _write_all(self.version + "\n", sys.stdout)
        parser.exit()


def _write_all(message: str, out: Any) -> None:
    if message and out is not None:
        out.write(message)
        out.flush()


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more: {text}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


_positive = _at_least(0)


def _language(value: str) -> str | None:
    """``--lang``'s value: a language code qa has an analyzer for (``auto``: each document's own)."""
    from qa.lang import KNOWN, language_code

    if value.strip().lower() == "auto":
        return None
    code = language_code(value)
    if code is None:
        raise argparse.ArgumentTypeError(f"unknown language {value!r} (known: {', '.join(sorted(KNOWN))}, auto)")
    return code


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options shared by every command (SUPPRESSed on subcommands so either place works)."""

    def d(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("corpus and output")
    g.add_argument(
        "--docs",
        action="append",
        metavar="PATH",
        default=d(None),
        help="file or folder to search (repeatable; default: $QA_DOCS, else the bundled seeds)",
    )
    g.add_argument(
        "-c", "--collection", metavar="NAME", default=d(None),
        help="search a named collection instead (see 'qa collection --help')",
    )
    g.add_argument(
        "--include", action="append", metavar="GLOB", default=d(None),
        help="only index files matching GLOB (gitignore syntax; repeatable; any extension, read as text)",
    )
    g.add_argument(
        "--exclude", action="append", metavar="GLOB", default=d(None), help="do not index files matching GLOB"
    )
    g.add_argument(
        "--lang", type=_language, metavar="LANG", default=d(None),
        help="read every document in language LANG (an ISO 639-1 code: de, zh...; default: each document's own)",
    )
    g.add_argument("-k", "--top", type=_at_least(1), metavar="N", default=d(3), help="sentences to show (default 3)")
    g.add_argument(
        "-C", "--context", type=_positive, metavar="N", default=d(1), help="neighbouring sentences shown (default 1)"
    )
    g.add_argument("--format", choices=FORMATS, default=d("auto"), help="output format (default: auto)")
    g.add_argument(
        "--color",
        "--colour",
        choices=("auto", "always", "never"),
        default=d("auto"),
        help="colour and decoration (default: auto)",
    )
    g.add_argument("--explain", action="store_true", default=d(False), help="show why each sentence ranked")
    g.add_argument("--no-cache", action="store_true", default=d(False), help="do not read or write the index cache")
    g.add_argument("--debug", action="store_true", default=d(False), help="show tracebacks for errors")


#: The first word that is one of these is the command; any other word starts a question.
COMMAND_NAMES = ("ask", "repl", "index", "collection")

USAGE = """%(prog)s [OPTIONS] QUESTION...
       %(prog)s [OPTIONS]
       %(prog)s {ask,repl,index,collection} ..."""

DESCRIPTION = """\
Ask questions of your documents: the sentences that answer, with citations.

A first word that is not a command starts a question ('qa what is the GIL' is
'qa ask what is the GIL'). With no question: the interactive session on a
terminal, one question per line when stdin is a pipe."""

EPILOG = """\
examples:
  qa --docs ~/notes what did we decide about caching
  qa collection add python /usr/share/doc/python3-doc/html --exclude '_sources/'
  qa -c python                 # a session over the collection (:help for its commands)

exit status: 0 answered, 1 nothing matched, 2 usage or input error, 130 interrupted"""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to document the CLI)."""
    parser = _Parser(prog="qa", usage=USAGE, description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action=_Version, version=f"qa {__version__}")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    ask = sub.add_parser("ask", prog="qa ask", help="answer one question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - to read questions from stdin")
    _common(ask, suppress=True)
    repl = sub.add_parser("repl", prog="qa repl", help="interactive session (the default on a terminal)")
    _common(repl, suppress=True)
    index = sub.add_parser("index", prog="qa index",
                           help="build or refresh the index and print statistics; list or prune the cache")
    index.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    index.add_argument("--where", action="store_true", help="print where the index is stored and exit")
    index.add_argument("--verbose", "-v", action="store_true", help="also list the files skipped for their extension")
    index.add_argument("--list", action="store_true", help="list every index in the cache: size, last use, corpus")
    index.add_argument("--prune", action="store_true",
                       help=f"remove the indexes not used for {PRUNE_DAYS} days (with --all: every index)")
    index.add_argument("--all", action="store_true", help="with --prune: remove every index")
    _common(index, suppress=True)
    _collection_parser(sub)
    return parser


def _collection_parser(sub: Any) -> None:
    coll = sub.add_parser(
        "collection", prog="qa collection", help="named folders and globs: add, list, remove ('qa -c NAME' asks one)",
        description="Save folders and globs under a name, then ask them with 'qa -c NAME'. "
                    "Stored in config.toml in your config folder ($QA_CONFIG_DIR overrides).",
    )
    coll.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks for errors")
    actions = coll.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    add = actions.add_parser("add", prog="qa collection add", help="add a collection and index it")
    add.add_argument("name", metavar="NAME", help="the name to ask it by")
    add.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    add.add_argument("--include", action="append", metavar="GLOB", dest="c_include",
                     help="only index files matching GLOB (gitignore syntax; repeatable; read as text)")
    add.add_argument("--exclude", action="append", metavar="GLOB", dest="c_exclude",
                     help="do not index files or folders matching GLOB (repeatable)")
    add.add_argument("--replace", action="store_true", help="replace a collection of the same name")
    actions.add_parser("list", prog="qa collection list",
                       help="the collections: folders, files, sentences, size, last use (the default)")
    remove = actions.add_parser("remove", prog="qa collection remove", help="remove a collection and its index")
    remove.add_argument("name", metavar="NAME")


def route(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``argv`` with ``ask`` put before the first word that is neither an option, an option's value nor a command.

    ``qa what is the GIL`` asks, as ``qa ask what is the GIL`` does; ``qa
    index ...`` is always the command, and ``qa ask index of refraction`` asks.
    """
    args = list(argv)
    takes_value = {opt for action in parser._actions for opt in action.option_strings if action.nargs != 0}
    long_options = [opt for action in parser._actions for opt in action.option_strings if opt.startswith("--")]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return [*args[:i], "ask", *args[i:]] if i + 1 < len(args) else args
        if arg.startswith("-") and arg != "-":
            name = arg.split("=", 1)[0]
            if name.startswith("--") and name not in long_options:  # an abbreviation argparse will accept
                matches = [opt for opt in long_options if opt.startswith(name)]
                name = matches[0] if len(matches) == 1 else name
            if "=" not in arg and name in takes_value:
                i += 1  # its value follows
            i += 1
            continue
        return args if arg in COMMAND_NAMES else [*args[:i], "ask", *args[i:]]
    return args


# -- environment ---------------------------------------------------------


def use_color(choice: str, stream: TextIO, env: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Resolve ``--color`` with NO_COLOR, FORCE_COLOR and TERM=dumb, like ripgrep."""
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def resolve_format(fmt: str, color: bool) -> str:
    """``auto`` is rich when decorating, text otherwise (a pipe, a file, NO_COLOR)."""
    if fmt != "auto":
        return fmt
    return "rich" if color else "text"


def _stderr_line(message: str) -> None:
    """Write one display-safe line to stderr (escape sequences from paths or arguments made visible)."""
    from qa.render import clean

    try:
        sys.stderr.write(clean(message) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def warn(message: str) -> None:
    """A warning: one line on stderr, never on stdout."""
    from qa.render import clean

    _stderr_line(f"qa: warning: {clean(message)}")


class Status:
    """Progress and notes on stderr while an index is opened.

    On a terminal, when ``transient``: notes replace each other on one line,
    a progress bar appears after a second of indexing, and both are erased
    when :meth:`close` is called, so only answers stay on screen. Otherwise
    each note is a ``qa: warning:`` line.
    """

    def __init__(self, transient: bool) -> None:
        self.live = transient and _is_tty(sys.stderr) and os.environ.get("TERM") != "dumb"
        self.start = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.shown = False

    def note(self, message: str) -> None:
        """A note: a line of its own, or on a terminal the status line."""
        if not self.live:
            warn(message)
            return
        from qa.cells import truncate
        from qa.render import clean

        if self.bar is not None:
            self.bar.update(self.task, note=truncate(clean(message), max(10, _columns(sys.stderr) // 3)))
            return
        self._write("\r\x1b[2K" + truncate(f"qa: {clean(message)}", _columns(sys.stderr) - 1))
        self.shown = True

    def progress(self, done: int, total: int, nbytes: int) -> None:
        """Indexing progress: a rich bar once indexing has taken a second (on a terminal only)."""
        if not self.live or time.monotonic() - self.start < 1.0:
            return
        if self.bar is None:
            self._start_bar(total)
        rate = f"{nbytes / 1e6 / max(time.monotonic() - self.start, 1e-9):.1f} MB/s"
        self.bar.update(self.task, completed=done, total=total, rate=rate)

    def _start_bar(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._clear()
        self.bar = Progress(
            TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TextColumn("files {task.fields[rate]}"),
            TimeRemainingColumn(), TextColumn("{task.fields[note]}", style="dim", markup=False),
            console=Console(stderr=True), transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("index", total=total, rate="", note="")

    def close(self) -> None:
        """Erase the bar and the status line."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        self._clear()

    def _clear(self) -> None:
        if self.shown:
            self._write("\r\x1b[2K")
            self.shown = False

    @staticmethod
    def _write(text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(text)
            sys.stderr.flush()


def corpus(args: argparse.Namespace) -> tuple[list[str] | None, Filters, str | None]:
    """The roots, globs and collection name a command works on (``-c NAME`` or ``--docs``)."""
    from qa.corpus import Filters

    name = getattr(args, "collection", None)
    if name is None:
        lang = getattr(args, "lang", None)
        return args.docs, Filters(tuple(args.include or ()), tuple(args.exclude or ()), lang), None
    if args.docs:
        raise UsageError("-c/--collection and --docs cannot be used together (one corpus per question)")
    if args.include or args.exclude:
        raise UsageError("a collection has its own globs: change them with 'qa collection add --replace'")
    if getattr(args, "lang", None):
        raise UsageError("--lang cannot be used with a collection (its index reads each document in its own language)")
    from qa.config import get_collection

    found = get_collection(name)
    return list(found.paths), found.filters(), found.name


def _open(args: argparse.Namespace, rebuild: bool = False, transient: bool = True) -> tuple[Index, OpenReport]:
    from qa.refresh import open_index

    roots, filters, _ = corpus(args)
    status = Status(transient)

    def update(done: int, total: int, nbytes: int) -> None:
        _checkpoint()
        status.progress(done, total, nbytes)

    try:
        index, report = open_index(
            roots, filters=filters, rebuild=rebuild, cache=not args.no_cache, warn=status.note, progress=update,
            checkpoint=_checkpoint,
        )
    finally:
        status.close()
    if report.built and not args.no_cache:
        _cache_hint()
    return index, report


def _cache_hint() -> None:
    """After a build: one line when the whole cache has grown past the hint size."""
    from qa.cache import HINT_BYTES, total_size
    from qa.render import human_size

    size = total_size()
    if size > HINT_BYTES:
        _stderr_line(f"qa: hint: the index cache holds {human_size(size)}: 'qa index --list' shows each index, "
                     f"'qa index --prune' removes those not used for {PRUNE_DAYS} days")


# -- commands ------------------------------------------------------------


def _read_questions(stream: TextIO | None) -> Iterator[str]:
    """Questions from stdin, one per line, blank lines skipped; bad UTF-8 replaced.

    A closed stdin (``<&-``: Python's ``sys.stdin`` is None) reads as empty.
    """
    if stream is None:
        return
    raw = getattr(stream, "buffer", None)
    if raw is None:
        lines: Iterator[str] = iter(stream)
    else:
        lines = (line.decode("utf-8", errors="replace") for line in raw)
    for line in lines:
        if line.strip():
            yield line.strip()


def answer_questions(args: argparse.Namespace, questions: Iterator[str], batch: bool) -> int:
    """Answer each question, print through the one renderer, return the exit code."""
    from qa.search import search

    index, _ = _open(args)
    color = use_color(args.color, sys.stdout)
    fmt = resolve_format(args.format, color)
    # Wrapping is decoration, like colour: on a terminal only, never in a pipe or a file.
    width = _columns() if fmt in ("rich", "text") and _is_tty(sys.stdout) else None
    renderer = make_renderer(fmt, sys.stdout, color, batch, args.explain, width)
    answered = asked = 0
    for question in questions:
        asked += 1
        try:
            answer = search(index, question, k=args.top, context=args.context, with_explain=args.explain)
        except QueryError as exc:
            if not batch:
                raise
            warn(f"{exc}: {question[:60]!r}")
            continue
        note = ignored_note(answer, args.explain)
        if note is not None:
            _stderr_line(f"qa: note: {note}")
        if answer.hits:
            answered += 1
            renderer.write(answer)
        else:
            _no_match(answer, batch, renderer, args.format)
    renderer.close()
    if asked == 0 and batch:
        warn("no questions on stdin")
    return ExitCode.OK if answered else ExitCode.NO_MATCH


def _no_match(answer: Answer, batch: bool, renderer: Any, fmt: str) -> None:
    from qa.render import clean

    prefix = f"{clean(answer.question)[:80]!r}: " if batch else ""
    _stderr_line(f"qa: {prefix}{no_match_message(answer)}")
    if fmt in ("json", "jsonl"):
        renderer.write(answer)  # machines get an object for every question


def cmd_ask(args: argparse.Namespace) -> int:
    """``qa ask QUESTION`` or ``qa ask -``."""
    words: list[str] = args.question
    if words == ["-"]:
        return answer_questions(args, _read_questions(sys.stdin), batch=True)
    # Undecodable bytes in an argument arrive as lone surrogates: replace them, as on stdin.
    question = " ".join(words).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not question.strip():
        raise QueryError("empty question")
    return answer_questions(args, iter([question]), batch=False)


def cmd_index(args: argparse.Namespace) -> int:
    """``qa index``: build or refresh, then print statistics; or list, prune, locate the cache."""
    modes = [f"--{m}" for m in ("where", "list", "prune", "rebuild") if getattr(args, m)]
    if len(modes) > 1:
        raise UsageError(f"{modes[0]} and {modes[1]} cannot be used together")
    if args.all and not args.prune:
        raise UsageError("--all goes with --prune ('qa index --prune --all' removes every index)")
    if args.list:
        return _list_indexes()
    if args.prune:
        return _prune(everything=args.all)
    if args.where:
        from qa.corpus import default_roots
        from qa.store import index_dir

        roots, filters, _ = corpus(args)
        sys.stdout.write(f"{index_dir(roots or default_roots(), filters.key())}\n")
        return ExitCode.OK
    _index_and_report(args)
    return ExitCode.OK


def _index_and_report(args: argparse.Namespace) -> None:
    """Build or refresh the index of the command's corpus and print its statistics."""
    from qa.cache import tree_size
    from qa.render import human_size, text_table

    start = time.perf_counter()
    index, report = _open(args, rebuild=getattr(args, "rebuild", False), transient=False)
    elapsed = time.perf_counter() - start
    state = "built" if report.built else "up to date"
    rows = [
        ["index", f"{state} in {elapsed:.2f} s"],
        ["documents", f"{len(index.docs):,}"],
        ["sentences", f"{index.n_chunks:,}"],
        ["segments", f"{len(index.segments):,}"],
        ["size on disk", human_size(tree_size(report.folder)) if report.folder.exists() else "-"],
        ["location", str(report.folder)],
    ]
    skipped = report.skipped_paths
    if skipped:
        rows.append(["skipped", f"{len(skipped):,} file{'s' if len(skipped) != 1 else ''} with unsupported "
                                f"extensions ({_by_extension(skipped)})"])
    out = text_table(rows)
    if getattr(args, "verbose", False) and skipped:
        from qa.corpus import display_name
        from qa.render import clean

        cwd = Path.cwd()
        out += "\nskipped for their extension (--include GLOB indexes such files as text):\n"
        out += "".join(f"  {clean(display_name(Path(p), cwd))}\n" for p in sorted(skipped))
    sys.stdout.write(out)


def _by_extension(paths: Sequence[str], shown: int = 4) -> str:
    """``.png 20, .js 12, …``: the commonest extensions of ``paths``."""
    from collections import Counter

    counts = Counter(os.path.splitext(p)[1].lower() or "(none)" for p in paths)
    top = [f"{ext} {n:,}" for ext, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:shown]]
    return ", ".join(top) + (", …" if len(counts) > shown else "")


def _collection_names() -> dict[Path, str]:
    """Index folder -> collection name, for listings (a broken config only loses the names)."""
    from qa.config import load_collections

    try:
        return {c.index_folder(): name for name, c in load_collections().items()}
    except QAError as exc:
        warn(str(exc))
        return {}


def _describe(entry: IndexEntry, names: dict[Path, str]) -> str:
    """What an index is of: its collection's name, folders and globs."""
    from qa.render import describe_roots

    name = names.get(entry.folder)
    what = describe_roots(entry.roots) if entry.roots is not None else "(unknown: built by an older qa)"
    globs = [f"--include {g}" for g in entry.include] + [f"--exclude {g}" for g in entry.exclude]
    return " ".join([f"{name}:" if name else "", what, *globs]).strip()


def _list_indexes() -> int:
    from qa.cache import indexes_root, list_indexes
    from qa.render import ago, human_size, text_table

    entries = list_indexes()
    if not entries:
        _stderr_line(f"qa: the index cache is empty ({indexes_root()})")
        return ExitCode.OK
    names = _collection_names()
    now = time.time()
    rows = [["last used", "size", "documents", "sentences", "corpus"]]
    for e in entries:
        rows.append([ago(now - e.last_used), human_size(e.size), _count(e.documents), _count(e.sentences),
                     _describe(e, names)])
    total = sum(e.size for e in entries)
    footer = f"{len(entries)} index{'es' if len(entries) != 1 else ''}, {human_size(total)} in {indexes_root()}\n"
    sys.stdout.write(text_table(rows, right={1, 2, 3}) + footer)
    return ExitCode.OK


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _prune(everything: bool) -> int:
    from qa.cache import list_indexes, remove_index, remove_leftovers, stale
    from qa.render import ago, human_size

    entries = list_indexes()
    doomed = entries if everything else stale(entries, PRUNE_DAYS)
    names = _collection_names()
    now, freed, out = time.time(), 0, []
    for e in doomed:
        if remove_index(e.folder):
            freed += e.size
            out.append(f"removed {_describe(e, names)} ({human_size(e.size)}, last used {ago(now - e.last_used)})\n")
        else:
            warn(f"{_describe(e, names)} is being written by another qa process: left alone")
    remove_leftovers()
    kept = len(entries) - len(out)
    if not out:
        out.append(f"nothing to prune: every index was used in the last {PRUNE_DAYS} days\n")
    out.append(f"freed {human_size(freed)}; {kept} index{'es' if kept != 1 else ''} left\n")
    sys.stdout.write("".join(out))
    return ExitCode.OK


def cmd_collection(args: argparse.Namespace) -> int:
    """``qa collection add|list|remove``."""
    action = args.action or "list"
    if action == "add":
        return _collection_add(args)
    if action == "remove":
        return _collection_remove(args.name)
    return _collection_list()


def _collection_add(args: argparse.Namespace) -> int:
    from qa.config import add_collection, load_collections, new_collection
    from qa.corpus import discover_paths, no_documents_message

    found = new_collection(args.name, args.paths, args.c_include or (), args.c_exclude or ())
    if found.name in load_collections() and not args.replace:
        raise UsageError(f"a collection named {found.name!r} exists (--replace changes it)")
    paths, _ = discover_paths(list(found.paths), lambda message: None, found.filters())
    if not paths:
        raise CorpusError(no_documents_message(found.paths))
    add_collection(found, replace=args.replace)
    sys.stdout.write(f"added collection {found.name}; ask it with: qa -c {_shell_word(found.name)} QUESTION\n")
    sys.stdout.flush()
    ns = argparse.Namespace(docs=None, include=None, exclude=None, collection=found.name,
                            no_cache=getattr(args, "no_cache", False), rebuild=False, verbose=False)
    _index_and_report(ns)
    return ExitCode.OK


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _collection_list() -> int:
    from qa.cache import entry
    from qa.config import config_path, load_collections
    from qa.render import ago, describe_roots, human_size, text_table

    collections = load_collections()
    if not collections:
        _stderr_line(f"qa: no collections yet (add one: qa collection add NAME PATH...; they are kept in "
                     f"{config_path()})")
        return ExitCode.OK
    now = time.time()
    rows = [["name", "folders", "files", "sentences", "size", "last used"]]
    for name, c in collections.items():
        folder = c.index_folder()
        globs = [f"--include {g}" for g in c.include] + [f"--exclude {g}" for g in c.exclude]
        where = " ".join([describe_roots(c.paths), *globs])
        if folder.is_dir():
            e = entry(folder)
            rows.append([name, where, _count(e.documents), _count(e.sentences), human_size(e.size),
                         ago(now - e.last_used)])
        else:
            rows.append([name, where, "-", "-", "-", "never"])
    sys.stdout.write(text_table(rows, right={2, 3, 4}))
    return ExitCode.OK


def _collection_remove(name: str) -> int:
    from qa.cache import remove_index, tree_size
    from qa.config import remove_collection
    from qa.render import human_size

    removed, shared = remove_collection(name)
    folder = removed.index_folder()
    message = f"removed collection {removed.name}"
    if not shared and folder.is_dir():
        size = tree_size(folder)
        if remove_index(folder):
            message += f" and its index ({human_size(size)})"
    sys.stdout.write(message + "\n")
    return ExitCode.OK


def cmd_repl(args: argparse.Namespace) -> int:
    """``qa repl``: the interactive session (``qa repl < script`` runs its lines without a prompt)."""
    from qa.render import make_console
    from qa.repl import Settings, start

    color = use_color(args.color, sys.stdout)
    console = make_console(sys.stdout, color)
    settings = Settings(k=args.top, context=args.context, explain=args.explain)
    _, _, title = corpus(args)
    lines = None if _is_tty(sys.stdin) else _read_questions(sys.stdin)
    # The session handles Ctrl-C itself (it clears the line or stops a re-index and goes on).
    with contextlib.suppress(ValueError):
        if signal.getsignal(signal.SIGINT) is _on_signal:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    # stdout carries answers only when it is not a terminal: messages then go to stderr.
    notes = None if _is_tty(sys.stdout) else make_console(sys.stderr, use_color(args.color, sys.stderr))
    return start(lambda rebuild: _open(args, rebuild=rebuild), settings, console, lines=lines, debug=args.debug,
                 notes=notes, title=title)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def cmd_default(args: argparse.Namespace) -> int:
    """``qa`` alone: the REPL on a terminal, else questions from stdin, one per line."""
    if _is_tty(sys.stdin) and _is_tty(sys.stdout):
        return cmd_repl(args)
    return answer_questions(args, _read_questions(sys.stdin), batch=True)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    "ask": cmd_ask,
    "repl": cmd_repl,
    "index": cmd_index,
    "collection": cmd_collection,
    None: cmd_default,
}


# -- the one top-level handler ------------------------------------------


#: Signals received, latched: an exception raised from a handler is lost when
#: it lands inside a ``__del__`` (Python ignores those), so indexing also checks
#: this list at each file and before it commits (:func:`_checkpoint`).
_SIGNALLED: list[int] = []


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    _checkpoint()


def _checkpoint() -> None:
    """Raise for a signal received earlier, even if its first exception was swallowed."""
    if _SIGNALLED:
        if _SIGNALLED[0] == signal.SIGTERM:
            raise Terminated()
        raise KeyboardInterrupt


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so exit-time flushes stay quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run qa; return the exit status (never raises, never prints a traceback unless --debug)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    _SIGNALLED.clear()
    with contextlib.suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGTERM, _on_signal)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_signal)
    try:
        parser = build_parser()
        routed = route(sys.argv[1:] if argv is None else argv, parser)
        try:
            args = parser.parse_args(routed)
        except UsageError as exc:
            raise UsageError(_command_hint(str(exc), routed)) from None
        if sys.stdout is None:
            raise OutputError("standard output is closed")
        _tolerant_output()
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _stderr_line("qa: interrupted")
        return ExitCode.INTERRUPTED
    except Terminated:
        _stderr_line("qa: terminated")
        return ExitCode.TERMINATED
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OK
    except QAError as exc:
        if debug:
            raise
        _stderr_line(f"qa: error: {exc}")
        return exc.exit_code
    except OSError as exc:
        if debug:
            raise
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return ExitCode.OK
        _stderr_line(f"qa: error: cannot write output: {exc.strerror or exc}")
        return ExitCode.ERROR
    except Exception as exc:  # the promise is: no traceback
        if debug:
            raise
        _stderr_line(f"qa: error: internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        return ExitCode.ERROR


def _command_hint(message: str, argv: Sequence[str]) -> str:
    """Say how to ask a question that starts with a command's name (``qa index of refraction``)."""
    words = [a for a in argv if not a.startswith("-")]
    if message.startswith("unrecognized arguments") and words and words[0] in COMMAND_NAMES[1:]:
        return f"{message}; to ask a question that starts with {words[0]!r}: qa ask {words[0]} ..."
    return message


def _tolerant_output() -> None:
    """Write what an output encoding cannot take (PYTHONIOENCODING=ascii) as escapes, not a crash."""
    from qa.render import unicode_output

    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not unicode_output(stream):
            with contextlib.suppress(AttributeError, ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def run() -> NoReturn:
    """Console-script entry point."""
    _fewer_collections()
    _single_threaded_blas()
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        _silence_stdout()
    if _nothing_left_to_do():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()
        os._exit(int(code))  # skip tearing down numpy and every module: ~10% of a one-shot question
    sys.exit(int(code))


def _fewer_collections() -> None:
    """Collect young objects every 50,000 allocations instead of 700.

    Starting up creates a few hundred thousand objects that all stay alive
    (modules, classes, numpy's types): at the default threshold the collector
    runs hundreds of times for nothing, ~3% of a one-shot question.
    """
    import gc

    gc.set_threshold(50_000, *gc.get_threshold()[1:])


def _single_threaded_blas() -> None:
    """Ask numpy's OpenBLAS for no worker threads, unless the user chose a number.

    qa does no linear algebra, but OpenBLAS starts a thread per core when
    numpy is imported: on a busy machine that alone can cost tens of
    milliseconds of a one-shot question. Indexing workers are processes,
    not BLAS threads, so nothing gets slower.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _nothing_left_to_do() -> bool:
    """Whether exiting now, without the interpreter's cleanup, loses nothing.

    True when no other thread or worker process can still be running (a
    REPL's helpers, an indexing pool) and none of the modules that register
    exit handlers was loaded (:data:`_EXIT_HANDLERS`; qa registers none).
    """
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    return not any(name in sys.modules for name in _EXIT_HANDLERS)


#: Modules that register exit handlers (the standard library's; what qa loads of the rest registers none):
#: exiting without the interpreter's cleanup would skip them.
_EXIT_HANDLERS = ("multiprocessing", "logging", "concurrent.futures", "readline")
