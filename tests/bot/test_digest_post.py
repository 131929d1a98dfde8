"""Sending digests: retries with backoff, fault triage, nonces, and the thread bridge."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import aiohttp
import discord
import pytest

from bot.digest_post import DiscordPoster, nonce_for
from retrieval.digest.content import Digest, DigestSource, DigestStory
from retrieval.digest.digest_values import DigestPost, ScheduleInfo
from retrieval.digest.settings import DigestSettings
from retrieval.errors import PostFailed
from tests.bot.bot_doubles import schedule_info

WHEN = datetime(2025, 6, 2, 8, tzinfo=UTC)
ROLE = 77


def _http_error(cls: type[discord.HTTPException], status: int, code: int, text: str) -> Any:
    response = MagicMock(status=status, reason=text)
    return cls(response, {"code": code, "message": text})


def _schedule(set_in: int | None = 12) -> ScheduleInfo:
    return schedule_info(WHEN, days="daily", mention_role_id=ROLE, set_in_channel_id=set_in)


def _post(stories: int = 1, sentence: str = "The council approved the barrage.") -> DigestPost:
    items = tuple(
        DigestStory(
            f"Headline {n}",
            (sentence,),
            (DigestSource("Outlet", f"https://news.example/{n}", "t"),),
            WHEN,
        )
        for n in range(stories)
    )
    return DigestPost(_schedule(), Digest("", WHEN, WHEN, items, len(items)), run_id=9, due_at=WHEN)


class Harness:
    def __init__(self, *outcomes: Any) -> None:
        self.channel = MagicMock()
        self.channel.send = AsyncMock(side_effect=list(outcomes))
        self.client = MagicMock(spec=discord.Client)
        self.client.get_partial_messageable.return_value = self.channel
        self.client.get_guild.return_value = None
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def poster(self, **settings: Any) -> DiscordPoster:
        return DiscordPoster(
            self.client,
            asyncio.get_running_loop(),
            DigestSettings(**settings),
            sleep=self.sleep,
        )


def _message(message_id: int) -> MagicMock:
    return MagicMock(spec=discord.Message, id=message_id)


async def test_every_message_is_sent_with_a_nonce_and_role_only_mentions() -> None:
    harness = Harness(_message(1), _message(2))
    long = "The committee met again and again. " * 40
    ids = await harness.poster().send_digest(_post(stories=6, sentence=long))
    assert ids == (1, 2)
    calls = harness.channel.send.call_args_list
    assert [c.kwargs["nonce"] for c in calls] == [nonce_for(9, 1), nonce_for(9, 2)]
    assert all(len(c.kwargs["nonce"]) <= 25 for c in calls)
    allowed = calls[0].kwargs["allowed_mentions"].to_dict()
    assert allowed == {"parse": [], "roles": [ROLE]}
    assert calls[0].kwargs["content"].startswith(f"<@&{ROLE}>")
    harness.client.get_partial_messageable.assert_called_with(
        2, guild_id=1, type=discord.ChannelType.text
    )


@pytest.mark.parametrize(
    "transient",
    [
        _http_error(discord.DiscordServerError, 503, 0, "Service Unavailable"),
        _http_error(discord.HTTPException, 429, 0, "Too Many Requests"),
        discord.RateLimited(120.0),
        aiohttp.ClientConnectionError("reset"),
        TimeoutError(),
    ],
)
async def test_transient_failures_are_retried_with_backoff(transient: Exception) -> None:
    harness = Harness(transient, transient, _message(5))
    assert await harness.poster().send_digest(_post()) == (5,)
    assert harness.sleeps == [2.0, 4.0]
    assert harness.channel.send.await_count == 3


async def test_retries_give_up_after_the_configured_attempts() -> None:
    busy = _http_error(discord.DiscordServerError, 502, 0, "Bad Gateway")
    harness = Harness(busy, busy, busy)
    with pytest.raises(PostFailed) as info:
        await harness.poster(retry_attempts=3, retry_backoff_seconds=1.0).send_digest(_post())
    assert not info.value.permanent and "502" in info.value.reason
    assert harness.sleeps == [1.0, 2.0]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (_http_error(discord.NotFound, 404, 10003, "Unknown Channel"), "the channel was deleted"),
        (_http_error(discord.Forbidden, 403, 50013, "Missing Permissions"), "permission to post"),
        (_http_error(discord.Forbidden, 403, 50001, "Missing Access"), "access to it"),
    ],
)
async def test_a_gone_or_closed_channel_is_permanent_and_not_retried(
    error: Exception, words: str
) -> None:
    harness = Harness(error)
    with pytest.raises(PostFailed) as info:
        await harness.poster().send_digest(_post())
    assert info.value.permanent and words in info.value.reason
    assert harness.channel.send.await_count == 1 and harness.sleeps == []


async def test_a_refused_message_fails_the_run_without_retrying() -> None:
    harness = Harness(_http_error(discord.HTTPException, 400, 50035, "Invalid Form Body"))
    with pytest.raises(PostFailed) as info:
        await harness.poster().send_digest(_post())
    assert not info.value.permanent and harness.channel.send.await_count == 1


async def test_a_failure_midway_reports_what_was_sent() -> None:
    gone = _http_error(discord.NotFound, 404, 10003, "Unknown Channel")
    harness = Harness(_message(1), gone)
    long = "The committee met again and again. " * 40
    with pytest.raises(PostFailed) as info:
        await harness.poster().send_digest(_post(stories=6, sentence=long))
    assert info.value.message_ids == (1,) and info.value.permanent


async def test_the_scheduler_thread_waits_for_the_loop_to_send() -> None:
    harness = Harness(_message(8))
    poster = harness.poster()
    assert await asyncio.to_thread(poster.post, _post()) == (8,)


async def test_pause_notices_go_to_the_system_channel_else_where_it_was_set() -> None:
    harness = Harness()
    system = MagicMock(id=50)
    system.send = AsyncMock()
    guild = MagicMock(spec=discord.Guild, system_channel=system)
    harness.client.get_guild.return_value = guild
    poster = harness.poster()
    await poster.send_notice(_schedule(), "the channel was deleted.")
    text = system.send.call_args.args[0]
    assert "digest 3 for <#2>" in text and "the channel was deleted." in text
    assert system.send.call_args.kwargs["allowed_mentions"].to_dict() == {"parse": []}

    harness.client.get_guild.return_value = None
    harness.channel.send = AsyncMock()
    await poster.send_notice(_schedule(set_in=12), "gone")
    harness.client.get_partial_messageable.assert_called_with(
        12, guild_id=1, type=discord.ChannelType.text
    )
    harness.channel.send.assert_awaited_once()


async def test_a_notice_nobody_can_receive_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness()
    poster = harness.poster()
    await poster.send_notice(_schedule(set_in=2), "gone")  # set up in the lost channel
    assert "no channel to tell" in caplog.text
    harness.channel.send = AsyncMock(
        side_effect=_http_error(discord.Forbidden, 403, 50013, "Missing Permissions")
    )
    await poster.send_notice(_schedule(set_in=12), "gone")
    assert "notice was not sent" in caplog.text
