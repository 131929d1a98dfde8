"""The ingest progress bar: share of the input read, records, records per second, time left.

Time left comes from the bytes of the input files read so far against their total:
the one measure known in advance for a JSONL file, whose record count is not. The bar
is drawn only where a person watches it (the CLI enables it for a terminal, never for
``--json``), only once the work has run ``DELAY_S`` (a quick ingest shows none), and
at most every ``REDRAW_S``. It is a few lines rather than a dependency (tqdm and the
like): this is the one bar the project needs, and it must stay out of the outcome
lines that share the terminal, which ``clear`` does before each of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Seconds before the bar first shows: shorter ingests finish without one.
DELAY_S = 0.5
# Seconds between redraws: smooth to the eye, and no cost next to the ingest.
REDRAW_S = 0.1
# Characters of the bar itself.
BAR_WIDTH = 24


class ProgressBar:
    """A one-line bar on ``stream``; does nothing unless ``enabled``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        total_bytes: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.total_bytes = total_bytes
        self.done_bytes = 0
        self.records = 0
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._drawn_at: float | None = None
        self._width = 0  # characters of the line on screen, 0 when none is

    def read(self, nbytes: int) -> None:
        """``nbytes`` more of the input files are done."""
        self.done_bytes += nbytes
        self._maybe_draw()

    def record(self) -> None:
        """One more record (article or failure) is done."""
        self.records += 1
        self._maybe_draw()

    def clear(self) -> None:
        """Erase the bar, so that other output on the terminal starts on a clean line."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def close(self) -> None:
        """Leave the final state on screen (when a bar was shown at all)."""
        if self._drawn_at is not None:
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0

    def line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        parts = []
        if self.total_bytes > 0:
            share = min(self.done_bytes / self.total_bytes, 1.0)
            filled = round(BAR_WIDTH * share)
            parts.append(f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}")
        parts.append(f"{self.records:,} records")
        parts.append(f"{self.records / elapsed:,.0f}/s")
        if 0 < self.done_bytes < self.total_bytes:
            left = elapsed * (self.total_bytes - self.done_bytes) / self.done_bytes
            parts.append(f"ETA {_clock_time(left)}")
        return "  ".join(parts)

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < DELAY_S:
            return
        if self._drawn_at is not None and self._width and now - self._drawn_at < REDRAW_S:
            return
        self._draw(now)

    def _draw(self, now: float) -> None:
        text = self.line(now)
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)
        self._drawn_at = now


def _clock_time(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
