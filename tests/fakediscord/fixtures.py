"""Pytest fixtures and the ``running`` context: a real discord.py client on the fake.

Import the fixtures into a ``conftest.py`` (``from tests.fakediscord.fixtures import
fake_discord``) and drive any ``discord.Client`` with ``async with running(fake, client)``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest_asyncio

from .server import FakeDiscord

# discord.py waits this long after the last GUILD_CREATE before on_ready (2 s by
# default, for guilds that stream in slowly); the fake sends them all at once.
GUILD_READY_TIMEOUT = 0.05
# Seconds allowed for login + READY, and for the client to shut down.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord with one guild and one shard; the test fails if Discord
    would have refused a request body or ignored an ephemeral flag (``assert_clean``)."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    fake.assert_clean()


async def _first(task: asyncio.Task[None], waiter: asyncio.Future[Any], timeout: float) -> None:
    """Wait for ``waiter``, but surface the client task's failure if it ends first."""
    pending: set[asyncio.Future[Any]] = {task, waiter}
    done, _ = await asyncio.wait(pending, timeout=timeout, return_when="FIRST_COMPLETED")
    if task in done:
        waiter.cancel()
        task.result()
        raise AssertionError("the client stopped before it was ready")
    if waiter not in done:
        waiter.cancel()
        raise AssertionError(f"the client was not ready within {timeout:.0f}s")
    waiter.result()


def _stop_views(client: discord.Client) -> None:
    """Stop every view the client still tracks, cancelling their timeout tasks."""
    store = getattr(client._connection, "_view_store", None)
    views = {
        item.view
        for items in list(getattr(store, "_views", {}).values())
        for item in list(items.values())
        if item.view is not None
    }
    for view in views:
        view.stop()


@contextlib.asynccontextmanager
async def running(
    fake: FakeDiscord, client: discord.Client, *, timeout: float = START_TIMEOUT
) -> AsyncIterator[discord.Client]:
    """Run ``client`` against ``fake`` until on_ready; close it cleanly on exit."""
    client._connection.guild_ready_timeout = GUILD_READY_TIMEOUT
    with fake.patched():
        task = asyncio.create_task(client.start(fake.token), name="fakediscord-client")
        try:
            identified = asyncio.ensure_future(fake.gateway.identified.wait())
            await _first(task, identified, timeout)
            await _first(task, asyncio.ensure_future(client.wait_until_ready()), timeout)
            yield client
        finally:
            _stop_views(client)
            await client.close()
            try:
                await asyncio.wait_for(task, STOP_TIMEOUT)
            except TimeoutError:
                task.cancel()
                raise
        fake.assert_clean()
