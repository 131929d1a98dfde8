"""Two processes ingesting the same articles at once: each article is stored once, and
the loser of each race reports a duplicate instead of crashing.

Real processes, on the configured database (SQLite, or PostgreSQL in CI).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from retrieval.config import Settings
from retrieval.service import NewsService
from retrieval.store.models import Article, IndexLogEntry
from tests.generated_articles import write_jsonl
from tests.processes import newsbot_command, popen, write_config

ARTICLES = 60
INGEST_TIMEOUT = 120.0


def test_racing_ingests_of_the_same_articles_store_each_once(
    settings: Settings, tmp_path: Path
) -> None:
    NewsService.open(settings).close()  # the schema exists before the race
    config = write_config(settings, tmp_path)
    jsonl = write_jsonl(tmp_path / "same.jsonl", range(ARTICLES))
    command = newsbot_command(config, "ingest", "--json", str(jsonl))
    children = [popen(command) for _ in range(2)]
    statuses: Counter[str] = Counter()
    for child in children:
        output, _ = child.communicate(timeout=INGEST_TIMEOUT)
        assert child.returncode == 0, output
        statuses.update(
            json.loads(line)["status"] for line in output.splitlines() if line[:1] == "{"
        )
    assert statuses == {"added": ARTICLES, "duplicate": ARTICLES}
    service = NewsService.open(settings)
    try:
        with service.sessions() as session:
            ids = session.scalars(select(Article.external_id)).all()
            logged = session.scalar(select(func.count()).select_from(IndexLogEntry))
        assert sorted(ids) == sorted(f"gen-{n}" for n in range(ARTICLES))
        assert logged == ARTICLES
    finally:
        service.close()
