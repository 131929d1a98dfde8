"""``newsbot run``, ``sync`` and ``worker`` with a token but no way to reach Discord end
in one line naming the problem and the fix, with the "try again later" status.

Discord's API address is pointed at a ``.invalid`` host (RFC 6761: it never resolves),
so the real aiohttp DNS failure happens, offline or not, without touching Discord.
"""

from __future__ import annotations

import json
from pathlib import Path

import discord.http
import pytest

from bot import console as cli
from retrieval.errors import EXIT_UNAVAILABLE

UNRESOLVABLE_API = "https://newsbot-test.invalid/api/v10"


@pytest.mark.parametrize("argv", [["run"], ["sync"], ["worker", "--once"]])
def test_unreachable_discord_is_one_line(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", UNRESOLVABLE_API)
    monkeypatch.setenv("NEWSBOT_DISCORD_TOKEN", "a-token-never-sent")
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    config = tmp_path / "newsbot.toml"
    url = f"sqlite:///{tmp_path / 'news.db'}"
    config.write_text(f"[database]\nurl = {json.dumps(url)}\n", encoding="utf-8")
    status = cli.main(["--config", str(config), *argv])
    err = capsys.readouterr().err
    assert status == EXIT_UNAVAILABLE
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("newsbot: cannot reach Discord")
    assert "newsbot-test.invalid does not resolve" in last
    assert "check the network connection" in last
