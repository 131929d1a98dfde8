"""One truth: what another process ingests or forgets reaches a running bot within 5 s.

A real ``newsbot ingest`` process stores an article, and another process forgets it;
the bot in this process (the production ``NewsBot`` with its background refresh, not
connected to Discord) must find it, then stop finding it, each within the bound,
without a rebuild. PostgreSQL only (skipped on SQLite runs).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest

from bot.app import NewsBot
from retrieval.config import Settings
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.conftest import on_postgresql
from tests.generated_articles import marker, write_jsonl
from tests.processes import ROOT, child_env, helper_command, newsbot_command, write_config

pytestmark = pytest.mark.skipif(
    not on_postgresql(), reason="multi-process tests run on PostgreSQL (NEWSBOT_TEST_DATABASE_URL)"
)

# The promise: searchable (or gone) everywhere this soon after the other process commits.
BOUND_SECONDS = 5.0
CHILD_TIMEOUT = 60.0
POLL_SECONDS = 0.02
ARTICLE = 7

log = logging.getLogger(__name__)


async def _first_line(command: list[str], wanted: str) -> tuple[str, float]:
    """Run a child to completion; the first stdout line containing ``wanted`` and when
    it arrived (the child prints it right after its commit)."""
    child = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=child_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert child.stdout is not None
    found: tuple[str, float] | None = None
    output: list[str] = []
    async with asyncio.timeout(CHILD_TIMEOUT):
        async for raw in child.stdout:
            line = raw.decode()
            output.append(line)
            if found is None and wanted in line:
                found = (line, time.monotonic())
        assert await child.wait() == 0, "".join(output)
    assert found is not None, "".join(output)
    return found


async def _seconds_until(bot: NewsBot, *, present: bool, since: float) -> float:
    """Seconds from ``since`` until the bot's search finds (or no longer finds) ARTICLE."""

    def visible() -> bool:
        hits = bot.service.search_passages(marker(ARTICLE), scope=Scope(), limit=1)
        return bool(hits) and hits[0].article.external_id == f"gen-{ARTICLE}"

    while await bot.run_engine(visible) != present:
        if time.monotonic() - since > BOUND_SECONDS:
            break
        await asyncio.sleep(POLL_SECONDS)
    return time.monotonic() - since


async def test_ingest_and_forget_elsewhere_reach_the_bot_within_the_bound(
    settings: Settings, tmp_path: Path
) -> None:
    config = write_config(settings, tmp_path)
    service = await asyncio.to_thread(NewsService.open, settings)
    bot = NewsBot(settings, service, refresh_interval=settings.index.refresh_seconds)
    try:
        async with bot:
            await bot.setup_hook()
            jsonl = write_jsonl(tmp_path / "one.jsonl", range(ARTICLE, ARTICLE + 1))
            line, committed = await _first_line(
                newsbot_command(config, "ingest", "--json", str(jsonl)), '"added"'
            )
            added = await _seconds_until(bot, present=True, since=committed)
            assert added < BOUND_SECONDS, f"not searchable {added:.1f} s after the ingest"

            article_id = json.loads(line)["article_id"]
            _line, forgotten = await _first_line(
                helper_command("forget", str(config), str(article_id)), "forgotten"
            )
            removed = await _seconds_until(bot, present=False, since=forgotten)
            assert removed < BOUND_SECONDS, f"still found {removed:.1f} s after the forget"
            log.info("ingest -> searchable %.3f s, forget -> gone %.3f s", added, removed)
    finally:
        await asyncio.to_thread(service.close)
