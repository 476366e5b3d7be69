"""Progress for long steps: a tqdm bar on a terminal, one line per step in logs, nothing when quiet.

On a terminal tqdm redraws one bar in place, with a rate and an ETA it only shows once it
has measured something (no guesses from the first, slowest item). In logs (CI, pipes) each
step prints one line when it ends, with its count, time and rate, so a log stays short.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int, unit: str = "images", quiet: bool = False, stream=None):
        self.label, self.total, self.unit, self.quiet = label, total, unit, quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self.start = time.perf_counter()
        self.bar = None
        if not quiet and total and _is_tty(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"  {label:<10}", unit=f" {unit}", file=self.stream,
                            dynamic_ncols=True, leave=True, mininterval=0.2, smoothing=0.1)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif not self.quiet and self.total:
            elapsed = time.perf_counter() - self.start
            rate = f", {self.done / elapsed:.1f} {self.unit}/s" if elapsed > 0 and self.done else ""
            self.stream.write(f"  {self.label:<10} {self.done}/{self.total} {self.unit} in {elapsed:.1f} s{rate}\n")
            self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_tty(stream) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()
