"""Sending digests to Discord for the engine's scheduler, with retries and fault triage.

The scheduler runs in a worker thread and calls ``DiscordPoster.post``; the sending
itself runs on the bot's event loop (``run_coroutine_threadsafe``), so the worker only
waits. Failures are sorted for the scheduler:

* 404 (the channel was deleted) and 403 (the bot lost access or permission) are
  permanent: ``PostFailed(permanent=True)`` pauses the schedule, and the admins are told
  in the server's system channel, else the channel where the digest was set up.
* 5xx, 429 and network errors are retried ``retry_attempts`` times with exponential
  backoff (discord.py has already retried 5xx and waited out ordinary rate limits by
  then). Each message carries a nonce derived from its run and part, which Discord
  enforces, so a retry of a send that did go through is not shown twice.
* Anything else Discord refuses fails this run only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from bot.digest_render import digest_payloads, paused_notice, send_kwargs
from bot.render import NO_MENTIONS
from retrieval.digest.settings import DigestSettings
from retrieval.errors import PostFailed

if TYPE_CHECKING:
    from retrieval.digest.digest_values import DigestPost, ScheduleInfo

log = logging.getLogger(__name__)

# Seconds the scheduler's worker waits for a whole digest to be sent: longer than every
# retry of every message, so it only ends a send that hangs.
POST_TIMEOUT_SECONDS = 600.0
NOTICE_TIMEOUT_SECONDS = 60.0
# Discord error codes that mean the channel is gone or closed to the bot.
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
_TRANSIENT = (
    discord.DiscordServerError,
    discord.RateLimited,
    aiohttp.ClientError,
    OSError,
    TimeoutError,
)


def nonce_for(run_id: int, part: int) -> str:
    """A message nonce unique to one part of one run (Discord allows 25 characters)."""
    return f"dg{run_id}p{part}"


def permanent_reason(error: discord.HTTPException) -> str | None:
    """Why the digest channel cannot be used any more, or None when it might recover."""
    if isinstance(error, discord.NotFound):
        if error.code == UNKNOWN_CHANNEL:
            return "the channel was deleted."
        return f"Discord no longer finds the channel ({error.text or error.status})."
    if isinstance(error, discord.Forbidden):
        what = "permission to post there" if error.code == MISSING_PERMISSIONS else "access to it"
        return f"I lost {what} (Discord said: {error.text or 'Forbidden'})."
    return None


def is_transient(error: BaseException) -> bool:
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, discord.HTTPException) and error.status == 429


class DiscordPoster:
    """The scheduler's ``Poster``: digests and pause notices, sent on ``loop``."""

    def __init__(
        self,
        client: discord.Client,
        loop: asyncio.AbstractEventLoop,
        settings: DigestSettings,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.loop = loop
        self.settings = settings
        self.sleep = sleep

    # ---------------------------------------------------------- called from a thread
    def post(self, post: DigestPost) -> tuple[int, ...]:
        return self._wait(self.send_digest(post), POST_TIMEOUT_SECONDS)

    def notify_paused(self, schedule: ScheduleInfo, reason: str) -> None:
        self._wait(self.send_notice(schedule, reason), NOTICE_TIMEOUT_SECONDS)

    def _wait(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError as exc:  # the loop is closed: the bot is shutting down
            coro.close()
            raise PostFailed("the bot is shutting down", permanent=False) from exc
        try:
            return future.result(timeout)
        except TimeoutError as exc:
            future.cancel()
            raise PostFailed("sending took too long and was stopped", permanent=False) from exc

    # --------------------------------------------------------------- on the loop
    async def send_digest(self, post: DigestPost) -> tuple[int, ...]:
        """Send every message of the digest, in order; their ids."""
        schedule = post.schedule
        channel = self.client.get_partial_messageable(
            schedule.channel_id, guild_id=schedule.guild_id, type=discord.ChannelType.text
        )
        sent: list[int] = []
        payloads = digest_payloads(post, self.settings.announce_empty)
        for part, payload in enumerate(payloads, start=1):
            kwargs = send_kwargs(payload, schedule.mention_role_id)
            if post.run_id is not None:
                kwargs["nonce"] = nonce_for(post.run_id, part)
            try:
                message = await self._send(channel, kwargs)
            except PostFailed as exc:
                raise PostFailed(
                    exc.reason, permanent=exc.permanent, message_ids=tuple(sent)
                ) from exc
            sent.append(message.id)
        return tuple(sent)

    async def _send(
        self, channel: discord.abc.Messageable, kwargs: dict[str, Any]
    ) -> discord.Message:
        delay = self.settings.retry_backoff_seconds
        attempts = self.settings.retry_attempts
        for attempt in range(1, attempts + 1):
            try:
                return await channel.send(**kwargs)
            except discord.HTTPException as exc:
                reason = permanent_reason(exc)
                if reason is not None:
                    raise PostFailed(reason, permanent=True) from exc
                if not is_transient(exc) or attempt == attempts:
                    raise PostFailed(_describe(exc), permanent=False) from exc
            except _TRANSIENT as exc:
                if attempt == attempts:
                    raise PostFailed(_describe(exc), permanent=False) from exc
            log.warning("digest message not sent (attempt %d/%d); retrying", attempt, attempts)
            await self.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def send_notice(self, schedule: ScheduleInfo, reason: str) -> None:
        """Tell the admins a schedule is paused; a notice that cannot be sent is logged."""
        target = self._notice_channel(schedule)
        if target is None:
            log.warning("digest %d paused (%s); no channel to tell", schedule.id, reason)
            return
        try:
            await target.send(paused_notice(schedule, reason), allowed_mentions=NO_MENTIONS)
        except (discord.HTTPException, *_TRANSIENT) as exc:
            log.warning("digest %d paused; the notice was not sent: %s", schedule.id, exc)

    def _notice_channel(self, schedule: ScheduleInfo) -> discord.abc.Messageable | None:
        guild = self.client.get_guild(schedule.guild_id)
        system = guild.system_channel if guild is not None else None
        if system is not None and system.id != schedule.channel_id:
            return system
        where = schedule.set_in_channel_id
        if where is None or where == schedule.channel_id:
            return None
        return self.client.get_partial_messageable(
            where, guild_id=schedule.guild_id, type=discord.ChannelType.text
        )


def _describe(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"Discord refused the message ({error.status}: {error.text or type(error).__name__})"
    return f"could not reach Discord ({type(error).__name__})"
