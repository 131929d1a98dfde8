"""Hostile feeds and entry pages: every one ends in a one-line reason, nothing half-stored.

A feed that cannot be had is refused when it is added (no feed row, no entries) and
counts as a failed poll later (no entries, no articles). An entry page that cannot be
had falls back to the entry's own text, or fails that entry alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from retrieval.errors import NewsbotError, NotAFeed
from retrieval.ingest.feeds.manager import FeedManager
from retrieval.ingest.fetch import FetchError
from retrieval.results import Scope
from tests.retrieval.ingest.feeds.conftest import MakeManager
from tests.retrieval.ingest.feeds.feed_site import (
    HTML_TYPE,
    RSS_TYPE,
    Entry,
    FeedSite,
    article_html,
    prose,
    rss,
)
from tests.retrieval.ingest.feeds.helpers import articles, entries, stored_nothing
from tests.retrieval.ingest.fetch.fetch_testserver import (
    LocalServer,
    StubResolver,
    Tripwire,
    gzip_bomb,
)

GUILD = Scope(111)
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
# A small body cap and deadline keep the endless and dripping cases fast.
TIGHT_FETCH: dict[str, Any] = {"max_bytes": 200_000, "total_timeout": 0.6, "read_timeout": 0.4}


def assert_refused(manager: FeedManager, url: str) -> NewsbotError:
    with pytest.raises(NewsbotError) as caught:
        manager.add(url, GUILD, now=NOW)
    reason = caught.value.reason
    assert reason and "\n" not in reason and len(reason) < 300
    assert stored_nothing(manager.service), "a refused feed left rows behind"
    return caught.value


# The bomb runs under the default 5 MB cap, so the ratio check (not the cap) stops it.
BOMB_FETCH = {**TIGHT_FETCH, "max_bytes": 5_000_000}
HUGE_REASON = "refused: the response is larger than 200000 bytes"
BOMB_REASON = "refused: the body inflates more than 100:1 (likely a decompression bomb)"
DRIP_REASON = "timed out: the fetch took longer than 0.6 s"


@pytest.mark.parametrize(
    ("path", "fetch", "kind", "reason"),
    [
        ("hostile/huge", TIGHT_FETCH, "too_large", HUGE_REASON),
        ("hostile/bomb", BOMB_FETCH, "decompression_bomb", BOMB_REASON),
        ("hostile/drip", TIGHT_FETCH, "timeout", DRIP_REASON),
    ],
)
def test_oversized_bombs_and_drips_are_cut_off(
    site: FeedSite,
    make_manager: MakeManager,
    path: str,
    fetch: dict[str, Any],
    kind: str,
    reason: str,
) -> None:
    manager = make_manager(fetch=fetch)
    gzip_bomb()  # built now (a few tenths of a second), not inside the fetch's deadline
    error = assert_refused(manager, site.url(path))
    assert isinstance(error, FetchError) and error.kind == kind
    assert error.reason == reason


def test_a_web_page_is_not_taken_for_a_feed(site: FeedSite, manager: FeedManager) -> None:
    error = assert_refused(manager, site.put("news.html", article_html(1), HTML_TYPE))
    assert isinstance(error, FetchError) and error.kind == "bad_content_type"
    assert error.reason.startswith("refused: content type text/html is not accepted")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"<rss version='2.0'><channel><title>Broken", "no element found"),
        (b"<?xml version='1.0'?><html><body>Not a feed</body></html>", "no RSS or Atom"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not well-formed (invalid token)"),
    ],
)
def test_malformed_feeds_are_refused_with_the_parser_reason(
    site: FeedSite, manager: FeedManager, body: bytes, detail: str
) -> None:
    url = site.put("broken.xml", body, RSS_TYPE)
    error = assert_refused(manager, url)
    assert isinstance(error, NotAFeed)
    assert error.reason.startswith(f"{url} is not an RSS or Atom feed") and detail in error.reason


def test_a_redirect_to_ipv6_loopback_is_refused_and_never_reached(
    site: FeedSite, manager: FeedManager, server: LocalServer, server6: LocalServer
) -> None:
    error = assert_refused(manager, server.url(f"/goto?to={server6.url('/site/feed.xml')}"))
    assert isinstance(error, FetchError) and error.kind == "blocked_address"
    assert error.reason == "refused: ::1 is a loopback address"
    assert server6.record.connections == 0


def test_a_redirect_to_ipv4_loopback_is_refused_without_the_allowlist(
    site: FeedSite, make_manager: MakeManager, server: LocalServer, tripwire: Tripwire
) -> None:
    """Only the feed's host name is exempt; its redirect to 127.0.0.1 is not."""
    resolver = StubResolver({"feeds.test": ["127.0.0.1"]})
    manager = make_manager(
        resolver=resolver, fetch={"allow_networks": (), "allow_hosts": ("feeds.test",)}
    )
    site.put("feed.xml", rss([Entry(1, guid="g1")], base=site.base))
    target = server.url("/site/feed.xml")
    error = assert_refused(manager, server.url(f"/goto?to={target}", host="feeds.test"))
    assert isinstance(error, FetchError) and error.kind == "blocked_address"
    assert error.reason == "refused: 127.0.0.1 is a loopback address"
    assert error.url == target
    assert site.hits == {}, "the loopback target was never requested"


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"<rss><channel><title>Cut", RSS_TYPE, "is not an RSS or Atom feed"),
        (article_html(3), HTML_TYPE, "refused: content type text/html is not accepted"),
    ],
)
def test_a_feed_that_turns_bad_fails_its_poll_and_stores_nothing(
    site: FeedSite, manager: FeedManager, body: bytes, content_type: str, error: str
) -> None:
    url = site.put("feed.xml", rss([Entry(1, guid="g1")], base=site.base))
    feed_id = manager.add(url, GUILD, now=NOW).feed_id
    site.put("feed.xml", body, content_type)
    (report,) = manager.poll_due(LATER)
    assert report.status == "failed" and report.error and error in report.error
    assert (report.failures, report.outcomes) == (1, ())
    assert entries(manager.service, feed_id) == {"g1": None}
    assert articles(manager.service) == []
    (info,) = manager.list(GUILD)
    assert info.last_error == report.error


