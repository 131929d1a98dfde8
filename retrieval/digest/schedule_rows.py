"""Digest schedules in the caller's session: save, find, list, pause, and their windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrieval.digest import runs
from retrieval.digest.digest_values import RunInfo, ScheduleInfo, ScheduleRequest
from retrieval.digest.due_times import Recurrence, format_days, format_time, parse_time, parse_zone
from retrieval.errors import ScheduleLimitReached, ScheduleNotFound
from retrieval.store.digest_models import DigestRun, DigestSchedule

# Schedules one server may have (one autocomplete page lists them all).
MAX_SCHEDULES_PER_GUILD = 25
# The first digest of a schedule covers this much (later ones: since the previous one).
FIRST_WINDOW = timedelta(hours=24)
# No digest reaches further back than this, however long its schedule was paused:
# older news is not news, and a weekly digest still covers its whole week.
MAX_WINDOW = timedelta(days=7)
# Articles are counted in a window only once they are this old: an ingest stamps
# ``ingested_at`` a moment before it commits, and a window that closed in between
# must not lose the article to the gap.
INGEST_SETTLE = timedelta(seconds=60)


@dataclass(frozen=True)
class ScheduleSpec:
    """A parsed ``/digest set``: what ``save`` stores."""

    at: time
    zone: ZoneInfo
    days: int
    topics: str
    max_stories: int


def recurrence_of(schedule: DigestSchedule) -> Recurrence:
    """The stored schedule's due times (``BadSchedule`` if it no longer parses)."""
    return Recurrence(
        parse_time(schedule.local_time), parse_zone(schedule.timezone), schedule.weekdays
    )


def schedule_info(schedule: DigestSchedule, last: DigestRun | None = None) -> ScheduleInfo:
    return ScheduleInfo(
        id=schedule.id,
        guild_id=schedule.guild_id,
        channel_id=schedule.channel_id,
        local_time=schedule.local_time,
        timezone=schedule.timezone,
        days=format_days(schedule.weekdays),
        topics=schedule.topics,
        max_stories=schedule.max_stories,
        mention_role_id=schedule.mention_role_id,
        next_due_at=schedule.next_due_at,
        paused_reason=schedule.paused_reason if schedule.paused else None,
        set_in_channel_id=schedule.set_in_channel_id,
        last_run=None
        if last is None
        else RunInfo(last.state, last.due_at, last.story_count, last.reason),
    )


def save(
    session: Session, request: ScheduleRequest, spec: ScheduleSpec, now: datetime
) -> DigestSchedule:
    """Create the schedule, or update (and resume) the channel's one for the same topics.

    Updating keeps how far the previous digests got, so nothing is repeated or lost.
    """
    schedule = _same_schedule(session, request.channel_id, spec.topics)
    if schedule is None:
        _check_room(session, request.guild_id)
        schedule = DigestSchedule(
            guild_id=request.guild_id, channel_id=request.channel_id, created_at=now
        )
        session.add(schedule)
    schedule.set_in_channel_id = request.set_in_channel_id
    schedule.created_by = request.created_by
    schedule.local_time = format_time(spec.at)
    schedule.timezone = spec.zone.key
    schedule.weekdays = spec.days
    schedule.topics = spec.topics
    schedule.max_stories = spec.max_stories
    schedule.mention_role_id = request.mention_role_id
    schedule.next_due_at = Recurrence(spec.at, spec.zone, spec.days).next_after(now)
    schedule.paused, schedule.paused_reason, schedule.paused_at = False, None, None
    schedule.updated_at = now
    session.flush()
    return schedule


def _same_schedule(session: Session, channel_id: int, topics: str) -> DigestSchedule | None:
    found = session.scalars(
        select(DigestSchedule).where(DigestSchedule.channel_id == channel_id)
    ).all()
    return next((s for s in found if s.topics.lower() == topics.lower()), None)


def _check_room(session: Session, guild_id: int) -> None:
    count = session.scalar(
        select(func.count(DigestSchedule.id)).where(DigestSchedule.guild_id == guild_id)
    )
    if (count or 0) >= MAX_SCHEDULES_PER_GUILD:
        raise ScheduleLimitReached(
            f"this server already has {MAX_SCHEDULES_PER_GUILD} digests; remove one first"
        )


def owned(session: Session, guild_id: int, schedule_id: int) -> DigestSchedule:
    """The guild's schedule with this id (another guild's is not found, not forbidden)."""
    schedule = session.get(DigestSchedule, schedule_id)
    if schedule is None or schedule.guild_id != guild_id:
        raise ScheduleNotFound(schedule_id)
    return schedule


def listing(session: Session, guild_id: int) -> list[ScheduleInfo]:
    """The guild's schedules in creation order, each with its latest run."""
    schedules = session.scalars(
        select(DigestSchedule)
        .where(DigestSchedule.guild_id == guild_id)
        .order_by(DigestSchedule.id)
    ).all()
    last = runs.latest_runs(session, [s.id for s in schedules])
    return [schedule_info(s, last.get(s.id)) for s in schedules]


def pause(schedule: DigestSchedule, reason: str, now: datetime) -> None:
    schedule.paused, schedule.paused_reason, schedule.paused_at = True, reason, now


def due(session: Session, now: datetime) -> list[DigestSchedule]:
    """Schedules not paused whose next due time has come."""
    return list(
        session.scalars(
            select(DigestSchedule)
            .where(DigestSchedule.paused.is_(False), DigestSchedule.next_due_at <= now)
            .order_by(DigestSchedule.next_due_at, DigestSchedule.id)
        )
    )


def window(session: Session, schedule: DigestSchedule, now: datetime) -> tuple[datetime, datetime]:
    """(start, end] of ingestion times the schedule's next digest covers.

    From the end of the last posted digest; before any digest was posted, the last
    ``FIRST_WINDOW``, or from the start of a first attempt that failed, so a failed
    first digest loses nothing. Never more than ``MAX_WINDOW``.
    """
    end = now - INGEST_SETTLE
    start = schedule.covered_until
    if start is None:
        start = end - FIRST_WINDOW
        failed = runs.first_failed_window(session, schedule.id)
        if failed is not None:
            start = min(start, failed)
    return max(start, end - MAX_WINDOW), end
