"""Every REST call the client makes, kept in order, with a way to await a matching one.

Waiting is predicate based and scans what was already recorded first, so a test that
dispatches an event and then waits never misses a reply that arrived in between.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Seconds a test waits for the bot's reply unless it says otherwise.
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class RecordedFile:
    """One uploaded file of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One REST call, with what the fake answered."""

    index: int
    method: str
    # Path below the API prefix, e.g. ``/channels/123/messages``.
    path: str
    # Route template, e.g. ``POST /channels/{channel_id}/messages``; "UNHANDLED" if none.
    route: str
    params: dict[str, str]
    query: dict[str, str]
    # Parsed JSON body (for multipart: the ``payload_json`` part); None without a body.
    body: Any
    files: tuple[RecordedFile, ...] = ()
    status: int = 0
    response: Any = None
    at: float = field(default_factory=time.monotonic)
    # The answer was a fault injected by ``RestApi.fault_hook``, not the handler's.
    injected: bool = False

    @property
    def message(self) -> JSON:
        """The message the bot asked to send or edit.

        Interaction callbacks wrap it in ``data``; every other message route sends it bare.
        """
        body = self.body if isinstance(self.body, dict) else {}
        if self.route.endswith("/callback"):
            data = body.get("data")
            return data if isinstance(data, dict) else {}
        return body

    @property
    def callback_type(self) -> int | None:
        """The interaction response type of a callback request, else None."""
        if not self.route.endswith("/callback") or not isinstance(self.body, dict):
            return None
        kind = self.body.get("type")
        return kind if isinstance(kind, int) else None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __str__(self) -> str:
        return f"#{self.index} {self.method} {self.path} -> {self.status}"


Predicate = Callable[[RecordedRequest], bool]


class Recorder:
    """The ordered request log plus waiters woken as requests complete."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._waiters: list[tuple[Predicate, asyncio.Future[RecordedRequest]]] = []
        # Requests dropped by ``trim``; positions stay counted from the first request.
        self.trimmed = 0

    def mark(self) -> int:
        """A position in the log: pass it as ``since`` to wait only for later requests."""
        return self.trimmed + len(self.requests)

    def add(self, request: RecordedRequest) -> None:
        request.index = self.mark()
        self.requests.append(request)
        still_waiting = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            if predicate(request):
                future.set_result(request)
            else:
                still_waiting.append((predicate, future))
        self._waiters = still_waiting

    def _after(self, since: int) -> list[RecordedRequest]:
        return self.requests[max(0, since - self.trimmed) :]

    def find(self, predicate: Predicate, *, since: int = 0) -> list[RecordedRequest]:
        return [r for r in self._after(since) if predicate(r)]

    async def wait_for(
        self, predicate: Predicate, *, since: int = 0, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedRequest:
        """The first request at or after ``since`` matching ``predicate``."""
        for request in self._after(since):
            if predicate(request):
                return request
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = "\n".join(str(r) for r in self._after(since)) or "(none)"
            raise AssertionError(
                f"no matching request within {timeout:.1f}s; requests since #{since}:\n{seen}"
            ) from None

    def errors(self) -> list[RecordedRequest]:
        """Requests the fake refused (unknown routes, invalid bodies, double acks...);
        injected faults are the test's doing, not the client's, and are not counted."""
        return [r for r in self.requests if not r.ok and not r.injected]

    def trim(self, keep: int) -> int:
        """Forget all but the last ``keep`` requests (long runs); returns how many went.

        Positions from ``mark`` stay valid: waiting from a forgotten one starts at the
        oldest request kept.
        """
        drop = max(0, len(self.requests) - keep)
        del self.requests[:drop]
        self.trimmed += drop
        return drop
