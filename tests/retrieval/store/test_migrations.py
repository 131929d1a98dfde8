"""Alembic migrations on the configured database (SQLite, or PostgreSQL in CI).

The schema the migrations build must be the schema the models describe, on every
backend, and must come down and go up again cleanly.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import retrieval.store
from retrieval.config import Settings
from retrieval.store import schema
from retrieval.store.database import (
    MIGRATIONS_DIR,
    SCHEMA_HEAD,
    alembic_config,
    make_engine,
    migrate,
    schema_at_head,
)
from retrieval.store.models import Base
from tests.processes import newsbot_command, popen, write_config

# Tables every full migration creates (the model modules may add more).
CORE_TABLES = {"articles", "passages", "index_log", "sources", "story_bands", "leases"}
# Processes that migrate a new database at the same moment.
CONCURRENT_MIGRATORS = 3
MIGRATOR_TIMEOUT = 120.0


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database)
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_the_schema_registry_lists_every_model_module() -> None:
    """A model module missing from ``retrieval.store.schema`` would be invisible to
    migrations; every module of ``retrieval.store`` that declares a table is listed."""
    declaring = set()
    for info in pkgutil.iter_modules(retrieval.store.__path__):
        module = importlib.import_module(f"retrieval.store.{info.name}")
        if any(
            isinstance(value, type)
            and issubclass(value, Base)
            and value.__module__ == module.__name__
            for value in vars(module).values()
        ):
            declaring.add(module.__name__)
    assert declaring == {m.__name__ for m in schema.MODEL_MODULES}


def test_migrations_have_one_head() -> None:
    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    assert len(heads) == 1, f"unmerged migration heads: {heads}; add a merge revision"


def test_schema_head_names_the_newest_migration(engine: Engine) -> None:
    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    assert heads == [SCHEMA_HEAD], "set SCHEMA_HEAD to the new migration's revision"
    assert not schema_at_head(engine)  # a new database has no schema yet
    migrate(engine, "heads")
    assert schema_at_head(engine)
    command.downgrade(alembic_config(engine), "-1")
    assert not schema_at_head(engine)
    migrate(engine, "heads")  # not at the head: the migration runs
    assert schema_at_head(engine)


def test_upgrade_downgrade_upgrade(engine: Engine) -> None:
    migrate(engine, "heads")
    assert _tables(engine) >= CORE_TABLES
    command.downgrade(alembic_config(engine), "base")
    assert _tables(engine) == set()
    migrate(engine, "heads")
    assert _tables(engine) >= CORE_TABLES


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    migrate(engine, "heads")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, schema.metadata)
    assert differences == [], "models and migrations disagree; write a migration"


def test_processes_starting_together_migrate_once(settings: Settings, tmp_path: Path) -> None:
    """Bot shards and the worker start at the same time, each migrating on start."""
    command = newsbot_command(write_config(settings, tmp_path), "db", "upgrade")
    children = [popen(command) for _ in range(CONCURRENT_MIGRATORS)]
    for child in children:
        output, _ = child.communicate(timeout=MIGRATOR_TIMEOUT)
        assert child.returncode == 0, output
    engine = make_engine(settings.database)
    assert _tables(engine) >= CORE_TABLES
    engine.dispose()
