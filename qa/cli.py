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
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from qa import __version__
from qa.errors import ExitCode, OutputError, QAError, QueryError, UsageError
from qa.render import FORMATS, ignored_note, make_renderer, no_match_message

if TYPE_CHECKING:
    from qa.engine import OpenReport
    from qa.index import Index
    from qa.search import Answer


class Terminated(BaseException):
    """Raised from the SIGTERM handler so cleanup code runs before exiting 143."""


def _columns() -> int:
    """Terminal width as ``shutil.get_terminal_size().columns`` gives it ($COLUMNS, else stdout's, else 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized without importing shutil.

    argparse makes one for every option it adds, and its default width comes
    from ``shutil`` (which loads zlib, bz2 and lzma): ~3 ms of every run.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become a UsageError (one line, exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'qa --help')")

    def _print_message(self, message: str, file: Any = None) -> None:
        """As argparse's, but a failed write (full disk) is an error, not silently dropped."""
        out = file or sys.stderr
        if message and out is not None:
            out.write(message)
            out.flush()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text}")
    return value


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
        "--include", action="append", metavar="GLOB", default=d(None),
        help="only index files matching GLOB (gitignore syntax; repeatable; any extension, read as text)",
    )
    g.add_argument(
        "--exclude", action="append", metavar="GLOB", default=d(None), help="do not index files matching GLOB"
    )
    g.add_argument("-k", "--top", type=_positive, metavar="N", default=d(3), help="sentences to show (default 3)")
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


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used to document the CLI)."""
    parser = _Parser(
        prog="qa",
        description="Ask questions of your documents: the sentences that answer, with citations.",
        epilog="exit status: 0 answered, 1 nothing matched, 2 usage or input error, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    ask = sub.add_parser("ask", help="answer one question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - to read questions from stdin")
    _common(ask, suppress=True)
    repl = sub.add_parser("repl", help="interactive session (the default on a terminal)")
    _common(repl, suppress=True)
    index = sub.add_parser("index", help="build or refresh the index and print statistics")
    index.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    index.add_argument("--where", action="store_true", help="print where the index is stored and exit")
    _common(index, suppress=True)
    return parser


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


def _progress_callback() -> tuple[Callable[[int, int, int], None], Callable[[], None]]:
    """A rich progress bar on stderr, shown only on a terminal after about a second."""
    start = time.monotonic()
    state: dict[str, Any] = {}
    on_tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"

    def update(done: int, total: int, nbytes: int) -> None:
        if not on_tty or time.monotonic() - start < 1.0:
            return
        if "bar" not in state:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(
                TextColumn("indexing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files {task.fields[rate]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            bar.start()
            state["bar"] = bar
            state["task"] = bar.add_task("index", total=total, rate="")
        rate = f"{nbytes / 1e6 / max(time.monotonic() - start, 1e-9):.1f} MB/s"
        state["bar"].update(state["task"], completed=done, total=total, rate=rate)

    def stop() -> None:
        if "bar" in state:
            state["bar"].stop()

    return update, stop


def _open(args: argparse.Namespace, rebuild: bool = False) -> tuple[Index, OpenReport]:
    from qa.engine import open_index

    show, stop = _progress_callback()

    def update(done: int, total: int, nbytes: int) -> None:
        _checkpoint()
        show(done, total, nbytes)

    try:
        from qa.corpus import Filters

        filters = Filters(tuple(args.include or ()), tuple(args.exclude or ()))
        return open_index(
            args.docs, filters=filters, rebuild=rebuild, cache=not args.no_cache, warn=warn, progress=update,
            checkpoint=_checkpoint,
        )
    finally:
        stop()


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
    renderer = make_renderer(resolve_format(args.format, color), sys.stdout, color, batch, args.explain)
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
    """``qa index``: build or refresh, then print statistics."""
    from qa.store import index_dir

    if args.where:
        from qa.corpus import Filters, default_roots

        key = Filters(tuple(args.include or ()), tuple(args.exclude or ())).key()
        sys.stdout.write(f"{index_dir(args.docs or default_roots(), key)}\n")
        return ExitCode.OK
    start = time.perf_counter()
    index, report = _open(args, rebuild=args.rebuild)
    elapsed = time.perf_counter() - start
    size = sum(f.stat().st_size for f in report.folder.rglob("*") if f.is_file()) if report.folder.exists() else 0
    state = "built" if report.built else "up to date"
    rows = [
        ("index", f"{state} in {elapsed:.2f} s"),
        ("documents", f"{len(index.docs):,}"),
        ("sentences", f"{index.n_chunks:,}"),
        ("vocabulary", f"{index.n_terms:,} terms"),
        ("size on disk", f"{size / 1e6:.1f} MB"),
        ("location", str(report.folder)),
    ]
    sys.stdout.write("".join(f"{k:<13} {v}\n" for k, v in rows))
    return ExitCode.OK


def cmd_repl(args: argparse.Namespace) -> int:
    """``qa repl``: the interactive session (``qa repl < script`` runs its lines without a prompt)."""
    from qa.render import make_console
    from qa.repl import Settings, start

    color = use_color(args.color, sys.stdout)
    console = make_console(sys.stdout, color)
    settings = Settings(k=max(args.top, 1), context=args.context, explain=args.explain)
    lines = None if _is_tty(sys.stdin) else _read_questions(sys.stdin)
    # The session handles Ctrl-C itself (it clears the line or stops a re-index and goes on).
    with contextlib.suppress(ValueError):
        if signal.getsignal(signal.SIGINT) is _on_signal:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    # stdout carries answers only when it is not a terminal: messages then go to stderr.
    notes = None if _is_tty(sys.stdout) else make_console(sys.stderr, use_color(args.color, sys.stderr))
    return start(lambda rebuild: _open(args, rebuild=rebuild), settings, console, lines=lines, debug=args.debug,
                 notes=notes)


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
        args = build_parser().parse_args(argv)
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

    True when no exit handler is registered and no other thread or worker
    process can still be running (a REPL's helpers, an indexing pool).
    """
    import atexit

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    handlers = getattr(atexit, "_ncallbacks", lambda: 1)()  # CPython; elsewhere assume some
    return handlers == 0 and "multiprocessing" not in sys.modules
