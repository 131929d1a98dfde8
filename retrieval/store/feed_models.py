"""Followed feeds and the entries seen in them.

A feed belongs to one scope (a Discord guild, or global for the bot owner's feeds), as
its articles do. Its polling state (validators, schedule, failures) lives here rather
than in the process, so a restart resumes where the last poll left off. An entry is
remembered by its id or link, never its date: re-dating an entry does not make it new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from retrieval.store.models import GLOBAL_SCOPE, Base, UTCDateTime, utcnow

# Longest feed URL stored; the fetcher refuses longer URLs anyway.
URL_MAX_CHARS = 2000
# Longest entry key stored as is; longer ids or links are stored as a hash.
ENTRY_KEY_MAX_CHARS = 500


class Feed(Base):
    __tablename__ = "feeds"
    __table_args__ = (
        UniqueConstraint("scope_id", "url", name="uq_feeds_scope_url"),
        Index("ix_feeds_due", "paused", "next_fetch_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_id: Mapped[int] = mapped_column(BigInteger, default=GLOBAL_SCOPE)
    url: Mapped[str] = mapped_column(String(URL_MAX_CHARS))
    # The URL without tracking parameters or fragments: the same feed added twice under
    # two spellings is caught by this.
    canonical_url: Mapped[str] = mapped_column(String(URL_MAX_CHARS))
    title: Mapped[str | None] = mapped_column(Text)
    every_seconds: Mapped[int] = mapped_column(Integer)
    # Where the feed was added: its admins are told there when it is paused.
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # The Discord user who added it; None when added from the command line.
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    # Validators of the last full response, sent back for a conditional GET.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_new_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Consecutive failed polls; reset by a successful one.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_fetch_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedEntry(Base):
    """One entry seen in a feed, and the article made from it (None: none was made)."""

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("feed_id", "key", name="uq_feed_entries_feed_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    # The entry's id (guid), else its link; a hash when longer than ENTRY_KEY_MAX_CHARS.
    key: Mapped[str] = mapped_column(String(ENTRY_KEY_MAX_CHARS))
    # Forgetting the article keeps the entry, so the feed does not bring it back.
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
