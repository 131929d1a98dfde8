"""Scheduled digests end to end: /digest through the fake Discord, then a due digest posted.

The fake dispatches flat slash commands only, so the ``/digest`` subcommands are built
here (sub-command option, resolved channel and role) and dispatched as Discord would.
The digest clock is the cog's service clock, moved by the test: nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio

from retrieval.worker.jobs import DIGESTS_JOB
from tests.bot.e2e.newsbot_harness import RunningNewsBot, clone_corpus, run_newsbot, visible_text
from tests.fakediscord import FLAG_EPHEMERAL, FakeChannel, FakeDiscord, RecordedRequest, events
from tests.fakediscord.interaction_routes import INTERACTION_AUTOCOMPLETE, INTERACTION_COMMAND
from tests.fakediscord.limits import assert_within_limits, choice_violations
from tests.fakediscord.model import FakeRole, snowflake
from tests.fakediscord.store import InteractionState
from tests.retrieval.digest.digest_helpers import ManualClock

JSON = dict[str, Any]
LONDON = ZoneInfo("Europe/London")
OPTION_SUB_COMMAND, OPTION_INTEGER, OPTION_CHANNEL, OPTION_ROLE = 1, 4, 7, 8


@pytest_asyncio.fixture
async def digest_bot(
    fake_discord: FakeDiscord, e2e_corpus: Path, tmp_path: Path
) -> AsyncIterator[RunningNewsBot]:
    """newsbot with a #digests channel, a #doomed channel and a news-alerts role."""
    guild = fake_discord.world.guild
    guild.channels.append(FakeChannel(snowflake(), guild.id, "digests", position=1))
    guild.channels.append(FakeChannel(snowflake(), guild.id, "doomed", position=2))
    guild.roles.append(FakeRole(snowflake(), "news-alerts", guild.everyone.permissions, 2))
    async with run_newsbot(fake_discord, clone_corpus(e2e_corpus, tmp_path)) as running:
        await running.bot.tree.sync()
        # The tests run each digest round themselves (``run_tick``) on a clock they
        # move; the background round, on the same clock, could claim a due run first
        # (a late first round on a loaded machine) and leave the test's round nothing.
        await running.bot.unschedule(DIGESTS_JOB)
        yield running


def _channel(fake: FakeDiscord, name: str) -> FakeChannel:
    return next(c for c in fake.world.guild.channels if c.name == name)


def _role(fake: FakeDiscord) -> FakeRole:
    return next(r for r in fake.world.guild.roles if r.name == "news-alerts")


async def _digest(
    fake: FakeDiscord,
    sub: str,
    options: list[JSON],
    *,
    user: str = "olivia",
    resolved: JSON | None = None,
    kind: int = INTERACTION_COMMAND,
) -> InteractionState:
    """Dispatch ``/digest <sub>`` as Discord sends a sub-command interaction."""
    where = fake.world.channel
    registered = fake.registered_command("digest", where.guild_id)
    assert registered is not None, "/digest is not registered"
    data: JSON = {
        "id": registered["id"],
        "name": "digest",
        "type": 1,
        "options": [{"type": OPTION_SUB_COMMAND, "name": sub, "options": options}],
    }
    if resolved:
        data["resolved"] = resolved
    state = events.new_interaction(kind, where, fake.user(user))
    return await fake._dispatch_interaction(state, data)


def _string(name: str, value: str | int, type_: int = 3) -> JSON:
    return {"name": name, "type": type_, "value": value}


async def _set(fake: FakeDiscord, channel: FakeChannel, local: str, *, role: bool) -> JSON:
    everything = str(fake.world.guild.permissions_of(fake.world.owner.id).value)
    options = [
        _string("channel", str(channel.id), OPTION_CHANNEL),
        _string("time", local),
        _string("timezone", "Europe/London"),
        _string("max_stories", 10, OPTION_INTEGER),
    ]
    resolved: JSON = {
        "channels": {str(channel.id): channel.to_json() | {"permissions": everything}}
    }
    if role:
        options.append(_string("mention_role", str(_role(fake).id), OPTION_ROLE))
        resolved["roles"] = {str(_role(fake).id): _role(fake).to_json()}
    interaction = await _digest(fake, "set", options, resolved=resolved)
    _, reply = await fake.interaction_reply(interaction)
    assert reply["flags"] & FLAG_EPHEMERAL
    return reply


def _posted_to(fake: FakeDiscord, channel: FakeChannel, since: int) -> list[RecordedRequest]:
    path = f"/channels/{channel.id}/messages"
    return [r for r in fake.requests[since:] if r.method == "POST" and r.path == path]


def _cog(running: RunningNewsBot) -> Any:
    cog = running.bot.get_cog("Digest")
    assert cog is not None and cog.digests is not None
    return cog


