"""Small value types shared by the index modules and its callers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage: its id and its BM25Okapi score (may be zero or negative)."""

    passage_id: int
    score: float


@dataclass(frozen=True, slots=True)
class PassageMeta:
    """What the index keeps about a passage besides its terms, for filtering and removal.

    ``scope`` is 0 for global passages, else the Discord guild id that owns them;
    ``published`` is in epoch seconds.
    """

    article_id: int = 0
    scope: int = 0
    source: int = 0
    published: int = 0
