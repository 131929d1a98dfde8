"""Engine calls off the event loop, in fair turns, started only once pending
interactions are acknowledged.

Discord drops an interaction that gets no first response (for newsbot: a defer) within
3 seconds. The defer is an HTTP request made by the event loop, and engine calls are
pure-Python work that competes with the loop for the GIL (in threads) or for the
cores (in answering processes): a burst of questions used to keep every engine thread
busy while the loop still had hundreds of defers to send, so the last ones went out
after about 2 seconds. Here a call starts only when no application-command interaction
received in the last ``ACK_HOLD_SECONDS`` is still unanswered, so acknowledgements never
queue behind engine work (calls already running finish; they are short).

Engine calls take turns: a few run at once (a thread or an answering process each, see
``NewsService.submit_answer``) and the rest wait in a ``FairQueue`` with one line per
user, so answers go out in order of arrival and one user's many questions do not hold
up another user's one.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

import discord

T = TypeVar("T")

# Engine calls run at once when answers run in threads (``[engine] answer_processes``
# 0). Engine code holds the GIL most of the time, so more threads do not answer faster;
# each extra one is another thread the event loop waits behind for the GIL. In
# bench/bot_load.py (200 concurrent asks) 4 threads were slower than 2 for both
# acknowledgements and answers, and 1 and 2 were within noise; two let one call's
# database reads (which release the GIL) overlap another's ranking.
ENGINE_WORKERS = 2
# Engine calls run at once per answering process, when they run: one computing and one
# already sent, so a process starts its next answer as soon as it returns one instead of
# idling while the event loop (busy rendering and sending answers under a burst) hands
# it the next. More would only move waiting calls from the fair queue to the pool's
# first-come one.
CALLS_PER_PROCESS = 2
# An engine call waits at most this long for pending acknowledgements (seconds): past
# it the interaction is late anyway (a defer is normally sent within milliseconds), and
# a command that never answers must not stall the engine.
ACK_HOLD_SECONDS = 1.0
# While holding, the queue re-checks the pending interactions this often (seconds); a
# defer sent through ``acknowledged`` wakes it at once.
ACK_POLL_SECONDS = 0.01
# Answered and expired interactions are dropped when the engine is asked for, or on
# receiving one once this many are tracked (commands that never use the engine).
PRUNE_ABOVE = 64

# Whom the engine calls of the running command are for (the user's id, set when a
# command arrives): the lane of ``EngineRunner``'s fair queue. None: a lane per call.
engine_lane: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar(
    "engine_lane", default=None
)


class AckTracker:
    """Application-command interactions received and not yet answered (deferred or replied)."""

    def __init__(self) -> None:
        self._pending: dict[int, tuple[discord.Interaction[Any], float]] = {}
        self._changed = asyncio.Event()

    def received(self, interaction: discord.Interaction[Any]) -> None:
        """Count ``interaction`` as awaiting its first response."""
        if interaction.type is not discord.InteractionType.application_command:
            return  # autocomplete answers need the engine; components are not held for
        if len(self._pending) >= PRUNE_ABOVE:
            self.unanswered()
        deadline = asyncio.get_running_loop().time() + ACK_HOLD_SECONDS
        self._pending[interaction.id] = (interaction, deadline)

    def acknowledged(self, interaction: discord.Interaction[Any]) -> None:
        """``interaction`` got its first response: wake held engine calls now."""
        if self._pending.pop(interaction.id, None) is not None:
            self._changed.set()

    def unanswered(self) -> int:
        """How many interactions still hold the engine (answered and expired ones drop)."""
        now = asyncio.get_running_loop().time()
        done = [
            key
            for key, (interaction, deadline) in self._pending.items()
            if deadline <= now or interaction.response.is_done()
        ]
        for key in done:
            del self._pending[key]
        return len(self._pending)

    async def settled(self) -> None:
        """Return once no interaction is waiting for its first response."""
        while self.unanswered():
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), ACK_POLL_SECONDS)


class FairQueue(Generic[T]):
    """Waiting items in one first-come line per lane (a user), served round-robin.

    ``pop`` takes the first item of the lane at the front of the rotation and sends
    that lane to the back if it has more waiting. Items of different lanes are served
    in arrival order while each lane holds one, and a lane that queues many (one user's
    50 questions) gets one turn per round: someone else's single question waits for at
    most one of them, not all. Pure bookkeeping: no clock, no event loop.
    """

    def __init__(self) -> None:
        self._lanes: dict[Hashable, collections.deque[T]] = {}
        self._rotation: collections.deque[Hashable] = collections.deque()

    def __len__(self) -> int:
        return sum(len(items) for items in self._lanes.values())

    def __bool__(self) -> bool:
        return bool(self._rotation)

    def push(self, lane: Hashable, item: T) -> None:
        """Queue ``item`` at the end of ``lane``'s line."""
        items = self._lanes.get(lane)
        if items is None:
            self._lanes[lane] = items = collections.deque()
            self._rotation.append(lane)
        items.append(item)

    def pop(self) -> T:
        """The next item to serve; IndexError when nothing waits."""
        lane = self._rotation.popleft()
        items = self._lanes[lane]
        item = items.popleft()
        if items:
            self._rotation.append(lane)
        else:
            del self._lanes[lane]
        return item


class EngineRunner:
    """Engine calls in turns: ``capacity()`` at a time, the rest waiting in a ``FairQueue``.

    A call gets its turn, then waits for pending acknowledgements (``AckTracker``), then
    is submitted (to the service's executor: a thread or an answering process) and
    awaited; its turn passes on when it finishes. ``capacity`` is asked at every turn,
    so it follows the engine (answering processes started or stopped).
    """

    def __init__(self, acks: AckTracker, capacity: Callable[[], int]) -> None:
        self.acks = acks
        self._capacity = capacity
        self._running = 0
        self._waiting: FairQueue[asyncio.Future[None]] = FairQueue()

    async def run(self, submit: Callable[[], Future[T]], *, lane: Hashable | None = None) -> T:
        """``submit()``'s result, once this call's turn has come and acks are sent.

        ``lane`` is whom the call is for (a user id): the turns are fair between lanes.
        None gives the call a lane of its own (plain arrival order)."""
        await self._turn(object() if lane is None else lane)
        try:
            await self.acks.settled()
            return await asyncio.wrap_future(submit())
        finally:
            self._pass_turn()

    async def _turn(self, lane: Hashable) -> None:
        if self._running < self._capacity() and not self._waiting:
            self._running += 1
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.push(lane, turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn()  # given the turn as it was cancelled: hand it on
            raise

    def _pass_turn(self) -> None:
        """The turn of a call that ended goes to the next waiter (it stays counted as
        running), unless the capacity shrank below the calls running."""
        while self._waiting and self._running <= self._capacity():
            turn = self._waiting.pop()
            if not turn.done():  # a cancelled waiter is skipped
                turn.set_result(None)
                return
        self._running -= 1
