"""Feed rows in the caller's session: lookups scoped like articles, entries, scheduling.

Every function takes the caller's session; none opens one or commits (the manager owns
the transactions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrieval.errors import FeedNotFound
from retrieval.ingest.feeds.feed_values import FeedInfo
from retrieval.store.feed_models import Feed, FeedEntry
from retrieval.store.models import GLOBAL_SCOPE

# Keys looked up per query: well under every backend's limit on bound parameters.
KEY_CHUNK = 500


def to_info(feed: Feed, counts: tuple[int, int] = (0, 0), *, resumed: bool = False) -> FeedInfo:
    return FeedInfo(
        feed_id=feed.id,
        guild_id=None if feed.scope_id == GLOBAL_SCOPE else feed.scope_id,
        url=feed.url,
        title=feed.title,
        every_seconds=feed.every_seconds,
        channel_id=feed.channel_id,
        added_by=feed.added_by,
        created_at=feed.created_at,
        last_fetch_at=feed.last_fetch_at,
        last_new_at=feed.last_new_at,
        last_error=feed.last_error,
        failures=feed.failures,
        next_fetch_at=feed.next_fetch_at,
        paused=feed.paused,
        paused_reason=feed.paused_reason,
        entries=counts[0],
        articles=counts[1],
        resumed=resumed,
    )


def entry_counts(session: Session, feed_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Entries seen and articles made, per feed."""
    if not feed_ids:
        return {}
    rows = session.execute(
        select(FeedEntry.feed_id, func.count(FeedEntry.id), func.count(FeedEntry.article_id))
        .where(FeedEntry.feed_id.in_(feed_ids))
        .group_by(FeedEntry.feed_id)
    )
    return {feed_id: (seen, made) for feed_id, seen, made in rows}


def infos(session: Session, feeds: Sequence[Feed]) -> list[FeedInfo]:
    counts = entry_counts(session, [f.id for f in feeds])
    return [to_info(f, counts.get(f.id, (0, 0))) for f in feeds]


def feeds_in(session: Session, scope_id: int | None) -> list[Feed]:
    """The feeds of one scope (``None``: of every scope), oldest first."""
    query = select(Feed).order_by(Feed.id)
    if scope_id is not None:
        query = query.where(Feed.scope_id == scope_id)
    return list(session.scalars(query).all())


def get_feed(session: Session, feed_id: int, scope_id: int | None) -> Feed:
    """The feed if it belongs to the scope (``None``: any scope); FeedNotFound otherwise."""
    feed = session.get(Feed, feed_id)
    if feed is None or (scope_id is not None and feed.scope_id != scope_id):
        raise FeedNotFound(feed_id)
    return feed


def find_by_url(session: Session, scope_id: int, url: str, canonical: str) -> Feed | None:
    return session.scalar(
        select(Feed)
        .where(Feed.scope_id == scope_id, (Feed.url == url) | (Feed.canonical_url == canonical))
        .limit(1)
    )


def count_in(session: Session, scope_id: int) -> int:
    return session.scalar(select(func.count(Feed.id)).where(Feed.scope_id == scope_id)) or 0


def known_keys(session: Session, feed_id: int, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` the feed has already seen."""
    known: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        known.update(
            session.scalars(
                select(FeedEntry.key).where(FeedEntry.feed_id == feed_id, FeedEntry.key.in_(chunk))
            ).all()
        )
    return known


def record_entries(
    session: Session, feed_id: int, entries: Iterable[tuple[str, int | None]], now: datetime
) -> None:
    """Remember entries as seen; one another poller recorded meanwhile is left as it is."""
    for key, article_id in entries:
        try:
            with session.begin_nested():
                session.add(
                    FeedEntry(feed_id=feed_id, key=key, article_id=article_id, first_seen_at=now)
                )
        except IntegrityError:
            continue


def due_feed_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Feeds whose next poll is due, the longest overdue first."""
    return list(
        session.scalars(
            select(Feed.id)
            .where(Feed.paused.is_(False), Feed.next_fetch_at <= now)
            .order_by(Feed.next_fetch_at, Feed.id)
            .limit(limit)
        ).all()
    )


def claim(session: Session, feed_id: int, now: datetime, until: datetime) -> bool:
    """Take a due feed for one poll by moving its next poll to ``until``.

    False when another poller took it first (its next poll is no longer due), so two
    processes never poll one feed at once while the lease lasts.
    """
    result = session.execute(
        update(Feed)
        .where(Feed.id == feed_id, Feed.paused.is_(False), Feed.next_fetch_at <= now)
        .values(next_fetch_at=until)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1
