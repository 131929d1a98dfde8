"""Work arrays of the search, kept between searches.

A search of a million-passage index scores into per-slot arrays of megabytes. Fresh
memory costs a page fault every 4 KiB, which at this size takes longer than the
scoring itself, so the arrays are allocated once (grown with the index) and every
search leaves them as it found them: NaN for ``scratch``, zero for ``sums``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class Buffers:
    """The score buffers of one index; not shared between threads (the index locks)."""

    def __init__(self) -> None:
        self._scratch = np.zeros(0, dtype=np.float64)
        self._sums = np.zeros(0, dtype=np.float64)
        self._work = np.zeros(0, dtype=np.float64)

    def scratch(self, capacity: int) -> NDArray[np.float64]:
        """Per-slot, all NaN between searches (see ``search.accumulate``)."""
        if len(self._scratch) < capacity:
            self._scratch = np.full(capacity, np.nan, dtype=np.float64)
        return self._scratch

    def sums(self, capacity: int, size: int) -> NDArray[np.float64]:
        """The first ``size`` of per-slot sums, all zero between searches."""
        if len(self._sums) < capacity:
            self._sums = np.zeros(capacity, dtype=np.float64)
        return self._sums[:size]

    def work(self, size: int) -> NDArray[np.float64]:
        """At least ``size`` floats of scratch space, contents undefined."""
        if len(self._work) < size:
            self._work = np.empty(max(size, 2 * len(self._work)), dtype=np.float64)
        return self._work
