"""Output streams that go away: broken pipes, closed stdout, a full disk."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from robust_helpers import shell_qa


@pytest.mark.parametrize("consumer", ["head -1", "true", "head -c 10"])
@pytest.mark.parametrize("fmt", ["text", "jsonl", "rich"])
def test_broken_pipe_is_quiet(consumer: str, fmt: str) -> None:
    shell = (f"{shell_qa()} ask -k 20 -C 3 --format {fmt} 'North Korea' | {consumer} >/dev/null;"
             " echo \"status=${PIPESTATUS[0]}\" >&2")
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert out.stderr == "status=0\n"  # nothing else: no BrokenPipeError, no "Exception ignored"


def test_broken_pipe_with_many_questions_on_stdin() -> None:
    shell = (f"yes 'nuclear test' | head -2000 | {shell_qa()} -k 5 | head -1 >/dev/null;"
             " echo \"status=${PIPESTATUS[2]}\" >&2")
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert out.stderr == "status=0\n"


def test_closed_stdout_is_exit_2() -> None:
    closed = subprocess.run(["bash", "-c", f"{shell_qa()} ask 'nuclear test' >&-"], capture_output=True, text=True,
                            timeout=60)
    assert closed.returncode == 2
    assert re.fullmatch(r"qa: error: [^\n]+\n", closed.stderr), closed.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("fmt", ["text", "json", "rich"])
def test_full_disk_is_an_error_and_exit_2(fmt: str) -> None:
    full = subprocess.run(["bash", "-c", f"{shell_qa()} ask --format {fmt} 'nuclear test' > /dev/full"],
                          capture_output=True, text=True, timeout=60)
    assert full.returncode == 2
    assert full.stderr == "qa: error: cannot write output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_full_disk_for_qa_index() -> None:
    full = subprocess.run(["bash", "-c", f"{shell_qa()} index > /dev/full"], capture_output=True, text=True,
                          timeout=60)
    assert full.returncode == 2
    assert full.stderr == "qa: error: cannot write output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("option", ["--version", "--help"])
def test_full_disk_for_version_and_help(option: str) -> None:
    """argparse drops a failed write silently: qa's parser does not."""
    full = subprocess.run(["bash", "-c", f"{shell_qa()} {option} > /dev/full"], capture_output=True, text=True,
                          timeout=60)
    assert full.returncode == 2
    assert full.stderr == "qa: error: cannot write output: No space left on device\n"
    ok = subprocess.run(["bash", "-c", f"{shell_qa()} {option} | head -1"], capture_output=True, text=True,
                        timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith(("qa ", "usage: qa")) and ok.stderr == ""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_output_encoding_that_is_not_utf_gets_escapes(fmt: str, tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii: the seeds' curly quotes are escaped, not an internal error."""
    import os

    from conftest import qa_command

    env = dict(os.environ, PYTHONIOENCODING="ascii")
    result = subprocess.run([*qa_command(), "ask", "Beijing’s help", "-k", "1", "--format", fmt],
                            capture_output=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("ascii")  # nothing but ASCII
    assert "Beijing\\u2019s" in out
    if fmt == "json":
        import json

        assert "Beijing\u2019s" in json.loads(out)["results"][0]["text"]


def test_json_escapes_bidi_overrides(make_corpus, run_qa) -> None:  # type: ignore[no-untyped-def]
    root = make_corpus({"a.txt": "The lamp \u202eevil\u202c glows."})
    for fmt in ("json", "jsonl"):
        result = run_qa("ask", "--docs", str(root), "lamp", "--format", fmt)
        assert result.returncode == 0 and "\u202e" not in result.stdout and "\\u202e" in result.stdout
        import json

        assert "\u202eevil" in json.loads(result.stdout.splitlines()[0] if fmt == "jsonl" else result.stdout)[
            "results"][0]["text"]
