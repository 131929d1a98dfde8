"""The worker loop: jobs run on schedule, only under their lease, and fail alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from retrieval.config import Settings
from retrieval.errors import NewsbotError
from retrieval.store.database import make_engine, make_sessionmaker, migrate
from retrieval.worker import lease
from retrieval.worker.job_runner import MIN_WAIT_SECONDS, Job, Worker, blocking, in_executor

LEASE_SECONDS = 30.0
# Seconds a test waits for a background renewal before failing.
RENEWAL_TIMEOUT = 10.0


class Clock:
    """The wall clock and monotonic clock the workers see, moved by the test."""

    def __init__(self) -> None:
        self.wall = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine: Engine = make_engine(settings.database)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def worker(sessions: sessionmaker[Session], clock: Clock, holder: str, jobs: list[Job]) -> Worker:
    return Worker(
        sessions,
        jobs,
        holder=holder,
        lease_seconds=LEASE_SECONDS,
        clock=clock.now,
        monotonic=clock.monotonic,
    )


def recording_job(name: str, runs: list[str], every: float = 10.0) -> Job:
    async def run() -> None:
        runs.append(name)

    return Job(name, every, run)


async def test_only_the_lease_holder_runs_a_job(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    runs_a: list[str] = []
    runs_b: list[str] = []
    a = worker(sessions, clock, "a", [recording_job("feeds", runs_a)])
    b = worker(sessions, clock, "b", [recording_job("feeds", runs_b)])
    assert await a.tick() == ["feeds"]
    assert await b.tick() == []
    clock.advance(5)  # not due again yet
    assert await a.tick() == [] and await b.tick() == []
    clock.advance(5)
    assert await b.tick() == [] and await a.tick() == ["feeds"]
    assert (runs_a, runs_b) == (["feeds", "feeds"], [])
    assert a.held == {"feeds"} and b.held == set()


async def test_a_standby_takes_over_when_the_holder_stops(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    runs: list[str] = []
    a = worker(sessions, clock, "a", [recording_job("feeds", runs)])
    b = worker(sessions, clock, "b", [recording_job("feeds", runs)])
    await a.tick()
    clock.advance(LEASE_SECONDS - 1)  # a died: no renewal; the lease has not expired yet
    assert await b.tick() == []
    clock.advance(2)
    assert await b.tick() == ["feeds"]
    assert await a.tick() == [], "the old holder lost the lease"
    assert a.held == set()


async def test_release_hands_over_at_once(sessions: sessionmaker[Session], clock: Clock) -> None:
    a = worker(sessions, clock, "a", [recording_job("feeds", [])])
    b = worker(sessions, clock, "b", [recording_job("feeds", [])])
    await a.tick()
    await a.release_all()
    assert await b.tick() == ["feeds"]


async def test_a_failing_job_waits_its_period_and_others_still_run(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    attempts: list[str] = []

    async def broken() -> None:
        attempts.append("broken")
        raise NewsbotError("the feed host is down")

    def crashing() -> None:
        attempts.append("crashing")
        raise RuntimeError("a bug")

    runs: list[str] = []
    executor = ThreadPoolExecutor(1)
    w = worker(
        sessions,
        clock,
        "a",
        [
            Job("broken", 10, broken),
            Job("crashing", 10, blocking(crashing, in_executor(executor.submit))),
            recording_job("ok", runs),
        ],
    )
    assert await w.tick() == ["broken", "crashing", "ok"]
    assert await w.tick() == []
    assert attempts == ["broken", "crashing"] and runs == ["ok"]
    executor.shutdown()


async def test_a_database_error_means_not_holding(clock: Clock, tmp_path: Path) -> None:
    # SQLite cannot open a database in a directory that does not exist.
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'newsbot.db'}")
    runs: list[str] = []
    w = worker(make_sessionmaker(unreachable), clock, "a", [recording_job("feeds", runs)])
    assert await w.tick() == []
    assert runs == [] and w.held == set()
    unreachable.dispose()


def test_job_names_must_be_unique(sessions: sessionmaker[Session], clock: Clock) -> None:
    with pytest.raises(ValueError, match="unique"):
        worker(sessions, clock, "a", [recording_job("feeds", []), recording_job("feeds", [])])


async def test_run_renews_the_lease_during_a_long_job_and_releases_on_stop(
    sessions: sessionmaker[Session],
) -> None:
    stop = asyncio.Event()
    expiries: list[datetime] = []

    def lease_expiry() -> datetime:
        with sessions() as session:
            state = lease.state(session, "long")
            assert state is not None
            return state.expires_at

    async def long_job() -> None:
        # Runs until the heartbeat has renewed the lease twice, then stops the worker.
        deadline = time.monotonic() + RENEWAL_TIMEOUT
        expiries.append(await asyncio.to_thread(lease_expiry))
        while len(set(expiries)) < 3:
            assert time.monotonic() < deadline, "the lease was not renewed during the job"
            await asyncio.sleep(0.01)
            expiries.append(await asyncio.to_thread(lease_expiry))
        stop.set()

    # Real clocks; a short lease so the heartbeat (every third of it) renews quickly.
    w = Worker(sessions, [Job("long", 60, long_job)], holder="a", lease_seconds=0.15)
    await asyncio.wait_for(w.run(stop), RENEWAL_TIMEOUT)
    assert sorted(set(expiries)) == list(dict.fromkeys(expiries))
    with sessions() as session:
        assert lease.state(session, "long") is None, "the lease was given back on stop"


async def test_a_job_added_later_runs_and_a_removed_one_hands_its_lease_over(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    runs: list[str] = []
    a = worker(sessions, clock, "a", [])
    b = worker(sessions, clock, "b", [recording_job("feeds", runs)])
    assert await a.tick() == []
    a.add(recording_job("feeds", runs))
    with pytest.raises(ValueError, match="unique"):
        a.add(recording_job("feeds", runs))
    assert await a.tick() == ["feeds"] and await b.tick() == []
    await a.remove("feeds")
    assert a.jobs == () and a.held == set()
    assert await b.tick() == ["feeds"], "the lease was given back at once"
    assert runs == ["feeds", "feeds"]


def test_the_wait_ends_when_a_job_is_due_before_the_next_tick(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    w = worker(sessions, clock, "a", [recording_job("often", [], every=0.25)])
    assert w._wait_seconds() == w.tick_seconds, "a job never run here waits for its lease"
    w._last_run["often"] = clock.monotonic()
    clock.advance(0.1)
    assert w._wait_seconds() == pytest.approx(0.15)
    clock.advance(1.0)
    assert w._wait_seconds() == MIN_WAIT_SECONDS, "an overdue job is checked at once"


async def test_a_job_removed_during_a_tick_does_not_run(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    runs: list[str] = []
    w = worker(sessions, clock, "a", [])

    async def unloads_the_other() -> None:
        runs.append("first")
        await w.remove("second")  # as a cog unloading while the tick runs

    w.add(Job("first", 10, unloads_the_other))
    w.add(recording_job("second", runs))
    assert await w.tick() == ["first"]
    assert runs == ["first"] and w.held == {"first"}


async def test_a_scheduler_that_keeps_no_leases_hands_each_job_over_after_its_run(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """The bot's way: its lease only while it runs the job, so a worker takes over."""
    runs: list[str] = []
    bot = Worker(
        sessions,
        [recording_job("feeds", runs)],
        holder="bot",
        clock=clock.now,
        monotonic=clock.monotonic,
        keep_leases=False,
    )
    keeper = worker(sessions, clock, "worker", [recording_job("feeds", runs)])
    assert await bot.tick() == ["feeds"] and bot.held == set()
    assert await keeper.tick() == ["feeds"], "the lease was free at once"
    clock.advance(10)
    assert await bot.tick() == [] and await keeper.tick() == ["feeds"]
    assert runs == ["feeds"] * 3
