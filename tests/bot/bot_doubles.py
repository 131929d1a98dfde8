"""Test doubles for the bot's unit tests: a small in-memory engine and discord.py objects.

``FakeService`` implements the ``NewsService`` methods the bot calls, with the same
signatures (``test_fake_service`` compares them), over a list of stories it pages
through exactly as the engine does (offset, limit, has_more), and records every call so
tests can check what the bot asked for. Discord objects are
``unittest.mock`` doubles specced on the real discord.py classes, so ``isinstance``
checks in the bot behave as they would against Discord.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar
from unittest.mock import AsyncMock, MagicMock

import discord
from discord.ext import commands

from retrieval.digest.digest_values import ScheduleInfo
from retrieval.errors import ArticleNotFound
from retrieval.executor import THREAD_PREFIX
from retrieval.results import (
    Answer,
    AnswerSentence,
    ArticleSummary,
    ArticleTitle,
    Citation,
    Scope,
    SearchFilters,
    SourceStats,
    Trend,
    TrendDay,
)
from retrieval.service import AnswerKind

P = ParamSpec("P")
T = TypeVar("T")

PUBLISHED = datetime(2024, 11, 15, 9, 30, tzinfo=UTC)


def schedule_info(next_due_at: datetime, **changes: Any) -> ScheduleInfo:
    """A digest schedule (09:00 Europe/London on weekdays, 10 stories, no role mentioned,
    in channel 2 of guild 1) with ``changes``."""
    base = ScheduleInfo(
        id=3,
        guild_id=1,
        channel_id=2,
        local_time="09:00",
        timezone="Europe/London",
        days="mon-fri",
        topics="",
        max_stories=10,
        mention_role_id=None,
        next_due_at=next_due_at,
    )
    return dataclasses.replace(base, **changes)


def story(n: int, *, title: str = "", snippet: str = "", url: str | None = None) -> Citation:
    snippet = snippet or f"Story {n} says Seoul and Wellington condemned the military ties."
    start = snippet.find("Seoul")
    marks = ((start, start + len("Seoul")),) if start >= 0 else ()
    return Citation(
        n=n,
        article_id=100 + n,
        title=title or f"Headline number {n}",
        source="Yonhap",
        published=PUBLISHED,
        url=url if url is not None else f"https://example.com/news/{n}",
        snippet=snippet,
        marks=marks,
    )


class FakeService:
    """Canned engine results; ``stories`` is the ranked list every query pages through.

    Each public method has exactly the signature of the ``NewsService`` method it stands
    for (checked by ``test_fake_service``); ``TEST_HELPERS`` are the test-only extras.
    """

    TEST_HELPERS = frozenset({"calls_to"})

    def __init__(self, stories: int = 7) -> None:
        self.stories = [story(n) for n in range(1, stories + 1)]
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_with: BaseException | None = None
        self.threads: list[str] = []
        self._lock = threading.Lock()
        # Threads named as the engine's executor names them.
        self._executor = ThreadPoolExecutor(2, thread_name_prefix=THREAD_PREFIX)

    def _record(self, name: str, **kwargs: Any) -> None:
        with self._lock:
            self.calls.append((name, kwargs))
            self.threads.append(threading.current_thread().name)
        if self.fail_with is not None:
            raise self.fail_with

    def calls_to(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]

    def _page(self, query: str, offset: int, limit: int) -> Answer:
        if "nothing" in query:
            return Answer(query, (), (), offset, False, hint="Try a shorter query.")
        page = self.stories[offset : offset + limit]
        renumbered = tuple(
            dataclasses.replace(c, n=i) for i, c in enumerate(page, start=offset + 1)
        )
        sentences = tuple(AnswerSentence(f"Sentence from {c.title}.", (c.n,)) for c in renumbered)
        return Answer(query, sentences, renumbered, offset, offset + limit < len(self.stories))

    def ask(
        self,
        question: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Answer:
        self._record("ask", query=question, scope=scope, filters=filters, offset=offset)
        return self._page(question, offset, limit or 3)

    def news(
        self,
        query: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int = 5,
    ) -> Answer:
        self._record("news", query=query, scope=scope, filters=filters, offset=offset, limit=limit)
        answer = self._page(query, offset, limit)
        return dataclasses.replace(answer, sentences=())

    def summarize_article(
        self, ref: str, *, scope: Scope, sentences: int | None = None
    ) -> ArticleSummary:
        self._record("summarize_article", ref=ref, scope=scope)
        found = [c for c in self.stories if ref in (str(c.article_id), c.url)]
        if not found:
            raise ArticleNotFound(ref)
        c = found[0]
        return ArticleSummary(
            c.article_id, c.title, c.source, c.published, c.url, ("First key.", "Second key.")
        )

    def sources(self, *, scope: Scope) -> list[SourceStats]:
        self._record("sources", scope=scope)
        return [SourceStats("Yonhap", len(self.stories), PUBLISHED)]

    def source_names(self, *, scope: Scope, prefix: str = "", limit: int = 25) -> list[str]:
        self._record("source_names", scope=scope, prefix=prefix, limit=limit)
        names = ["Yonhap", "Reuters", "RNZ", "x" * 150]
        return [n for n in names if n.lower().startswith(prefix.lower())][:limit]

    def recent_titles(
        self, *, scope: Scope, prefix: str = "", limit: int = 25
    ) -> list[ArticleTitle]:
        self._record("recent_titles", scope=scope, prefix=prefix, limit=limit)
        titles = [ArticleTitle(c.article_id, c.title, c.source, c.published) for c in self.stories]
        return titles[:limit]

    def trend(
        self, query: str, *, scope: Scope, days: int = 30, now: datetime | None = None
    ) -> Trend:
        self._record("trend", query=query, scope=scope, days=days)
        if "nothing" in query:
            return Trend(query, tuple(TrendDay(f"2024-11-{d:02d}", 0) for d in range(1, 8)))
        counts = [0, 2, 5, 1, 0, 3, 1]
        day_list = tuple(TrendDay(f"2024-11-{d:02d}", c) for d, c in enumerate(counts, start=1))
        return Trend(query, day_list, tuple(self.stories[:3]))

    def record_feedback(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message_id: int,
        query: str,
        vote: int,
    ) -> None:
        self._record(
            "record_feedback",
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            message_id=message_id,
            query=query,
            vote=vote,
        )

    def refresh(self) -> int:
        self._record("refresh")
        return 0

    def answer_processes(self) -> int:
        return 0  # answers run in the fake's threads

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._executor.submit(fn, *args, **kwargs)

    def submit_answer(
        self,
        kind: AnswerKind,
        query: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Future[Answer]:
        if kind == "ask":
            return self.submit(
                self.ask, query, scope=scope, filters=filters, offset=offset, limit=limit
            )
        return self.submit(
            self.news, query, scope=scope, filters=filters, offset=offset, limit=limit or 5
        )


def sent_message(message_id: int = 5000) -> MagicMock:
    message = MagicMock(spec=discord.Message)
    message.id = message_id
    message.edit = AsyncMock()
    return message


def fake_interaction(user_id: int = 42, guild_id: int | None = 7) -> MagicMock:
    """An Interaction double whose response/followup calls are recorded."""
    interaction = MagicMock(spec=discord.Interaction)
    interaction.user = MagicMock(spec=discord.Member, id=user_id)
    interaction.guild_id = guild_id
    interaction.channel_id = 321
    interaction.message = sent_message(6000)
    response = MagicMock()
    response.is_done = MagicMock(return_value=False)
    response.defer = AsyncMock()
    response.send_message = AsyncMock()
    interaction.response = response
    interaction.followup = MagicMock()
    interaction.followup.send = AsyncMock(return_value=sent_message())
    interaction.edit_original_response = AsyncMock()
    return interaction


def fake_context(user_id: int = 42, guild_id: int | None = 7) -> MagicMock:
    """A prefix-command Context double (no interaction)."""
    ctx = MagicMock(spec=commands.Context)
    ctx.interaction = None
    ctx.author = MagicMock(spec=discord.Member, id=user_id)
    ctx.guild = MagicMock(spec=discord.Guild, id=guild_id) if guild_id is not None else None
    ctx.defer = AsyncMock()
    ctx.reply = AsyncMock(return_value=sent_message())
    ctx.send = AsyncMock(return_value=sent_message())
    ctx.message = fake_message("!news x", user_id=user_id, guild_id=guild_id)
    return ctx


def fake_message(
    content: str,
    *,
    user_id: int = 42,
    guild_id: int | None = 7,
    reply_to: int | None = None,
    author_is_bot: bool = False,
) -> MagicMock:
    """A user's message double; ``reply_to`` makes it a reply to that message id."""
    message = MagicMock(spec=discord.Message)
    message.id = 7000
    message.content = content
    message.author = MagicMock(spec=discord.Member, id=user_id, bot=author_is_bot)
    message.guild = MagicMock(spec=discord.Guild, id=guild_id) if guild_id is not None else None
    message.raw_mentions = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
    message.role_mentions = []
    message.reference = (
        MagicMock(spec=discord.MessageReference, message_id=reply_to) if reply_to else None
    )
    message.channel = MagicMock()
    message.channel.send = AsyncMock(return_value=sent_message())
    message.to_reference = MagicMock(return_value=MagicMock(spec=discord.MessageReference))
    return message
