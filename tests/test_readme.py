"""README.md tells the truth: its commands are CI's and its example is real output."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands_ci_runs() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    install_and_run, install_and_test = blocks[0].strip(), blocks[1].strip()
    assert "pip install ." in install_and_run and "qa ask" in install_and_run
    assert "pytest" in install_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install_and_test in ci and install_and_run in ci
    assert README.index(install_and_run) < README.index("## Usage")


def test_usage_example_is_real_output(run_qa: Callable[..., CompletedProcess[str]], tmp_path: Path) -> None:
    match = re.search(r'```console\n\$ qa ask "([^"]+)"\n(.*?)\n```', README, re.DOTALL)
    assert match
    result = run_qa("ask", match.group(1), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.rstrip("\n") == match.group(2)
