"""Fixtures for the bot's unit tests (the doubles themselves are in ``bot_doubles``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest.mock import MagicMock

import discord
import pytest
import pytest_asyncio

from bot.app import NewsBot
from retrieval.config import BotSettings, Settings
from tests.bot.bot_doubles import FakeService


@pytest.fixture
def bot_settings() -> Settings:
    return Settings(bot=BotSettings(cooldown_rate=2, cooldown_seconds=30.0, view_timeout=60.0))


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


@pytest_asyncio.fixture
async def news_bot(bot_settings: Settings, fake_service: FakeService) -> AsyncIterator[NewsBot]:
    """The real bot class with its extensions loaded, over the fake engine, not connected."""
    bot = NewsBot(bot_settings, fake_service, refresh_interval=None)  # type: ignore[arg-type]
    async with bot:
        await bot.setup_hook()
        bot._connection.user = MagicMock(spec=discord.ClientUser, id=999, bot=True)
        yield bot
