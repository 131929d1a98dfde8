"""What the digest service hands the bot: plain frozen values, no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from retrieval.digest.content import Digest


@dataclass(frozen=True)
class ScheduleRequest:
    """``/digest set`` as the engine reads it; text fields are parsed by the service."""

    guild_id: int
    channel_id: int
    time: str
    timezone: str
    topics: str | None = None
    days: str | None = None
    max_stories: int | None = None
    mention_role_id: int | None = None
    set_in_channel_id: int | None = None
    created_by: int | None = None


@dataclass(frozen=True)
class RunInfo:
    """The latest run of a schedule, for ``/digest list``."""

    state: str
    due_at: datetime
    story_count: int
    reason: str | None


@dataclass(frozen=True)
class ScheduleInfo:
    id: int
    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    days: str
    topics: str
    max_stories: int
    mention_role_id: int | None
    next_due_at: datetime
    paused_reason: str | None = None
    set_in_channel_id: int | None = None
    last_run: RunInfo | None = None

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None

    @property
    def label(self) -> str:
        """ "09:00 Europe/London, mon-fri" """
        return f"{self.local_time} {self.timezone}, {self.days}"


@dataclass(frozen=True)
class DigestPost:
    """A digest to send: the schedule, its content and the run that owns it.

    ``run_id`` is None for a preview (nothing is recorded). ``announce`` is False when
    the digest is empty and the schedule's empty-digest policy says to stay silent.
    """

    schedule: ScheduleInfo
    digest: Digest
    run_id: int | None
    due_at: datetime | None
    announce: bool = True

    @property
    def preview(self) -> bool:
        return self.run_id is None
