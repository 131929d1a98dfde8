"""The /digest cog without a network: its loop's life cycle (who may use it: the admin
check shared by every admin command, tested in test_admin_ingest)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.app import NewsBot
from bot.cogs.digest import DigestCog
from retrieval.config import Settings


async def test_a_bot_without_an_engine_schedules_nothing() -> None:
    bot = NewsBot(Settings(), None, refresh_interval=None)
    async with bot:
        await bot.setup_hook()
        # The extension loader imports its own copy of the module: no isinstance here.
        cog: Any = bot.get_cog("Digest")
        assert type(cog).__name__ == DigestCog.__name__
        assert cog.digests is None and cog.scheduler is None
        assert not cog.digest_loop.is_running()
        assert await cog.run_tick() is None


async def test_the_loop_starts_with_the_cog_and_stops_with_it(news_bot: NewsBot) -> None:
    cog: Any = news_bot.get_cog("Digest")
    assert cog is not None and cog.digests is not None
    assert cog.digest_loop.is_running()
    assert cog.digest_loop.seconds == news_bot.settings.digest.loop_seconds
    task = cog.digest_loop.get_task()
    await news_bot.remove_cog("Digest")
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert task.cancelled() and not cog.digest_loop.is_running()
