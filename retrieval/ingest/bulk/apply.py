"""Committing prepared articles and making them searchable, by the batch or one by one.

After a commit the index must follow the change log exactly. When the log entries
after the index's position are exactly the ones just written, the passages are added
with the tokens the workers computed and the position moves to the last entry; when
another process wrote entries in between, the ordinary catch-up applies everything in
log order (re-tokenizing, which is rare and always correct).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from retrieval.errors import QueryError, StorageUnavailable
from retrieval.index import PassageMeta
from retrieval.index import catch_up as indexing
from retrieval.ingest.bulk.batch_store import Decision, store_batch
from retrieval.ingest.bulk.prepare import Ready
from retrieval.ingest.stages import (
    STORE_ATTEMPTS,
    IngestOutcome,
    added_outcome,
    duplicate_outcome,
    failed_outcome,
    store,
    stored_published,
    stored_title,
)
from retrieval.ranking import stories as search
from retrieval.results import Scope
from retrieval.store.models import Article, IndexLogEntry

if TYPE_CHECKING:
    from retrieval.service import NewsService


def index_batch(
    service: NewsService, batch: Sequence[Ready], scope: Scope
) -> list[IngestOutcome] | None:
    """Store the batch in one transaction and index it; None when the batch failed."""
    scope_id = search.scope_id(scope)
    try:
        with service.unit_of_work() as session:
            stored = store_batch(
                session,
                batch,
                scope_id=scope_id,
                settings=service.settings.ingest,
            )
    except StorageUnavailable:
        raise
    except QueryError:  # a value of some article the database refuses (unit_of_work)
        return None
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        return None
    _index(service, [(batch[i], stored.decisions[i]) for i in stored.added], scope_id, stored.seqs)
    return [
        _outcome(item, decision) for item, decision in zip(batch, stored.decisions, strict=True)
    ]


def store_alone(service: NewsService, item: Ready, scope: Scope) -> IngestOutcome:
    """Store one article in its own transaction, as ``NewsService.ingest_article`` does."""
    scope_id = search.scope_id(scope)
    prepared = item.prepared
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with service.unit_of_work() as session:
                stored = store(
                    session, prepared, scope_id=scope_id, settings=service.settings.ingest
                )
                if stored.duplicate:
                    title = stored_title(session, stored.article_id, prepared.title)
                    return duplicate_outcome(item.label, stored.article_id, title)
                # The entry just written is the article's last (an id freed by a
                # deletion can come back on SQLite, with its old entries).
                seq = session.scalar(
                    select(func.max(IndexLogEntry.seq)).where(
                        IndexLogEntry.article_id == stored.article_id
                    )
                )
                article = session.get_one(Article, stored.article_id)
                published, _offset = stored_published(prepared)
                decision = Decision(
                    True,
                    stored.article_id,
                    source_id=article.source_id,
                    epoch=int((published or article.ingested_at).timestamp()),
                    passage_ids=stored.passage_ids,
                )
            break
        except StorageUnavailable:
            raise
        except QueryError as exc:
            return _failed(item, exc.reason)
        except IntegrityError as exc:
            if attempt == STORE_ATTEMPTS:
                return _failed(item, f"the database refused the article: {exc.orig}")
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            return _failed(item, f"the database refused the article: {exc.orig}")
    _index(service, [(item, decision)], scope_id, [seq] if seq is not None else [])
    return _outcome(item, decision)


def _index(
    service: NewsService,
    added: Sequence[tuple[Ready, Decision]],
    scope_id: int,
    seqs: Sequence[int],
) -> None:
    """Bring the index up to the log, adding the just-stored passages directly if it can."""
    if not seqs:
        return
    # Held: no search or other catch-up may see the index half updated.
    with service.unit_of_work() as session, service.index_held() as index:
        after = session.scalars(
            select(IndexLogEntry.seq)
            .where(IndexLogEntry.seq > index.position)
            .order_by(IndexLogEntry.seq)
        ).all()
        if list(after) != sorted(seqs):  # another process's changes come first, or between
            indexing.catch_up(session, index, service.tokenizer)
            return
        index.add_many(
            (
                passage_id,
                tokens,
                PassageMeta(
                    article_id=decision.article_id,
                    scope=scope_id,
                    source=decision.source_id or 0,
                    published=decision.epoch,
                ),
            )
            for item, decision in added
            for passage_id, tokens in zip(decision.passage_ids, item.tokens, strict=True)
        )
        index.position = after[-1]


def _outcome(item: Ready, decision: Decision) -> IngestOutcome:
    if not decision.added:
        return duplicate_outcome(item.label, decision.article_id, decision.title)
    return added_outcome(item.label, item.prepared, decision.article_id)


def _failed(item: Ready, reason: str) -> IngestOutcome:
    return failed_outcome(item.label, reason, title=item.prepared.title)
