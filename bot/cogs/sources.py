"""``/sources``: what this server can search."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import NewsBot
from bot.cooldown import interaction_cooldown
from bot.flow import scope_of
from bot.render_info import sources_payload


class SourcesCog(commands.Cog, name="Sources"):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="sources", description="Which outlets this server can search, and how recent"
    )
    @app_commands.checks.dynamic_cooldown(interaction_cooldown)
    async def sources(self, interaction: discord.Interaction[NewsBot]) -> None:
        await interaction.response.defer(thinking=True)
        stats = await self.bot.run_engine(
            self.bot.service.sources, scope=scope_of(interaction.guild_id)
        )
        await interaction.followup.send(**sources_payload(stats).send_kwargs())


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(SourcesCog(bot))
