"""The real bot over a real engine on a temporary database, not connected to Discord,
and interaction doubles with the permissions and roles admin checks look at.

Used by the admin cog tests: those commands fetch and store for real, so a fake engine
would prove little. Fetches go only to loopback (allowlisted in the settings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest_asyncio

from bot.app import NewsBot
from retrieval.config import BotSettings, Settings
from retrieval.service import NewsService
from tests.bot.bot_doubles import fake_interaction
from tests.conftest import make_settings
from tests.retrieval.ingest.feeds.helpers import with_feeds

GUILD_A = 1111
GUILD_B = 2222
ADMIN_ROLE = "News Editors"


def live_settings(tmp_path: Path) -> Settings:
    base = with_feeds(make_settings(tmp_path))
    bot = BotSettings(cooldown_rate=0, admin_role=ADMIN_ROLE, view_timeout=60.0)
    return dataclasses.replace(base, bot=bot)


@pytest_asyncio.fixture
async def live_bot(tmp_path: Path) -> AsyncIterator[NewsBot]:
    """NewsBot with every extension loaded over a real NewsService; closed afterwards."""
    settings = live_settings(tmp_path)
    service = NewsService.open(settings)
    bot = NewsBot(settings, service, refresh_interval=None)
    try:
        async with bot:
            await bot.setup_hook()
            bot._connection.user = MagicMock(spec=discord.ClientUser, id=999, bot=True)
            yield bot
    finally:
        service.close()


def role(name: str) -> MagicMock:
    double = MagicMock(spec=discord.Role)
    double.name = name
    return double


def member_interaction(
    bot: NewsBot,
    *,
    guild_id: int | None = GUILD_A,
    user_id: int = 42,
    manage_guild: bool = False,
    administrator: bool = False,
    roles: tuple[str, ...] = (),
) -> Any:
    """An interaction from a member with exactly these permissions and roles."""
    interaction = fake_interaction(user_id=user_id, guild_id=guild_id)
    interaction.client = bot
    interaction.permissions = discord.Permissions(
        manage_guild=manage_guild, administrator=administrator, send_messages=True
    )
    interaction.user.roles = [role("@everyone"), *(role(name) for name in roles)]
    return interaction


def admin_interaction(bot: NewsBot, guild_id: int | None = GUILD_A) -> Any:
    return member_interaction(bot, guild_id=guild_id, manage_guild=True)


def attachment(name: str, data: bytes, content_type: str | None = None) -> MagicMock:
    """An uploaded file: ``read`` returns ``data``; ``size`` is its length."""
    double = MagicMock(spec=discord.Attachment)
    double.filename = name
    double.size = len(data)
    double.content_type = content_type
    double.read = AsyncMock(return_value=data)
    return double


def reply_text(interaction: Any) -> str:
    """The content of the (ephemeral) followup the command sent."""
    kwargs = interaction.followup.send.call_args.kwargs
    assert kwargs.get("ephemeral") is True
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    return str(kwargs.get("content") or "")
