"""One entry point for ranked passages and articles with the switches applied.

``Ranker(index, RankingSettings(), tokens).passages(...)`` is exactly
``index.search(...)``, and ``.articles(...)`` exactly "articles by their best
passage", so callers can route every search through a Ranker and let the settings
decide what is layered on top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from retrieval.index import BM25Index, Hit
from retrieval.index.filters import Allowed
from retrieval.ranking.aggregate import aggregate_articles
from retrieval.ranking.feedback import PassageTokens, feedback_search
from retrieval.ranking.proximity import proximity_rerank
from retrieval.ranking.settings import RankingSettings

# Passages fetched per article wanted when ranking articles: an article needs its
# best passages among the hits, and several passages of one article crowd the list.
PASSAGES_PER_ARTICLE = 5


class _Memo:
    """Passage tokens fetched once per query, however many switches ask for them."""

    def __init__(self, fetch: PassageTokens) -> None:
        self._fetch = fetch
        self._known: dict[int, Sequence[str]] = {}

    def __call__(self, passage_ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
        missing = [p for p in passage_ids if p not in self._known]
        if missing:
            self._known.update(self._fetch(missing))
        return {p: self._known[p] for p in passage_ids if p in self._known}


class Ranker:
    """Ranks passages and articles of ``index`` as ``params`` say."""

    def __init__(
        self, index: BM25Index, params: RankingSettings, passage_tokens: PassageTokens
    ) -> None:
        self.index = index
        self.params = params
        self._passage_tokens = passage_tokens

    def passages(self, query_tokens: Sequence[str], k: int, allowed: Allowed = None) -> list[Hit]:
        """The ``k`` best passages, best first."""
        params = self.params
        tokens = _Memo(self._passage_tokens)
        want = max(k, params.proximity_depth) if params.proximity_weight else k
        if params.feedback:
            hits = feedback_search(self.index, query_tokens, want, allowed, tokens, params)
        else:
            hits = self.index.search(query_tokens, want, allowed)
        if params.proximity_weight:
            head = [h.passage_id for h in hits[: params.proximity_depth]]
            hits = proximity_rerank(
                hits,
                query_tokens,
                tokens(head),
                self.index.idf,
                weight=params.proximity_weight,
                window=params.proximity_window,
                depth=params.proximity_depth,
            )
        return hits[:k]

    def articles(
        self, query_tokens: Sequence[str], k: int, allowed: Allowed = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (article id, score) pairs, best first."""
        hits = self.passages(query_tokens, k * PASSAGES_PER_ARTICLE, allowed)
        return aggregate_articles(
            hits,
            self.index.article_of,
            k,
            decay=self.params.passage_decay,
            depth=self.params.aggregate_depth,
        )
