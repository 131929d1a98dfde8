"""Bulk ingest stores and indexes exactly what one-by-one ingest does, article by article.

The inputs mix every case the store decides: new articles, exact duplicates by body,
by canonical URL and by external id (of a stored article and of one earlier in the
same batch), a near-duplicate that joins a story, bad records, HTML and text pages.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from retrieval.config import Settings
from retrieval.ingest.bulk import apply as bulk_apply
from retrieval.ingest.bulk import ingest_many, pipeline
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article, IndexLogEntry, Passage, StoryBand
from tests.conftest import SAMPLES, make_settings, on_postgresql
from tests.generated_articles import record

# When the test trigger refuses a row: the poisoned article's passages, or its story
# bands (inserted after its article and passages: a failure half way through).
POISON_WHEN = {
    "passages": "NEW.text LIKE '%POISON%'",
    "story_bands": "NEW.article_id IN (SELECT id FROM articles WHERE title LIKE '%POISON%')",
}
QUERIES = ["harbour council budget", "railway tunnel", "marker0003 report", "tidal energy"]
GUILD = Scope(4242)


def _records() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [record(n) for n in range(8)]
    rows.append({**record(2), "id": "copy-of-2", "url": "https://elsewhere.example/2"})
    rows.append({**record(20), "url": record(3)["url"] + "?utm_source=feed"})
    rows.append({**record(21), "id": record(4)["id"], "url": "https://other.example/21"})
    near = record(5)
    rows.append(
        {
            **near,
            "id": "near-5",
            "url": "https://wire.example/5",
            "text": near["text"] + "\n\nA spokesperson declined to comment.",
        }
    )
    rows.append({**record(22), "text": ""})
    rows.extend(record(n) for n in range(30, 34))
    rows.append({**record(31), "id": "copy-of-31", "url": "https://elsewhere.example/31"})
    return rows


def _inputs(tmp_path: Path) -> list[Path]:
    lines = [json.dumps(row) for row in _records()]
    lines.insert(6, "{not json")
    first = tmp_path / "a.jsonl"
    first.write_text("\n".join(lines[:9]) + "\n", encoding="utf-8")
    second = tmp_path / "b.jsonl"
    second.write_text("\n".join(lines[9:]) + "\n", encoding="utf-8")
    # A page twice: the second is a duplicate of the first, across inputs.
    return [first, *sorted(SAMPLES.iterdir()), second, sorted(SAMPLES.iterdir())[0]]


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[NewsService, NewsService]]:
    single = NewsService.open(make_settings(tmp_path / "single"))
    bulk = NewsService.open(make_settings(tmp_path / "bulk"))
    yield single, bulk
    single.close()
    bulk.close()


def _view(outcomes: list[IngestOutcome]) -> list[tuple[object, ...]]:
    return [(o.input, o.status, o.article_id, o.title, o.reason, o.passages) for o in outcomes]


def _contents(service: NewsService) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row that ingest decides (ingestion times aside), and search results."""
    with service.sessions() as session:
        articles = session.execute(
            select(
                Article.id, Article.scope_id, Article.source_id, Article.external_id,
                Article.url, Article.canonical_url, Article.title, Article.description,
                Article.published, Article.published_offset, Article.body,
                Article.content_hash, Article.minhash, Article.story_id,
            ).order_by(Article.id)
        )  # fmt: skip
        passages = session.execute(select(Passage.__table__).order_by(Passage.id))
        bands = session.execute(
            select(
                StoryBand.article_id, StoryBand.scope_id, StoryBand.band, StoryBand.bucket
            ).order_by(StoryBand.article_id, StoryBand.band)
        )
        log = session.execute(
            select(IndexLogEntry.article_id, IndexLogEntry.op).order_by(IndexLogEntry.seq)
        )
        contents = {
            "articles": [tuple(r) for r in articles],
            "passages": [tuple(r) for r in passages],
            "bands": [tuple(r) for r in bands],
            "log": [tuple(r) for r in log],
        }
    tokenize = service.tokenizer.tokenize
    contents["hits"] = [
        tuple((h.passage_id, h.score) for h in service.index.search(tokenize(q), 50))
        for q in QUERIES
    ]
    return contents


