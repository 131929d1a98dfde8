"""A small fake Discord (REST API + gateway) for end-to-end tests of a real discord.py client."""

from .events import find_custom_id
from .fixtures import fake_discord, running
from .limits import Pings, assert_within_limits, limit_violations, resolve_pings
from .model import FakeChannel, FakeGuild, FakeUser, World
from .recording import RecordedFile, RecordedRequest
from .rest import Fault, FaultHook, rate_limit_every, rate_limited
from .server import FakeDiscord, sent_message
from .store import FLAG_EPHEMERAL, InteractionState

__all__ = [
    "FLAG_EPHEMERAL",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeUser",
    "Fault",
    "FaultHook",
    "InteractionState",
    "Pings",
    "RecordedFile",
    "RecordedRequest",
    "World",
    "assert_within_limits",
    "fake_discord",
    "find_custom_id",
    "limit_violations",
    "rate_limit_every",
    "rate_limited",
    "resolve_pings",
    "running",
    "sent_message",
]
