"""Fetches from an allowlisted loopback server: pages, redirects, caps, deadlines, types,
conditional GETs and politeness."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

import pytest

from retrieval.ingest.fetch import ALL_TYPES, FEED_TYPES, FetchError, FetchResult, FetchSettings
from retrieval.ingest.fetch.settings import user_agent_for
from tests.retrieval.ingest.fetch.fetch_testserver import (
    ETAG,
    HUGE_TOTAL,
    LAST_MODIFIED,
    PAGE,
    LocalServer,
    MakeFetcher,
    gzip_bomb,
)


def failure(make: MakeFetcher, url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        make(**kwargs).fetch(url)
    return caught.value


def test_a_normal_page(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    result = make_fetcher().fetch(server.url("/page"))
    assert result == FetchResult(
        url=server.url("/page"),
        status=200,
        content_type="text/html",
        charset="utf-8",
        body=PAGE,
        etag=None,
        last_modified=None,
        not_modified=False,
    )


def test_requests_name_the_bot_and_ask_only_for_what_we_decode(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    agent = user_agent_for("https://bot.example.org/about")
    make_fetcher(user_agent=agent).fetch(server.url("/page"))
    headers = server.record.requests[0].headers
    assert headers["User-Agent"] == agent
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["Accept"].startswith("text/html, application/xhtml+xml")
    assert "Cookie" not in headers


def test_default_user_agent_names_bot_version_and_homepage() -> None:
    agent = FetchSettings().user_agent
    assert agent.startswith("newsbot/")
    assert agent.endswith("(+https://github.com/newsbot/newsbot)")
    assert f"/{metadata.version('newsbot')} " in agent  # the installed package's version


def test_five_redirects_are_followed(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    result = make_fetcher().fetch(server.url("/redirect/5"))
    assert result.url == server.url("/redirect/0")
    assert result.body == PAGE
    assert len(server.record.requests) == 6


def test_a_sixth_redirect_is_refused(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    error = failure(make_fetcher, server.url("/redirect/6"))
    assert error.kind == "too_many_redirects"
    assert error.reason == "refused: more than 5 redirects"
    assert "/redirect/0" not in server.record.paths()


def test_a_lazy_gigabyte_is_cut_at_the_cap(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    started = time.monotonic()
    error = failure(make_fetcher, server.url("/huge"))
    assert error.kind == "too_large"
    assert error.reason == "refused: the response is larger than 5000000 bytes"
    assert time.monotonic() - started < 3.0
    assert server.record.bytes_sent < HUGE_TOTAL // 10


def test_a_too_large_content_length_is_refused_up_front(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/liar"))
    assert error.kind == "too_large"
    assert error.reason == (
        "refused: Content-Length is 1000000000 bytes, over the 5000000-byte cap"
    )


@pytest.mark.parametrize("kind", ["gzip", "deflate"])
def test_compressed_pages_arrive_decoded(
    make_fetcher: MakeFetcher, server: LocalServer, kind: str
) -> None:
    assert make_fetcher().fetch(server.url(f"/encoded?kind={kind}")).body == PAGE


def test_a_gzip_bomb_is_refused(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    gzip_bomb()  # built before the clock starts: the bound is on the fetch
    started = time.monotonic()
    error = failure(make_fetcher, server.url("/encoded?kind=bomb"))
    assert error.kind == "decompression_bomb"
    assert time.monotonic() - started < 2.0


def test_a_gzip_bomb_is_refused_by_the_decoded_cap_without_a_ratio_limit(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/encoded?kind=bomb"), max_compression_ratio=1e9)
    assert error.kind == "too_large"


@pytest.mark.parametrize("kind", ["stacked", "br"])
def test_unsupported_codings_are_refused(
    make_fetcher: MakeFetcher, server: LocalServer, kind: str
) -> None:
    assert failure(make_fetcher, server.url(f"/encoded?kind={kind}")).kind == "bad_encoding"


def test_a_dripping_server_is_cut_at_the_total_deadline(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    started = time.monotonic()
    error = failure(make_fetcher, server.url("/drip"), read_timeout=0.5, total_timeout=0.8)
    elapsed = time.monotonic() - started
    assert error.kind == "timeout"
    assert error.reason == "timed out: the fetch took longer than 0.8 s"
    assert 0.7 <= elapsed < 1.5
    assert server.record.bytes_sent > 3  # it was dripping, so only the deadline stopped it


def test_a_silent_server_hits_the_read_timeout(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/slow?s=1"), read_timeout=0.3)
    assert error.kind == "timeout"
    assert "sent nothing for 0.3 s" in error.reason


def test_the_deadline_spans_redirects(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    """Each hop takes 0.25 s, under the 0.4 s deadline, but together they do not fit."""
    two_slow_hops = server.url("/goto?s=0.25&to=/slow%3Fs%3D0.25")
    error = failure(make_fetcher, two_slow_hops, total_timeout=0.4)
    assert error.kind == "timeout"
    assert len(server.record.requests) == 2


def test_waiting_for_the_politeness_gap_is_not_charged_to_the_deadline(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    started = time.monotonic()
    result = make_fetcher(host_min_interval=0.5, total_timeout=0.4).fetch(server.url("/redirect/1"))
    assert result.body == PAGE
    assert time.monotonic() - started >= 0.5


def test_a_wrong_content_type_is_refused_and_named(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/typed?type=image/png"))
    assert error.kind == "bad_content_type"
    assert error.reason == (
        "refused: content type image/png is not accepted"
        " (expected text/html, application/xhtml+xml)"
    )


def test_a_missing_content_type_is_refused(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    error = failure(make_fetcher, server.url("/typed"))
    assert error.kind == "bad_content_type"
    assert "application/octet-stream" in error.reason


def test_accept_widens_the_allowed_types(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    fetcher = make_fetcher()
    url = server.url("/typed?type=application/json")
    result = fetcher.fetch(url, accept=ALL_TYPES)
    assert (result.content_type, result.body) == ("application/json", b'{"a": 1}')
    with pytest.raises(FetchError):
        fetcher.fetch(url, accept=FEED_TYPES)


def test_charset_is_passed_on_only_when_known(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    fetcher = make_fetcher()
    latin = fetcher.fetch(server.url("/typed?type=text/html;%20charset=ISO-8859-1"))
    assert latin.charset == "iso-8859-1"
    bogus = fetcher.fetch(server.url("/typed?type=text/html;%20charset=no-such-codec"))
    assert bogus.charset is None


def test_error_statuses_are_refused_with_the_status(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/missing"))
    assert error.kind == "bad_status"
    assert error.reason == "refused: the server answered 404 Not Found"


def test_conditional_get_reports_not_modified(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    fetcher = make_fetcher()
    first = fetcher.fetch(server.url("/conditional"))
    assert (first.etag, first.last_modified, first.not_modified) == (ETAG, LAST_MODIFIED, False)
    again = fetcher.fetch(server.url("/conditional"), etag=first.etag)
    assert again.not_modified
    assert (again.status, again.body, again.etag) == (304, b"", ETAG)
    assert server.record.requests[1].headers["If-None-Match"] == ETAG
    by_date = fetcher.fetch(server.url("/conditional"), last_modified=LAST_MODIFIED)
    assert by_date.not_modified
    assert server.record.requests[2].headers["If-Modified-Since"] == LAST_MODIFIED
    stale = fetcher.fetch(server.url("/conditional"), etag='"v0"')
    assert not stale.not_modified
    assert stale.body == PAGE


def test_requests_to_one_host_are_serialised_with_the_gap(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    gap = 0.3
    fetcher = make_fetcher(host_min_interval=gap)
    barrier = threading.Barrier(2)

    def fetch(_: int) -> FetchResult:
        barrier.wait()
        return fetcher.fetch(server.url("/slow?s=0.1"))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(fetch, range(2)))
    assert [r.status for r in results] == [200, 200]
    first, second = sorted(server.record.requests, key=lambda seen: seen.started)
    assert second.started >= first.finished + gap * 0.95


async def test_fetch_async_works_from_another_loop(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    result = await make_fetcher().fetch_async(server.url("/page"))
    assert result.body == PAGE


def test_a_closed_fetcher_refuses_work(make_fetcher: MakeFetcher, server: LocalServer) -> None:
    fetcher = make_fetcher()
    fetcher.fetch(server.url("/page"))
    fetcher.close()
    with pytest.raises(RuntimeError):
        fetcher.fetch(server.url("/page"))


def test_https_to_a_server_without_tls_fails_as_tls(
    make_fetcher: MakeFetcher, server: LocalServer
) -> None:
    error = failure(make_fetcher, server.url("/page").replace("http://", "https://"))
    assert error.kind == "tls"
    assert error.reason.startswith("failed: TLS with 127.0.0.1 failed")
    assert "\n" not in error.reason
