"""Term-at-a-time BM25 scoring over segments, exact scores for chosen slots, top-k.

Scores are accumulated into a reusable dense buffer indexed by slot, one query term at
a time in query order (repeats included), exactly as rank_bm25 adds them, so the
float64 sums are identical. Only the postings of the query terms are touched. Unused
buffer entries hold NaN, which marks the first touch of a slot, so the candidate list
comes out without duplicates; only touched entries are read back and reset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from retrieval.index.impacts import tf_weight
from retrieval.index.pending import Pending
from retrieval.index.segments import Segment

# A term with more postings than this many times the weight table gets a per-query
# table of idf * weight (one gather per posting instead of a gather and a multiply).
_TABLE_RATIO = 2
# An idf at least this large makes every contribution a positive float (no underflow).
MIN_POSITIVE_IDF = 1e-100
# Growth factor of the candidate window when a predicate rejects ranked passages.
_PREDICATE_WIDEN = 4
# Candidates are read back by scanning the whole score buffer once more than one slot
# in this many was touched: cheaper than gathering and sorting that many slots.
_DENSE_COLLECT = 4
# Slots, passage ids or scopes: ``distinct_sorted`` keeps the integer type it is given.
_Int = TypeVar("_Int", bound=np.integer[Any])
# Candidates up to this many are ranked in Python (``ranked_lists``).
_PYTHON_RANK_MAX = 64


@dataclass(frozen=True)
class ScoringView:
    """What scoring needs from the index, valid until the index next changes."""

    segments: Sequence[Segment]
    pending: Pending
    weights: NDArray[np.float64]  # term-frequency factor of each impact code
    doc_len: NDArray[np.int32]
    k1: float
    b: float
    avgdl: float

    def pending_weights(self, term: int) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
        """Slots and term-frequency factors of a term's postings in the pending tail."""
        slots, tf = self.pending.term_postings(term)
        if len(slots) == 0:
            return slots, np.zeros(0, dtype=np.float64)
        dl = self.doc_len[slots].astype(np.float64)
        return slots, tf_weight(tf.astype(np.float64), dl, self.k1, self.b, self.avgdl)


@dataclass(frozen=True)
class QueryPlan:
    """The distinct query terms, located in every segment and in the pending tail."""

    terms: list[int]  # distinct term ids in order of first occurrence
    idf: list[float]
    repeats: list[int]  # how often each distinct term occurs in the query
    sequence: list[int]  # index into ``terms`` of every query token, in query order
    rows: list[NDArray[np.int64]]  # per segment: row of each term there, -1 if absent
    pending: list[tuple[NDArray[np.int32], NDArray[np.float64]]]
    postings: list[int]  # postings of each term over all segments and the tail
    # Per term: (segment, first posting, end) of each segment holding it, in order.
    spans: list[list[tuple[Segment, int, int]]]


def make_plan(view: ScoringView, query: Sequence[tuple[int, float]]) -> QueryPlan:
    """Locate the postings of ``query``: (term id, idf) per token, in query order."""
    index: dict[int, int] = {}
    terms: list[int] = []
    idf: list[float] = []
    repeats: list[int] = []
    sequence: list[int] = []
    for term, value in query:
        j = index.setdefault(term, len(terms))
        if j == len(terms):
            terms.append(term)
            idf.append(value)
            repeats.append(0)
        repeats[j] += 1
        sequence.append(j)
    ids = np.array(terms, dtype=np.int64)
    rows = [seg.locate(ids) for seg in view.segments]
    pending = [view.pending_weights(t) for t in terms] if view.pending.postings else []
    # A query holds a few terms: their postings are counted in Python, which costs
    # less than the half-dozen numpy calls that would count them as arrays.
    counts = [0] * len(terms)
    spans: list[list[tuple[Segment, int, int]]] = [[] for _ in terms]
    for seg, seg_rows in zip(view.segments, rows, strict=True):
        ptr = seg.ptr
        for j, row in enumerate(seg_rows.tolist()):
            if row >= 0:
                lo, hi = int(ptr[row]), int(ptr[row + 1])
                counts[j] += hi - lo
                spans[j].append((seg, lo, hi))
    for j, (slots, _) in enumerate(pending):
        counts[j] += len(slots)
    return QueryPlan(terms, idf, repeats, sequence, rows, pending, counts, spans)


