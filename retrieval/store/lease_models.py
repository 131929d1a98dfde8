"""Leases: which process does a singleton job (feed polling, digests) right now.

A lease is one row per job name, held by one process until ``expires_at``. The holder
renews it well before then; any other process may take it once it has expired, so a
crashed holder delays its jobs by at most one lease period. The logic is in
``retrieval.worker.lease``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from retrieval.store.models import Base, UTCDateTime

# Longest lease (job) name and holder id stored.
LEASE_NAME_MAX_CHARS = 100
HOLDER_MAX_CHARS = 200


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(LEASE_NAME_MAX_CHARS), primary_key=True)
    holder: Mapped[str] = mapped_column(String(HOLDER_MAX_CHARS))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
