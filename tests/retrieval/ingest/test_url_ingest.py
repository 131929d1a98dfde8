"""Admin operations in the engine: storing a page from a URL, a server's own articles,
and the scope rule every read follows (a server: its own plus global; a DM: global),
digests included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from retrieval.config import Settings
from retrieval.digest.digest_values import ScheduleRequest
from retrieval.digest.facade import DigestService
from retrieval.errors import ArticleNotFound
from retrieval.ingest.fetch import Fetcher
from retrieval.ingest.url_ingest import ingest_url, own_titles
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.retrieval.ingest.feeds.conftest import server, site
from tests.retrieval.ingest.feeds.feed_site import HTML_TYPE, FeedSite, article_html
from tests.retrieval.ingest.feeds.helpers import with_feeds
from tests.retrieval.ingest.fetch.conftest import tripwire

__all__ = ["server", "site", "tripwire"]

GUILD_A, GUILD_B, DM = Scope(111), Scope(222), Scope(None)


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    opened = NewsService.open(with_feeds(settings))
    yield opened
    opened.close()


@pytest.fixture
def fetcher(service: NewsService) -> Iterator[Fetcher]:
    with Fetcher(service.settings.fetch) as made:
        yield made


def store(service: NewsService, n: int, scope: Scope) -> int:
    (outcome,) = service.ingest_bytes(article_html(n), name=f"{n}.html", scope=scope)
    assert outcome.status == "added" and outcome.article_id is not None
    return outcome.article_id


def test_a_url_is_fetched_and_stored_in_the_scope(
    service: NewsService, fetcher: Fetcher, site: FeedSite
) -> None:
    url = site.put("news/5", article_html(5), HTML_TYPE)
    (outcome,) = ingest_url(service, fetcher, url, scope=GUILD_A)
    assert (outcome.status, outcome.title) == ("added", "Story 5: the reservoir report")
    assert outcome.passages >= 1 and outcome.published is not None
    (again,) = ingest_url(service, fetcher, url, scope=GUILD_A)
    assert again.status == "duplicate" and again.article_id == outcome.article_id
    assert [t.article_id for t in service.recent_titles(scope=GUILD_A)] == [outcome.article_id]


def test_a_refused_url_is_a_failed_outcome_and_stores_nothing(
    service: NewsService, fetcher: Fetcher, site: FeedSite
) -> None:
    (outcome,) = ingest_url(service, fetcher, "http://169.254.169.254/latest/", scope=GUILD_A)
    assert outcome.status == "failed"
    assert (
        outcome.reason
        == "refused: 169.254.169.254 is a link-local address (cloud metadata service)"
    )
    (missing,) = ingest_url(service, fetcher, site.url("nowhere"), scope=GUILD_A)
    assert missing.reason == "refused: the server answered 404 Not Found"
    assert service.recent_titles(scope=GUILD_A) == []


def test_own_titles_are_the_scopes_own_articles_only(service: NewsService) -> None:
    mine = [store(service, n, GUILD_A) for n in (1, 2)]
    store(service, 3, GUILD_B)
    store(service, 4, DM)
    assert [t.article_id for t in own_titles(service, scope=GUILD_A)] == mine[::-1]
    assert [t.title for t in own_titles(service, scope=GUILD_A, prefix="ORCHARD")] == [
        "Story 1: the orchard report"
    ]
    assert [t.article_id for t in own_titles(service, scope=GUILD_A, prefix=str(mine[1]))] == [
        mine[1]
    ]
    assert own_titles(service, scope=GUILD_A, prefix="100%_") == []
    assert own_titles(service, scope=GUILD_A, prefix="9" * 40) == []
    assert [t.title for t in own_titles(service, scope=DM)] == ["Story 4: the festival report"]


def test_every_read_sees_its_own_scope_plus_global_and_never_another_server(
    service: NewsService,
) -> None:
    a = store(service, 6, GUILD_A)  # harbour
    b = store(service, 7, GUILD_B)  # orchard
    g = store(service, 9, DM)  # railway (global)
    visible = {GUILD_A: {a, g}, GUILD_B: {b, g}, DM: {g}}
    queries = ["harbour board dredge", "apple growers blossom", "coastal railway signal"]
    for scope, ids in visible.items():
        for query in queries:
            cited = {c.article_id for c in service.ask(query, scope=scope).citations}
            cited |= {c.article_id for c in service.news(query, scope=scope).citations}
            cited |= {h.article.id for h in service.search_passages(query, scope=scope)}
            assert cited <= ids, (scope, query)
        assert {t.article_id for t in service.recent_titles(scope=scope)} == ids
        assert sum(s.articles for s in service.sources(scope=scope)) == len(ids)
        trend = service.trend("report", scope=scope, days=3650)
        assert {c.article_id for c in trend.peaks} <= ids
        for article_id in {a, b, g} - ids:
            with pytest.raises(ArticleNotFound):
                service.summarize_article(str(article_id), scope=scope)
    with pytest.raises(ArticleNotFound):
        service.forget(g, scope=GUILD_A)  # a server cannot remove a global article
    with pytest.raises(ArticleNotFound):
        service.forget(b, scope=GUILD_A)
    assert service.forget(a, scope=GUILD_A).article_id == a


def test_a_digest_shows_only_the_servers_own_and_global_articles(service: NewsService) -> None:
    store(service, 6, GUILD_A)
    store(service, 7, GUILD_B)
    store(service, 9, DM)
    # Previewed an hour on, so the fresh articles are inside the digest window.
    later = datetime.now(UTC) + timedelta(hours=1)
    digests = DigestService(service, clock=lambda: later)

    def headlines(guild_id: int) -> set[str]:
        request = ScheduleRequest(guild_id, channel_id=guild_id + 1, time="08:00", timezone="UTC")
        schedule = digests.set_schedule(request)
        return {s.headline for s in digests.preview(guild_id, schedule.id).digest.stories}

    railway = "Story 9: the railway report"
    assert headlines(111) == {"Story 6: the harbour report", railway}
    assert headlines(222) == {"Story 7: the orchard report", railway}
