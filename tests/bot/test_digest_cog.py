"""The /digest cog without a network: who may use it, and its loop's life cycle."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from unittest.mock import MagicMock

import discord

from bot.app import NewsBot
from bot.cogs.digest import DigestCog, is_digest_admin
from retrieval.config import BotSettings, Settings


def _interaction(*, manage_guild: bool, roles: list[str], admin_role: str) -> Any:
    interaction = MagicMock(spec=discord.Interaction)
    interaction.guild = MagicMock(spec=discord.Guild)
    interaction.permissions = discord.Permissions(manage_guild=manage_guild)
    member = MagicMock(spec=discord.Member)
    member.roles = []
    for name in roles:
        role = MagicMock(spec=discord.Role)
        role.name = name  # ``MagicMock(name=...)`` would name the mock instead
        member.roles.append(role)
    interaction.user = member
    interaction.client = MagicMock(settings=Settings(bot=BotSettings(admin_role=admin_role)))
    return interaction


def test_manage_server_or_the_admin_role_may_manage_digests() -> None:
    assert is_digest_admin(_interaction(manage_guild=True, roles=[], admin_role=""))
    assert is_digest_admin(
        _interaction(manage_guild=False, roles=["News Desk"], admin_role="News Desk")
    )
    assert not is_digest_admin(
        _interaction(manage_guild=False, roles=["Member"], admin_role="News Desk")
    )
    # No admin role configured: a role with an empty name grants nothing.
    assert not is_digest_admin(_interaction(manage_guild=False, roles=[""], admin_role=""))
    in_dm = _interaction(manage_guild=True, roles=[], admin_role="")
    in_dm.guild = None
    assert not is_digest_admin(in_dm)


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
