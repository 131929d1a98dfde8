"""The change log's order is its commit order, so no reader ever skips an entry."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from retrieval.config import Settings
from retrieval.ingest.stages import prepare, store
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.changelog import append_change
from retrieval.store.models import IndexLogEntry
from tests.conftest import on_postgresql
from tests.generated_articles import extracted, marker

# Seconds to wait for the second writer to queue behind the first.
QUEUE_TIMEOUT = 10.0


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    yield service
    service.close()


def test_entries_are_numbered_in_order(service: NewsService) -> None:
    with service.sessions.begin() as session:
        first = append_change(session, 1, "add")
        second = append_change(session, 1, "remove")
    assert first.seq < second.seq
    with service.sessions() as session:
        logged = session.execute(select(IndexLogEntry.article_id, IndexLogEntry.op)).all()
    assert [tuple(row) for row in logged] == [(1, "add"), (1, "remove")]


def _found(service: NewsService, number: int) -> bool:
    hits = service.search_passages(marker(number), scope=Scope(), limit=3)
    return any(hit.article.external_id == f"gen-{number}" for hit in hits)


def _waiting_for_advisory_lock(service: NewsService) -> bool:
    with service.engine.connect() as connection:
        return bool(
            connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
        )


@pytest.mark.skipif(not on_postgresql(), reason="sequence commit order: PostgreSQL only")
def test_a_late_commit_of_an_earlier_entry_is_not_skipped(service: NewsService) -> None:
    """Writer A draws its seq first but commits after writer B started: B must wait.

    Without the change-log lock B would commit seq n+1 while A's n is invisible; a
    reader catching up then would move past n and never apply A's article.
    """
    ingest = service.settings.ingest
    early = prepare(extracted(1), ingest)
    # Another source, so B does not queue behind A's new source row instead.
    late = prepare(dataclasses.replace(extracted(2), source="Other Wire"), ingest)
    session_a = service.sessions()
    session_a.begin()
    store(session_a, early, scope_id=0, settings=ingest)
    b_done = threading.Event()

    def writer_b() -> None:
        with service.sessions.begin() as session_b:
            store(session_b, late, scope_id=0, settings=ingest)
        b_done.set()

    thread = threading.Thread(target=writer_b)
    thread.start()
    try:
        deadline = time.monotonic() + QUEUE_TIMEOUT
        while not (b_done.is_set() or _waiting_for_advisory_lock(service)):
            assert time.monotonic() < deadline, "writer B neither queued nor finished"
        # A reader catching up now must not move past A's entry.
        service.refresh()
        assert not b_done.is_set(), "writer B committed while A's earlier entry was open"
    finally:
        session_a.commit()
        session_a.close()
        thread.join()
    assert service.refresh() == 2
    assert _found(service, 1) and _found(service, 2)
