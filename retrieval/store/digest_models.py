"""Digest schedules and their runs: the database side of "exactly once".

A run row is unique per (schedule, due instant), so whoever inserts it owns that due
time; every later step is a conditional update on the row's state
(claimed -> posting -> posted, or skipped / failed), so a second process, a restart or
a late crash can never post the same due time twice. Changes here need a migration in
``retrieval/store/migrations/versions`` (``0003_digests``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from retrieval.store.models import Base, UTCDateTime, utcnow

# Run states, in the order a run moves through them.
RUN_CLAIMED = "claimed"  # owned by one scheduler; nothing has been sent
RUN_POSTING = "posting"  # sending has started: never sent again, even after a crash
RUN_POSTED = "posted"  # sent (or, with nothing new and nothing to say, settled)
RUN_SKIPPED = "skipped"  # missed beyond the grace period, or superseded by a later one
RUN_FAILED = "failed"  # could not be sent, or interrupted while sending


class DigestSchedule(Base):
    __tablename__ = "digest_schedules"
    __table_args__ = (
        UniqueConstraint("channel_id", "topics", name="uq_digest_schedules_channel_topics"),
        Index("ix_digest_schedules_guild", "guild_id"),
        Index("ix_digest_schedules_due", "paused", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    # Where the schedule was set up: told about faults when the digest channel is not.
    set_in_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    # Wall-clock "HH:MM" in ``timezone`` (an IANA name), on the weekdays of ``weekdays``
    # (bit 0 = Monday).
    local_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    weekdays: Mapped[int] = mapped_column(SmallInteger)
    # Normalised topic words; empty means every new story.
    topics: Mapped[str] = mapped_column(String(300), default="")
    max_stories: Mapped[int] = mapped_column(SmallInteger)
    mention_role_id: Mapped[int | None] = mapped_column(BigInteger)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # End of the window the last posted digest covered; the next one starts there.
    covered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An empty digest was announced and no news has been posted since.
    empty_announced: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestRun(Base):
    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_digest_runs_schedule_due"),
        Index("ix_digest_runs_state", "state", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("digest_schedules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(10))
    # The scheduler instance that owns the run (random per process).
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ingestion window the digest covers: (window_start, window_end].
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    story_count: Mapped[int] = mapped_column(Integer, default=0)
    # Discord message ids sent, space separated.
    message_ids: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
