"""The BM25TP proximity bonus and the re-ranking that applies it."""

from __future__ import annotations

import pytest

from retrieval.index import Hit
from retrieval.ranking import proximity_rerank
from retrieval.ranking.proximity import PROXIMITY_K1, PROXIMITY_SATURATION, proximity_bonus

TERMS = frozenset({"interest", "rate"})


def _idf(term: str) -> float:
    return {"interest": 2.0, "rate": 0.5}.get(term, 0.0)


def test_adjacent_terms_earn_the_bonus() -> None:
    bonus = proximity_bonus(TERMS, ["interest", "rate", "rise"], _idf, 5)
    # One pair at distance 1: each term accumulates 1.0; idf capped at 1 for "interest".
    per_unit = (PROXIMITY_K1 + 1.0) * 1.0 / (PROXIMITY_SATURATION + 1.0)
    assert bonus == pytest.approx(1.0 * per_unit + 0.5 * per_unit)


def test_far_apart_or_repeated_terms_earn_nothing() -> None:
    far = ["interest", "a", "b", "c", "d", "e", "rate"]
    assert proximity_bonus(TERMS, far, _idf, 5) == 0.0
    assert proximity_bonus(TERMS, far, _idf, 6) > 0.0
    assert proximity_bonus(TERMS, ["rate", "rate", "rate"], _idf, 5) == 0.0
    assert proximity_bonus(TERMS, [], _idf, 5) == 0.0


def test_closer_pairs_earn_more() -> None:
    near = proximity_bonus(TERMS, ["interest", "x", "rate"], _idf, 5)
    nearer = proximity_bonus(TERMS, ["interest", "rate"], _idf, 5)
    assert 0.0 < near < nearer


def test_rerank_lifts_the_phrase_and_keeps_the_tail() -> None:
    tokens = {
        1: ["interest", "x", "x", "x", "x", "x", "x", "rate"],
        2: ["interest", "rate"],
        3: ["interest", "rate"],
    }
    hits = [Hit(1, 5.0), Hit(2, 5.0), Hit(3, 1.0)]
    ranked = proximity_rerank(
        hits, ["interest", "rate"], tokens, _idf, weight=1.0, window=5, depth=2
    )
    assert [h.passage_id for h in ranked] == [2, 1, 3]
    assert ranked[1].score == 5.0 and ranked[2] == hits[2]
    same = proximity_rerank(hits, ["interest"], tokens, _idf, weight=0.0, window=5, depth=2)
    assert same == hits
