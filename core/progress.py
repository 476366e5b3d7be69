"""Progress lines for long stages: count, rate and ETA, quiet when asked.

On a terminal the line is redrawn in place; in logs (CI, pipes) a line is
printed every few seconds so the log stays short but shows the build is alive.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int, unit: str = "images", quiet: bool = False, stream=None):
        self.label, self.total, self.unit, self.quiet = label, total, unit, quiet
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0
        self.start = time.perf_counter()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if now - self._last >= (0.2 if self.tty else 5.0) or self.done >= self.total:
            self._last = now
            self._show(final=False)

    def _line(self) -> str:
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (f"  {self.label:<10} {self.done:>7}/{self.total:<7} {pct:5.1f}%  "
                f"{rate:8.1f} {self.unit}/s  ETA {left:5.0f}s  elapsed {elapsed:5.1f}s")

    def _show(self, final: bool) -> None:
        if self.quiet:
            return
        if self.tty:
            self.stream.write("\r" + self._line() + ("\n" if final else ""))
        elif not final:
            self.stream.write(self._line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and not self.quiet:
            self._show(final=True)


def say(message: str, quiet: bool = False) -> None:
    """A one-line status message on stderr (stdout stays for the summary)."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)
