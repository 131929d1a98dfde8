"""The one error path: expected errors explained, unexpected ones logged under an id."""

from __future__ import annotations

import logging
import re
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.error_replies import DISCORD_DOWN, ENGINE_DOWN, STORAGE_DOWN, explain, report_error, unwrap
from retrieval.errors import ArticleNotFound, EngineUnavailable, QueryError, StorageUnavailable
from tests.bot.bot_doubles import fake_context, fake_interaction, fake_message

ERROR_ID = re.compile(r"error id ([0-9a-f]{8})")


def _invoke_error(original: Exception) -> commands.CommandInvokeError:
    return commands.CommandInvokeError(original)


def test_domain_errors_map_to_short_messages() -> None:
    assert explain(StorageUnavailable("db down")).text == STORAGE_DOWN
    assert explain(QueryError("the query has only stopwords")).text == (
        "The query has only stopwords."
    )
    text = explain(ArticleNotFound("nope **x** @everyone")).text
    assert text is not None
    assert text.startswith("No article matches") and "\\*\\*x\\*\\*" in text
    assert "@everyone" not in text


def test_a_missing_engine_is_one_typed_error_with_one_reply(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.error_replies"):
        reply = explain(_invoke_error(EngineUnavailable("no engine here", part="digests")))
    assert reply.text == ENGINE_DOWN and reply.error_id is None
    assert "EngineUnavailable" in caplog.text  # a deployment fault: logged for the admin


def test_wrapped_errors_are_unwrapped() -> None:
    inner = StorageUnavailable("down")
    assert unwrap(_invoke_error(inner)) is inner
    hybrid = commands.HybridCommandError(app_commands.AppCommandError())
    hybrid.original = _invoke_error(inner)  # type: ignore[assignment]
    assert unwrap(hybrid) is inner
    assert explain(hybrid).text == STORAGE_DOWN


def test_cooldowns_say_how_long_to_wait() -> None:
    cooldown = app_commands.Cooldown(1, 10.0)
    assert explain(app_commands.CommandOnCooldown(cooldown, 4.2)).text == (
        "Slow down: try again in 5 s."
    )
    error = commands.CommandOnCooldown(cooldown, 0.1, commands.BucketType.user)
    assert explain(error).text == "Slow down: try again in 1 s."


def test_unknown_text_commands_are_ignored() -> None:
    assert explain(commands.CommandNotFound('Command "foo" is not found')).text is None


def test_unexpected_error_gets_an_id_and_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fail() -> None:
        raise ZeroDivisionError("division by zero in the ranker")

    try:
        fail()
    except ZeroDivisionError as exc:
        error = _invoke_error(exc)
    with caplog.at_level(logging.ERROR, logger="bot.error_replies"):
        reply = explain(error)
    assert reply.error_id is not None and reply.text is not None
    match = ERROR_ID.search(reply.text)
    assert match is not None and match.group(1) == reply.error_id
    record = caplog.records[-1]
    assert reply.error_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert "in fail" in caplog.text  # the traceback, not just the message
    assert "ranker" not in reply.text  # internals stay in the log


def test_error_ids_differ() -> None:
    first = explain(RuntimeError()).error_id
    second = explain(RuntimeError()).error_id
    assert first != second


async def test_interaction_errors_are_ephemeral() -> None:
    interaction = fake_interaction()
    await report_error(interaction, StorageUnavailable("down"))
    interaction.response.send_message.assert_awaited_once()
    assert interaction.response.send_message.call_args.args == (STORAGE_DOWN,)
    assert interaction.response.send_message.call_args.kwargs["ephemeral"] is True

    interaction = fake_interaction()
    interaction.response.is_done.return_value = True
    await report_error(interaction, StorageUnavailable("down"))
    assert interaction.followup.send.call_args.kwargs["ephemeral"] is True


def _deferred(*, loading: bool, ephemeral: bool) -> MagicMock:
    """An interaction answered with a "thinking" deferral whose message has these flags."""
    interaction = fake_interaction()
    interaction.response.is_done.return_value = True
    interaction.response.type = discord.InteractionResponseType.deferred_channel_message
    original = MagicMock(spec=discord.InteractionMessage)
    original.flags = discord.MessageFlags(loading=loading, ephemeral=ephemeral)
    interaction.original_response = AsyncMock(return_value=original)
    return interaction


async def test_an_error_fills_a_public_thinking_message_in_place() -> None:
    interaction = _deferred(loading=True, ephemeral=False)
    await report_error(interaction, StorageUnavailable("down"))
    interaction.edit_original_response.assert_awaited_once()
    assert interaction.edit_original_response.call_args.kwargs["content"] == STORAGE_DOWN
    interaction.followup.send.assert_not_awaited()


@pytest.mark.parametrize(("loading", "ephemeral"), [(True, True), (False, False)])
async def test_an_error_after_a_private_or_filled_deferral_is_an_ephemeral_followup(
    loading: bool, ephemeral: bool
) -> None:
    interaction = _deferred(loading=loading, ephemeral=ephemeral)
    await report_error(interaction, StorageUnavailable("down"))
    interaction.edit_original_response.assert_not_awaited()
    assert interaction.followup.send.call_args.kwargs["ephemeral"] is True


async def test_an_unreadable_deferral_falls_back_to_a_followup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = _deferred(loading=True, ephemeral=False)
    response = MagicMock(status=503, reason="Service Unavailable")
    interaction.original_response.side_effect = discord.HTTPException(response, "down")
    with caplog.at_level(logging.WARNING, logger="bot.error_replies"):
        await report_error(interaction, StorageUnavailable("down"))
    assert interaction.followup.send.await_count == 1
    assert "could not read the deferred response" in caplog.text


async def test_prefix_command_errors_reply_in_the_channel() -> None:
    ctx = fake_context()
    await report_error(ctx, QueryError("too long"))
    send = ctx.message.channel.send
    assert send.call_args.args == ("Too long.",)
    assert send.call_args.kwargs["allowed_mentions"].to_dict() == {"parse": []}


async def test_a_failed_delivery_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    message = fake_message("hi")
    response = type("Response", (), {"status": 403, "reason": "Forbidden"})()
    message.channel.send.side_effect = discord.Forbidden(response, "Missing Permissions")
    with caplog.at_level(logging.ERROR, logger="bot.error_replies"):
        reply = await report_error(message, RuntimeError("x"))
    assert "could not deliver an error reply" in caplog.text
    assert reply.error_id is not None and reply.error_id in caplog.text


async def test_a_discord_outage_is_a_warning_not_a_bug(caplog: pytest.LogCaptureFixture) -> None:
    """discord.py gave up after its retries: the user hears Discord is failing, the log
    gets a warning without an error id, and a reply that fails the same way is a warning."""
    response = type("Response", (), {"status": 503, "reason": "Service Unavailable"})()
    outage = discord.DiscordServerError(response, "upstream connect error")
    message = fake_message("!news storms")
    message.channel.send.side_effect = outage
    with caplog.at_level(logging.INFO, logger="bot.error_replies"):
        reply = await report_error(message, _invoke_error(outage))
    assert reply == type(reply)(DISCORD_DOWN)
    assert message.channel.send.call_args.args == (DISCORD_DOWN,)
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.WARNING]
