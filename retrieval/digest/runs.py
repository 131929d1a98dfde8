"""Claiming, settling and skipping digest runs in the caller's session.

Exactly once, in database terms:

* **Claim**: inserting the run row for (schedule, due instant) is the claim. The unique
  constraint lets only one inserter commit; the loser gets ``IntegrityError`` and posts
  nothing. The same transaction moves the schedule's ``next_due_at`` on, so a restarted
  scheduler does not even try again.
* **Posting**: the owner flips ``claimed -> posting`` (a conditional update on its own
  ``claimed_by``) *before* the first message is sent. A run seen in ``posting`` is never
  sent again: after a crash nobody knows how much of it went out, and a duplicate digest
  is worse than a missing one. This is the at-most-once choice for each due time.
* **Stale claims**: a run still ``claimed`` long after its claim (its owner died before
  sending anything) may be taken over by another scheduler, atomically, while the due
  time is within the grace period; a run stuck in ``posting`` is marked failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from retrieval.digest.due_times import DuePlan
from retrieval.store.digest_models import (
    RUN_CLAIMED,
    RUN_FAILED,
    RUN_POSTED,
    RUN_POSTING,
    RUN_SKIPPED,
    DigestRun,
    DigestSchedule,
)

# A run claimed this long ago and still not sending belongs to a dead scheduler. Far
# longer than building a digest takes (seconds), so a live owner is never overtaken.
CLAIM_LEASE = timedelta(minutes=10)
# A run sending for this long was interrupted. Far longer than sending with every
# retry (a few messages, minutes at worst), so a live sender is never overruled.
POSTING_LEASE = timedelta(minutes=30)
INTERRUPTED = "interrupted while posting; not sent again, to avoid a duplicate digest"


def _skipped(schedule_id: int, due_at: datetime, now: datetime, reason: str) -> DigestRun:
    return DigestRun(
        schedule_id=schedule_id,
        due_at=due_at,
        state=RUN_SKIPPED,
        claimed_at=now,
        finished_at=now,
        reason=reason,
    )


def _record_missed(
    session: Session, schedule: DigestSchedule, plan: DuePlan, now: datetime
) -> None:
    for due_at in plan.missed:
        reason = "superseded by a later due time"
        session.add(_skipped(schedule.id, due_at, now, reason))


def claim(
    session: Session,
    schedule: DigestSchedule,
    plan: DuePlan,
    *,
    claimer: str,
    now: datetime,
    window: tuple[datetime, datetime],
) -> DigestRun:
    """Insert the claimed run for ``plan.due_at`` (IntegrityError: someone else has it)."""
    _record_missed(session, schedule, plan, now)
    run = DigestRun(
        schedule_id=schedule.id,
        due_at=plan.due_at,
        state=RUN_CLAIMED,
        claimed_by=claimer,
        claimed_at=now,
        window_start=window[0],
        window_end=window[1],
    )
    session.add(run)
    session.flush()
    schedule.next_due_at = plan.next_due_at
    return run


def skip(
    session: Session, schedule: DigestSchedule, plan: DuePlan, *, now: datetime, reason: str
) -> None:
    """Record the due time (and any it superseded) as skipped, and move the schedule on."""
    _record_missed(session, schedule, plan, now)
    session.add(_skipped(schedule.id, plan.due_at, now, reason))
    session.flush()
    schedule.next_due_at = plan.next_due_at


def stale_claims(session: Session, *, now: datetime, grace: timedelta) -> list[DigestRun]:
    """Runs claimed by a scheduler that died before sending, still due within grace."""
    return list(
        session.scalars(
            select(DigestRun)
            .join(DigestSchedule, DigestSchedule.id == DigestRun.schedule_id)
            .where(
                DigestRun.state == RUN_CLAIMED,
                DigestRun.claimed_at < now - CLAIM_LEASE,
                DigestRun.due_at >= now - grace,
                DigestSchedule.paused.is_(False),
            )
            .order_by(DigestRun.due_at)
        )
    )


def take_over(
    session: Session,
    run_id: int,
    *,
    claimer: str,
    now: datetime,
    window: tuple[datetime, datetime],
) -> bool:
    """Take a stale claim over; True when this claimer now owns it."""
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.state == RUN_CLAIMED,
            DigestRun.claimed_at < now - CLAIM_LEASE,
        )
        .values(claimed_by=claimer, claimed_at=now, window_start=window[0], window_end=window[1])
    )
    return _changed(result)


def expire_stale(session: Session, *, now: datetime, grace: timedelta) -> int:
    """Settle runs whose owner vanished: interrupted sends fail, old claims are skipped."""
    interrupted = session.execute(
        update(DigestRun)
        .where(DigestRun.state == RUN_POSTING, DigestRun.claimed_at < now - POSTING_LEASE)
        .values(state=RUN_FAILED, finished_at=now, reason=INTERRUPTED)
    )
    abandoned = session.execute(
        update(DigestRun)
        .where(
            DigestRun.state == RUN_CLAIMED,
            DigestRun.claimed_at < now - CLAIM_LEASE,
            DigestRun.due_at < now - grace,
        )
        .values(
            state=RUN_SKIPPED,
            finished_at=now,
            reason="claimed by a scheduler that stopped before posting; past the grace period",
        )
    )
    return _count(interrupted) + _count(abandoned)


def start_posting(session: Session, run_id: int, *, claimer: str, now: datetime) -> bool:
    """``claimed -> posting``, only for the run's owner; False means: do not send."""
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.state == RUN_CLAIMED,
            DigestRun.claimed_by == claimer,
        )
        .values(state=RUN_POSTING, claimed_at=now)
    )
    return _changed(result)


