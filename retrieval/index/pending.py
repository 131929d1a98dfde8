"""The mutable tail of the index: recently added passages not yet in a segment.

Single adds land here (dict updates only, microseconds) and are searched straight
from these lists; once enough accumulate they are written out as one immutable segment
in a single vectorised build. Removed slots are dropped from ``docs`` at once but stay
in ``postings`` until the flush: searches mask them out as dead.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class Pending:
    """Passages in slots ``base .. end - 1``; ``end`` is the next slot to hand out."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.end = base
        self.docs: dict[int, dict[int, int]] = {}  # live slot -> {term id: tf}
        self.postings: dict[int, tuple[list[int], list[int]]] = {}  # term id -> (slots, tfs)

    @property
    def slot_count(self) -> int:
        """Slots handed out here, dead ones included."""
        return self.end - self.base

    def add(self, slot: int, tf_by_term: dict[int, int]) -> None:
        if slot != self.end:
            raise ValueError("pending slots must be consecutive")
        self.end += 1
        self.docs[slot] = tf_by_term
        postings = self.postings
        for term, tf in tf_by_term.items():
            entry = postings.get(term)
            if entry is None:
                postings[term] = ([slot], [tf])
            else:
                entry[0].append(slot)
                entry[1].append(tf)

    def remove(self, slot: int) -> dict[int, int]:
        """Forget a live slot; returns its terms and frequencies."""
        return self.docs.pop(slot)

    def term_postings(self, term: int) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        """Slots (dead ones included) and term frequencies of one term."""
        entry = self.postings.get(term)
        if entry is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
        return np.array(entry[0], dtype=np.int32), np.array(entry[1], dtype=np.int64)

    def forward(self) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
        """Forward CSR (ptr, sorted term ids, tf) over every slot here; dead slots empty."""
        lengths = np.zeros(self.slot_count, dtype=np.int64)
        terms: list[int] = []
        tfs: list[int] = []
        for slot in range(self.base, self.end):
            doc = self.docs.get(slot)
            if doc:
                ordered = sorted(doc.items())
                lengths[slot - self.base] = len(ordered)
                terms.extend(t for t, _ in ordered)
                tfs.extend(f for _, f in ordered)
        ptr = np.zeros(self.slot_count + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        return ptr, np.array(terms, dtype=np.int32), np.array(tfs, dtype=np.int64)
