"""The fake REST API: routing, body parsing, authorisation, recording and fault injection.

Each handler takes a parsed ``Call`` and returns ``(status, json)`` or raises
``ApiError``; the wrapper records the call and its answer in the ``Recorder``. Before
any handler runs, the body passes the ``Validation`` gate (Discord's API description
and ``rules``) and is refused with Discord's 400 if it fails. Any path
without a handler answers 404 and is recorded as ``UNHANDLED``, so a test notices when
the client uses an endpoint the fake does not model.

A test may set ``RestApi.fault_hook`` to answer some calls with a ``Fault`` instead (a
429 with Discord's rate-limit headers, a 5xx), either refusing the call or, with
``after_handling``, carrying it out and losing the answer (as a timeout does).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from .recording import RecordedFile, RecordedRequest, Recorder
from .store import ApiError, invalid_form_body
from .validation import Validation

API_PREFIX = "/api/v10"

Reply = tuple[int, Any]


@dataclass(frozen=True)
class Call:
    """One parsed REST request."""

    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: tuple[RecordedFile, ...]

    @property
    def json(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) else {}

    def int_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(404, 0, "404: Not Found") from None


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Fault:
    """An answer given instead of a handler's: its status, body and headers."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Carry the call out first, then answer with the fault (the answer is "lost").
    after_handling: bool = False


# (route, path parameters, body) -> the fault to answer with, or None to answer normally.
FaultHook = Callable[[str, Mapping[str, str], Any], Fault | None]


def rate_limited(retry_after: float, *, bucket: str = "fake", scope: str = "user") -> Fault:
    """A 429 as Discord sends one: JSON body plus ``Retry-After``/``X-RateLimit-*`` headers.

    ``Via`` is set because discord.py takes a 429 without it for a Cloudflare ban.
    """
    headers = {
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",
    }
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    return Fault(429, body, headers)


def rate_limit_every(nth: int, routes: frozenset[str], *, retry_after: float = 0.05) -> FaultHook:
    """A fault hook answering every ``nth`` call of ``routes`` with a 429, the way Discord
    spreads rate limits over a busy bot; the client must wait and retry each one."""
    calls = [0]

    def hook(route: str, params: Mapping[str, str], body: Any) -> Fault | None:
        if route not in routes:
            return None
        calls[0] += 1
        if calls[0] % nth:
            return None
        return rate_limited(retry_after, bucket=route.split(" ", 1)[1])

    return hook


def json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    """discord.py only decodes a body whose content type is exactly ``application/json``."""
    extra = dict(headers or {})
    if status == 204 or data is None:
        return web.Response(status=204, headers=extra)
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **extra},
    )


async def parse_body(request: web.Request) -> tuple[Any, tuple[RecordedFile, ...]]:
    """JSON bodies as they are; multipart bodies as ``payload_json`` plus the files."""
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[RecordedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                files.append(
                    RecordedFile(
                        field=part.name or "",
                        filename=part.filename or "",
                        content_type=part.headers.get(hdrs.CONTENT_TYPE, ""),
                        data=bytes(await part.read()),
                    )
                )
        return body, tuple(files)
    if not request.can_read_body:
        return None, ()
    text = await request.text()
    return (json.loads(text) if text else None), ()


class RestApi:
    """Routes of the fake API, all recorded in ``recorder``."""

    def __init__(self, recorder: Recorder, token: str) -> None:
        self.recorder = recorder
        self.token = token
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.fault_hook: FaultHook | None = None
        self.validation = Validation()

    def add(self, method: str, path: str, handler: Handler, *, auth: bool = True) -> None:
        """Register ``handler``; ``auth=False`` for token-addressed webhook routes."""
        route = f"{method} {path}"

        async def endpoint(request: web.Request) -> web.Response:
            body, files = await parse_body(request)
            record = RecordedRequest(
                index=0,
                method=request.method,
                path=request.path.removeprefix(API_PREFIX),
                route=route,
                params=dict(request.match_info),
                query=dict(request.query),
                body=body,
                files=files,
            )
            problems = self.validation.check(request.method, record.path, route, body, files)
            fault = self.fault_hook(route, record.params, body) if self.fault_hook else None
            if problems:
                fault = None  # Discord refuses a malformed body before anything else
            if fault is None or fault.after_handling:
                try:
                    if auth and request.headers.get(hdrs.AUTHORIZATION) != f"Bot {self.token}":
                        raise ApiError(401, 0, "401: Unauthorized")
                    if any(p.startswith("attachment_size:") for p in problems):
                        raise ApiError(413, 40005, "Request entity too large", problems)
                    if problems:
                        raise invalid_form_body(problems)
                    status, data = await handler(Call(record.params, record.query, body, files))
                except ApiError as exc:
                    status, data = exc.status, exc.to_json()
            if fault is not None:
                status, data, record.injected = fault.status, fault.body, True
            record.status, record.response = status, data
            self.recorder.add(record)
            return json_response(status, data, fault.headers if fault else None)

        self.app.router.add_route(method, API_PREFIX + path, endpoint)

    def add_fallback(self) -> None:
        """Answer every other path 404 and record it as UNHANDLED (register last)."""

        async def unhandled(request: web.Request) -> web.Response:
            body, files = await parse_body(request)
            record = RecordedRequest(
                index=0,
                method=request.method,
                path=request.path.removeprefix(API_PREFIX),
                route="UNHANDLED",
                params={},
                query=dict(request.query),
                body=body,
                files=files,
                status=404,
                response={"code": 0, "message": "404: Not Found"},
            )
            self.recorder.add(record)
            return json_response(404, record.response)

        self.app.router.add_route("*", API_PREFIX + "/{tail:.*}", unhandled)
