"""Gateway event payloads a user's actions produce: messages and interactions."""

from __future__ import annotations

import re
import secrets
from typing import Any

from .model import JSON, FakeChannel, FakeUser, World, member_json, message_json, snowflake
from .store import MESSAGE_TYPE_REPLY, InteractionState

# Application command option types (Discord "Application Command Option Type").
OPTION_STRING, OPTION_INTEGER, OPTION_BOOLEAN, OPTION_NUMBER = 3, 4, 5, 10
# Component type of a button.
COMPONENT_BUTTON = 2
# Largest upload a guild without boosts accepts, in bytes (sent in every interaction).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_USER_MENTION = re.compile(r"<@!?(\d+)>")

OptionValue = str | int | float | bool


def user_message(
    world: World,
    channel: FakeChannel,
    author: FakeUser,
    content: str,
    *,
    reply_to: JSON | None = None,
) -> JSON:
    """A MESSAGE_CREATE payload for ``author`` writing ``content`` (mentions resolved)."""
    data = message_json(message_id=snowflake(), channel=channel, author=author, content=content)
    guild = world.guild_by_id(channel.guild_id) if channel.guild_id else None
    if guild is not None:
        data["member"] = member_json(guild, author, with_user=False)
    mentioned = [world.user(int(uid)) for uid in _USER_MENTION.findall(content)]
    if reply_to is not None:
        data["type"] = MESSAGE_TYPE_REPLY
        data["message_reference"] = {
            "type": 0,
            "message_id": reply_to["id"],
            "channel_id": reply_to["channel_id"],
        } | ({"guild_id": str(guild.id)} if guild else {})
        data["referenced_message"] = reply_to
        # A reply pings the replied-to author by default, as the Discord client does.
        mentioned.append(world.user(int(reply_to["author"]["id"])))
    users = {u.id: u for u in mentioned if u is not None}
    data["mentions"] = [
        u.to_json() | ({"member": member_json(guild, u, with_user=False)} if guild else {})
        for u in users.values()
    ]
    return data


def _option_types(command: JSON | None) -> dict[str, int]:
    return {o["name"]: int(o["type"]) for o in (command or {}).get("options") or []}


def _infer_type(value: OptionValue) -> int:
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    return OPTION_STRING


def command_data(
    name: str,
    options: dict[str, OptionValue],
    registered: JSON | None,
    *,
    focused: str | None = None,
) -> JSON:
    """``data`` of a chat-input command interaction, typed by the registered command."""
    types = _option_types(registered)
    built: list[JSON] = []
    for key, value in options.items():
        option: JSON = {"name": key, "type": types.get(key, _infer_type(value)), "value": value}
        if key == focused:
            option["focused"] = True
        built.append(option)
    data: JSON = {
        "id": registered["id"] if registered else str(snowflake()),
        "name": name,
        "type": 1,
        "options": built,
    }
    if registered and registered.get("guild_id"):
        data["guild_id"] = registered["guild_id"]
    return data


def interaction_payload(
    world: World, state: InteractionState, data: JSON, message: JSON | None = None
) -> JSON:
    """An INTERACTION_CREATE payload from ``state.user`` in ``state.channel``."""
    channel = state.channel
    guild = world.guild_by_id(channel.guild_id) if channel.guild_id else None
    payload: JSON = {
        "id": str(state.id),
        "application_id": str(world.application_id),
        "type": state.type,
        "data": data,
        "channel_id": str(channel.id),
        "token": state.token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if guild is not None:
        user_perms = guild.permissions_of(state.user.id).value
        bot_perms = guild.permissions_of(world.bot.id).value
        payload |= {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel": channel.to_json() | {"permissions": str(user_perms)},
            "member": member_json(guild, state.user) | {"permissions": str(user_perms)},
            "app_permissions": str(bot_perms),
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }
    else:
        payload |= {
            "channel": channel.to_json(),
            "user": state.user.to_json(),
            "app_permissions": "0",
            "authorizing_integration_owners": {"1": str(state.user.id)},
            "context": 1,
        }
    if message is not None:
        payload["message"] = message
    return payload


def new_interaction(
    kind: int, channel: FakeChannel, user: FakeUser, *, message_id: int | None = None
) -> InteractionState:
    return InteractionState(
        id=snowflake(),
        token="aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        type=kind,
        channel=channel,
        user=user,
        message_id=message_id,
    )


def button_data(custom_id: str) -> JSON:
    return {"custom_id": custom_id, "component_type": COMPONENT_BUTTON}


def find_custom_id(message: JSON, label: str) -> str:
    """The custom_id of the button labelled (or with the emoji) ``label`` on ``message``."""
    for row in message.get("components") or []:
        for item in row.get("components") or []:
            emoji: Any = (item.get("emoji") or {}).get("name")
            if label in (item.get("label"), emoji) and item.get("custom_id"):
                return str(item["custom_id"])
    raise AssertionError(f"no button {label!r} on message {message.get('id')}")
