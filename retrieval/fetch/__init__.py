"""Safe HTTP fetching for ``newsbot ingest URL``, the bot's ``/ingest url`` and feed polls.

Admins hand the bot URLs and the bot fetches them from its own network position, so a
fetch is refused unless it goes to a public address (checked after DNS, pinned for the
connection, re-checked on every redirect), and it is capped in size, time and rate.
"""

from retrieval.errors import FetchError, FetchErrorKind
from retrieval.fetch.fetcher import Fetcher, FetchResult, system_resolver
from retrieval.fetch.media import (
    ALL_TYPES,
    ARTICLE_TYPES,
    FEED_TYPES,
    HTML_TYPES,
    JSON_TYPES,
    TEXT_TYPES,
)
from retrieval.fetch.settings import DEFAULT_HOMEPAGE, FetchSettings, user_agent_for

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
