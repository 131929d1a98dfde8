"""The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME, dispatch.

It speaks the JSON encoding. When the client asks for ``compress=zlib-stream`` (what
discord.py asks for unless a zstd module is installed) every payload is deflated into
one shared zlib stream and ended with a Z_SYNC_FLUSH, exactly as Discord does; for any
other compression value it sends plain text frames, which discord.py always accepts.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import discord
from aiohttp import WSMsgType, web

from .model import JSON, World, guild_create_json, member_json, shard_for

# Milliseconds between heartbeats announced in HELLO (Discord's own value); longer than
# any test, so heartbeats after the first one never interleave with assertions.
HEARTBEAT_INTERVAL_MS = 41_250
# Dispatched events kept per session for replay on RESUME.
RESUME_BUFFER = 1_000
# Close codes from the Discord gateway documentation.
CLOSE_UNKNOWN = 4000
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_INVALID_SHARD = 4010
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014

_GUILD_MESSAGES = discord.Intents(guild_messages=True).value
_DIRECT_MESSAGES = discord.Intents(dm_messages=True).value
_MESSAGE_CONTENT = discord.Intents(message_content=True).value
_PRIVILEGED = discord.Intents(members=True, presences=True, message_content=True).value


class GatewayError(RuntimeError):
    """A test tried to dispatch to a shard that has no live connection."""


@dataclass(eq=False)
class Connection:
    """One websocket, with its own zlib stream when compression was requested."""

    ws: web.WebSocketResponse
    compressor: Any = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is None:
                await self.ws.send_str(text)
            else:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)


@dataclass
class Session:
    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    seq: int = 0
    replay: list[JSON] = field(default_factory=list)
    connection: Connection | None = None

    async def dispatch(self, event: str, data: JSON) -> None:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.replay = [*self.replay[-RESUME_BUFFER + 1 :], payload]
        if self.connection is not None:
            await self.connection.send(payload)


class GatewayHub:
    """All gateway sessions of the fake server, keyed by session id."""

    def __init__(self, world: World, token: str, *, privileged_intents: int = _PRIVILEGED):
        self.world = world
        self.token = token
        self.privileged_intents = privileged_intents
        self.resume_url = ""
        self.sessions: dict[str, Session] = {}
        # Everything the client sent (tokens removed), and the query of each connect.
        self.received: list[JSON] = []
        self.connects: list[dict[str, str]] = []
        self.resumes = 0
        # Set once a session has received READY and its GUILD_CREATEs.
        self.identified = asyncio.Event()
        self._live: set[Connection] = set()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connects.append(dict(request.query))
        compressed = request.query.get("compress") == "zlib-stream"
        conn = Connection(ws, zlib.compressobj() if compressed else None)
        self._live.add(conn)
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_payload(conn, json.loads(msg.data))
        finally:
            self._live.discard(conn)
            for session in self.sessions.values():
                if session.connection is conn:
                    session.connection = None
        return ws

    async def _on_payload(self, conn: Connection, payload: JSON) -> None:
        op, data = payload.get("op"), payload.get("d")
        if isinstance(data, dict) and "token" in data:
            data = {k: v for k, v in data.items() if k != "token"} | {"token": "<redacted>"}
        self.received.append({"op": op, "d": data})
        raw = payload.get("d")
        if op == 1:
            await conn.send({"op": 11})
        elif op == 2 and isinstance(raw, dict):
            await self._identify(conn, raw)
        elif op == 6 and isinstance(raw, dict):
            await self._resume(conn, raw)
        elif op == 8 and isinstance(raw, dict):
            await self._request_members(conn, raw)

    async def _identify(self, conn: Connection, data: JSON) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        if "intents" not in data:
            await conn.ws.close(code=CLOSE_INVALID_INTENTS, message=b"Invalid intent(s).")
            return
        intents = int(data["intents"])
        if intents & _PRIVILEGED & ~self.privileged_intents:
            await conn.ws.close(code=CLOSE_DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await conn.ws.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        session = Session(secrets.token_hex(16), shard_id, shard_count, intents, connection=conn)
        self.sessions[session.session_id] = session
        guilds = [g for g in self.world.guilds if shard_for(g.id, shard_count) == shard_id]
        await session.dispatch("READY", self._ready_payload(session, [g.id for g in guilds]))
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", guild_create_json(self.world, guild))
        self.identified.set()

    def _ready_payload(self, session: Session, guild_ids: list[int]) -> JSON:
        return {
            "v": 10,
            "user": self.world.bot.to_json() | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fakediscord"],
        }

    async def _resume(self, conn: Connection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await conn.send({"op": 9, "d": False})
            return
        self.resumes += 1
        session.connection = conn
        after = int(data.get("seq") or 0)
        for payload in session.replay:
            if payload["s"] > after:
                await conn.send(payload)
        await session.dispatch("RESUMED", {"_trace": ["fakediscord"]})

    async def _request_members(self, conn: Connection, data: JSON) -> None:
        guild = self.world.guild_by_id(int(data["guild_id"]))
        session = next((s for s in self.sessions.values() if s.connection is conn), None)
        if guild is None or session is None:
            return
        users = [u for u in (self.world.user(uid) for uid in guild.members) if u]
        chunk = {
            "guild_id": str(guild.id),
            "members": [member_json(guild, u) for u in users],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def session_for(self, guild_id: int | None) -> Session:
        """The newest live session whose shard receives events of ``guild_id``."""
        for session in reversed(list(self.sessions.values())):
            if session.connection is None:
                continue
            if guild_id is None and session.shard_id == 0:
                return session
            if guild_id is not None and shard_for(guild_id, session.shard_count) == (
                session.shard_id
            ):
                return session
        raise GatewayError(f"no live gateway session receives guild {guild_id}")

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None) -> bool:
        """Send ``event`` to the right shard; False when its intents filter it out."""
        session = self.session_for(guild_id)
        if event == "MESSAGE_CREATE":
            needed = _GUILD_MESSAGES if guild_id is not None else _DIRECT_MESSAGES
            if not session.intents & needed:
                return False
            if not session.intents & _MESSAGE_CONTENT and not _content_exempt(self, data):
                data = data | {"content": "", "embeds": [], "attachments": [], "components": []}
        await session.dispatch(event, data)
        return True

    async def request_reconnect(self, guild_id: int | None = None) -> None:
        """Send op 7 RECONNECT: the client closes and resumes its session."""
        session = self.session_for(guild_id)
        assert session.connection is not None
        await session.connection.send({"op": 7, "d": None})

    async def disconnect(self, guild_id: int | None = None, *, code: int = CLOSE_UNKNOWN) -> None:
        """Close the connection of the session receiving ``guild_id``, as Discord does when
        a gateway node restarts: the session stays resumable (4000 "Unknown error")."""
        session = self.session_for(guild_id)
        assert session.connection is not None
        await session.connection.ws.close(code=code, message=b"Unknown error.")

    async def close(self) -> None:
        for conn in list(self._live):
            await conn.ws.close(code=1001, message=b"fake server shutting down")


def _content_exempt(hub: GatewayHub, data: JSON) -> bool:
    """Discord keeps message content without the intent for DMs, mentions and own messages."""
    bot_id = str(hub.world.bot.id)
    if "guild_id" not in data or data.get("author", {}).get("id") == bot_id:
        return True
    return any(m.get("id") == bot_id for m in data.get("mentions", []))
