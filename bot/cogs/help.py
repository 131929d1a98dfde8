"""``/help`` and ``!help``: what the bot does and how to use it."""

from __future__ import annotations

from discord.ext import commands

from bot.app import NewsBot
from bot.cog_base import FeatureCog
from bot.render_info import help_payload


class HelpCog(FeatureCog, name="Help"):
    # See bot/cogs/news.py: discord.py's decorator typing defeats mypy's inference.
    @commands.hybrid_command(  # type: ignore[arg-type]
        name="help", description="What newsbot does and how to use it"
    )
    async def help(self, ctx: commands.Context[NewsBot]) -> None:
        payload = help_payload(
            self.bot.settings.bot.command_prefix, message_content=self.bot.message_content
        )
        await ctx.send(**payload.send_kwargs(), ephemeral=True)


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(HelpCog(bot))
