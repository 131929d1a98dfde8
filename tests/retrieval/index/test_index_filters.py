"""Restricting searches: PassageFilter fields, id sets and predicates."""

from __future__ import annotations

import pytest

from retrieval.index import BM25Index, PassageFilter, PassageMeta
from tests.retrieval.index.paths import prune_every_query

GUILD = 1_234_567_890_123_456_789  # Discord guild ids use the full int64 range
DAY = 86_400


@pytest.fixture(params=["exhaustive", "pruned"])
def index(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> BM25Index:
    """Twelve passages about ``korea`` with distinct scores, plus filler passages.

    Passage i: article i // 2, scope GUILD for odd i else 0, source i % 3, published
    day i. More ``korea`` occurrences and a shorter passage score higher, so the
    unfiltered order is by id.
    """
    if request.param == "pruned":
        prune_every_query(monkeypatch)
    idx = BM25Index()
    for i in range(12):
        tokens = ["korea"] * (12 - i) + ["trade"] + ["filler"] * i
        meta = PassageMeta(article_id=i // 2, scope=GUILD if i % 2 else 0, source=i % 3)
        idx.add(
            i,
            tokens,
            article_id=meta.article_id,
            scope=meta.scope,
            source=meta.source,
            published=i * DAY,
        )
    idx.add_many((100 + i, ["filler", "other"], PassageMeta(article_id=99)) for i in range(20))
    return idx


def ids(
    index: BM25Index, allowed: object, query: tuple[str, ...] = ("korea", "trade")
) -> list[int]:
    return [h.passage_id for h in index.search(list(query), k=5, allowed=allowed)]  # type: ignore[arg-type]


def test_unfiltered_order(index: BM25Index) -> None:
    assert ids(index, None) == [0, 1, 2, 3, 4]
    assert ids(index, PassageFilter()) == [0, 1, 2, 3, 4]


def test_scopes(index: BM25Index) -> None:
    assert ids(index, PassageFilter(scopes=frozenset({GUILD}))) == [1, 3, 5, 7, 9]
    assert ids(index, PassageFilter(scopes=frozenset({0}))) == [0, 2, 4, 6, 8]
    assert ids(index, PassageFilter(scopes=frozenset({0, GUILD}))) == [0, 1, 2, 3, 4]
    assert ids(index, PassageFilter(scopes=frozenset())) == []


def test_sources(index: BM25Index) -> None:
    assert ids(index, PassageFilter(sources=frozenset({2}))) == [2, 5, 8, 11]


def test_published_window_is_half_open(index: BM25Index) -> None:
    assert ids(index, PassageFilter(since=3 * DAY, until=6 * DAY)) == [3, 4, 5]
    assert ids(index, PassageFilter(since=10 * DAY)) == [10, 11]
    assert ids(index, PassageFilter(until=2 * DAY)) == [0, 1]


def test_articles(index: BM25Index) -> None:
    assert ids(index, PassageFilter(articles=frozenset({1, 4}))) == [2, 3, 8, 9]


def test_fields_combine_with_and(index: BM25Index) -> None:
    spec = PassageFilter(scopes=frozenset({GUILD}), sources=frozenset({0, 1}), since=4 * DAY)
    assert ids(index, spec) == [7, 9]


def test_id_collection(index: BM25Index) -> None:
    assert ids(index, {11, 3, 7, 999}) == [3, 7, 11]
    assert ids(index, [5]) == [5]
    assert ids(index, frozenset()) == []


def test_predicate_is_asked_until_k_are_accepted(index: BM25Index) -> None:
    asked: list[int] = []

    def odd(pid: int) -> bool:
        asked.append(pid)
        return pid % 2 == 1

    assert ids(index, odd) == [1, 3, 5, 7, 9]
    assert asked == list(range(10))  # in rank order, never past the fifth acceptance


def test_predicate_rejecting_everything(index: BM25Index) -> None:
    assert ids(index, lambda pid: False) == []


def test_filter_applies_to_filler_only_queries(index: BM25Index) -> None:
    found = ids(index, PassageFilter(articles=frozenset({0})), query=("filler", "other"))
    assert found == [1]


def test_scores_do_not_depend_on_the_filter(index: BM25Index) -> None:
    everything = {h.passage_id: h.score for h in index.search(["korea", "trade"], k=50)}
    some = index.search(["korea", "trade"], k=50, allowed=PassageFilter(sources=frozenset({1})))
    assert some and all(h.score == everything[h.passage_id] for h in some)
