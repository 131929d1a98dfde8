"""Tuning of the safe fetcher: the ``[fetch]`` section of the config file.

Validation happens in ``__post_init__`` so a bad value is a ``ConfigError`` at start-up
(the config loader builds this class from the TOML table), not a surprise mid-fetch.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from retrieval import __version__
from retrieval.errors import ConfigError

# Where people who see our requests in their logs can read what the bot is.
DEFAULT_HOMEPAGE = "https://github.com/newsbot/newsbot"


def user_agent_for(homepage: str, version: str | None = None) -> str:
    """``newsbot/<version> (+<homepage>)``: names the bot and where to learn about it."""
    return f"newsbot/{version or __version__} (+{homepage})"


@dataclass(frozen=True)
class FetchSettings:
    # Largest body accepted, in bytes, both as sent on the wire and once decompressed.
    max_bytes: int = 5_000_000
    # Redirects followed per fetch; one more is refused.
    max_redirects: int = 5
    # Seconds to open a TCP connection (and finish the TLS handshake) to one address.
    connect_timeout: float = 5.0
    # Seconds of silence tolerated while waiting for the headers or the next body bytes.
    read_timeout: float = 10.0
    # Seconds of network time for the whole fetch: DNS, every redirect, and the body.
    # Time spent queued behind other fetches to the same host is not counted.
    total_timeout: float = 30.0
    # Largest decoded/compressed size ratio of a gzip or deflate body (a bomb guard).
    max_compression_ratio: float = 100.0
    # Seconds between the end of one request to a host and the start of the next.
    host_min_interval: float = 1.0
    # CIDRs exempt from the address checks (an intranet, or 127.0.0.1/32 in tests).
    allow_networks: tuple[str, ...] = ()
    # Host names exempt from the address checks; ".example.org" also covers subdomains.
    allow_hosts: tuple[str, ...] = ()
    # Sent with every request so site owners can tell who is fetching.
    user_agent: str = user_agent_for(DEFAULT_HOMEPAGE)

    def __post_init__(self) -> None:
        positive = {
            "max_bytes": self.max_bytes,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "total_timeout": self.total_timeout,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError("must be positive", key=f"fetch.{name}")
        if self.max_redirects < 0:
            raise ConfigError("must not be negative", key="fetch.max_redirects")
        if self.host_min_interval < 0:
            raise ConfigError("must not be negative", key="fetch.host_min_interval")
        if self.max_compression_ratio < 1:
            raise ConfigError("must be at least 1", key="fetch.max_compression_ratio")
        for cidr in self.allow_networks:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ConfigError(f"{cidr!r} is not a CIDR", key="fetch.allow_networks") from None
        for host in self.allow_hosts:
            if not host.strip(". "):
                raise ConfigError(f"{host!r} is not a host name", key="fetch.allow_hosts")
        if not self.user_agent.strip() or any(c in self.user_agent for c in "\r\n"):
            raise ConfigError("must be one non-empty line", key="fetch.user_agent")