def _entry_link(server: LocalServer, server6: LocalServer | None, case: str) -> str:
    links = {
        "huge": server.url("/huge"),
        "bomb": server.url("/encoded?kind=bomb"),
        "drip": server.url("/drip"),
        "pdf": server.url("/typed?type=application/pdf"),
        "ipv6": server.url(f"/goto?to={server6.url()}") if server6 else "",
        "scheme": "file:///etc/passwd",
    }
    return links[case]


ENTRY_CASES = [
    ("huge", f"page: {HUGE_REASON}"),
    ("bomb", "page: refused: the decompressed body is larger than 200000 bytes"),
    ("drip", f"page: {DRIP_REASON}"),
    ("pdf", "page: refused: content type application/pdf is not accepted"),
    ("ipv6", "page: refused: ::1 is a loopback address"),
    ("scheme", "page: refused: only http and https URLs are fetched, not file"),
]


@pytest.mark.parametrize(("case", "page_reason"), ENTRY_CASES)
def test_a_hostile_entry_page_falls_back_to_the_entry_text(
    site: FeedSite,
    make_manager: MakeManager,
    server: LocalServer,
    request: pytest.FixtureRequest,
    case: str,
    page_reason: str,
) -> None:
    server6 = request.getfixturevalue("server6") if case == "ipv6" else None
    manager = make_manager(fetch=TIGHT_FETCH)
    url = site.put("feed.xml", rss([Entry(1, guid="g1")], base=site.base))
    feed_id = manager.add(url, GUILD, now=NOW).feed_id
    with_text = Entry(40, guid="g40", summary=" ".join(prose(40)))
    with_text.link = _entry_link(server, server6, case)
    bare = Entry(41, guid="g41", link=with_text.link)
    site.put("feed.xml", rss([with_text, bare, Entry(1, guid="g1")], base=site.base))

    (report,) = manager.poll_due(LATER)
    kept, lost = report.outcomes
    assert kept.status == "added"
    assert (kept.reason or "").startswith(page_reason)
    assert (kept.reason or "").endswith("(stored the entry's own text)")
    assert lost.status == "failed"
    assert (lost.reason or "").startswith(page_reason)
    assert (lost.reason or "").endswith("; entry: the entry has no text of its own")
    ((_, scope, title, body),) = articles(manager.service)
    assert (scope, title) == (111, with_text.headline) and "report number 40" in body
    assert entries(manager.service, feed_id) == {"g1": None, "g40": kept.article_id, "g41": None}
    if server6 is not None:
        assert server6.record.connections == 0
