"""/ingest url, /ingest file and /article forget through the real cog over a real engine:
who may use them, what the replies say, and that a server only ever sees its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.admin_checks import NotAdmin, is_admin, require_admin
from bot.app import NewsBot
from bot.error_replies import explain
from retrieval.errors import ArticleNotFound
from retrieval.results import Scope
from tests.bot.live_bot import (
    ADMIN_ROLE,
    GUILD_A,
    GUILD_B,
    admin_interaction,
    attachment,
    live_bot,
    member_interaction,
    reply_text,
)
from tests.retrieval.ingest.feeds.feed_site import HTML_TYPE, FeedSite, article_html
from tests.retrieval.ingest.fetch import fetch_testserver
from tests.retrieval.ingest.fetch.conftest import tripwire
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer

__all__ = ["live_bot", "tripwire"]

SUMMIT = Path(__file__).resolve().parents[1] / "fixtures" / "e2e" / "summit_scrape.txt"
SUMMIT_TITLE = "South Korea and New Zealand leaders condemn North Korea-Russia military ties"


def cog(bot: NewsBot, name: str = "Admin ingest") -> Any:
    found = bot.get_cog(name)
    assert found is not None
    return found


def feeds_cog(bot: NewsBot) -> Any:
    return cog(bot, "Feeds")


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Any:
    server = LocalServer("127.0.0.1")
    feed_site = FeedSite(server)
    monkeypatch.setitem(fetch_testserver.ROUTES, "site", feed_site.route)
    yield feed_site
    server.close()


async def ingest_file(bot: NewsBot, guild_id: int, name: str, data: bytes) -> tuple[Any, str]:
    interaction = admin_interaction(bot, guild_id)
    upload = attachment(name, data)
    await cog(bot).ingest_file.callback(cog(bot), interaction, upload)
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    return upload, reply_text(interaction)


# ------------------------------------------------------------------ who may use them
@pytest.mark.parametrize(
    ("kwargs", "allowed"),
    [
        ({}, False),
        ({"manage_guild": True}, True),
        ({"administrator": True}, True),
        ({"roles": (ADMIN_ROLE,)}, True),
        ({"roles": (ADMIN_ROLE.upper(),)}, True),
        ({"roles": ("Moderators",)}, False),
    ],
)
async def test_admins_are_members_with_manage_server_or_the_configured_role(
    live_bot: NewsBot, kwargs: dict[str, Any], allowed: bool
) -> None:
    interaction = member_interaction(live_bot, **kwargs)
    assert is_admin(interaction, ADMIN_ROLE) is allowed
    if allowed:
        assert require_admin(interaction) is True
    else:
        with pytest.raises(NotAdmin) as refused:
            require_admin(interaction)
        reply = explain(refused.value).text
        assert reply == (
            "Only server admins can do this: it needs the Manage Server permission "
            f"or the {ADMIN_ROLE!r} role."
        )


async def test_without_a_configured_role_only_manage_server_counts(live_bot: NewsBot) -> None:
    interaction = member_interaction(live_bot, roles=(ADMIN_ROLE,))
    assert not is_admin(interaction, "")


async def test_admin_commands_refuse_direct_messages(live_bot: NewsBot) -> None:
    with pytest.raises(app_commands.NoPrivateMessage):
        require_admin(member_interaction(live_bot, guild_id=None, manage_guild=True))


async def test_every_admin_command_and_autocomplete_checks_when_it_runs(
    live_bot: NewsBot,
) -> None:
    """Admin commands are exactly the groups hidden from members by default, and every
    command in them runs the one admin check (digests included)."""
    names = set()
    admin_groups = set()
    for group in live_bot.tree.get_commands():
        if not isinstance(group, app_commands.Group):
            continue
        checked = [require_admin in c.checks for c in group.walk_commands()]
        hidden = group.default_permissions == discord.Permissions(manage_guild=True)
        assert hidden == any(checked) == all(checked), group.name
        if not hidden:
            continue
        admin_groups.add(group.name)
        assert group.guild_only
        for command in group.walk_commands():
            assert isinstance(command, app_commands.Command)
            names.add(f"{group.name} {command.name}")
    autocompletes = [
        cog(live_bot).article_choices,
        feeds_cog(live_bot).feed_choices,
        cog(live_bot, "Digest").schedule_autocomplete,
    ]
    for autocomplete in autocompletes:
        assert require_admin in autocomplete.__discord_app_commands_checks__
    assert admin_groups == {"ingest", "article", "feed", "digest"}
    assert names == {
        "ingest url",
        "ingest file",
        "article forget",
        "feed add",
        "feed list",
        "feed remove",
        "digest set",
        "digest list",
        "digest remove",
        "digest preview",
    }


# ------------------------------------------------------------------------ /ingest
async def test_an_uploaded_page_is_stored_for_that_server(live_bot: NewsBot) -> None:
    _, text = await ingest_file(live_bot, GUILD_A, "harbour.html", article_html(6))
    assert text.startswith("Stored article 1: **Story 6: the harbour report** · 2024-11-15 ·")
    assert text.endswith("passages")
    service = live_bot.service
    assert [t.article_id for t in service.recent_titles(scope=Scope(GUILD_A))] == [1]
    assert service.recent_titles(scope=Scope(GUILD_B)) == []
    assert service.recent_titles(scope=Scope(None)) == []


async def test_a_text_scrape_and_a_jsonl_batch_are_stored(live_bot: NewsBot) -> None:
    _, text = await ingest_file(live_bot, GUILD_A, "summit.txt", SUMMIT.read_bytes())
    assert f"**{SUMMIT_TITLE}**" in text
    rows = [
        {"id": f"j{n}", "title": f"Batch story {n}", "text": " ".join([f"Sentence {n}."] * 40)}
        for n in range(2)
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json", json.dumps(rows[0])]
    _, text = await ingest_file(live_bot, GUILD_A, "batch.jsonl", "\n".join(lines).encode())
    head, *items = text.split("\n")
    assert head == "From batch.jsonl: 2 stored, 1 already stored, 1 not stored."
    assert items[0].startswith("Stored article") and "**Batch story 0**" in items[0]
    assert items[2].startswith("Not stored (batch.jsonl:3): ")
    assert items[3].startswith("Already stored as article")


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(
    live_bot: NewsBot,
) -> None:
    interaction = admin_interaction(live_bot)
    upload = attachment("huge.txt", b"x")
    upload.size = 6_000_000
    await cog(live_bot).ingest_file.callback(cog(live_bot), interaction, upload)
    upload.read.assert_not_awaited()
    assert reply_text(interaction) == (
        "Not stored (huge.txt): the file is 6,000,000 bytes, over the 5,000,000-byte limit"
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
        ("empty.txt", b"   \n", "empty"),
        ("notes.html", b"<html><body><script>var a = 1;</script></body></html>", "no article"),
    ],
)
async def test_unreadable_files_say_why_and_store_nothing(
    live_bot: NewsBot, name: str, data: bytes, reason: str
) -> None:
    _, text = await ingest_file(live_bot, GUILD_A, name, data)
    assert text.startswith(f"Not stored ({name}): ") and reason in text
    assert live_bot.service.recent_titles(scope=Scope(GUILD_A)) == []


async def test_a_failed_download_is_reported(live_bot: NewsBot) -> None:
    interaction = admin_interaction(live_bot)
    upload = attachment("page.html", b"<p>x</p>")
    response = type("Response", (), {"status": 404, "reason": "Not Found"})()
    upload.read.side_effect = discord.NotFound(response, "gone")
    await cog(live_bot).ingest_file.callback(cog(live_bot), interaction, upload)
    assert reply_text(interaction) == (
        "Not stored (page.html): the file could not be downloaded from Discord (HTTP 404)"
    )


async def test_a_url_is_fetched_safely_and_stored(live_bot: NewsBot, site: FeedSite) -> None:
    url = site.put("news/7", article_html(7), HTML_TYPE)
    interaction = admin_interaction(live_bot)
    await cog(live_bot).ingest_url.callback(cog(live_bot), interaction, f"  {url} ")
    assert reply_text(interaction).startswith(
        "Stored article 1: **Story 7: the orchard report** · 2024-11-15 · "
    )
    refused = admin_interaction(live_bot)
    pdf = site.server.url("/typed?type=application/pdf")
    await cog(live_bot).ingest_url.callback(cog(live_bot), refused, pdf)
    assert reply_text(refused).startswith(
        "Not stored (http://127.0.0.1:"
    ) and "refused: content type application/pdf is not accepted" in reply_text(refused)
    blocked = admin_interaction(live_bot)
    await cog(live_bot).ingest_url.callback(cog(live_bot), blocked, "http://10.0.0.1/")
    assert reply_text(blocked).endswith("refused: 10.0.0.1 is a private address")
    assert len(live_bot.service.recent_titles(scope=Scope(GUILD_A))) == 1


# ----------------------------------------------------------------- /article forget
async def test_forget_removes_the_servers_own_article_only(live_bot: NewsBot) -> None:
    await ingest_file(live_bot, GUILD_A, "a.html", article_html(1))
    await ingest_file(live_bot, GUILD_B, "b.html", article_html(2))
    admin_cog = cog(live_bot)

    other = admin_interaction(live_bot, GUILD_B)
    with pytest.raises(ArticleNotFound):
        await admin_cog.forget.callback(admin_cog, other, "1")

    interaction = admin_interaction(live_bot, GUILD_A)
    await admin_cog.forget.callback(admin_cog, interaction, "1")
    assert reply_text(interaction).startswith("Forgot article 1: **Story 1: the orchard report**")
    service = live_bot.service
    assert service.recent_titles(scope=Scope(GUILD_A)) == []
    answer = service.ask("orchard blossom", scope=Scope(GUILD_A))
    assert 1 not in {c.article_id for c in answer.citations}
    assert [t.article_id for t in service.recent_titles(scope=Scope(GUILD_B))] == [2]


async def test_forget_autocomplete_lists_only_the_servers_own_articles(
    live_bot: NewsBot,
) -> None:
    await ingest_file(live_bot, GUILD_A, "a.html", article_html(1))
    await ingest_file(live_bot, GUILD_B, "b.html", article_html(2))
    live_bot.service.ingest_bytes(article_html(3), name="g.html", scope=Scope(None))
    admin_cog = cog(live_bot)
    choices = await admin_cog.article_choices(admin_interaction(live_bot, GUILD_A), "")
    assert [c.value for c in choices] == ["1"]
    assert choices[0].name.startswith("1 · Story 1: the orchard report · ")
    typed = await admin_cog.article_choices(admin_interaction(live_bot, GUILD_B), "report")
    assert [c.value for c in typed] == ["2"]
    assert await admin_cog.article_choices(admin_interaction(live_bot, GUILD_B), "orchard") == []
