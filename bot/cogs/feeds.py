"""``/feed add|list|remove``: a server's admins follow RSS and Atom feeds; and the poller.

When it loads, the cog adds the feed job (``retrieval.worker.jobs.feed_job``) to the
bot's scheduler: every ``poll_period_seconds`` the feeds that are due are polled by
whichever process (this bot or ``newsbot worker``) holds the job's lease, in a thread of
the engine's executor (``NewsService.submit``) outside the bot's engine queue, so a slow
feed never holds up the event loop or a question's turn. New entries become articles of
the server that added the feed. When a feed is paused after repeated failures, the
channel where it was added is told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import discord
from discord import app_commands

from bot.admin_checks import acquire_fetcher, admin_group, admin_only, release_fetcher
from bot.app import NewsBot
from bot.choices import chosen_id, fit_choices
from bot.cog_base import FeatureCog
from bot.flow import scope_of
from bot.render import Payload
from bot.render_admin import (
    feed_added_payload,
    feed_choice_name,
    feed_list_payload,
    feed_paused_payload,
    feed_removed_payload,
)
from retrieval.errors import EngineUnavailable, FeedNotFound
from retrieval.ingest.feeds.feed_values import PollReport
from retrieval.ingest.feeds.manager import FeedManager
from retrieval.ingest.feeds.poll_intervals import EVERY_CHOICES
from retrieval.ingest.fetch import Fetcher
from retrieval.worker.job_runner import in_executor
from retrieval.worker.jobs import FEEDS_JOB, feed_job

log = logging.getLogger(__name__)

URL_MAX = 2000
# Digits of a feed id typed or picked in /feed remove.
FEED_REF_MAX = 18
EVERY = [app_commands.Choice(name=name, value=seconds) for name, seconds in EVERY_CHOICES]


class FeedsCog(FeatureCog, name="Feeds"):
    feed = admin_group("feed", "Follow RSS and Atom feeds for this server (admins)")

    def __init__(self, bot: NewsBot) -> None:
        super().__init__(bot)
        self._manager: FeedManager | None = None
        self._fetcher: Fetcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Callable[[], None] | None = None
        # Announcements in flight, kept referenced until they finish.
        self._notices: set[asyncio.Task[None]] = set()

    # ---------------------------------------------------------------- life cycle
    async def cog_load(self) -> None:
        if not self.bot.has_engine:
            return  # built only to register the slash commands
        self._fetcher = acquire_fetcher(self.bot)
        self._loop = asyncio.get_running_loop()
        feeds = self.bot.settings.feeds
        offload = in_executor(self.bot.service.submit)
        self.bot.schedule(feed_job(feeds, lambda: self.manager, offload))

    async def cog_unload(self) -> None:
        if self._fetcher is None:
            return
        await self.bot.unschedule(FEEDS_JOB)
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._manager = self._fetcher = None
        await release_fetcher(self.bot)

    @property
    def manager(self) -> FeedManager:
        """The feed manager, made on first use (the engine is only touched when needed)."""
        if self._manager is None:
            if self._fetcher is None:
                raise EngineUnavailable("feeds are not running in this bot", part="feeds")
            self._manager = FeedManager(self.bot.service, self._fetcher)
            self._unsubscribe = self._manager.subscribe(self._from_poller)
        return self._manager

    # ------------------------------------------------------------------- polling
    def _from_poller(self, report: PollReport) -> None:
        """The manager's listener: runs in the polling thread, hands over to the loop."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._heard, report)

    def _heard(self, report: PollReport) -> None:
        """A poll's report, on the event loop: tell the channel when a feed was paused."""
        if not report.paused_now or report.channel_id is None:
            return
        task = asyncio.create_task(self._announce(report.channel_id, feed_paused_payload(report)))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _announce(self, channel_id: int, payload: Payload) -> None:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("feed notice: channel %s cannot take messages", channel_id)
                return
            await channel.send(**payload.send_kwargs())
        except discord.HTTPException as exc:
            log.warning("feed notice to channel %s failed: %s", channel_id, exc)

    # ------------------------------------------------------------------ commands
    @feed.command(name="add", description="Follow an RSS or Atom feed: new entries become articles")
    @app_commands.describe(
        url="The feed's address (RSS or Atom), starting with http:// or https://",
        every="How often to check it (default: every hour)",
    )
    @app_commands.choices(every=EVERY)
    @admin_only
    async def add(
        self,
        interaction: discord.Interaction[NewsBot],
        url: app_commands.Range[str, 1, URL_MAX],
        every: int | None = None,
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        info = await self.bot.run_engine(
            self.manager.add,
            url,
            scope_of(interaction.guild_id),
            every,
            interaction.channel_id,
            interaction.user.id,
        )
        await self.reply_privately(interaction, feed_added_payload(info))

    @feed.command(name="list", description="The feeds this server follows, and how they are doing")
    @admin_only
    async def list_feeds(self, interaction: discord.Interaction[NewsBot]) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        infos = await self.bot.run_engine(self.manager.list, scope_of(interaction.guild_id))
        await self.reply_privately(interaction, feed_list_payload(infos))

    @feed.command(name="remove", description="Stop following a feed (its articles stay)")
    @app_commands.describe(feed="Pick the feed, or give its id from /feed list")
    @admin_only
    async def remove(
        self,
        interaction: discord.Interaction[NewsBot],
        feed: app_commands.Range[str, 1, FEED_REF_MAX],
    ) -> None:
        await self.acknowledge(interaction, ephemeral=True)
        feed_id = chosen_id(feed, FeedNotFound)
        info = await self.bot.run_engine(
            self.manager.remove, feed_id, scope_of(interaction.guild_id)
        )
        await self.reply_privately(interaction, feed_removed_payload(info))

    @remove.autocomplete("feed")
    @admin_only
    async def feed_choices(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        infos = await self.engine_choices("feed", self.manager.list, scope_of(interaction.guild_id))
        wanted = str(current).strip().casefold()
        matching = [
            info
            for info in infos
            if wanted in f"{info.feed_id} {info.title or ''} {info.url}".casefold()
        ]
        return fit_choices(
            app_commands.Choice(name=feed_choice_name(info), value=str(info.feed_id))
            for info in matching
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(FeedsCog(bot))
