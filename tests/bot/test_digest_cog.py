"""The /digest cog without a network: its job's life cycle on the bot's scheduler (who may
use it: the admin check shared by every admin command, tested in test_admin_ingest)."""

from __future__ import annotations

import threading
from typing import Any

from bot.app import NewsBot
from bot.cogs.digest import DigestCog
from retrieval.config import Settings
from retrieval.executor import THREAD_PREFIX
from retrieval.worker.jobs import DIGESTS_JOB


async def test_a_bot_without_an_engine_schedules_nothing() -> None:
    bot = NewsBot(Settings(), None, refresh_interval=None)
    async with bot:
        await bot.setup_hook()
        # The extension loader imports its own copy of the module: no isinstance here.
        cog: Any = bot.get_cog("Digest")
        assert type(cog).__name__ == DigestCog.__name__
        assert cog.digests is None and cog.scheduler is None
        assert bot.scheduler.jobs == ()
        assert await cog.run_tick() is None


def _digest_jobs(bot: NewsBot) -> list[tuple[str, float]]:
    return [(job.name, job.every_seconds) for job in bot.scheduler.jobs if job.name == DIGESTS_JOB]


async def test_the_job_is_scheduled_with_the_cog_and_removed_with_it(news_bot: NewsBot) -> None:
    cog: Any = news_bot.get_cog("Digest")
    assert cog is not None and cog.digests is not None
    assert _digest_jobs(news_bot) == [(DIGESTS_JOB, news_bot.settings.digest.loop_seconds)]
    await news_bot.remove_cog("Digest")
    assert _digest_jobs(news_bot) == []


async def test_the_job_runs_a_round_in_an_engine_thread(news_bot: NewsBot) -> None:
    cog: Any = news_bot.get_cog("Digest")
    threads: list[str] = []

    def due_runs() -> list[object]:
        threads.append(threading.current_thread().name)
        return []

    cog.digests.due_runs = due_runs
    (job,) = [job for job in news_bot.scheduler.jobs if job.name == DIGESTS_JOB]
    await job.run()
    assert threads and threads[0].startswith(THREAD_PREFIX), "the engine's executor runs it"
