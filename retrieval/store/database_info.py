"""Where the database is and what it holds, read without changing anything.

``newsbot db info`` answers "which database am I using?", and searches check here first
that their database holds articles at all: a search on the wrong (empty) database must
say so, not answer "nothing matches". Nothing here creates a database or migrates one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from retrieval.config import Settings
from retrieval.errors import NoArticlesStored
from retrieval.store.database import make_engine
from retrieval.store.failures import database_error, location_of
from retrieval.store.models import Article, Passage, Source

_T = TypeVar("_T")


@dataclass(frozen=True)
class DatabaseInfo:
    location: str
    # Whether newsbot chose the location (no [database] url or $NEWSBOT_DATABASE_URL).
    default_location: bool
    # False: a SQLite file that does not exist yet (the first ingest creates it).
    exists: bool
    articles: int
    passages: int
    sources: int
    snapshot: Path
    # When the index snapshot was last written; None when there is none yet.
    snapshot_saved: datetime | None


@dataclass(frozen=True)
class _Counts:
    articles: int = 0
    passages: int = 0
    sources: int = 0


def database_location(settings: Settings) -> str:
    """The database as a user should see it: its file for SQLite, else its URL."""
    return location_of(settings.database.resolved_url())


def database_info(settings: Settings) -> DatabaseInfo:
    file = settings.database.sqlite_file()
    exists = file is None or file.exists()
    counts = _counts(settings) if exists else _Counts()
    snapshot = settings.snapshot_path()
    saved = datetime.fromtimestamp(snapshot.stat().st_mtime, tz=UTC) if snapshot.exists() else None
    return DatabaseInfo(
        location=database_location(settings),
        default_location=settings.database.is_default,
        exists=exists,
        articles=counts.articles,
        passages=counts.passages,
        sources=counts.sources,
        snapshot=snapshot,
        snapshot_saved=saved,
    )


def require_articles(settings: Settings) -> None:
    """Raise ``NoArticlesStored`` unless the database holds at least one article.

    Never creates the database: a SQLite file that does not exist is reported as it is.
    """
    file = settings.database.sqlite_file()
    if (file is not None and not file.exists()) or not _read(settings, _any_article):
        raise NoArticlesStored(database_location(settings))


def _counts(settings: Settings) -> _Counts:
    return _read(settings, _count)


def _read(settings: Settings, query: Callable[[Connection], _T]) -> _T:
    engine = make_engine(settings.database)
    try:
        with engine.connect() as connection:
            return query(connection)
    except (OperationalError, ProgrammingError) as exc:
        raise database_error(exc, database_location(settings)) from exc
    finally:
        engine.dispose()


def _any_article(connection: Connection) -> bool:
    # One row, not a count: counting a large table reads all of it, and every question
    # asked from the command line starts with this check.
    if not inspect(connection).has_table(Article.__tablename__):
        return False
    return connection.scalar(select(Article.id).limit(1)) is not None


def _count(connection: Connection) -> _Counts:
    # A database no command has migrated yet (a new PostgreSQL database) has no tables.
    if not inspect(connection).has_table(Article.__tablename__):
        return _Counts()
    return _Counts(
        articles=connection.scalar(select(func.count(Article.id))) or 0,
        passages=connection.scalar(select(func.count(Passage.id))) or 0,
        sources=connection.scalar(select(func.count(Source.id))) or 0,
    )
