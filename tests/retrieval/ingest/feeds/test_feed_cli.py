"""``newsbot feed add|list|remove|poll``: the bot owner's commands, run through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.cli.commands import main
from retrieval.config import Settings
from tests.retrieval.ingest.feeds.feed_site import Entry, FeedSite, rss


@pytest.fixture
def config(settings: Settings, tmp_path: Path) -> str:
    """A config file on this test's database that lets the fetcher reach loopback."""
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f"[database]\nurl = {json.dumps(settings.database.url)}\n"
        f"[index]\nsnapshot_path = {json.dumps(settings.index.snapshot_path)}\n"
        '[fetch]\nallow_networks = ["127.0.0.1/32"]\nhost_min_interval = 0.0\n',
        encoding="utf-8",
    )
    return str(path)


def run(config: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["--config", config, "feed", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_add_list_poll_and_remove(
    config: str, site: FeedSite, capsys: pytest.CaptureFixture[str]
) -> None:
    old = [Entry(n, guid=f"g{n}") for n in range(3)]
    url = site.put("feed.xml", rss(old, base=site.base))
    assert run(config, capsys, "add", url, "--every", "6h")[:2] == (
        0,
        "following feed 1: Valley Courier\n"
        "    3 current entries marked as seen; new ones become articles\n",
    )
    assert run(config, capsys, "add", url, "--scope", "555")[0] == 0

    status, out, _ = run(config, capsys, "list")
    assert status == 0
    assert f"[1] Valley Courier — {url}" in out and "global, every 6 h, ok" in out
    assert "[2] Valley Courier" in out and "guild 555, every 1 h, ok" in out
    status, out, _ = run(config, capsys, "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["feed_id"], r["guild_id"], r["entries"]) for r in rows] == [
        (1, None, 3),
        (2, 555, 3),
    ]

    site.put("feed.xml", rss([Entry(9, guid="g9"), *old], base=site.base))
    status, out, _ = run(config, capsys, "poll", "1")
    assert status == 0
    assert out.startswith("feed 1 Valley Courier: 1 new articles\n    added      ")
    assert "[1] Story 9: the railway report" in out
    assert run(config, capsys, "poll")[1] == "No feed is due.\n"

    status, out, _ = run(config, capsys, "poll", "--all")
    assert status == 0
    assert "feed 1 Valley Courier: nothing new" in out
    # Server 555 sees the global copy, so its feed's entry is not stored twice.
    assert "feed 2 Valley Courier: 0 new articles, 1 already stored" in out
    assert "already stored as article 1" in out

    assert (
        run(config, capsys, "remove", "2")[1]
        == "removed feed 2: Valley Courier (1 articles kept)\n"
    )
    status, _, err = run(config, capsys, "remove", "2")
    assert status == 1 and err == "newsbot: no feed 2 is followed here; see the feed list for ids\n"


def test_refusals_are_one_line_errors(
    config: str, site: FeedSite, capsys: pytest.CaptureFixture[str]
) -> None:
    url = site.put("feed.xml", rss([Entry(1, guid="g1")], base=site.base))
    status, _, err = run(config, capsys, "add", url, "--every", "5m")
    assert (status, err) == (1, "newsbot: feeds are polled at most every 15 min\n")
    status, _, err = run(config, capsys, "add", url, "--every", "soon")
    assert status == 1 and "cannot read 'soon' as an interval" in err
    status, _, err = run(config, capsys, "add", url, "--scope", "guild-x")
    assert status == 1 and "scope must be 'global' or a Discord guild id" in err
    page = site.put("page.html", b"<html></html>", "text/html")
    status, _, err = run(config, capsys, "add", page)
    assert status == 1 and err.startswith("newsbot: refused: content type text/html")
    assert run(config, capsys, "poll", "1", "--all")[0] == 2

    assert run(config, capsys, "add", url)[0] == 0
    site.put("feed.xml", b"gone", "text/plain", status=500)
    status, out, _ = run(config, capsys, "poll", "1")
    assert status == 1
    assert out == (
        "feed 1 Valley Courier: failed: refused: the server answered 500 Internal Server Error\n"
    )
    status, out, _ = run(config, capsys, "list")
    assert "failing" in out and "last error: refused: the server answered 500" in out
