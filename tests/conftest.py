"""Shared fixtures: settings on a throwaway database, and the project's sample articles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.config import Settings, settings_from_mapping

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_546bd0455f068fcd.txt"
# Set to a SQLAlchemy URL (e.g. a PostgreSQL database) to run the suite against it.
TEST_DATABASE_URL = os.environ.get("NEWSBOT_TEST_DATABASE_URL", "")


def make_settings(tmp_path: Path, **sections: dict[str, object]) -> Settings:
    data: dict[str, dict[str, object]] = {
        "database": {"url": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'newsbot.db'}"},
        "index": {"snapshot_path": str(tmp_path / "newsbot.index")},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_mapping(data)


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    settings = make_settings(tmp_path)
    yield settings
    if TEST_DATABASE_URL:
        _drop_all(settings)


def _drop_all(settings: Settings) -> None:
    from sqlalchemy import text

    from retrieval.store.database import make_engine

    engine = make_engine(settings.database)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
