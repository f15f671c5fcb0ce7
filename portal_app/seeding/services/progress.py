"""A plain progress bar on stderr (no dependency): one line, redrawn at most five times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(1, total)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._drawn = 0.0
        self.label = ""

    def advance(self, label: str, rows: int) -> None:
        self.done += rows
        self.label = label
        now = time.monotonic()
        if now - self._drawn >= 0.2:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(1.0, self.done / self.total)
        filled = int(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"\r[{bar}] {share:4.0%}  {self.done:>10,} rows  {now - self.started:5.0f} s  {self.label:<22}"
        self.stream.write(line)
        self.stream.flush()

    def finish(self, label: str = "done") -> float:
        """Draws the last state, ends the line and returns the seconds taken."""
        now = time.monotonic()
        self.label = label
        self.done = max(self.done, self.total)
        self._draw(now)
        self.stream.write("\n")
        self.stream.flush()
        return now - self.started
