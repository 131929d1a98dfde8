"""``/ask``, ``@newsbot question`` and follow-up replies: chat-style cited answers.

A message that mentions the bot is a question. A reply to one of the bot's answers is a
follow-up: its words are added to the previous query's, in the previous answer's scope
and filters. Both work without the Message Content intent, because Discord shows a bot
the text of messages that mention it (a reply pings its author unless the user turns
that off).
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import NewsBot
from bot.cog_base import FeatureCog
from bot.conversation import Turn
from bot.cooldown import interaction_cooldown
from bot.error_replies import report_error
from bot.flow import answer_turn, interaction_sender, message_sender, scope_of
from bot.render import notice_payload

# Longest question accepted from the slash command (the engine has its own limit too).
QUESTION_MAX = 500
EMPTY_MENTION_HINT = (
    "Ask me something after the mention, e.g. “@newsbot what did Yoon and Luxon condemn?”, "
    "or use /help."
)


# Mention markup (users, roles, channels) carries no searchable words.
_MENTION_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>")


def question_text(content: str) -> str:
    """The message text without mentions (of the bot or anyone else)."""
    return " ".join(_MENTION_MARKUP.sub(" ", content).split())


def mentions_bot(message: discord.Message, bot_id: int) -> bool:
    """Whether the message mentions the bot itself or its integration role.

    People often pick the bot's managed role from the mention list by mistake.
    """
    if bot_id in message.raw_mentions:
        return True
    return any(
        role.tags is not None and role.tags.bot_id == bot_id for role in message.role_mentions
    )


class AskCog(FeatureCog, name="Ask"):
    @app_commands.command(
        name="ask", description="Ask a question; get key sentences from the news, cited"
    )
    @app_commands.describe(question="What you want to know, e.g. what did Yoon and Luxon condemn?")
    @app_commands.checks.dynamic_cooldown(interaction_cooldown)
    async def ask(
        self,
        interaction: discord.Interaction[NewsBot],
        question: app_commands.Range[str, 1, QUESTION_MAX],
    ) -> None:
        await self.acknowledge(interaction)
        turn = Turn("ask", question, scope_of(interaction.guild_id), interaction.user.id)
        await answer_turn(self.bot, turn, interaction_sender(interaction))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        try:
            await self.handle_message(message)
        except Exception as exc:
            await report_error(message, exc)

    def previous_turn(self, message: discord.Message) -> Turn | None:
        """The answer this message replies to, when it is one the bot still remembers."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        return self.bot.conversations.recall(reference.message_id)

    async def handle_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None:
            return
        previous = self.previous_turn(message)
        mentioned = mentions_bot(message, me.id)
        if previous is None and not mentioned:
            return
        if (await self.bot.get_context(message)).valid:
            return  # a text command such as "!news"; the command handles it
        text = question_text(message.content)
        if not text:
            if mentioned:
                await message_sender(message)(notice_payload(EMPTY_MENTION_HINT), None)
            return
        self.bot.message_cooldowns.check(message)
        if previous is not None:
            turn = previous.follow_up(text, message.author.id)
        else:
            guild_id = message.guild.id if message.guild else None
            turn = Turn("ask", text, scope_of(guild_id), message.author.id)
        await answer_turn(self.bot, turn, message_sender(message))


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(AskCog(bot))
