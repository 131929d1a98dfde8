"""Admin ingest end to end: two servers on the fake Discord, the real bot and engine.

An admin of server A stores articles (an uploaded file, a feed); server B's commands,
autocompletes and buttons never show them, and neither do direct messages. Members
without Manage Server or the admin role are refused.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from retrieval.results import Scope
from tests.bot.e2e.admin_harness import (
    attachment_option,
    choices,
    give_admin_role,
    run_admin_bot,
    subcommand,
)
from tests.bot.e2e.newsbot_harness import (
    assert_quiet_and_within_limits,
    clone_corpus,
    visible_text,
)
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, find_custom_id
from tests.retrieval.ingest.feeds.feed_site import HTML_TYPE, Entry, FeedSite, article_html, rss
from tests.retrieval.ingest.fetch import fetch_testserver
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer

HARBOUR = "Story 6: the harbour report"
# Matches server A's harbour article strongly, and global South Korea articles too, so
# every server gets an answer with buttons.
QUESTION = "Why did the harbour board vote to dredge the northern channel in South Korea?"
NOT_ADMIN = (
    "Only server admins can do this: it needs the Manage Server permission "
    "or the 'News Editors' role."
)
# Seconds allowed for the feed poller to pick up a due feed.
POLL_WAIT = 10.0


@pytest_asyncio.fixture
async def two_servers() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(guild_count=2)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedSite]:
    server = LocalServer("127.0.0.1")
    feed_site = FeedSite(server)
    monkeypatch.setitem(fetch_testserver.ROUTES, "site", feed_site.route)
    yield feed_site
    server.close()


async def ephemeral_reply(fake: FakeDiscord, state: Any) -> str:
    _, reply = await fake.interaction_reply(state)
    assert reply["flags"] & FLAG_EPHEMERAL, "admin replies are private"
    return visible_text(reply)


async def upload(fake: FakeDiscord, site: FeedSite, channel: Any, name: str, data: bytes) -> int:
    url = site.put(f"uploads/{name}", data, HTML_TYPE)
    value, resolved = attachment_option(name, url, len(data), "text/html")
    state = await subcommand(
        fake, "ingest file", {"file": value}, channel=channel, resolved=resolved
    )
    text = await ephemeral_reply(fake, state)
    match = re.match(r"Stored article (\d+): ", text)
    assert match, text
    return int(match.group(1))


async def test_an_upload_is_seen_in_its_server_only(
    two_servers: FakeDiscord, e2e_corpus: Path, tmp_path: Path, site: FeedSite
) -> None:
    fake = two_servers
    home, other = (guild.channels[0] for guild in fake.world.guilds)
    async with run_admin_bot(fake, clone_corpus(e2e_corpus, tmp_path)):
        article_id = await upload(fake, site, home, "harbour.html", article_html(6))

        state = await fake.slash("ask", {"question": QUESTION}, channel=home)
        _, answer = await fake.interaction_reply(state)
        assert HARBOUR in visible_text(answer), "the server that stored it finds it"

        state = await fake.slash("ask", {"question": QUESTION}, channel=other)
        _, answer = await fake.interaction_reply(state)
        assert HARBOUR not in visible_text(answer)
        sources = await fake.press(answer, find_custom_id(answer, "Sources"), user="bob")
        _, listing = await fake.interaction_reply(sources)
        assert listing["flags"] & FLAG_EPHEMERAL and HARBOUR not in visible_text(listing)
        more = await fake.press(answer, find_custom_id(answer, "More"), user="alice")
        _, next_page = await fake.interaction_reply(more)
        assert next_page["id"] == answer["id"] and HARBOUR not in visible_text(next_page)

        since = fake.mark()
        await fake.send_message("!news harbour dredge northern channel", channel=other)
        _, news = await fake.next_bot_message(since=since, channel=other)
        assert HARBOUR not in visible_text(news)

        lookup = await fake.autocomplete(
            "summary", {"article": "harbour"}, "article", channel=other
        )
        assert all(HARBOUR not in c["name"] for c in await choices(fake, lookup))
        state = await fake.slash("summary", {"article": str(article_id)}, channel=other)
        _, refusal = await fake.interaction_reply(state)
        assert visible_text(refusal) == f"No article matches '{article_id}'."

        lookup = await subcommand(
            fake, "article forget", {"article": ""}, channel=other, focused="article"
        )
        assert await choices(fake, lookup) == []
        lookup = await subcommand(
            fake, "article forget", {"article": "harb"}, channel=home, focused="article"
        )
        assert [c["value"] for c in await choices(fake, lookup)] == [str(article_id)]

        dm = fake.world.dm_channel(fake.user("alice"))
        state = await fake.slash("ask", {"question": QUESTION}, channel=dm)
        _, private = await fake.interaction_reply(state)
        assert HARBOUR not in visible_text(private)

        state = await subcommand(fake, "article forget", {"article": str(article_id)}, channel=home)
        assert (await ephemeral_reply(fake, state)).startswith(f"Forgot article {article_id}: ")
        state = await fake.slash("ask", {"question": QUESTION}, channel=home)
        _, answer = await fake.interaction_reply(state)
        assert HARBOUR not in visible_text(answer)
    assert_quiet_and_within_limits(fake)


async def test_only_admins_or_the_admin_role_may_ingest(
    two_servers: FakeDiscord, e2e_corpus: Path, tmp_path: Path, site: FeedSite
) -> None:
    fake = two_servers
    home = fake.world.guilds[0].channels[0]
    give_admin_role(fake.world.guilds[0], fake.user("bob").id)
    url = site.put("news/7", article_html(7), HTML_TYPE)
    async with run_admin_bot(fake, clone_corpus(e2e_corpus, tmp_path)) as running:
        state = await subcommand(fake, "ingest url", {"url": url}, channel=home, user="alice")
        assert await ephemeral_reply(fake, state) == NOT_ADMIN
        state = await subcommand(fake, "feed list", {}, channel=home, user="alice")
        assert await ephemeral_reply(fake, state) == NOT_ADMIN
        lookup = await subcommand(
            fake, "article forget", {"article": ""}, channel=home, user="alice", focused="article"
        )
        assert await choices(fake, lookup) == []
        assert site.hits == {}, "a refused member's URL is never fetched"

        state = await subcommand(fake, "ingest url", {"url": url}, channel=home, user="bob")
        stored = await ephemeral_reply(fake, state)
        assert re.match(r"Stored article \d+: Story 7: the orchard report · 2024-11-15 · ", stored)
        titles = running.service.recent_titles(scope=Scope(fake.world.guilds[0].id))
        assert titles[0].title == "Story 7: the orchard report"
    assert_quiet_and_within_limits(fake)


async def test_a_feed_is_polled_and_a_paused_feed_is_announced(
    two_servers: FakeDiscord, e2e_corpus: Path, tmp_path: Path, site: FeedSite
) -> None:
    fake = two_servers
    home, other = (guild.channels[0] for guild in fake.world.guilds)
    feed = site.put("feed.xml", rss([Entry(n, guid=f"g{n}") for n in (6, 1, 2)], base=site.base))
    async with run_admin_bot(fake, clone_corpus(e2e_corpus, tmp_path)) as running:
        state = await subcommand(fake, "feed add", {"url": feed, "every": 3600}, channel=home)
        added = await ephemeral_reply(fake, state)
        assert added.startswith("Following feed 1: Valley Courier, checked every 1 h. Its 2 ")

        manager = running.bot.get_cog("Feeds").manager
        home_scope = Scope(fake.world.guilds[0].id)
        async with asyncio.timeout(POLL_WAIT):  # the poller stores the newest entry
            while manager.list(home_scope)[0].articles == 0:
                await asyncio.sleep(0.05)
        state = await fake.slash("ask", {"question": QUESTION}, channel=home)
        _, answer = await fake.interaction_reply(state)
        assert HARBOUR in visible_text(answer)
        state = await fake.slash("ask", {"question": QUESTION}, channel=other)
        _, answer = await fake.interaction_reply(state)
        assert HARBOUR not in visible_text(answer)

        state = await subcommand(fake, "feed list", {}, channel=home)
        listing = await ephemeral_reply(fake, state)
        assert "[1] Valley Courier" in listing and "1 articles · 3 entries seen" in listing
        lookup = await subcommand(fake, "feed remove", {"feed": ""}, channel=other, focused="feed")
        assert await choices(fake, lookup) == []

        site.put("feed.xml", b"maintenance", "text/plain", status=503)
        since = fake.mark()
        for _ in range(3):
            await asyncio.to_thread(manager.poll, 1)
        _, notice = await fake.next_bot_message(since=since, channel=home)
        text = visible_text(notice)
        assert "Feed 1 paused" in text and "failed 3 times in a row" in text
        assert "503 Service Unavailable" in text
    assert_quiet_and_within_limits(fake)
