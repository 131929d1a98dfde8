"""The feed tables: the migration matches the models, and downgrades cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from retrieval.config import Settings
from retrieval.store.database import alembic_config, make_engine, migrate
from retrieval.store.schema import metadata

FEED_TABLES = {"feeds", "feed_entries"}


def test_the_migration_creates_what_the_models_declare(settings: Settings) -> None:
    engine = make_engine(settings.database)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
        ours = [d for d in differences if any(table in repr(d) for table in FEED_TABLES)]
        assert ours == []
        found = inspect(engine)
        assert set(found.get_table_names()) >= FEED_TABLES
        unique = {u["name"] for u in found.get_unique_constraints("feeds")}
        assert "uq_feeds_scope_url" in unique
        keys = {
            fk["referred_table"]: fk["options"] for fk in found.get_foreign_keys("feed_entries")
        }
        assert keys["feeds"].get("ondelete") == "CASCADE"
        assert keys["articles"].get("ondelete") == "SET NULL"

        command.downgrade(alembic_config(engine), "0001")
        assert not FEED_TABLES & set(inspect(engine).get_table_names())
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= FEED_TABLES
    finally:
        engine.dispose()
