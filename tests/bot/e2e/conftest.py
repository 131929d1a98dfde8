"""End-to-end fixtures: the fake Discord server and newsbot running against it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.bot.e2e.newsbot_harness import (
    RunningNewsBot,
    build_corpus,
    clone_corpus,
    fixture_articles,
    run_newsbot,
)
from tests.fakediscord import FakeDiscord
from tests.fakediscord.fixtures import fake_discord

__all__ = ["e2e_corpus", "fake_discord", "newsbot"]


@pytest.fixture(autouse=True)
def no_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test whose client logged an error: discord.py logs and swallows exceptions
    raised in event handlers and views, so a broken handler would otherwise go unseen."""
    yield
    errors = [
        f"{r.name}: {r.getMessage()}"
        for when in ("setup", "call", "teardown")
        for r in caplog.get_records(when)
        if r.levelno >= logging.ERROR
    ]
    assert not errors, "errors were logged:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def e2e_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture articles, ingested once per session (tests work on copies)."""
    return build_corpus(tmp_path_factory.mktemp("e2e_corpus"), fixture_articles())


@pytest_asyncio.fixture
async def newsbot(
    fake_discord: FakeDiscord, e2e_corpus: Path, tmp_path: Path
) -> AsyncIterator[RunningNewsBot]:
    """newsbot over a private copy of the e2e corpus, connected and ready."""
    async with run_newsbot(fake_discord, clone_corpus(e2e_corpus, tmp_path)) as running_bot:
        yield running_bot
