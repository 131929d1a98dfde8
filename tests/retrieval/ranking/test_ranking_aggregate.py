"""Passage scores to article scores: max by default, a decayed sum when asked."""

from __future__ import annotations

import pytest

from retrieval.errors import ConfigError
from retrieval.index import Hit
from retrieval.ranking import RankingSettings, aggregate_articles

ARTICLE = {1: 10, 2: 20, 3: 10, 4: 30, 5: 20, 6: 10}
HITS = [Hit(1, 9.0), Hit(2, 8.0), Hit(3, 7.0), Hit(4, 7.5), Hit(5, 1.0), Hit(6, 5.0)]
HITS.sort(key=lambda h: -h.score)


def test_default_is_the_best_passage() -> None:
    ranked = aggregate_articles(HITS, ARTICLE.__getitem__, 10)
    assert ranked == [(10, 9.0), (20, 8.0), (30, 7.5)]


def test_decayed_sum_of_the_best_passages() -> None:
    ranked = aggregate_articles(HITS, ARTICLE.__getitem__, 10, decay=0.5, depth=2)
    # 10: 9 + 0.5*7 (the third passage, 5.0, is below depth); 20: 8 + 0.5*1; 30: 7.5.
    assert [a for a, _ in ranked] == [10, 20, 30]
    assert [s for _, s in ranked] == pytest.approx([12.5, 8.5, 7.5])
    summed = aggregate_articles(HITS, ARTICLE.__getitem__, 10, decay=1.0, depth=3)
    assert summed[0][0] == 10
    assert summed[0][1] == pytest.approx(21.0)


def test_k_and_ties_keep_best_passage_order() -> None:
    hits = [Hit(1, 3.0), Hit(2, 3.0), Hit(4, 3.0)]
    assert aggregate_articles(hits, ARTICLE.__getitem__, 2) == [(10, 3.0), (20, 3.0)]
    assert aggregate_articles([], ARTICLE.__getitem__, 5) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"feedback_passages": 0},
        {"feedback_terms": 0},
        {"aggregate_depth": 0},
        {"proximity_window": 0},
        {"proximity_depth": 0},
        {"feedback_query_weight": 1.5},
        {"passage_decay": -0.1},
        {"proximity_weight": -1.0},
    ],
)
def test_params_are_validated(changes: dict[str, float]) -> None:
    with pytest.raises(ConfigError) as info:
        RankingSettings(**changes)  # type: ignore[arg-type]
    assert info.value.key == f"ranking.{next(iter(changes))}"