def contributions(
    view: ScoringView,
    plan: QueryPlan,
    j: int,
    factor: float,
    out: NDArray[np.float64] | None = None,
) -> Iterator[tuple[NDArray[np.int32], NDArray[np.float64]]]:
    """(slots, factor * weight) for each block of postings of term ``j``.

    With ``out`` (at least as long as the term's longest block), the weights are
    written into it, valid until the next block: no fresh memory per block.
    """
    table = None
    if plan.postings[j] > _TABLE_RATIO * len(view.weights):
        table = factor * view.weights
    for slots, codes in blocks(view, plan, j):
        into = None if out is None else out[: len(codes)]
        # Gathers in "clip" mode: codes index the weight table by construction (build
        # and merge assign them from it), and the default mode's bounds check on small
        # unsigned codes cost several times the gather itself (2-6 against 0.8 ns a
        # posting, numpy 2.4): 10-20% of a query's time at 1M passages.
        if table is None:
            mine = view.weights.take(codes, out=into, mode="clip")
            mine *= factor  # the same product as factor * weight: multiplication commutes
            yield slots, mine
        else:
            yield slots, table.take(codes, out=into, mode="clip")
    if plan.pending and len(plan.pending[j][0]):
        slots, weights = plan.pending[j]
        yield slots, factor * weights


def blocks(
    view: ScoringView, plan: QueryPlan, j: int
) -> Iterator[tuple[NDArray[np.int32], NDArray[np.unsignedinteger]]]:
    """(slots, impact codes) of term ``j`` in each segment holding it."""
    for seg, lo, hi in plan.spans[j]:
        yield seg.slots[lo:hi], seg.codes[lo:hi]


@dataclass(frozen=True)
class Candidates:
    """Distinct scored slots."""

    slots: NDArray[np.int32]
    scores: NDArray[np.float64]


def add_into(
    scratch: NDArray[np.float64],
    slots: NDArray[np.int32],
    contrib: NDArray[np.float64],
    touched: list[NDArray[np.int32]] | None,
) -> None:
    """scratch[slots] += contrib, where NaN counts as 0; new slots go to ``touched``."""
    old = scratch[slots]
    if touched is not None:
        fresh = np.isnan(old)
        if fresh.any():
            touched.append(slots[fresh])
            old[fresh] = 0.0
    old += contrib
    scratch[slots] = old


def accumulate(view: ScoringView, plan: QueryPlan, scratch: NDArray[np.float64]) -> Candidates:
    """Score every slot holding a query term, summing in query order like rank_bm25.

    ``scratch`` covers every slot and must be all NaN on entry; it is again on exit.
    """
    touched: list[NDArray[np.int32]] = []
    seen: set[int] = set()
    for j in plan.sequence:
        first_term = not touched  # nothing touched yet: plain assignment is exact
        new = j not in seen
        seen.add(j)
        for slots, contrib in contributions(view, plan, j, plan.idf[j]):
            if first_term:
                scratch[slots] = contrib
                touched.append(slots)
            else:
                add_into(scratch, slots, contrib, touched if new else None)
    return collect(scratch, touched)


