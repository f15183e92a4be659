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


#: Where each group of :class:`qa.ranking.Ranking` applies, for README's table.
_GROUPS = {"bm25": "sentence BM25 (fixed when the index is built)", "evidence": "first stage",
           "rerank": "second stage"}


def ranking_table() -> str:
    """README's table of ranking parameters, made from :data:`qa.ranking.DEFAULT_RANKING` itself."""
    from qa.ranking import DEFAULT_RANKING

    rows = ["| parameter | value | stage |", "|---|---|---|"]
    for name, value in DEFAULT_RANKING.table():
        rows.append(f"| `{name}` | {value} | {_GROUPS[name.split('.')[0]]} |")
    return "\n".join(rows)


def test_readme_ranking_table_is_the_code_s() -> None:
    found = re.search(r"<!-- ranking -->\n(.*?)\n<!-- /ranking -->", README, re.DOTALL)
    assert found, "README lists the ranking parameters between <!-- ranking --> markers"
    assert found.group(1) == ranking_table()


if __name__ == "__main__":  # rewrite README's ranking table from the code
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(<!-- ranking -->\n).*?(<!-- /ranking -->)", lambda m: m.group(1) + ranking_table() + "\n"
                  + m.group(2), text, flags=re.DOTALL)
    path.write_text(text, encoding="utf-8")
