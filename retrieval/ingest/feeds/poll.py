"""One poll of one feed: conditional GET, parse, store the new entries, reschedule.

The feed's state is read in one short transaction and written back in another; the
network work in between holds no session. Each new entry becomes an article in its own
transaction (``NewsService.ingest_article``) and is then recorded as seen, so a poll cut
short leaves whole articles and no entry marked seen without its article; the next poll
finds the rest, and an article stored twice is caught as a duplicate.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from retrieval.errors import FetchError, NotAFeed
from retrieval.ingest.extract import ExtractOptions
from retrieval.ingest.feeds import feed_rows as store
from retrieval.ingest.feeds.entry_pages import content_type_of, entry_candidates
from retrieval.ingest.feeds.feed_values import PollReport, PollStatus
from retrieval.ingest.feeds.parse import FeedItem, parse_feed
from retrieval.ingest.feeds.poll_intervals import backoff_delay
from retrieval.ingest.feeds.settings import FeedSettings
from retrieval.ingest.fetch import FEED_TYPES, Fetcher
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import Scope
from retrieval.store.feed_models import Feed
from retrieval.store.models import GLOBAL_SCOPE

if TYPE_CHECKING:
    from retrieval.service import NewsService


@dataclass(frozen=True)
class FeedState:
    """What a poll needs to know about its feed, copied out of the session."""

    feed_id: int
    url: str
    scope_id: int
    title: str | None
    every_seconds: int
    channel_id: int | None
    etag: str | None
    last_modified: str | None

    @property
    def scope(self) -> Scope:
        return Scope(None if self.scope_id == GLOBAL_SCOPE else self.scope_id)

    def report(
        self,
        status: PollStatus,
        *,
        outcomes: tuple[IngestOutcome, ...] = (),
        backlog: int = 0,
        error: str | None = None,
        failures: int = 0,
        paused_now: bool = False,
        next_fetch_at: datetime | None = None,
    ) -> PollReport:
        return PollReport(
            feed_id=self.feed_id,
            url=self.url,
            title=self.title,
            guild_id=self.scope.guild_id,
            channel_id=self.channel_id,
            status=status,
            outcomes=outcomes,
            backlog=backlog,
            error=error,
            failures=failures,
            paused_now=paused_now,
            next_fetch_at=next_fetch_at,
        )


@dataclass(frozen=True)
class _Fetched:
    """A successful fetch: the validators to keep, and the entries when not a 304."""

    etag: str | None
    last_modified: str | None
    title: str | None = None
    items: tuple[FeedItem, ...] | None = None


class Poller:
    """Polls feeds for a FeedManager; safe to use from several threads."""

    def __init__(self, service: NewsService, fetcher: Fetcher, settings: FeedSettings) -> None:
        self._service = service
        self._fetcher = fetcher
        self._settings = settings
        self._options = ExtractOptions(max_input_bytes=service.settings.ingest.max_input_bytes)

    def poll(self, feed_id: int, now: datetime, *, manual: bool) -> PollReport:
        """Poll the feed once. ``manual`` polls a paused feed too, and resumes it on success."""
        state = self._state(feed_id)
        if state is None:
            return PollReport(
                feed_id=feed_id, url="", title=None, guild_id=None, channel_id=None, status="gone"
            )
        try:
            fetched = self._fetch(state)
        except (FetchError, NotAFeed) as exc:
            return self._failed(state, now, exc.reason)
        if fetched.items is None:
            return self._succeeded(state, now, fetched, (), 0, manual=manual)
        new = self._new_items(state.feed_id, fetched.items)
        cap = self._settings.max_entries_per_poll
        feed_title = fetched.title or state.title
        outcomes = tuple(self._store_entry(state, item, feed_title, now) for item in new[:cap])
        return self._succeeded(state, now, fetched, outcomes, max(0, len(new) - cap), manual=manual)

    def _state(self, feed_id: int) -> FeedState | None:
        with self._service.unit_of_work() as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return None
            return FeedState(
                feed_id=feed.id,
                url=feed.url,
                scope_id=feed.scope_id,
                title=feed.title,
                every_seconds=feed.every_seconds,
                channel_id=feed.channel_id,
                etag=feed.etag,
                last_modified=feed.last_modified,
            )

    def _fetch(self, state: FeedState) -> _Fetched:
        page = self._fetcher.fetch(
            state.url, etag=state.etag, last_modified=state.last_modified, accept=FEED_TYPES
        )
        if page.not_modified:
            return _Fetched(page.etag, page.last_modified)
        parsed = parse_feed(
            page.body,
            url=page.url,
            content_type=content_type_of(page),
            max_entries=self._settings.max_entries_read,
        )
        return _Fetched(page.etag, page.last_modified, parsed.title, parsed.items)

    def _new_items(self, feed_id: int, items: tuple[FeedItem, ...]) -> list[FeedItem]:
        with self._service.unit_of_work() as session:
            known = store.known_keys(session, feed_id, [item.key for item in items])
        return [item for item in items if item.key not in known]

    def _store_entry(
        self, state: FeedState, item: FeedItem, feed_title: str | None, now: datetime
    ) -> IngestOutcome:
        """Make the entry an article (its page, else its own text) and record it as seen."""
        name = item.link or item.key
        candidates, problems = entry_candidates(
            self._fetcher, item, feed_title=feed_title, options=self._options
        )
        outcome: IngestOutcome | None = None
        for origin, article in candidates:
            outcome = self._service.ingest_article(article, name=name, scope=state.scope)
            if outcome.status != "failed":
                break
            problems.append(f"{origin}: {outcome.reason}")
        if outcome is None or outcome.status == "failed":
            reason = "; ".join(problems) or "nothing to store"
            outcome = IngestOutcome(name, "failed", title=item.title or None, reason=reason)
        elif problems and outcome.status == "added":
            # Stored from the entry's own text: say why the page was not used.
            reason = f"{'; '.join(problems)} (stored the entry's own text)"
            outcome = dataclasses.replace(outcome, reason=reason)
        with self._service.unit_of_work() as session:
            store.record_entries(session, state.feed_id, [(item.key, outcome.article_id)], now)
        return outcome

    def _succeeded(
        self,
        state: FeedState,
        now: datetime,
        fetched: _Fetched,
        outcomes: tuple[IngestOutcome, ...],
        backlog: int,
        *,
        manual: bool,
    ) -> PollReport:
        # With a backlog the next poll must read the document again, not get a 304.
        keep_validators = backlog == 0
        wait = self._settings.min_every_seconds if backlog else state.every_seconds
        next_at = now + timedelta(seconds=wait)
        with self._service.unit_of_work() as session:
            feed = session.get(Feed, state.feed_id)
            if feed is None:
                return state.report("gone", outcomes=outcomes)
            feed.etag = fetched.etag if keep_validators else None
            feed.last_modified = fetched.last_modified if keep_validators else None
            feed.title = fetched.title or feed.title
            feed.last_fetch_at = now
            if any(o.status == "added" for o in outcomes):
                feed.last_new_at = now
            feed.failures = 0
            feed.last_error = None
            feed.next_fetch_at = next_at
            if manual:
                feed.paused, feed.paused_reason = False, None
        status: PollStatus = "not_modified" if fetched.items is None else "updated"
        if status == "updated" and not outcomes:
            status = "unchanged"
        return state.report(status, outcomes=outcomes, backlog=backlog, next_fetch_at=next_at)

    def _failed(self, state: FeedState, now: datetime, reason: str) -> PollReport:
        settings = self._settings
        with self._service.unit_of_work() as session:
            feed = session.get(Feed, state.feed_id)
            if feed is None:
                return state.report("gone", error=reason)
            feed.failures += 1
            feed.last_error = reason
            feed.last_fetch_at = now
            delay = backoff_delay(feed.every_seconds, feed.failures, settings.max_backoff_seconds)
            feed.next_fetch_at = now + delay
            paused_now = not feed.paused and feed.failures >= settings.max_failures
            if paused_now:
                feed.paused = True
                feed.paused_reason = (
                    f"paused after {feed.failures} failed polls in a row; last error: {reason}"
                )
            failures, next_at = feed.failures, feed.next_fetch_at
        return state.report(
            "failed", error=reason, failures=failures, paused_now=paused_now, next_fetch_at=next_at
        )
