"""The fake gateway against a real discord.py client: handshake, intents, resume, shards."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from typing import Any

import discord
import pytest

from tests.bot.e2e.harness_bots import harness_bot
from tests.fakediscord import FakeDiscord, running

# Seconds to wait for one gateway event to reach the client.
EVENT_TIMEOUT = 5.0


async def test_handshake_identifies_with_compression_and_heartbeats(
    fake_discord: FakeDiscord,
) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        assert bot.user is not None and bot.user.id == fake_discord.world.bot.id
        query = fake_discord.gateway.connects[0]
        assert query["v"] == "10" and query["encoding"] == "json"
        assert query["compress"] == "zlib-stream"
        identify = next(p for p in fake_discord.gateway.received if p["op"] == 2)
        assert identify["d"]["intents"] == bot.intents.value
        assert any(p["op"] == 1 for p in fake_discord.gateway.received)
        assert math.isfinite(bot.latency)
        guild = bot.get_guild(fake_discord.world.guild.id)
        assert guild is not None and guild.me is not None
        channel = guild.get_channel(fake_discord.world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        perms = channel.permissions_for(guild.me)
        assert perms.send_messages and perms.embed_links and perms.mention_everyone
    assert bot.is_closed()


async def test_message_content_intent_is_enforced(fake_discord: FakeDiscord) -> None:
    bot = harness_bot(message_content=False)
    async with running(fake_discord, bot):
        await fake_discord.send_message("hello there")
        plain = await asyncio.wait_for(bot.seen.get(), EVENT_TIMEOUT)
        assert plain.content == ""
        assert bot.user is not None
        await fake_discord.send_message(f"<@{bot.user.id}> hello there")
        mention = await asyncio.wait_for(bot.seen.get(), EVENT_TIMEOUT)
        assert mention.content.endswith("hello there")
        assert bot.user in mention.mentions


async def test_reconnect_resumes_the_session(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    resumed = asyncio.Event()
    bot.add_listener(_setter(resumed), "on_resumed")
    async with running(fake_discord, bot):
        sessions_before = len(fake_discord.gateway.sessions)
        await fake_discord.request_reconnect()
        await asyncio.wait_for(resumed.wait(), EVENT_TIMEOUT)
        assert fake_discord.gateway.resumes == 1
        assert len(fake_discord.gateway.sessions) == sessions_before
        since = fake_discord.mark()
        await fake_discord.send_message("!ping")
        _, reply = await fake_discord.next_bot_message(since=since)
        assert reply["content"] == "pong"


def _setter(event: asyncio.Event) -> Callable[[], Coroutine[Any, Any, None]]:
    async def on_event() -> None:
        event.set()

    return on_event


async def test_auto_sharded_bot_gets_each_guild_on_its_shard() -> None:
    fake = FakeDiscord(guild_count=2, shard_count=2)
    await fake.start()
    try:
        bot = harness_bot(sharded=True)
        async with running(fake, bot):
            assert {s.shard_id for s in fake.gateway.sessions.values()} == {0, 1}
            assert {g.id for g in bot.guilds} == {g.id for g in fake.world.guilds}
            for guild in fake.world.guilds:
                since = fake.mark()
                await fake.send_message("!ping", channel=guild.channels[0])
                _, reply = await fake.next_bot_message(since=since, channel=guild.channels[0])
                assert reply["content"] == "pong"
    finally:
        await fake.close()


async def test_wrong_token_is_refused(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    with fake_discord.patched(), pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()
    assert fake_discord.requests[-1].status == 401


async def test_patch_is_restored(fake_discord: FakeDiscord) -> None:
    base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    with fake_discord.patched():
        assert fake_discord.api_base == discord.http.Route.BASE
    assert base == discord.http.Route.BASE
    assert gateway == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
