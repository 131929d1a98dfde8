"""Answering a turn: ask the engine off the loop, send the answer with its buttons, remember it.

Shared by ``/news``, ``!news``, ``/ask``, mentions and follow-up replies, so all of them
page, cite and remember the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.conversation import Turn
from bot.render import Payload, ask_payload, news_payload, no_results_payload
from bot.views import AnswerView
from retrieval.results import Answer, Scope

if TYPE_CHECKING:
    from bot.app import NewsBot

# Stories per page of ``news`` when the user does not choose.
NEWS_DEFAULT_LIMIT = 5

# Sends a payload (with an optional view) and returns the message it created.
Sender = Callable[[Payload, discord.ui.View | None], Awaitable[discord.Message]]


async def fetch_answer(bot: NewsBot, turn: Turn, offset: int = 0) -> Answer:
    """The turn's answer page starting at ``offset``, computed by the engine (in an
    answering process when it runs them) in the asker's turn."""
    return await bot.run_answer(
        turn.kind,
        turn.query,
        lane=turn.asker_id,
        scope=turn.scope,
        filters=turn.filters,
        offset=offset,
        limit=(turn.limit or NEWS_DEFAULT_LIMIT) if turn.kind == "news" else turn.limit,
    )


def render_answer(turn: Turn, answer: Answer) -> Payload:
    return news_payload(answer) if turn.kind == "news" else ask_payload(answer)


async def record_vote(
    bot: NewsBot, turn: Turn, interaction: discord.Interaction[Any], vote: int
) -> None:
    message_id = interaction.message.id if interaction.message else 0
    await bot.run_engine(
        bot.service.record_feedback,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id or 0,
        user_id=interaction.user.id,
        message_id=message_id,
        query=turn.query,
        vote=vote,
    )


async def answer_turn(bot: NewsBot, turn: Turn, send: Sender) -> discord.Message:
    """Answer ``turn`` through ``send``; a found answer gets buttons and is remembered."""
    answer = await fetch_answer(bot, turn)
    if not answer.found:
        return await send(no_results_payload(answer), None)

    async def fetch_page(offset: int) -> Answer:
        return await fetch_answer(bot, turn, offset)

    async def vote(interaction: discord.Interaction[Any], value: int) -> None:
        await record_vote(bot, turn, interaction, value)

    view = AnswerView(
        asker_id=turn.asker_id,
        answer=answer,
        fetch_page=fetch_page,
        render=lambda page: render_answer(turn, page),
        record_vote=vote,
        timeout=bot.settings.bot.view_timeout,
    )
    message = await send(render_answer(turn, answer), view)
    view.message = message
    bot.conversations.remember(message.id, turn)
    return message


def context_sender(ctx: commands.Context[Any]) -> Sender:
    """A sender replying to a command context (prefix or slash)."""

    async def send(payload: Payload, view: discord.ui.View | None) -> discord.Message:
        if view is None:
            return await ctx.reply(**payload.send_kwargs(), mention_author=False)
        return await ctx.reply(**payload.send_kwargs(), view=view, mention_author=False)

    return send


def interaction_sender(interaction: discord.Interaction[Any]) -> Sender:
    """A sender following up a deferred interaction."""

    async def send(payload: Payload, view: discord.ui.View | None) -> discord.Message:
        if view is None:
            return await interaction.followup.send(**payload.send_kwargs(), wait=True)
        return await interaction.followup.send(**payload.send_kwargs(), view=view, wait=True)

    return send


def message_sender(message: discord.Message) -> Sender:
    """A sender replying to a user's message (mentions and follow-ups)."""

    async def send(payload: Payload, view: discord.ui.View | None) -> discord.Message:
        reference = message.to_reference(fail_if_not_exists=False)
        if view is None:
            return await message.channel.send(**payload.send_kwargs(), reference=reference)
        return await message.channel.send(**payload.send_kwargs(), reference=reference, view=view)

    return send


def scope_of(guild_id: int | None) -> Scope:
    """What a request may see: its server's articles plus the global ones (DMs: global)."""
    return Scope(guild_id)
