"""Ranking switches layered on top of BM25, with the defaults measured on SciFact.

Every switch leaves the index's BM25Okapi scores untouched: it changes which query is
scored (feedback), how passage scores become article scores (aggregation), or adds a
bonus on top (proximity). ``RankingSettings()`` is plain BM25 over passages, articles
ranked by their best passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.errors import ConfigError


@dataclass(frozen=True)
class RankingSettings:
    # Pseudo-relevance feedback (RM3): expand the query with the terms of the first
    # pass's best passages, then score the weighted query.
    feedback: bool = False
    # Passages of the first pass the expansion terms are drawn from.
    feedback_passages: int = 10
    # Expansion terms added to the query.
    feedback_terms: int = 20
    # Share of the final query weight kept by the original terms (RM3's lambda).
    feedback_query_weight: float = 0.7
    # Expansion terms (not in the query) found in more than this share of the passages
    # are left out: common words, of small idf, that move few rankings but make the
    # expanded query read the longest postings lists. 1 keeps every term.
    feedback_max_df: float = 0.1
    # Feedback only where the first pass left a query term unmatched: when its best
    # passage holds every term of the query, there is no gap between the question's
    # words and the text's for expansion to bridge, and the first pass's ranking is
    # kept (about half the news questions, a sixteenth of the SciFact claims).
    feedback_only_unmatched: bool = True

    # Article score = sum over its best ``aggregate_depth`` passages of
    # score_i * passage_decay**i: decay 0 is the best passage only (max), 1 is a sum.
    passage_decay: float = 0.0
    aggregate_depth: int = 2

    # Proximity bonus for query terms occurring near each other in a passage;
    # 0 turns it off.
    proximity_weight: float = 0.0
    # Largest distance in index terms between two query terms that counts as near.
    proximity_window: int = 5
    # Passages of the ranking that receive the bonus (it re-orders only these).
    proximity_depth: int = 100

    def __post_init__(self) -> None:
        positive = {
            "feedback_passages": self.feedback_passages,
            "feedback_terms": self.feedback_terms,
            "aggregate_depth": self.aggregate_depth,
            "proximity_window": self.proximity_window,
            "proximity_depth": self.proximity_depth,
        }
        for key, value in positive.items():
            if value < 1:
                raise ConfigError("must be at least 1", key=f"ranking.{key}")
        if not 0.0 < self.feedback_max_df <= 1.0:
            raise ConfigError("must be in (0, 1]", key="ranking.feedback_max_df")
        if not 0.0 <= self.feedback_query_weight <= 1.0:
            raise ConfigError("must be in [0, 1]", key="ranking.feedback_query_weight")
        if not 0.0 <= self.passage_decay <= 1.0:
            raise ConfigError("must be in [0, 1]", key="ranking.passage_decay")
        if self.proximity_weight < 0.0:
            raise ConfigError("must not be negative", key="ranking.proximity_weight")
