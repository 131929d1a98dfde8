"""The bot's one error path: every failure becomes a short reply, and nothing is silent.

``NewsBot.on_command_error`` (prefix and hybrid commands), ``NewsTree.on_error`` (slash
commands), ``AnswerView.on_error`` (buttons) and the mention listener all call
``report_error``. Expected failures (domain errors, cooldowns, bad input) get a one-line
explanation; anything else gets "something went wrong" with an 8-hex-digit error id,
and the log gets the traceback under the same id so an admin can find it.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.limits import CONTENT_MAX
from bot.render import NO_MENTIONS
from bot.safe_text import fit_rich
from retrieval.errors import EngineUnavailable, NewsbotError, StorageUnavailable

log = logging.getLogger(__name__)

STORAGE_DOWN = "The database is unavailable, try again in a moment."
DISCORD_DOWN = "Discord is having trouble right now, try again in a moment."
ENGINE_DOWN = "The news engine is not running in this bot; an admin needs to restart it."
NOT_IN_DMS = "This command only works in a server."
NOT_ALLOWED = "You can't use this command here."
# Bytes of randomness in an error id (8 hex digits): unique enough to grep a day of logs.
ERROR_ID_BYTES = 4
# Room kept under the content limit for the wording around a reason.
REASON_MAX = CONTENT_MAX - 200

ErrorTarget = commands.Context[Any] | discord.Interaction[Any] | discord.Message


@dataclass(frozen=True)
class ErrorReply:
    """What to tell the user (``None``: nothing) and the id of an unexpected error."""

    text: str | None
    error_id: str | None = None


_WRAPPERS = (
    commands.CommandInvokeError,
    commands.HybridCommandError,
    commands.ConversionError,
    app_commands.CommandInvokeError,
)


def unwrap(error: BaseException) -> BaseException:
    """The exception that actually happened, inside discord.py's wrappers."""
    while isinstance(error, _WRAPPERS):
        inner = getattr(error, "original", None)
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


def new_error_id() -> str:
    return secrets.token_hex(ERROR_ID_BYTES)


def _sentence(reason: str) -> str:
    text = fit_rich(reason.strip(), REASON_MAX) or "That did not work."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _expected(error: BaseException) -> str | None:
    """The reply to an expected failure, or None when the error is not one we expect."""
    if isinstance(error, commands.CommandOnCooldown | app_commands.CommandOnCooldown):
        return f"Slow down: try again in {max(1, math.ceil(error.retry_after))} s."
    if isinstance(error, StorageUnavailable):
        return STORAGE_DOWN
    if isinstance(error, EngineUnavailable):
        # A deployment fault (a command reached a bot started without its engine), not
        # something the user can change: logged as a warning by ``explain``.
        return ENGINE_DOWN
    if isinstance(error, discord.DiscordServerError):
        # Discord answered 5xx to every one of discord.py's retries: an outage on its
        # side, not a bug on ours (logged as a warning by ``explain``).
        return DISCORD_DOWN
    if isinstance(error, NewsbotError):
        return _sentence(error.reason)
    if isinstance(error, commands.MissingRequiredArgument):
        return f"Something is missing: {error.param.name}. Try /help for examples."
    if isinstance(error, commands.UserInputError):
        return _sentence(f"I could not read that: {error}")
    if isinstance(error, app_commands.TransformerError):
        return _sentence(f"I could not read {error.value!r} as a {error.type.name}")
    if isinstance(error, commands.NoPrivateMessage | app_commands.NoPrivateMessage):
        return NOT_IN_DMS
    if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
        return NOT_ALLOWED
    if isinstance(error, commands.DisabledCommand):
        return "This command is switched off."
    return None


def explain(error: BaseException) -> ErrorReply:
    """The reply for ``error``; an unexpected one is logged with its traceback and an id."""
    error = unwrap(error)
    if isinstance(error, commands.CommandNotFound):
        # Another bot's command, or a typo: not ours to answer.
        log.debug("ignored unknown command: %s", error)
        return ErrorReply(None)
    text = _expected(error)
    if text is not None:
        level = logging.WARNING if text in (DISCORD_DOWN, ENGINE_DOWN) else logging.INFO
        log.log(level, "user-facing error %s: %s", type(error).__name__, error)
        return ErrorReply(text)
    error_id = new_error_id()
    log.error(
        "unexpected error [%s]: %s",
        error_id,
        error,
        exc_info=(type(error), error, error.__traceback__),
    )
    return ErrorReply(
        f"Something went wrong on my side (error id {error_id}). "
        "Please try again; if it keeps happening, give an admin that id.",
        error_id,
    )


async def report_error(target: ErrorTarget, error: BaseException) -> ErrorReply:
    """Explain ``error`` to whoever caused it; returns what was said."""
    reply = explain(error)
    if reply.text is None:
        return reply
    try:
        await deliver(target, reply.text)
    except discord.DiscordServerError as exc:
        log.warning("could not deliver an error reply, Discord is failing: %s", exc)
    except discord.HTTPException:
        log.exception("could not deliver an error reply (error id %s)", reply.error_id)
    return reply


async def deliver(target: ErrorTarget, text: str) -> None:
    """Send ``text`` privately where Discord allows: ephemeral for interactions (except in
    place of a public deferral), a reply otherwise."""
    if isinstance(target, commands.Context) and target.interaction is not None:
        target = target.interaction
    if isinstance(target, discord.Interaction):
        if not target.response.is_done():
            await target.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        elif await _public_placeholder(target):
            # Discord fills a public "thinking..." message with the first followup and
            # ignores that followup's ephemeral flag: the error replaces the placeholder in
            # the open, like the answer it stands for would have.
            await target.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
        else:
            await target.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    message = target.message if isinstance(target, commands.Context) else target
    await message.channel.send(
        text,
        reference=message.to_reference(fail_if_not_exists=False),
        allowed_mentions=NO_MENTIONS,
    )


async def _public_placeholder(interaction: discord.Interaction[Any]) -> bool:
    """Whether the interaction's response is still a public "thinking..." deferral.

    Only a deferral with a loading message (not a deferred update) leaves one; asking
    Discord for it costs one request, made only on this error path.
    """
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return False
    try:
        original = await interaction.original_response()
    except discord.HTTPException as exc:
        log.warning("could not read the deferred response (HTTP %s): %s", exc.status, exc.text)
        return False
    return original.flags.loading and not original.flags.ephemeral
