"""Lease rows: one holder at a time, renewal, expiry, release, and racing takers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from retrieval.config import Settings
from retrieval.store.database import make_engine, make_sessionmaker, migrate
from retrieval.worker import lease

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)
# Threads racing for one free lease.
RACERS = 8


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


def take(sessions: sessionmaker[Session], holder: str, now: datetime, name: str = "job") -> bool:
    with sessions.begin() as session:
        return lease.acquire(session, name, holder, now=now, ttl=TTL)


def test_one_holder_until_expiry_then_another(sessions: sessionmaker[Session]) -> None:
    assert take(sessions, "a", T0)
    assert not take(sessions, "b", T0 + timedelta(seconds=1))
    # Renewal moves the expiry on, so b still waits past a's first expiry.
    assert take(sessions, "a", T0 + timedelta(seconds=20))
    assert not take(sessions, "b", T0 + timedelta(seconds=40))
    with sessions() as session:
        assert lease.state(session, "job") == lease.LeaseState("a", T0 + timedelta(seconds=50))
    # a stops renewing: once the lease has expired b takes it, and a has lost it.
    assert take(sessions, "b", T0 + timedelta(seconds=50))
    assert not take(sessions, "a", T0 + timedelta(seconds=51))


def test_leases_are_independent(sessions: sessionmaker[Session]) -> None:
    assert take(sessions, "a", T0, name="feeds")
    assert take(sessions, "b", T0, name="digests")
    assert not take(sessions, "a", T0, name="digests")


def test_release_frees_the_lease_at_once(sessions: sessionmaker[Session]) -> None:
    assert take(sessions, "a", T0)
    with sessions.begin() as session:
        assert not lease.release(session, "job", "b"), "only the holder can release"
        assert lease.release(session, "job", "a")
    assert take(sessions, "b", T0 + timedelta(seconds=1))
    with sessions() as session:
        assert lease.state(session, "nothing") is None


def test_racing_takers_of_a_free_lease_have_one_winner(sessions: sessionmaker[Session]) -> None:
    start = threading.Barrier(RACERS)
    won: list[str] = []

    def racer(holder: str) -> None:
        start.wait()
        if take(sessions, holder, T0):
            won.append(holder)

    threads = [threading.Thread(target=racer, args=(f"r{i}",)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with sessions() as session:
        state = lease.state(session, "job")
    assert state is not None and state.holder == won[0]


def test_racing_takers_of_an_expired_lease_have_one_winner(
    sessions: sessionmaker[Session],
) -> None:
    assert take(sessions, "old", T0)
    later = T0 + TTL + timedelta(seconds=1)
    start = threading.Barrier(RACERS)
    won: list[str] = []

    def racer(holder: str) -> None:
        start.wait()
        if take(sessions, holder, later):
            won.append(holder)

    threads = [threading.Thread(target=racer, args=(f"r{i}",)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
