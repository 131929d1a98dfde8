"""Exactly once: restarts, racing schedulers, crashes, missed windows and faults."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from retrieval.config import Settings
from retrieval.digest.digest_values import DigestPost, ScheduleRequest
from retrieval.digest.facade import DigestService, DueRun
from retrieval.digest.posting import DigestScheduler, TickReport
from retrieval.digest.runs import CLAIM_LEASE, INTERRUPTED, POSTING_LEASE
from retrieval.errors import PostFailed, StorageUnavailable
from retrieval.service import NewsService
from retrieval.store.digest_models import DigestRun, DigestSchedule
from tests.retrieval.digest.digest_helpers import (
    ManualClock,
    RecordingPoster,
    add_article,
    paragraph,
    tick_in_process,
    utc,
)

GUILD = 111
CHANNEL = 5001
# 09:00 Europe/London on Monday 2 June 2025 is 08:00 UTC.
DUE = utc(2025, 6, 2, 8)
SET_AT = DUE - timedelta(hours=12)


def _scheduler(
    news: NewsService, clock: ManualClock, poster: RecordingPoster | None = None, name: str = "a"
) -> DigestScheduler:
    return DigestScheduler(DigestService(news, clock, instance=name), poster or RecordingPoster())


def _set(digests: DigestService, channel: int = CHANNEL, days: str | None = None) -> int:
    request = ScheduleRequest(
        guild_id=GUILD,
        channel_id=channel,
        time="09:00",
        timezone="Europe/London",
        days=days,
        set_in_channel_id=9,
    )
    return digests.set_schedule(request).id


def _runs(news: NewsService) -> list[tuple[str, str | None]]:
    with news.unit_of_work() as session:
        rows = session.scalars(select(DigestRun).order_by(DigestRun.due_at, DigestRun.id))
        return [(r.state, r.reason) for r in rows]


def _poster(scheduler: DigestScheduler) -> RecordingPoster:
    poster = scheduler.poster
    assert isinstance(poster, RecordingPoster)
    return poster


def test_a_due_digest_is_posted_once_and_a_restart_does_not_repost(
    news: NewsService, settings: Settings
) -> None:
    clock = ManualClock(SET_AT)
    first = _scheduler(news, clock)
    schedule = _set(first.service)
    add_article(
        news, title="Bridge opens", body=paragraph("bridge"), ingested_at=DUE - timedelta(hours=3)
    )
    assert first.tick().posted == []  # not due yet
    clock.set(DUE + timedelta(seconds=30))
    report = first.tick()
    assert len(report.posted) == 1
    assert [s.headline for s in _poster(first).posts[0].digest.stories] == ["Bridge opens"]
    assert first.tick().posted == []

    # A restart: a new process (new service, new scheduler) over the same database.
    restarted_news = NewsService.open(settings)
    try:
        restarted = _scheduler(restarted_news, clock, name="b")
        assert restarted.tick().posted == []
        # The next day it posts again, covering only what came in since.
        add_article(
            news,
            title="School reopens",
            body=paragraph("school"),
            ingested_at=DUE + timedelta(hours=5),
        )
        clock.set(DUE + timedelta(days=1, minutes=1))
        assert len(restarted.tick().posted) == 1
        latest = _poster(restarted).posts[0].digest
        assert [s.headline for s in latest.stories] == ["School reopens"]
        assert latest.window_start == DUE + timedelta(seconds=30) - timedelta(seconds=60)
    finally:
        restarted_news.close()
    assert first.tick().posted == []
    info = first.service.get_schedule(GUILD, schedule)
    assert info.next_due_at == DUE + timedelta(days=2)
    assert [state for state, _ in _runs(news)] == ["posted", "posted"]


def test_two_schedulers_racing_over_one_database_post_each_due_time_once(
    news: NewsService, settings: Settings
) -> None:
    clock = ManualClock(SET_AT)
    setup = DigestService(news, clock)
    channels = list(range(6001, 6009))
    for channel in channels:
        _set(setup, channel)
    add_article(
        news, title="Harbour news", body=paragraph("harbour"), ingested_at=DUE - timedelta(hours=1)
    )
    clock.set(DUE + timedelta(minutes=1))
    others = [NewsService.open(settings) for _ in range(2)]
    try:
        schedulers = [_scheduler(n, clock, name=f"p{i}") for i, n in enumerate(others)]
        barrier = threading.Barrier(len(schedulers))
        reports: list[TickReport] = []

        def run(scheduler: DigestScheduler) -> None:
            barrier.wait()
            reports.append(scheduler.tick())

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for other in others:
            other.close()
    assert len(reports) == 2 and all(r.errors == 0 for r in reports)
    posted = [p.schedule.channel_id for s in schedulers for p in _poster(s).posts]
    assert sorted(posted) == channels
    assert sum(len(r.posted) for r in reports) == len(channels)
    # The slower scheduler lost each race it saw (it may not even see those settled
    # before it read the due schedules).
    assert sum(r.not_claimed for r in reports) <= len(channels)
    assert [state for state, _ in _runs(news)] == ["posted"] * len(channels)


def test_two_processes_racing_over_one_database_post_each_due_time_once(
    news: NewsService, settings: Settings
) -> None:
    clock = ManualClock(SET_AT)
    setup = DigestService(news, clock)
    channels = list(range(6101, 6105))
    for channel in channels:
        _set(setup, channel)
    # Fork when the platform has it (fast: nothing is imported again); the children
    # open their own engines and never touch this process's connections.
    methods = multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    go = context.Event()
    results = context.Queue()
    processes = [
        context.Process(
            target=tick_in_process, args=(settings, DUE + timedelta(minutes=1), name, go, results)
        )
        for name in ("first", "second")
    ]
    for process in processes:
        process.start()
    try:
        go.set()
        outcomes = [results.get(timeout=60) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
    assert all(errors == 0 for _, _, errors in outcomes)
    posted = sorted(channel for _, sent, _ in outcomes for channel in sent)
    assert posted == channels
    assert [state for state, _ in _runs(news)] == ["posted"] * len(channels)


def test_a_crash_while_posting_is_never_posted_again(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    crashed = DigestService(news, clock, instance="crashed")
    schedule = _set(crashed)
    clock.set(DUE + timedelta(minutes=1))
    (due,) = crashed.due_runs()
    post = crashed.claim(due)
    assert post is not None and post.run_id is not None
    assert crashed.mark_posting(post.run_id)
    # ... and the process dies here, maybe after sending part of the digest.
    survivor = _scheduler(news, clock, name="survivor")
    assert survivor.tick().posted == []
    clock.advance(seconds=POSTING_LEASE.total_seconds() + 1)
    assert survivor.tick().posted == []
    assert _runs(news) == [("failed", INTERRUPTED)]
    assert _poster(survivor).posts == []
    assert survivor.service.get_schedule(GUILD, schedule).next_due_at == DUE + timedelta(days=1)


def test_a_claim_abandoned_before_posting_is_resumed_within_grace(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    crashed = DigestService(news, clock, instance="crashed")
    _set(crashed)
    clock.set(DUE + timedelta(minutes=1))
    (due,) = crashed.due_runs()
    abandoned = crashed.claim(due)  # then it dies before sending anything
    assert abandoned is not None and abandoned.run_id is not None
    survivor = _scheduler(news, clock, name="survivor")
    assert survivor.tick().posted == []  # the claim may still be alive
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    assert len(survivor.tick().posted) == 1
    assert survivor.tick().posted == []
    # The late owner wakes up: it no longer owns the run and sends nothing.
    assert crashed.mark_posting(abandoned.run_id) is False
    assert [state for state, _ in _runs(news)] == ["posted"]


def test_an_abandoned_claim_past_grace_is_skipped(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    crashed = DigestService(news, clock, instance="crashed")
    _set(crashed)
    clock.set(DUE + timedelta(minutes=1))
    (due,) = crashed.due_runs()
    assert crashed.claim(due) is not None
    clock.set(DUE + timedelta(hours=3))
    survivor = _scheduler(news, clock, name="survivor")
    assert survivor.tick().posted == []
    assert [state for state, _ in _runs(news)] == ["skipped"]


def test_missed_while_down_posts_within_grace(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    _set(scheduler.service)
    clock.set(DUE + timedelta(minutes=119))
    assert len(scheduler.tick().posted) == 1


def test_missed_beyond_grace_is_skipped_with_a_log_line(
    news: NewsService, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    schedule = _set(scheduler.service)
    clock.set(DUE + timedelta(minutes=121))
    with caplog.at_level(logging.WARNING, logger="retrieval.digest"):
        report = scheduler.tick()
    assert report.posted == [] and report.not_claimed == 1
    assert any("skipped the run due" in r.getMessage() for r in caplog.records)
    assert _runs(news) == [("skipped", "missed by 121 min, beyond the 120 min grace")]
    info = scheduler.service.list_schedules(GUILD)[0]
    assert info.last_run is not None and info.last_run.state == "skipped"
    clock.set(DUE + timedelta(days=1, minutes=5))
    assert len(scheduler.tick().posted) == 1
    assert scheduler.service.get_schedule(GUILD, schedule).next_due_at == DUE + timedelta(days=2)


def test_days_down_post_the_latest_and_record_the_rest_skipped(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    _set(scheduler.service)
    clock.set(DUE + timedelta(days=3, minutes=10))
    assert len(scheduler.tick().posted) == 1
    states = [state for state, _ in _runs(news)]
    assert states == ["skipped", "skipped", "skipped", "posted"]


def test_a_deleted_channel_pauses_the_schedule_and_tells_the_admins(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    gone = PostFailed("the channel was deleted.", permanent=True)
    scheduler = _scheduler(news, clock, RecordingPoster(fail_with=gone))
    schedule = _set(scheduler.service)
    clock.set(DUE + timedelta(minutes=1))
    report = scheduler.tick()
    assert len(report.failed) == 1
    info = scheduler.service.get_schedule(GUILD, schedule)
    assert info.paused and info.paused_reason == "the channel was deleted."
    (notice,) = _poster(scheduler).paused
    assert notice[0].id == schedule and notice[1] == "the channel was deleted."
    # Paused: nothing is due any more, even days later.
    clock.advance(days=3)
    assert scheduler.service.due_runs() == []
    # Setting it again resumes it from now on.
    _poster(scheduler).fail_with = None
    _set(scheduler.service)
    assert not scheduler.service.get_schedule(GUILD, schedule).paused
    clock.advance(days=1)
    assert len(scheduler.tick().posted) == 1


def test_a_transient_failure_keeps_the_schedule_and_the_window(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    busy = PostFailed("Discord refused the message (503)", permanent=False)
    scheduler = _scheduler(news, clock, RecordingPoster(fail_with=busy))
    _set(scheduler.service)
    add_article(
        news, title="Storm warning", body=paragraph("storm"), ingested_at=DUE - timedelta(hours=2)
    )
    clock.set(DUE + timedelta(minutes=1))
    assert len(scheduler.tick().failed) == 1
    assert not scheduler.service.list_schedules(GUILD)[0].paused
    _poster(scheduler).fail_with = None
    clock.set(DUE + timedelta(days=1, minutes=1))
    assert len(scheduler.tick().posted) == 1
    # The failed run's stories were not lost: the window still starts a day earlier.
    (post,) = _poster(scheduler).posts
    assert [s.headline for s in post.digest.stories] == ["Storm warning"]


def test_empty_digests_are_announced_once(news: NewsService) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    _set(scheduler.service)
    outcomes: list[TickReport] = []
    for day in range(3):
        if day == 2:
            add_article(
                news,
                title="News at last",
                body=paragraph("news"),
                ingested_at=DUE + timedelta(days=1, hours=3),
            )
        clock.set(DUE + timedelta(days=day, minutes=1))
        outcomes.append(scheduler.tick())
    assert [(len(r.posted), len(r.silent)) for r in outcomes] == [(1, 0), (0, 1), (1, 0)]
    posts = _poster(scheduler).posts
    assert posts[0].digest.empty and not posts[1].digest.empty


@pytest.mark.parametrize(("policy", "posted"), [("always", 2), ("never", 0)])
def test_empty_digest_policy(settings: Settings, policy: str, posted: int) -> None:
    from dataclasses import replace

    custom = replace(settings, digest=replace(settings.digest, announce_empty=policy))
    news = NewsService.open(custom)
    try:
        clock = ManualClock(SET_AT)
        scheduler = _scheduler(news, clock)
        _set(scheduler.service)
        for day in range(2):
            clock.set(DUE + timedelta(days=day, minutes=1))
            scheduler.tick()
        assert len(_poster(scheduler).posts) == posted
    finally:
        news.close()


def test_an_unreadable_schedule_is_paused_and_the_others_still_post(
    news: NewsService, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    broken = _set(scheduler.service, channel=7001)
    _set(scheduler.service, channel=7002)
    # E.g. a time zone that a tzdata upgrade no longer knows.
    with news.unit_of_work() as session:
        session.execute(
            update(DigestSchedule).where(DigestSchedule.id == broken).values(timezone="Mars/Base")
        )
    clock.set(DUE + timedelta(minutes=1))
    with caplog.at_level(logging.WARNING):
        report = scheduler.tick()
    assert [p.schedule.channel_id for p in _poster(scheduler).posts] == [7002]
    assert report.errors == 0
    info = scheduler.service.get_schedule(GUILD, broken)
    assert info.paused and "Mars/Base" in (info.paused_reason or "")
    assert any("Mars/Base" in r.getMessage() for r in caplog.records)


def test_errors_are_contained_per_run_and_per_tick(
    news: NewsService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(SET_AT)
    scheduler = _scheduler(news, clock)
    first = _set(scheduler.service, channel=7001)
    _set(scheduler.service, channel=7002)
    clock.set(DUE + timedelta(minutes=1))
    real_claim = scheduler.service.claim

    def claim(due: DueRun) -> DigestPost | None:
        if due.schedule_id == first:
            raise RuntimeError("a bug in one run")
        return real_claim(due)

    monkeypatch.setattr(scheduler.service, "claim", claim)
    with caplog.at_level(logging.ERROR):
        report = scheduler.tick()
    assert report.errors == 1 and len(report.posted) == 1
    assert any(r.exc_info for r in caplog.records)

    def down() -> list[DueRun]:
        raise StorageUnavailable("the database is unavailable right now")

    monkeypatch.setattr(scheduler.service, "due_runs", down)
    assert scheduler.tick().errors == 1
