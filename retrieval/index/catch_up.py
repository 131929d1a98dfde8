"""Keeping the in-memory BM25 index in step with the database.

The database's ``index_log`` is the order of truth: a snapshot records the last log
position it contains, and any process brings its index up to date by applying the
entries after that position, so ingests made by another process become searchable
without a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrieval.index import BM25Index, PassageMeta
from retrieval.index.tokenizer import Tokenizer
from retrieval.store.models import Article, IndexLogEntry, Passage

# Passages loaded and tokenized per round trip when (re)building.
LOAD_CHUNK = 5_000


@dataclass(frozen=True)
class IndexRow:
    passage_id: int
    article_id: int
    title: str
    text: str
    scope_id: int
    source_id: int | None
    published: datetime | None
    ingested_at: datetime


def ranking_text(title: str, passage_text: str) -> str:
    """What a passage is ranked by: its own text plus its article's title."""
    return f"{title}\n{passage_text}"


def epoch(row: IndexRow) -> int:
    """The time filters compare: publication, else ingestion for undated articles."""
    moment = row.published or row.ingested_at
    return int(moment.timestamp())


def _rows(session: Session, article_ids: Sequence[int] | None) -> Iterator[IndexRow]:
    query = (
        select(
            Passage.id,
            Passage.article_id,
            Article.title,
            Passage.text,
            Article.scope_id,
            Article.source_id,
            Article.published,
            Article.ingested_at,
        )
        .join(Article, Passage.article_id == Article.id)
        .order_by(Passage.id)
    )
    if article_ids is not None:
        for start in range(0, len(article_ids), LOAD_CHUNK):
            chunk = article_ids[start : start + LOAD_CHUNK]
            for row in session.execute(query.where(Passage.article_id.in_(chunk))):
                yield IndexRow(*row)
        return
    for row in session.execute(query.execution_options(yield_per=LOAD_CHUNK)):
        yield IndexRow(*row)


def _add_rows(index: BM25Index, tokenizer: Tokenizer, rows: Iterator[IndexRow]) -> int:
    added = 0
    batch: list[IndexRow] = []

    def flush() -> None:
        texts = [ranking_text(r.title, r.text) for r in batch]
        tokens = tokenizer.tokenize_many(texts)
        index.add_many(
            (
                r.passage_id,
                toks,
                PassageMeta(
                    article_id=r.article_id,
                    scope=r.scope_id,
                    source=r.source_id or 0,
                    published=epoch(r),
                ),
            )
            for r, toks in zip(batch, tokens, strict=True)
        )

    for row in rows:
        batch.append(row)
        if len(batch) >= LOAD_CHUNK:
            flush()
            added += len(batch)
            batch = []
    if batch:
        flush()
        added += len(batch)
    return added


def log_head(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(IndexLogEntry.seq), 0))) or 0


def rebuild(session: Session, index: BM25Index, tokenizer: Tokenizer) -> int:
    """Fill an empty index with every stored passage; returns the passages added."""
    head = log_head(session)
    added = _add_rows(index, tokenizer, _rows(session, None))
    index.position = head
    return added


def catch_up(session: Session, index: BM25Index, tokenizer: Tokenizer) -> int:
    """Apply the change log after the index's position; returns the entries applied."""
    entries = session.execute(
        select(IndexLogEntry.seq, IndexLogEntry.article_id, IndexLogEntry.op)
        .where(IndexLogEntry.seq > index.position)
        .order_by(IndexLogEntry.seq)
    ).all()
    if not entries:
        return 0
    # Only the last operation on an article matters.
    final: dict[int, str] = {}
    for _seq, article_id, op in entries:
        final[article_id] = op
    for article_id in final:
        index.remove_article(article_id)
    to_add = [article_id for article_id, op in final.items() if op == "add"]
    _add_rows(index, tokenizer, _rows(session, to_add))
    index.position = entries[-1][0]
    return len(entries)
