"""One scheduler tick: find due digests, claim each, post it through a poster, settle it.

The poster is the bot (or a test double); it sends a digest and returns the message
ids, or raises ``PostFailed``. Permanent failures (the channel is gone, the bot may not
post there) pause the schedule and tell the admins through the poster. Nothing one
schedule does can stop the others or the tick: every step is caught and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from retrieval.digest.digest_values import DigestPost, ScheduleInfo
from retrieval.digest.facade import DigestService, DueRun
from retrieval.errors import NewsbotError, PostFailed

log = logging.getLogger(__name__)


class Poster(Protocol):
    def post(self, post: DigestPost) -> tuple[int, ...]:
        """Send the digest; the ids of the messages sent. Raises ``PostFailed``."""
        ...

    def notify_paused(self, schedule: ScheduleInfo, reason: str) -> None:
        """Tell the server's admins that the schedule is paused, and why."""
        ...


@dataclass
class TickReport:
    """Run ids by outcome, for logs and tests."""

    posted: list[int] = field(default_factory=list)
    silent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    not_claimed: int = 0
    errors: int = 0


class DigestScheduler:
    def __init__(self, service: DigestService, poster: Poster) -> None:
        self.service = service
        self.poster = poster

    def tick(self) -> TickReport:
        """Act on everything due now; never raises."""
        report = TickReport()
        try:
            due = self.service.due_runs()
        except Exception as exc:
            _log_failure("digest: cannot read due schedules", exc)
            report.errors += 1
            return report
        for item in due:
            try:
                self._run(item, report)
            except Exception as exc:
                _log_failure(f"digest {item.schedule_id}: run failed", exc)
                report.errors += 1
        return report

    def _run(self, item: DueRun, report: TickReport) -> None:
        post = self.service.claim(item)
        if post is None or post.run_id is None:
            report.not_claimed += 1
            return
        run_id = post.run_id
        stories = len(post.digest.stories)
        if not post.announce:
            self.service.mark_posted(run_id, (), story_count=0, announced=False)
            report.silent.append(run_id)
            return
        if not self.service.mark_posting(run_id):
            report.not_claimed += 1
            return
        try:
            message_ids = self.poster.post(post)
        except PostFailed as exc:
            self._failed(post, run_id, exc)
            report.failed.append(run_id)
            return
        self.service.mark_posted(run_id, message_ids, story_count=stories, announced=True)
        log.info(
            "digest %d: posted %d stories in %d messages (run %d)",
            post.schedule.id,
            stories,
            len(message_ids),
            run_id,
        )
        report.posted.append(run_id)

    def _failed(self, post: DigestPost, run_id: int, exc: PostFailed) -> None:
        self.service.mark_failed(run_id, exc.reason, exc.message_ids)
        log.warning("digest %d: not posted (run %d): %s", post.schedule.id, run_id, exc.reason)
        if not exc.permanent:
            return
        paused = self.service.pause(post.schedule.id, exc.reason)
        if paused is not None:
            self.poster.notify_paused(paused, exc.reason)


def _log_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, NewsbotError):
        log.warning("%s: %s", what, exc.reason)
    else:
        log.exception("%s", what)
