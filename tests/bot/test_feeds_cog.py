"""/feed add, list and remove through the real cog over a real engine, the feed job on the
bot's scheduler and its thread, and the notice posted where a paused feed was added."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot import admin_checks as admin
from bot.app import NewsBot
from retrieval.config import Settings
from retrieval.errors import EngineUnavailable, FeedNotFound
from retrieval.executor import THREAD_PREFIX
from retrieval.ingest.feeds.feed_values import PollReport
from retrieval.ingest.fetch import FetchError
from retrieval.results import Scope
from retrieval.worker import lease
from retrieval.worker.jobs import FEEDS_JOB
from tests.bot.live_bot import GUILD_A, GUILD_B, admin_interaction, live_bot, reply_text
from tests.retrieval.ingest.feeds.feed_site import HTML_TYPE, Entry, FeedSite, article_html, rss
from tests.retrieval.ingest.fetch import fetch_testserver
from tests.retrieval.ingest.fetch.conftest import tripwire
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer

__all__ = ["live_bot", "tripwire"]


def cog(bot: NewsBot) -> Any:
    found = bot.get_cog("Feeds")
    assert found is not None
    return found


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Any:
    server = LocalServer("127.0.0.1")
    feed_site = FeedSite(server)
    monkeypatch.setitem(fetch_testserver.ROUTES, "site", feed_site.route)
    yield feed_site
    server.close()


async def add_feed(
    bot: NewsBot, url: str, guild_id: int = GUILD_A, every: int | None = None
) -> str:
    interaction = admin_interaction(bot, guild_id)
    await cog(bot).add.callback(cog(bot), interaction, url, every)
    return reply_text(interaction)


async def test_add_list_and_remove_a_feed(live_bot: NewsBot, site: FeedSite) -> None:
    url = site.put("feed.xml", rss([Entry(n, guid=f"g{n}") for n in range(4)], base=site.base))
    text = await add_feed(live_bot, url, every=6 * 3600)
    assert text.startswith(
        "Following feed 1: **Valley Courier**, checked every 6 h. Its 4 current entries were "
        "marked as seen; entries that appear from now on become articles of this server. "
        "Next fetch <t:"
    )
    (info,) = cog(live_bot).manager.list(Scope(GUILD_A))
    assert (info.channel_id, info.added_by, info.every_seconds) == (321, 42, 6 * 3600)

    listing = admin_interaction(live_bot)
    await cog(live_bot).list_feeds.callback(cog(live_bot), listing)
    kwargs = listing.followup.send.call_args.kwargs
    assert kwargs["ephemeral"] is True
    (embed,) = kwargs["embeds"]
    assert embed.title == "Feeds this server follows (1)"
    (field,) = embed.fields
    assert field.name == "[1] Valley Courier"
    assert "every 6 h · 0 articles · 4 entries seen" in str(field.value)
    assert "next fetch <t:" in str(field.value) and "last new item never" in str(field.value)

    elsewhere = admin_interaction(live_bot, GUILD_B)
    await cog(live_bot).list_feeds.callback(cog(live_bot), elsewhere)
    assert reply_text(elsewhere) == "This server follows no feeds. Add one with /feed add."
    with pytest.raises(FeedNotFound):
        await cog(live_bot).remove.callback(
            cog(live_bot), admin_interaction(live_bot, GUILD_B), "1"
        )

    removal = admin_interaction(live_bot)
    await cog(live_bot).remove.callback(cog(live_bot), removal, "1")
    assert reply_text(removal) == (
        "Stopped following feed 1: **Valley Courier**. The 0 articles it brought stay; "
        "/article forget removes one."
    )
    assert cog(live_bot).manager.list(Scope(GUILD_A)) == []


async def test_a_page_is_not_a_feed_and_nothing_is_followed(
    live_bot: NewsBot, site: FeedSite
) -> None:
    url = site.put("news.html", article_html(1), HTML_TYPE)
    with pytest.raises(FetchError, match="content type text/html is not accepted"):
        await add_feed(live_bot, url)
    assert cog(live_bot).manager.list(Scope(GUILD_A)) == []


async def test_remove_autocomplete_offers_only_this_servers_feeds(
    live_bot: NewsBot, site: FeedSite
) -> None:
    first = site.put("one.xml", rss([Entry(1, guid="a")], base=site.base, title="Harbour News"))
    second = site.put("two.xml", rss([Entry(2, guid="b")], base=site.base, title="Orchard Post"))
    await add_feed(live_bot, first)
    await add_feed(live_bot, second, GUILD_B)
    feeds = cog(live_bot)
    mine = await feeds.feed_choices(admin_interaction(live_bot, GUILD_A), "")
    assert [(c.name, c.value) for c in mine] == [("1 · Harbour News", "1")]
    theirs = await feeds.feed_choices(admin_interaction(live_bot, GUILD_B), "orch")
    assert [c.value for c in theirs] == ["2"]
    assert await feeds.feed_choices(admin_interaction(live_bot, GUILD_B), "harbour") == []


async def test_the_poller_runs_due_feeds_in_its_own_thread(live_bot: NewsBot) -> None:
    feeds = cog(live_bot)
    threads: list[str] = []

    def poll_due(now: datetime | None = None) -> list[PollReport]:
        threads.append(threading.current_thread().name)
        raise RuntimeError("a bug in one round")

    feeds.manager.poll_due = poll_due
    assert [job.name for job in live_bot.scheduler.jobs] == ["digests", FEEDS_JOB], (
        "the job is scheduled with the cog"
    )
    # One round of the scheduler (it holds the free leases); the error is logged, not raised.
    assert FEEDS_JOB in await live_bot.scheduler.tick()
    assert threads and threads[0].startswith(THREAD_PREFIX), "the engine's executor polls"
    with live_bot.service.sessions() as session:
        assert lease.state(session, FEEDS_JOB) is None, "the bot keeps no lease between runs"
    await live_bot.remove_cog("Feeds")
    assert FEEDS_JOB not in [job.name for job in live_bot.scheduler.jobs]


async def test_a_paused_feed_is_announced_where_it_was_added(live_bot: NewsBot) -> None:
    feeds = cog(live_bot)
    channel = MagicMock(spec=discord.TextChannel)
    channel.send = AsyncMock()
    live_bot.get_channel = MagicMock(return_value=channel)  # type: ignore[method-assign]
    report = PollReport(
        feed_id=4,
        url="https://valley.example/feed.xml",
        title="Valley @everyone Courier",
        guild_id=GUILD_A,
        channel_id=555,
        status="failed",
        error="refused: the server answered 503 Service Unavailable",
        failures=5,
        paused_now=True,
        next_fetch_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    thread = threading.Thread(target=feeds._from_poller, args=(report,))
    thread.start()
    thread.join()
    async with asyncio.timeout(5):
        while not channel.send.await_count:
            await asyncio.sleep(0.01)
    live_bot.get_channel.assert_called_with(555)
    kwargs = channel.send.call_args.kwargs
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    (embed,) = kwargs["embeds"]
    assert embed.title == "Feed 4 paused"
    assert "failed 5 times in a row" in embed.description
    assert "503 Service Unavailable" in embed.description
    assert "@everyone" not in embed.description, "feed titles cannot ping"

    channel.send.reset_mock()
    feeds._from_poller(PollReport(4, "u", None, GUILD_A, 555, "failed", failures=1))
    await asyncio.sleep(0.05)
    channel.send.assert_not_awaited()


async def test_a_bot_built_to_sync_commands_starts_no_feed_machinery(
    bot_settings: Settings,
) -> None:
    bot = NewsBot(bot_settings, None, refresh_interval=None)
    async with bot:
        await bot.setup_hook()
        feeds = cog(bot)
        assert bot.scheduler.jobs == ()
        assert admin._fetchers[bot].users == 1, "only /ingest url holds the fetcher"
        assert bot.tree.get_command("feed") is not None
        with pytest.raises(EngineUnavailable):
            _ = feeds.manager
    assert bot not in admin._fetchers, "unloading the cogs released the fetcher"
