"""Fixtures for the feed tests: the site server, a service and a feed manager on it.

The fetcher tests' connect tripwire is reused, so nothing here can reach past loopback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from retrieval.config import Settings
from retrieval.ingest.feeds.manager import FeedManager
from retrieval.ingest.fetch import Fetcher
from retrieval.service import NewsService
from tests.retrieval.ingest.feeds.feed_site import FeedSite
from tests.retrieval.ingest.feeds.helpers import with_feeds
from tests.retrieval.ingest.fetch import fetch_testserver
from tests.retrieval.ingest.fetch.conftest import server, server6, tripwire
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer, StubResolver

__all__ = ["server", "server6", "tripwire"]

MakeManager = Callable[..., FeedManager]


@pytest.fixture
def site(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> FeedSite:
    feed_site = FeedSite(server)
    monkeypatch.setitem(fetch_testserver.ROUTES, "site", feed_site.route)
    return feed_site


@pytest.fixture
def make_manager(settings: Settings) -> Iterator[MakeManager]:
    """Managers over services on this test's one database; all closed after the test."""
    opened: list[tuple[NewsService, Fetcher]] = []

    def make(
        *, resolver: StubResolver | None = None, fetch: dict[str, Any] | None = None, **feeds: Any
    ) -> FeedManager:
        service_settings = with_feeds(settings, fetch=fetch, **feeds)
        service = NewsService.open(service_settings)
        fetcher = Fetcher(service_settings.fetch, resolver=resolver)
        opened.append((service, fetcher))
        return FeedManager(service, fetcher)

    yield make
    for service, fetcher in opened:
        fetcher.close()
        service.close()


@pytest.fixture
def manager(make_manager: MakeManager) -> FeedManager:
    return make_manager()
