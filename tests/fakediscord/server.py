"""``FakeDiscord``: the fake API + gateway on 127.0.0.1, and what a test does with it.

A test starts it, points discord.py at it with ``patched()``, then acts as Discord's
users (``send_message``, ``slash``, ``press``, ``autocomplete``) and awaits the bot's
REST calls (``wait_for_request``, ``next_bot_message``, ``interaction_reply``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import discord
import yarl
from aiohttp import web

from . import events
from .events import OptionValue
from .gateway import GatewayHub
from .interaction_routes import (
    CALLBACK_MESSAGE,
    CALLBACK_UPDATE,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    InteractionRoutes,
)
from .model import JSON, FakeChannel, FakeUser, World
from .recording import DEFAULT_TIMEOUT, Predicate, RecordedRequest, Recorder
from .rest import API_PREFIX, RestApi
from .routes import CoreRoutes
from .store import FLAG_LOADING, InteractionState, MessageStore
from .validation import Validation

_MESSAGE_ROUTES = (
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
    "POST /webhooks/{application_id}/{token}",
    "PATCH /webhooks/{application_id}/{token}/messages/{message_id}",
    "POST /interactions/{interaction_id}/{token}/callback",
)


def sent_message(request: RecordedRequest) -> JSON | None:
    """The message a successful request created or edited, as the fake stored it."""
    if not request.ok or request.route not in _MESSAGE_ROUTES:
        return None
    response = request.response if isinstance(request.response, dict) else {}
    if request.route.endswith("/callback"):
        message = (response.get("resource") or {}).get("message")
        return message if isinstance(message, dict) else None
    return response


def _visible(message: JSON | None) -> bool:
    return message is not None and not int(message.get("flags") or 0) & FLAG_LOADING


class FakeDiscord:
    """One fake Discord: REST under ``/api/v10``, the gateway websocket at ``/``."""

    def __init__(
        self, *, guild_count: int = 1, shard_count: int = 1, token: str | None = None
    ) -> None:
        self.token = token or f"fake.{secrets.token_urlsafe(24)}"
        self.world = World.default(guild_count=guild_count)
        self.recorder = Recorder()
        self.api = RestApi(self.recorder, self.token)
        self.store = MessageStore(self.world, cdn_base="")
        self.core = CoreRoutes(self.api, self.world, self.store, gateway_url="")
        self.core.shard_count = shard_count
        self.interaction_routes = InteractionRoutes(self.api, self.world, self.store)
        self.api.add_fallback()
        self.gateway = GatewayHub(self.world, self.token)
        self.api.app.router.add_get("/", self.gateway.handle)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self._runner = web.AppRunner(self.api.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        self.store.cdn_base = self.base_url
        self.core.gateway_url = self.gateway.resume_url = f"ws://{host}:{port}/"

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here; restore them after."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.core.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def advance_clock(self, seconds: float) -> None:
        """Let ``seconds`` pass for the fake (interaction deadlines and token lifetimes)."""
        self.store.clock.advance(seconds)

    # --- the request log ---------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    def mark(self) -> int:
        return self.recorder.mark()

    def errors(self) -> list[RecordedRequest]:
        return self.recorder.errors()

    def assert_clean(self) -> None:
        """Fail if Discord would have refused a request body, or ignored an ephemeral flag
        the bot relied on (the first followup after a public deferral)."""
        ignored = self.interaction_routes.ignored_ephemeral
        self.interaction_routes.ignored_ephemeral = []
        self.validation.assert_clean()
        assert not ignored, f"followups meant to be private were shown to everyone: {ignored}"

    @property
    def validation(self) -> Validation:
        """The request gate: bodies checked against Discord's description and rules."""
        return self.api.validation

    async def wait_for_request(
        self, predicate: Predicate, *, since: int = 0, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedRequest:
        return await self.recorder.wait_for(predicate, since=since, timeout=timeout)

    async def next_bot_message(
        self,
        *,
        since: int,
        channel: FakeChannel | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> tuple[RecordedRequest, JSON]:
        """The next visible message the bot created or edited (in ``channel``, if given)."""
        want = None if channel is None else str(channel.id)

        def matches(request: RecordedRequest) -> bool:
            message = sent_message(request)
            return _visible(message) and want in (None, (message or {}).get("channel_id"))

        request = await self.wait_for_request(matches, since=since, timeout=timeout)
        message = sent_message(request)
        assert message is not None
        return request, message

    async def interaction_reply(
        self, interaction: InteractionState, *, since: int = 0, timeout: float = DEFAULT_TIMEOUT
    ) -> tuple[RecordedRequest, JSON]:
        """The first visible message answering ``interaction`` (after any deferral)."""

        def matches(request: RecordedRequest) -> bool:
            if request.params.get("token") != interaction.token:
                return False
            if request.route.endswith("/callback"):
                return request.ok and request.callback_type in (CALLBACK_MESSAGE, CALLBACK_UPDATE)
            return _visible(sent_message(request))

        request = await self.wait_for_request(matches, since=since, timeout=timeout)
        message = sent_message(request)
        assert message is not None
        return request, message

    async def callback(
        self, interaction: InteractionState, *, timeout: float = DEFAULT_TIMEOUT
    ) -> RecordedRequest:
        """The initial callback the bot sent for ``interaction``."""
        return await self.wait_for_request(
            lambda r: r.route.endswith("/callback") and r.params.get("token") == interaction.token,
            timeout=timeout,
        )

    # --- acting as Discord's users ------------------------------------------------

    def user(self, name: str) -> FakeUser:
        return self.world.users[name]

    async def send_message(
        self,
        content: str,
        *,
        author: str = "alice",
        channel: FakeChannel | None = None,
        reply_to: JSON | None = None,
    ) -> JSON:
        """Dispatch MESSAGE_CREATE for ``author`` saying ``content``; returns the message."""
        where = channel or self.world.channel
        data = events.user_message(self.world, where, self.user(author), content, reply_to=reply_to)
        self.store.put(data)
        await self.gateway.dispatch("MESSAGE_CREATE", data, guild_id=where.guild_id)
        return data

    def registered_command(self, name: str, guild_id: int | None) -> JSON | None:
        for key in (guild_id, None):
            for command in self.core.commands.get(key, []):
                if command["name"] == name:
                    return command
        return None

    async def _dispatch_interaction(
        self, state: InteractionState, data: JSON, message: JSON | None = None
    ) -> InteractionState:
        state.dispatched_at = self.store.clock.now()
        self.store.interactions[state.token] = state
        payload = events.interaction_payload(self.world, state, data, message)
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=state.channel.guild_id)
        return state

    async def slash(
        self,
        name: str,
        options: dict[str, OptionValue] | None = None,
        *,
        user: str = "alice",
        channel: FakeChannel | None = None,
    ) -> InteractionState:
        """Dispatch a chat-input command ``/name`` with ``options``."""
        where = channel or self.world.channel
        registered = self.registered_command(name, where.guild_id)
        data = events.command_data(name, options or {}, registered)
        state = events.new_interaction(INTERACTION_COMMAND, where, self.user(user))
        return await self._dispatch_interaction(state, data)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, OptionValue],
        focused: str,
        *,
        user: str = "alice",
        channel: FakeChannel | None = None,
    ) -> InteractionState:
        """Dispatch an autocomplete request for option ``focused`` of ``/name``."""
        where = channel or self.world.channel
        registered = self.registered_command(name, where.guild_id)
        data = events.command_data(name, options, registered, focused=focused)
        state = events.new_interaction(INTERACTION_AUTOCOMPLETE, where, self.user(user))
        return await self._dispatch_interaction(state, data)

    async def press(
        self, message: JSON, custom_id: str, *, user: str = "alice"
    ) -> InteractionState:
        """Dispatch a button press on a stored message (its current state is sent)."""
        current = self.store.get(int(message["id"]))
        channel = self.world.channel_by_id(int(current["channel_id"]))
        assert channel is not None
        state = events.new_interaction(
            INTERACTION_COMPONENT, channel, self.user(user), message_id=int(current["id"])
        )
        return await self._dispatch_interaction(state, events.button_data(custom_id), current)

    async def request_reconnect(self, guild_id: int | None = None) -> None:
        await self.gateway.request_reconnect(guild_id)

    async def disconnect(self, guild_id: int | None = None) -> None:
        """Drop the gateway connection; the client reconnects and resumes."""
        await self.gateway.disconnect(guild_id)
