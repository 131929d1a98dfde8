"""The commands, run through the real cogs of a real NewsBot over a fake engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.app import NewsBot
from bot.conversation import Turn
from bot.views import AnswerView
from retrieval.errors import ArticleNotFound, StorageUnavailable
from retrieval.results import Scope, SearchFilters
from tests.bot.bot_doubles import FakeService, fake_context, fake_interaction, fake_message

BOT_ID = 999  # the bot's user id in the news_bot fixture


def _cog(bot: NewsBot, name: str) -> Any:
    cog = bot.get_cog(name)
    assert cog is not None
    return cog


def _defer_first(service: FakeService) -> AsyncMock:
    """A defer() that fails the test if the engine was called before it."""

    async def defer(*_args: Any, **_kwargs: Any) -> None:
        assert service.calls == [], "the engine ran before the interaction was acknowledged"

    return AsyncMock(side_effect=defer)


async def test_ask_defers_then_answers_with_buttons_and_remembers(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    interaction = fake_interaction(user_id=42, guild_id=7)
    interaction.response.defer = _defer_first(fake_service)
    cog = _cog(news_bot, "Ask")
    await cog.ask.callback(cog, interaction, "what did Yoon and Luxon condemn?")
    interaction.response.defer.assert_awaited_once()
    assert fake_service.calls_to("ask")[0]["scope"] == Scope(7)
    assert all(name.startswith("newsbot-engine") for name in fake_service.threads)
    kwargs = interaction.followup.send.call_args.kwargs
    assert isinstance(kwargs["view"], AnswerView) and kwargs["view"].asker_id == 42
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert kwargs["embeds"][0].description.startswith("> Sentence from Headline number 1.")
    sent = interaction.followup.send.return_value
    remembered = news_bot.conversations.recall(sent.id)
    assert kwargs["view"].message is sent
    assert remembered == Turn("ask", "what did Yoon and Luxon condemn?", Scope(7), 42)


async def test_no_results_reply_has_the_hint_and_no_buttons(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    interaction = fake_interaction()
    cog = _cog(news_bot, "Ask")
    await cog.ask.callback(cog, interaction, "nothing at all")
    kwargs = interaction.followup.send.call_args.kwargs
    assert "view" not in kwargs
    assert "Try a shorter query." in kwargs["content"]
    assert len(news_bot.conversations) == 0


async def test_prefix_news_replies_with_story_embeds(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    ctx = fake_context(guild_id=None)
    cog = _cog(news_bot, "News")
    await cog.news.callback(cog, ctx, query="South Korea")
    call = fake_service.calls_to("news")[0]
    assert (call["query"], call["scope"], call["limit"]) == ("South Korea", Scope(None), 5)
    assert call["filters"] == SearchFilters()
    kwargs = ctx.reply.call_args.kwargs
    assert len(kwargs["embeds"]) == 5
    assert kwargs["mention_author"] is False
    assert isinstance(kwargs["view"], AnswerView)


async def test_slash_news_applies_since_source_and_limit(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    ctx = fake_context()
    cog = _cog(news_bot, "News")
    await cog.news.callback(cog, ctx, query="Seoul", since="7d", source="Yonhap", limit=2)
    call = fake_service.calls_to("news")[0]
    since = call["filters"].since
    assert abs(since - (datetime.now(UTC) - timedelta(days=7))) < timedelta(minutes=1)
    assert call["filters"].source == "Yonhap" and call["limit"] == 2
    await cog.news.callback(cog, ctx, query="Seoul", since="all")
    assert fake_service.calls_to("news")[1]["filters"].since is None


async def test_source_autocomplete_fits_discord_limits(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    cog = _cog(news_bot, "News")
    choices = await cog.source_autocomplete(fake_interaction(), "")
    assert [c.value for c in choices] == [
        "Yonhap",
        "Reuters",
        "RNZ",
    ]  # the 150-char name is skipped
    assert (await cog.source_autocomplete(fake_interaction(), "re"))[0].value == "Reuters"
    fake_service.fail_with = StorageUnavailable("down")
    assert await cog.source_autocomplete(fake_interaction(), "") == []


async def test_a_mention_is_a_question(news_bot: NewsBot, fake_service: FakeService) -> None:
    message = fake_message(f"<@{BOT_ID}> what did Yoon and Luxon condemn?")
    await _cog(news_bot, "Ask").on_message(message)
    assert fake_service.calls_to("ask")[0]["query"] == "what did Yoon and Luxon condemn?"
    kwargs = message.channel.send.call_args.kwargs
    assert isinstance(kwargs["view"], AnswerView)
    assert kwargs["reference"] is message.to_reference.return_value
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert len(news_bot.conversations) == 1


async def test_mentioning_the_bots_role_also_asks_and_mentions_are_not_searched(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    role = MagicMock(spec=discord.Role)
    role.tags = MagicMock(bot_id=BOT_ID)
    message = fake_message("<@&555> did <@123> and <#9> meet in Seoul?")
    message.role_mentions = [role]
    await _cog(news_bot, "Ask").on_message(message)
    assert fake_service.calls_to("ask")[0]["query"] == "did and meet in Seoul?"


async def test_a_reply_to_an_answer_is_a_follow_up(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    filters = SearchFilters(source="Yonhap")
    news_bot.conversations.remember(5000, Turn("news", "yoon luxon", Scope(7), 42, filters, 3))
    message = fake_message("and russia?", user_id=43, reply_to=5000)
    await _cog(news_bot, "Ask").on_message(message)
    call = fake_service.calls_to("news")[0]
    assert call["query"] == "yoon luxon and russia?"
    assert (call["scope"], call["filters"], call["limit"]) == (Scope(7), filters, 3)
    view = message.channel.send.call_args.kwargs["view"]
    assert view.asker_id == 43


@pytest.mark.parametrize(
    "message",
    [
        fake_message("just chatting"),
        fake_message(f"<@{BOT_ID}> hello", author_is_bot=True),
        fake_message("a reply to something else", reply_to=1234),
        fake_message(f"!news Seoul <@{BOT_ID}>"),
    ],
    ids=["no-mention", "from-a-bot", "reply-to-unknown", "text-command"],
)
async def test_other_messages_are_left_alone(
    news_bot: NewsBot, fake_service: FakeService, message: Any
) -> None:
    await _cog(news_bot, "Ask").on_message(message)
    assert fake_service.calls == []
    message.channel.send.assert_not_awaited()


async def test_an_empty_mention_gets_a_hint(news_bot: NewsBot, fake_service: FakeService) -> None:
    message = fake_message(f"<@!{BOT_ID}>")
    await _cog(news_bot, "Ask").on_message(message)
    assert fake_service.calls == []
    assert "Ask me something" in message.channel.send.call_args.kwargs["content"]


async def test_mentions_are_rate_limited_per_user(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    cog = _cog(news_bot, "Ask")
    for _ in range(2):  # the fixture allows 2 questions every 30 s
        await cog.on_message(fake_message(f"<@{BOT_ID}> seoul", user_id=50))
    slow = fake_message(f"<@{BOT_ID}> seoul", user_id=50)
    await cog.on_message(slow)
    assert slow.channel.send.call_args.args[0].startswith("Slow down: try again in ")
    other_user = fake_message(f"<@{BOT_ID}> seoul", user_id=51)
    await cog.on_message(other_user)
    assert len(fake_service.calls_to("ask")) == 3


async def test_engine_failures_in_a_mention_are_reported(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    fake_service.fail_with = StorageUnavailable("down")
    message = fake_message(f"<@{BOT_ID}> seoul")
    await _cog(news_bot, "Ask").on_message(message)
    assert message.channel.send.call_args.args == (
        "The database is unavailable, try again in a moment.",
    )


async def test_summary_and_its_autocomplete(news_bot: NewsBot, fake_service: FakeService) -> None:
    cog = _cog(news_bot, "Summary")
    choices = await cog.article_autocomplete(fake_interaction(), "")
    assert choices[0].value == "101"
    assert all(0 < len(c.name) <= 100 for c in choices)
    fake_service.calls.clear()
    interaction = fake_interaction()
    interaction.response.defer = _defer_first(fake_service)
    await cog.summary.callback(cog, interaction, " 101 ")
    assert fake_service.calls_to("summarize_article")[0]["ref"] == "101"
    embed = interaction.followup.send.call_args.kwargs["embeds"][0]
    assert embed.title == "Headline number 1" and embed.description == "> First key.\n> Second key."


async def test_a_missing_article_goes_through_the_tree_error_handler(
    news_bot: NewsBot, fake_service: FakeService
) -> None:
    cog = _cog(news_bot, "Summary")
    interaction = fake_interaction()
    with pytest.raises(ArticleNotFound) as raised:
        await cog.summary.callback(cog, interaction, "999")
    interaction.response.is_done.return_value = True
    command = news_bot.tree.get_command("summary")
    assert isinstance(command, app_commands.Command)
    await news_bot.tree.on_error(
        interaction, app_commands.CommandInvokeError(command, raised.value)
    )
    text = interaction.followup.send.call_args.args[0]
    assert text == "No article matches '999'."


async def test_sources_and_help(news_bot: NewsBot, fake_service: FakeService) -> None:
    interaction = fake_interaction()
    cog = _cog(news_bot, "Sources")
    await cog.sources.callback(cog, interaction)
    embed = interaction.followup.send.call_args.kwargs["embeds"][0]
    assert embed.description == "**Yonhap**: 7 articles, newest 2024-11-15"
    ctx = fake_context()
    help_cog = _cog(news_bot, "Help")
    await help_cog.help.callback(help_cog, ctx)
    assert ctx.send.call_args.kwargs["ephemeral"] is True


async def test_trend_attaches_a_png_chart(news_bot: NewsBot, fake_service: FakeService) -> None:
    interaction = fake_interaction()
    interaction.response.defer = _defer_first(fake_service)
    cog = _cog(news_bot, "Trend")
    await cog.trend.callback(cog, interaction, "seoul", 7)
    assert fake_service.calls_to("trend")[0]["days"] == 7
    kwargs = interaction.followup.send.call_args.kwargs
    chart = kwargs["file"]
    assert chart.filename == "trend.png"
    assert chart.fp.read(8) == b"\x89PNG\r\n\x1a\n"
    assert kwargs["embeds"][0].image.url == "attachment://trend.png"
    assert len(kwargs["embeds"][0].fields) == 3

    empty = fake_interaction()
    await cog.trend.callback(cog, empty, "nothing", 30)
    assert "No articles matched" in empty.followup.send.call_args.kwargs["content"]


async def test_slash_commands_are_registered_with_options(news_bot: NewsBot) -> None:
    tree = news_bot.tree
    names = sorted(c.name for c in tree.get_commands())
    assert names == [
        "article",
        "ask",
        "digest",
        "feed",
        "help",
        "ingest",
        "news",
        "sources",
        "summary",
        "trend",
    ]
    news = tree.get_command("news")
    assert isinstance(news, app_commands.Command)
    params = {p.name: p for p in news.parameters}
    assert [c.value for c in params["since"].choices] == ["24h", "7d", "30d", "all"]
    assert params["source"].autocomplete
    assert (params["limit"].min_value, params["limit"].max_value) == (1, 10)
    assert all(p.description != "…" for p in params.values())
    trend = tree.get_command("trend")
    assert isinstance(trend, app_commands.Command)
    assert [c.value for c in trend.parameters[1].choices] == [7, 30, 90, 365]
    assert sorted(c.name for c in news_bot.commands) == ["help", "news"]


async def test_slash_cooldown_check_uses_the_settings(news_bot: NewsBot) -> None:
    command = news_bot.tree.get_command("ask")
    assert isinstance(command, app_commands.Command)
    interaction = fake_interaction(user_id=77)
    interaction.client = news_bot
    interaction.created_at = datetime.now(UTC)
    check = command.checks[0]
    for _ in range(2):  # the fixture allows 2 commands every 30 s
        assert await discord.utils.maybe_coroutine(check, interaction)
    with pytest.raises(app_commands.CommandOnCooldown):
        await discord.utils.maybe_coroutine(check, interaction)


async def test_prefix_cooldown_factory_uses_the_settings(news_bot: NewsBot) -> None:
    command = news_bot.get_command("news")
    assert isinstance(command, commands.Command)
    ctx = fake_context(user_id=78)
    ctx.bot = news_bot
    bucket = command._buckets.get_bucket(ctx)
    assert bucket is not None and (bucket.rate, bucket.per) == (2, 30.0)
