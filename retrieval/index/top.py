"""Scoring by adding up: every posting of the query added into a per-slot buffer, only
the few slots that can make the top k read back.

Up to millions of postings (and on any index whose score buffer stays in cache),
adding every contribution costs less than pruning's bookkeeping; what is left to save
is reading the touched slots back. The contributions are added with ``np.add.at`` in
query order, so each slot's sum is rank_bm25's bit for bit, and only the postings are
touched, never the whole buffer, unless so many were that one scan of the buffer costs
less.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrieval.index.filters import Admit
from retrieval.index.search import (
    Candidates,
    QueryPlan,
    ScoringView,
    contributions,
    distinct_sorted,
    positive_contributions,
    upper_bounds,
)

# Up to this many postings in all, a query is scored by ``accumulate_top`` rather than
# pruned. At 1M passages it was faster in every band of postings measured
# (``bench/bench_routing.py --passages 1000000``: the questions and titles of the
# benches and 150 runs of three of them together, top 50, CPU ms): 0.41 against 0.95
# below 64k postings, 4.92 against 17.62 at 0.5-1M, 9.22 against 58.65 at 1.5-2M. One
# short query of common words (1.1M postings) was faster pruned, 4.2 against 6.4 ms:
# adding up costs about 3.5 ns a posting (some 15 ms at this limit), while MaxScore can
# skip the longest lists of a short query whole, so beyond it (indexes well past 1M
# passages) a query is pruned.
TOP_MAX_POSTINGS = 1 << 22
# Up to this many slots (a 2 MiB score buffer, a core's L2 cache here) every query is
# scored by ``accumulate_top``, however many postings: at 100k passages (200 title
# queries, best of 25 runs of each query, settings alternated in one process) p50
# 0.275 / p95 0.603 ms against 0.323 / 0.815 ms pruning.
TOP_ALL_MAX_SLOTS = 1 << 18
# Terms tried for the lower bound of ``accumulate_top`` (a filter may admit too few
# slots of the shortest): a try costs one admission test of a term's postings.
_PROBE_TRIES = 3
# Relative slack on the bound test of ``accumulate_top``, far above float64 rounding.
_BOUND_MARGIN = 1e-9
# ``accumulate_top`` computes per-term bounds (a dozen numpy calls) only when the
# largest list it could then skip reading holds at least this many postings.
_TIGHT_BOUND_POSTINGS = 4096
# ``accumulate_top`` reads its candidates back by one scan of the buffer once more
# than one slot in this many was touched, and resets the buffer with one fill once
# more than one in this many was. Measured at 100k passages (numpy 2.4, one core):
# a scan of 100k floats for the candidates costs about 30 us, a fill 20 us; gathering,
# testing and sorting the candidates about 5 ns and writing back zeros 4 ns a posting.
# Over the 200 titles (as above): p50 0.275 / p95 0.603 ms against 0.329 / 0.800 ms
# posting by posting; 4 and 8, 16 and 16, 32 and 32 measured within 0.03 ms of these.
_SCAN_SHARE = 8
_FILL_SHARE = 16


def accumulate_top(
    view: ScoringView,
    plan: QueryPlan,
    sums: NDArray[np.float64],
    work: NDArray[np.float64],
    k: int,
    admit: Admit,
) -> Candidates:
    """Admitted slots holding a query term that may be among the top ``k``, exact
    scores, without reading back every touched slot.

    Every contribution is added into ``sums`` (all zero on entry and exit) with
    ``np.add.at`` in query order, which adds in index order, so each slot's sum is
    rank_bm25's. Only the postings are touched, never the whole buffer, which is what
    makes a small query cheap on any index size. The scores of the term with the
    fewest postings are full scores of real passages, so the k-th best of them is a
    lower bound of the k-th best overall: only slots reaching it are read back, and
    every slot of the true top ``k`` (ties included) does.
    """
    lists: list[list[NDArray[np.intp]]] = [[] for _ in plan.terms]
    count = 0
    for j in plan.sequence:
        first_time = not lists[j]
        for block, contrib in contributions(view, plan, j, plan.idf[j], work):
            # Indexes of numpy's own index type: with int32 ones, every scatter and
            # gather below converts them first (at 100k passages, p50 of the 200
            # titles 0.261 ms with int32, 0.250 ms with one conversion per block).
            slots = block.astype(np.intp)
            # Into zeros, adding assigns (0.0 + x is x), and faster than assigning.
            np.add.at(sums, slots, contrib)
            if first_time:
                lists[j].append(slots)
                count += len(slots)
    # Many touched slots: one linear pass over the buffer reads them back (ascending,
    # distinct) and one resets it, cheaper than gathering and sorting scattered slots.
    scan = count * _SCAN_SHARE > len(sums) and positive_contributions(plan)
    try:
        theta = _lower_bound(sums, lists, plan.postings, k, admit)
        if scan:
            # Every contribution is positive: the touched slots are the positive ones.
            held = (sums >= theta if theta > 0.0 else sums > 0.0).nonzero()[0]
        else:
            picked = [
                slots[sums[slots] >= theta]
                for j in _terms_to_read(view, plan, lists, theta)
                for slots in lists[j]
            ]
            # One block of one term holds distinct slots, ascending: nothing to sort.
            if len(picked) < 2:
                held = picked[0] if picked else np.zeros(0, dtype=np.intp)
            else:
                held = distinct_sorted(np.concatenate(picked))
        if admit is not None and len(held):
            held = held[admit(held)]
        return Candidates(held.astype(np.int32), sums[held])
    finally:
        if count * _FILL_SHARE > len(sums):
            sums.fill(0.0)
        else:
            for term in lists:
                for slots in term:
                    sums[slots] = 0.0


def _terms_to_read(
    view: ScoringView, plan: QueryPlan, lists: list[list[NDArray[np.intp]]], theta: float
) -> list[int]:
    """Terms whose postings may hold a slot scoring ``theta`` or more: a slot holding
    only terms whose bounds add up to less than ``theta`` cannot, so the terms with the
    most postings are left out while their bounds allow (MaxScore's argument, which
    needs every contribution positive). The free bound (a term-frequency factor never
    exceeds k1 + 1) is tried first, the per-term one when a large list is at stake."""
    everything = list(range(len(plan.terms)))
    if theta <= 0.0 or len(everything) < 2 or not positive_contributions(plan):
        return everything
    sizes = plan.postings
    by_size = sorted(everything, key=lambda j: -sizes[j])
    loose = [(view.k1 + 1.0) * plan.idf[j] * plan.repeats[j] for j in everything]
    left_out = _left_out(by_size, loose, theta)
    if not left_out and sizes[by_size[0]] >= _TIGHT_BOUND_POSTINGS:
        left_out = _left_out(by_size, upper_bounds(view, plan).tolist(), theta)
    return [j for j in everything if j not in left_out]


def _left_out(by_size: list[int], bounds: list[float], theta: float) -> set[int]:
    """The largest terms, in order, while their bounds add up to less than ``theta``."""
    left_out, spent = set(), 0.0
    for j in by_size[:-1]:
        if spent + bounds[j] >= theta - abs(theta) * _BOUND_MARGIN:
            break
        spent += bounds[j]
        left_out.add(j)
    return left_out


def _lower_bound(
    sums: NDArray[np.float64],
    lists: list[list[NDArray[np.intp]]],
    sizes: list[int],
    k: int,
    admit: Admit,
) -> float:
    """The k-th best admitted full score among the slots of one term (its blocks hold
    distinct slots): the term with the fewest postings (``sizes``) and ``k`` admitted
    ones, trying the ``_PROBE_TRIES`` shortest with at least ``k``; minus infinity when
    none has. A whole term, not one block: in an index of many segments a small
    segment's block would give a weak bound and leave most postings to read back."""
    long_enough = sorted((j for j, size in enumerate(sizes) if size >= k), key=sizes.__getitem__)
    for j in long_enough[:_PROBE_TRIES]:
        slots = lists[j][0] if len(lists[j]) == 1 else np.concatenate(lists[j])
        probe = slots if admit is None else slots[admit(slots)]
        if len(probe) >= k:
            scores = sums[probe]  # a copy: partitioned in place
            scores.partition(len(scores) - k)
            return float(scores[len(scores) - k])
    return -np.inf


def prefer_top(plan: QueryPlan, size: int) -> bool:
    """Whether ``accumulate_top`` should score the query rather than pruning: when its
    postings are too few for pruning to pay for its bookkeeping (``TOP_MAX_POSTINGS``),
    or the index is small enough for its score buffer to stay in cache
    (``TOP_ALL_MAX_SLOTS``), where adding every posting costs less than pruning."""
    return size <= TOP_ALL_MAX_SLOTS or sum(plan.postings) <= TOP_MAX_POSTINGS
