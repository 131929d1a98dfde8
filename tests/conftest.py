"""Shared fixtures: settings on a throwaway database, and the project's sample articles.

The suite runs on SQLite (a file per test) unless ``NEWSBOT_TEST_DATABASE_URL`` names
another database. On PostgreSQL every ``make_settings`` call gets a schema of its own
(``t_<random>``, selected through the connection's ``search_path``), dropped when the
test ends: creating and dropping a schema takes milliseconds, tests never see each
other's rows, and nothing outside those schemas is touched.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from retrieval.config import ENV_DATA_DIR, Settings, settings_from_mapping
from tests.shared_data import ROOT, SAMPLES, SharedData

__all__ = ["ROOT", "SAMPLES"]  # re-exported for older imports; new code uses tests.shared_data

# Set to a SQLAlchemy URL (e.g. a PostgreSQL database) to run the suite against it.
TEST_DATABASE_URL = os.environ.get("NEWSBOT_TEST_DATABASE_URL", "")
# Prefix of the per-test schemas on PostgreSQL.
SCHEMA_PREFIX = "t_"

# Schemas made by make_settings and not dropped yet, oldest first.
_schemas: list[str] = []
_admin_engine: Engine | None = None


# A drop that waits longer than this for a lock means a test leaked an open transaction.
DROP_LOCK_TIMEOUT = "10s"


def on_postgresql() -> bool:
    """Whether this run is against PostgreSQL (else each test gets an SQLite file)."""
    if not TEST_DATABASE_URL:
        return False
    backend = make_url(TEST_DATABASE_URL).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise pytest.UsageError(
            f"NEWSBOT_TEST_DATABASE_URL: tests isolate on PostgreSQL or SQLite, not {backend}"
        )
    return backend == "postgresql"


def _admin() -> Engine:
    """A pool-less engine on the test database itself, for creating and dropping schemas."""
    global _admin_engine  # noqa: PLW0603 - one per test session, made on first use
    if _admin_engine is None:
        _admin_engine = create_engine(TEST_DATABASE_URL, poolclass=NullPool)
    return _admin_engine


def schema_url(schema: str) -> URL:
    """The test database's URL with ``schema`` first on the search path."""
    url = make_url(TEST_DATABASE_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"})


def _new_schema() -> str:
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    with _admin().begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    _schemas.append(schema)
    return schema


def _drop_schemas(keep: int) -> None:
    """Drop every schema made after the first ``keep``."""
    while len(_schemas) > keep:
        schema = _schemas.pop()
        with _admin().begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def database_url(tmp_path: Path) -> str:
    """A private, empty database for one test: a schema on PostgreSQL, else a file."""
    if on_postgresql():
        return schema_url(_new_schema()).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / 'newsbot.db'}"


def make_settings(tmp_path: Path, **sections: dict[str, object]) -> Settings:
    """Settings on a private database and index snapshot path for one test."""
    data: dict[str, dict[str, object]] = {
        "database": {"url": database_url(tmp_path)},
        "index": {"snapshot_path": str(tmp_path / "newsbot.index")},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_mapping(data)


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the default data directory (where the database goes when no URL is set)
    at a throwaway folder, for this process and the children it starts: no test may
    write into the real per-user data directory."""
    previous = os.environ.get(ENV_DATA_DIR)
    os.environ[ENV_DATA_DIR] = str(tmp_path_factory.mktemp("newsbot-data"))
    yield
    if previous is None:
        os.environ.pop(ENV_DATA_DIR, None)
    else:
        os.environ[ENV_DATA_DIR] = previous


@pytest.fixture(autouse=True)
def _drop_test_schemas() -> Iterator[None]:
    """Drop the schemas a test made (PostgreSQL runs only; a no-op otherwise)."""
    before = len(_schemas)
    yield
    if len(_schemas) > before:
        _drop_schemas(before)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def shared_data() -> SharedData:
    """The shared reference data (``../shared``): the seed page and any other file in it,
    each skipping the test when absent."""
    return SharedData()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _schemas:
        _drop_schemas(0)
    if _admin_engine is not None:
        _admin_engine.dispose()
