"""What server admins (and the bot owner) do to the stored articles beyond the feeds:
store a page from a URL, and find the articles their own server stored.

The page fetch goes through the safe fetcher; the bot calls ``Fetcher.fetch_async``
itself and hands the result to ``ingest_page``, so no worker thread waits on the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from retrieval.errors import FetchError
from retrieval.ingest.feeds.entry_pages import content_type_of
from retrieval.ingest.fetch import ARTICLE_TYPES, Fetcher, FetchResult
from retrieval.ingest.stages import IngestOutcome
from retrieval.ranking.stories import scope_id
from retrieval.results import ArticleTitle, Scope
from retrieval.store.models import Article

if TYPE_CHECKING:
    from retrieval.service import NewsService

# Titles listed at most (Discord shows 25 autocomplete choices).
MAX_TITLES = 25
# Longer digit strings are not ids (and would overflow a 64-bit column).
MAX_ID_DIGITS = 18


def ingest_page(
    service: NewsService, page: FetchResult, *, scope: Scope, name: str
) -> list[IngestOutcome]:
    """Store the article(s) in a fetched page in ``scope``; one outcome per record."""
    return service.ingest_bytes(
        page.body, name=name, scope=scope, url=page.url, content_type=content_type_of(page)
    )


def ingest_url(
    service: NewsService, fetcher: Fetcher, url: str, *, scope: Scope
) -> list[IngestOutcome]:
    """Fetch ``url`` safely and store its article; a refused fetch is a failed outcome."""
    try:
        page = fetcher.fetch(url, accept=ARTICLE_TYPES)
    except FetchError as exc:
        return [IngestOutcome(url, "failed", reason=exc.reason)]
    return ingest_page(service, page, scope=scope, name=url)


def own_titles(
    service: NewsService, *, scope: Scope, prefix: str = "", limit: int = MAX_TITLES
) -> list[ArticleTitle]:
    """The newest articles the scope itself stored (not the global ones it can also see):
    the ones its admins may forget. ``prefix`` matches inside titles, or is an id."""
    query = select(Article).where(Article.scope_id == scope_id(scope))
    wanted = prefix.strip()
    if wanted:
        matches = func.lower(Article.title).contains(wanted.lower(), autoescape=True)
        by_id = wanted.isdigit() and len(wanted) <= MAX_ID_DIGITS
        query = query.where(or_(matches, Article.id == int(wanted)) if by_id else matches)
    query = query.order_by(Article.ingested_at.desc(), Article.id.desc())
    with service.unit_of_work() as session:
        rows = session.scalars(query.limit(min(limit, MAX_TITLES))).all()
        return [ArticleTitle(a.id, a.title, a.source_name, a.published) for a in rows]
