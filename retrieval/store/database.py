"""One engine and one sessionmaker per process, and schema migration on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from retrieval.config import DatabaseSettings
from retrieval.errors import StorageRefused
from retrieval.store.failures import (
    DATABASE_SETTING,
    database_error,
    file_error,
    location_of,
    url_error,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision under MIGRATIONS_DIR (a test checks it). Every process migrates on
# open; a database already there is recognised by one query, without importing alembic
# and reading the migration scripts, which costs more than the rest of a one-shot
# ``newsbot ask``.
SCHEMA_HEAD = "0005_sentence_spans"
# SQLite waits this long for a competing writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL advisory lock key that serialises schema migrations (any constant other
# than the change-log lock's in ``retrieval.store.changelog``).
MIGRATION_LOCK_KEY = 6_397_268_001


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the bot) run while a writer (an ingest) commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(settings: DatabaseSettings) -> Engine:
    """The process's engine, with SQLite tuned for one writer and many readers.

    A SQLite file's missing folders are created: callers open an engine only where a
    database is meant to be written (the command line's read-only commands check that
    the file exists first, so a mistyped path never grows an empty database).
    """
    text_url = settings.resolved_url()
    try:
        url = make_url(text_url)
        if url.get_backend_name() != "sqlite":
            return create_engine(url, echo=settings.echo, pool_pre_ping=True)
        file = settings.sqlite_file()
        if file is not None:
            _make_folder(file.parent)
        engine = create_engine(url, echo=settings.echo)
    except (ArgumentError, ImportError) as exc:
        # ArgumentError covers NoSuchModuleError (an unknown scheme such as notadb://);
        # ImportError a dialect whose driver is not installed.
        raise url_error(text_url, exc) from exc
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        refused = file_error(exc, "the database folder", DATABASE_SETTING)
        raise refused or StorageRefused(
            f"cannot create the database folder {folder} ({exc.strerror or exc}): create it, "
            f"or set another location ({DATABASE_SETTING})",
            path=str(folder),
        ) from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: results are copied out of them by callers.
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - see SCHEMA_HEAD

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _serialize_migrations(connection: Connection) -> None:
    """Begin a transaction that only one migrating process at a time can be in.

    Every process migrates on start, and a deployment starts several at once (bot
    shards, the worker): without this, two would both see an empty or old schema and
    both create the same tables, and one would crash. The lock lasts until the
    transaction ends; whoever comes second then finds the schema current.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif dialect == "sqlite":
        # Takes the database's write lock now (waiting up to the busy timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def schema_at_head(engine: Engine) -> bool:
    """Whether the database's schema is at ``SCHEMA_HEAD`` (False when it has none)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(versions.scalars()) == [SCHEMA_HEAD]
    except (OperationalError, ProgrammingError):
        return False


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (a new database is created from scratch)."""
    if revision == "heads" and schema_at_head(engine):
        return
    from alembic import command  # noqa: PLC0415 - see SCHEMA_HEAD

    config = alembic_config(engine)
    try:
        with engine.connect() as connection:
            _serialize_migrations(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    except (OperationalError, ProgrammingError) as exc:
        # ProgrammingError: PostgreSQL refusing privileges on the schema.
        raise database_error(exc, location_of(str(engine.url))) from exc
