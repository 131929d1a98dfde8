"""``/digest``: scheduled posts of what is new, and the loop that posts them.

Admins (``bot.admin_checks``: Manage Server, or the role named in ``[bot] admin_role``,
checked when the command runs) set, list, remove and preview digests. ``cog_load`` adds
the digest job (``retrieval.worker.jobs.digest_job``) to the bot's scheduler: every
``[digest] loop_seconds`` the engine's digest round runs in a thread of the engine's
executor (``NewsService.submit``) outside the bot's engine queue, so waiting on Discord
never holds a question's turn, in whichever process
(this bot or ``newsbot worker``) holds the job's lease; the round claims each due run in
the database before anything is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.admin_checks import admin_group, admin_only
from bot.app import NewsBot
from bot.choices import fit_choices
from bot.cog_base import FeatureCog
from bot.digest_post import DiscordPoster
from bot.digest_render import (
    digest_payloads,
    schedule_choice,
    schedule_set_text,
    schedule_summary,
    schedules_payload,
)
from bot.limits import CHOICES_MAX
from bot.render import NO_MENTIONS
from retrieval.digest.facade import DigestService
from retrieval.digest.posting import DigestScheduler, TickReport
from retrieval.digest.settings import MAX_STORIES_LIMIT
from retrieval.errors import EngineUnavailable
from retrieval.worker.jobs import DIGESTS_JOB, digest_job

log = logging.getLogger(__name__)

T = TypeVar("T")

# Seconds ``cog_unload`` waits for a tick in flight (it may be sending) to finish.
UNLOAD_WAIT_SECONDS = 10.0
DAY_SUGGESTIONS = ("daily", "mon-fri", "weekends", "mon,wed,fri", "mon", "sun")
TIME_MAX = 20
ZONE_MAX = 64
TOPICS_MAX = 300


class DigestCog(FeatureCog, name="Digest"):
    digest = admin_group("digest", "Scheduled digests of new stories")

    def __init__(self, bot: NewsBot) -> None:
        super().__init__(bot)
        self.digests: DigestService | None = None
        self.scheduler: DigestScheduler | None = None
        self._inflight: Future[Any] | None = None

    # ------------------------------------------------------------ life cycle
    async def cog_load(self) -> None:
        if not self.bot.has_engine:
            return  # a bot built only to register commands: nothing to schedule
        news = self.bot.service
        settings = self.bot.settings.digest
        self.digests = DigestService(news, settings=settings)
        poster = DiscordPoster(self.bot, asyncio.get_running_loop(), settings)
        self.scheduler = DigestScheduler(self.digests, poster)
        self.bot.schedule(digest_job(self.scheduler, self._in_thread))

    async def cog_unload(self) -> None:
        if self.scheduler is not None:
            await self.bot.unschedule(DIGESTS_JOB)
        inflight = self._inflight
        if inflight is not None and not inflight.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.wrap_future(inflight), UNLOAD_WAIT_SECONDS)

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in an engine thread (the digest job's ``offload``); ``cog_unload``
        waits a while for it."""
        inflight = self.bot.service.submit(fn)
        self._inflight = inflight
        return await asyncio.wrap_future(inflight)

    async def run_tick(self) -> TickReport | None:
        """One digest round now, in an engine thread; never raises."""
        scheduler = self.scheduler
        if scheduler is None:
            return None
        try:
            return await self._in_thread(scheduler.tick)
        except Exception:
            log.exception("digest tick failed")
            return None

    def _service(self) -> DigestService:
        if self.digests is None:
            raise EngineUnavailable("digests need the engine; this bot has none", part="digests")
        return self.digests

    # ------------------------------------------------------------- commands
    @digest.command(name="set", description="Post new stories to a channel at a local time")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, e.g. 09:00 or 7:30pm",
        timezone="IANA time zone, e.g. Europe/London",
        topics="Only stories about these words (default: all new stories)",
        days="daily (default), mon-fri, weekends, or days like mon,wed,fri",
        max_stories=f"Stories per digest (1-{MAX_STORIES_LIMIT})",
        mention_role="A role to ping with each digest",
    )
    @admin_only
    async def set_digest(
        self,
        interaction: discord.Interaction[NewsBot],
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, TIME_MAX],
        timezone: app_commands.Range[str, 1, ZONE_MAX],
        topics: app_commands.Range[str, 1, TOPICS_MAX] | None = None,
        days: app_commands.Range[str, 1, TOPICS_MAX] | None = None,
        max_stories: app_commands.Range[int, 1, MAX_STORIES_LIMIT] | None = None,
        mention_role: discord.Role | None = None,
    ) -> None:
        from retrieval.digest.digest_values import ScheduleRequest  # noqa: PLC0415

        await self.acknowledge(interaction, ephemeral=True)
        refusal = _cannot_post(channel)
        if refusal is not None:
            await interaction.followup.send(refusal, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        request = ScheduleRequest(
            guild_id=channel.guild.id,
            channel_id=channel.id,
            time=time,
            timezone=timezone,
            topics=topics,
            days=days,
            max_stories=max_stories,
            mention_role_id=mention_role.id if mention_role else None,
            set_in_channel_id=interaction.channel_id,
            created_by=interaction.user.id,
        )
        info = await self.bot.run_engine(self._service().set_schedule, request)
        note = _cannot_ping(channel, mention_role)
        text = schedule_set_text(info) + (f"\n{note}" if note else "")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @digest.command(name="list", description="The digests scheduled in this server")
    @admin_only
    async def list_digests(self, interaction: discord.Interaction[NewsBot]) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        schedules = await self.bot.run_engine(
            self._service().list_schedules, _guild_id(interaction)
        )
        await interaction.followup.send(
            **schedules_payload(schedules).send_kwargs(), ephemeral=True
        )

    @digest.command(name="remove", description="Stop a scheduled digest")
    @app_commands.describe(schedule="The digest to stop")
    @admin_only
    async def remove_digest(self, interaction: discord.Interaction[NewsBot], schedule: int) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        info = await self.bot.run_engine(
            self._service().remove_schedule, _guild_id(interaction), schedule
        )
        text = f"Digest {info.id} removed: {schedule_summary(info)}."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @digest.command(name="preview", description="What a digest would post now (only you see it)")
    @app_commands.describe(schedule="The digest to preview")
    @admin_only
    async def preview_digest(
        self, interaction: discord.Interaction[NewsBot], schedule: int
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        post = await self.bot.run_engine(self._service().preview, _guild_id(interaction), schedule)
        for payload in digest_payloads(post, self.bot.settings.digest.announce_empty):
            await interaction.followup.send(**payload.send_kwargs(), ephemeral=True)

    # ---------------------------------------------------------- autocomplete
    @set_digest.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        from retrieval.digest.due_times import matching_zones  # noqa: PLC0415

        return fit_choices(
            app_commands.Choice(name=z, value=z) for z in matching_zones(current, CHOICES_MAX)
        )

    @set_digest.autocomplete("days")
    async def days_autocomplete(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().lower()
        options = [d for d in DAY_SUGGESTIONS if d.startswith(typed)] or [current.strip()]
        return fit_choices(app_commands.Choice(name=d, value=d) for d in options if d)

    @remove_digest.autocomplete("schedule")
    @preview_digest.autocomplete("schedule")
    @admin_only
    async def schedule_autocomplete(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[int]]:
        if self.digests is None or interaction.guild is None:
            return []
        schedules = await self.engine_choices(
            "digest", self.digests.list_schedules, interaction.guild.id
        )
        guild = interaction.guild
        choices = []
        for info in schedules:
            channel = guild.get_channel(info.channel_id)
            name = schedule_choice(info, channel.name if channel else None)
            if current.strip().lower() in name.lower():
                choices.append(app_commands.Choice(name=name, value=info.id))
        return fit_choices(choices)


def _guild_id(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def _cannot_post(channel: discord.TextChannel) -> str | None:
    """Why digests could not be posted in ``channel``, checked before saving the schedule."""
    perms = channel.permissions_for(channel.guild.me)
    if perms.view_channel and perms.send_messages and perms.embed_links:
        return None
    return (
        f"I can't post digests in {channel.mention}: give me View Channel, Send Messages "
        "and Embed Links there, then try again."
    )


def _cannot_ping(channel: discord.TextChannel, role: discord.Role | None) -> str | None:
    """A note when the digest's role would not actually be pinged."""
    if (
        role is None
        or role.mentionable
        or channel.permissions_for(channel.guild.me).mention_everyone
    ):
        return None
    return (
        f"Note: I can't ping {role.mention} yet: make the role mentionable or give me "
        "Mention @everyone, @here and All Roles in that channel."
    )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(DigestCog(bot))
