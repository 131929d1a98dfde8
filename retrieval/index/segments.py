"""Immutable segments: CSR postings for a contiguous range of slots.

A segment holds, for each term that occurs in its passages, the ascending slots that
contain the term and the impact code of each posting (see ``impacts``), plus a forward
index (slot -> its distinct term ids) so that removing a passage can decrement exactly
the document frequencies it contributed. Segments are never modified: removal marks a
slot dead in the columns, and merging writes a new segment without the dead postings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Tiered merging: this many adjacent segments of one size class are merged into one.
MERGE_FACTOR = 4
# Segments are not merged into one of more than this many slots: a merge holds its
# inputs and its output at once, and at about 600 bytes of postings and forward index
# per passage this bounds that transient to some 300 MB.
MAX_MERGED_SLOTS = 1 << 19
# Postings copied per vectorised step of a merge (bounds its int64 temporaries).
MERGE_BLOCK = 1 << 20


@dataclass(frozen=True)
class Segment:
    """Postings of slots ``base <= slot < end``; arrays may be memory-mapped."""

    base: int
    end: int
    terms: NDArray[np.int32]  # sorted ids of the terms with postings here
    ptr: NDArray[np.int64]  # postings of terms[i] are [ptr[i], ptr[i + 1])
    slots: NDArray[np.int32]  # global slots, ascending within a term
    codes: NDArray[np.unsignedinteger]  # impact code of each posting
    max_tf: NDArray[np.int32]  # per term: no posting has a larger tf ...
    min_dl: NDArray[np.int32]  # ... or a shorter passage (bounds for pruning)
    fwd_ptr: NDArray[np.int64]  # distinct terms of slot s are fwd_terms[fwd_ptr[s-base]:...]
    fwd_terms: NDArray[np.int32]

    @property
    def postings(self) -> int:
        return len(self.slots)

    def locate(self, term_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row of each term in ``terms``, or -1 when the term has no postings here."""
        if len(self.terms) == 0:
            return np.full(len(term_ids), -1, dtype=np.int64)
        # In the terms' own type: a wider key would make numpy copy the whole dictionary.
        pos = np.searchsorted(self.terms, term_ids.astype(self.terms.dtype, copy=False))
        # ``clip`` reads the last term for a position past the end, which cannot match.
        return np.where(self.terms.take(pos, mode="clip") == term_ids, pos, -1)

    def block(self, row: int) -> tuple[NDArray[np.int32], NDArray[np.unsignedinteger]]:
        """Slots and codes of the postings in ``row`` of ``terms``."""
        lo, hi = int(self.ptr[row]), int(self.ptr[row + 1])
        return self.slots[lo:hi], self.codes[lo:hi]

    def doc_terms(self, slot: int) -> NDArray[np.int32]:
        """The distinct term ids of ``slot``."""
        i = slot - self.base
        return self.fwd_terms[self.fwd_ptr[i] : self.fwd_ptr[i + 1]]


def bits(value: int) -> int:
    """Bits needed to hold ``value`` (at least one)."""
    return max(1, int(value).bit_length())


