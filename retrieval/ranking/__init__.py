"""Ranking switches on top of the BM25 index: feedback, aggregation, proximity."""

from retrieval.ranking.aggregate import aggregate_articles
from retrieval.ranking.feedback import PassageTokens, feedback_search
from retrieval.ranking.params import RankingParams
from retrieval.ranking.proximity import proximity_rerank
from retrieval.ranking.ranker import Ranker

__all__ = [
    "PassageTokens",
    "Ranker",
    "RankingParams",
    "aggregate_articles",
    "feedback_search",
    "proximity_rerank",
]
