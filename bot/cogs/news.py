"""``/news`` and ``!news``: the top stories for a query, as cited snippets."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import NewsBot
from bot.choices import fit_choices
from bot.cog_base import FeatureCog
from bot.conversation import Turn
from bot.cooldown import command_cooldown
from bot.flow import NEWS_DEFAULT_LIMIT, answer_turn, context_sender, scope_of
from bot.limits import CHOICES_MAX
from retrieval.results import SearchFilters
from retrieval.timeparse import parse_since

# Values are what ``parse_since`` reads.
SINCE_CHOICES = [
    app_commands.Choice(name="last 24 hours", value="24h"),
    app_commands.Choice(name="last 7 days", value="7d"),
    app_commands.Choice(name="last 30 days", value="30d"),
    app_commands.Choice(name="all time", value="all"),
]
NEWS_MAX_LIMIT = 10


class NewsCog(FeatureCog, name="News"):
    # discord.py types the decorator with a union of Concatenate callables that mypy
    # cannot infer; the signature is checked by discord.py at import time instead.
    @commands.hybrid_command(  # type: ignore[arg-type]
        name="news", description="The top stories for a query, with sources"
    )
    @app_commands.describe(
        query="What to look for, e.g. South Korea",
        since="Only stories published in this window",
        source="Only stories from this outlet",
        limit="How many stories (1-10, default 5)",
    )
    @app_commands.choices(since=SINCE_CHOICES)
    @commands.dynamic_cooldown(command_cooldown, commands.BucketType.user)
    async def news(
        self,
        ctx: commands.Context[NewsBot],
        *,
        query: str,
        since: str | None = None,
        source: str | None = None,
        limit: commands.Range[int, 1, NEWS_MAX_LIMIT] = NEWS_DEFAULT_LIMIT,
    ) -> None:
        await self.acknowledge(ctx)
        filters = SearchFilters(since=parse_since(since), source=source or None)
        scope = scope_of(ctx.guild.id if ctx.guild else None)
        turn = Turn("news", query, scope, ctx.author.id, filters, limit)
        await answer_turn(self.bot, turn, context_sender(ctx))

    @news.autocomplete("source")
    async def source_autocomplete(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        names = await self.engine_choices(
            "source",
            self.bot.service.source_names,
            scope=scope_of(interaction.guild_id),
            prefix=current.strip(),
            limit=CHOICES_MAX,
        )
        return fit_choices(app_commands.Choice(name=name, value=name) for name in names)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(NewsCog(bot))
