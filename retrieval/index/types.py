"""Small value types shared by the index modules and its callers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage: its id and its BM25Okapi score (may be zero or negative)."""

    passage_id: int
    score: float


def as_hits(ids: Sequence[int], scores: Sequence[float]) -> list[Hit]:
    """Ranked passage ids and their scores, in order, as ``Hit`` values."""
    return [Hit(p, s) for p, s in zip(ids, scores, strict=True)]


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


def meta_rows(metas: Sequence[PassageMeta]) -> NDArray[np.int64]:
    """Rows of (article, scope, source, published), one per passage, for the columns."""
    out = np.empty((len(metas), 4), dtype=np.int64)
    out[:, 0] = [m.article_id for m in metas]
    out[:, 1] = [m.scope for m in metas]
    out[:, 2] = [m.source for m in metas]
    out[:, 3] = [m.published for m in metas]
    return out
