"""Every failure a user can cause or meet ends in one line naming the problem and the
fix, with an exit status by class; ``-v`` adds the traceback.

Each case is the real failure where the test machine can produce it (an unknown URL
scheme, a read-only database, a database that hits its size limit) and a faithful
stand-in otherwise (a driver made unimportable, an OS error on the snapshot).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from retrieval.cli import commands as cli
from retrieval.errors import (
    EXIT_BUG,
    EXIT_FAILURE,
    EXIT_IO,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    ConfigError,
    DatabaseUrlError,
    NewsbotError,
    NoArticlesStored,
    QueryError,
    ServiceUnreachable,
    StorageRefused,
    StorageUnavailable,
)
from retrieval.index import BM25Index
from tests.conftest import ROOT, SAMPLES
from tests.processes import child_env

SAMPLE_TEXT = SAMPLES / "harbourton-tidal-energy.txt"


def write_config(directory: Path, url: str, snapshot: Path | None = None) -> Path:
    path = directory / "newsbot-test.toml"
    lines = ["[database]", f"url = {json.dumps(url)}"]
    if snapshot is not None:
        lines += ["[index]", f"snapshot_path = {json.dumps(str(snapshot))}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line(err: str, *words: str) -> str:
    """``err`` is exactly one ``newsbot: ...`` line, without a traceback, naming ``words``."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("newsbot: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)


# ----------------------------------------------------------------- exit codes by class
def test_exit_codes_are_attributes_of_the_error_classes() -> None:
    assert NewsbotError.exit_code == EXIT_FAILURE
    assert QueryError.exit_code == EXIT_FAILURE
    assert NoArticlesStored.exit_code == EXIT_FAILURE
    assert ConfigError.exit_code == DatabaseUrlError.exit_code == EXIT_USAGE
    assert StorageUnavailable.exit_code == ServiceUnreachable.exit_code == EXIT_UNAVAILABLE
    assert StorageRefused.exit_code == EXIT_IO
    assert len({EXIT_FAILURE, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_IO, EXIT_BUG}) == 5


def test_the_exit_status_is_the_error_class_attribute(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Peculiar(ConfigError):
        exit_code = 42

    def fail(*_args: object) -> int:
        raise Peculiar("peculiar setting: change it")

    monkeypatch.setattr(cli, "cmd_extract", fail)
    assert cli.main(["extract", str(SAMPLE_TEXT)], cli.build_parser()) == 42
    assert_one_line(capsys.readouterr().err, "peculiar setting: change it")


# ------------------------------------------------------------------ the database URL
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("notadb://foo", ["'notadb'", "sqlite:///PATH", "$NEWSBOT_DATABASE_URL"]),
        ("not a url at all", ["not a database URL", "sqlite:///PATH"]),
    ],
)
def test_a_bad_database_url_is_one_line_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, words: list[str]
) -> None:
    config = write_config(tmp_path, url)
    status, _, err = run(capsys, "--config", str(config), "ingest", str(SAMPLE_TEXT))
    assert status == EXIT_USAGE
    assert_one_line(err, "database.url", *words)


def test_the_password_of_a_bad_url_is_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "notadb://newsbot:s3cret@db.example/news")
    status, _, err = run(capsys, "--config", str(config), "ask", "council")
    assert status == EXIT_USAGE
    assert "s3cret" not in assert_one_line(err, "notadb")


def test_a_missing_driver_names_the_package_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes ``import psycopg`` fail as on a machine without it.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    config = write_config(tmp_path, "postgresql+psycopg://newsbot@db.example/newsbot")
    status, _, err = run(capsys, "--config", str(config), "ingest", str(SAMPLE_TEXT))
    assert status == EXIT_USAGE
    assert_one_line(err, "driver", "'psycopg'", "pip install -e '.[postgres]'")


def test_verbose_adds_the_traceback_before_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "notadb://foo")
    status, _, err = run(capsys, "-v", "--config", str(config), "ingest", str(SAMPLE_TEXT))
    assert status == EXIT_USAGE
    assert "Traceback" in err and "NoSuchModuleError" in err
    assert err.strip().splitlines()[-1].startswith("newsbot: database.url: no database type")


