"""Safe HTTP fetching for ``newsbot ingest URL``, the bot's ``/ingest url`` and feed polls.

Admins hand the bot URLs and the bot fetches them from its own network position, so a
fetch is refused unless it goes to a public address (checked after DNS, pinned for the
connection, re-checked on every redirect), and it is capped in size, time and rate.

Names load on first use: ``retrieval.config`` reads ``retrieval.ingest.fetch.settings``, and
that must not bring aiohttp in with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retrieval.errors import FetchError, FetchErrorKind
    from retrieval.ingest.fetch.fetcher import Fetcher, FetchResult, system_resolver
    from retrieval.ingest.fetch.media import (
        ALL_TYPES,
        ARTICLE_TYPES,
        FEED_TYPES,
        HTML_TYPES,
        JSON_TYPES,
        TEXT_TYPES,
    )
    from retrieval.ingest.fetch.settings import DEFAULT_HOMEPAGE, FetchSettings, user_agent_for

_HOMES = {
    "FetchError": "retrieval.errors",
    "FetchErrorKind": "retrieval.errors",
    "Fetcher": "retrieval.ingest.fetch.fetcher",
    "FetchResult": "retrieval.ingest.fetch.fetcher",
    "system_resolver": "retrieval.ingest.fetch.fetcher",
    **dict.fromkeys(
        ["ALL_TYPES", "ARTICLE_TYPES", "FEED_TYPES", "HTML_TYPES", "JSON_TYPES", "TEXT_TYPES"],
        "retrieval.ingest.fetch.media",
    ),
    "DEFAULT_HOMEPAGE": "retrieval.ingest.fetch.settings",
    "FetchSettings": "retrieval.ingest.fetch.settings",
    "user_agent_for": "retrieval.ingest.fetch.settings",
}

__all__ = [
    "ALL_TYPES",
    "ARTICLE_TYPES",
    "DEFAULT_HOMEPAGE",
    "FEED_TYPES",
    "HTML_TYPES",
    "JSON_TYPES",
    "TEXT_TYPES",
    "FetchError",
    "FetchErrorKind",
    "FetchResult",
    "FetchSettings",
    "Fetcher",
    "system_resolver",
    "user_agent_for",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'retrieval.ingest.fetch' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
