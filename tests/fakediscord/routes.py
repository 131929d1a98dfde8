"""REST handlers for login, the gateway URL, command sync, channels, guilds and messages."""

from __future__ import annotations

import secrets
from typing import Any

from .model import JSON, FakeChannel, World, member_json, snowflake
from .rest import Call, Reply, RestApi
from .store import ApiError, MessageStore

# Application flag: the message content intent is enabled for a bot under 100 guilds.
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19


class CoreRoutes:
    """Login, gateway discovery, command sync, guild/channel reads and channel messages."""

    def __init__(self, api: RestApi, world: World, store: MessageStore, gateway_url: str) -> None:
        self.world = world
        self.store = store
        self.gateway_url = gateway_url
        self.shard_count = 1
        # Registered commands: None -> global, else per guild id.
        self.commands: dict[int | None, list[JSON]] = {}
        self.typing: list[int] = []
        add = api.add
        add("GET", "/users/@me", self.get_me)
        add("GET", "/users/{user_id}", self.get_user)
        add("POST", "/users/@me/channels", self.open_dm)
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/applications/@me", self.get_application)
        add("GET", "/oauth2/applications/@me", self.get_application)
        for path in ("/commands", "/guilds/{guild_id}/commands"):
            base = "/applications/{application_id}" + path
            add("GET", base, self.get_commands)
            add("PUT", base, self.put_commands)
            add("POST", base, self.post_command)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("POST", "/channels/{channel_id}/typing", self.post_typing)
        add("POST", "/channels/{channel_id}/messages", self.post_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.patch_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        add("PUT", reaction, self.put_reaction)
        add("DELETE", reaction, self.delete_reaction)

    async def get_me(self, call: Call) -> Reply:
        return 200, self.world.bot.to_json() | {"verified": True, "mfa_enabled": False}

    async def get_user(self, call: Call) -> Reply:
        user = self.world.user(call.int_param("user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return 200, user.to_json()

    async def open_dm(self, call: Call) -> Reply:
        user = self.world.user(int(call.json.get("recipient_id", 0)))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        channel = self.world.dm_channel(user)
        return 200, channel.to_json() | {"recipients": [user.to_json()]}

    async def get_gateway(self, call: Call) -> Reply:
        return 200, {"url": self.gateway_url}

    async def get_gateway_bot(self, call: Call) -> Reply:
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {
            "url": self.gateway_url,
            "shards": self.shard_count,
            "session_start_limit": limits,
        }

    async def get_application(self, call: Call) -> Reply:
        bot = self.world.bot
        return 200, {
            "id": str(self.world.application_id),
            "name": bot.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot": bot.to_json(),
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "owner": self.world.owner.to_json(),
            "team": None,
            "flags": GATEWAY_MESSAGE_CONTENT_LIMITED,
            "rpc_origins": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.world.guilds),
        }

    def _commands_key(self, call: Call) -> int | None:
        if call.int_param("application_id") != self.world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return None
        guild_id = call.int_param("guild_id")
        if self.world.guild_by_id(guild_id) is None:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    def _register(self, key: int | None, command: JSON) -> JSON:
        old = {c["name"]: c for c in self.commands.get(key, [])}
        stored: JSON = {
            "type": 1,
            "default_member_permissions": None,
            "contexts": None,
            "integration_types": [0],
            "nsfw": False,
        } | command
        previous = old.get(command["name"])
        stored["id"] = previous["id"] if previous else str(snowflake())
        stored["application_id"] = str(self.world.application_id)
        stored["version"] = str(snowflake())
        if key is not None:
            stored["guild_id"] = str(key)
        return stored

    async def get_commands(self, call: Call) -> Reply:
        return 200, self.commands.get(self._commands_key(call), [])

    async def put_commands(self, call: Call) -> Reply:
        key = self._commands_key(call)
        # The body passed the gate (``validation``): the description and ``rules``.
        commands = call.body if isinstance(call.body, list) else []
        self.commands[key] = [self._register(key, c) for c in commands]
        return 200, self.commands[key]

    async def post_command(self, call: Call) -> Reply:
        key = self._commands_key(call)
        stored = self._register(key, call.json)
        others = [c for c in self.commands.get(key, []) if c["name"] != stored["name"]]
        self.commands[key] = [*others, stored]
        return 201, stored

    def _guild(self, call: Call) -> Any:
        guild = self.world.guild_by_id(call.int_param("guild_id"))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, call: Call) -> Reply:
        guild = self._guild(call)
        return 200, {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(guild.owner_id),
            "roles": [r.to_json() for r in guild.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
        }

    async def get_guild_channels(self, call: Call) -> Reply:
        return 200, [c.to_json() for c in self._guild(call).channels]

    async def get_member(self, call: Call) -> Reply:
        guild = self._guild(call)
        user = self.world.user(call.int_param("user_id"))
        if user is None or user.id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, member_json(guild, user)

    def channel(self, call: Call) -> FakeChannel:
        channel = self.world.channel_by_id(call.int_param("channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    async def get_channel(self, call: Call) -> Reply:
        return 200, self.channel(call).to_json()

    async def post_typing(self, call: Call) -> Reply:
        self.typing.append(self.channel(call).id)
        return 204, None

    async def post_message(self, call: Call) -> Reply:
        channel = self.channel(call)
        nonce = call.json.get("nonce")
        if call.json.get("enforce_nonce") and nonce is not None:
            # Discord returns the message already created with this nonce (by this
            # author, in the last few minutes) instead of creating it twice.
            earlier = self.store.by_nonce(channel.id, str(nonce))
            if earlier is not None:
                return 200, earlier
        return 200, self.store.create(channel, call.json, call.files)

    async def get_message(self, call: Call) -> Reply:
        return 200, self.store.get(call.int_param("message_id"), self.channel(call).id)

    async def patch_message(self, call: Call) -> Reply:
        message = self.store.get(call.int_param("message_id"), self.channel(call).id)
        if message["author"]["id"] != str(self.world.bot.id):
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return 200, self.store.edit(message, call.json, call.files)

    async def delete_message(self, call: Call) -> Reply:
        message = self.store.get(call.int_param("message_id"), self.channel(call).id)
        del self.store.messages[int(message["id"])]
        return 204, None

    async def put_reaction(self, call: Call) -> Reply:
        self.store.get(call.int_param("message_id"), self.channel(call).id)
        return 204, None

    async def delete_reaction(self, call: Call) -> Reply:
        return await self.put_reaction(call)
