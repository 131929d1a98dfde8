"""Appending to ``index_log`` so that log order is commit order, on every backend.

Every process keeps its BM25 index current by reading the log after the position it
has applied (``retrieval.index.catch_up.catch_up``: ``seq > position``). That is only
correct if no entry can become visible *after* a reader has moved past its ``seq``.

* SQLite has one writer at a time: a transaction that draws a ``seq`` commits before
  any other can draw the next one, so the order already holds.
* PostgreSQL draws ``seq`` from a sequence, which hands out numbers at insert time
  and never waits for commits. Transaction A draws 5, B draws 6 and commits first; a
  reader then sees 6, moves its position to 6, and never applies 5 when A commits a
  moment later: A's article would stay unsearchable in that process forever.

The fix: on PostgreSQL a writer takes a transaction-scoped advisory lock right
before it draws its ``seq`` and keeps it until it commits or rolls back, so the next
writer draws a higher number only after the previous one is visible. The lock is
taken as the last step of an ingest (the article and its passages are already
written), so writers wait on each other only for an insert and a commit, not for the
work of preparing an article. A rolled-back writer leaves a gap in ``seq``, which
readers skip harmlessly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from retrieval.store.models import Base, IndexLogEntry

Op = Literal["add", "remove"]
# The table itself, for one executemany insert (no ORM bookkeeping per row).
_LOG = Base.metadata.tables[IndexLogEntry.__tablename__]
# The advisory lock key that serialises index_log writers (any constant unique to this
# use; the digits spell "newsbot log" on a phone keypad).
INDEX_LOG_LOCK_KEY = 6_397_268_564


def lock_change_log(session: Session) -> None:
    """Hold the change-log lock until the session's transaction ends (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INDEX_LOG_LOCK_KEY})


def append_change(session: Session, article_id: int, op: Op) -> IndexLogEntry:
    """Log that an article was added to or removed from the searchable set.

    Call it last in the transaction: from here to the commit, other writers of the
    log wait (on PostgreSQL).
    """
    lock_change_log(session)
    entry = IndexLogEntry(article_id=article_id, op=op)
    session.add(entry)
    session.flush()
    return entry


def append_changes(
    session: Session, article_ids: Sequence[int], op: Op, now: datetime
) -> list[int]:
    """``append_change`` for many articles at once (one statement); their sequence numbers.

    Also last in the transaction: from the lock to the commit, other writers of the log
    wait, so the entries above the head read here are this transaction's.
    """
    lock_change_log(session)
    head = session.scalar(select(func.coalesce(func.max(IndexLogEntry.seq), 0))) or 0
    session.execute(
        _LOG.insert(),
        [{"article_id": a, "op": op, "created_at": now} for a in article_ids],
    )
    seqs = session.scalars(select(IndexLogEntry.seq).where(IndexLogEntry.seq > head)).all()
    return list(seqs)
