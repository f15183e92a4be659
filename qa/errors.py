"""Typed errors raised by the core, and the one exit-code table.

The core raises these with a sentence a user understands; only :mod:`qa.cli`
turns them into ``qa: error: ...`` on stderr and an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses, documented in README.md."""

    OK = 0
    NO_MATCH = 1
    ERROR = 2
    INTERRUPTED = 130
    TERMINATED = 143


class QAError(Exception):
    """Base class: something the user can fix, reported in one line."""

    exit_code: ExitCode = ExitCode.ERROR


class UsageError(QAError):
    """Bad command-line usage (unknown option, bad value)."""


class CorpusError(QAError):
    """The documents could not be found or read at all."""


class QueryError(QAError):
    """A question that cannot be asked (for example, empty)."""


class IndexStoreError(QAError):
    """The on-disk index cannot be read or written."""


class OutputError(QAError):
    """Answers could not be written (disk full, closed stream)."""


class ConfigError(QAError):
    """The config file cannot be read or holds something qa does not understand."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
