"""Talking to Discord over REST only, for processes that post but never listen.

The worker posts scheduled messages (digests) without a gateway connection: no
shards, no intents, no READY, nothing to reconnect. ``discord.Client.login`` checks
the token and opens the HTTP session; ``Client.get_partial_messageable`` then sends to
any channel by id, with discord.py's own rate limiting and retries.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import discord

from retrieval.errors import ConfigError


@contextlib.asynccontextmanager
async def rest_client(token: str, **options: Any) -> AsyncIterator[discord.Client]:
    """A client logged in over REST, closed on exit; ``options`` go to ``discord.Client``.

    Every message it sends disables all mentions unless the caller says otherwise, as
    the bot's do.
    """
    client = discord.Client(
        intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none(), **options
    )
    try:
        await client.login(token)
    except discord.LoginFailure:
        await client.close()
        raise ConfigError("Discord rejected the bot token") from None
    try:
        yield client
    finally:
        await client.close()


def channel(client: discord.Client, channel_id: int) -> discord.PartialMessageable:
    """A channel to send to by id, without fetching it (one request per message)."""
    return client.get_partial_messageable(channel_id)
