"""The table of distinct (term frequency, document length) pairs.

BM25's term-frequency part, ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``,
depends on a posting only through its (tf, dl) pair, and a corpus has few distinct
pairs (tf is small, passages have similar lengths). Each posting stores the code of
its pair, and a query looks the weight up in ``weights``: one small, cache-resident
gather instead of per-posting arithmetic. When avgdl changes only this table is
recomputed, never the postings. The arithmetic is rank_bm25's, operation by operation,
so the float64 results are identical to its per-document computation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Pair keys pack tf above dl; both fit easily (dl < 2**32 tokens per passage).
_DL_BITS = 32
# Use a dense lookup array for code assignment when max_tf * max_dl is below this.
_DENSE_LUT_LIMIT = 1 << 24
# Codes fit uint16 while the table has at most this many pairs.
_UINT16_CODES = 1 << 16


def tf_weight(
    tf: NDArray[np.float64], dl: NDArray[np.float64], k1: float, b: float, avgdl: float
) -> NDArray[np.float64]:
    """rank_bm25's term-frequency factor, evaluated in its exact order of operations."""
    norm = k1 * ((1 - b) + (b * dl) / avgdl)
    return np.asarray((tf * (k1 + 1)) / (tf + norm), dtype=np.float64)


class ImpactTable:
    """Distinct (tf, dl) pairs -> dense codes, and the weight of each code."""

    def __init__(self, keys: NDArray[np.int64] | None = None) -> None:
        # keys[code] = tf << 32 | dl, in code order; _sorted_* is the same, sorted by key.
        self.keys: NDArray[np.int64] = (
            np.zeros(0, dtype=np.int64) if keys is None else np.asarray(keys, dtype=np.int64)
        )
        self._reindex()
        self._weights: NDArray[np.float64] = np.zeros(0, dtype=np.float64)
        self._weights_for: tuple[float, float, float, int] | None = None

    def _reindex(self) -> None:
        order = np.argsort(self.keys, kind="stable")
        self._sorted_keys = self.keys[order]
        self._sorted_codes = order.astype(np.int64)

    def __len__(self) -> int:
        return len(self.keys)

    def code_dtype(self) -> type[np.unsignedinteger]:
        """The narrowest code type for postings built now."""
        return np.uint16 if len(self.keys) <= _UINT16_CODES else np.uint32

    def encode(self, tf: NDArray[np.int64], dl: NDArray[np.int64]) -> NDArray[np.unsignedinteger]:
        """Codes of the pairs, adding unseen pairs to the table."""
        if len(tf) == 0:
            return np.zeros(0, dtype=self.code_dtype())
        max_dl = int(dl.max()) + 1
        dense = (int(tf.max()) + 1) * max_dl <= _DENSE_LUT_LIMIT
        if dense:
            flat = tf * max_dl + dl
            present = np.zeros((int(tf.max()) + 1) * max_dl, dtype=bool)
            present[flat] = True
            uniq_flat = np.flatnonzero(present)
            uniq = (uniq_flat // max_dl) << _DL_BITS | (uniq_flat % max_dl)
        else:
            keys = tf << _DL_BITS | dl
            uniq, inverse = np.unique(keys, return_inverse=True)
        codes_of_uniq = self._codes_of(uniq)
        dtype = self.code_dtype()
        if dense:
            lut = np.zeros(len(present), dtype=dtype)
            lut[uniq_flat] = codes_of_uniq
            return np.asarray(lut[flat])
        return np.asarray(codes_of_uniq.astype(dtype)[inverse])

    def _codes_of(self, uniq: NDArray[np.int64]) -> NDArray[np.int64]:
        """Codes of sorted unique keys, assigning new codes to unseen ones."""
        codes = self._lookup(uniq)
        unseen = codes < 0
        if unseen.any():
            start = len(self.keys)
            new = uniq[unseen]
            self.keys = np.concatenate([self.keys, new])
            codes[unseen] = np.arange(start, start + len(new))
            self._reindex()
        return codes

    def _lookup(self, keys: NDArray[np.int64]) -> NDArray[np.int64]:
        if len(self._sorted_keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.searchsorted(self._sorted_keys, keys)
        pos[pos == len(self._sorted_keys)] = 0
        found = self._sorted_keys[pos] == keys
        return np.where(found, self._sorted_codes[pos], -1)

    def weights(self, k1: float, b: float, avgdl: float) -> NDArray[np.float64]:
        """The term-frequency factor of every code for the current avgdl (cached)."""
        state = (k1, b, avgdl, len(self.keys))
        if self._weights_for != state:
            tf = (self.keys >> _DL_BITS).astype(np.float64)
            dl = (self.keys & ((1 << _DL_BITS) - 1)).astype(np.float64)
            self._weights = tf_weight(tf, dl, k1, b, avgdl)
            self._weights_for = state
        return self._weights

    def code_tables(self) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
        """tf and dl of every code, as two arrays indexed by code."""
        code_tf = (self.keys >> _DL_BITS).astype(np.int32)
        code_dl = (self.keys & ((1 << _DL_BITS) - 1)).astype(np.int32)
        return code_tf, code_dl
