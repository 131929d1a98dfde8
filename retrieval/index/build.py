"""Writing segments: token lists -> forward index -> postings, in bounded memory.

A segment is built in two passes. The forward pass maps each passage's tokens to term
ids and impact codes, a sub-chunk of passages at a time (its int64 sort keys are the
largest temporary), into arrays sized once for the whole segment. The inversion pass
counts every term's postings, allocates the postings arrays once, and scatters each
sub-chunk's postings, sorted by (term, slot), to its terms' cursors: sub-chunks come
in slot order, so every term's slots come out ascending. Temporaries therefore scale
with the sub-chunk, never with the segment, and nothing is copied twice; this is what
keeps a million-passage build within its memory budget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from numpy.typing import NDArray

from retrieval.index.impacts import ImpactTable
from retrieval.index.segments import Segment, assemble, bits, run_starts

# Passages handled in one vectorised step of either pass: bounds the temporaries to
# some 30 bytes per token of this many passages (~50 MB for news passages).
SUB_CHUNK = 1 << 14
# Bits available in one int64 sort key.
_KEY_BITS = 63

TermId = Callable[[str], int]


@dataclass(frozen=True)
class Forward:
    """Forward CSR of passages: distinct term ids (ascending) and impact codes per passage."""

    ptr: NDArray[np.int64]
    terms: NDArray[np.int32]
    codes: NDArray[np.unsignedinteger]


def forward_from_tokens(
    term_ids: NDArray[np.int32], lengths: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int64]]:
    """Forward CSR (ptr, distinct term ids, tf) of documents given as concatenated term ids."""
    n_docs = len(lengths)
    term_bits = bits(int(term_ids.max()) if len(term_ids) else 0)
    if term_bits + bits(n_docs) > _KEY_BITS:
        raise OverflowError("too many terms or documents for one segment")
    keys = np.repeat(np.arange(n_docs, dtype=np.int64) << term_bits, lengths)
    keys |= term_ids
    keys.sort()
    uniq, starts = run_starts(keys)
    del keys
    tf = np.diff(starts, append=len(term_ids))
    del starts
    terms = (uniq & ((1 << term_bits) - 1)).astype(np.int32)
    ptr = np.searchsorted(uniq, np.arange(n_docs + 1, dtype=np.int64) << term_bits)
    return ptr.astype(np.int64), terms, tf


def forward_of(
    token_lists: Sequence[Sequence[str]],
    lengths: NDArray[np.int64],
    term_id: TermId,
    impacts: ImpactTable,
) -> Forward:
    """The forward index of token lists, ``term_id`` assigning ids to new terms.

    The output arrays are sized for the worst case (every token distinct) and filled
    front to back; the unused tail is never written, so it never becomes resident.
    """
    n_docs = len(token_lists)
    total = int(lengths.sum())
    terms = np.empty(total, dtype=np.int32)
    codes: NDArray[np.unsignedinteger] = np.empty(total, dtype=impacts.code_dtype())
    ptr = np.zeros(n_docs + 1, dtype=np.int64)
    filled = 0
    for start in range(0, n_docs, SUB_CHUNK):
        stop = min(n_docs, start + SUB_CHUNK)
        sub_lengths = lengths[start:stop]
        flat = np.fromiter(
            map(term_id, chain.from_iterable(token_lists[start:stop])),
            dtype=np.int32,
            count=int(sub_lengths.sum()),
        )
        sub_ptr, sub_terms, tf = forward_from_tokens(flat, sub_lengths)
        del flat
        sub_codes = impacts.encode(tf, np.repeat(sub_lengths, np.diff(sub_ptr)))
        if sub_codes.dtype.itemsize > codes.dtype.itemsize:  # the table outgrew uint16
            wider = np.empty(total, dtype=sub_codes.dtype)
            wider[:filled] = codes[:filled]
            codes = wider
        end = filled + len(sub_terms)
        terms[filled:end] = sub_terms
        codes[filled:end] = sub_codes
        ptr[start + 1 : stop + 1] = sub_ptr[1:] + filled
        filled = end
    return Forward(ptr, terms[:filled], codes[:filled])


def invert(base: int, forward: Forward, impacts: ImpactTable) -> Segment:
    """The segment of slots ``base ..`` holding the passages of ``forward``."""
    n_docs = len(forward.ptr) - 1
    counts = np.bincount(forward.terms) if len(forward.terms) else np.zeros(0, dtype=np.int64)
    cursor = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=cursor[1:])
    slots = np.empty(len(forward.terms), dtype=np.int32)
    codes = np.empty(len(forward.terms), dtype=forward.codes.dtype)
    max_tf = np.zeros(len(counts), dtype=np.int32)
    min_dl = np.full(len(counts), np.iinfo(np.int32).max, dtype=np.int32)
    code_tf, code_dl = impacts.code_tables()
    for start in range(0, n_docs, SUB_CHUNK):
        stop = min(n_docs, start + SUB_CHUNK)
        lo, hi = int(forward.ptr[start]), int(forward.ptr[stop])
        doc = np.repeat(
            np.arange(start, stop, dtype=np.int64), np.diff(forward.ptr[start : stop + 1])
        )
        terms, docs, sub_codes = _sorted_postings(
            forward.terms[lo:hi], doc, forward.codes[lo:hi], n_docs, len(impacts)
        )
        del doc
        uniq, starts = run_starts(terms)
        del terms
        run = np.diff(starts, append=hi - lo)
        dest = np.repeat(cursor[uniq] - starts, run)
        dest += np.arange(hi - lo, dtype=np.int64)
        slots[dest] = docs + base
        codes[dest] = sub_codes
        del dest, docs
        cursor[uniq] += run
        max_tf[uniq] = np.maximum(max_tf[uniq], np.maximum.reduceat(code_tf[sub_codes], starts))
        min_dl[uniq] = np.minimum(min_dl[uniq], np.minimum.reduceat(code_dl[sub_codes], starts))
    return assemble(
        base=base,
        end=base + n_docs,
        counts=counts,
        slots=slots,
        codes=codes,
        max_tf=max_tf,
        min_dl=min_dl,
        fwd_ptr=forward.ptr,
        fwd_terms=forward.terms,
    )


def _sorted_postings(
    terms: NDArray[np.int32],
    docs: NDArray[np.int64],
    codes: NDArray[np.unsignedinteger],
    n_docs: int,
    n_codes: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.unsignedinteger]]:
    """Postings ordered by (term, doc): terms, docs and codes, in that order."""
    doc_bits, code_bits = bits(n_docs), bits(n_codes)
    term_bits = bits(int(terms.max()) if len(terms) else 0)
    if term_bits + doc_bits + code_bits > _KEY_BITS:
        order = np.lexsort((docs, terms))
        return terms[order].astype(np.int64), docs[order], codes[order]
    # One packed in-place sort carries term, doc and code together: the fast path.
    packed = terms.astype(np.int64)
    packed <<= doc_bits
    packed |= docs
    packed <<= code_bits
    packed |= codes
    packed.sort()
    sorted_codes = (packed & ((1 << code_bits) - 1)).astype(codes.dtype)
    packed >>= code_bits
    sorted_docs = packed & ((1 << doc_bits) - 1)
    packed >>= doc_bits
    return packed, sorted_docs, sorted_codes


def build_segment(
    base: int,
    fwd_ptr: NDArray[np.int64],
    fwd_terms: NDArray[np.int32],
    fwd_tf: NDArray[np.int64],
    doc_len: NDArray[np.int64],
    impacts: ImpactTable,
) -> Segment:
    """A segment for slots ``base .. base + len(fwd_ptr) - 2`` from their forward CSR."""
    codes = impacts.encode(fwd_tf, np.repeat(doc_len.astype(np.int64), np.diff(fwd_ptr)))
    forward = Forward(
        fwd_ptr.astype(np.int64, copy=False), fwd_terms.astype(np.int32, copy=False), codes
    )
    return invert(base, forward, impacts)
