"""The buttons under an answer: More, Sources, 👍 and 👎.

The view knows nothing about the engine: it is given a coroutine that fetches a page at
an offset, a renderer, and a coroutine that stores a vote. Only the person who asked may
page (More edits the shared message); anyone may open the sources or vote, and those
replies are ephemeral. After ``timeout`` seconds without a click the buttons are disabled
by editing the message with the bot's token, so nobody clicks a dead button.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.error_replies import report_error
from bot.render import NO_MENTIONS, Payload, citations_payload
from retrieval.results import Answer

log = logging.getLogger(__name__)

ONLY_ASKER = "Only the person who asked can page through these results."
NO_MORE = "That was everything I found."
THANKS_UP = "Thanks, glad it helped."
THANKS_DOWN = "Thanks for telling me; this helps improve the answers."

PageFetcher = Callable[[int], Awaitable[Answer]]
Renderer = Callable[[Answer], Payload]
VoteRecorder = Callable[[discord.Interaction[Any], int], Awaitable[None]]


class AnswerView(discord.ui.View):
    """Paging, sources and feedback for one answer message."""

    def __init__(
        self,
        *,
        asker_id: int,
        answer: Answer,
        fetch_page: PageFetcher,
        render: Renderer,
        record_vote: VoteRecorder,
        timeout: float,
    ) -> None:
        super().__init__(timeout=timeout)
        self.asker_id = asker_id
        self.answer = answer
        self._fetch_page = fetch_page
        self._render = render
        self._record_vote = record_vote
        # The message carrying this view; set by whoever sends it, edited on timeout.
        self.message: discord.Message | None = None
        self.more.disabled = not answer.has_more

    @discord.ui.button(label="More", style=discord.ButtonStyle.primary)
    async def more(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AnswerView]
    ) -> None:
        if interaction.user.id != self.asker_id:
            await interaction.response.send_message(
                ONLY_ASKER, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        # Acknowledge now (Discord allows 3 s); the engine may take longer.
        await interaction.response.defer()
        page = await self._fetch_page(self.answer.offset + len(self.answer.citations))
        if not page.found:
            self.more.disabled = True
            await interaction.edit_original_response(view=self)
            await interaction.followup.send(NO_MORE, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        self.answer = page
        self.more.disabled = not page.has_more
        await interaction.edit_original_response(**self._render(page).edit_kwargs(), view=self)

    @discord.ui.button(label="Sources", style=discord.ButtonStyle.secondary)
    async def sources(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AnswerView]
    ) -> None:
        payload = citations_payload(self.answer)
        await interaction.response.send_message(**payload.send_kwargs(), ephemeral=True)

    @discord.ui.button(emoji="👍", style=discord.ButtonStyle.secondary)
    async def upvote(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AnswerView]
    ) -> None:
        await self._vote(interaction, 1)

    @discord.ui.button(emoji="👎", style=discord.ButtonStyle.secondary)
    async def downvote(
        self, interaction: discord.Interaction[Any], _button: discord.ui.Button[AnswerView]
    ) -> None:
        await self._vote(interaction, -1)

    async def _vote(self, interaction: discord.Interaction[Any], vote: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._record_vote(interaction, vote)
        thanks = THANKS_UP if vote > 0 else THANKS_DOWN
        await interaction.followup.send(thanks, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable()
        if self.message is None:
            return
        # Through the channel's message endpoint with the bot's own token. An answer sent
        # as an interaction followup is a webhook message, and its token dies 15 minutes
        # after the interaction: a view kept alive by clicks outlives it (Discord answers
        # 401, code 50027), and the buttons would stay enabled for good.
        target = discord.PartialMessage(channel=self.message.channel, id=self.message.id)
        try:
            await target.edit(view=self)
        except discord.NotFound:
            # Deleted (or its channel was): there are no buttons left to disable.
            log.info("message %s is gone; no buttons to disable", self.message.id)
        except discord.HTTPException as exc:
            log.warning(
                "could not disable the buttons of message %s (HTTP %s, code %s): %s",
                self.message.id,
                exc.status,
                exc.code,
                exc.text,
            )

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        await report_error(interaction, error)
