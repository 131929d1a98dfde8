"""The service's public ways into its index: article hits for trends and digests, and
holding the index for callers that change it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from retrieval.config import Settings
from retrieval.index import PassageFilter
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.shared_data import SAMPLES

# How long a search blocked behind a held index is given to (wrongly) finish.
BLOCKED_WAIT_SECONDS = 0.2


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    yield service
    service.close()


def test_article_hits_are_the_index_search_by_article(service: NewsService) -> None:
    tokens = service.tokenizer.tokenize("tidal energy council")
    everything = PassageFilter()
    hits = service.article_hits(tokens, everything, 10)
    found = service.index.search(tokens, 10, everything)
    assert hits and len(hits) == len(found)
    assert hits == [(service.index.article_of(h.passage_id), h.score) for h in found]
    only = PassageFilter(articles=frozenset({hits[0][0]}))
    assert {article for article, _ in service.article_hits(tokens, only, 10)} == {hits[0][0]}


def test_a_held_index_keeps_searches_out_until_released(service: NewsService) -> None:
    tokens = service.tokenizer.tokenize("rail")
    done = threading.Event()

    def search() -> None:
        service.article_hits(tokens, PassageFilter(), 5)
        done.set()

    with service.index_held() as index:
        assert index is service.index
        searcher = threading.Thread(target=search)
        searcher.start()
        assert not done.wait(BLOCKED_WAIT_SECONDS)
    searcher.join()
    assert done.is_set()
