"""The engine queue: calls wait for pending acknowledgements, a few threads, arrival order."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest

from bot import engine
from bot.engine import AckTracker, EngineRunner


@dataclass
class _Response:
    done: bool = False

    def is_done(self) -> bool:
        return self.done


@dataclass
class _Interaction:
    """What the tracker reads of a ``discord.Interaction``."""

    id: int
    type: discord.InteractionType = discord.InteractionType.application_command
    response: _Response = field(default_factory=_Response)


def _interaction(id_: int, kind: discord.InteractionType | None = None) -> Any:
    return _Interaction(id_, kind or discord.InteractionType.application_command)


async def test_an_engine_call_waits_until_the_pending_command_is_deferred() -> None:
    acks = AckTracker()
    runner = EngineRunner(acks, workers=2)
    command = _interaction(1)
    acks.received(command)
    started = threading.Event()
    call = asyncio.create_task(runner.run(started.set))
    await asyncio.sleep(0.05)
    assert not started.is_set(), "the engine ran before the command was acknowledged"
    command.response.done = True
    acks.acknowledged(command)
    await asyncio.wait_for(call, 1)
    assert started.is_set()
    runner.shutdown()


async def test_a_response_sent_elsewhere_releases_the_engine_too() -> None:
    acks = AckTracker()
    runner = EngineRunner(acks, workers=1)
    command = _interaction(1)
    acks.received(command)
    call = asyncio.create_task(runner.run(lambda: 42))
    await asyncio.sleep(0.03)
    assert not call.done()
    command.response.done = True  # e.g. the error path answered; nobody called acknowledged
    assert await asyncio.wait_for(call, 1) == 42
    runner.shutdown()


async def test_a_command_that_never_answers_holds_the_engine_only_briefly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "ACK_HOLD_SECONDS", 0.05)
    acks = AckTracker()
    runner = EngineRunner(acks, workers=1)
    acks.received(_interaction(1))
    assert await asyncio.wait_for(runner.run(lambda: "ran"), 1) == "ran"
    assert acks.unanswered() == 0
    runner.shutdown()


@pytest.mark.parametrize(
    "kind", [discord.InteractionType.autocomplete, discord.InteractionType.component]
)
async def test_autocomplete_and_buttons_do_not_hold_the_engine(
    kind: discord.InteractionType,
) -> None:
    acks = AckTracker()
    acks.received(_interaction(1, kind))
    assert acks.unanswered() == 0


async def test_calls_run_in_arrival_order_on_at_most_the_given_threads() -> None:
    runner = EngineRunner(AckTracker(), workers=2)
    lock = threading.Lock()
    running: list[int] = []
    most = 0
    order: list[int] = []
    release = threading.Event()

    def work(n: int) -> int:
        nonlocal most
        with lock:
            running.append(n)
            order.append(n)
            most = max(most, len(running))
        release.wait(1)
        with lock:
            running.remove(n)
        return n

    calls = [asyncio.create_task(runner.run(work, n)) for n in range(6)]
    await asyncio.sleep(0.05)
    assert sorted(order) == [0, 1], "only two threads, taken by the first two calls"
    release.set()
    assert await asyncio.gather(*calls) == list(range(6))
    assert most <= 2
    assert order[:2] == [0, 1] or order[:2] == [1, 0]
    assert sorted(order[2:4]) == [2, 3]
    runner.shutdown()


async def test_answered_commands_are_forgotten_without_engine_calls() -> None:
    acks = AckTracker()
    for n in range(engine.PRUNE_ABOVE * 3):
        command = _interaction(n)
        acks.received(command)
        command.response.done = True  # answered without the engine, e.g. /help
    assert len(acks._pending) <= engine.PRUNE_ABOVE
    assert acks.unanswered() == 0
