"""Every payload the bot builds fits Discord's limits and pings no one, on hostile text.

``tests/bot/test_render_properties.py`` covers the answer renderers (ask, news,
sources list, summary, /sources, trend) and ``tests/bot/test_render_admin.py`` the admin
replies; this module covers the rest -- digests and their replies, notices, /help,
error replies, feed lists far longer than the default cap -- and checks every one the
way Discord decides who is pinged: the fake server's ``resolve_pings`` applied to the
text and the ``allowed_mentions`` the payload is sent with. A digest may ping exactly
its configured role, nothing else; every other message pings no one.

Texts come from ``test_render_properties.article_text``: markdown, every kind of
mention (``@everyone``, ``<@123>``, ``<@&456>``, ``<#789>``), masked links, 10,000-
character paragraphs, zero-width and right-to-left characters, arbitrary Unicode.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.digest_render import (
    digest_payloads,
    paused_notice,
    schedule_choice,
    schedule_set_text,
    schedule_summary,
    schedules_payload,
    send_kwargs,
)
from bot.error_replies import explain
from bot.limits import CHOICE_NAME_MAX, CONTENT_MAX, live_mentions, payload_texts, text_len
from bot.render import NO_MENTIONS, Payload, notice_payload
from bot.render_admin import feed_list_payload
from bot.render_info import help_payload
from retrieval.digest.content import Digest, DigestSource, DigestStory
from retrieval.digest.digest_values import DigestPost, RunInfo, ScheduleInfo
from retrieval.errors import NewsbotError, QueryError
from tests.bot.bot_doubles import schedule_info
from tests.bot.test_render_admin import info as feed_info
from tests.bot.test_render_properties import article_text, dates, maybe_url
from tests.fakediscord.limits import Pings, limit_violations, resolve_pings

WHEN = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ROLE = 4242
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pings_of(payload: Payload, mentions: discord.AllowedMentions = NO_MENTIONS) -> Pings:
    """Who Discord would notify for this payload, sent with these allowed mentions."""
    text = "\n".join(payload_texts(payload.content, payload.embeds))
    allowed: dict[str, Any] = mentions.to_dict()  # type: ignore[assignment]
    return resolve_pings(text, allowed, may_mention_everyone=True)


def assert_sendable(payload: Payload, ours: frozenset[str] = frozenset()) -> None:
    """Within every limit (ours and the fake server's), pinging no one, and with no live
    mention but ``ours`` (the bot's own channel and role references) in its text: it is
    sent with mentions disabled, and article text is neutralised all the same."""
    assert payload.violations() == []
    message = {"content": payload.content, "embeds": [e.to_dict() for e in payload.embeds]}
    assert limit_violations(message) == []
    assert payload.send_kwargs()["allowed_mentions"] is NO_MENTIONS
    assert not pings_of(payload).anyone
    texts = payload_texts(payload.content, payload.embeds)
    assert {m for text in texts for m in live_mentions(text)} <= ours, texts


def assert_text_sendable(text: str, ours: frozenset[str] = frozenset()) -> None:
    """A plain reply (sent with mentions disabled): within the limit, no live mention."""
    assert text_len(text) <= CONTENT_MAX
    assert set(live_mentions(text)) <= ours, text


# ------------------------------------------------------------------ digests
def schedule(topics: str, role: int | None, **extra: Any) -> ScheduleInfo:
    return schedule_info(WHEN, topics=topics, mention_role_id=role, **extra)


# Article text, sometimes carrying the very role a digest may ping (it must not).
texts = st.one_of(article_text, article_text.map(lambda t: f"{t} <@&{ROLE}> @here <@{ROLE}>"))
sources = st.builds(DigestSource, st.one_of(st.none(), texts), maybe_url, texts)
stories = st.builds(
    DigestStory,
    headline=texts,
    sentences=st.lists(texts, max_size=4).map(tuple),
    sources=st.lists(sources, min_size=1, max_size=8).map(tuple),
    published=dates,
)


@PROPERTY
@given(
    st.lists(stories, max_size=12),
    article_text,
    st.one_of(st.none(), st.just(ROLE)),
    st.sampled_from([None, 9]),
    st.sampled_from(["once", "always"]),
)
def test_digests_ping_only_their_role(
    posted: list[DigestStory], topics: str, role: int | None, run_id: int | None, policy: str
) -> None:
    digest = Digest(topics, WHEN, WHEN, tuple(posted), matched=len(posted) + 3)
    post = DigestPost(schedule(topics, role), digest, run_id=run_id, due_at=WHEN)
    for n, payload in enumerate(digest_payloads(post, policy)):
        kwargs = send_kwargs(payload, role)
        assert payload.violations() == []
        message = {"content": payload.content, "embeds": [e.to_dict() for e in payload.embeds]}
        assert limit_violations(message) == []
        pinged = pings_of(payload, kwargs["allowed_mentions"])
        # Only the first message of a digest that is posted (not previewed) and has
        # stories pings, and only the schedule's role, named once at its start.
        may_ping = n == 0 and run_id is not None and bool(posted) and role is not None
        assert pinged == Pings(False, frozenset(), frozenset({ROLE} if may_ping else ()))
        live = [m for t in payload_texts(payload.content, payload.embeds) for m in live_mentions(t)]
        assert live == ([f"<@&{ROLE}>"] if may_ping else [])


run_infos = st.builds(
    RunInfo, st.sampled_from(["posted", "failed", "skipped"]), st.just(WHEN), st.integers(0, 50),
    st.one_of(st.none(), article_text),
)  # fmt: skip


@PROPERTY
@given(
    st.lists(
        st.builds(
            schedule,
            texts,
            st.one_of(st.none(), st.just(ROLE)),
            paused_reason=st.one_of(st.none(), texts),
            last_run=st.one_of(st.none(), run_infos),
        ),
        max_size=30,
    ),
    texts,
    st.one_of(st.none(), texts),
)
def test_digest_replies(infos: list[ScheduleInfo], reason: str, channel: str | None) -> None:
    # Schedules name their channel and role on purpose ("<#2> ... mentioning <@&4242>").
    ours = frozenset({"<#2>", f"<@&{ROLE}>"})
    assert_sendable(schedules_payload(infos), ours)
    for one in infos[:3]:
        assert_text_sendable(schedule_set_text(one), ours)
        assert_text_sendable(f"Digest {one.id} removed: {schedule_summary(one)}.", ours)
        assert_text_sendable(paused_notice(one, reason), ours)
        choice = schedule_choice(one, channel)
        assert text_len(choice) <= CHOICE_NAME_MAX and not live_mentions(choice)


# ------------------------------------------------------------------ notices, help, errors
@PROPERTY
@given(article_text, st.booleans())
def test_notices_and_help(text: str, message_content: bool) -> None:
    assert_sendable(notice_payload(text))
    assert_sendable(help_payload(text[:50], message_content=message_content))


@PROPERTY
@given(article_text)
def test_error_replies(reason: str) -> None:
    errors: list[BaseException] = [
        NewsbotError(reason),
        QueryError(reason),
        commands.CommandInvokeError(NewsbotError(reason)),
        commands.BadArgument(reason),
        commands.UserInputError(reason),
        app_commands.CommandInvokeError(
            app_commands.Command(name="x", description="x", callback=_noop),
            NewsbotError(reason),
        ),
    ]
    for error in errors:
        reply = explain(error)
        assert reply.text is not None and reply.error_id is None
        assert_text_sendable(reply.text)


async def _noop(interaction: discord.Interaction[Any]) -> None:
    """The callback of the command an error is reported for."""


# ------------------------------------------------------------------ long feed lists
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 250), article_text, article_text)
def test_feed_lists_of_any_length_fit(count: int, title: str, error: str) -> None:
    # More feeds than the default cap of 50 overran the 6000-character message total.
    infos = [
        feed_info(n, title=title * 3, url="https://v.example/" + "a" * 300, last_error=error)
        for n in range(1, count + 1)
    ]
    payload = feed_list_payload(infos)
    assert_sendable(payload)
    shown = sum(len(embed.fields) for embed in payload.embeds)
    assert shown == count or f"the first {shown} of {count}" in str(payload.embeds[0].title)
