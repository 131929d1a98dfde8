"""Per-host politeness: one request at a time to a host, with a pause between requests.

A feed poll can queue dozens of article URLs on one site; without this they would all
hit it at once. The gate lives on the fetcher's event loop, so every fetch made through
one ``Fetcher`` (from any thread) shares it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

# Idle hosts are forgotten once this many are remembered, so the table stays small on a
# bot that fetches from many sites.
PRUNE_ABOVE = 1024


@dataclass
class _Slot:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_done: float = -math.inf
    users: int = 0


class HostGate:
    """Serialises requests per host and spaces them ``interval`` seconds apart.

    The gap runs from the end of one request to the start of the next, so a slow site
    gets a pause after each response rather than back-to-back requests.
    """

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._slots: dict[str, _Slot] = {}

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        """Wait for ``host``'s turn, hold it for the request, and stamp its end."""
        if len(self._slots) > PRUNE_ABOVE:
            self._prune()
        key = host.rstrip(".").lower()
        slot = self._slots.setdefault(key, _Slot())
        slot.users += 1
        try:
            async with slot.lock:
                wait = slot.last_done + self._interval - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    yield
                finally:
                    slot.last_done = self._clock()
        finally:
            slot.users -= 1

    def _prune(self) -> None:
        now = self._clock()
        idle = [
            key
            for key, slot in self._slots.items()
            if slot.users == 0 and slot.last_done + self._interval <= now
        ]
        for key in idle:
            del self._slots[key]
