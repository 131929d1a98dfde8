"""Talking to Discord over REST only, for processes that post but never listen.

The worker posts scheduled messages (digests) without a gateway connection: no
shards, no intents, no READY, nothing to reconnect. ``discord.Client.login`` checks
the token and opens the HTTP session; ``Client.get_partial_messageable`` then sends to
any channel by id, with discord.py's own rate limiting and retries.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord

from retrieval.errors import ConfigError, ServiceUnreachable

# Failures to reach Discord at all, as opposed to Discord refusing something: no
# network, DNS down, TLS or proxy trouble, timeouts, Discord's own 5xx outages.
UNREACHABLE = (aiohttp.ClientError, OSError, discord.GatewayNotFound, discord.DiscordServerError)
RETRY = "check the network connection (proxy, firewall, DNS) and try again"


def unreachable(exc: BaseException) -> ServiceUnreachable:
    """One of ``UNREACHABLE`` as a sentence naming the problem and the fix."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, socket.gaierror):
            reason = f"cannot reach Discord: the name {exc.host} does not resolve; {RETRY}"
        else:
            cause = exc.os_error.strerror or type(exc.os_error).__name__
            reason = f"cannot reach Discord at {exc.host}:{exc.port} ({cause}); {RETRY}"
    elif isinstance(exc, TimeoutError):
        reason = f"Discord did not answer in time; {RETRY}"
    elif isinstance(exc, discord.DiscordServerError | discord.GatewayNotFound):
        reason = "Discord is having trouble right now; try again in a few minutes"
    else:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f"cannot reach Discord ({detail}); {RETRY}"
    return ServiceUnreachable(reason, service="Discord")


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
    except UNREACHABLE as exc:
        await client.close()
        raise unreachable(exc) from exc
    try:
        yield client
    finally:
        await client.close()


def channel(client: discord.Client, channel_id: int) -> discord.PartialMessageable:
    """A channel to send to by id, without fetching it (one request per message)."""
    return client.get_partial_messageable(channel_id)
