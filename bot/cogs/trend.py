"""``/trend``: a chart of matching articles per day, with the peak days' headlines."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands

from bot.app import NewsBot
from bot.chart import render_trend_png
from bot.cog_base import FeatureCog
from bot.cooldown import interaction_cooldown
from bot.flow import scope_of
from bot.limits import ATTACHMENT_MAX_BYTES
from bot.render import echo_query, notice_payload
from bot.render_info import trend_payload

log = logging.getLogger(__name__)

CHART_NAME = "trend.png"
DAYS_CHOICES = [
    app_commands.Choice(name="7 days", value=7),
    app_commands.Choice(name="30 days", value=30),
    app_commands.Choice(name="90 days", value=90),
    app_commands.Choice(name="365 days", value=365),
]
DEFAULT_DAYS = 30
QUERY_MAX = 300


class TrendCog(FeatureCog, name="Trend"):
    @app_commands.command(name="trend", description="How often a topic was in the news, per day")
    @app_commands.describe(
        query="The topic, e.g. South Korea", days="How far back (default 30 days)"
    )
    @app_commands.choices(days=DAYS_CHOICES)
    @app_commands.checks.dynamic_cooldown(interaction_cooldown)
    async def trend(
        self,
        interaction: discord.Interaction[NewsBot],
        query: app_commands.Range[str, 1, QUERY_MAX],
        days: int = DEFAULT_DAYS,
    ) -> None:
        await self.acknowledge(interaction)
        result = await self.bot.run_engine(
            self.bot.service.trend, query, scope=scope_of(interaction.guild_id), days=days
        )
        if result.total == 0:
            text = f"No articles matched {echo_query(query)} in the last {days} days."
            await interaction.followup.send(**notice_payload(text).send_kwargs())
            return
        png = await self.bot.run_engine(render_trend_png, result)
        if len(png) > ATTACHMENT_MAX_BYTES:
            # Discord refuses the whole message with an oversized file: answer without it.
            log.warning("trend chart of %d bytes is over the upload limit; sent without", len(png))
            payload = trend_payload(result, days, None)
            await interaction.followup.send(**payload.send_kwargs())
            return
        payload = trend_payload(result, days, CHART_NAME)
        chart = discord.File(io.BytesIO(png), filename=CHART_NAME)
        await interaction.followup.send(**payload.send_kwargs(), file=chart)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(TrendCog(bot))
