"""Tuning of feed polling: the ``[feeds]`` section of the config file.

Validated in ``__post_init__`` (as ``FetchSettings`` is) so a bad value is a
``ConfigError`` at start-up, not a feed that silently never polls.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.errors import ConfigError


@dataclass(frozen=True)
class FeedSettings:
    # Seconds between polls of a feed when whoever adds it does not choose (1 hour).
    default_every_seconds: int = 3600
    # The shortest poll interval anyone may choose (15 minutes): feeds rarely change
    # faster, and publishers throttle bots that poll more often.
    min_every_seconds: int = 900
    # Consecutive failed polls after which a feed is paused and its admins are told.
    max_failures: int = 5
    # The longest wait between polls of a failing feed, however often it failed (1 day).
    max_backoff_seconds: int = 86400
    # New entries turned into articles per poll; the rest wait for the next poll, which
    # comes after ``min_every_seconds``. Each costs a page fetch.
    max_entries_per_poll: int = 20
    # Entries read from the top of a feed document (feeds list newest first); the rest
    # are ignored, so a feed of ten thousand entries costs no more than one of this many.
    max_entries_read: int = 200
    # Entries of a newly added feed turned into articles on its next poll (newest
    # first). The others are only recorded as seen, so adding a feed never imports its
    # archive. 0: only entries that appear after the feed was added become articles.
    backfill_entries: int = 0
    # Feeds one server may follow.
    max_feeds_per_server: int = 50
    # Seconds between the bot's checks for feeds that are due.
    poll_period_seconds: float = 60.0

    def __post_init__(self) -> None:
        positive = {
            "default_every_seconds": self.default_every_seconds,
            "min_every_seconds": self.min_every_seconds,
            "max_failures": self.max_failures,
            "max_backoff_seconds": self.max_backoff_seconds,
            "max_entries_per_poll": self.max_entries_per_poll,
            "max_entries_read": self.max_entries_read,
            "max_feeds_per_server": self.max_feeds_per_server,
            "poll_period_seconds": self.poll_period_seconds,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError("must be positive", key=f"feeds.{name}")
        if self.backfill_entries < 0:
            raise ConfigError("must not be negative", key="feeds.backfill_entries")
        if self.default_every_seconds < self.min_every_seconds:
            raise ConfigError(
                "must be at least min_every_seconds", key="feeds.default_every_seconds"
            )
        if self.max_entries_per_poll > self.max_entries_read:
            raise ConfigError("must not exceed max_entries_read", key="feeds.max_entries_per_poll")
