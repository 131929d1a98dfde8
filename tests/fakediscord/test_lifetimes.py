"""Interaction lifetimes as the fake models them, driven over plain HTTP (no bot).

The first response within 3 s, the token for 15 minutes (then 401, code 50027), and the
first followup after a deferral filling the deferred message with its visibility.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio

from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, InteractionState, events
from tests.fakediscord.fixtures import fake_discord
from tests.fakediscord.interaction_routes import (
    ACK_DEADLINE_SECONDS,
    INTERACTION_COMMAND,
    TOKEN_LIFETIME_SECONDS,
)

__all__ = ["fake_discord"]

NO_MENTIONS = {"parse": []}


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _call(
    http: aiohttp.ClientSession, fake: FakeDiscord, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, fake.api_base + path, json=body) as response:
        data = await response.json() if response.status != 204 else None
        return response.status, data


def _interaction(fake: FakeDiscord) -> InteractionState:
    """An interaction the fake knows, as if dispatched now (no client is connected)."""
    state = events.new_interaction(INTERACTION_COMMAND, fake.world.channel, fake.user("alice"))
    state.dispatched_at = fake.store.clock.now()
    fake.store.interactions[state.token] = state
    return state


def _callback(state: InteractionState) -> str:
    return f"/interactions/{state.id}/{state.token}/callback"


def _hook(fake: FakeDiscord, state: InteractionState) -> str:
    return f"/webhooks/{fake.world.application_id}/{state.token}"


async def test_a_late_first_response_is_an_unknown_interaction(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    state = _interaction(fake_discord)
    fake_discord.advance_clock(ACK_DEADLINE_SECONDS + 0.1)
    status, data = await _call(http, fake_discord, "POST", _callback(state), {"type": 5})
    assert (status, data["code"]) == (404, 10062)


async def test_the_token_expires_after_fifteen_minutes(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    state = _interaction(fake_discord)
    assert (await _call(http, fake_discord, "POST", _callback(state), {"type": 5}))[0] == 200
    fake_discord.advance_clock(TOKEN_LIFETIME_SECONDS - 1)
    body = {"content": "done", "allowed_mentions": NO_MENTIONS}
    edit = _hook(fake_discord, state) + "/messages/@original"
    assert (await _call(http, fake_discord, "PATCH", edit, body))[0] == 200
    fake_discord.advance_clock(2)
    status, data = await _call(http, fake_discord, "PATCH", edit, body)
    assert (status, data["code"]) == (401, 50027)
    status, data = await _call(http, fake_discord, "POST", _hook(fake_discord, state), body)
    assert (status, data["code"]) == (401, 50027)


async def test_the_first_followup_fills_a_public_deferral_publicly(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    state = _interaction(fake_discord)
    await _call(http, fake_discord, "POST", _callback(state), {"type": 5})
    private = {"content": "oops", "flags": FLAG_EPHEMERAL, "allowed_mentions": NO_MENTIONS}
    status, first = await _call(http, fake_discord, "POST", _hook(fake_discord, state), private)
    assert status == 200 and first["id"] == str(state.original_id)
    assert not first["flags"] & FLAG_EPHEMERAL, "Discord ignores the flag here"
    assert fake_discord.interaction_routes.ignored_ephemeral == [private]
    status, second = await _call(http, fake_discord, "POST", _hook(fake_discord, state), private)
    assert second["id"] != first["id"] and second["flags"] & FLAG_EPHEMERAL
    fake_discord.interaction_routes.ignored_ephemeral.clear()


async def test_an_ephemeral_deferral_stays_private(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    state = _interaction(fake_discord)
    deferral = {"type": 5, "data": {"flags": FLAG_EPHEMERAL}}
    await _call(http, fake_discord, "POST", _callback(state), deferral)
    public = {"content": "only you", "allowed_mentions": NO_MENTIONS}
    _, first = await _call(http, fake_discord, "POST", _hook(fake_discord, state), public)
    assert first["flags"] & FLAG_EPHEMERAL
    assert fake_discord.interaction_routes.ignored_ephemeral == []


async def test_an_edit_with_null_content_clears_it_and_a_missing_key_keeps_it(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    state = _interaction(fake_discord)
    embed = {"title": "t", "description": "d"}
    first = {"type": 4, "data": {"content": "old", "allowed_mentions": NO_MENTIONS}}
    await _call(http, fake_discord, "POST", _callback(state), first)
    edit = _hook(fake_discord, state) + "/messages/@original"
    _, kept = await _call(http, fake_discord, "PATCH", edit, {"embeds": [embed]})
    assert kept["content"] == "old" and kept["embeds"] == [embed]
    _, cleared = await _call(http, fake_discord, "PATCH", edit, {"content": None})
    assert cleared["content"] == "" and cleared["embeds"] == [embed]
