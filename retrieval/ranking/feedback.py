"""Pseudo-relevance feedback (RM3) on top of the BM25 index.

A short question often misses the words the answering passage uses ("rate cut" vs
"lowered its discount rate"). RM3 assumes the first pass's best passages are
relevant, estimates a relevance model from them, P(w|R) = sum_d P(d|q) tf(w,d)/|d|,
and mixes its strongest terms into the query. Each term of the weighted query is
scored with the index's own BM25 (idf and length norm unchanged), so the result is a
weighted sum of per-term BM25 scores, ranked exactly over the whole index.

Weights are scaled so that they add up to the query's length: with
``query_weight = 1`` the scores equal plain BM25 exactly, and the scores stay on the
scale downstream code (answer composition) is used to.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from retrieval.index import BM25Index, Hit, as_hits
from retrieval.index.filters import Allowed
from retrieval.ranking.settings import RankingSettings

# Tokens of passages by id; passages it cannot find are simply left out.
PassageTokens = Callable[[Sequence[int]], Mapping[int, Sequence[str]]]


def document_weights(hits: Sequence[Hit]) -> list[float]:
    """P(d|q) of feedback passages: a softmax of their BM25 scores.

    BM25 approximates a log-odds of relevance, so exponentiating it gives weights
    proportional to a likelihood, as the query likelihood does in the original RM3.
    """
    if not hits:
        return []
    top = max(h.score for h in hits)
    raw = [math.exp(h.score - top) for h in hits]
    total = sum(raw)
    return [r / total for r in raw]


def expansion_terms(
    hits: Sequence[Hit], tokens_of: Mapping[int, Sequence[str]], count: int
) -> dict[str, float]:
    """The ``count`` most likely terms of the relevance model, renormalised to sum to 1."""
    model: dict[str, float] = {}
    for hit, weight in zip(hits, document_weights(hits), strict=True):
        tokens = tokens_of.get(hit.passage_id)
        if not tokens:
            continue
        share = weight / len(tokens)
        for term, tf in Counter(tokens).items():
            model[term] = model.get(term, 0.0) + share * tf
    # Ties broken by term so that the expansion does not depend on dictionary order.
    best = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:count]
    total = sum(p for _, p in best)
    return {term: p / total for term, p in best} if total > 0 else {}


def rm3_query(
    query_tokens: Sequence[str], expansion: Mapping[str, float], query_weight: float
) -> dict[str, float]:
    """Term weights: the original terms (repeats add up) mixed with the expansion.

    Both parts are scaled to the query's length, so the weights sum to ``len(query)``.
    """
    length = len(query_tokens)
    weights: dict[str, float] = {}
    for term, tf in Counter(query_tokens).items():
        weights[term] = query_weight * tf
    for term, p in expansion.items():
        weights[term] = weights.get(term, 0.0) + (1.0 - query_weight) * length * p
    return weights


def without_common_terms(
    weights: Mapping[str, float],
    query_tokens: Sequence[str],
    doc_share: Callable[[str], float],
    max_share: float,
) -> dict[str, float]:
    """``weights`` less the expansion terms found in more than ``max_share`` of the
    passages; the query's own terms always stay."""
    asked = set(query_tokens)
    return {t: w for t, w in weights.items() if t in asked or doc_share(t) <= max_share}


def feedback_search(
    index: BM25Index,
    query_tokens: Sequence[str],
    k: int,
    allowed: Allowed,
    passage_tokens: PassageTokens,
    params: RankingSettings,
) -> list[Hit]:
    """The ``k`` best passages for the RM3-expanded query, best first, ties by id.

    Two index searches: the first pass (its best ``k`` are the answer when there is
    nothing to expand with, or, with ``feedback_only_unmatched``, when its best passage
    holds every query term), then the weighted query's exact top ``k`` over the whole
    index (``BM25Index.weighted_ids``, scored like any other query).
    """
    if k <= 0:
        return []
    top = params.feedback_passages
    first, first_scores = index.ranked_ids(query_tokens, max(top, k), allowed)
    feedback = as_hits(first[:top], first_scores[:top])
    # With feedback_only_unmatched the best passage decides whether to expand, from the
    # index's own record of its terms: no passage is read unless the expansion runs.
    if (
        params.feedback_only_unmatched
        and feedback
        and index.holds_terms(feedback[0].passage_id, query_tokens)
    ):
        return as_hits(first[:k], first_scores[:k])
    tokens_of = passage_tokens([h.passage_id for h in feedback])
    weights = expanded_query(index, query_tokens, feedback, tokens_of, params)
    if weights is None:
        return as_hits(first[:k], first_scores[:k])
    return as_hits(*index.weighted_ids(weights, k, allowed))


def expanded_query(
    index: BM25Index,
    query_tokens: Sequence[str],
    feedback: Sequence[Hit],
    tokens_of: Mapping[int, Sequence[str]],
    params: RankingSettings,
) -> dict[str, float] | None:
    """RM3's weighted query from the feedback passages; None when they give no term."""
    expansion = expansion_terms(feedback, tokens_of, params.feedback_terms)
    if not expansion:
        return None
    weights = rm3_query(query_tokens, expansion, params.feedback_query_weight)
    if params.feedback_max_df < 1.0:
        weights = without_common_terms(
            weights, query_tokens, index.doc_share, params.feedback_max_df
        )
    return weights
