"""Answers from the engine's answering processes, through the whole bot: the same reply
as the bot's own process gives, and an article ingested while they run is answered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from retrieval.results import Scope
from tests.bot.e2e.newsbot_harness import (
    SUMMIT_TITLE,
    RunningNewsBot,
    assert_quiet_and_within_limits,
    visible_text,
)
from tests.generated_articles import extracted, marker

QUESTIONS = (
    ("ask", {"question": "What did Yoon and Luxon condemn?"}),
    ("news", {"query": "South Korea"}),
)


async def _reply(newsbot: RunningNewsBot, command: str, options: Any, user: str) -> Any:
    fake = newsbot.fake
    username = fake.world.add_user(user).username
    state = await fake.slash(command, options, user=username)
    ack = await fake.callback(state)
    assert ack.callback_type == 5, "deferred first"
    _request, reply = await fake.interaction_reply(state)
    return reply


def _not_here(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the bot's own process answered")


async def test_a_reply_from_an_answering_process_equals_the_in_process_reply(
    newsbot: RunningNewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = newsbot.service
    await newsbot.bot.tree.sync()
    expected = [
        await _reply(newsbot, command, options, f"here{n}")
        for n, (command, options) in enumerate(QUESTIONS)
    ]
    assert SUMMIT_TITLE in visible_text(expected[0])
    assert len(await asyncio.to_thread(service.start_answer_processes, 1)) == 1
    monkeypatch.setattr(service, "ask", _not_here)
    monkeypatch.setattr(service, "news", _not_here)
    for n, (command, options) in enumerate(QUESTIONS):
        reply = await _reply(newsbot, command, options, f"there{n}")
        assert visible_text(reply) == visible_text(expected[n])
        assert reply["embeds"] == expected[n]["embeds"]
    assert_quiet_and_within_limits(newsbot.fake)


async def test_an_article_ingested_while_processes_run_is_answered(
    newsbot: RunningNewsBot,
) -> None:
    service = newsbot.service
    await newsbot.bot.tree.sync()
    await asyncio.to_thread(service.start_answer_processes, 1)
    article = extracted(11)
    outcome = await asyncio.to_thread(service.ingest_article, article, name="eleven", scope=Scope())
    assert outcome.status == "added"
    reply = await _reply(newsbot, "ask", {"question": f"{marker(11)} report"}, "reader")
    assert article.title in visible_text(reply)
    assert_quiet_and_within_limits(newsbot.fake)
