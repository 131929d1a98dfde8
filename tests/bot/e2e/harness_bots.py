"""Small discord.py bots that exercise the fake Discord independently of newsbot's bot."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

# Seconds the harness view stays interactive (longer than any test).
VIEW_TIMEOUT = 60.0


class OwnerOnlyView(discord.ui.View):
    """A counter button only the user who asked may press; others are told so privately."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.owner_id = owner_id
        self.presses = 0

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("Not your button.", ephemeral=True)
        return False

    @discord.ui.button(label="More", custom_id="harness:more")
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.presses += 1
        await interaction.response.edit_message(content=f"page {self.presses + 1}", view=self)


class HarnessBot(commands.Bot):
    """Keeps every message it receives in ``seen``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        self.command_errors: asyncio.Queue[app_commands.AppCommandError] = asyncio.Queue()

        @self.tree.error
        async def keep_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.command_errors.put_nowait(error)

    async def on_message(self, message: discord.Message) -> None:
        self.seen.put_nowait(message)
        await self.process_commands(message)


class ShardedHarnessBot(commands.AutoShardedBot, HarnessBot):
    """The same bot, sharded: it asks GET /gateway/bot for the shard count."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once: the fake has no identify rate limit (discord.py waits 5 s)."""


def harness_bot(*, message_content: bool = True, sharded: bool = False) -> HarnessBot:
    """A prefix + slash command bot that never pings anyone."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    cls = ShardedHarnessBot if sharded else HarnessBot
    bot = cls(
        command_prefix="!",
        intents=intents,
        allowed_mentions=discord.AllowedMentions.none(),
        help_command=None,
    )

    @bot.command()
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.reply("pong")

    @bot.command()
    async def upload(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("here", file=discord.File(io.BytesIO(b"hello file"), filename="hello.txt"))

    @bot.tree.command(description="Echo the text back")
    async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
        await interaction.response.send_message(" ".join([text] * times))

    @bot.tree.command(description="Think, then answer with a button")
    async def slow(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(text, view=OwnerOnlyView(interaction.user.id))

    @bot.tree.command(description="Pick a colour")
    async def colour(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @colour.autocomplete("name")
    async def colour_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["red", "green", "blue", "rebeccapurple"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    return bot
