"""The fake REST API: routing, body parsing, authorisation and recording.

Each handler takes a parsed ``Call`` and returns ``(status, json)`` or raises
``ApiError``; the wrapper records the call and its answer in the ``Recorder``. Any path
without a handler answers 404 and is recorded as ``UNHANDLED``, so a test notices when
the client uses an endpoint the fake does not model.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, hdrs, web

from .recording import RecordedFile, RecordedRequest, Recorder
from .store import ApiError

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


def json_response(status: int, data: Any) -> web.Response:
    """discord.py only decodes a body whose content type is exactly ``application/json``."""
    if status == 204 or data is None:
        return web.Response(status=204)
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
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
            try:
                if auth and request.headers.get(hdrs.AUTHORIZATION) != f"Bot {self.token}":
                    raise ApiError(401, 0, "401: Unauthorized")
                status, data = await handler(Call(record.params, record.query, body, files))
            except ApiError as exc:
                status, data = exc.status, exc.to_json()
            record.status, record.response = status, data
            self.recorder.add(record)
            return json_response(status, data)

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
