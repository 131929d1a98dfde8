"""The one scheduler of periodic jobs: each singleton job on schedule, in exactly one
process at a time.

``newsbot worker`` and the bot run the same ``Worker`` over the same job definitions
(``retrieval.worker.jobs``): the worker process with every job from the start, the bot
with the jobs its cogs add when they load and remove when they unload. Any number of
such processes may run (one worker per host, say, for availability, and each shard of
the bot). Each job has a lease named after it (``retrieval.worker.lease``); a process
runs a job only while it holds the job's lease, and asks for it when the job is due.
The holder renews its leases every third of the lease period from a heartbeat task, so
a job that runs longer than the lease, or waits longer than it between runs, keeps it;
a holder that dies (or loses the database for longer than the lease) stops renewing,
and a standby takes the lease over once it expires.

A worker keeps its leases between runs. The bot does not (``keep_leases=False``): it
gives a job's lease back after each run, so a ``newsbot worker``, which asks every tick,
takes the jobs over whenever one runs, and the bot processes only answer.

A job's work must still be safe to repeat: a holder cut off from the database for
longer than the lease cannot be interrupted in the middle of a job, so in that rare
case two workers may overlap once. Feed polling claims each feed and digests claim
each run in the database for that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from retrieval.errors import NewsbotError
from retrieval.worker import lease

log = logging.getLogger(__name__)

JobRun = Callable[[], Awaitable[object]]
# How a blocking engine call is run off the event loop: in the engine's one executor
# (``in_executor(service.submit)``, what the bot and ``newsbot worker`` use), or in a
# thread of asyncio's default pool (a job without an engine).
Offload = Callable[[Callable[[], object]], Awaitable[object]]
# Submits a blocking call to an executor: ``NewsService.submit``.
Submit = Callable[[Callable[[], object]], Future[object]]
# Seconds a lease lasts without renewal: how long a crashed worker's jobs wait for a
# standby to take them over.
LEASE_SECONDS = 30.0
# Leases are renewed this many times per lease period, so a renewal can fail twice
# (a database hiccup) before the lease is lost.
RENEWALS_PER_LEASE = 3
# Seconds between the worker's checks for due jobs and free leases (a job due sooner,
# one with a shorter period, is run on time: the wait ends when it is due).
TICK_SECONDS = 1.0
# The shortest wait between two checks, so a job with a period of zero cannot keep the
# event loop from everything else.
MIN_WAIT_SECONDS = 0.01


@dataclass(frozen=True)
class Job:
    """A singleton job: ``run`` every ``every_seconds`` by whichever worker holds it."""

    name: str
    every_seconds: float
    run: JobRun


def blocking(fn: Callable[[], object], offload: Offload = asyncio.to_thread) -> JobRun:
    """A job body from a blocking engine call, run off the event loop by ``offload``."""

    async def run() -> object:
        return await offload(fn)

    return run


def in_executor(submit: Submit) -> Offload:
    """An ``offload`` that runs calls through ``submit``: the engine's executor."""

    async def offload(fn: Callable[[], object]) -> object:
        return await asyncio.wrap_future(submit(fn))

    return offload


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    """A holder id unique to this process and readable in the leases table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs ``jobs`` on their schedules while it holds their leases.

    ``sessions`` opens a session on the database that holds the leases (a
    ``sessionmaker``); it is called only when a lease is taken, renewed or given back.
    """

    def __init__(
        self,
        sessions: Callable[[], Session],
        jobs: Sequence[Job],
        *,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        tick_seconds: float = TICK_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        keep_leases: bool = True,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self.sessions = sessions
        self.jobs: tuple[Job, ...] = tuple(jobs)
        self.holder = holder or default_holder()
        self.lease_ttl = timedelta(seconds=lease_seconds)
        self.tick_seconds = tick_seconds
        self.clock = clock
        self.monotonic = monotonic
        self.keep_leases = keep_leases
        self.held: set[str] = set()
        self._last_run: dict[str, float] = {}

    # -------------------------------------------------------------------- jobs
    def add(self, job: Job) -> None:
        """Schedule ``job`` from the next tick on (it is due at once)."""
        if any(known.name == job.name for known in self.jobs):
            raise ValueError(f"job names must be unique: {job.name} is scheduled already")
        self.jobs = (*self.jobs, job)

    async def remove(self, name: str) -> None:
        """Stop scheduling the job ``name`` and give its lease back, so a standby takes it
        over now; a run in progress finishes."""
        self.jobs = tuple(job for job in self.jobs if job.name != name)
        self._last_run.pop(name, None)
        if name in self.held:
            self.held.discard(name)
            await self._give_back(name)

    # ------------------------------------------------------------------ leases
    def _acquire(self, name: str) -> bool:
        with self.sessions() as session, session.begin():
            return lease.acquire(session, name, self.holder, now=self.clock(), ttl=self.lease_ttl)

    def _release(self, name: str) -> bool:
        with self.sessions() as session, session.begin():
            return lease.release(session, name, self.holder)

    async def hold(self, name: str) -> bool:
        """Take or renew one lease; a database error counts as not holding it."""
        try:
            held = await asyncio.to_thread(self._acquire, name)
        except SQLAlchemyError as exc:
            log.warning("lease %s: database error, not running its job: %s", name, exc)
            held = False
        if held and name not in self.held:
            log.info("lease %s taken by %s", name, self.holder)
            self.held.add(name)
        elif not held and name in self.held:
            log.warning("lease %s lost by %s", name, self.holder)
            self.held.discard(name)
        return held

    async def renew(self) -> None:
        for name in sorted(self.held):
            await self.hold(name)

    async def release_all(self) -> None:
        """Give back every lease, so standbys take over now rather than at expiry."""
        for name in sorted(self.held):
            await self._give_back(name)
        self.held.clear()

    async def _give_back(self, name: str) -> None:
        try:
            await asyncio.to_thread(self._release, name)
        except SQLAlchemyError as exc:
            log.warning("lease %s not released (it will expire): %s", name, exc)

    # ----------------------------------------------------------------- running
    def _due(self, job: Job) -> bool:
        last = self._last_run.get(job.name)
        return last is None or self.monotonic() - last >= job.every_seconds

    async def _run(self, job: Job) -> None:
        # Recorded at the start, so a failing job waits its period before trying again.
        self._last_run[job.name] = self.monotonic()
        started = time.perf_counter()
        try:
            await job.run()
        except NewsbotError as exc:
            log.warning("job %s failed: %s", job.name, exc.reason)
        except SQLAlchemyError as exc:
            log.warning("job %s failed on the database: %s", job.name, exc)
        except Exception:  # one job's bug must not stop the others
            log.exception("job %s failed", job.name)
        else:
            log.debug("job %s done in %.2fs", job.name, time.perf_counter() - started)

    def _wait_seconds(self) -> float:
        """Seconds until the next check: ``tick_seconds``, or less when a job that ran is
        due sooner (a job never run is due now: its lease was taken elsewhere)."""
        now = self.monotonic()
        waits = [self.tick_seconds]
        for job in self.jobs:
            last = self._last_run.get(job.name)
            if last is not None:
                waits.append(last + job.every_seconds - now)
        return max(MIN_WAIT_SECONDS, min(waits))

    async def tick(self) -> list[str]:
        """Run every due job whose lease this worker holds or takes; returns the jobs run.

        The lease is asked for when the job is due; between runs the heartbeat of
        ``run`` keeps it.
        """
        ran: list[str] = []
        for job in self.jobs:
            if not self._scheduled(job) or not self._due(job) or not await self.hold(job.name):
                continue
            if not self._scheduled(job):  # removed while its lease was being taken
                self.held.discard(job.name)
                await self._give_back(job.name)
                continue
            await self._run(job)
            ran.append(job.name)
            if not self.keep_leases and job.name in self.held:
                self.held.discard(job.name)
                await self._give_back(job.name)
        return ran

    def _scheduled(self, job: Job) -> bool:
        """Still scheduled: ``remove`` may run while this tick awaits an earlier step."""
        return any(known is job for known in self.jobs)

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        period = self.lease_ttl.total_seconds() / RENEWALS_PER_LEASE
        while not await _stopped(stop, period):
            await self.renew()

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set, then give the leases back."""
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            while not stop.is_set():
                await self.tick()
                await _stopped(stop, self._wait_seconds())
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await self.release_all()


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``stop``; True if it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
