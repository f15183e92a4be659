"""Helpers shared by the robustness tests (a plain module: tests/conftest.py owns the fixtures)."""

from __future__ import annotations

import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from conftest import qa_command

RunQA = Callable[..., CompletedProcess[str]]
MakeCorpus = Callable[[dict[str, "str | bytes"]], Path]

#: What must never reach a terminal raw: clear screen (CSI 2J), OSC 52 clipboard
#: writes and their terminators (BEL, ST), the 8-bit CSI, NUL and a bidi override.
DANGEROUS = ("\x1b", "\x07", "\x9b", "\x9c", "\x00", "\u202e")
#: A clipboard write (OSC 52) and a screen clear, as a hostile document or question would hold them.
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
CLEAR = "\x1b[2J"

WORDS = "heron marsh lamp keeper ship fog tide gull rock salt moon wind reed pike".split()


def no_traceback(result: CompletedProcess[str]) -> None:
    """No Python noise on stderr: no traceback, no 'Exception ignored'."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr


#: The only escape sequences qa itself writes: SGR colours and OSC 8 hyperlinks (URL percent-encoded).
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b\x07]*\x1b\\")


def raw_escapes(text: str) -> list[str]:
    """Dangerous characters in ``text`` that qa did not put there itself (empty when safe)."""
    rest = _OWN_SEQUENCES.sub("", text)
    return [bad for bad in DANGEROUS if bad in rest]


def shell_qa() -> str:
    """The qa command, quoted for ``bash -c``."""
    return " ".join(f"'{part}'" for part in qa_command())


def big_corpus(root: Path, files: int = 60, sentences: int = 400, seed: int = 1) -> Path:
    """A generated corpus large enough that indexing takes a moment, plus one known answer."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        lines = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(sentences)]
        (root / f"f{i:03}.txt").write_text("\n".join(lines), encoding="utf-8")
    (root / "answer.txt").write_text("The zebra crossing was painted violet.", encoding="utf-8")
    return root


def answers(run_qa: RunQA, root: Path) -> bool:
    """Whether ``qa ask`` finds the known answer of :func:`big_corpus`, cleanly."""
    result = run_qa("ask", "--docs", str(root), "--format", "text", "zebra crossing violet", "-k", "1")
    return result.returncode == 0 and "answer.txt:1:1" in result.stdout and "Traceback" not in result.stderr


def spawn_index(root: Path, *extra: str) -> subprocess.Popen[bytes]:
    """``qa index`` in the background, in its own process group (so kill -9 reaches its workers)."""
    return subprocess.Popen([*qa_command(), "index", "--docs", str(root), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
