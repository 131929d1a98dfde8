"""Fixtures for the fetcher tests: loopback servers, stub DNS and a connect tripwire.

The tripwire is autouse: every ``connect()`` made by any thread during a test is
recorded, and one to a non-loopback address fails before a packet leaves, so these tests
can never send traffic off this machine, and can assert that a refusal happened before
any connection attempt.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from retrieval.ingest.fetch import Fetcher, FetchSettings
from tests.retrieval.ingest.fetch.fetch_testserver import (
    LocalServer,
    MakeFetcher,
    StubResolver,
    Tripwire,
    is_loopback,
)


@pytest.fixture(autouse=True)
def tripwire(monkeypatch: pytest.MonkeyPatch) -> Tripwire:
    wire = Tripwire()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        if isinstance(address, tuple):
            host, port = str(address[0]), int(address[1])
            with wire.lock:
                wire.attempts.append((host, port))
            if not is_loopback(host):
                raise ConnectionRefusedError(f"tripwire: no traffic to {host} in tests")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return wire


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer("127.0.0.1")
    yield srv
    srv.close()


@pytest.fixture
def server6() -> Iterator[LocalServer]:
    try:
        srv = LocalServer("::1")
    except OSError:
        pytest.skip("IPv6 loopback is not available")
    yield srv
    srv.close()


# Test defaults: loopback allowlisted, no politeness gap, short timeouts.
TEST_SETTINGS: dict[str, Any] = {
    "allow_networks": ("127.0.0.1/32",),
    "host_min_interval": 0.0,
    "connect_timeout": 2.0,
    "read_timeout": 2.0,
    "total_timeout": 5.0,
}


@pytest.fixture
def make_fetcher() -> Iterator[MakeFetcher]:
    """Builds fetchers from TEST_SETTINGS plus overrides; all are closed after the test."""
    made: list[Fetcher] = []

    def make(resolver: StubResolver | None = None, **overrides: Any) -> Fetcher:
        fetcher = Fetcher(FetchSettings(**{**TEST_SETTINGS, **overrides}), resolver=resolver)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()