@pytest.mark.parametrize(("batch_size", "workers"), [(3, 0), (100, 0), (4, 2)])
def test_bulk_equals_one_by_one(
    services: tuple[NewsService, NewsService], tmp_path: Path, batch_size: int, workers: int
) -> None:
    single, bulk = services
    inputs = _inputs(tmp_path)
    expected = single.ingest_paths(inputs, scope=GUILD)
    ticks: list[int] = []
    got = list(
        ingest_many(
            bulk,
            inputs,
            GUILD,
            batch_size=batch_size,
            workers=workers,
            progress=lambda: ticks.append(len(ticks)),
        )
    )
    assert _view(got) == _view(expected)
    assert len(ticks) == len(inputs)
    statuses = [o.status for o in got]
    assert statuses.count("duplicate") == 5 and statuses.count("failed") == 2
    assert _contents(bulk) == _contents(single)
    with bulk.sessions() as session:
        story = dict(session.execute(select(Article.external_id, Article.story_id)).all())
    assert story["near-5"] == story["gen-5"] != story["gen-6"]


def test_index_after_bulk_equals_a_rebuild(
    services: tuple[NewsService, NewsService], tmp_path: Path
) -> None:
    """Passages indexed with the workers' tokens score as the database's text does."""
    _single, bulk = services
    list(ingest_many(bulk, _inputs(tmp_path), Scope(), batch_size=5, workers=0))
    # Same database (on PostgreSQL, the same schema), no snapshot: a full rebuild.
    no_snapshot = dataclasses.replace(bulk.settings.index, snapshot_path=str(tmp_path / "none"))
    rebuilt = NewsService.open(dataclasses.replace(bulk.settings, index=no_snapshot))
    try:
        assert rebuilt.index.position == bulk.index.position
        assert _contents(rebuilt)["hits"] == _contents(bulk)["hits"]
    finally:
        rebuilt.close()


def test_duplicates_inside_one_batch(
    services: tuple[NewsService, NewsService], tmp_path: Path
) -> None:
    _single, bulk = services
    path = tmp_path / "twice.jsonl"
    first = record(7)
    path.write_text(
        json.dumps(first) + "\n" + json.dumps({**first, "id": "again", "url": None}) + "\n",
        encoding="utf-8",
    )
    added, again = ingest_many(bulk, [path], Scope(), batch_size=50, workers=0)
    assert added.status == "added" and again.status == "duplicate"
    assert again.article_id == added.article_id and again.title == added.title
    with bulk.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1


@pytest.mark.skipif(on_postgresql(), reason="the failure is injected with an SQLite trigger")
@pytest.mark.parametrize("table", ["passages", "story_bands"])
def test_a_failing_article_costs_the_batch_nothing(
    settings: Settings, tmp_path: Path, table: str
) -> None:
    """The database refuses one article half way through: the others are stored whole,
    the refused one not at all, and the index has exactly what was stored."""
    service = NewsService.open(settings)
    try:
        poison = POISON_WHEN[table]
        with service.engine.begin() as connection:
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {poison} "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
                )
            )
        rows = [record(n) for n in range(6)]
        rows[3] = {**rows[3], "title": "POISON story", "text": rows[3]["text"] + " POISON."}
        path = tmp_path / "batch.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        outcomes = list(ingest_many(service, [path], Scope(), batch_size=100, workers=0))
        assert [o.status for o in outcomes] == ["added"] * 3 + ["failed"] + ["added"] * 2
        assert outcomes[3].reason is not None and "refused by test" in outcomes[3].reason
        added = [o for o in outcomes if o.status == "added"]
        with service.sessions() as session:
            stored = set(session.scalars(select(Article.id)))
            assert stored == {o.article_id for o in added}
            passages = session.execute(select(Passage.id, Passage.article_id)).all()
            assert {a for _p, a in passages} == stored
            assert len(passages) == sum(o.passages for o in added)
            assert session.scalar(select(func.count()).select_from(StoryBand)) == 16 * len(stored)
            assert set(session.scalars(select(IndexLogEntry.article_id))) == stored
        assert sorted(service.index.passage_ids()) == sorted(p for p, _a in passages)
    finally:
        service.close()


def test_another_writer_in_between_is_caught_up(settings: Settings, tmp_path: Path) -> None:
    """When another process logs changes between batches, the index applies them all."""
    bulk, other = NewsService.open(settings), NewsService.open(settings)
    try:
        paths = []
        for n in range(3):
            paths.append(tmp_path / f"{n}.jsonl")
            paths[-1].write_text(json.dumps(record(40 + n)) + "\n", encoding="utf-8")
        list(ingest_many(bulk, paths[:1], Scope(), workers=0))
        other.ingest_paths(paths[1:2], scope=Scope())
        list(ingest_many(bulk, paths[2:], Scope(), workers=0))
        with bulk.sessions() as session:
            every = sorted(session.scalars(select(Passage.id)))
            head = session.scalar(select(func.max(IndexLogEntry.seq)))
        assert sorted(bulk.index.passage_ids()) == every
        assert bulk.index.position == head
    finally:
        bulk.close()
        other.close()


