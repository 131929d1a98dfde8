"""What admin commands share: who may run them, and the one fetcher they fetch with.

Every admin command lives in a group made by ``admin_group``, which carries
``default_permissions(manage_guild=True)`` so Discord hides it from other members. A
server can override that in its integration settings, so each command (and each
autocomplete that reads the engine) is also decorated with ``admin_only``, which checks
when it runs: the member needs Manage Server, or the role named in
``settings.bot.admin_role``. A test walks the command tree to keep it so.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from retrieval.errors import NewsbotError
from retrieval.ingest.fetch import Fetcher

if TYPE_CHECKING:
    from bot.app import NewsBot

# Discord's default for who sees an admin command before a server changes it.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


class NotAdmin(app_commands.CheckFailure, NewsbotError):
    """The member may not run admin commands; the reason says what they would need.

    A ``NewsbotError`` as well, so the bot's error path words the reply from the reason
    rather than with the generic "not allowed".
    """

    def __init__(self, reason: str) -> None:
        NewsbotError.__init__(self, reason)


def is_admin(interaction: discord.Interaction[Any], admin_role: str) -> bool:
    """Manage Server (or Administrator) in this server, or the configured admin role."""
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    if permissions.administrator or permissions.manage_guild:
        return True
    wanted = admin_role.strip().casefold()
    user = interaction.user
    if not wanted or not isinstance(user, discord.Member):
        return False
    return any(role.name.casefold() == wanted for role in user.roles)


def require_admin(interaction: discord.Interaction[Any]) -> bool:
    """The app-command check: True for admins, NotAdmin (or NoPrivateMessage) otherwise."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    bot: NewsBot = interaction.client
    role = bot.settings.bot.admin_role
    if is_admin(interaction, role):
        return True
    needed = "the Manage Server permission" + (f" or the {role.strip()!r} role" if role else "")
    raise NotAdmin(f"only server admins can do this: it needs {needed}")


# The decorator for admin commands and their autocompletes.
admin_only = app_commands.check(require_admin)


def admin_group(name: str, description: str) -> app_commands.Group:
    """A slash command group for admins: server-only, hidden from other members."""
    return app_commands.Group(
        name=name,
        description=description,
        guild_only=True,
        default_permissions=ADMIN_PERMISSIONS,
    )


class _SharedFetcher:
    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.users = 0


_fetchers: weakref.WeakKeyDictionary[NewsBot, _SharedFetcher] = weakref.WeakKeyDictionary()


def acquire_fetcher(bot: NewsBot) -> Fetcher:
    """The bot's fetcher, created on first use: one per bot, so per-host politeness
    covers every admin command and feed poll. Pair each call with ``release_fetcher``."""
    shared = _fetchers.get(bot)
    if shared is None:
        shared = _fetchers[bot] = _SharedFetcher(Fetcher(bot.settings.fetch))
    shared.users += 1
    return shared.fetcher


async def release_fetcher(bot: NewsBot) -> None:
    """Give the fetcher back; the last user closes it (off the event loop: it joins a thread)."""
    shared = _fetchers.get(bot)
    if shared is None:
        return
    shared.users -= 1
    if shared.users <= 0:
        del _fetchers[bot]
        await asyncio.to_thread(shared.fetcher.close)
