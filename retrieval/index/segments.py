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

import numpy as np
from numpy.typing import NDArray

from retrieval.index.impacts import ImpactTable

# Bits available in one int64 sort key.
_KEY_BITS = 63
# Tiered merging: this many adjacent segments of one size class are merged into one.
MERGE_FACTOR = 4
# Segments reaching this many slots are not merged further.
MAX_MERGED_SLOTS = 1 << 21


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
        pos = np.searchsorted(self.terms, term_ids)
        pos_c = np.minimum(pos, len(self.terms) - 1)
        return np.where(self.terms[pos_c] == term_ids, pos_c, -1).astype(np.int64)

    def block(self, row: int) -> tuple[NDArray[np.int32], NDArray[np.unsignedinteger]]:
        """Slots and codes of the postings in ``row`` of ``terms``."""
        lo, hi = int(self.ptr[row]), int(self.ptr[row + 1])
        return self.slots[lo:hi], self.codes[lo:hi]

    def doc_terms(self, slot: int) -> NDArray[np.int32]:
        """The distinct term ids of ``slot``."""
        i = slot - self.base
        return self.fwd_terms[self.fwd_ptr[i] : self.fwd_ptr[i + 1]]


def _bits(value: int) -> int:
    return max(1, int(value).bit_length())


def _run_starts(sorted_keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct values of a sorted array and the offset where each one's run starts."""
    if len(sorted_keys) == 0:
        return sorted_keys, np.zeros(0, dtype=np.int64)
    change = np.empty(len(sorted_keys), dtype=bool)
    change[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    del change
    return sorted_keys[starts], starts


def forward_from_tokens(
    term_ids: NDArray[np.int32], lengths: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
    """Forward CSR (ptr, distinct term ids, tf) of documents given as concatenated term ids."""
    n_docs = len(lengths)
    term_bits = _bits(int(term_ids.max()) if len(term_ids) else 0)
    if term_bits + _bits(n_docs) > _KEY_BITS:
        raise OverflowError("too many terms or documents for one segment")
    keys = np.repeat(np.arange(n_docs, dtype=np.int64) << term_bits, lengths)
    keys |= term_ids
    keys.sort()
    uniq, starts = _run_starts(keys)
    del keys
    tf = np.diff(starts, append=len(term_ids))
    del starts
    terms = (uniq & ((1 << term_bits) - 1)).astype(np.int32)
    ptr = np.searchsorted(uniq, np.arange(n_docs + 1, dtype=np.int64) << term_bits)
    return ptr.astype(np.int64), terms, tf


def build_segment(
    base: int,
    fwd_ptr: NDArray[np.int64],
    fwd_terms: NDArray[np.int32],
    fwd_tf: NDArray[np.int64],
    doc_len: NDArray[np.int64],
    impacts: ImpactTable,
) -> Segment:
    """A segment for slots ``base .. base + len(fwd_ptr) - 2`` from their forward CSR."""
    n_docs = len(fwd_ptr) - 1
    per_doc = np.diff(fwd_ptr)
    codes = impacts.encode(fwd_tf, np.repeat(doc_len.astype(np.int64), per_doc))
    code_bits = _bits(len(impacts))
    doc_bits = _bits(n_docs)
    term_bits = _bits(int(fwd_terms.max()) if len(fwd_terms) else 0)
    local = np.repeat(np.arange(n_docs, dtype=np.int64), per_doc)
    if term_bits + doc_bits + code_bits <= _KEY_BITS:
        # One packed in-place sort carries term, slot and code together: the fast path.
        packed = fwd_terms.astype(np.int64)
        packed <<= doc_bits
        packed |= local
        packed <<= code_bits
        packed |= codes
        del local
        packed.sort()
        post_codes = (packed & ((1 << code_bits) - 1)).astype(codes.dtype)
        packed >>= code_bits
        post_slots = (packed & ((1 << doc_bits) - 1)).astype(np.int32)
        packed >>= doc_bits
        post_terms = packed
    else:
        order = np.lexsort((local, fwd_terms))
        post_terms = fwd_terms[order].astype(np.int64)
        post_slots, post_codes = local[order].astype(np.int32), codes[order]
    post_slots += base
    uniq_terms, starts = _run_starts(post_terms)
    ptr = np.append(starts, len(post_terms))
    del post_terms, starts
    max_tf, min_dl = _bounds(impacts, post_codes, ptr)
    return Segment(
        base=base,
        end=base + n_docs,
        terms=uniq_terms.astype(np.int32),
        ptr=ptr,
        slots=post_slots,
        codes=post_codes,
        max_tf=max_tf,
        min_dl=min_dl,
        fwd_ptr=fwd_ptr.astype(np.int64, copy=False),
        fwd_terms=fwd_terms.astype(np.int32, copy=False),
    )


def _bounds(
    impacts: ImpactTable, codes: NDArray[np.unsignedinteger], ptr: NDArray[np.int64]
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Per term: the largest tf and the shortest passage among its postings."""
    if len(ptr) == 1:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    tf, dl = impacts.pairs(codes)
    starts = ptr[:-1]
    return (
        np.maximum.reduceat(tf, starts).astype(np.int32),
        np.minimum.reduceat(dl, starts).astype(np.int32),
    )


def merge_segments(
    segments: Sequence[Segment],
    alive: NDArray[np.bool_],
    vocab_size: int,
    remap: NDArray[np.int64] | None = None,
) -> Segment:
    """One segment with the live postings of consecutive ``segments``.

    Without ``remap`` the slot range is the union of the inputs'. With ``remap`` (old
    slot -> new slot, -1 when dead; increasing, so postings stay sorted) the inputs must
    be every segment of the index: this is how a compaction drops dead slots for good,
    and the result starts at slot 0. Bounds are carried over, so they may be loose
    (never too tight) once dead postings are gone.
    """
    counts = np.zeros(vocab_size, dtype=np.int64)
    max_tf = np.zeros(vocab_size, dtype=np.int32)
    min_dl = np.full(vocab_size, np.iinfo(np.int32).max, dtype=np.int32)
    parts = []
    for seg in segments:
        keep = alive[seg.slots]
        if keep.all():
            slots, codes, run = seg.slots, seg.codes, np.diff(seg.ptr)
        else:
            kept = np.zeros(len(keep) + 1, dtype=np.int64)
            np.cumsum(keep, out=kept[1:])
            slots, codes, run = seg.slots[keep], seg.codes[keep], np.diff(kept[seg.ptr])
        counts[seg.terms] += run
        max_tf[seg.terms] = np.maximum(max_tf[seg.terms], seg.max_tf)
        min_dl[seg.terms] = np.minimum(min_dl[seg.terms], seg.min_dl)
        parts.append((seg.terms, run, slots, codes))
    dense_ptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(counts, out=dense_ptr[1:])
    code_dtype = np.result_type(*(seg.codes.dtype for seg in segments))
    out_slots = np.empty(int(dense_ptr[-1]), dtype=np.int32)
    out_codes = np.empty(int(dense_ptr[-1]), dtype=code_dtype)
    cursor = dense_ptr[:-1].copy()
    for terms, run, slots, codes in parts:
        # Inputs come in slot order, so appending each term's run keeps slots ascending.
        dest = np.repeat(cursor[terms] - (np.cumsum(run) - run), run)
        dest += np.arange(len(slots))
        out_slots[dest] = remap[slots] if remap is not None else slots
        out_codes[dest] = codes
        cursor[terms] += run
    present = np.flatnonzero(counts)
    ptr = np.zeros(len(present) + 1, dtype=np.int64)
    np.cumsum(counts[present], out=ptr[1:])
    fwd_ptr, fwd_terms = _merge_forward(segments, alive, renumber=remap is not None)
    base = 0 if remap is not None else segments[0].base
    return Segment(
        base=base,
        end=base + len(fwd_ptr) - 1,
        terms=present.astype(np.int32),
        ptr=ptr,
        slots=out_slots,
        codes=out_codes,
        max_tf=max_tf[present],
        min_dl=min_dl[present],
        fwd_ptr=fwd_ptr,
        fwd_terms=fwd_terms,
    )


def _merge_forward(
    segments: Sequence[Segment], alive: NDArray[np.bool_], *, renumber: bool
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    lengths, terms = [], []
    for seg in segments:
        live = alive[seg.base : seg.end]
        per_doc = np.diff(seg.fwd_ptr)
        if live.all():
            terms.append(np.asarray(seg.fwd_terms))
            lengths.append(per_doc)
            continue
        terms.append(seg.fwd_terms[np.repeat(live, per_doc)])
        # Without renumbering, dead slots keep an empty entry so offsets stay slot-aligned.
        lengths.append(per_doc[live] if renumber else per_doc * live)
    all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    fwd_ptr = np.zeros(len(all_lengths) + 1, dtype=np.int64)
    np.cumsum(all_lengths, out=fwd_ptr[1:])
    fwd_terms = np.concatenate(terms) if terms else np.zeros(0, dtype=np.int32)
    return fwd_ptr, fwd_terms.astype(np.int32, copy=False)


def merge_tail(
    segments: list[Segment], alive: NDArray[np.bool_], vocab_size: int, smallest: int
) -> None:
    """Merge the newest segments, in place, while MERGE_FACTOR of them share a size class.

    Size classes grow by MERGE_FACTOR from ``smallest`` slots, so a passage is rewritten
    about log(N / smallest) / log(MERGE_FACTOR) times and a search sees few segments.
    """
    while len(segments) >= MERGE_FACTOR:
        tail = segments[-MERGE_FACTOR:]
        sizes = [s.end - s.base for s in tail]
        if sum(sizes) > MAX_MERGED_SLOTS or len({_size_class(n, smallest) for n in sizes}) > 1:
            return
        segments[-MERGE_FACTOR:] = [merge_segments(tail, alive, vocab_size)]


def _size_class(slots: int, smallest: int) -> int:
    tier, bound = 0, smallest
    while slots > bound:
        tier += 1
        bound *= MERGE_FACTOR
    return tier