async def test_a_due_digest_is_posted_once_pinging_only_its_role(
    digest_bot: RunningNewsBot,
) -> None:
    fake = digest_bot.fake
    cog = _cog(digest_bot)
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    clock = ManualClock(now)
    cog.digests.clock = clock
    due_local = (now + timedelta(minutes=10)).astimezone(LONDON).strftime("%H:%M")
    digests = _channel(fake, "digests")
    reply = await _set(fake, digests, due_local, role=True)
    text = visible_text(reply)
    assert "Digest 1 set" in text and f"at {due_local} Europe/London, daily" in text

    clock.set(now + timedelta(minutes=11))
    since = fake.mark()
    report = await cog.run_tick()
    assert report is not None and len(report.posted) == 1
    (request,) = _posted_to(fake, digests, since)
    assert request.ok
    body = request.message
    assert_within_limits(body)
    role = _role(fake).id
    assert body["allowed_mentions"] == {"parse": [], "roles": [role]}
    assert body["content"].startswith(f"<@&{role}> **News digest**")
    assert body["embeds"] and all(e.get("title") for e in body["embeds"])
    assert body["nonce"] == "dg1p1" and body["enforce_nonce"] is True
    message = request.response
    assert message["mention_roles"] == [str(role)]
    assert not message["mention_everyone"] and message["mentions"] == []
    # The fixture corpus has an article full of @everyone and role pings: none went off.
    assert "everyone" in visible_text(message).lower()

    # Exactly once: the same due time is not posted again, by this tick or a later one.
    again = fake.mark()
    assert (await cog.run_tick()).posted == []
    clock.advance(minutes=30)
    assert (await cog.run_tick()).posted == []
    assert _posted_to(fake, digests, again) == []

    listing = await _digest(fake, "list", [])
    _, listed = await fake.interaction_reply(listing)
    assert "posted" in visible_text(listed) and listed["flags"] & FLAG_EPHEMERAL
    assert fake.errors() == []


async def test_a_deleted_channel_pauses_the_digest_and_tells_the_admins(
    digest_bot: RunningNewsBot,
) -> None:
    fake = digest_bot.fake
    cog = _cog(digest_bot)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    clock = ManualClock(now)
    cog.digests.clock = clock
    doomed = _channel(fake, "doomed")
    await _set(
        fake, doomed, (now + timedelta(minutes=5)).astimezone(LONDON).strftime("%H:%M"), role=False
    )
    fake.world.guild.channels.remove(doomed)  # deleted while the bot was not looking

    clock.set(now + timedelta(minutes=6))
    since = fake.mark()
    report = await cog.run_tick()
    assert report is not None and len(report.failed) == 1
    (refused,) = _posted_to(fake, doomed, since)
    assert refused.status == 404 and refused.response["code"] == 10003
    (notice,) = _posted_to(fake, fake.world.channel, since)  # where it was set up
    assert "is paused: the channel was deleted." in notice.message["content"]
    assert notice.message["allowed_mentions"] == {"parse": []}

    listing = await _digest(fake, "list", [])
    _, listed = await fake.interaction_reply(listing)
    assert "Paused: the channel was deleted." in visible_text(listed)
    clock.advance(days=1)
    assert (await cog.run_tick()).posted == []
    assert [r for r in fake.errors() if r is not refused] == []


async def test_only_admins_may_manage_digests_and_zones_autocomplete(
    digest_bot: RunningNewsBot,
) -> None:
    fake = digest_bot.fake
    refused = await _digest(fake, "list", [], user="alice")
    _, reply = await fake.interaction_reply(refused)
    assert reply["flags"] & FLAG_EPHEMERAL
    # The admin check every admin command shares, with its reason.
    assert "Only server admins can do this: it needs the Manage Server" in visible_text(reply)

    options = [_string("timezone", "new_y") | {"focused": True}]
    lookup = await _digest(fake, "set", options, kind=INTERACTION_AUTOCOMPLETE)
    callback = await fake.callback(lookup)
    choices = callback.body["data"]["choices"]
    assert choice_violations(choices) == []
    assert [c["value"] for c in choices] == ["America/New_York"]
    assert fake.errors() == []


async def test_preview_shows_the_digest_privately_and_remove_stops_it(
    digest_bot: RunningNewsBot,
) -> None:
    fake = digest_bot.fake
    cog = _cog(digest_bot)
    cog.digests.clock = ManualClock(datetime.now(UTC) + timedelta(minutes=2))
    await _set(fake, _channel(fake, "digests"), "07:00", role=True)

    lookup = await _digest(
        fake,
        "preview",
        [_string("schedule", "dig", OPTION_INTEGER) | {"focused": True}],
        kind=INTERACTION_AUTOCOMPLETE,
    )
    choices = (await fake.callback(lookup)).body["data"]["choices"]
    assert choice_violations(choices) == []
    assert [c["value"] for c in choices] == [1]
    assert choices[0]["name"].startswith("1: #digests 07:00 Europe/London")

    since = fake.mark()
    preview = await _digest(fake, "preview", [_string("schedule", 1, OPTION_INTEGER)])
    _, shown = await fake.interaction_reply(preview, since=since)
    assert shown["flags"] & FLAG_EPHEMERAL and shown["embeds"]
    assert visible_text(shown).startswith("Preview of digest 1, not posted")
    assert shown["mention_roles"] == [] and not shown["mention_everyone"]
    assert _posted_to(fake, _channel(fake, "digests"), since) == []

    removal = await _digest(fake, "remove", [_string("schedule", 1, OPTION_INTEGER)])
    _, removed = await fake.interaction_reply(removal)
    assert "Digest 1 removed" in visible_text(removed)
    listing = await _digest(fake, "list", [])
    _, listed = await fake.interaction_reply(listing)
    assert "No digests are scheduled here" in visible_text(listed)
    assert fake.errors() == []


async def test_days_autocomplete_stays_within_choice_limits_for_long_input(
    digest_bot: RunningNewsBot,
) -> None:
    """The days suggestion echoes what was typed; typed text over 100 characters made a
    choice Discord refuses, so the whole autocomplete failed."""
    fake = digest_bot.fake
    typed = "mon,tue," * 20  # 160 characters, within the option's own limit
    options = [_string("days", typed) | {"focused": True}]
    lookup = await _digest(fake, "set", options, kind=INTERACTION_AUTOCOMPLETE)
    callback = await fake.callback(lookup)
    assert callback.ok, callback.response
    choices = callback.body["data"]["choices"]
    assert choice_violations(choices) == []
    assert fake.errors() == []
