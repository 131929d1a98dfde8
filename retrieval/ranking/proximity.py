"""A term-proximity bonus (BM25TP, Rasolofo & Savoy 2003) added to BM25 passage scores.

BM25 treats a passage as a bag of words: "interest rates" scattered over a passage
scores like the phrase. BM25TP credits every pair of different query terms that occur
within a few words of each other with 1/distance**2, saturates each term's total the
way BM25 saturates term frequency, and weights it by the term's idf (capped at 1).
Only the top of a ranking is re-scored, so the cost stays a few tokenised passages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from retrieval.index import Hit

# Saturation of a term's accumulated proximity (BM25's k1 and its constant role).
PROXIMITY_K1 = 1.2
PROXIMITY_SATURATION = 1.0


def proximity_bonus(
    query_terms: frozenset[str],
    tokens: Sequence[str],
    idf: Callable[[str], float],
    window: int,
) -> float:
    """The BM25TP proximity score of one passage's tokens (0 without near pairs)."""
    positions = [(i, t) for i, t in enumerate(tokens) if t in query_terms]
    accumulated: dict[str, float] = {}
    for a, (i, left) in enumerate(positions):
        for j, right in positions[a + 1 :]:
            distance = j - i
            if distance > window:
                break
            if left != right:
                near = 1.0 / distance**2
                accumulated[left] = accumulated.get(left, 0.0) + near
                accumulated[right] = accumulated.get(right, 0.0) + near
    return sum(
        min(1.0, idf(term)) * (PROXIMITY_K1 + 1.0) * acc / (PROXIMITY_SATURATION + acc)
        for term, acc in accumulated.items()
    )


def proximity_rerank(
    hits: Sequence[Hit],
    query_tokens: Sequence[str],
    tokens_of: Mapping[int, Sequence[str]],
    idf: Callable[[str], float],
    *,
    weight: float,
    window: int,
    depth: int,
) -> list[Hit]:
    """``hits`` with ``weight`` * bonus added to the first ``depth``, re-sorted (ties by id).

    The bonus is never negative, so a re-scored passage never falls below one that
    was not re-scored and the order below ``depth`` is kept.
    """
    if weight == 0.0 or not hits:
        return list(hits)
    terms = frozenset(query_tokens)
    head = [
        Hit(
            h.passage_id,
            h.score + weight * proximity_bonus(terms, tokens_of.get(h.passage_id, ()), idf, window),
        )
        for h in hits[:depth]
    ]
    head.sort(key=lambda h: (-h.score, h.passage_id))
    return head + list(hits[depth:])