def upper_bounds(view: ScoringView, plan: QueryPlan) -> NDArray[np.float64]:
    """The most each distinct query term can add to one passage's score."""
    best = np.zeros(len(plan.terms), dtype=np.float64)
    for seg, rows in zip(view.segments, plan.rows, strict=True):
        found = np.flatnonzero(rows >= 0)
        if len(found) == 0:
            continue
        r = rows[found]
        tf = seg.max_tf[r].astype(np.float64)
        dl = seg.min_dl[r].astype(np.float64)
        best[found] = np.maximum(best[found], tf_weight(tf, dl, view.k1, view.b, view.avgdl))
    for j, (_, weights) in enumerate(plan.pending):
        if len(weights):
            best[j] = max(best[j], float(weights.max()))
    return np.asarray(best * np.array(plan.idf) * np.array(plan.repeats), dtype=np.float64)


def positive_contributions(plan: QueryPlan) -> bool:
    """Whether touched slots can be told by sign (every idf positive, so every
    contribution is a positive float)."""
    return bool(plan.terms) and min(plan.idf) >= MIN_POSITIVE_IDF


def collect(scratch: NDArray[np.float64], touched: list[NDArray[np.int32]]) -> Candidates:
    """Read the touched entries of ``scratch`` and reset them to NaN."""
    if not touched:
        return Candidates(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64))
    cand = np.concatenate(touched) if len(touched) > 1 else np.asarray(touched[0])
    scores = scratch[cand]
    scratch[cand] = np.nan
    return Candidates(cand, scores)


def collect_large(
    scratch: NDArray[np.float64], touched: list[NDArray[np.int32]]
) -> tuple[Candidates, bool]:
    """``collect``, by a scan of the whole buffer when much of it was touched (linear,
    and the slots come out ascending, which the caller learns from the flag)."""
    if sum(map(len, touched)) * _DENSE_COLLECT <= len(scratch):
        return collect(scratch, touched), False
    slots = np.flatnonzero(~np.isnan(scratch)).astype(np.int32)
    scores = scratch[slots]
    scratch[slots] = np.nan
    return Candidates(slots, scores), True


