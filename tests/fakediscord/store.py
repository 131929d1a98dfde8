"""Messages and interactions the fake server has seen, and how messages are built and edited.

A message created here carries what Discord would compute server-side: an id, the bot
as author, attachments for uploaded files, and the mentions that actually ping under
``allowed_mentions``. Invalid payloads raise ``ApiError`` with Discord's error codes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .limits import limit_violations, resolve_pings
from .model import JSON, FakeChannel, FakeUser, World, iso_now, message_json, snowflake
from .recording import RecordedFile

# Message flags (Discord API "Message Flags").
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
# Flags a client may set itself when sending.
_CLIENT_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | (1 << 12) | (1 << 15)
# Message type of a reply (Discord "Message Types").
MESSAGE_TYPE_REPLY = 19
# Keys of a message body that change a message when edited.
_EDITABLE = ("content", "embeds", "components")


class ApiError(Exception):
    """An error response, shaped like Discord's ``{"code", "message", "errors"}``."""

    def __init__(self, status: int, code: int, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []

    def to_json(self) -> JSON:
        data: JSON = {"code": self.code, "message": self.message}
        if self.errors:
            data["errors"] = {
                "_errors": [{"code": "BASE_TYPE_INVALID", "message": e} for e in self.errors]
            }
        return data


def invalid_form_body(problems: list[str]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", problems)


class FakeClock:
    """The fake's own monotonic clock: real time plus what a test skipped with ``advance``,
    so a test can outlive an interaction token without waiting 15 minutes."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


@dataclass
class InteractionState:
    """What the fake remembers of an interaction it dispatched."""

    id: int
    token: str
    type: int
    channel: FakeChannel
    user: FakeUser
    # The message a component belongs to (component interactions only).
    message_id: int | None = None
    dispatched_at: float = field(default_factory=time.monotonic)
    callback_type: int | None = None
    original_id: int | None = None


class MessageStore:
    """All messages by id, plus the interaction states by token."""

    def __init__(self, world: World, cdn_base: str) -> None:
        self.world = world
        self.cdn_base = cdn_base
        self.clock = FakeClock()
        self.messages: dict[int, JSON] = {}
        self.interactions: dict[str, InteractionState] = {}
        # (channel id, nonce) -> message id of messages sent with ``enforce_nonce``.
        self.nonces: dict[tuple[int, str], int] = {}

    def get(self, message_id: int, channel_id: int | None = None) -> JSON:
        message = self.messages.get(message_id)
        if message is None or (channel_id is not None and message["channel_id"] != str(channel_id)):
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def put(self, message: JSON) -> JSON:
        self.messages[int(message["id"])] = message
        return message

    def by_nonce(self, channel_id: int, nonce: str) -> JSON | None:
        message_id = self.nonces.get((channel_id, nonce))
        return self.messages.get(message_id) if message_id is not None else None

    def trim(self, before_id: int) -> int:
        """Forget messages (and interactions) older than snowflake ``before_id``, for long
        runs; returns how many messages went."""
        old = [m for m in self.messages if m < before_id]
        for message_id in old:
            del self.messages[message_id]
        self.interactions = {t: s for t, s in self.interactions.items() if s.id >= before_id}
        self.nonces = {k: m for k, m in self.nonces.items() if m >= before_id}
        return len(old)

    def create(
        self,
        channel: FakeChannel,
        body: JSON,
        files: tuple[RecordedFile, ...] = (),
        *,
        extra_flags: int = 0,
        allow_empty: bool = False,
        webhook_id: int | None = None,
    ) -> JSON:
        """Validate ``body`` as Discord does and store the message the bot sent."""
        problems = limit_violations(body)
        if problems:
            raise invalid_form_body(problems)
        if not allow_empty and not _has_payload(body, files):
            raise ApiError(400, 50006, "Cannot send an empty message")
        message = message_json(
            message_id=snowflake(),
            channel=channel,
            author=self.world.bot,
            content=str(body.get("content") or ""),
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            attachments=self._attachments(channel, body, files),
            flags=(int(body.get("flags") or 0) & _CLIENT_FLAGS) | extra_flags,
        )
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(webhook_id)
        self._apply_reference(message, body)
        self._apply_pings(message, body.get("allowed_mentions"))
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            self.nonces[(channel.id, str(body["nonce"]))] = int(message["id"])
        return self.put(message)

    def edit(self, message: JSON, body: JSON, files: tuple[RecordedFile, ...] = ()) -> JSON:
        """Apply an edit (PATCH) to a stored message, validating the result."""
        problems = limit_violations(body)
        if problems:
            raise invalid_form_body(problems)
        edited = dict(message)
        for key in _EDITABLE:
            if key in body:
                # An explicit null clears the field, as on Discord; a missing key keeps it.
                cleared: Any = "" if key == "content" else []
                edited[key] = cleared if body[key] is None else body[key]
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            old = [a for a in message["attachments"] if a["id"] in keep]
            channel = self.world.channel_by_id(int(message["channel_id"]))
            assert channel is not None
            edited["attachments"] = old + self._attachments(channel, body, files)
        # An edit ends the loading state; ephemerality is fixed when a message is created.
        flags = int(message.get("flags") or 0)
        if body.get("flags") is not None:
            kept = flags & FLAG_EPHEMERAL
            flags = (int(body["flags"]) & _CLIENT_FLAGS & ~FLAG_EPHEMERAL) | kept
        edited["flags"] = flags & ~FLAG_LOADING
        problems = limit_violations(edited)
        if problems:
            raise invalid_form_body(problems)
        if not _has_payload(edited, ()) and not edited["attachments"]:
            raise ApiError(400, 50006, "Cannot send an empty message")
        edited["edited_timestamp"] = iso_now()
        self._apply_pings(edited, body.get("allowed_mentions"))
        return self.put(edited)

    def _attachments(
        self, channel: FakeChannel, body: JSON, files: tuple[RecordedFile, ...]
    ) -> list[JSON]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for n, upload in enumerate(files):
            attachment_id = snowflake()
            url = f"{self.cdn_base}/attachments/{channel.id}/{attachment_id}/{upload.filename}"
            meta = described.get(str(n), {})
            out.append(
                {
                    "id": str(attachment_id),
                    "filename": upload.filename,
                    "description": meta.get("description"),
                    "content_type": upload.content_type,
                    "size": len(upload.data),
                    "url": url,
                    "proxy_url": url,
                }
            )
        return out

    def _apply_reference(self, message: JSON, body: JSON) -> None:
        reference = body.get("message_reference")
        if not reference:
            return
        target = self.messages.get(int(reference["message_id"]))
        if target is None and reference.get("fail_if_not_exists", True):
            raise invalid_form_body(["message_reference: Unknown message"])
        message["type"] = MESSAGE_TYPE_REPLY
        message["message_reference"] = {
            "type": 0,
            "message_id": str(reference["message_id"]),
            "channel_id": message["channel_id"],
        } | ({"guild_id": message["guild_id"]} if "guild_id" in message else {})
        message["referenced_message"] = target

    def _apply_pings(self, message: JSON, allowed: JSON | None) -> None:
        referenced = message.get("referenced_message")
        replied = int(referenced["author"]["id"]) if referenced else None
        guild_id = message.get("guild_id")
        guild = self.world.guild_by_id(int(guild_id)) if guild_id else None
        may_everyone = (
            guild is not None and guild.permissions_of(self.world.bot.id).mention_everyone
        )
        pings = resolve_pings(
            message["content"], allowed, may_mention_everyone=may_everyone, replied_user=replied
        )
        users = [u for u in (self.world.user(uid) for uid in sorted(pings.users)) if u]
        message["mentions"] = [u.to_json() for u in users]
        message["mention_roles"] = [str(r) for r in sorted(pings.roles)]
        message["mention_everyone"] = pings.everyone

    def interaction(self, interaction_id: str, token: str) -> InteractionState:
        state = self.interactions.get(token)
        if state is None or str(state.id) != interaction_id:
            raise ApiError(404, 10062, "Unknown interaction")
        return state


def _has_payload(body: JSON, files: tuple[RecordedFile, ...]) -> bool:
    keys: tuple[Any, ...] = ("content", "embeds", "components", "sticker_ids", "poll")
    return bool(files) or any(body.get(k) for k in keys)
