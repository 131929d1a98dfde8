"""Fetches that must be refused before any connection, and the pinning that backs it.

Private, link-local and metadata addresses are reached only through stub DNS or IP
literals; the tripwire fixture proves no connection was even attempted.
"""

from __future__ import annotations

import pytest

from retrieval.ingest.fetch import FetchError
from tests.retrieval.ingest.fetch.fetch_testserver import (
    LocalServer,
    MakeFetcher,
    StubResolver,
    Tripwire,
)


def refused(make: MakeFetcher, url: str, **kwargs: object) -> FetchError:
    fetcher = make(**kwargs)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return caught.value


def assert_one_line_refusal(error: FetchError) -> None:
    assert error.reason.startswith("refused: ")
    assert "\n" not in error.reason
    assert str(error) == error.reason


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_without_the_allowlist(
    make_fetcher: MakeFetcher, server: LocalServer, tripwire: Tripwire, host: str
) -> None:
    error = refused(make_fetcher, server.url(host=host), allow_networks=())
    assert error.kind == "blocked_address"
    assert "127.0.0.1" in error.reason
    assert "loopback" in error.reason
    assert_one_line_refusal(error)
    assert server.record.connections == 0
    assert tripwire.attempts == []


def test_ipv6_loopback_is_refused_without_the_allowlist(
    make_fetcher: MakeFetcher, server6: LocalServer, tripwire: Tripwire
) -> None:
    error = refused(make_fetcher, server6.url(), allow_networks=())
    assert error.reason == "refused: ::1 is a loopback address"
    assert server6.record.connections == 0
    assert tripwire.attempts == []


STUBBED = [
    "10.0.0.1",
    "10.200.3.4",
    "172.16.0.1",
    "172.31.9.9",
    "192.168.0.10",
    "169.254.169.254",
    "100.64.0.1",
    "100.100.100.100",
    "0.0.0.0",
    "224.0.0.1",
    "fd00::1",
    "fd12:3456::7",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
]


@pytest.mark.parametrize("address", STUBBED)
def test_names_resolving_to_non_public_addresses_are_refused_before_connecting(
    make_fetcher: MakeFetcher, tripwire: Tripwire, address: str
) -> None:
    resolver = StubResolver({"target.test": [address]})
    error = refused(make_fetcher, "http://target.test/news", resolver=resolver, allow_networks=())
    assert error.kind == "blocked_address"
    assert error.url == "http://target.test/news"
    assert_one_line_refusal(error)
    assert resolver.calls == ["target.test"]
    assert tripwire.attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]:8080/",
        "http://0.0.0.0:8080/",
        "https://100.64.1.1/",
    ],
)
def test_ip_literals_are_refused_without_dns_or_connection(
    make_fetcher: MakeFetcher, tripwire: Tripwire, url: str
) -> None:
    resolver = StubResolver()
    error = refused(make_fetcher, url, resolver=resolver, allow_networks=())
    assert error.kind == "blocked_address"
    assert resolver.calls == []
    assert tripwire.attempts == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    make_fetcher: MakeFetcher, tripwire: Tripwire
) -> None:
    resolver = StubResolver({"mixed.test": ["93.184.216.34", "10.0.0.5", "2606:4700::1"]})
    error = refused(make_fetcher, "https://mixed.test/", resolver=resolver)
    assert error.reason == "refused: mixed.test resolves to 10.0.0.5, a private address"
    assert tripwire.attempts == []


def test_unresolvable_names_fail_as_dns(make_fetcher: MakeFetcher, tripwire: Tripwire) -> None:
    error = refused(make_fetcher, "http://nowhere.test/", resolver=StubResolver())
    assert error.kind == "dns"
    assert error.reason == "failed: could not resolve nowhere.test"
    assert tripwire.attempts == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ftp://example.test/file", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://example.test/", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("example.test/page", "bad_scheme"),
        ("http://user:secret@example.test/", "bad_url"),
        ("http:///no-host", "bad_url"),
        ("http://[not-an-ip/", "bad_url"),
        ("http://example.test/" + "a" * 9000, "bad_url"),
    ],
)
def test_malformed_or_non_http_urls_are_refused(
    make_fetcher: MakeFetcher, tripwire: Tripwire, url: str, kind: str
) -> None:
    resolver = StubResolver({"example.test": ["93.184.216.34"]})
    error = refused(make_fetcher, url, resolver=resolver)
    assert error.kind == kind
    assert_one_line_refusal(error)
    assert resolver.calls == []
    assert tripwire.attempts == []


def test_redirect_to_a_non_allowlisted_loopback_is_refused_and_never_reached(
    make_fetcher: MakeFetcher, server: LocalServer, server6: LocalServer
) -> None:
    start = server.url(f"/goto?to={server6.url()}")
    error = refused(make_fetcher, start)
    assert error.kind == "blocked_address"
    assert error.reason == "refused: ::1 is a loopback address"
    assert error.url == server6.url()
    assert len(server.record.requests) == 1
    assert server6.record.connections == 0


def test_redirect_to_a_name_with_a_private_address_is_refused_before_connecting(
    make_fetcher: MakeFetcher, server: LocalServer, tripwire: Tripwire
) -> None:
    resolver = StubResolver({"internal.test": ["10.0.0.7"]})
    error = refused(
        make_fetcher, server.url("/goto?to=http://internal.test/admin"), resolver=resolver
    )
    assert error.reason == "refused: internal.test resolves to 10.0.0.7, a private address"
    assert error.url == "http://internal.test/admin"
    assert tripwire.non_loopback() == []


def test_redirect_to_another_scheme_is_refused(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = refused(make_fetcher, server.url("/goto?to=file:///etc/passwd"))
    assert error.kind == "bad_scheme"


def test_the_connection_goes_to_the_checked_address_not_a_new_lookup(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    """DNS rebinding: the first answer is checked, later answers would be private."""
    answers = [["127.0.0.1"]]

    class Rebinding(StubResolver):
        def __call__(self, host: str, port: int) -> list[str]:
            self.calls.append(host)
            return answers.pop() if answers else ["10.0.0.1"]

    resolver = Rebinding()
    fetcher = make_fetcher(resolver=resolver)
    result = fetcher.fetch(server.url("/page", host="rebind.test"))
    assert result.status == 200
    assert resolver.calls == ["rebind.test"]
    assert server.record.requests[0].headers["Host"] == f"rebind.test:{server.port}"


def test_an_allowlisted_name_connects_to_its_stubbed_address_only(
    make_fetcher: MakeFetcher, tripwire: Tripwire
) -> None:
    """With 10/8 allowed, the only connect attempt is to the address the stub gave."""
    resolver = StubResolver({"intranet.test": ["10.9.8.7"]})
    fetcher = make_fetcher(resolver=resolver, allow_networks=("10.0.0.0/8",))
    with pytest.raises(FetchError) as caught:
        fetcher.fetch("http://intranet.test:8080/")
    assert caught.value.kind == "connection"
    assert tripwire.attempts == [("10.9.8.7", 8080)]
    assert resolver.calls == ["intranet.test"]
