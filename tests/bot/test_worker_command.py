"""``newsbot worker``: runs its jobs under leases and gives them back when it stops;
``bot.rest``: posting to Discord without a gateway connection."""

from __future__ import annotations

import logging
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot import console as cli
from bot.rest import channel, rest_client
from bot.worker_command import run_worker
from retrieval.config import Settings
from retrieval.digest.digest_values import ScheduleRequest
from retrieval.digest.facade import DigestService
from retrieval.errors import ConfigError
from retrieval.service import NewsService
from retrieval.store.database import make_engine, make_sessionmaker, migrate
from retrieval.worker import lease
from retrieval.worker.jobs import FEEDS_JOB
from tests.fakediscord import FakeDiscord
from tests.processes import newsbot_command, popen, wait_until, write_config

PROCESS_TIMEOUT = 60.0


def _lease(settings: Settings, name: str = FEEDS_JOB) -> lease.LeaseState | None:
    engine = make_engine(settings.database)
    try:
        with make_sessionmaker(engine)() as session:
            return lease.state(session, name)
    finally:
        engine.dispose()


def test_worker_once_runs_the_due_jobs_and_gives_the_leases_back(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(settings, tmp_path)
    with caplog.at_level(logging.INFO, logger="bot.worker_command"):
        assert cli.main(["--config", str(config), "worker", "--once"]) == 0
    assert f"ran ['{FEEDS_JOB}']" in caplog.text
    assert _lease(settings) is None


def test_worker_once_leaves_a_job_held_elsewhere_alone(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(settings.database)
    migrate(engine)
    with make_sessionmaker(engine).begin() as session:
        now = datetime.now(UTC)
        assert lease.acquire(session, FEEDS_JOB, "elsewhere", now=now, ttl=timedelta(hours=1))
    engine.dispose()
    config = write_config(settings, tmp_path)
    with caplog.at_level(logging.INFO, logger="bot.worker_command"):
        assert cli.main(["--config", str(config), "worker", "--once"]) == 0
    assert "ran nothing" in caplog.text
    state = _lease(settings)
    assert state is not None and state.holder == "elsewhere"


def test_the_worker_process_holds_its_leases_until_sigterm(
    settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(settings.database)
    migrate(engine)
    engine.dispose()
    process = popen(newsbot_command(write_config(settings, tmp_path), "worker"))
    try:
        wait_until(
            lambda: process.poll() is not None or _lease(settings) is not None,
            PROCESS_TIMEOUT,
            "the worker taking the feeds lease",
        )
        assert process.poll() is None, process.communicate()[0]
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=PROCESS_TIMEOUT)
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _lease(settings) is None, "a clean stop gives the lease back"


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


async def test_rest_client_posts_without_a_gateway(fake_discord: FakeDiscord) -> None:
    target = fake_discord.world.channel.id
    with fake_discord.patched():
        async with rest_client(fake_discord.token) as client:
            message = await channel(client, target).send("Today's digest @everyone")
    assert message.channel.id == target
    posted = [r for r in fake_discord.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert [r.body["content"] for r in posted] == ["Today's digest @everyone"]
    assert posted[0].body["allowed_mentions"]["parse"] == [], "nobody is pinged"
    assert fake_discord.gateway.sessions == {}, "no gateway connection was opened"


async def test_the_worker_posts_a_due_digest_over_rest(
    settings: Settings, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = (datetime.now(UTC) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    service = NewsService.open(settings)
    try:
        # Set a day earlier, the daily schedule's next due time is two minutes ago.
        earlier = DigestService(service, clock=lambda: due - timedelta(days=1))
        request = ScheduleRequest(
            guild_id=fake_discord.world.guild.id,
            channel_id=fake_discord.world.channel.id,
            time=due.strftime("%H:%M"),
            timezone="UTC",
        )
        schedule = earlier.set_schedule(request)
    finally:
        service.close()
    monkeypatch.setenv("NEWSBOT_DISCORD_TOKEN", fake_discord.token)
    with fake_discord.patched():
        assert await run_worker(settings, once=True) == 0
    posted = [r for r in fake_discord.requests if r.route == "POST /channels/{channel_id}/messages"]
    assert posted, [r.route for r in fake_discord.requests]
    assert all(r.params["channel_id"] == str(schedule.channel_id) for r in posted)
    assert all(r.status == 200 for r in posted)
    assert fake_discord.gateway.sessions == {}, "digests need no gateway connection"


async def test_rest_client_refuses_a_bad_token(fake_discord: FakeDiscord) -> None:
    with fake_discord.patched(), pytest.raises(ConfigError, match="rejected"):
        async with rest_client("not-the-token"):
            pass
