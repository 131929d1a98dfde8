"""The engine queue: calls wait for pending acknowledgements, a few at once, fair turns."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord
import pytest

from bot import engine
from bot.engine import AckTracker, EngineRunner

T = TypeVar("T")


@pytest.fixture
def threads() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(4)
    yield pool
    pool.shutdown(wait=False, cancel_futures=True)


def call(pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> Callable[[], Future[T]]:
    """What the bot hands the runner: a function that submits the call when its turn comes."""
    return lambda: pool.submit(fn, *args)


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


async def test_an_engine_call_waits_until_the_pending_command_is_deferred(
    threads: ThreadPoolExecutor,
) -> None:
    acks = AckTracker()
    runner = EngineRunner(acks, lambda: 2)
    command = _interaction(1)
    acks.received(command)
    started = threading.Event()
    running = asyncio.create_task(runner.run(call(threads, started.set)))
    await asyncio.sleep(0.05)
    assert not started.is_set(), "the engine ran before the command was acknowledged"
    command.response.done = True
    acks.acknowledged(command)
    await asyncio.wait_for(running, 1)
    assert started.is_set()


async def test_a_response_sent_elsewhere_releases_the_engine_too(
    threads: ThreadPoolExecutor,
) -> None:
    acks = AckTracker()
    runner = EngineRunner(acks, lambda: 1)
    command = _interaction(1)
    acks.received(command)
    running = asyncio.create_task(runner.run(call(threads, lambda: 42)))
    await asyncio.sleep(0.03)
    assert not running.done()
    command.response.done = True  # e.g. the error path answered; nobody called acknowledged
    assert await asyncio.wait_for(running, 1) == 42


async def test_a_command_that_never_answers_holds_the_engine_only_briefly(
    monkeypatch: pytest.MonkeyPatch, threads: ThreadPoolExecutor
) -> None:
    monkeypatch.setattr(engine, "ACK_HOLD_SECONDS", 0.05)
    acks = AckTracker()
    runner = EngineRunner(acks, lambda: 1)
    acks.received(_interaction(1))
    assert await asyncio.wait_for(runner.run(call(threads, lambda: "ran")), 1) == "ran"
    assert acks.unanswered() == 0


@pytest.mark.parametrize(
    "kind", [discord.InteractionType.autocomplete, discord.InteractionType.component]
)
async def test_autocomplete_and_buttons_do_not_hold_the_engine(
    kind: discord.InteractionType,
) -> None:
    acks = AckTracker()
    acks.received(_interaction(1, kind))
    assert acks.unanswered() == 0


async def test_calls_run_in_arrival_order_on_at_most_the_given_slots(
    threads: ThreadPoolExecutor,
) -> None:
    runner = EngineRunner(AckTracker(), lambda: 2)
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

    calls = [asyncio.create_task(runner.run(call(threads, work, n))) for n in range(6)]
    await asyncio.sleep(0.05)
    assert sorted(order) == [0, 1], "only two slots, taken by the first two calls"
    release.set()
    assert await asyncio.gather(*calls) == list(range(6))
    assert most <= 2
    assert order[:2] == [0, 1] or order[:2] == [1, 0]
    assert sorted(order[2:4]) == [2, 3]


async def test_answered_commands_are_forgotten_without_engine_calls() -> None:
    acks = AckTracker()
    for n in range(engine.PRUNE_ABOVE * 3):
        command = _interaction(n)
        acks.received(command)
        command.response.done = True  # answered without the engine, e.g. /help
    assert len(acks._pending) <= engine.PRUNE_ABOVE
    assert acks.unanswered() == 0


async def test_one_users_many_calls_do_not_hold_up_another_users_one(
    threads: ThreadPoolExecutor,
) -> None:
    runner = EngineRunner(AckTracker(), lambda: 1)
    order: list[str] = []
    gate = threading.Event()

    def work(name: str) -> str:
        gate.wait(1)
        order.append(name)
        return name

    many = [
        asyncio.create_task(runner.run(call(threads, work, f"a{n}"), lane="a")) for n in range(6)
    ]
    await asyncio.sleep(0.01)
    one = asyncio.create_task(runner.run(call(threads, work, "b0"), lane="b"))
    await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(*many, one)
    # a0 already had the slot when b0 arrived; b0 then waits for one more of a's at most.
    assert order.index("b0") <= 2
    assert [name for name in order if name.startswith("a")] == [f"a{n}" for n in range(6)]


async def test_a_cancelled_waiter_passes_its_turn_on(threads: ThreadPoolExecutor) -> None:
    runner = EngineRunner(AckTracker(), lambda: 1)
    gate = threading.Event()
    first = asyncio.create_task(runner.run(call(threads, gate.wait, 1)))
    await asyncio.sleep(0.01)
    given_up = asyncio.create_task(runner.run(call(threads, lambda: "never")))
    last = asyncio.create_task(runner.run(call(threads, lambda: "ran")))
    await asyncio.sleep(0.01)
    given_up.cancel()
    gate.set()
    assert await asyncio.wait_for(first, 1) is True
    assert await asyncio.wait_for(last, 1) == "ran"
    assert given_up.cancelled()
    # Every turn came back: the next call runs at once.
    assert await asyncio.wait_for(runner.run(call(threads, lambda: 1)), 1) == 1


async def test_the_capacity_is_read_at_every_turn(threads: ThreadPoolExecutor) -> None:
    capacity = [2]
    runner = EngineRunner(AckTracker(), lambda: capacity[0])
    lock = threading.Lock()
    running: list[int] = []
    most_after_shrink = 0
    gate = threading.Event()

    def work(n: int) -> int:
        nonlocal most_after_shrink
        with lock:
            running.append(n)
            if n >= 2:
                most_after_shrink = max(most_after_shrink, len(running))
        gate.wait(1)
        with lock:
            running.remove(n)
        return n

    calls = [asyncio.create_task(runner.run(call(threads, work, n))) for n in range(5)]
    await asyncio.sleep(0.05)
    assert sorted(running) == [0, 1]
    capacity[0] = 1  # e.g. the answering processes stopped
    gate.set()
    assert await asyncio.gather(*calls) == list(range(5))
    assert most_after_shrink == 1
    capacity[0] = 3
    assert await runner.run(call(threads, lambda: "free")) == "free"
