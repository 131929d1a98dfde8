"""Building, starting and syncing the bot, without a network."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock

import discord
import pytest
from discord import app_commands

from bot import app
from bot.app import TOKEN_ENV, NewsBot, build_intents, run_bot, sync_commands
from retrieval.config import Settings
from retrieval.errors import ConfigError, EngineUnavailable
from retrieval.executor import THREAD_PREFIX
from retrieval.results import Scope
from tests.bot.bot_doubles import FakeService


def test_intents_with_and_without_message_content() -> None:
    full = build_intents(message_content=True)
    assert (full.guilds, full.guild_messages, full.message_content) == (True, True, True)
    assert not full.members and not full.presences
    assert build_intents(message_content=False).message_content is False


async def test_bot_defaults_ping_no_one_and_shard_as_asked() -> None:
    bot = NewsBot(Settings(), None, shard_ids=[1], shard_count=4, message_content=False)
    async with bot:
        assert bot.allowed_mentions is not None
        assert bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
        assert (bot.shard_ids, bot.shard_count) == ([1], 4)
        assert bot.intents.message_content is False
        assert bot.help_command is None
        with pytest.raises(EngineUnavailable):
            _ = bot.service


async def test_extensions_load_one_cog_per_feature(bot_settings: Settings) -> None:
    bot = NewsBot(bot_settings, None, refresh_interval=None)
    async with bot:
        await bot.setup_hook()
        assert sorted(bot.extensions) == sorted(app.EXTENSIONS)
        assert sorted(bot.cogs) == [
            "Admin ingest",
            "Ask",
            "Digest",
            "Feeds",
            "Help",
            "News",
            "Sources",
            "Summary",
            "Trend",
        ]


async def test_the_index_is_refreshed_in_the_background(bot_settings: Settings) -> None:
    service = FakeService()
    bot = NewsBot(bot_settings, service, refresh_interval=0.001)  # type: ignore[arg-type]
    async with bot:
        await bot.setup_hook()
        async with asyncio.timeout(5):
            while not service.calls_to("refresh"):
                await asyncio.sleep(0.001)
    assert service.threads[0].startswith("newsbot-engine")


async def test_the_bot_starts_answering_processes_and_answers_without_them_if_they_fail(
    bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    started: list[str] = []

    def start_answer_processes() -> list[int]:
        started.append("asked")
        raise EngineUnavailable("the answering processes did not start", part="answers")

    service = FakeService()
    service.start_answer_processes = start_answer_processes  # type: ignore[attr-defined]
    bot = NewsBot(bot_settings, service, refresh_interval=None, answer_processes=True)  # type: ignore[arg-type]
    async with bot:
        await bot.setup_hook()
        assert started == ["asked"]
        assert "answering in the bot's threads" in caplog.text
        answer = await bot.run_answer("ask", "Seoul", lane=1, scope=Scope())
    assert answer.found and service.threads[-1].startswith(THREAD_PREFIX)


async def test_run_without_a_token_explains_and_returns_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert await run_bot(Settings()) == 2
    assert TOKEN_ENV in capsys.readouterr().err


async def test_run_with_a_rejected_token_explains_and_returns_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-a-token")
    monkeypatch.setattr(
        NewsBot, "start", AsyncMock(side_effect=discord.LoginFailure("Improper token"))
    )
    assert await run_bot(settings) == 2
    assert "rejected the token" in capsys.readouterr().err


async def test_sync_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    with pytest.raises(ConfigError):
        await sync_commands(Settings(), None)


async def test_sync_with_a_rejected_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-a-token")
    monkeypatch.setattr(NewsBot, "login", AsyncMock(side_effect=discord.LoginFailure("no")))
    with pytest.raises(ConfigError, match="rejected"):
        await sync_commands(Settings(), None)


@pytest.mark.parametrize("guild_id", [None, 1234])
async def test_sync_registers_globally_or_for_one_guild(
    monkeypatch: pytest.MonkeyPatch, guild_id: int | None
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "token")

    async def fake_login(self: NewsBot, _token: str) -> None:
        await self.setup_hook()  # what the real login does after authenticating

    synced: dict[str, Any] = {}

    async def fake_sync(tree: app_commands.CommandTree[Any], *, guild: Any = None) -> list[Any]:
        synced["guild"] = guild
        return tree.get_commands(guild=guild)

    monkeypatch.setattr(NewsBot, "login", fake_login)
    monkeypatch.setattr(app_commands.CommandTree, "sync", fake_sync)
    assert await sync_commands(Settings(), guild_id) == 10
    assert (synced["guild"].id if synced["guild"] else None) == guild_id


async def test_login_uses_a_bounded_pool_of_rest_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discord.Client, "login", AsyncMock())
    bot = NewsBot(Settings(), None, refresh_interval=None)
    await bot.login("token")
    connector = bot.http.connector
    assert connector.limit_per_host == app.HTTP_CONNECTIONS_PER_HOST
    await connector.close()
