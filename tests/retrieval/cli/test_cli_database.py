"""A database a user can find: one per-user default place, ``newsbot db info``, and an
empty or missing database that says so instead of "nothing matches"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retrieval.cli import commands as cli
from retrieval.cli.info_commands import describe_age
from retrieval.config import load_settings
from retrieval.errors import EXIT_FAILURE
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.conftest import SAMPLES

# What the shipped samples hold (samples/: one text page, one HTML page, three JSONL).
SAMPLE_ARTICLES = 5
SAMPLE_SOURCES = 3


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default location in a private data directory; no config file, no URL."""
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    directory = tmp_path / "data"
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(directory))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return directory


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_question_before_any_ingest_says_where_it_looked_and_creates_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["ask", "tidal", "barrage"], ["search", "tidal"], ["sources"]):
        status, out, err = run(capsys, *command)
        assert status == EXIT_FAILURE
        assert out == ""
        assert err == (
            f"newsbot: no articles stored in {data_dir / 'newsbot.db'} yet: run newsbot "
            "ingest with files, directories or URLs first (newsbot ingest samples, in a "
            "checkout), or see newsbot db info\n"
        )
    assert not data_dir.exists()


def test_an_empty_database_says_so_instead_of_nothing_matches(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "db", "upgrade")
    assert status == 0 and str(data_dir / "newsbot.db") in out
    status, out, err = run(capsys, "ask", "tidal")
    assert status == EXIT_FAILURE
    assert "Nothing" not in out
    assert err.startswith(f"newsbot: no articles stored in {data_dir / 'newsbot.db'} yet")


def test_ingest_creates_the_default_database_once_and_says_where(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, _, err = run(capsys, "ingest", str(SAMPLES))
    assert status == 0
    assert f"newsbot: created the database {data_dir / 'newsbot.db'}\n" in err
    assert (data_dir / "newsbot.db").is_file() and (data_dir / "newsbot.index").is_dir()
    status, _, err = run(capsys, "ingest", str(SAMPLES))
    assert status == 0 and "created" not in err
    # Another working directory finds the same articles.
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "ask", "What did Harbourton council approve?")
    assert status == 0 and "[1]" in out
    assert not (tmp_path / "newsbot.db").exists()


def test_db_info_before_and_after_an_ingest(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "db", "info")
    assert status == 0
    assert f"database  {data_dir / 'newsbot.db'} (the default" in out
    assert "not created yet: newsbot ingest creates it" in out
    assert "articles  0" in out
    assert "config    none (built-in defaults)" in out
    assert not data_dir.exists()  # looking creates nothing

    assert run(capsys, "ingest", str(SAMPLES))[0] == 0
    status, out, _ = run(capsys, "db", "info", "--json")
    info = json.loads(out)
    assert status == 0
    assert info["location"] == str(data_dir / "newsbot.db")
    assert info["default_location"] is True and info["exists"] is True
    assert info["articles"] == SAMPLE_ARTICLES
    assert info["sources"] == SAMPLE_SOURCES
    assert info["passages"] >= SAMPLE_ARTICLES
    assert info["snapshot"] == str(data_dir / "newsbot.index")
    saved = datetime.fromisoformat(info["snapshot_saved"])
    assert timedelta(0) <= datetime.now(UTC) - saved < timedelta(minutes=5)
    status, out, _ = run(capsys, "db", "info")
    assert f"articles  {SAMPLE_ARTICLES}\n" in out
    assert f"index     {data_dir / 'newsbot.index'}, saved just now" in out


def test_db_info_names_a_configured_database_and_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    config = tmp_path / "mine.toml"
    database = tmp_path / "mine.db"
    config.write_text(f"[database]\nurl = {json.dumps(f'sqlite:///{database}')}\n")
    status, out, _ = run(capsys, "--config", str(config), "db", "info")
    assert status == 0
    assert f"database  {database} (from [database] url or $NEWSBOT_DATABASE_URL)" in out
    assert f"config    {config}" in out


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(5, "just now"), (61, "1 minute ago"), (7_300, "2 hours ago"), (3 * 86_400, "3 days ago")],
)
def test_ages_read_as_a_person_would_say_them(seconds: int, words: str) -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    assert describe_age(now - timedelta(seconds=seconds), now) == words


def test_the_no_match_hint_names_command_line_commands_on_the_command_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "ingest", str(SAMPLES))[0] == 0
    status, out, _ = run(capsys, "ask", "zeppelin", "quasar")
    assert status == 0
    assert "newsbot sources" in out and "/sources" not in out
    # The bot keeps the engine's wording, which names its own slash command.
    service = NewsService.open(load_settings())
    try:
        hint = service.ask("zeppelin quasar", scope=Scope(None)).hint
    finally:
        service.close()
    assert hint is not None and "/sources" in hint
    assert cli.cli_hint(hint) == hint.replace("/sources", "newsbot sources")


def test_cli_hint_leaves_urls_and_unknown_commands_alone() -> None:
    text = "See https://example.org/sources or /help, then /sources."
    assert cli.cli_hint(text) == "See https://example.org/sources or /help, then newsbot sources."


def test_sources_lists_the_outlets(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ingest", str(SAMPLES))[0] == 0
    status, out, _ = run(capsys, "sources", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert len(rows) == SAMPLE_SOURCES
    assert sum(row["articles"] for row in rows) == SAMPLE_ARTICLES
    assert {"South Coast Wire", "Coastal Ledger", "The Valley Courier"} == {
        row["source"] for row in rows
    }


def test_reading_a_configured_database_that_is_not_there_creates_no_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    database = tmp_path / "typo" / "deeper" / "news.db"
    config = tmp_path / "mine.toml"
    config.write_text(f"[database]\nurl = {json.dumps(f'sqlite:///{database}')}\n")
    for command in (["ask", "tidal"], ["search", "tidal"], ["sources"], ["db", "info"]):
        status, _, err = run(capsys, "--config", str(config), *command)
        assert status in (0, EXIT_FAILURE)
        assert status == 0 or str(database) in err
    assert not (tmp_path / "typo").exists()
    # Writing is asking for that path: ingest creates it, and says so.
    status, _, err = run(capsys, "--config", str(config), "ingest", str(SAMPLES))
    assert status == 0
    assert f"newsbot: created the database {database}\n" in err
