"""Following feeds against a local site: first poll, new entries, conditional GET,
re-dated entries, fallbacks, backlogs, back-off and pausing, restarts, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from retrieval.errors import BadInterval, FeedExists, FeedLimitReached, FeedNotFound
from retrieval.ingest.feeds import feed_rows as store
from retrieval.ingest.feeds.feed_values import PollReport
from retrieval.ingest.feeds.manager import FeedManager
from retrieval.results import Scope
from retrieval.store.feed_models import FeedEntry
from tests.retrieval.ingest.feeds.conftest import MakeManager
from tests.retrieval.ingest.feeds.feed_site import BASE_DATE, Entry, FeedSite, prose, rss
from tests.retrieval.ingest.feeds.helpers import articles, count, entries
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer

GUILD_A = Scope(111)
GUILD_B = Scope(222)
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def old_entries(n: int = 3) -> list[Entry]:
    return [Entry(i, guid=f"g{i}", published=BASE_DATE) for i in range(n)]


def follow(site: FeedSite, manager: FeedManager, entries_now: list[Entry]) -> int:
    """Guild A follows the site's feed (hourly) at NOW; the feed's id."""
    url = site.put("feed.xml", rss(entries_now, base=site.base), etag='"v1"')
    return manager.add(url, GUILD_A, 3600, 55, 77, now=NOW).feed_id


def test_adding_a_feed_records_its_entries_without_storing_them(
    site: FeedSite, manager: FeedManager
) -> None:
    url = site.put("feed.xml", rss(old_entries(), base=site.base), etag='"v1"')
    info = manager.add(url, GUILD_A, every=3600, channel_id=55, added_by=77, now=NOW)
    assert (info.title, info.url, info.guild_id) == ("Valley Courier", url, 111)
    assert (info.channel_id, info.added_by, info.every_seconds) == (55, 77, 3600)
    assert (info.entries, info.articles, info.failures, info.paused) == (3, 0, 0, False)
    assert info.next_fetch_at == NOW + HOUR and info.last_fetch_at == NOW
    assert articles(manager.service) == []
    assert site.hits == {"feed.xml": 1}, "no entry page is fetched for the first poll"


def test_a_new_entry_becomes_an_article_of_that_server_only(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, old_entries())
    fresh = Entry(9, guid="g9", published=BASE_DATE + HOUR)
    site.put("feed.xml", rss([fresh, *old_entries()], base=site.base), etag='"v2"')
    assert manager.poll_due(NOW + HOUR / 2) == [], "not due yet"

    (report,) = manager.poll_due(NOW + 2 * HOUR)
    assert report.status == "updated" and report.guild_id == 111
    (added,) = report.added
    assert added.title == fresh.headline and added.passages >= 1
    (stored,) = articles(manager.service)
    assert stored[:3] == (added.article_id, 111, fresh.headline)
    assert prose(9)[1].split(" Reference")[0] in stored[3]
    assert entries(manager.service, feed_id)["g9"] == added.article_id
    assert site.hits.get("article/9") == 1 and "article/0" not in site.hits

    service = manager.service
    question = "What happened on the coastal railway line?"
    assert service.ask(question, scope=GUILD_A).citations[0].article_id == added.article_id
    for other in (GUILD_B, Scope(None)):
        answer = service.ask(question, scope=other)
        assert added.article_id not in {c.article_id for c in answer.citations}
    (info,) = manager.list(GUILD_A)
    assert (info.last_new_at, info.articles, info.entries) == (NOW + 2 * HOUR, 1, 4)
    assert info.next_fetch_at == NOW + 3 * HOUR


def test_an_unchanged_feed_is_not_downloaded_again(
    site: FeedSite, manager: FeedManager, server: LocalServer
) -> None:
    follow(site, manager, old_entries())
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    assert report.status == "not_modified"
    assert server.record.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert articles(manager.service) == []


def test_re_dated_entries_are_not_new(site: FeedSite, manager: FeedManager) -> None:
    follow(site, manager, old_entries())
    bumped = [Entry(i, guid=f"g{i}", published=NOW) for i in range(3)]
    site.put("feed.xml", rss(bumped, base=site.base), etag='"v2"')
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    assert (report.status, report.outcomes) == ("unchanged", ())
    assert articles(manager.service) == []
    assert not any(name.startswith("article/") for name in site.hits)


def test_an_unreadable_page_falls_back_to_the_entry_text(
    site: FeedSite, manager: FeedManager, server: LocalServer
) -> None:
    follow(site, manager, old_entries())
    summary = " ".join(prose(20))
    missing = Entry(20, guid="g20", summary=summary, link=f"{site.base}/site/gone/20")
    wrong_type = Entry(21, guid="g21", summary=" ".join(prose(21)))
    wrong_type.link = server.url("/typed?type=application/pdf")
    site.put("feed.xml", rss([missing, wrong_type, *old_entries()], base=site.base))
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    assert [o.status for o in report.outcomes] == ["added", "added"]
    bodies = [body for *_, body in articles(manager.service)]
    assert "Mara Ellison" in bodies[0] and "report number 20" in bodies[0]
    assert "report number 21" in bodies[1]


def test_an_entry_with_no_page_and_no_text_fails_once_and_is_not_retried(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, old_entries())
    empty = Entry(30, guid="g30", link=f"{site.base}/site/gone/30")
    site.put("feed.xml", rss([empty, *old_entries()], base=site.base))
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    (outcome,) = report.outcomes
    assert outcome.status == "failed"
    assert outcome.reason == (
        "page: refused: the server answered 404 Not Found; entry: the entry has no text of its own"
    )
    assert entries(manager.service, feed_id)["g30"] is None
    assert articles(manager.service) == []
    (again,) = manager.poll_due(NOW + 4 * HOUR)
    assert again.status == "unchanged" and site.hits["gone/30"] == 1


def test_a_huge_feed_is_worked_through_a_few_entries_per_poll(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, [])
    flood = [Entry(n, guid=f"f{n}") for n in range(10_000)]
    site.put("feed.xml", rss(flood, base=site.base), etag='"flood"')
    (first,) = manager.poll_due(NOW + 2 * HOUR)
    assert [o.status for o in first.outcomes] == ["added"] * 3
    assert first.backlog == 200 - 3, "only the top max_entries_read entries are considered"
    assert first.next_fetch_at == NOW + 2 * HOUR + timedelta(seconds=900)
    (info,) = manager.list(GUILD_A)
    assert info.entries == 3 and info.articles == 3
    (second,) = manager.poll_due(NOW + 3 * HOUR)
    assert len(second.added) == 3 and second.backlog == 194
    assert set(entries(manager.service, feed_id)) == {f"f{n}" for n in range(6)}
    assert sum(1 for name in site.hits if name.startswith("article/")) == 6


def test_failures_back_off_then_pause_the_feed_and_tell_the_listener(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, old_entries())
    heard: list[PollReport] = []
    manager.subscribe(heard.append)
    site.put("feed.xml", b"down for maintenance", "text/plain", status=503)
    when = NOW + 2 * HOUR
    waits = []
    for _ in range(3):
        (report,) = manager.poll_due(when)
        assert report.status == "failed"
        assert report.error == "refused: the server answered 503 Service Unavailable"
        assert report.next_fetch_at is not None
        waits.append(report.next_fetch_at - when)
        when = report.next_fetch_at
    assert waits == [2 * HOUR, 4 * HOUR, 8 * HOUR]
    assert [r.paused_now for r in heard] == [False, False, True]
    (info,) = manager.list(GUILD_A)
    assert info.paused and info.failures == 3
    assert info.paused_reason == (
        "paused after 3 failed polls in a row; last error: "
        "refused: the server answered 503 Service Unavailable"
    )
    assert manager.poll_due(when + 100 * HOUR) == [], "a paused feed is not polled"

    site.put("feed.xml", rss(old_entries(), base=site.base))
    resumed = manager.poll(feed_id, now=when + 101 * HOUR)
    assert resumed.status == "unchanged"
    (info,) = manager.list(GUILD_A)
    assert (info.paused, info.failures, info.last_error) == (False, 0, None)


def test_the_back_off_is_capped(site: FeedSite, make_manager: MakeManager) -> None:
    manager = make_manager(max_failures=50, max_backoff_seconds=5 * 3600)
    follow(site, manager, old_entries())
    site.put("feed.xml", b"gone", "text/plain", status=500)
    when = NOW + 2 * HOUR
    for _ in range(4):
        (report,) = manager.poll_due(when)
        assert report.next_fetch_at is not None
        wait, when = report.next_fetch_at - when, report.next_fetch_at
    assert wait == 5 * HOUR


def test_polling_state_survives_a_restart(
    site: FeedSite, make_manager: MakeManager, server: LocalServer
) -> None:
    first = make_manager()
    follow(site, first, old_entries())
    first.service.close()
    second = make_manager()
    (info,) = second.list(GUILD_A)
    assert (info.entries, info.next_fetch_at, info.last_fetch_at) == (3, NOW + HOUR, NOW)
    assert second.poll_due(NOW + HOUR / 2) == []
    (report,) = second.poll_due(NOW + 2 * HOUR)
    assert report.status == "not_modified"
    assert server.record.requests[-1].headers.get("If-None-Match") == '"v1"'


def test_a_due_feed_is_claimed_by_one_poller_only(site: FeedSite, manager: FeedManager) -> None:
    feed_id = follow(site, manager, old_entries())
    due = NOW + 2 * HOUR
    with manager.service.sessions.begin() as session:
        assert store.claim(session, feed_id, due, due + HOUR)
    with manager.service.sessions.begin() as session:
        assert not store.claim(session, feed_id, due, due + HOUR)
    assert manager.poll_due(due) == []


def test_each_server_sees_and_removes_only_its_own_feeds(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, old_entries())
    other = manager.add(site.url("feed.xml"), GUILD_B, now=NOW)
    assert other.feed_id != feed_id and other.guild_id == 222
    assert [i.feed_id for i in manager.list(GUILD_A)] == [feed_id]
    assert [i.feed_id for i in manager.list(GUILD_B)] == [other.feed_id]
    assert manager.list(Scope(None)) == []
    assert {i.feed_id for i in manager.list_all()} == {feed_id, other.feed_id}
    with pytest.raises(FeedNotFound):
        manager.remove(feed_id, GUILD_B)
    removed = manager.remove(feed_id, GUILD_A)
    assert removed.feed_id == feed_id and removed.entries == 3
    assert entries(manager.service, feed_id) == {}
    assert count(manager.service, FeedEntry) == 3, "the other server's entries stay"
    with pytest.raises(FeedNotFound):
        manager.remove(feed_id, GUILD_A)
    assert manager.remove_any(other.feed_id).guild_id == 222


def test_removing_a_feed_keeps_its_articles(site: FeedSite, manager: FeedManager) -> None:
    feed_id = follow(site, manager, old_entries())
    site.put("feed.xml", rss([Entry(9, guid="g9"), *old_entries()], base=site.base))
    manager.poll_due(NOW + 2 * HOUR)
    assert manager.remove(feed_id, GUILD_A).articles == 1
    assert len(articles(manager.service)) == 1


def test_adding_twice_is_refused_and_re_adding_a_paused_feed_resumes_it(
    site: FeedSite, manager: FeedManager
) -> None:
    feed_id = follow(site, manager, old_entries())
    with pytest.raises(FeedExists, match=f"already followed here, as feed {feed_id}"):
        manager.add(site.url("feed.xml"), GUILD_A)
    with pytest.raises(FeedExists):
        manager.add(site.url("feed.xml") + "?utm_source=x", GUILD_A)
    site.put("feed.xml", b"", "text/plain", status=500)
    for hours in (2, 5, 12):
        manager.poll_due(NOW + hours * HOUR)
    assert manager.list(GUILD_A)[0].paused
    info = manager.add(site.url("feed.xml"), GUILD_A, 6 * 3600, 56, now=NOW + 20 * HOUR)
    assert info.resumed and not info.paused and info.feed_id == feed_id
    assert (info.every_seconds, info.channel_id, info.failures) == (6 * 3600, 56, 0)
    assert info.next_fetch_at == NOW + 20 * HOUR


def test_limits_and_intervals_are_enforced(site: FeedSite, make_manager: MakeManager) -> None:
    manager = make_manager(max_feeds_per_server=1)
    follow(site, manager, old_entries())
    second = site.put("other.xml", rss(old_entries(), base=site.base))
    with pytest.raises(FeedLimitReached, match="at most 1 feeds"):
        manager.add(second, GUILD_A)
    with pytest.raises(BadInterval, match="at most every 15 min"):
        manager.add(second, GUILD_B, every=60)
    assert manager.add(second, GUILD_B).every_seconds == 3600


def test_backfill_stores_the_newest_entries_on_the_next_poll(
    site: FeedSite, make_manager: MakeManager
) -> None:
    manager = make_manager(backfill_entries=2)
    feed_id = follow(site, manager, old_entries(5))
    (info,) = manager.list(GUILD_A)
    assert info.entries == 3 and info.next_fetch_at == NOW
    (report,) = manager.poll_due(NOW)
    assert [o.status for o in report.outcomes] == ["added", "added"]
    assert set(entries(manager.service, feed_id)) == {f"g{i}" for i in range(5)}
    assert {title for _, _, title, _ in articles(manager.service)} == {
        Entry(0).headline,
        Entry(1).headline,
    }


def test_the_page_text_wins_over_the_entry_teaser(site: FeedSite, manager: FeedManager) -> None:
    follow(site, manager, old_entries())
    teaser = Entry(12, guid="g12", summary="Short teaser only.")
    site.put("feed.xml", rss([teaser, *old_entries()], base=site.base))
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    (stored,) = articles(manager.service)
    assert report.added and "Mara Ellison" in stored[3] and "teaser" not in stored[3]


def test_a_forgotten_feed_article_is_not_brought_back(site: FeedSite, manager: FeedManager) -> None:
    feed_id = follow(site, manager, old_entries())
    site.put("feed.xml", rss([Entry(9, guid="g9"), *old_entries()], base=site.base))
    (report,) = manager.poll_due(NOW + 2 * HOUR)
    (added,) = report.added
    assert added.article_id is not None
    manager.service.forget(added.article_id, scope=GUILD_A)
    assert entries(manager.service, feed_id)["g9"] is None, "the entry stays, unlinked"
    (again,) = manager.poll_due(NOW + 4 * HOUR)
    assert again.status == "unchanged" and articles(manager.service) == []
