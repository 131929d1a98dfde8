"""MaxScore dynamic pruning for queries with long postings, keeping scores exact.

Each query term has an upper bound on what it can add to any passage: idf times the
term-frequency factor of (largest tf, shortest passage) among its postings, times its
repeats. Terms are scored in decreasing bound order. Once the bounds of the terms not
yet scored sum to less than the k-th best partial score so far (``theta``), no
untouched passage can reach the top k, so the remaining, usually most common, terms are
looked up only for the current candidates instead of being scanned, and candidates
that cannot reach ``theta`` any more are dropped as bounds are used up.

``theta`` is the k-th best partial sum, taken over every admitted candidate while
they are few, and then over a probe of the best of them only (the k-th best of any
passages is a lower bound of the k-th best of all), so that a step never costs as
much as the common terms' postings.

The partial sums here add terms out of query order, so they can differ from rank_bm25
in the last bits. They only choose a small candidate set, with a relative slack far
above rounding error; the scores returned are recomputed exactly in query order.
Pruning needs every contribution to be positive, so any query with a non-positive (or
vanishingly small) idf, or of one term, is left to ``top.accumulate_top``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from retrieval.index.filters import Admit
from retrieval.index.search import (
    Candidates,
    QueryPlan,
    ScoringView,
    add_into,
    collect_large,
    contributions,
    lookup,
    scores_of,
    upper_bounds,
)

# Candidates kept to raise theta as terms are scored: PROBE_PER_K per result wanted,
# at least PROBE_MIN (the best by partial sum when the probe is taken).
PROBE_PER_K = 4
PROBE_MIN = 1024
# Up to this many touched passages, theta is taken from all of them (the tightest).
FULL_THETA_MAX = 1 << 19
# Relative slack on every pruning decision, far above float64 rounding of the sums.
_MARGIN = 1e-9
# Pruning relies on relative rounding error, which subnormal numbers do not have: an
# idf this small (a floor from a tiny epsilon) sends the query to exhaustive scoring.
_MIN_IDF = 1e-100


def _kth(scores: NDArray[np.float64], k: int) -> float:
    if len(scores) < k:
        return -np.inf
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def _suffix_sums(values: list[float]) -> list[float]:
    """sums[i] = sum(values[i:]), one more entry (0.0) at the end.

    Summed from the end, i.e. smallest bounds first, and never by subtracting from a
    total: with bounds of very different sizes a subtraction would cancel the small
    ones away and let pruning drop passages that can still make the top k.
    """
    sums = [0.0] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        sums[i] = sums[i + 1] + values[i]
    return sums


def _admitted_touched(touched: list[NDArray[np.int32]], admit: Admit) -> NDArray[np.int32]:
    so_far = np.concatenate(touched) if len(touched) > 1 else touched[0]
    return so_far if admit is None else so_far[admit(so_far)]


def _slack(theta: float) -> float:
    return theta - abs(theta) * _MARGIN


def search_pruned(
    view: ScoringView, plan: QueryPlan, scratch: NDArray[np.float64], k: int, admit: Admit
) -> Candidates | None:
    """Admitted candidates holding the top ``k`` (exact scores), or None if not applicable.

    ``scratch`` follows ``search.accumulate``'s contract (all NaN on entry and exit).
    """
    if len(plan.terms) < 2 or min(plan.idf) < _MIN_IDF:
        return None
    bounds = upper_bounds(view, plan)
    order = np.argsort(-bounds, kind="stable").tolist()
    factor = [plan.idf[j] * plan.repeats[j] for j in range(len(plan.terms))]
    unscored = _suffix_sums([float(bounds[j]) for j in order])
    rest, scored_bounds, theta = unscored[0], 0.0, -np.inf
    touched: list[NDArray[np.int32]] = []
    probe: NDArray[np.int32] | None = None
    split = len(order)
    for pos, j in enumerate(order):
        first_term = not touched
        for slots, contrib in contributions(view, plan, j, factor[j]):
            if first_term:
                scratch[slots] = contrib
                touched.append(slots)
            else:
                add_into(scratch, slots, contrib, touched)
        rest = unscored[pos + 1]
        scored_bounds += bounds[j]
        if pos + 1 == len(order):
            break
        # The k-th partial sum is at most scored_bounds: only then can the test pass.
        everyone = rest < scored_bounds and sum(map(len, touched)) <= FULL_THETA_MAX
        if probe is None or everyone:  # rank every touched passage, keep the best
            probe, kth = _probe(scratch, touched, admit, k)
            theta = max(theta, kth)
        elif rest < scored_bounds:  # the probe's partial sums only grow: theta with them
            theta = max(theta, _kth(scratch[probe], k))
        if rest < _slack(theta):
            split = pos + 1
            break
    cand, ascending = collect_large(scratch, touched)
    keep = admit(cand.slots) if admit is not None else None
    if split < len(order):  # drop what cannot reach theta before sorting the rest
        reach = cand.scores + rest >= _slack(theta)
        keep = reach if keep is None else keep & reach
    if keep is not None:
        cand = Candidates(cand.slots[keep], cand.scores[keep])
    if not ascending and split < len(order):  # lookups need ascending slots
        by_slot = np.argsort(cand.slots)
        cand = Candidates(cand.slots[by_slot], cand.scores[by_slot])
    remaining = order[split:]
    return _complete(
        view, plan, cand.slots.astype(np.int64), cand.scores, remaining, bounds, k, theta, scratch
    )


def _probe(
    scratch: NDArray[np.float64],
    touched: list[NDArray[np.int32]],
    admit: Admit,
    k: int,
) -> tuple[NDArray[np.int32] | None, float]:
    """The probe (the best admitted candidates so far) and theta, once there are k."""
    so_far = _admitted_touched(touched, admit)
    partial = scratch[so_far]
    if len(so_far) < k:
        return None, -np.inf
    theta = _kth(partial, k)
    size = max(PROBE_MIN, PROBE_PER_K * k)
    if len(so_far) > size:
        so_far = so_far[np.argpartition(partial, len(partial) - size)[len(partial) - size :]]
    return so_far, theta


def _complete(
    view: ScoringView,
    plan: QueryPlan,
    slots: NDArray[np.int64],
    scores: NDArray[np.float64],
    remaining: list[int],
    bounds: NDArray[np.float64],
    k: int,
    theta: float,
    scratch: NDArray[np.float64],
) -> Candidates:
    """Add the unscanned terms to sorted candidates, pruning; exact scores for the best."""
    unscored = _suffix_sums([float(bounds[j]) for j in remaining])
    for i, j in enumerate(remaining):
        alive = scores + unscored[i] >= _slack(theta)
        slots, scores = slots[alive], scores[alive]
        weights = lookup(view, plan, j, slots, scratch)
        scores = scores + plan.idf[j] * plan.repeats[j] * weights
        theta = max(theta, _kth(scores, k))
    theta = _kth(scores, k)
    if theta > -np.inf:
        slots = slots[scores >= _slack(theta)]
    return Candidates(slots.astype(np.int32), scores_of(view, plan, slots, scratch))