def ranked(
    cand: Candidates, passage: NDArray[np.int64], want: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The best ``want`` slots, best first, ties by passage id ascending."""
    slots, scores = cand.slots, cand.scores
    if len(slots) > want:
        threshold = np.partition(scores, len(scores) - want)[len(scores) - want]
        above = np.flatnonzero(scores > threshold)
        ties = np.flatnonzero(scores == threshold)
        need = want - len(above)
        if len(ties) > need:  # keep the tied slots with the smallest passage ids
            tie_ids = passage[slots[ties]]
            ties = ties[np.argpartition(tie_ids, need - 1)[:need]]
        chosen = np.concatenate([above, ties])
        slots, scores = slots[chosen], scores[chosen]
    order = np.lexsort((passage[slots], -scores))
    return slots[order].astype(np.int64), scores[order]


def ranked_lists(
    cand: Candidates, passage: NDArray[np.int64], want: int
) -> tuple[list[int], list[float]]:
    """``ranked`` as lists of passage ids and scores. Up to ``_PYTHON_RANK_MAX``
    candidates are sorted as Python pairs, in fewer steps than numpy's partition and
    lexsort take for so few."""
    if len(cand.slots) > _PYTHON_RANK_MAX:
        slots, scores = ranked(cand, passage, want)
        return passage[slots].tolist(), scores.tolist()
    # (-score, passage id) ascending: best first, ties by passage id; -(-x) is x.
    scores, ids = (-cand.scores).tolist(), passage[cand.slots].tolist()
    pairs = sorted(zip(scores, ids, strict=True))[:want]
    return [p for _, p in pairs], [-s for s, _ in pairs]


def ranked_with_predicate(
    cand: Candidates, passage: NDArray[np.int64], k: int, accept: Callable[[int], bool]
) -> tuple[list[int], list[float]]:
    """The best ``k`` slots whose passage id ``accept`` approves, widening as needed."""
    verdicts: dict[int, bool] = {}
    want = k
    while True:
        slots, scores = ranked(cand, passage, want)
        out_slots: list[int] = []
        out_scores: list[float] = []
        for slot, score in zip(slots.tolist(), scores.tolist(), strict=True):
            verdict = verdicts.get(slot)
            if verdict is None:
                verdict = verdicts[slot] = bool(accept(int(passage[slot])))
            if verdict:
                out_slots.append(slot)
                out_scores.append(score)
                if len(out_slots) == k:
                    return out_slots, out_scores
        if len(slots) < want:  # every candidate has been judged
            return out_slots, out_scores
        want *= _PREDICATE_WIDEN


def lookup(
    view: ScoringView,
    plan: QueryPlan,
    j: int,
    slots: NDArray[np.int64],
    scratch: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Term-frequency factor of term ``j`` in each of the sorted ``slots`` (0 if absent).

    Few slots against a long postings list: binary search. Many: with a NaN ``scratch``
    at hand, each slot's position is written there and the postings are read through
    it, which is linear and far cheaper than millions of binary-search cache misses.
    """
    out = np.zeros(len(slots), dtype=np.float64)
    positioned = False
    for seg, seg_rows in zip(view.segments, plan.rows, strict=True):
        row = int(seg_rows[j])
        if row < 0:
            continue
        lo, hi = np.searchsorted(slots, [seg.base, seg.end])
        if lo == hi:
            continue
        postings, codes = seg.block(row)
        if scratch is not None and (hi - lo) * np.log2(len(postings) + 1) > len(postings):
            if not positioned:
                scratch[slots] = np.arange(len(slots), dtype=np.float64)
                positioned = True
            pos = scratch[postings]
            theirs = np.flatnonzero(~np.isnan(pos))
            out[pos[theirs].astype(np.int64)] = view.weights[codes[theirs]]
        else:
            mine, theirs = _intersect(slots[lo:hi], postings)
            out[lo + mine] = view.weights[codes[theirs]]
    if positioned and scratch is not None:
        scratch[slots] = np.nan
    if plan.pending and len(plan.pending[j][0]):
        postings, weights = plan.pending[j]
        mine, theirs = _intersect(slots, postings)
        out[mine] = weights[theirs]
    return out


def _intersect(
    a: NDArray[np.int64], b: NDArray[np.int32]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Positions in the sorted, duplicate-free ``a`` and ``b`` of their common values."""
    small, large, swapped = (a, b, False) if len(a) <= len(b) else (b, a, True)
    # Keys in the searched array's type: a wider one would make numpy copy that array.
    pos = np.searchsorted(large, small.astype(large.dtype, copy=False))
    pos_c = np.minimum(pos, len(large) - 1)
    hit = np.flatnonzero(large[pos_c] == small)
    if swapped:
        return pos_c[hit], hit
    return hit, pos_c[hit]


def scores_of(
    view: ScoringView,
    plan: QueryPlan,
    slots: NDArray[np.int64],
    scratch: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Exact scores of live ``slots`` (any order, repeats allowed), added in query order."""
    if not plan.terms or len(slots) == 0:
        return np.zeros(len(slots), dtype=np.float64)
    distinct, inverse = np.unique(slots, return_inverse=True)
    return np.asarray(sorted_scores(view, plan, distinct, scratch)[inverse])


def sorted_scores(
    view: ScoringView,
    plan: QueryPlan,
    distinct: NDArray[np.int64],
    scratch: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Exact scores of ascending, distinct live slots, added in query order."""
    acc = np.zeros(len(distinct), dtype=np.float64)
    if not plan.terms or len(distinct) == 0:
        return acc
    weights = [lookup(view, plan, j, distinct, scratch) for j in range(len(plan.terms))]
    for j in plan.sequence:
        acc += plan.idf[j] * weights[j]
    return acc


def distinct_sorted(values: NDArray[_Int]) -> NDArray[_Int]:
    """The distinct values, ascending: a sort and a test of neighbours. numpy's
    ``unique`` is slower on slots, and its first call imports ``numpy.ma`` (about 13 ms
    of a one-shot command's start-up when the snapshot's checks called it)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
