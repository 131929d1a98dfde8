"""Acknowledgements under load: the defer goes out before engine work, never behind it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import discord
import pytest

from bot import engine
from tests.bot.e2e.newsbot_harness import RunningNewsBot, assert_quiet_and_within_limits

# Questions dispatched at once (distinct users, so no cooldown applies).
BURST = 8
# At most this many seconds the engine threads are kept busy while the burst arrives
# (the test releases them once every defer is in).
BUSY_SECONDS = 30.0
QUESTION = "What did Yoon and Luxon condemn?"
# How late the slow user's defer goes out (seconds).
SLOW_DEFER_SECONDS = 0.3


def _record_asks(newsbot: RunningNewsBot, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The times at which questions reach the engine (``NewsService.ask``)."""
    asked: list[float] = []
    real_ask = newsbot.service.ask

    def ask(*args: Any, **kwargs: Any) -> Any:
        asked.append(time.monotonic())
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(newsbot.service, "ask", ask)
    return asked


async def test_asks_are_deferred_before_the_engine_runs_even_when_it_is_busy(
    newsbot: RunningNewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, bot = newsbot.fake, newsbot.bot
    await bot.tree.sync()
    asked = _record_asks(newsbot, monkeypatch)
    # Every engine thread is taken by a long call, as under a burst of questions.
    release = threading.Event()
    busy = [asyncio.create_task(bot.run_engine(release.wait, BUSY_SECONDS)) for _ in range(4)]
    await asyncio.sleep(0.05)
    users = [fake.world.add_user(f"reader{n}").username for n in range(BURST)]
    states = [await fake.slash("ask", {"question": QUESTION}, user=u) for u in users]
    acks = [await fake.callback(s) for s in states]
    acked_at = max(a.at for a in acks)
    assert all(a.callback_type == 5 for a in acks), "each ask is deferred first"
    assert not release.is_set() and not asked, "the defers did not wait for the engine"
    release.set()
    await asyncio.gather(*busy)
    replies = [await fake.interaction_reply(s) for s in states]
    assert len(asked) == BURST
    assert min(asked) > acked_at, "no question reached the engine before every defer"
    assert all(request.at > acked_at for request, _ in replies)
    assert_quiet_and_within_limits(fake)


async def test_engine_work_waits_for_a_slow_defer_of_another_command(
    newsbot: RunningNewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's defer is slow (a slow network); B's question must not take the engine first."""
    fake, bot = newsbot.fake, newsbot.bot
    await bot.tree.sync()
    asked = _record_asks(newsbot, monkeypatch)
    monkeypatch.setattr(engine, "ACK_HOLD_SECONDS", 30.0)  # a loaded test machine is slow
    slow_user = fake.world.add_user("slow").id
    real_defer = discord.InteractionResponse.defer

    async def defer(self: discord.InteractionResponse[Any], **kwargs: Any) -> Any:
        if self._parent.user.id == slow_user:
            await asyncio.sleep(SLOW_DEFER_SECONDS)
        return await real_defer(self, **kwargs)

    monkeypatch.setattr(discord.InteractionResponse, "defer", defer)
    slow = await fake.slash("ask", {"question": QUESTION}, user="slow")
    quick = await fake.slash("ask", {"question": QUESTION}, user=fake.world.add_user("q").username)
    slow_ack = await fake.callback(slow)
    await fake.interaction_reply(quick)
    await fake.interaction_reply(slow)
    assert min(asked) > slow_ack.at, "the engine ran while a command was still unacknowledged"
    assert_quiet_and_within_limits(fake)