def run_starts(sorted_keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct values of a sorted array and the offset where each one's run starts."""
    if len(sorted_keys) == 0:
        return sorted_keys, np.zeros(0, dtype=np.int64)
    change = np.empty(len(sorted_keys), dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    del change
    return sorted_keys[starts], starts


def merge_segments(
    segments: Sequence[Segment],
    alive: NDArray[np.bool_],
    remap: NDArray[np.int64] | None = None,
    base: int | None = None,
) -> Segment:
    """One segment with the live postings of consecutive ``segments``.

    Without ``remap`` the slot range is the union of the inputs'. With ``remap`` (old
    slot -> new slot, -1 when dead; increasing, so postings stay sorted) dead slots are
    dropped for good and the result starts at ``base``, the new slot of the inputs'
    first live slot: this is how a compaction renumbers the index, a segment at a time.
    Bounds are carried over, so they may be loose (never too tight) once dead postings
    are gone. The output is allocated once and filled in blocks of postings, so the
    temporaries stay small whatever the size of the inputs.
    """
    vocab_size = max((int(seg.terms[-1]) + 1 for seg in segments if len(seg.terms)), default=0)
    counts = np.zeros(vocab_size, dtype=np.int64)
    max_tf = np.zeros(vocab_size, dtype=np.int32)
    min_dl = np.full(vocab_size, np.iinfo(np.int32).max, dtype=np.int32)
    runs = []
    for seg in segments:
        run = _live_runs(seg, alive)
        runs.append(run)
        counts[seg.terms] += run
        max_tf[seg.terms] = np.maximum(max_tf[seg.terms], seg.max_tf)
        min_dl[seg.terms] = np.minimum(min_dl[seg.terms], seg.min_dl)
    cursor = np.zeros(vocab_size, dtype=np.int64)
    np.cumsum(counts[:-1], out=cursor[1:])
    code_dtype = np.result_type(*(seg.codes.dtype for seg in segments))
    out_slots = np.empty(int(counts.sum()), dtype=np.int32)
    out_codes = np.empty(len(out_slots), dtype=code_dtype)
    for seg, run in zip(segments, runs, strict=True):
        every = bool(alive[seg.base : seg.end].all())
        for r0, r1 in _row_blocks(seg.ptr):
            lo, hi = int(seg.ptr[r0]), int(seg.ptr[r1])
            slots, codes = seg.slots[lo:hi], seg.codes[lo:hi]
            if not every:
                keep = alive[slots]
                slots, codes = slots[keep], codes[keep]
            block_run = run[r0:r1]
            terms = seg.terms[r0:r1]
            # Inputs come in slot order, so appending each term's run keeps slots ascending.
            dest = np.repeat(cursor[terms] - (np.cumsum(block_run) - block_run), block_run)
            dest += np.arange(len(slots), dtype=np.int64)
            out_slots[dest] = remap[slots] if remap is not None else slots
            out_codes[dest] = codes
            cursor[terms] += block_run
    fwd_ptr, fwd_terms = _merge_forward(segments, alive, renumber=remap is not None)
    start = segments[0].base if remap is None else (base or 0)
    return assemble(
        base=start,
        end=start + len(fwd_ptr) - 1,
        counts=counts,
        slots=out_slots,
        codes=out_codes,
        max_tf=max_tf,
        min_dl=min_dl,
        fwd_ptr=fwd_ptr,
        fwd_terms=fwd_terms,
    )


def assemble(
    *,
    base: int,
    end: int,
    counts: NDArray[np.int64],
    slots: NDArray[Any],
    codes: NDArray[Any],
    max_tf: NDArray[Any],
    min_dl: NDArray[Any],
    fwd_ptr: NDArray[np.int64],
    fwd_terms: NDArray[Any],
) -> Segment:
    """A segment from postings laid out term by term in ``slots``/``codes``: ``counts``,
    ``max_tf`` and ``min_dl`` are indexed by term id (counts 0 for absent terms), and
    only the terms present get a row."""
    present = np.flatnonzero(counts)
    ptr = np.zeros(len(present) + 1, dtype=np.int64)
    np.cumsum(counts[present], out=ptr[1:])
    return Segment(
        base=base,
        end=end,
        terms=present.astype(np.int32),
        ptr=ptr,
        slots=slots,
        codes=codes,
        max_tf=max_tf[present],
        min_dl=min_dl[present],
        fwd_ptr=fwd_ptr,
        fwd_terms=fwd_terms,
    )


def _live_runs(seg: Segment, alive: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Live postings of each term row of a segment."""
    if alive[seg.base : seg.end].all():
        return np.diff(seg.ptr)
    run = np.zeros(len(seg.terms), dtype=np.int64)
    for r0, r1 in _row_blocks(seg.ptr):
        lo, hi = int(seg.ptr[r0]), int(seg.ptr[r1])
        # Every row holds at least one posting, so reduceat sees no empty range.
        run[r0:r1] = np.add.reduceat(alive[seg.slots[lo:hi]], seg.ptr[r0:r1] - lo, dtype=np.int64)
    return run


def _row_blocks(ptr: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Ranges of term rows holding about MERGE_BLOCK postings each (a row is never split)."""
    rows = len(ptr) - 1
    blocks: list[tuple[int, int]] = []
    r0 = 0
    while r0 < rows:
        target = int(ptr[r0]) + MERGE_BLOCK
        r1 = max(r0 + 1, min(rows, int(np.searchsorted(ptr, target, side="right")) - 1))
        blocks.append((r0, r1))
        r0 = r1
    return blocks


def _merge_forward(
    segments: Sequence[Segment], alive: NDArray[np.bool_], *, renumber: bool
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """The inputs' forward index without dead slots' terms, written into one array."""
    lengths = []
    for seg in segments:
        live = alive[seg.base : seg.end]
        per_doc = np.diff(seg.fwd_ptr)
        # Without renumbering, dead slots keep an empty entry so offsets stay slot-aligned.
        lengths.append(per_doc[live] if renumber else per_doc * live)
    all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    fwd_ptr = np.zeros(len(all_lengths) + 1, dtype=np.int64)
    np.cumsum(all_lengths, out=fwd_ptr[1:])
    fwd_terms = np.empty(int(fwd_ptr[-1]), dtype=np.int32)
    filled = 0
    for seg in segments:
        live = alive[seg.base : seg.end]
        if live.all():
            part = np.asarray(seg.fwd_terms)
        else:
            part = seg.fwd_terms[np.repeat(live, np.diff(seg.fwd_ptr))]
        fwd_terms[filled : filled + len(part)] = part
        filled += len(part)
    return fwd_ptr, fwd_terms


def merge_tail(segments: list[Segment], alive: NDArray[np.bool_], smallest: int) -> None:
    """Merge the newest segments, in place, while MERGE_FACTOR of them share a size class.

    Size classes grow by MERGE_FACTOR from ``smallest`` slots, so a passage is rewritten
    about log(N / smallest) / log(MERGE_FACTOR) times and a search sees few segments.
    """
    while len(segments) >= MERGE_FACTOR:
        tail = segments[-MERGE_FACTOR:]
        sizes = [s.end - s.base for s in tail]
        if sum(sizes) > MAX_MERGED_SLOTS or len({_size_class(n, smallest) for n in sizes}) > 1:
            return
        segments[-MERGE_FACTOR:] = [merge_segments(tail, alive)]


def _size_class(slots: int, smallest: int) -> int:
    tier, bound = 0, smallest
    while slots > bound:
        tier += 1
        bound *= MERGE_FACTOR
    return tier
