"""newsbot's real bot and engine, run against the fake Discord, plus what e2e tests check.

The bot is built exactly as production builds it (``NewsBot(settings, service)``) over
a real ``NewsService`` on a temporary SQLite database filled with small fixture
articles, so a passing test means the whole path -- gateway event, cog, engine,
rendering, REST call -- works.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord import FakeDiscord, RecordedRequest, assert_within_limits, running
from tests.fakediscord.server import sent_message

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "e2e"
# The fixture article the questions are about, and its headline as extracted.
SUMMIT_ARTICLE = FIXTURES / "summit_scrape.txt"
SUMMIT_TITLE = "South Korea and New Zealand leaders condemn North Korea-Russia military ties"

_MARKDOWN = re.compile(r"\\([\\*_`~|>#\-\[\]()@<:])|\*\*|__|~~")


@dataclass
class RunningNewsBot:
    fake: FakeDiscord
    bot: Any
    service: Any


def fixture_articles() -> list[Path]:
    return sorted(FIXTURES.glob("*.txt"))


# Names of the database file and index snapshot inside a corpus directory.
DATABASE_NAME = "t.db"
SNAPSHOT_NAME = "idx"


def corpus_settings(directory: Path) -> Any:
    config = pytest.importorskip("retrieval.config")
    return config.settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{directory / DATABASE_NAME}"},
            "index": {"snapshot_path": str(directory / SNAPSHOT_NAME)},
        }
    )


def _open_service(directory: Path) -> Any:
    service_module = pytest.importorskip("retrieval.service")
    return service_module.NewsService.open(corpus_settings(directory))


def build_corpus(directory: Path, articles: Sequence[Path]) -> Path:
    """A database + index snapshot in ``directory`` holding ``articles`` (all global)."""
    results = pytest.importorskip("retrieval.results")
    service = _open_service(directory)
    try:
        outcomes = service.ingest_paths(list(articles), scope=results.Scope.global_only())
        failed = [o for o in outcomes if o.status != "added"]
        assert not failed, f"fixture articles were not ingested: {failed}"
        service.save_snapshot()
    finally:
        service.close()
    return directory


def clone_corpus(template: Path, directory: Path) -> Path:
    """A private copy of a built corpus, so a test may change it freely."""
    shutil.copy2(template / DATABASE_NAME, directory / DATABASE_NAME)
    if (template / SNAPSHOT_NAME).exists():
        shutil.copytree(template / SNAPSHOT_NAME, directory / SNAPSHOT_NAME)
    return directory


@contextlib.asynccontextmanager
async def run_newsbot(
    fake: FakeDiscord, corpus: Path, **bot_options: Any
) -> AsyncIterator[RunningNewsBot]:
    """The production bot on the fake Discord over the corpus in ``corpus``; closed on exit.

    ``bot_options`` go to ``NewsBot`` (e.g. ``message_content=False``).
    """
    app = pytest.importorskip("bot.app")
    service = await asyncio.to_thread(_open_service, corpus)
    try:
        bot = app.NewsBot(
            service.settings, service, shard_ids=None, shard_count=None, **bot_options
        )
        async with running(fake, bot):
            yield RunningNewsBot(fake, bot, service)
    finally:
        await asyncio.to_thread(service.close)


def visible_text(message: dict[str, Any]) -> str:
    """What a reader sees of a message: content and embed text, markdown removed."""
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for item in embed.get("fields") or []:
            parts += [str(item.get("name") or ""), str(item.get("value") or "")]
        parts.append(str((embed.get("footer") or {}).get("text") or ""))
    return _MARKDOWN.sub(lambda m: m.group(1) or "", "\n".join(parts))


def message_requests(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every request that sent or edited message text."""
    return [
        r
        for r in fake.requests
        if sent_message(r) is not None and ("content" in r.message or "embeds" in r.message)
    ]


def assert_quiet_and_within_limits(fake: FakeDiscord) -> None:
    """No refused call; every message within limits, parsing no mentions, pinging no one."""
    assert fake.errors() == [], [str(r) for r in fake.errors()]
    sent = message_requests(fake)
    assert sent, "the bot sent no message"
    for request in sent:
        assert_within_limits(request.message)
        allowed = request.message.get("allowed_mentions")
        assert allowed is not None, f"{request}: no allowed_mentions"
        assert allowed.get("parse") == [], f"{request}: {allowed}"
        assert not allowed.get("users") and not allowed.get("roles"), f"{request}: {allowed}"
        message = sent_message(request) or {}
        assert not message.get("mention_everyone"), f"{request} pinged everyone"
        assert message.get("mentions") == [], f"{request} pinged {message.get('mentions')}"


# Headlines of the fixture articles (as the plain-text extractor reads them) that a
# query about South Korea can cite; used to tell answer pages apart.
SOUTH_KOREA_TITLES = (
    SUMMIT_TITLE,
    "South Korea's central bank holds interest rates as household debt climbs",
    "South Korea and Japan agree to expand tourism and youth exchanges",
    "Seoul forum weighs the future of South Korea's chip industry",
    "South Korea's baseball league breaks its attendance record",
)


def cited_titles(message: dict[str, Any]) -> set[str]:
    """Which South Korea fixture articles a rendered answer cites."""
    text = visible_text(message)
    return {title for title in SOUTH_KOREA_TITLES if title in text}
