"""What the feed manager hands back: plain frozen values, safe to use after the session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the feed commands read these results without loading ingest
    from retrieval.ingest.stages import IngestOutcome

# updated: new entries were read (some may have failed); unchanged: the feed had nothing
# new; not_modified: the server said so (304); failed: the fetch or the document failed;
# gone: the feed was removed before or during the poll.
PollStatus = Literal["updated", "unchanged", "not_modified", "failed", "gone"]


@dataclass(frozen=True)
class FeedInfo:
    feed_id: int
    # The Discord guild the feed belongs to; None for a global (command line) feed.
    guild_id: int | None
    url: str
    title: str | None
    every_seconds: int
    channel_id: int | None
    added_by: int | None
    created_at: datetime
    last_fetch_at: datetime | None
    last_new_at: datetime | None
    last_error: str | None
    failures: int
    next_fetch_at: datetime
    paused: bool
    paused_reason: str | None
    # Entries seen in the feed, and how many of them became articles.
    entries: int = 0
    articles: int = 0
    # Set by ``FeedManager.add`` when the feed was already followed but paused.
    resumed: bool = False


@dataclass(frozen=True)
class PollReport:
    feed_id: int
    url: str
    title: str | None
    guild_id: int | None
    channel_id: int | None
    status: PollStatus
    # One outcome per new entry handled: added, duplicate (already stored), or failed.
    outcomes: tuple[IngestOutcome, ...] = ()
    # New entries left for the next poll (more than ``max_entries_per_poll``).
    backlog: int = 0
    error: str | None = None
    failures: int = 0
    # This poll paused the feed (``max_failures`` failures in a row).
    paused_now: bool = False
    next_fetch_at: datetime | None = None

    @property
    def added(self) -> tuple[IngestOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "added")
