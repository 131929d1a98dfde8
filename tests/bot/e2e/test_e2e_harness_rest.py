"""The fake REST API against a real discord.py client: messages, files, interactions."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from tests.bot.e2e.harness_bots import harness_bot
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, find_custom_id, running
from tests.fakediscord.spec import spec_or_none

# Seconds to wait for a command error to reach the bot's error handler.
ERROR_TIMEOUT = 5.0


async def test_prefix_command_reply_is_recorded(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        since = fake_discord.mark()
        asked = await fake_discord.send_message("!ping")
        request, reply = await fake_discord.next_bot_message(since=since)
        assert request.route == "POST /channels/{channel_id}/messages"
        assert request.body["content"] == "pong"
        assert request.body["allowed_mentions"]["parse"] == []
        assert str(request.body["message_reference"]["message_id"]) == asked["id"]
        assert reply["author"]["id"] == str(fake_discord.world.bot.id)
        assert reply["referenced_message"]["id"] == asked["id"]
        # replied_user is False under AllowedMentions.none(): the asker is not pinged.
        assert reply["mentions"] == [] and not reply["mention_everyone"]
    assert fake_discord.errors() == []


async def test_multipart_upload_is_parsed(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        since = fake_discord.mark()
        await fake_discord.send_message("!upload")
        request, reply = await fake_discord.next_bot_message(since=since)
        assert request.body["content"] == "here"
        assert [(f.filename, f.data) for f in request.files] == [("hello.txt", b"hello file")]
        assert reply["attachments"][0]["filename"] == "hello.txt"
        assert reply["attachments"][0]["size"] == len(b"hello file")


async def test_over_limit_message_is_refused_like_discord(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        channel = bot.get_channel(fake_discord.world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x" * 2001)
        assert refused.value.status == 400 and refused.value.code == 50035
        embed = discord.Embed(title="t", description="d" * 4096)
        embed.add_field(name="n", value="v" * 1500)
        with pytest.raises(discord.HTTPException):
            await channel.send(embed=embed)
        # The gate names the rule and the JSON path; the test provoked both, so clears them.
        problems = [p for r in fake_discord.validation.rejected for p in r.problems]
        expected = ["content_length: content: 2001 characters > 2000 for a bot"]
        if spec_or_none() is not None:  # without Discord's description, its rules only
            expected.append(
                "openapi POST /channels/{channel_id}/messages: embeds/0/fields/0/value: "
                "fails maxLength=1024"
            )
        assert problems == expected
        fake_discord.validation.rejected.clear()
    assert [r.status for r in fake_discord.errors()] == [400, 400]


async def test_pings_follow_allowed_mentions(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    alice = fake_discord.user("alice")
    async with running(fake_discord, bot):
        channel = bot.get_channel(fake_discord.world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        quiet = await channel.send(f"@everyone and <@{alice.id}>")
        assert not quiet.mention_everyone and quiet.mentions == []
        loud = await channel.send(
            f"@everyone and <@{alice.id}>", allowed_mentions=discord.AllowedMentions.all()
        )
        assert loud.mention_everyone
        assert [m.id for m in loud.mentions] == [alice.id]


async def test_slash_command_after_sync(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        await bot.tree.sync()
        registered = fake_discord.registered_command("echo", None)
        assert registered is not None
        assert [o["name"] for o in registered["options"]] == ["text", "times"]
        interaction = await fake_discord.slash("echo", {"text": "hi", "times": 2})
        request, reply = await fake_discord.interaction_reply(interaction)
        assert request.callback_type == 4
        assert request.message["content"] == "hi hi"
        assert reply["content"] == "hi hi"
        assert reply["webhook_id"] == str(fake_discord.world.application_id)


async def test_deferred_followup_then_owner_only_button(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        interaction = await fake_discord.slash("slow", {"text": "page 1"})
        first = await fake_discord.callback(interaction)
        assert first.callback_type == 5
        request, answer = await fake_discord.interaction_reply(interaction)
        assert request.route == "POST /webhooks/{application_id}/{token}"
        # The first followup after a thinking deferral fills the loading message.
        assert answer["id"] == first.response["interaction"]["response_message_id"]
        assert answer["content"] == "page 1"
        more = find_custom_id(answer, "More")

        press = await fake_discord.press(answer, more)
        request, paged = await fake_discord.interaction_reply(press)
        assert request.callback_type == 7
        assert paged["id"] == answer["id"] and paged["content"] == "page 2"

        intruder = await fake_discord.press(paged, more, user="bob")
        request, refusal = await fake_discord.interaction_reply(intruder)
        assert request.callback_type == 4
        assert refusal["flags"] & FLAG_EPHEMERAL
        assert fake_discord.store.get(int(answer["id"]))["content"] == "page 2"
    assert fake_discord.errors() == []


async def test_autocomplete_choices(fake_discord: FakeDiscord) -> None:
    bot = harness_bot()
    async with running(fake_discord, bot):
        await bot.tree.sync()
        interaction = await fake_discord.autocomplete("colour", {"name": "re"}, focused="name")
        request = await fake_discord.callback(interaction)
        assert request.callback_type == 8
        names = [c["name"] for c in request.body["data"]["choices"]]
        assert names == ["red", "rebeccapurple"]


async def test_late_acknowledgement_is_refused(fake_discord: FakeDiscord) -> None:
    fake_discord.interaction_routes.ack_deadline = 0.0
    bot = harness_bot()
    async with running(fake_discord, bot):
        interaction = await fake_discord.slash("echo", {"text": "too late"})
        error = await asyncio.wait_for(bot.command_errors.get(), ERROR_TIMEOUT)
        assert isinstance(error, app_commands.CommandInvokeError)
        assert isinstance(error.original, discord.NotFound) and error.original.code == 10062
        request = fake_discord.errors()[0]
        assert request.params["token"] == interaction.token and request.status == 404
