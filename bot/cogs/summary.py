"""``/summary``: the key sentences of one article, picked from recent titles or by id/URL."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import NewsBot
from bot.choices import fit_choices
from bot.cog_base import FeatureCog
from bot.cooldown import interaction_cooldown
from bot.flow import scope_of
from bot.limits import CHOICES_MAX
from bot.render import byline, shown_title
from bot.render_info import summary_payload

# Longest article reference accepted (URLs can be long; Discord caps options at 6000).
REF_MAX = 2000


class SummaryCog(FeatureCog, name="Summary"):
    @app_commands.command(name="summary", description="The key sentences of one article")
    @app_commands.describe(article="Start typing a title, or paste an article id or URL")
    @app_commands.checks.dynamic_cooldown(interaction_cooldown)
    async def summary(
        self,
        interaction: discord.Interaction[NewsBot],
        article: app_commands.Range[str, 1, REF_MAX],
    ) -> None:
        await self.acknowledge(interaction)
        result = await self.bot.run_engine(
            self.bot.service.summarize_article,
            article.strip(),
            scope=scope_of(interaction.guild_id),
        )
        await interaction.followup.send(**summary_payload(result).send_kwargs())

    @summary.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[NewsBot], current: str
    ) -> list[app_commands.Choice[str]]:
        titles = await self.engine_choices(
            "article",
            self.bot.service.recent_titles,
            scope=scope_of(interaction.guild_id),
            prefix=current.strip(),
            limit=CHOICES_MAX,
        )
        return fit_choices(
            app_commands.Choice(
                name=f"{shown_title(t.title)} · {byline(t.source, t.published)}",
                value=str(t.article_id),
            )
            for t in titles
        )


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(SummaryCog(bot))
