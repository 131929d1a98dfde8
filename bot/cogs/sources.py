"""``/sources``: what this server can search."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.app import NewsBot
from bot.cog_base import FeatureCog
from bot.cooldown import interaction_cooldown
from bot.flow import scope_of
from bot.render_info import sources_payload


class SourcesCog(FeatureCog, name="Sources"):
    @app_commands.command(
        name="sources", description="Which outlets this server can search, and how recent"
    )
    @app_commands.checks.dynamic_cooldown(interaction_cooldown)
    async def sources(self, interaction: discord.Interaction[NewsBot]) -> None:
        await self.acknowledge(interaction)
        stats = await self.bot.run_engine(
            self.bot.service.sources, scope=scope_of(interaction.guild_id)
        )
        await interaction.followup.send(**sources_payload(stats).send_kwargs())


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(SourcesCog(bot))
