"""newsbot end to end: real discord.py client, real engine, fake Discord.

Every test ends by checking the whole request log: nothing refused by the fake, every
message within Discord's limits, ``allowed_mentions`` parsing nothing, nobody pinged.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.e2e.newsbot_harness import (
    SUMMIT_TITLE,
    RunningNewsBot,
    assert_quiet_and_within_limits,
    build_corpus,
    cited_titles,
    run_newsbot,
    visible_text,
)
from tests.fakediscord import FLAG_EPHEMERAL, FakeDiscord, find_custom_id
from tests.shared_data import SharedData

ANSWER_BUTTONS = ("More", "Sources", "👍", "👎")
# The key sentence of the summit article that answers "what did they condemn?".
CONDEMN_SENTENCE = (
    "Yoon and Luxon condemned in the strongest terms the expanding military ties between "
    "North Korea and Russia"
)


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_news_prefix_command_cites_the_summit_article(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    since = fake.mark()
    asked = await fake.send_message("!news South Korea")
    request, reply = await fake.next_bot_message(since=since)
    assert request.route == "POST /channels/{channel_id}/messages"
    assert str(request.message["message_reference"]["message_id"]) == asked["id"]
    assert reply["embeds"], "the answer is an embed"
    assert SUMMIT_TITLE in visible_text(reply)
    assert re.search(r"\[1\]", visible_text(reply))
    for label in ANSWER_BUTTONS:
        find_custom_id(reply, label)
    assert_quiet_and_within_limits(fake)


async def test_slash_commands_register_with_discord(newsbot: RunningNewsBot) -> None:
    synced = await newsbot.bot.tree.sync()
    names = {command.name for command in synced}
    assert {"news", "ask", "summary", "sources", "help", "trend"} <= names
    news = newsbot.fake.registered_command("news", None)
    assert news is not None
    assert [o["name"] for o in news["options"]][:1] == ["query"]
    assert newsbot.fake.errors() == []


async def test_slash_ask_defers_then_answers_with_key_sentences(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    interaction = await fake.slash("ask", {"question": "What did Yoon and Luxon condemn?"})
    first = await fake.callback(interaction)
    assert first.callback_type == 5, "a slow engine call must be deferred first"
    request, reply = await fake.interaction_reply(interaction)
    assert request.route.startswith(("POST /webhooks", "PATCH /webhooks"))
    text = _flat(visible_text(reply))
    assert CONDEMN_SENTENCE in text
    assert "[1]" in text and SUMMIT_TITLE in text
    assert_quiet_and_within_limits(fake)


async def test_mention_question_then_reply_follow_up(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    since = fake.mark()
    asked = await fake.send_message(f"<@{fake.world.bot.id}> What did Yoon and Luxon condemn?")
    request, answer = await fake.next_bot_message(since=since)
    assert str(request.message["message_reference"]["message_id"]) == asked["id"]
    assert CONDEMN_SENTENCE in _flat(visible_text(answer))

    since = fake.mark()
    follow_up = await fake.send_message("and what did they agree on trade?", reply_to=answer)
    request, second = await fake.next_bot_message(since=since)
    assert str(request.message["message_reference"]["message_id"]) == follow_up["id"]
    text = _flat(visible_text(second))
    assert "economic security dialogue" in text or "roughly doubled" in text
    assert SUMMIT_TITLE in text
    assert_quiet_and_within_limits(fake)


async def test_more_pages_for_the_asker_and_refuses_anyone_else(
    newsbot: RunningNewsBot,
) -> None:
    fake = newsbot.fake
    await newsbot.bot.tree.sync()
    interaction = await fake.slash("ask", {"question": "South Korea"})
    _, first = await fake.interaction_reply(interaction)
    first_page = cited_titles(first)
    assert first_page
    more = find_custom_id(first, "More")

    press = await fake.press(first, more)
    _, second = await fake.interaction_reply(press)
    assert second["id"] == first["id"], "More edits the answer in place"
    second_page = cited_titles(second)
    assert second_page and not second_page & first_page

    before = fake.store.get(int(first["id"]))
    intruder = await fake.press(second, more, user="bob")
    request, refusal = await fake.interaction_reply(intruder)
    assert request.callback_type == 4
    assert refusal["flags"] & FLAG_EPHEMERAL
    assert fake.store.get(int(first["id"])) == before
    assert_quiet_and_within_limits(fake)


async def test_an_article_saying_everyone_pings_no_one(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    since = fake.mark()
    await fake.send_message("!news free game codes giveaway")
    _, news = await fake.next_bot_message(since=since)
    assert "everyone" in visible_text(news), "the article's @everyone is quoted"

    await newsbot.bot.tree.sync()
    question = "What do spam accounts post to thousands of people at once?"
    interaction = await fake.slash("ask", {"question": question})
    _, answer = await fake.interaction_reply(interaction)
    assert "everyone" in visible_text(answer)
    assert_quiet_and_within_limits(fake)


async def test_a_question_saying_everyone_pings_no_one(newsbot: RunningNewsBot) -> None:
    fake = newsbot.fake
    bob = fake.user("bob")
    since = fake.mark()
    await fake.send_message(f"!news @everyone @here <@{bob.id}> South Korea")
    _, reply = await fake.next_bot_message(since=since)
    assert SUMMIT_TITLE in visible_text(reply)
    assert_quiet_and_within_limits(fake)


async def test_the_shared_seed_page_is_cited(
    fake_discord: FakeDiscord, tmp_path: Path, shared_data: SharedData
) -> None:
    async with run_newsbot(fake_discord, build_corpus(tmp_path, [shared_data.seed])):
        since = fake_discord.mark()
        await fake_discord.send_message("!news South Korea")
        _, reply = await fake_discord.next_bot_message(since=since)
        text = visible_text(reply)
        assert "Leaders of S Korea, NZ strongly condemn expanding North Korea-Russia ties" in text
    assert_quiet_and_within_limits(fake_discord)
