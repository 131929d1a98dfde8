"""newsbot end to end: the informational commands and the answer's other buttons."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.limits import ATTACHMENT_MAX_BYTES
from tests.bot.e2e.newsbot_harness import (
    SUMMIT_TITLE,
    RunningNewsBot,
    assert_quiet_and_within_limits,
    build_corpus,
    clone_corpus,
    fixture_articles,
    run_newsbot,
    visible_text,
)
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, find_custom_id
from tests.fakediscord.limits import choice_violations

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# How long before the test runs the "today" article is dated (so it is never future).
FRESH_ARTICLE_AGE = timedelta(hours=1)


async def test_help_and_sources_answer(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    for name in ("help", "sources"):
        interaction = await fake.slash(name)
        _, reply = await fake.interaction_reply(interaction)
        assert visible_text(reply).strip(), f"/{name} answered nothing"
    since = fake.mark()
    await fake.send_message("!help")
    _, reply = await fake.next_bot_message(since=since)
    assert "/ask" in visible_text(reply)
    assert_quiet_and_within_limits(fake)


async def test_summary_picked_through_autocomplete(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    lookup = await fake.autocomplete("summary", {"article": "South Korea and New"}, "article")
    callback = await fake.callback(lookup)
    assert callback.ok and callback.callback_type == 8
    choices = callback.body["data"]["choices"]
    assert choice_violations(choices) == []
    summit = next(c for c in choices if c["name"].startswith(SUMMIT_TITLE[:40]))

    interaction = await fake.slash("summary", {"article": summit["value"]})
    _, reply = await fake.interaction_reply(interaction)
    text = visible_text(reply)
    assert SUMMIT_TITLE in text and "Luxon" in text
    assert_quiet_and_within_limits(fake)


async def test_sources_and_vote_buttons_answer_privately(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    since = fake.mark()
    await fake.send_message("!news South Korea")
    _, answer = await fake.next_bot_message(since=since)

    sources = await fake.press(answer, find_custom_id(answer, "Sources"), user="bob")
    _, listing = await fake.interaction_reply(sources)
    assert listing["flags"] & FLAG_EPHEMERAL and SUMMIT_TITLE in visible_text(listing)

    vote = await fake.press(answer, find_custom_id(answer, "👍"), user="bob")
    _, thanks = await fake.interaction_reply(vote)
    assert thanks["flags"] & FLAG_EPHEMERAL
    assert fake.store.get(int(answer["id"]))["embeds"] == answer["embeds"]
    assert_quiet_and_within_limits(fake)


def _fresh_article(directory: Path) -> Path:
    """A South Korea story published an hour ago, so it falls in any trend window."""
    when = datetime.now(UTC) - FRESH_ARTICLE_AGE
    path = directory / "fresh_launch.txt"
    path.write_text(
        "Space Daily\nScience\n\n"
        "South Korea launches its first lunar relay satellite\n\n"
        f"Published: {when:%b %d %Y} | {when:%I:%M %p} UTC\n\n"
        "South Korea launched its first lunar relay satellite on a rocket from the Naro "
        "Space Center, the science ministry said, a step in the country's plan to land a "
        "probe on the Moon within the next decade.\n"
        "The satellite will pass signals between Earth and future landers on the far side "
        "of the Moon, where direct radio contact is impossible.\n"
        "Engineers said the spacecraft separated from the rocket as planned and sent its "
        "first signals to ground stations in South Korea and Australia within an hour.\n",
        encoding="utf-8",
    )
    return path


async def test_trend_uploads_a_chart(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = [*fixture_articles(), _fresh_article(tmp_path)]
    async with run_newsbot(fake_discord, build_corpus(corpus, articles)) as newsbot:
        await newsbot.bot.tree.sync()
        interaction = await fake_discord.slash("trend", {"query": "South Korea", "days": 7})
        request, reply = await fake_discord.interaction_reply(interaction)
        assert len(request.files) == 1
        chart = request.files[0]
        assert chart.filename.endswith(".png") and chart.data.startswith(PNG_MAGIC)
        assert reply["attachments"][0]["filename"] == chart.filename
    assert_quiet_and_within_limits(fake_discord)


async def test_a_chart_over_the_upload_limit_is_left_out(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord refuses a whole message whose file is over 10 MiB: the answer goes without."""
    oversized = PNG_MAGIC + b"\0" * ATTACHMENT_MAX_BYTES
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = [*fixture_articles(), _fresh_article(tmp_path)]
    async with run_newsbot(fake_discord, build_corpus(corpus, articles)) as newsbot:
        # The extension module is loaded afresh by the bot: patch the one it runs.
        trend_cog = importlib.import_module("bot.cogs.trend")
        monkeypatch.setattr(trend_cog, "render_trend_png", lambda _trend: oversized)
        await newsbot.bot.tree.sync()
        interaction = await fake_discord.slash("trend", {"query": "South Korea", "days": 7})
        request, reply = await fake_discord.interaction_reply(interaction)
        assert request.files == () and reply["attachments"] == []
        assert reply["embeds"] and "image" not in reply["embeds"][0]
        assert "matching articles" in visible_text(reply)
    assert_quiet_and_within_limits(fake_discord)


async def test_ask_in_a_direct_message_uses_global_articles(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    dm = fake.world.dm_channel(fake.user("alice"))
    interaction = await fake.slash(
        "ask", {"question": "What did Yoon and Luxon condemn?"}, channel=dm
    )
    _, reply = await fake.interaction_reply(interaction)
    assert reply["channel_id"] == str(dm.id) and "guild_id" not in reply
    assert SUMMIT_TITLE in visible_text(reply)
    assert_quiet_and_within_limits(fake)


async def test_mentions_work_without_the_message_content_intent(
    fake_discord: FakeDiscord, e2e_corpus: Path, tmp_path: Path
) -> None:
    corpus = clone_corpus(e2e_corpus, tmp_path)
    async with run_newsbot(fake_discord, corpus, message_content=False):
        since = fake_discord.mark()
        bot_id = fake_discord.world.bot.id
        await fake_discord.send_message(f"<@{bot_id}> What did Yoon and Luxon condemn?")
        _, reply = await fake_discord.next_bot_message(since=since)
        assert SUMMIT_TITLE in visible_text(reply)
    identify = next(p for p in fake_discord.gateway.received if p["op"] == 2)
    assert not identify["d"]["intents"] & discord.Intents(message_content=True).value
    assert_quiet_and_within_limits(fake_discord)
