"""The fake Discord's fault injection, against a real discord.py client.

429s carrying Discord's headers are waited out and retried, 5xx answers are retried,
a lost answer to a message sent with ``enforce_nonce`` does not post it twice, a
dropped gateway connection is resumed, and a trimmed request log keeps its positions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import discord

from tests.bot.e2e.harness_bots import harness_bot
from tests.fakediscord import FakeDiscord, Fault, rate_limited, running

MESSAGES = "POST /channels/{channel_id}/messages"
# Seconds a 429 asks the client to wait.
RETRY_AFTER = 0.3
EVENT_TIMEOUT = 5.0


def fail_first(route: str, fault: Fault, times: int = 1) -> Any:
    """A fault hook answering the first ``times`` calls of ``route`` with ``fault``."""
    left = [times]

    def hook(called: str, params: Mapping[str, str], body: Any) -> Fault | None:
        if called != route or left[0] == 0:
            return None
        left[0] -= 1
        return fault

    return hook


async def _send(fake: FakeDiscord, bot: discord.Client, **kwargs: Any) -> discord.Message:
    channel = bot.get_channel(fake.world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    return await channel.send("hello", **kwargs)


async def test_a_429_is_waited_out_and_retried(fake_discord: FakeDiscord) -> None:
    fake_discord.api.fault_hook = fail_first(MESSAGES, rate_limited(RETRY_AFTER))
    bot = harness_bot()
    async with running(fake_discord, bot):
        start = time.monotonic()
        await _send(fake_discord, bot)
        assert time.monotonic() - start >= RETRY_AFTER
    posts = [r for r in fake_discord.requests if r.route == MESSAGES]
    assert [(r.status, r.injected) for r in posts] == [(429, True), (200, False)]
    assert posts[0].response["retry_after"] == RETRY_AFTER
    assert fake_discord.errors() == []


async def test_5xx_answers_are_retried(fake_discord: FakeDiscord) -> None:
    fake_discord.api.fault_hook = fail_first(MESSAGES, Fault(502, {"message": "Bad Gateway"}))
    bot = harness_bot()
    async with running(fake_discord, bot):
        await _send(fake_discord, bot)
    statuses = [r.status for r in fake_discord.requests if r.route == MESSAGES]
    assert statuses == [502, 200]


async def test_a_lost_answer_with_enforce_nonce_posts_once(fake_discord: FakeDiscord) -> None:
    lost = Fault(500, {"message": "Internal Server Error"}, after_handling=True)
    fake_discord.api.fault_hook = fail_first(MESSAGES, lost)
    bot = harness_bot()
    async with running(fake_discord, bot):
        sent = await _send(fake_discord, bot, nonce="dg1p1")  # discord.py enforces it
    hello = [m for m in fake_discord.store.messages.values() if m["content"] == "hello"]
    assert [int(m["id"]) for m in hello] == [sent.id]


async def test_a_dropped_connection_is_resumed(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        await fake_discord.disconnect()
        deadline = time.monotonic() + EVENT_TIMEOUT
        while fake_discord.gateway.resumes == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert fake_discord.gateway.resumes == 1
        await fake_discord.send_message("after the drop")
        seen = await asyncio.wait_for(bot.seen.get(), EVENT_TIMEOUT)
        assert seen.content == "after the drop"


async def test_trimming_keeps_positions(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        await _send(fake_discord, bot)
        mark = fake_discord.mark()
        assert fake_discord.recorder.trim(keep=1) == mark - 1
        assert fake_discord.mark() == mark
        await _send(fake_discord, bot)
        request = await fake_discord.wait_for_request(lambda r: r.route == MESSAGES, since=mark)
        assert request.index == mark