def finish(
    session: Session,
    run_id: int,
    *,
    claimer: str,
    now: datetime,
    message_ids: Sequence[int],
    story_count: int,
    announced: bool,
) -> bool:
    """Settle the owner's run as posted and move the schedule's covered window on."""
    reason = None if story_count else "nothing new" + ("" if announced else "; not announced")
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.claimed_by == claimer,
            DigestRun.state.in_((RUN_CLAIMED, RUN_POSTING)),
        )
        .values(
            state=RUN_POSTED,
            finished_at=now,
            message_ids=" ".join(str(i) for i in message_ids),
            story_count=story_count,
            reason=reason,
        )
    )
    if not _changed(result):
        return False
    run = session.get_one(DigestRun, run_id)
    schedule = session.get(DigestSchedule, run.schedule_id)
    if schedule is not None and run.window_end is not None:
        if schedule.covered_until is None or schedule.covered_until < run.window_end:
            schedule.covered_until = run.window_end
        if story_count:
            schedule.empty_announced = False
        elif announced:
            schedule.empty_announced = True
    return True


def fail(
    session: Session,
    run_id: int,
    *,
    claimer: str,
    now: datetime,
    reason: str,
    message_ids: Sequence[int] = (),
) -> bool:
    """Settle the owner's run as failed; the schedule's window is not moved on."""
    result = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == run_id,
            DigestRun.claimed_by == claimer,
            DigestRun.state.in_((RUN_CLAIMED, RUN_POSTING)),
        )
        .values(
            state=RUN_FAILED,
            finished_at=now,
            reason=reason,
            message_ids=" ".join(str(i) for i in message_ids),
        )
    )
    return _changed(result)


def first_failed_window(session: Session, schedule_id: int) -> datetime | None:
    """Where the earliest failed run of a schedule would have started its window."""
    return session.scalar(
        select(func.min(DigestRun.window_start)).where(
            DigestRun.schedule_id == schedule_id, DigestRun.state == RUN_FAILED
        )
    )


def latest_runs(session: Session, schedule_ids: Sequence[int]) -> dict[int, DigestRun]:
    """The most recent run (by due time) of each schedule."""
    if not schedule_ids:
        return {}
    latest = (
        select(DigestRun.schedule_id, func.max(DigestRun.due_at).label("due_at"))
        .where(DigestRun.schedule_id.in_(schedule_ids))
        .group_by(DigestRun.schedule_id)
        .subquery()
    )
    rows = session.scalars(
        select(DigestRun).join(
            latest,
            (DigestRun.schedule_id == latest.c.schedule_id) & (DigestRun.due_at == latest.c.due_at),
        )
    )
    return {run.schedule_id: run for run in rows}


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _changed(result: object) -> bool:
    return _count(result) == 1
