"""Engine calls off the event loop, started only once pending interactions are acknowledged.

Discord drops an interaction that gets no first response (for newsbot: a defer) within
3 seconds. The defer is an HTTP request made by the event loop, and engine calls are
pure-Python work in threads that compete with the loop for the GIL: a burst of
questions used to keep every engine thread busy while the loop still had hundreds of
defers to send, so the last ones went out after about 2 seconds. Here engine calls wait
in a first-come queue for one of a few threads, and a call starts only when no
application-command interaction received in the last ``ACK_HOLD_SECONDS`` is still
unanswered, so acknowledgements never queue behind engine work (calls already running
finish; they are short).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import discord

P = ParamSpec("P")
T = TypeVar("T")

# Engine threads. Engine code holds the GIL most of the time, so more threads do not
# answer faster; each extra one is another thread the event loop waits behind for the
# GIL. In bench/bot_load.py (200 concurrent asks) 4 threads were slower than 2 for both
# acknowledgements and answers, and 1 and 2 were within noise; two let one call's
# database reads (which release the GIL) overlap another's ranking.
ENGINE_WORKERS = 2
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


class EngineRunner:
    """A first-come queue of blocking engine calls for ``workers`` threads."""

    def __init__(self, acks: AckTracker, workers: int | None = None) -> None:
        self.acks = acks
        workers = workers or ENGINE_WORKERS
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="newsbot-engine")
        # Callers wait here, in arrival order, for a thread; only the few holding a slot
        # poll the acknowledgements.
        self._slots = asyncio.Semaphore(workers)

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in an engine thread once a thread is free and acks are sent."""
        async with self._slots:
            await self.acks.settled()
            call = functools.partial(fn, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
