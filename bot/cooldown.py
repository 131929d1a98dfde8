"""Per-user rate limits, read from ``settings.bot`` when a command runs.

Prefix and hybrid commands use ``commands.dynamic_cooldown(command_cooldown, user)``,
slash commands ``app_commands.checks.dynamic_cooldown(interaction_cooldown)``, and
mentions / follow-ups ``MessageCooldowns``: all raise or report the standard
``CommandOnCooldown`` so the one error handler words the "slow down" reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from retrieval.config import BotSettings

if TYPE_CHECKING:
    from bot.app import NewsBot


def _cooldown(settings: BotSettings) -> app_commands.Cooldown | None:
    """``None`` (no limit) when the rate is configured as 0."""
    if settings.cooldown_rate <= 0 or settings.cooldown_seconds <= 0:
        return None
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


def command_cooldown(ctx: commands.Context[Any]) -> app_commands.Cooldown | None:
    bot: NewsBot = ctx.bot
    return _cooldown(bot.settings.bot)


def interaction_cooldown(interaction: discord.Interaction[Any]) -> app_commands.Cooldown | None:
    bot: NewsBot = interaction.client
    return _cooldown(bot.settings.bot)


class MessageCooldowns:
    """Per-user cooldowns for questions asked by mention or by replying to an answer."""

    def __init__(self, settings: BotSettings) -> None:
        self._settings = settings
        self._mapping: commands.DynamicCooldownMapping[discord.Message] = (
            commands.DynamicCooldownMapping(self._factory, commands.BucketType.user)
        )

    def _factory(self, _message: discord.Message) -> app_commands.Cooldown | None:
        return _cooldown(self._settings)

    def check(self, message: discord.Message) -> None:
        """Count this message; raises ``CommandOnCooldown`` when the user is over the rate."""
        bucket = self._mapping.get_bucket(message)
        if bucket is None:
            return
        retry_after = bucket.update_rate_limit()
        if retry_after:
            raise commands.CommandOnCooldown(bucket, retry_after, commands.BucketType.user)
