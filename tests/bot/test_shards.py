"""``newsbot run --shard-ids 0,1 --shard-count 4``: a process runs a subset of shards."""

from __future__ import annotations

from typing import Any

import pytest

import bot.app
from bot import console as cli
from bot.app import NewsBot
from retrieval.config import Settings
from tests.fakediscord import FakeDiscord, running
from tests.fakediscord.model import shard_for

SHARD_COUNT = 4
GUILDS = 8


@pytest.fixture
def run_bot_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the bot's start with a recorder of what the command line asked for."""
    calls: list[dict[str, Any]] = []

    async def fake_run_bot(settings: Settings, **options: Any) -> int:
        calls.append(options)
        return 0

    monkeypatch.setattr(bot.app, "run_bot", fake_run_bot)
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    return calls


def test_shard_options_reach_the_bot(run_bot_calls: list[dict[str, Any]]) -> None:
    assert cli.main(["run", "--shard-ids", "0,1", "--shard-count", "4"]) == 0
    assert run_bot_calls[-1]["shard_ids"] == [0, 1]
    assert run_bot_calls[-1]["shard_count"] == 4
    assert cli.main(["run"]) == 0
    assert (run_bot_calls[-1]["shard_ids"], run_bot_calls[-1]["shard_count"]) == (None, None)
    # A shard count alone lets discord.py run every shard of that count in this process.
    assert cli.main(["run", "--shard-count", "2"]) == 0
    assert (run_bot_calls[-1]["shard_ids"], run_bot_calls[-1]["shard_count"]) == (None, 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shard-ids", "0,x", "--shard-count", "4"], "comma-separated numbers"),
        (["--shard-ids", ",", "--shard-count", "4"], "comma-separated numbers"),
        (["--shard-ids", "0", "--shard-count", "0"], "shard count"),
        (["--shard-ids", "0", "--shard-count", "many"], "shard count"),
        (["--shard-ids", "0,1"], "needs --shard-count"),
        (["--shard-ids", "2,4", "--shard-count", "4"], "below --shard-count"),
    ],
)
def test_bad_shard_options_are_refused(
    run_bot_calls: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    with pytest.raises(SystemExit) as refused:
        cli.main(["run", *argv])
    assert refused.value.code != 0
    assert message in capsys.readouterr().err + str(refused.value.code)
    assert run_bot_calls == []


class QuickShardsBot(NewsBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once: the fake Discord has no identify rate limit."""


async def test_a_process_connects_only_its_shards_and_gets_their_guilds() -> None:
    fake = FakeDiscord(guild_count=GUILDS, shard_count=SHARD_COUNT)
    await fake.start()
    try:
        client = QuickShardsBot(
            Settings(), None, shard_ids=[0, 1], shard_count=SHARD_COUNT, refresh_interval=None
        )
        async with running(fake, client):
            sessions = list(fake.gateway.sessions.values())
            assert sorted(s.shard_id for s in sessions) == [0, 1]
            assert {s.shard_count for s in sessions} == {SHARD_COUNT}
            mine = {g.id for g in fake.world.guilds if shard_for(g.id, SHARD_COUNT) in (0, 1)}
            assert mine and len(mine) < GUILDS
            assert {g.id for g in client.guilds} == mine
    finally:
        await fake.close()
