"""The fake Discord's world: users, guilds, roles and channels, and their JSON shapes.

Payloads follow the Discord API v10 object shapes closely enough that discord.py builds
real ``Guild``/``Member``/``Message`` objects from them, so permission checks, mention
resolution and views behave as they do against Discord.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

JSON = dict[str, Any]

# Discord's snowflake epoch (2015-01-01T00:00:00Z) in milliseconds.
DISCORD_EPOCH_MS = 1_420_070_400_000
# Bits of a snowflake below the timestamp (worker, process, increment).
SNOWFLAKE_TIMESTAMP_SHIFT = 22
# Guild ids are spread this many milliseconds apart so each lands on its own shard.
GUILD_ID_SPACING_MS = 1

_increment = itertools.count()


def snowflake(at_ms: int | None = None) -> int:
    """A unique, time-ordered snowflake, as Discord hands out."""
    ms = int(time.time() * 1000) if at_ms is None else at_ms
    low = next(_increment) % (1 << SNOWFLAKE_TIMESTAMP_SHIFT)
    return ((ms - DISCORD_EPOCH_MS) << SNOWFLAKE_TIMESTAMP_SHIFT) | low


def shard_for(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild's events to."""
    return (guild_id >> SNOWFLAKE_TIMESTAMP_SHIFT) % shard_count


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


# What an ordinary member may do in the test guild (the @everyone role).
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
)
# The bot's own role. ``mention_everyone`` is granted on purpose: a bot that may ping
# everyone is the case where ``allowed_mentions`` is the only thing preventing a ping.
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_external_emojis=True,
    mention_everyone=True,
)


@dataclass(frozen=True)
class FakeUser:
    id: int
    username: str
    bot: bool = False

    def to_json(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(frozen=True)
class FakeRole:
    id: int
    name: str
    permissions: discord.Permissions
    position: int = 0
    bot_id: int | None = None

    def to_json(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions.value),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(frozen=True)
class FakeChannel:
    id: int
    guild_id: int | None
    name: str
    position: int = 0

    def to_json(self) -> JSON:
        if self.guild_id is None:
            return {"id": str(self.id), "type": 1, "recipients": [], "last_message_id": None}
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: list[FakeRole]
    channels: list[FakeChannel]
    # user id -> ids of the roles the member holds (besides @everyone)
    members: dict[int, list[int]] = field(default_factory=dict)

    @property
    def everyone(self) -> FakeRole:
        return self.roles[0]

    def permissions_of(self, user_id: int) -> discord.Permissions:
        """Guild-level permissions, as Discord puts in ``member.permissions``."""
        if user_id == self.owner_id:
            return discord.Permissions.all()
        value = self.everyone.permissions.value
        held = set(self.members.get(user_id, []))
        for role in self.roles:
            if role.id in held:
                value |= role.permissions.value
        perms = discord.Permissions(value)
        return discord.Permissions.all() if perms.administrator else perms


@dataclass
class World:
    """Everything the fake server knows about: one application, its bot, users, guilds."""

    application_id: int
    bot: FakeUser
    owner: FakeUser
    users: dict[str, FakeUser]
    guilds: list[FakeGuild]
    dm_channels: dict[int, FakeChannel] = field(default_factory=dict)

    @classmethod
    def default(cls, *, guild_count: int = 1) -> World:
        """A bot, its owner, two plain members (alice, bob) and ``guild_count`` guilds."""
        bot = FakeUser(snowflake(), "newsbot", bot=True)
        owner = FakeUser(snowflake(), "olivia")
        users = {
            "olivia": owner,
            "alice": FakeUser(snowflake(), "alice"),
            "bob": FakeUser(snowflake(), "bob"),
        }
        base_ms = int(time.time() * 1000) - 10_000
        guilds = [
            _make_guild(index, base_ms + index * GUILD_ID_SPACING_MS, bot, owner, users)
            for index in range(guild_count)
        ]
        return cls(snowflake(), bot, owner, users, guilds)

    @property
    def guild(self) -> FakeGuild:
        return self.guilds[0]

    @property
    def channel(self) -> FakeChannel:
        return self.guild.channels[0]

    def add_user(self, name: str) -> FakeUser:
        """A new plain member of every guild (members added after READY reach the client
        through the ``member`` object of their messages and interactions)."""
        user = FakeUser(snowflake(), name)
        self.users[name] = user
        for guild in self.guilds:
            guild.members[user.id] = []
        return user

    def user(self, user_id: int) -> FakeUser | None:
        if user_id == self.bot.id:
            return self.bot
        return next((u for u in self.users.values() if u.id == user_id), None)

    def guild_by_id(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def channel_by_id(self, channel_id: int) -> FakeChannel | None:
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel
        return self.dm_channels.get(channel_id)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The direct-message channel between the bot and ``user`` (created on first use)."""
        for channel in self.dm_channels.values():
            if channel.name == user.username:
                return channel
        channel = FakeChannel(snowflake(), None, user.username)
        self.dm_channels[channel.id] = channel
        return channel


def _make_guild(
    index: int, at_ms: int, bot: FakeUser, owner: FakeUser, users: dict[str, FakeUser]
) -> FakeGuild:
    guild_id = snowflake(at_ms)
    everyone = FakeRole(guild_id, "@everyone", EVERYONE_PERMISSIONS)
    bot_role = FakeRole(snowflake(), bot.username, BOT_PERMISSIONS, position=1, bot_id=bot.id)
    channel = FakeChannel(snowflake(), guild_id, "general")
    members: dict[int, list[int]] = {u.id: [] for u in users.values()}
    members[bot.id] = [bot_role.id]
    return FakeGuild(
        guild_id, f"Test Guild {index}", owner.id, [everyone, bot_role], [channel], members
    )


def member_json(guild: FakeGuild, user: FakeUser, *, with_user: bool = True) -> JSON:
    data: JSON = {
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in guild.members.get(user.id, [])],
        "joined_at": iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user.to_json()
    return data


def guild_create_json(world: World, guild: FakeGuild) -> JSON:
    """The GUILD_CREATE payload: a full guild with its roles, channels and members."""
    members = [member_json(guild, u) for u in (world.user(uid) for uid in guild.members) if u]
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "application_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": None,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "vanity_url_code": None,
        "features": [],
        "roles": [r.to_json() for r in guild.roles],
        "emojis": [],
        "stickers": [],
        "channels": [c.to_json() for c in guild.channels],
        "threads": [],
        "members": members,
        "member_count": len(members),
        "large": False,
        "unavailable": False,
        "joined_at": iso_now(),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "max_members": 500_000,
    }


def message_json(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    content: str = "",
    embeds: list[JSON] | None = None,
    components: list[JSON] | None = None,
    attachments: list[JSON] | None = None,
    flags: int = 0,
) -> JSON:
    """A message object as Discord returns it; callers fill in mentions and references."""
    data: JSON = {
        "id": str(message_id),
        "type": 0,
        "channel_id": str(channel.id),
        "author": author.to_json(),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "flags": flags,
    }
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    return data
