"""aiohttp plumbing that makes the connection go to the address that was checked.

A host name is resolved once, by the fetcher, and its addresses are checked; aiohttp
then gets them from ``PinnedResolver`` instead of asking DNS again, so a name that
answers "public" to the check and "127.0.0.1" a moment later (DNS rebinding) still
connects to the checked address. The Host header and TLS SNI keep the name, because
aiohttp takes them from the URL. ``ConnectGuard`` backs this up at the socket: a
connection to any address not approved during this fetch fails before ``connect()``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from retrieval.ingest.fetch.addresses import parse_address
from retrieval.ingest.fetch.settings import FetchSettings

# What aiohttp hands a socket factory: one getaddrinfo() entry.
AddrInfo = tuple[int | socket.AddressFamily, int | socket.SocketKind, int, str, tuple[Any, ...]]
# Connections kept open per fetch: a redirect chain rarely touches more than two hosts.
_POOL_LIMIT = 4


def _host_key(host: str) -> str:
    # aiohttp folds repeated trailing dots into one; fold them all on both sides.
    return host.rstrip(".").lower()


def _canonical(address: str) -> str:
    parsed = parse_address(address)
    return str(parsed) if parsed is not None else address


class PinnedResolver(AbstractResolver):
    """Answers aiohttp's lookups only with addresses pinned by the fetcher."""

    def __init__(self) -> None:
        self._pinned: dict[str, tuple[str, ...]] = {}

    def pin(self, host: str, addresses: Iterable[str]) -> None:
        self._pinned[_host_key(host)] = tuple(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self._pinned.get(_host_key(host))
        if not addresses:
            # Fail closed: a name we did not check is never looked up here.
            raise OSError(f"{host} was not checked before connecting")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        self._pinned.clear()


class ConnectGuard:
    """A socket factory that refuses to create sockets for unapproved addresses."""

    def __init__(self) -> None:
        self._approved: set[str] = set()
        self.violations: list[str] = []

    def approve(self, addresses: Iterable[str]) -> None:
        self._approved.update(_canonical(a) for a in addresses)

    def socket(self, addr_info: AddrInfo) -> socket.socket:
        family, kind, proto, _canonname, sockaddr = addr_info
        address = str(sockaddr[0])
        if _canonical(address) not in self._approved:
            self.violations.append(address)
            raise OSError(f"connection to unchecked address {address} refused")
        return socket.socket(family, kind, proto)


def open_session(
    settings: FetchSettings, resolver: PinnedResolver, guard: ConnectGuard
) -> aiohttp.ClientSession:
    """A session for one fetch: no proxies from the environment, no cookies kept, no
    automatic decompression (the body decoder caps it), and per-socket timeouts; the
    overall deadline is enforced by the caller."""
    connector = aiohttp.TCPConnector(
        resolver=resolver,
        use_dns_cache=False,
        socket_factory=guard.socket,
        limit=_POOL_LIMIT,
    )
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=None,
        sock_connect=settings.connect_timeout,
        sock_read=settings.read_timeout,
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        auto_decompress=False,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": settings.user_agent},
    )
