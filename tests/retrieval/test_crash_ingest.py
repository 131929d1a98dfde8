"""kill -9 in the middle of a bulk ``newsbot ingest``: nothing committed is lost, nothing
half-written stays, and running the ingest again completes it without duplicates.

Real processes on PostgreSQL (skipped on SQLite runs).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from retrieval.config import Settings
from retrieval.ingest.dedupe import LSH_BANDS
from retrieval.ingest.stages import prepare
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article, IndexLogEntry, Passage, StoryBand
from tests.conftest import on_postgresql
from tests.generated_articles import extracted, marker, write_jsonl
from tests.processes import newsbot_command, popen, run, write_config

pytestmark = pytest.mark.skipif(
    not on_postgresql(), reason="multi-process tests run on PostgreSQL (NEWSBOT_TEST_DATABASE_URL)"
)

ARTICLES = 200
# Outcomes the ingest reports before it is killed: well into the run, far from its end.
KILL_AFTER = 50
INGEST_TIMEOUT = 180.0


def _number(external_id: str) -> int:
    return int(external_id.removeprefix("gen-"))


def _kill_mid_ingest(command: list[str]) -> list[int]:
    """Start the ingest, SIGKILL it after KILL_AFTER reports; the ids it reported added."""
    process = popen(command)
    assert process.stdout is not None
    reported: list[int] = []
    try:
        for line in process.stdout:
            if not line.startswith("{"):
                continue
            outcome = json.loads(line)
            assert outcome["status"] == "added", outcome
            reported.append(outcome["article_id"])
            if len(reported) >= KILL_AFTER:
                break
    finally:
        process.kill()
        process.wait(timeout=INGEST_TIMEOUT)
    assert len(reported) == KILL_AFTER, "the ingest ended before it could be killed"
    return reported


@pytest.fixture
def service_after(settings: Settings) -> Iterator[Callable[[], NewsService]]:
    opened: list[NewsService] = []

    def open_service() -> NewsService:
        opened.append(NewsService.open(settings))
        return opened[-1]

    yield open_service
    for service in opened:
        service.close()


def _check_whole(service: NewsService) -> dict[int, int]:
    """Every stored article is whole and logged once; returns {article id: number}."""
    ingest = service.settings.ingest
    with service.sessions() as session:
        articles = dict(session.execute(select(Article.id, Article.external_id)).all())
        passages: dict[int, list[int]] = {}
        for article_id, ordinal in session.execute(
            select(Passage.article_id, Passage.ordinal).order_by(Passage.ordinal)
        ):
            passages.setdefault(article_id, []).append(ordinal)
        bands = Counter(session.scalars(select(StoryBand.article_id)).all())
        log = session.execute(select(IndexLogEntry.article_id, IndexLogEntry.op)).all()
    numbers = {article_id: _number(str(ext)) for article_id, ext in articles.items()}
    assert len(set(numbers.values())) == len(numbers), "an article was stored twice"
    for article_id, number in numbers.items():
        expected = len(prepare(extracted(number), ingest).passages)
        assert passages.get(article_id) == list(range(expected)), f"article {number} is partial"
        assert bands[article_id] == LSH_BANDS
    assert set(passages) <= set(numbers) and set(bands) <= set(numbers), "orphan rows"
    assert sorted(a for a, _op in log) == sorted(numbers), "index_log disagrees with articles"
    assert {op for _a, op in log} <= {"add"}
    return numbers


def test_kill_9_mid_bulk_ingest(
    settings: Settings, tmp_path: Path, service_after: Callable[[], NewsService]
) -> None:
    config = write_config(settings, tmp_path)
    jsonl = write_jsonl(tmp_path / "bulk.jsonl", range(ARTICLES))
    command = newsbot_command(config, "ingest", "--json", str(jsonl))
    reported = _kill_mid_ingest(command)

    service = service_after()
    stored = _check_whole(service)
    assert set(reported) <= set(stored), "an article reported added was lost"
    assert len(stored) < ARTICLES, "the ingest finished before the kill"
    # The index built from the database finds what was stored, and only that.
    sample = sorted(stored.values())[:: max(1, len(stored) // 10)]
    for number in sample:
        hits = service.search_passages(marker(number), scope=Scope(), limit=1)
        assert hits and hits[0].article.external_id == f"gen-{number}"

    again = run(command, INGEST_TIMEOUT)
    assert again.returncode == 0, again.stdout + again.stderr
    statuses = Counter(json.loads(line)["status"] for line in again.stdout.splitlines())
    assert statuses == {"added": ARTICLES - len(stored), "duplicate": len(stored)}
    final = _check_whole(service_after())
    assert sorted(final.values()) == list(range(ARTICLES))
    with service_after().sessions() as session:
        assert session.scalar(select(func.count()).select_from(IndexLogEntry)) == ARTICLES
