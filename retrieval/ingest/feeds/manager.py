"""Following feeds: the facade the bot's feed commands and ``newsbot feed`` call.

Methods block (they fetch and write) and are safe to call from several threads; the bot
runs them off its event loop. Each opens its own short transactions through the
service; no session is held across a fetch. Nothing here knows about Discord: the bot
learns about polls (a feed paused after repeated failures, say) by subscribing.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from retrieval.errors import FeedExists, FeedLimitReached, InputError
from retrieval.ingest.dedupe import canonical_url
from retrieval.ingest.feeds import feed_rows as store
from retrieval.ingest.feeds.entry_pages import content_type_of
from retrieval.ingest.feeds.feed_values import FeedInfo, PollReport
from retrieval.ingest.feeds.parse import ParsedFeed, parse_feed
from retrieval.ingest.feeds.poll import Poller
from retrieval.ingest.feeds.poll_intervals import check_every
from retrieval.ingest.fetch import FEED_TYPES, Fetcher, FetchResult
from retrieval.ranking.stories import scope_id
from retrieval.results import Scope
from retrieval.store.feed_models import URL_MAX_CHARS, Feed

if TYPE_CHECKING:
    from retrieval.service import NewsService

log = logging.getLogger(__name__)

PollListener = Callable[[PollReport], None]
# Feeds polled per ``poll_due`` call at most; the rest are due again on the next call.
DUE_PER_ROUND = 20
# How long a claimed feed is kept from other pollers; a poller that dies mid-poll only
# delays the feed's next poll by this much.
CLAIM_LEASE = timedelta(hours=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class FeedManager:
    """Adds, lists, removes and polls the feeds of every scope."""

    def __init__(self, service: NewsService, fetcher: Fetcher) -> None:
        self._service = service
        self._fetcher = fetcher
        self.settings = service.settings.feeds
        self._poller = Poller(service, fetcher, self.settings)
        self._listeners: builtins.list[PollListener] = []
        self._lock = threading.Lock()

    @property
    def service(self) -> NewsService:
        return self._service

    def subscribe(self, listener: PollListener) -> Callable[[], None]:
        """Call ``listener`` with every poll's report (in the polling thread); returns the
        function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # ------------------------------------------------------------------ following
    def add(
        self,
        url: str,
        scope: Scope,
        every: int | None = None,
        channel_id: int | None = None,
        added_by: int | None = None,
        *,
        now: datetime | None = None,
    ) -> FeedInfo:
        """Follow the feed at ``url`` in ``scope``, after fetching it once to check it.

        The entries it has now are recorded as seen (but ``backfill_entries`` of them), so
        only entries that appear later become articles. Adding a paused feed again
        resumes it. Raises FetchError or NotAFeed (nothing is stored), FeedExists,
        FeedLimitReached or BadInterval.
        """
        now = now or _utcnow()
        settings = self.settings
        seconds = check_every(every or settings.default_every_seconds, settings.min_every_seconds)
        url = url.strip()
        if not url or len(url) > URL_MAX_CHARS:
            raise InputError(f"give the feed's URL (at most {URL_MAX_CHARS} characters)")
        owner = scope_id(scope)
        canonical = canonical_url(url) or url
        resumed = self._resume_or_check(owner, url, canonical, seconds, channel_id, now)
        if resumed is not None:
            return resumed
        page = self._fetcher.fetch(url, accept=FEED_TYPES)
        parsed = parse_feed(
            page.body,
            url=page.url,
            content_type=content_type_of(page),
            max_entries=settings.max_entries_read,
        )
        feed = Feed(
            scope_id=owner,
            url=url,
            canonical_url=canonical,
            every_seconds=seconds,
            channel_id=channel_id,
            added_by=added_by,
            failures=0,
            paused=False,
            created_at=now,
        )
        return self._store_new(feed, page, parsed, now)

    def _resume_or_check(
        self,
        owner: int,
        url: str,
        canonical: str,
        seconds: int,
        channel_id: int | None,
        now: datetime,
    ) -> FeedInfo | None:
        """Resume the scope's paused copy of this feed; refuse a duplicate or one too many."""
        with self._service.unit_of_work() as session:
            existing = store.find_by_url(session, owner, url, canonical)
            if existing is not None and not existing.paused:
                raise FeedExists(f"{url} is already followed here, as feed {existing.id}")
            if existing is not None:
                existing.paused, existing.paused_reason = False, None
                existing.failures = 0
                existing.every_seconds = seconds
                existing.channel_id = channel_id or existing.channel_id
                existing.next_fetch_at = now
                counts = store.entry_counts(session, [existing.id]).get(existing.id, (0, 0))
                return store.to_info(existing, counts, resumed=True)
            limit = self.settings.max_feeds_per_server
            if store.count_in(session, owner) >= limit:
                raise FeedLimitReached(f"at most {limit} feeds can be followed; remove one first")
        return None

    def _store_new(
        self, feed: Feed, page: FetchResult, parsed: ParsedFeed, now: datetime
    ) -> FeedInfo:
        backfill = self.settings.backfill_entries
        seen = parsed.items[backfill:]
        # Entries left for backfill make the feed due at once, and need a full fetch.
        pending = len(parsed.items) > len(seen)
        feed.title = parsed.title
        feed.etag = None if pending else page.etag
        feed.last_modified = None if pending else page.last_modified
        feed.last_fetch_at = now
        feed.next_fetch_at = now if pending else now + timedelta(seconds=feed.every_seconds)
        with self._service.unit_of_work() as session:
            try:
                with session.begin_nested():
                    session.add(feed)
            except IntegrityError:
                raise FeedExists(f"{feed.url} is already followed here") from None
            store.record_entries(session, feed.id, [(item.key, None) for item in seen], now)
            return store.to_info(feed, (len(seen), 0))

    def list(self, scope: Scope) -> builtins.list[FeedInfo]:
        """The feeds the scope follows (its own: never another server's, nor global ones)."""
        with self._service.unit_of_work() as session:
            return store.infos(session, store.feeds_in(session, scope_id(scope)))

    def list_all(self) -> builtins.list[FeedInfo]:
        """Every feed of every scope (the bot owner's view, from the command line)."""
        with self._service.unit_of_work() as session:
            return store.infos(session, store.feeds_in(session, None))

    def remove(self, feed_id: int, scope: Scope) -> FeedInfo:
        """Stop following a feed of the scope; the articles it brought stay."""
        return self._remove(feed_id, scope_id(scope))

    def remove_any(self, feed_id: int) -> FeedInfo:
        """``remove`` for the bot owner: a feed of any scope."""
        return self._remove(feed_id, None)

    def _remove(self, feed_id: int, owner: int | None) -> FeedInfo:
        with self._service.unit_of_work() as session:
            feed = store.get_feed(session, feed_id, owner)
            info = store.infos(session, [feed])[0]
            session.execute(delete(Feed).where(Feed.id == feed.id))
            return info

    # -------------------------------------------------------------------- polling
    def poll(self, feed_id: int, *, now: datetime | None = None) -> PollReport:
        """Poll one feed now, due or not, paused or not (a paused feed resumes on success)."""
        return self._notify(self._poller.poll(feed_id, now or _utcnow(), manual=True))

    def poll_due(self, now: datetime | None = None) -> builtins.list[PollReport]:
        """Poll the feeds that are due (at most DUE_PER_ROUND), each claimed first so two
        processes never poll one feed at once."""
        start = now or _utcnow()
        with self._service.unit_of_work() as session:
            due = store.due_feed_ids(session, start, DUE_PER_ROUND)
        reports: builtins.list[PollReport] = []
        for feed_id in due:
            when = now or _utcnow()
            with self._service.unit_of_work() as session:
                taken = store.claim(session, feed_id, when, when + CLAIM_LEASE)
            if taken:
                reports.append(self._notify(self._poller.poll(feed_id, when, manual=False)))
        return reports

    def _notify(self, report: PollReport) -> PollReport:
        with self._lock:
            listeners = builtins.list(self._listeners)
        for listener in listeners:
            try:
                listener(report)
            except Exception:  # a subscriber's bug must not stop the polling
                log.exception("feed poll listener failed for feed %s", report.feed_id)
        return report
