"""The build's one reporter: what a step tells the user, what it warns about, its progress.

A step gets one `Log` and calls `log.info`, `log.warning` and `log.progress`; nothing else
carries a `quiet` flag, a `say` callback or a list of notes through the stages. Warnings are
counted and kept (MkDocs does the same with a counting log handler), so the summary and the
--report JSON list them once ("notes"), whichever step said them. `notice` and `error` are said
even under --quiet. Messages go to stderr; stdout stays for the summary. No other module prints
progress or notes (tests/test_house.py).
"""
from __future__ import annotations

import sys

from core.progress import Progress


class Log:
    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream
        self.warnings: list[str] = []

    def _write(self, message: str) -> None:
        print(message, file=self.stream or sys.stderr, flush=True)

    def info(self, message: str) -> None:
        """A status line (which config, which engine, a step's outcome); silent under --quiet."""
        if not self.quiet:
            self._write(message)

    def warning(self, message: str) -> None:
        """Something the user should know (a lowered setting, a skipped step): said once, even
        when several facets or steps report it, and kept for the summary."""
        if message in self.warnings:
            return
        self.warnings.append(message)
        if not self.quiet:
            self._write(f"warning: {message}")

    def notice(self, message: str) -> None:
        """A line said even under --quiet, and not a warning: what a settings file that came with
        the collection sets, why --strict failed, that the build was interrupted."""
        self._write(message)

    def error(self, message: str) -> None:
        """Why a command (or one query image) failed: "lookalike: error: ...", even under --quiet."""
        self._write(f"lookalike: error: {message}")

    def progress(self, label: str, total: int, unit: str = "images") -> Progress:
        """A progress bar (a terminal) or one line at the end (logs); nothing under --quiet."""
        return Progress(label, total, unit, self.quiet, self.stream)


QUIET = Log(quiet=True)  # for library callers and tests that want no output
