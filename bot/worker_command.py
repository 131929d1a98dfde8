"""``newsbot worker``: the long-running process that does the singleton background jobs.

Run one or several (one per host, for availability): each job runs in exactly one
worker at a time, under a lease in the database (``retrieval.worker``), and a standby
takes over within a lease period (30 s) when the holder dies. The bot processes then
only answer questions; articles the worker stores reach them through the database's
change log within ``[index] refresh_seconds``.

Jobs: the ones the bot schedules too (``retrieval.worker.jobs``): feed polling, and
digest posting when the Discord token is set. Digests go out over Discord's REST API
only (``bot.rest``): the worker never opens a gateway connection, so it needs no shard
and no intents.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
from collections.abc import AsyncIterator, Iterator

import discord

from bot.digest_post import DiscordPoster
from bot.rest import rest_client
from retrieval.config import Settings
from retrieval.ingest.fetch import Fetcher
from retrieval.service import NewsService
from retrieval.worker.job_runner import Job, Worker
from retrieval.worker.jobs import engine_jobs

log = logging.getLogger(__name__)

TOKEN_ENV = "NEWSBOT_DISCORD_TOKEN"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def worker_jobs(service: NewsService, fetcher: Fetcher, client: discord.Client | None) -> list[Job]:
    """The worker's jobs: every engine job, digests posted through ``client`` (from a
    worker thread, sending on this event loop) when there is one."""
    poster = None
    if client is not None:
        poster = DiscordPoster(client, asyncio.get_running_loop(), service.settings.digest)
    return engine_jobs(service, fetcher, poster)


@contextlib.asynccontextmanager
async def _discord() -> AsyncIterator[discord.Client | None]:
    """A REST client when the token is set; without one, digests stay with the bot."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        log.warning("%s is not set: this worker does not post digests", TOKEN_ENV)
        yield None
        return
    async with rest_client(token) as client:
        yield client


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM (systemd stop) and SIGINT (Ctrl-C) end the worker after its current job."""
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _run(worker: Worker, *, once: bool) -> None:
    log.info("worker %s: jobs %s", worker.holder, [job.name for job in worker.jobs])
    if once:
        try:
            ran = await worker.tick()
        finally:
            await worker.release_all()
        log.info("ran %s", ran or "nothing (no job due, or held elsewhere)")
        return
    stop = asyncio.Event()
    with _stop_on_signals(stop):
        await worker.run(stop)


async def run_worker(settings: Settings, *, once: bool = False) -> int:
    """Run the jobs until SIGTERM/SIGINT (or one round with ``once``); returns 0."""
    service = await asyncio.to_thread(NewsService.open, settings)
    try:
        with Fetcher(settings.fetch) as fetcher:
            async with _discord() as client:
                jobs = worker_jobs(service, fetcher, client)
                await _run(Worker(service.sessions, jobs), once=once)
    finally:
        await asyncio.to_thread(functools.partial(service.close, save=True))
    return 0
