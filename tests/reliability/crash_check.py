"""What must hold of an SQLite store after its writer was killed: the crash-safety checks.

* the file passes ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``;
* every article is whole: its passages are exactly what ``split_passages`` makes of its
  body, it has all its story bands and an ``index_log`` "add" entry, and no row of
  another table points at a missing article;
* no input was stored twice;
* the index agrees with the database: a saved snapshot caught up from the log equals a
  rebuild from scratch, and a service opened as production opens it indexes exactly
  the stored passages.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from retrieval.config import Settings
from retrieval.index import BM25Index
from retrieval.index import catch_up as indexing
from retrieval.index.tokenizer import Tokenizer
from retrieval.ingest.dedupe import LSH_BANDS
from retrieval.ingest.passages import split_passages
from retrieval.service import NewsService
from retrieval.store.models import Article, IndexLogEntry, Passage, StoryBand

# Search results compared between the caught-up and the rebuilt index.
COMPARED_QUERIES = 12
RESULTS_PER_QUERY = 20
# Scores of equal indexes agree to rounding only (sums taken in another order).
SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class StoreState:
    articles: dict[int, str]  # article id -> title
    passages: int
    snapshot_caught_up: int  # log entries the snapshot needed (0: no usable snapshot)


def sqlite_file(settings: Settings) -> Path:
    return Path(settings.database.url.removeprefix("sqlite:///"))


def check_file(settings: Settings) -> None:
    with sqlite3.connect(sqlite_file(settings)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    connection.close()


def check_whole(service: NewsService) -> StoreState:
    """Every article whole and logged, nothing orphaned, nothing stored twice."""
    ingest = service.settings.ingest
    with service.sessions() as session:
        rows = session.execute(select(Article.id, Article.title, Article.body)).all()
        hashes = Counter(session.scalars(select(Article.content_hash)))
        passages: dict[int, list[tuple[int, int, int, str]]] = {}
        for article_id, ordinal, start, end, text in session.execute(
            select(Passage.article_id, Passage.ordinal, Passage.start, Passage.end, Passage.text)
        ):
            passages.setdefault(article_id, []).append((ordinal, start, end, text))
        bands = Counter(session.scalars(select(StoryBand.article_id)))
        logged = Counter(
            session.scalars(select(IndexLogEntry.article_id).where(IndexLogEntry.op == "add"))
        )
    ids = {article_id for article_id, _, _ in rows}
    assert all(n == 1 for n in hashes.values()), "an input was stored twice"
    for article_id, _title, body in rows:
        drafts = split_passages(
            body, min_words=ingest.passage_min_words, max_words=ingest.passage_max_words
        )
        expected = sorted((d.ordinal, d.start, d.end, d.text) for d in drafts)
        assert sorted(passages.get(article_id, [])) == expected, f"article {article_id} is partial"
        assert bands[article_id] == LSH_BANDS, f"article {article_id} lacks story bands"
        assert logged[article_id] == 1, f"article {article_id} is not in index_log once"
    orphans = (set(passages) | set(bands) | set(logged)) - ids
    assert not orphans, f"rows of missing articles {sorted(orphans)[:5]}"
    return StoreState(
        articles={article_id: title for article_id, title, _ in rows},
        passages=sum(len(p) for p in passages.values()),
        snapshot_caught_up=0,
    )


def _assert_same_index(caught_up: BM25Index, rebuilt: BM25Index, queries: list[list[str]]) -> None:
    assert caught_up.position == rebuilt.position
    ids = sorted(rebuilt.passage_ids())
    assert sorted(caught_up.passage_ids()) == ids
    assert all(caught_up.article_of(p) == rebuilt.article_of(p) for p in ids)
    for tokens in queries:
        assert caught_up.idf(tokens[0]) == rebuilt.idf(tokens[0])
        left = caught_up.search(tokens, RESULTS_PER_QUERY)
        right = rebuilt.search(tokens, RESULTS_PER_QUERY)
        assert [h.passage_id for h in left] == [h.passage_id for h in right], tokens
        assert all(
            abs(a.score - b.score) <= SCORE_TOLERANCE for a, b in zip(left, right, strict=True)
        )


def check_index(settings: Settings, state: StoreState) -> StoreState:
    """The snapshot caught up equals a rebuild; a production open indexes every passage.

    Leaves a fresh snapshot behind: the one the next crash starts from.
    """
    service = NewsService.open(settings)
    try:
        tokenizer = Tokenizer()
        snapshot = settings.snapshot_path()
        caught_up_entries = 0
        with service.sessions() as session:
            titles = session.scalars(select(Article.title).limit(COMPARED_QUERIES)).all()
            queries = [t for t in (tokenizer.tokenize(title) for title in titles) if t]
            rebuilt = BM25Index(settings.index.k1, settings.index.b, settings.index.epsilon)
            indexing.rebuild(session, rebuilt, tokenizer)
            if snapshot.exists():
                loaded = BM25Index.load(snapshot)
                caught_up_entries = indexing.catch_up(session, loaded, tokenizer)
                _assert_same_index(loaded, rebuilt, queries)
            stored = set(session.scalars(select(Passage.id)))
        assert set(service.index.passage_ids()) == stored
        _assert_same_index(service.index, rebuilt, queries)
        service.save_snapshot()
    finally:
        service.close()
    return StoreState(state.articles, state.passages, caught_up_entries)
