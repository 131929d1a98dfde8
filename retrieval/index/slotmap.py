"""Passage id -> slot, in numpy arrays rather than a Python dict.

A dict of a million ints costs about 100 MB (a hash-table entry plus two int objects
per passage); here the bulk of the map is two sorted int64 arrays (16 bytes per
passage) searched with ``searchsorted``, and only ids set one at a time since the
last consolidation live in a small dict. Removing an id from the sorted part leaves a
tombstone (slot -1) that later consolidations drop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

# Ids set one by one are folded into the sorted arrays once the dict holds more than
# this many, or more than 1/RECENT_FRACTION of the sorted part (amortised O(log n)).
RECENT_MIN = 4096
RECENT_FRACTION = 16
# Tombstones are dropped once they outnumber live entries of the sorted part.
_ABSENT = -1


class SlotMap:
    """A mapping of live passage ids to slots, with vectorised lookups."""

    def __init__(self) -> None:
        self._keys: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # sorted ids
        self._slots: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # -1: tombstone
        self._recent: dict[int, int] = {}  # never holds a key live in the arrays
        # The recent dict as sorted arrays, for vectorised lookups; None when stale.
        self._recent_arrays: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
        self._tombstones = 0
        self._size = 0
        self._version = 0  # bumped by every change of the mapping
        # The last distinct_slots answer: (version, ids, distinct slots, inverse).
        self._memo: tuple[int, tuple[int, ...], NDArray[np.int64], NDArray[np.int64]] | None = None

    @classmethod
    def from_arrays(cls, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> SlotMap:
        """A map of distinct ``ids`` to ``slots``."""
        result = cls()
        result.set_many(ids, slots)
        return result

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return self._size

    def __contains__(self, passage_id: object) -> bool:
        return isinstance(passage_id, int | np.integer) and self.get(int(passage_id)) is not None

    def get(self, passage_id: int) -> int | None:
        slot = self._recent.get(passage_id)
        if slot is not None:
            return slot
        pos = self._position(passage_id)
        return None if pos < 0 or self._slots[pos] < 0 else int(self._slots[pos])

    def __getitem__(self, passage_id: int) -> int:
        slot = self.get(passage_id)
        if slot is None:
            raise KeyError(passage_id)
        return slot

    def lookup(self, passage_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The slot of each id, -1 for ids not in the map."""
        out = np.full(len(passage_ids), _ABSENT, dtype=np.int64)
        _find(self._keys, self._slots, passage_ids, out)
        if self._recent:
            if self._recent_arrays is None:
                keys = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
                slots = np.fromiter(self._recent.values(), dtype=np.int64, count=len(keys))
                order = np.argsort(keys)
                self._recent_arrays = keys[order], slots[order]
            _find(*self._recent_arrays, passage_ids, out)
        return out

    def distinct_slots(
        self, passage_ids: Sequence[int]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Ascending distinct slots of the ids, and each id's place among them.

        KeyError for an id not in the map. The last answer is kept: ranking asks for the
        slots of one pool of passages once per query term.
        """
        key = tuple(passage_ids)
        memo = self._memo
        if memo is not None and memo[0] == self._version and memo[1] == key:
            return memo[2], memo[3]
        slots = self.lookup(np.array(key, dtype=np.int64))
        if (slots < 0).any():
            raise KeyError(key[int(np.flatnonzero(slots < 0)[0])])
        distinct, inverse = np.unique(slots, return_inverse=True)
        self._memo = (self._version, key, distinct, inverse)
        return distinct, inverse

    def items(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Every live (id, slot), as two arrays in no particular order."""
        live = self._slots >= 0
        ids = np.concatenate(
            [self._keys[live], np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))]
        )
        slots = np.concatenate(
            [
                self._slots[live],
                np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent)),
            ]
        )
        return ids, slots

    # ------------------------------------------------------------------ changes
    def set(self, passage_id: int, slot: int) -> None:
        """Map an id to a slot (replacing its previous slot, if any)."""
        self._version += 1
        pos = self._position(passage_id)
        if pos >= 0:
            if self._slots[pos] < 0:
                self._size += 1
                self._tombstones -= 1
            self._slots[pos] = slot
            return
        if passage_id not in self._recent:
            self._size += 1
        self._recent[passage_id] = slot
        self._recent_arrays = None
        if len(self._recent) > max(RECENT_MIN, len(self._keys) // RECENT_FRACTION):
            self._consolidate()

    def pop(self, passage_id: int) -> int:
        """Remove an id and return its slot; KeyError when absent."""
        self._version += 1
        slot = self._recent.pop(passage_id, None)
        if slot is not None:
            self._recent_arrays = None
        else:
            pos = self._position(passage_id)
            if pos < 0 or self._slots[pos] < 0:
                raise KeyError(passage_id)
            slot = int(self._slots[pos])
            self._slots[pos] = _ABSENT
            self._tombstones += 1
            if self._tombstones > len(self._keys) - self._tombstones:
                self._consolidate()
        self._size -= 1
        return slot

    def set_many(self, passage_ids: NDArray[np.int64], slots: NDArray[np.int64]) -> None:
        """Map distinct ids, none of them currently in the map, to slots."""
        self._version += 1
        ids = np.asarray(passage_ids, dtype=np.int64)
        new_slots = np.asarray(slots, dtype=np.int64)
        if len(ids) < RECENT_MIN:
            for pid, slot in zip(ids.tolist(), new_slots.tolist(), strict=True):
                self.set(pid, slot)
            return
        if len(self._keys):  # ids that left a tombstone take their old place back
            pos = np.minimum(np.searchsorted(self._keys, ids), len(self._keys) - 1)
            known = self._keys[pos] == ids
            if known.any():
                self._slots[pos[known]] = new_slots[known]
                self._tombstones -= int(known.sum())
                self._size += int(known.sum())
                ids, new_slots = ids[~known], new_slots[~known]
        self._size += len(ids)
        self._merge(ids, new_slots)

    def remap(self, old_to_new: NDArray[np.int64]) -> None:
        """Renumber every slot through ``old_to_new`` (a compaction's slot map)."""
        self._version += 1
        self._consolidate()
        self._slots = np.asarray(old_to_new[self._slots], dtype=np.int64)

    # ---------------------------------------------------------------- internals
    def _position(self, passage_id: int) -> int:
        """Index of the id in the sorted arrays (live or tombstone), else -1."""
        keys = self._keys
        if not len(keys):
            return -1
        pos = int(np.searchsorted(keys, passage_id))
        return pos if pos < len(keys) and keys[pos] == passage_id else -1

    def _consolidate(self) -> None:
        """Fold the recent dict into the arrays and drop tombstones."""
        if self._tombstones:
            live = self._slots >= 0
            self._keys, self._slots = self._keys[live], self._slots[live]
            self._tombstones = 0
        if self._recent:
            ids = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
            slots = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
            self._recent = {}
            self._recent_arrays = None
            self._merge(ids, slots)

    def _merge(self, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> None:
        """Add ids absent from the arrays, keeping them sorted."""
        if not len(ids):
            return
        order = np.argsort(ids, kind="stable")
        ids, slots = ids[order], slots[order]
        if not len(self._keys) or ids[0] > self._keys[-1]:
            # Database ids grow, so new ones usually sort after every known one.
            self._keys = np.concatenate([self._keys, ids])
            self._slots = np.concatenate([self._slots, slots])
            return
        keys = np.concatenate([self._keys, ids])
        # Two sorted runs: a stable sort merges them in linear time.
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._slots = np.concatenate([self._slots, slots])[order]


def _find(
    keys: NDArray[np.int64],
    slots: NDArray[np.int64],
    wanted: NDArray[np.int64],
    out: NDArray[np.int64],
) -> None:
    """out[i] = the slot of wanted[i] where sorted ``keys`` hold it (tombstones: -1)."""
    if not len(keys):
        return
    pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[pos] == wanted
    out[found] = slots[pos[found]]
