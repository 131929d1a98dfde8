"""The worker loop: run each singleton job on schedule, in exactly one process at a time.

Any number of ``newsbot worker`` processes may run (one per host, say, for
availability). Each job has a lease named after it (``retrieval.worker.lease``); a
worker runs a job only while it holds the job's lease. The holder renews its leases
every third of the lease period from a heartbeat task, so a job that runs longer than
the lease keeps it; a holder that dies (or loses the database for longer than the
lease) stops renewing, and a standby takes the lease over once it expires.

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
from sqlalchemy.orm import Session, sessionmaker

from retrieval.errors import NewsbotError
from retrieval.worker import lease

log = logging.getLogger(__name__)

JobRun = Callable[[], Awaitable[object]]
# Seconds a lease lasts without renewal: how long a crashed worker's jobs wait for a
# standby to take them over.
LEASE_SECONDS = 30.0
# Leases are renewed this many times per lease period, so a renewal can fail twice
# (a database hiccup) before the lease is lost.
RENEWALS_PER_LEASE = 3
# Seconds between the worker's checks for due jobs and free leases.
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class Job:
    """A singleton job: ``run`` every ``every_seconds`` by whichever worker holds it."""

    name: str
    every_seconds: float
    run: JobRun


# Runs a blocking call off the event loop: the engine's executor (``NewsService.submit``).
Submit = Callable[[Callable[[], object]], Future[object]]


def blocking(fn: Callable[[], object], submit: Submit) -> JobRun:
    """A job body from a blocking engine call, run through ``submit``."""

    async def run() -> object:
        return await asyncio.wrap_future(submit(fn))

    return run


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_holder() -> str:
    """A holder id unique to this process and readable in the leases table."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Runs ``jobs`` on their schedules while it holds their leases."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        jobs: Sequence[Job],
        *,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        tick_seconds: float = TICK_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must be unique: {names}")
        self.sessions = sessions
        self.jobs = tuple(jobs)
        self.holder = holder or default_holder()
        self.lease_ttl = timedelta(seconds=lease_seconds)
        self.tick_seconds = tick_seconds
        self.clock = clock
        self.monotonic = monotonic
        self.held: set[str] = set()
        self._last_run: dict[str, float] = {}

    # ------------------------------------------------------------------ leases
    def _acquire(self, name: str) -> bool:
        with self.sessions.begin() as session:
            return lease.acquire(session, name, self.holder, now=self.clock(), ttl=self.lease_ttl)

    def _release(self, name: str) -> bool:
        with self.sessions.begin() as session:
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
            try:
                await asyncio.to_thread(self._release, name)
            except SQLAlchemyError as exc:
                log.warning("lease %s not released (it will expire): %s", name, exc)
        self.held.clear()

    # -------------------------------------------------------------------- jobs
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

    async def tick(self) -> list[str]:
        """Run every due job whose lease this worker holds; returns the jobs run."""
        ran: list[str] = []
        for job in self.jobs:
            if await self.hold(job.name) and self._due(job):
                await self._run(job)
                ran.append(job.name)
        return ran

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
                await _stopped(stop, self.tick_seconds)
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
