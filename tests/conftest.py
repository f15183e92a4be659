"""Shared fixtures: tiny inline corpora, an isolated cache, the entry point of the code under test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own cache, config and data folders and no QA_DOCS / colour / viewer variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("QA_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("QA_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "xdg-state"))
    for name in ("QA_DOCS", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "QA_PDF_VIEWER", "UNICODE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write ``{relative name: text or bytes}`` under a fresh folder and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "docs"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return root

    return make


#: The working tree under test: put first on the path of every qa process the tests start, so they run
#: this code and not an installed copy (``pip install .`` puts one in site-packages).
ROOT = Path(__file__).resolve().parent.parent
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


def qa_command() -> list[str]:
    """``python -m qa`` with this interpreter: the qa of the working tree (see :data:`ROOT`)."""
    return [sys.executable, "-m", "qa"]


@pytest.fixture
def run_qa() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real entry point with stdout and stderr as pipes."""

    def run(*args: str, input: str | None = None, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            [*qa_command(), *args],
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            cwd=cwd,
            env=full_env,
            timeout=timeout,
        )

    return run
