"""Alembic environment: runs against the engine handed over by ``retrieval.store.database``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine

from retrieval.store.schema import metadata

config = context.config
target_metadata = metadata


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///newsbot.db")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # ``retrieval.store.database.migrate`` hands over a connection already inside the
    # transaction that serialises migrations; it commits that transaction itself.
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    with _engine().connect() as connection:
        _run(connection)
        connection.commit()


run_migrations_online()
