"""Ranking switches on top of the BM25 index: feedback, aggregation, proximity.

Names load on first use: ``retrieval.config`` reads ``retrieval.ranking.settings``, and
that must not bring numpy and the index in with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.lazy import lazy_attributes

if TYPE_CHECKING:
    from retrieval.ranking.aggregate import aggregate_articles
    from retrieval.ranking.feedback import PassageTokens, feedback_search
    from retrieval.ranking.proximity import proximity_rerank
    from retrieval.ranking.ranker import Ranker
    from retrieval.ranking.settings import RankingSettings

__all__ = [
    "PassageTokens",
    "Ranker",
    "RankingSettings",
    "aggregate_articles",
    "feedback_search",
    "proximity_rerank",
]

_HOMES = {
    "PassageTokens": "retrieval.ranking.feedback",
    "Ranker": "retrieval.ranking.ranker",
    "RankingSettings": "retrieval.ranking.settings",
    "aggregate_articles": "retrieval.ranking.aggregate",
    "feedback_search": "retrieval.ranking.feedback",
    "proximity_rerank": "retrieval.ranking.proximity",
}


__getattr__ = lazy_attributes(__name__, _HOMES)
