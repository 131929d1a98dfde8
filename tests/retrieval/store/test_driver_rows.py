"""Rows handed to the driver are stored as SQLAlchemy's own executemany stores them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import bindparam, delete, select, update

from retrieval.config import Settings
from retrieval.ingest.stages import prepare, store
from retrieval.service import NewsService
from retrieval.store.driver_rows import execute_rows
from retrieval.store.models import Article, Base, StoryBand
from tests.generated_articles import extracted

BANDS = Base.metadata.tables[StoryBand.__tablename__]
ARTICLES = Base.metadata.tables[Article.__tablename__]
# The extremes a MinHash bucket takes (signed 64-bit) and a scope id of Discord's size.
BIG = 2**63 - 1
SCOPE = 1_234_567_890_123_456_789


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    yield service
    service.close()


def _article_ids(service: NewsService, count: int) -> list[int]:
    ids = []
    with service.unit_of_work() as session:
        for number in range(count):
            prepared = prepare(extracted(number), service.settings.ingest)
            stored = store(session, prepared, scope_id=0, settings=service.settings.ingest)
            ids.append(stored.article_id)
    return ids


def _bands(service: NewsService, article_id: int) -> list[tuple[int, int, int]]:
    with service.unit_of_work() as session:
        rows = session.execute(
            select(StoryBand.scope_id, StoryBand.band, StoryBand.bucket)
            .where(StoryBand.article_id == article_id)
            .order_by(StoryBand.band)
        )
        return [(scope, band, bucket) for scope, band, bucket in rows]


def test_inserted_rows_equal_sqlalchemys(service: NewsService) -> None:
    first, second = _article_ids(service, 2)
    values = [(SCOPE, 0, BIG), (SCOPE, 1, -BIG - 1), (0, 2, 0), (7, 3, 12345)]

    def rows(article_id: int) -> list[dict[str, int]]:
        return [
            {"article_id": article_id, "scope_id": s, "band": b, "bucket": k} for s, b, k in values
        ]

    insert = BANDS.insert().values(
        {name: bindparam(name) for name in ("article_id", "scope_id", "band", "bucket")}
    )
    with service.unit_of_work() as session:
        session.execute(delete(BANDS).where(BANDS.c.article_id.in_([first, second])))
        session.execute(BANDS.insert(), rows(first))
        execute_rows(session, insert, rows(second))
        execute_rows(session, insert, [])  # nothing to run

    assert _bands(service, second) == _bands(service, first) == values


def test_updates_bind_by_name_whatever_the_order(service: NewsService) -> None:
    ids = _article_ids(service, 3)
    statement = (
        update(ARTICLES)
        .where(ARTICLES.c.id == bindparam("article"))
        .values(story_id=bindparam("story"))
    )
    # Keys in another order than the statement's parameters.
    rows = [{"story": ids[0], "article": article_id} for article_id in ids[1:]]
    with service.unit_of_work() as session:
        execute_rows(session, statement, rows)
    with service.unit_of_work() as session:
        stories = dict(session.execute(select(Article.id, Article.story_id)).all())
    assert [stories[i] for i in ids[1:]] == [ids[0], ids[0]]


def test_rows_roll_back_with_the_transaction(service: NewsService) -> None:
    (article_id,) = _article_ids(service, 1)
    before = _bands(service, article_id)
    insert = BANDS.insert().values(
        {name: bindparam(name) for name in ("article_id", "scope_id", "band", "bucket")}
    )
    with pytest.raises(RuntimeError), service.unit_of_work() as session:
        row = {"article_id": article_id, "scope_id": 0, "band": 99, "bucket": 1}
        execute_rows(session, insert, [row])
        raise RuntimeError("the caller fails after the rows were written")
    assert _bands(service, article_id) == before
