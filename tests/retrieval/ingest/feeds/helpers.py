"""Settings for feed tests, and the database look-ups that prove what was (not) stored."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select

from retrieval.config import Settings
from retrieval.ingest.feeds.settings import FeedSettings
from retrieval.ingest.fetch import FetchSettings
from retrieval.service import NewsService
from retrieval.store.feed_models import Feed, FeedEntry
from retrieval.store.models import Article, IndexLogEntry, Passage
from tests.retrieval.ingest.fetch.conftest import TEST_SETTINGS

# Small per-poll numbers so backlogs show up with a handful of entries.
FEED_TEST_SETTINGS: dict[str, Any] = {"max_entries_per_poll": 3, "max_failures": 3}


def with_feeds(base: Settings, *, fetch: dict[str, Any] | None = None, **feeds: Any) -> Settings:
    """``base`` (and its database) with the test fetch and feed settings plus overrides:
    loopback allowed, no politeness gap, short timeouts."""
    return dataclasses.replace(
        base,
        fetch=FetchSettings(**{**TEST_SETTINGS, **(fetch or {})}),
        feeds=FeedSettings(**{**FEED_TEST_SETTINGS, **feeds}),
    )


def count(service: NewsService, model: type[object]) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def stored_nothing(service: NewsService) -> bool:
    """No feed, entry, article, passage or index change: a refusal left no trace."""
    models = (Feed, FeedEntry, Article, Passage, IndexLogEntry)
    return all(count(service, model) == 0 for model in models)


def articles(service: NewsService) -> list[tuple[int, int, str, str]]:
    """(id, scope id, title, body) of every stored article, oldest first."""
    with service.sessions() as session:
        rows = session.execute(
            select(Article.id, Article.scope_id, Article.title, Article.body).order_by(Article.id)
        )
        return list(rows)


def entries(service: NewsService, feed_id: int) -> dict[str, int | None]:
    """Entry key -> article id of one feed's recorded entries."""
    with service.sessions() as session:
        rows = session.execute(
            select(FeedEntry.key, FeedEntry.article_id).where(FeedEntry.feed_id == feed_id)
        )
        return dict(rows.all())
