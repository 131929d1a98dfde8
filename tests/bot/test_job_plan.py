"""The bot and ``newsbot worker`` schedule the same periodic jobs, from the one set of job
definitions, on the one scheduler: same names (leases) and same periods."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from unittest.mock import MagicMock

import discord

from bot.app import NewsBot
from bot.worker_command import worker_jobs
from retrieval.ingest.fetch import Fetcher
from retrieval.service import NewsService
from retrieval.worker.job_runner import Job
from retrieval.worker.jobs import DIGESTS_JOB, FEEDS_JOB
from tests.conftest import make_settings

# Periods unlike the defaults and unlike each other, so a job that took its period from
# the wrong setting (or a constant) shows.
FEED_PERIOD = 7.0
DIGEST_PERIOD = 11.0


def _plan(jobs: Iterable[Job]) -> list[tuple[str, float]]:
    return sorted((job.name, job.every_seconds) for job in jobs)


async def test_the_bot_and_the_worker_schedule_the_same_jobs(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        feeds={"poll_period_seconds": FEED_PERIOD},
        digest={"loop_seconds": DIGEST_PERIOD},
    )
    service = NewsService.open(settings)
    try:
        bot = NewsBot(settings, service, refresh_interval=None)
        async with bot:
            await bot.setup_hook()
            bot._connection.user = MagicMock(spec=discord.ClientUser, id=999, bot=True)
            with Fetcher(settings.fetch) as fetcher:
                # The worker with a Discord client (the token set) runs every job.
                worker = worker_jobs(service, fetcher, bot)
            assert _plan(bot.scheduler.jobs) == _plan(worker)
            assert _plan(worker) == [(DIGESTS_JOB, DIGEST_PERIOD), (FEEDS_JOB, FEED_PERIOD)]
        assert bot.scheduler.jobs == (), "the cogs take their jobs away when they unload"
    finally:
        service.close()


async def test_without_a_discord_client_the_worker_leaves_digests_to_the_bot(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    service = NewsService.open(settings)
    try:
        with Fetcher(settings.fetch) as fetcher:
            jobs = worker_jobs(service, fetcher, None)
        assert [job.name for job in jobs] == [FEEDS_JOB]
    finally:
        service.close()
