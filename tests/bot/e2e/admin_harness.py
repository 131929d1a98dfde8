"""What the admin end-to-end tests add to the newsbot harness: two servers, an admin
role, loopback fetching, and slash commands with subcommands and attachments (the fake's
``slash`` helper sends flat options only)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.app import NewsBot
from retrieval.config import BotSettings
from retrieval.service import NewsService
from tests.bot.e2e.newsbot_harness import RunningNewsBot, corpus_settings
from tests.fakediscord import FakeDiscord, running
from tests.fakediscord.events import interaction_payload, new_interaction
from tests.fakediscord.interaction_routes import INTERACTION_AUTOCOMPLETE, INTERACTION_COMMAND
from tests.fakediscord.model import FakeChannel, FakeGuild, FakeRole, snowflake
from tests.fakediscord.store import InteractionState
from tests.retrieval.ingest.feeds.helpers import with_feeds

ADMIN_ROLE = "News Editors"
# Discord option types.
OPTION_SUBCOMMAND = 1
OPTION_ATTACHMENT = 11


def give_admin_role(guild: FakeGuild, user_id: int) -> None:
    """Create the configured admin role (no permissions of its own) and give it to a user.

    Call before the bot connects: the role must be in the guild the bot receives."""
    admin = FakeRole(snowflake(), ADMIN_ROLE, guild.everyone.permissions, position=2)
    guild.roles.append(admin)
    guild.members.setdefault(user_id, []).append(admin.id)


@contextlib.asynccontextmanager
async def run_admin_bot(fake: FakeDiscord, corpus: Path) -> AsyncIterator[RunningNewsBot]:
    """The production bot over ``corpus``, allowed to fetch from loopback, polling feeds
    every 50 ms and storing the newest entry of a newly added feed."""
    base = with_feeds(corpus_settings(corpus), poll_period_seconds=0.05, backfill_entries=1)
    settings = dataclasses.replace(base, bot=BotSettings(admin_role=ADMIN_ROLE, cooldown_rate=0))
    service = await asyncio.to_thread(NewsService.open, settings)
    try:
        bot = NewsBot(settings, service)
        async with running(fake, bot):
            await bot.tree.sync()
            yield RunningNewsBot(fake, bot, service)
    finally:
        await asyncio.to_thread(service.close)


async def subcommand(
    fake: FakeDiscord,
    command: str,
    options: dict[str, Any],
    *,
    channel: FakeChannel,
    user: str = "olivia",
    focused: str | None = None,
    resolved: dict[str, Any] | None = None,
) -> InteractionState:
    """Dispatch ``/group sub`` (``command`` is "group sub") as a user in a channel; with
    ``focused``, an autocomplete request for that option instead."""
    group, sub = command.split()
    registered = fake.registered_command(group, channel.guild_id)
    assert registered is not None, f"/{group} is not registered"
    spec = next(o for o in registered["options"] if o["name"] == sub)
    types = {o["name"]: o["type"] for o in spec.get("options") or []}
    inner = [
        {"name": k, "type": types[k], "value": v} | ({"focused": True} if k == focused else {})
        for k, v in options.items()
    ]
    data: dict[str, Any] = {
        "id": registered["id"],
        "name": group,
        "type": 1,
        "options": [{"name": sub, "type": OPTION_SUBCOMMAND, "options": inner}],
    }
    if resolved:
        data["resolved"] = resolved
    kind = INTERACTION_AUTOCOMPLETE if focused else INTERACTION_COMMAND
    state = new_interaction(kind, channel, fake.user(user))
    fake.store.interactions[state.token] = state
    payload = interaction_payload(fake.world, state, data)
    await fake.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=channel.guild_id)
    return state


def attachment_option(name: str, url: str, size: int, content_type: str) -> tuple[str, Any]:
    """The option value and ``resolved`` data of an uploaded file at ``url``."""
    attachment_id = str(snowflake())
    described = {
        "id": attachment_id,
        "filename": name,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    }
    return attachment_id, {"attachments": {attachment_id: described}}


async def choices(fake: FakeDiscord, state: InteractionState) -> list[dict[str, Any]]:
    """The autocomplete choices the bot answered with."""
    callback = await fake.callback(state)
    assert callback.ok and callback.callback_type == 8, str(callback)
    return list(callback.body["data"]["choices"])