def test_the_console_script_prints_no_traceback(tmp_path: Path) -> None:
    """The real entry point in a fresh process, as a user runs it."""
    env = child_env() | {"NEWSBOT_DATABASE_URL": "notadb://foo"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.console", "ask", "council"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_USAGE
    assert_one_line(done.stderr, "'notadb'")


# --------------------------------------------------------------- storage that refuses
@pytest.fixture
def stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A database file holding the samples."""
    database = tmp_path / "news.db"
    config = write_config(tmp_path, f"sqlite:///{database}", tmp_path / "news.index")
    assert run(capsys, "--config", str(config), "ingest", str(SAMPLES))[0] == 0
    return database


def test_a_read_only_database_says_so(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SQLite's read-only mode refuses writes exactly as a file without write permission
    # does (SQLITE_READONLY), and works whoever runs the test (root ignores chmod).
    url = f"sqlite:///file:{stored}?mode=ro&uri=true"
    config = write_config(tmp_path, url, tmp_path / "news.index")
    new = tmp_path / "new.jsonl"
    text = "The harbour board met on Monday. It agreed to dredge the channel before winter."
    new.write_text(json.dumps({"id": "n1", "title": "Dredging", "text": text}) + "\n")
    status, _, err = run(capsys, "--config", str(config), "ingest", str(new))
    assert status == EXIT_IO
    assert_one_line(err, str(stored), "read-only", "write permission")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions"
)
def test_a_database_file_without_permission_says_so(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f"sqlite:///{stored}", tmp_path / "news.index")
    stored.chmod(0o000)
    try:
        status, _, err = run(capsys, "--config", str(config), "ingest", str(SAMPLE_TEXT))
    finally:
        stored.chmod(0o644)
    assert status == EXIT_IO
    assert_one_line(err, str(stored))


@pytest.fixture
def full_database() -> Iterator[None]:
    """Every new SQLite connection may not grow its file past its current size: SQLite
    then fails writes with SQLITE_FULL, as on a full disk."""

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        cursor.close()

    event.listen(Engine, "connect", cap)
    yield
    event.remove(Engine, "connect", cap)


def test_a_full_disk_under_the_database_says_so(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], full_database: None
) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as handle:
        for n in range(40):
            text = " ".join(f"Sentence {n} number {k} about harbour{n}x{k}." for k in range(60))
            handle.write(json.dumps({"id": f"big{n}", "title": f"Story {n}", "text": text}))
            handle.write("\n")
    config = write_config(tmp_path, f"sqlite:///{stored}", tmp_path / "news.index")
    status, _, err = run(capsys, "--config", str(config), "ingest", str(big))
    assert status == EXIT_IO
    assert_one_line(err, "no space left", str(stored), "free some disk space")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), ["no space left", "snapshot"]),
        (PermissionError(errno.EACCES, "Permission denied"), ["permission denied", "snapshot"]),
        (OSError(errno.EROFS, "Read-only file system"), ["read-only file system", "snapshot"]),
        # numpy reports a short write (a disk filling up mid-file) without an errno.
        (OSError("32404 requested and 1008 written"), ["disk may be full", "rebuilt"]),
    ],
)
def test_an_index_snapshot_that_cannot_be_written_says_so(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    words: list[str],
) -> None:
    snapshot = tmp_path / "news.index"
    if error.errno is not None:
        error.filename = str(snapshot)

    def refuse(_index: BM25Index, _path: Path) -> None:
        raise error

    monkeypatch.setattr(BM25Index, "save", refuse)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'news.db'}", snapshot)
    status, out, err = run(capsys, "--config", str(config), "ingest", str(SAMPLE_TEXT))
    assert status == EXIT_IO
    assert_one_line(err, *words)
    assert "added" in out  # the articles went in before the snapshot failed


def test_a_missing_database_folder_that_cannot_be_created_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    config = write_config(tmp_path, f"sqlite:///{blocker / 'sub' / 'news.db'}")
    status, _, err = run(capsys, "--config", str(config), "ingest", str(SAMPLE_TEXT))
    assert status == EXIT_IO
    assert_one_line(err, "cannot create the database folder", str(blocker / "sub"))


# ---------------------------------------------------------------- other inputs and bugs
def test_a_missing_batch_file_is_one_line(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, f"sqlite:///{stored}", tmp_path / "news.index")
    missing = tmp_path / "queries.tsv"
    status, _, err = run(capsys, "--config", str(config), "search", "--batch", str(missing))
    assert status == EXIT_FAILURE
    assert_one_line(err, "No such file or directory", str(missing))


def test_an_unexpected_error_is_one_line_calling_itself_a_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> int:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "cmd_extract", broken)
    parser = cli.build_parser()
    status = cli.main(["extract", str(SAMPLE_TEXT)], parser)
    err = capsys.readouterr().err
    assert status == EXIT_BUG
    assert_one_line(err, "ZeroDivisionError", "bug", "-v")


def test_sqlite_reports_errors_with_codes_we_read() -> None:
    """The classifier reads ``sqlite_errorcode`` (Python 3.11+), not message text."""
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA query_only = 1")
    with pytest.raises(sqlite3.OperationalError) as refused:
        connection.execute("CREATE TABLE t (x)")
    assert refused.value.sqlite_errorcode & 0xFF == 8  # SQLITE_READONLY
    connection.close()
