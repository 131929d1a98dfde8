"""Per-slot columns: one entry per passage slot, grown by doubling.

A slot is a passage's position in the index. Slots are handed out in increasing order
and never reused; a removed passage leaves a dead slot until the next compaction.
Keeping the metadata as numpy columns lets filters and length norms run vectorised.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Initial capacity in slots; grown by doubling.
_MIN_CAPACITY = 1024

# Column name -> dtype; saved and loaded by name.
COLUMN_DTYPES: dict[str, type[np.generic]] = {
    "doc_len": np.int32,
    "passage": np.int64,
    "article": np.int64,
    "scope": np.int64,
    "source": np.int64,
    "published": np.int64,
    "alive": np.bool_,
}


class Columns:
    """The per-slot arrays; ``size`` slots are in use, the rest is spare capacity."""

    def __init__(self, arrays: dict[str, NDArray[np.generic]] | None = None) -> None:
        if arrays is None:
            arrays = {name: np.zeros(_MIN_CAPACITY, dtype=dt) for name, dt in COLUMN_DTYPES.items()}
            self.size = 0
        else:
            self.size = len(arrays["alive"])
        self._set(arrays)

    def _set(self, arrays: dict[str, NDArray[np.generic]]) -> None:
        self.doc_len: NDArray[np.int32] = np.asarray(arrays["doc_len"], dtype=np.int32)
        self.passage: NDArray[np.int64] = np.asarray(arrays["passage"], dtype=np.int64)
        self.article: NDArray[np.int64] = np.asarray(arrays["article"], dtype=np.int64)
        self.scope: NDArray[np.int64] = np.asarray(arrays["scope"], dtype=np.int64)
        self.source: NDArray[np.int64] = np.asarray(arrays["source"], dtype=np.int64)
        self.published: NDArray[np.int64] = np.asarray(arrays["published"], dtype=np.int64)
        self.alive: NDArray[np.bool_] = np.asarray(arrays["alive"], dtype=np.bool_)

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The used part of every column, by name (views, not copies)."""
        n = self.size
        return {
            "doc_len": self.doc_len[:n],
            "passage": self.passage[:n],
            "article": self.article[:n],
            "scope": self.scope[:n],
            "source": self.source[:n],
            "published": self.published[:n],
            "alive": self.alive[:n],
        }

    @property
    def capacity(self) -> int:
        return len(self.alive)

    def reserve(self, extra: int) -> None:
        """Make room for ``extra`` more slots."""
        need = self.size + extra
        if need <= self.capacity:
            return
        capacity = max(_MIN_CAPACITY, self.capacity)
        while capacity < need:
            capacity *= 2
        grown: dict[str, NDArray[np.generic]] = {}
        for name, array in self.arrays().items():
            bigger = np.zeros(capacity, dtype=COLUMN_DTYPES[name])
            bigger[: self.size] = array
            grown[name] = bigger
        self._set(grown)

    def append(
        self,
        doc_len: NDArray[np.int64],
        passage: NDArray[np.int64],
        meta: NDArray[np.int64],
    ) -> int:
        """Append slots (``meta`` rows: article, scope, source, published); returns the first."""
        count = len(passage)
        self.reserve(count)
        start, end = self.size, self.size + count
        self.doc_len[start:end] = doc_len
        self.passage[start:end] = passage
        self.article[start:end] = meta[:, 0]
        self.scope[start:end] = meta[:, 1]
        self.source[start:end] = meta[:, 2]
        self.published[start:end] = meta[:, 3]
        self.alive[start:end] = True
        self.size = end
        return start

    def compact(self) -> NDArray[np.int64]:
        """Drop dead slots; returns old slot -> new slot (-1 for dead slots)."""
        alive = self.alive[: self.size].copy()
        remap = np.cumsum(alive, dtype=np.int64) - 1
        remap[~alive] = -1
        kept = {name: array[alive].copy() for name, array in self.arrays().items()}
        self.size = int(alive.sum())
        self._set(kept)
        self.reserve(0)
        return remap