def test_a_value_the_database_refuses_fails_its_article_only(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """unit_of_work turns a refused value (PostgreSQL: a NUL byte) into a QueryError: the
    batch is retried article by article and only the refusing article fails."""
    real_store_batch, real_store = bulk_apply.store_batch, bulk_apply.store

    def refusing(prepared_title: str) -> None:
        if "REFUSED" in prepared_title:
            raise DataError("INSERT", {}, Exception("invalid byte sequence"))

    def store_batch(session: Any, batch: Any, **kwargs: Any) -> Any:
        for item in batch:
            refusing(item.prepared.title)
        return real_store_batch(session, batch, **kwargs)

    def store(session: Any, prepared: Any, **kwargs: Any) -> Any:
        refusing(prepared.title)
        return real_store(session, prepared, **kwargs)

    monkeypatch.setattr(bulk_apply, "store_batch", store_batch)
    monkeypatch.setattr(bulk_apply, "store", store)
    service = NewsService.open(settings)
    try:
        rows = [record(n) for n in range(4)]
        rows[1] = {**rows[1], "title": "REFUSED story"}
        path = tmp_path / "batch.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        outcomes = list(ingest_many(service, [path], Scope(), batch_size=10, workers=0))
        assert [o.status for o in outcomes] == ["added", "failed", "added", "added"]
        assert outcomes[1].reason is not None and "cannot store" in outcomes[1].reason
        with service.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Article)) == 3
    finally:
        service.close()


def test_grouped_inputs_keep_their_order_and_progress(
    services: tuple[NewsService, NewsService], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small files go to the workers in groups; a group ends at GROUP_INPUTS files or
    before GROUP_BYTES, and a large file goes alone: outcomes stay in input order."""
    single, bulk = services
    inputs = _inputs(tmp_path)
    monkeypatch.setattr(pipeline, "GROUP_INPUTS", 3)
    monkeypatch.setattr(pipeline, "GROUP_BYTES", inputs[0].stat().st_size + 1)
    expected = single.ingest_paths(inputs, scope=GUILD)
    ticks: list[int] = []
    got = list(
        ingest_many(bulk, inputs, GUILD, batch_size=4, workers=2, progress=lambda: ticks.append(1))
    )
    assert _view(got) == _view(expected)
    assert len(ticks) == len(inputs)
    groups = list(pipeline._groups(inputs))
    assert [s for g in groups for s in g] == inputs
    assert all(len(g) <= 3 for g in groups) and len(groups[0]) == 1


def test_copies_visible_from_two_scopes_are_decided_alike(
    services: tuple[NewsService, NewsService], tmp_path: Path
) -> None:
    """A server sees its own articles and the global ones. With the same articles stored
    in both scopes, a later copy is a duplicate of the lowest id and a near-duplicate
    joins the story of the first most similar article, one by one and in bulk alike."""
    stored = tmp_path / "stored.jsonl"
    stored.write_text(
        json.dumps(record(50)) + "\n" + json.dumps(record(51)) + "\n", encoding="utf-8"
    )
    near = record(51)
    later = tmp_path / "later.jsonl"
    later.write_text(
        json.dumps({**record(50), "id": "copy-50", "url": "https://mirror.example/50"})
        + "\n"
        + json.dumps(
            {
                **near,
                "id": "near-51",
                "url": "https://wire.example/51",
                "text": near["text"] + "\n\nThe office declined to comment.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    single, bulk = services
    for service in services:
        for scope in (GUILD, Scope.global_only()):
            assert [o.status for o in service.ingest_paths([stored], scope=scope)] == ["added"] * 2
    expected = single.ingest_paths([later], scope=GUILD)
    got = list(ingest_many(bulk, [later], GUILD, batch_size=10, workers=0))
    assert _view(got) == _view(expected)
    copy, joined = got
    assert (copy.status, copy.article_id) == ("duplicate", 1), "the lowest visible id"
    assert joined.status == "added"
    assert _contents(bulk) == _contents(single)
    with bulk.sessions() as session:
        story = session.scalar(select(Article.story_id).where(Article.id == joined.article_id))
    assert story in {2, 4}, "it joined a story of the article it nearly copies"
