"""The digest facade: what ``/digest`` and the scheduler call. Discord-free; methods block.

Every method is one or two units of work on the news service's database (its
``unit_of_work`` session pattern), so the bot runs them in worker threads. Time comes
from the injected ``clock``, so tests move it instead of sleeping.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrieval.digest import runs, schedule_rows
from retrieval.digest.content import Digest, build_digest
from retrieval.digest.digest_values import DigestPost, ScheduleInfo, ScheduleRequest
from retrieval.digest.due_times import (
    DuePlan,
    parse_days,
    parse_time,
    parse_zone,
    plan_due,
)
from retrieval.digest.schedule_rows import ScheduleSpec, schedule_info
from retrieval.digest.settings import MAX_STORIES_LIMIT, DigestSettings
from retrieval.errors import BadSchedule
from retrieval.store.digest_models import DigestRun, DigestSchedule

if TYPE_CHECKING:
    from retrieval.service import NewsService

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Longest topic list (stored, and echoed in every digest header).
TOPICS_MAX_CHARS = 300


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DueRun:
    """A schedule to act on now: a due time to post or skip, or a stale claim to resume."""

    schedule_id: int
    plan: DuePlan | None = None
    stale_run_id: int | None = None


class DigestService:
    """Digest schedules and runs over a ``NewsService``'s database and index."""

    def __init__(
        self,
        news: NewsService,
        clock: Clock = system_clock,
        *,
        settings: DigestSettings | None = None,
        instance: str | None = None,
    ) -> None:
        self.news = news
        self.clock = clock
        self.settings = settings or news.settings.digest
        # Who owns a claim: unique per service object, so per process and per test.
        self.instance = instance or secrets.token_hex(8)

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the digest clock must return aware datetimes")
        return moment.astimezone(UTC)

    @property
    def grace(self) -> timedelta:
        return timedelta(minutes=self.settings.grace_minutes)

    # ----------------------------------------------------------------- schedules
    def set_schedule(self, request: ScheduleRequest) -> ScheduleInfo:
        """Create a schedule, or update (and resume) the channel's one for the same topics."""
        spec = ScheduleSpec(
            at=parse_time(request.time),
            zone=parse_zone(request.timezone),
            days=parse_days(request.days),
            topics=self._topics(request.topics),
            max_stories=request.max_stories or self.settings.max_stories,
        )
        if not 1 <= spec.max_stories <= MAX_STORIES_LIMIT:
            raise BadSchedule(f"max_stories must be 1-{MAX_STORIES_LIMIT}")
        now = self.now()
        with self.news.unit_of_work() as session:
            return schedule_info(schedule_rows.save(session, request, spec, now))

    def _topics(self, raw: str | None) -> str:
        topics = " ".join((raw or "").split())
        if len(topics) > TOPICS_MAX_CHARS:
            raise BadSchedule(f"topics are limited to {TOPICS_MAX_CHARS} characters")
        if topics and not self.news.tokenizer.tokenize(topics):
            raise BadSchedule("the topics have only common words; add a name, place or subject")
        return topics

    def list_schedules(self, guild_id: int) -> list[ScheduleInfo]:
        with self.news.unit_of_work() as session:
            return schedule_rows.listing(session, guild_id)

    def get_schedule(self, guild_id: int, schedule_id: int) -> ScheduleInfo:
        with self.news.unit_of_work() as session:
            return schedule_info(schedule_rows.owned(session, guild_id, schedule_id))

    def remove_schedule(self, guild_id: int, schedule_id: int) -> ScheduleInfo:
        """Delete a schedule and its run history (a run in flight will not be settled)."""
        with self.news.unit_of_work() as session:
            schedule = schedule_rows.owned(session, guild_id, schedule_id)
            info = schedule_info(schedule)
            session.delete(schedule)
            return info

    def pause(self, schedule_id: int, reason: str) -> ScheduleInfo | None:
        """Stop posting until the schedule is set again; None if it was removed meanwhile."""
        with self.news.unit_of_work() as session:
            schedule = session.get(DigestSchedule, schedule_id)
            if schedule is None:
                return None
            schedule_rows.pause(schedule, reason, self.now())
            return schedule_info(schedule)

    # ------------------------------------------------------------------- content
    def preview(self, guild_id: int, schedule_id: int) -> DigestPost:
        """The schedule's digest as it would be if it were due now; nothing is recorded."""
        now = self.now()
        with self.news.unit_of_work() as session:
            schedule = schedule_rows.owned(session, guild_id, schedule_id)
            info = schedule_info(schedule)
            window = schedule_rows.window(session, schedule, now)
        self.news.refresh()
        return DigestPost(info, self._compose(info, window), run_id=None, due_at=None)

    def _compose(self, info: ScheduleInfo, window: tuple[datetime, datetime]) -> Digest:
        news = self.news
        tokens = news.tokenizer.tokenize(info.topics) if info.topics else []
        with news.unit_of_work() as session:
            return build_digest(
                session,
                scope_id=info.guild_id,
                topic_tokens=tokens,
                topics=info.topics,
                window=window,
                max_stories=info.max_stories,
                sentences=news.settings.summary.sentences,
                search=news.article_hits,
                tokenize=news.tokenizer.tokenize,
            )

    # ---------------------------------------------------------------------- runs
    def due_runs(self) -> list[DueRun]:
        """Schedules due now, and runs a dead scheduler claimed but never sent."""
        now = self.now()
        with self.news.unit_of_work() as session:
            runs.expire_stale(session, now=now, grace=self.grace)
        with self.news.unit_of_work() as session:
            due: list[DueRun] = []
            for schedule in schedule_rows.due(session, now):
                try:
                    recurrence = schedule_rows.recurrence_of(schedule)
                except BadSchedule as exc:
                    self._pause_unreadable(schedule, exc.reason)
                    continue
                plan = plan_due(recurrence, schedule.next_due_at, now, self.grace)
                if plan is not None:
                    due.append(DueRun(schedule.id, plan=plan))
            for run in runs.stale_claims(session, now=now, grace=self.grace):
                due.append(DueRun(run.schedule_id, stale_run_id=run.id))
            return due

    def _pause_unreadable(self, schedule: DigestSchedule, problem: str) -> None:
        """A schedule whose stored time or zone no longer parses (a tzdata upgrade can
        drop a zone) is paused rather than retried, and failing, every tick."""
        log.warning("digest %d paused: %s", schedule.id, problem)
        reason = f"its schedule can no longer be read ({problem})."
        schedule_rows.pause(schedule, reason, self.now())

    def claim(self, due: DueRun) -> DigestPost | None:
        """Own a due run and compose its digest; None when there is nothing to post here
        (skipped past the grace period, or another scheduler got it first)."""
        claimed = self._claim(due)
        if claimed is None:
            return None
        info, run_id, due_at, window = claimed
        try:
            self.news.refresh()
            digest = self._compose(info, window)
        except Exception as exc:
            reason = getattr(exc, "reason", None) or f"could not compose the digest: {exc}"
            self.mark_failed(run_id, reason)
            raise
        announce = not digest.empty or self._announce_empty(info.id)
        return DigestPost(info, digest, run_id=run_id, due_at=due_at, announce=announce)

    def _claim(
        self, due: DueRun
    ) -> tuple[ScheduleInfo, int, datetime, tuple[datetime, datetime]] | None:
        now = self.now()
        try:
            with self.news.unit_of_work() as session:
                schedule = session.get(DigestSchedule, due.schedule_id)
                if schedule is None or schedule.paused:
                    return None
                window = schedule_rows.window(session, schedule, now)
                if due.stale_run_id is not None:
                    run = session.get(DigestRun, due.stale_run_id)
                    if run is None or not runs.take_over(
                        session, run.id, claimer=self.instance, now=now, window=window
                    ):
                        return None
                    log.warning("digest %d: resuming run %d left claimed", schedule.id, run.id)
                    return schedule_info(schedule), run.id, run.due_at, window
                plan = due.plan
                if plan is None or schedule.next_due_at > plan.due_at:
                    return None  # another scheduler moved it on since due_runs
                if not plan.post:
                    self._skip(session, schedule, plan, now)
                    return None
                run = runs.claim(
                    session, schedule, plan, claimer=self.instance, now=now, window=window
                )
                if plan.missed_total:
                    log.warning(
                        "digest %d: %d earlier due times superseded by %s",
                        schedule.id,
                        plan.missed_total,
                        plan.due_at.isoformat(),
                    )
                return schedule_info(schedule), run.id, plan.due_at, window
        except IntegrityError:
            log.info("digest %d: due run already taken by another scheduler", due.schedule_id)
            return None

    def _skip(
        self, session: Session, schedule: DigestSchedule, plan: DuePlan, now: datetime
    ) -> None:
        late_minutes = int(plan.late.total_seconds() // 60)
        reason = f"missed by {late_minutes} min, beyond the {self.settings.grace_minutes} min grace"
        runs.skip(session, schedule, plan, now=now, reason=reason)
        log.warning(
            "digest %d (channel %d): skipped the run due %s: %s",
            schedule.id,
            schedule.channel_id,
            plan.due_at.isoformat(),
            reason,
        )

    def _announce_empty(self, schedule_id: int) -> bool:
        policy = self.settings.announce_empty
        if policy != "once":
            return policy == "always"
        with self.news.unit_of_work() as session:
            schedule = session.get(DigestSchedule, schedule_id)
            return schedule is not None and not schedule.empty_announced

    def mark_posting(self, run_id: int) -> bool:
        """Sending starts now; False means this scheduler no longer owns the run."""
        with self.news.unit_of_work() as session:
            return runs.start_posting(session, run_id, claimer=self.instance, now=self.now())

    def mark_posted(
        self, run_id: int, message_ids: Sequence[int], *, story_count: int, announced: bool
    ) -> bool:
        with self.news.unit_of_work() as session:
            return runs.finish(
                session,
                run_id,
                claimer=self.instance,
                now=self.now(),
                message_ids=message_ids,
                story_count=story_count,
                announced=announced,
            )

    def mark_failed(self, run_id: int, reason: str, message_ids: Sequence[int] = ()) -> bool:
        with self.news.unit_of_work() as session:
            return runs.fail(
                session,
                run_id,
                claimer=self.instance,
                now=self.now(),
                reason=reason,
                message_ids=message_ids,
            )
