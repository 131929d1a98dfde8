"""What every feature cog shares: acknowledge first, and autocomplete from the engine.

Discord drops an interaction that gets no first response within 3 seconds, and engine
calls can take longer, so a command that asks the engine acknowledges first, through
``acknowledge``: the one place that defers, and that tells the engine queue
(``bot.engine.AckTracker``) that held engine calls may start. A test keeps every cog's
deferral going through it.

Autocomplete callbacks cannot show an error to the user, so ``engine_choices`` logs a
failed engine call and offers no choices; the command itself reports the error when it
runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import discord
from discord.ext import commands

from retrieval.errors import NewsbotError

if TYPE_CHECKING:
    from bot.app import NewsBot
    from bot.render import Payload

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class FeatureCog(commands.Cog):
    """Base of the feature cogs: holds the bot and the shared command steps."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    async def acknowledge(
        self,
        target: discord.Interaction[Any] | commands.Context[Any],
        *,
        ephemeral: bool = False,
    ) -> None:
        """Defer the command ("thinking...", private when ``ephemeral``) before any engine
        work, and let engine calls held for this acknowledgement start."""
        if isinstance(target, commands.Context):
            # A prefix command has nothing to acknowledge; a slash one defers like below.
            await target.defer(ephemeral=ephemeral)
            interaction = target.interaction
        else:
            await target.response.defer(ephemeral=ephemeral, thinking=True)
            interaction = target
        if interaction is not None:
            self.bot.acks.acknowledged(interaction)

    @staticmethod
    async def reply_privately(interaction: discord.Interaction[Any], payload: Payload) -> None:
        """Send ``payload`` as an ephemeral followup of an acknowledged interaction."""
        await interaction.followup.send(**payload.send_kwargs(), ephemeral=True)

    async def engine_choices(
        self, what: str, fn: Callable[P, list[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> list[T]:
        """``fn``'s results for an autocomplete, or none when the engine call fails."""
        try:
            return await self.bot.run_engine(fn, *args, **kwargs)
        except NewsbotError as exc:
            # An autocomplete cannot show an error; the command itself will report it.
            log.warning("%s autocomplete failed: %s", what, exc.reason)
            return []
