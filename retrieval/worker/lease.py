"""Taking, renewing and giving back a lease row, atomically on SQLite and PostgreSQL.

Taking a lease is one conditional ``UPDATE`` (the row is ours already, or has expired),
else an ``INSERT`` when no row exists. Both are decided by the database, not by a
read followed by a write, so two processes racing for one lease cannot both win:

* on PostgreSQL the second ``UPDATE`` waits for the first's row lock and then
  re-checks its condition against the committed row (which now has a live holder);
  two ``INSERT`` s of a missing row collide on the primary key and one fails;
* on SQLite writers are serialised by the database lock.

Expiry times come from the caller's clock (UTC). Every worker compares its own clock
with times other workers wrote, so hosts must keep their clocks in sync (NTP): a skew
of a few seconds against a lease of tens of seconds is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrieval.store.lease_models import Lease


@dataclass(frozen=True)
class LeaseState:
    holder: str
    expires_at: datetime


def acquire(session: Session, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``; True if held.

    Runs in the caller's transaction; the lease is held once that commits.
    """
    expires = now + ttl
    taken = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=expires)
    )
    if _rowcount(taken) == 1:
        return True
    if session.scalar(select(Lease.name).where(Lease.name == name)) is not None:
        return False  # someone else holds it and it has not expired
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=expires))
    except IntegrityError:
        return False  # another process created it first
    return True


def release(session: Session, name: str, holder: str) -> bool:
    """Give the lease back so a standby can take it at once; False if it was not ours."""
    result = session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
    return _rowcount(result) == 1


def state(session: Session, name: str) -> LeaseState | None:
    """Who holds the lease and until when (possibly already expired), or None."""
    row = session.execute(
        select(Lease.holder, Lease.expires_at).where(Lease.name == name)
    ).one_or_none()
    return LeaseState(row.holder, row.expires_at) if row is not None else None


def _rowcount(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
