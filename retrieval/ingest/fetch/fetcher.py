"""The safe fetcher: GET a URL on an admin's behalf without letting the URL reach into
our network or exhaust the bot.

Each hop of a fetch (the URL, then each redirect target, followed by hand) goes:
parse and check the scheme -> resolve once and check every address -> wait for the
host's politeness turn -> connect to the checked address only -> check status, type and
size from the headers -> stream the body through the capped decoder. Network time for
the whole fetch, redirects included, is bounded by ``total_timeout``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType

import aiohttp
from yarl import URL

from retrieval.errors import FetchError
from retrieval.ingest.fetch.addresses import AddressPolicy, parse_address
from retrieval.ingest.fetch.body_decoding import ACCEPT_ENCODING, BodyDecoder, content_coding
from retrieval.ingest.fetch.loop_thread import LoopThread
from retrieval.ingest.fetch.media import HTML_TYPES, accept_header, check_media_type, known_charset
from retrieval.ingest.fetch.politeness import HostGate
from retrieval.ingest.fetch.settings import FetchSettings
from retrieval.ingest.fetch.transport import ConnectGuard, PinnedResolver, open_session

Resolver = Callable[[str, int], list[str]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Success statuses whose body is the resource itself (203 is a proxy-transformed 200).
OK_STATUSES = frozenset({200, 203})
SCHEMES = {"http": 80, "https": 443}
# Longer URLs are refused outright; no article or feed needs one.
MAX_URL_CHARS = 8192
# Threads for blocking getaddrinfo() calls; a hung lookup only ties up one of them.
DNS_WORKERS = 4


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order, once each."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str  # media type only, lower-cased; "" for a 304
    charset: str | None  # from the Content-Type header, when Python knows the codec
    body: bytes  # decoded (decompressed) bytes, at most max_bytes; b"" for a 304
    etag: str | None
    last_modified: str | None
    not_modified: bool  # a 304 for a conditional GET


@dataclass(frozen=True)
class _Target:
    """One hop's URL, already checked for scheme, credentials and host."""

    url: URL
    host: str
    port: int

    def __str__(self) -> str:
        return str(self.url)


def parse_target(raw: str | URL) -> _Target:
    """``raw`` as a fetchable URL, or FetchError saying why it is not one."""
    shown = str(raw)[:200]
    if len(str(raw)) > MAX_URL_CHARS:
        raise FetchError(
            f"refused: the URL is over {MAX_URL_CHARS} characters", url=shown, kind="bad_url"
        )
    try:
        url = raw if isinstance(raw, URL) else URL(raw.strip())
        host, port = url.raw_host, url.port
    except (ValueError, UnicodeError):
        raise FetchError(
            f"refused: {shown!r} is not a valid URL", url=shown, kind="bad_url"
        ) from None
    scheme = url.scheme.lower()
    if scheme not in SCHEMES:
        named = scheme or "a URL without a scheme"
        reason = f"refused: only http and https URLs are fetched, not {named}"
        raise FetchError(reason, url=shown, kind="bad_scheme")
    if not host:
        raise FetchError("refused: the URL has no host", url=shown, kind="bad_url")
    if url.raw_user is not None or url.raw_password is not None:
        raise FetchError(
            "refused: URLs with credentials are not fetched", url=shown, kind="bad_url"
        )
    return _Target(url=url.with_fragment(None), host=host, port=port or SCHEMES[scheme])


class _Budget:
    """The network-time allowance of one fetch, spent across its hops."""

    def __init__(self, total: float, url: str) -> None:
        self._total = total
        self._spent = 0.0
        # The hop being worked on, named by a timeout error.
        self.url = url

    @asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        remaining = self._total - self._spent
        if remaining <= 0:
            raise self._expired()
        start = time.monotonic()
        scope = asyncio.timeout(remaining)
        try:
            async with scope:
                yield
        except TimeoutError:
            if scope.expired():
                raise self._expired() from None
            raise
        finally:
            self._spent += time.monotonic() - start

    def _expired(self) -> FetchError:
        return FetchError(
            f"timed out: the fetch took longer than {self._total:g} s",
            url=self.url,
            kind="timeout",
        )


@dataclass(frozen=True)
class _Request:
    """What the caller asked for, shared by every hop."""

    accept: tuple[str, ...]
    etag: str | None
    last_modified: str | None

    @property
    def conditional(self) -> bool:
        return bool(self.etag or self.last_modified)

    def headers(self) -> dict[str, str]:
        headers = {"Accept": accept_header(self.accept), "Accept-Encoding": ACCEPT_ENCODING}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class Fetcher:
    """Fetches URLs safely; share one per process so politeness spans all callers.

    ``fetch`` blocks (call it from a worker thread); ``fetch_async`` suits coroutines on
    any loop. Both run on the fetcher's own loop thread. ``close`` when done.
    """

    def __init__(self, settings: FetchSettings, *, resolver: Resolver | None = None) -> None:
        self._settings = settings
        self._resolver = resolver or system_resolver
        self._policy = AddressPolicy.from_config(settings.allow_networks, settings.allow_hosts)
        self._gate = HostGate(settings.host_min_interval)
        self._loop = LoopThread("newsbot-fetch")
        self._dns = ThreadPoolExecutor(DNS_WORKERS, thread_name_prefix="newsbot-dns")

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Sequence[str] = HTML_TYPES,
    ) -> FetchResult:
        """GET ``url``; raises FetchError with a one-line reason on any refusal or failure."""
        if self._loop.on_loop_thread():
            raise RuntimeError("Fetcher.fetch called from the fetcher's own loop")
        request = _Request(tuple(accept), etag, last_modified)
        return self._loop.submit(self._fetch(url, request)).result()

    async def fetch_async(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Sequence[str] = HTML_TYPES,
    ) -> FetchResult:
        """``fetch`` for coroutines; cancelling it cancels the fetch."""
        request = _Request(tuple(accept), etag, last_modified)
        return await asyncio.wrap_future(self._loop.submit(self._fetch(url, request)))

    def close(self) -> None:
        self._loop.close()
        self._dns.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def _fetch(self, url: str, request: _Request) -> FetchResult:
        target = parse_target(url)
        budget = _Budget(self._settings.total_timeout, url)
        resolver, guard = PinnedResolver(), ConnectGuard()
        async with open_session(self._settings, resolver, guard) as session:
            for _hop in range(self._settings.max_redirects + 1):
                budget.url = str(target)
                async with budget.spend():
                    addresses = await self._approve(target)
                resolver.pin(target.host, addresses)
                guard.approve(addresses)
                async with self._gate.turn(target.host), budget.spend():
                    outcome = await self._request(session, target, request, guard)
                if isinstance(outcome, FetchResult):
                    return outcome
                target = outcome
        raise FetchError(
            f"refused: more than {self._settings.max_redirects} redirects",
            url=str(target),
            kind="too_many_redirects",
        )

    async def _approve(self, target: _Target) -> list[str]:
        """The addresses to connect to for ``target``, resolved once and all checked."""
        literal = parse_address(target.host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            loop = asyncio.get_running_loop()
            try:
                addresses = await loop.run_in_executor(
                    self._dns, self._resolver, target.host, target.port
                )
            except (OSError, UnicodeError, ValueError):
                addresses = []
            if not addresses:
                raise FetchError(
                    f"failed: could not resolve {target.host}", url=str(target), kind="dns"
                )
        refusal = self._policy.refusal(target.host, addresses)
        if refusal is not None:
            raise FetchError(refusal, url=str(target), kind="blocked_address")
        return addresses

    async def _request(
        self,
        session: aiohttp.ClientSession,
        target: _Target,
        request: _Request,
        guard: ConnectGuard,
    ) -> FetchResult | _Target:
        url = str(target)
        try:
            async with session.get(
                target.url, allow_redirects=False, headers=request.headers()
            ) as resp:
                return await self._response(resp, target, request)
        except aiohttp.ConnectionTimeoutError:
            limit = self._settings.connect_timeout
            reason = f"timed out: no connection to {target.host} within {limit:g} s"
            raise FetchError(reason, url=url, kind="timeout") from None
        except aiohttp.ServerTimeoutError:
            reason = f"timed out: {target.host} sent nothing for {self._settings.read_timeout:g} s"
            raise FetchError(reason, url=url, kind="timeout") from None
        except aiohttp.ClientSSLError as exc:
            reason = f"failed: TLS with {target.host} failed ({_describe(exc.__cause__ or exc)})"
            raise FetchError(reason, url=url, kind="tls") from None
        except aiohttp.InvalidURL:
            raise FetchError(
                f"refused: {url!r} is not a valid URL", url=url, kind="bad_url"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            if guard.violations:
                reason = f"refused: connection to unchecked address {guard.violations[-1]}"
                raise FetchError(reason, url=url, kind="blocked_address") from None
            reason = f"failed: connection to {target.host} failed ({_describe(exc)})"
            raise FetchError(reason, url=url, kind="connection") from None

    async def _response(
        self, resp: aiohttp.ClientResponse, target: _Target, request: _Request
    ) -> FetchResult | _Target:
        url = str(target)
        if resp.status in REDIRECT_STATUSES:
            return _redirect_target(resp, target)
        if resp.status == 304 and request.conditional:
            return FetchResult(
                url=url,
                status=304,
                content_type="",
                charset=None,
                body=b"",
                etag=resp.headers.get("ETag") or request.etag,
                last_modified=resp.headers.get("Last-Modified") or request.last_modified,
                not_modified=True,
            )
        if resp.status not in OK_STATUSES:
            reason = f"refused: the server answered {resp.status} {resp.reason or ''}".rstrip()
            raise FetchError(reason, url=url, kind="bad_status")
        media = check_media_type(resp.content_type, request.accept, url=url)
        declared = resp.content_length
        cap = self._settings.max_bytes
        if declared is not None and declared > cap:
            reason = f"refused: Content-Length is {declared} bytes, over the {cap}-byte cap"
            raise FetchError(reason, url=url, kind="too_large")
        decoder = BodyDecoder(
            coding=content_coding(resp.headers.get("Content-Encoding"), url=url),
            url=url,
            max_bytes=cap,
            max_ratio=self._settings.max_compression_ratio,
        )
        async for chunk in resp.content.iter_any():
            decoder.feed(chunk)
        return FetchResult(
            url=url,
            status=resp.status,
            content_type=media,
            charset=known_charset(resp.charset),
            body=decoder.finish(),
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            not_modified=False,
        )


def _redirect_target(resp: aiohttp.ClientResponse, target: _Target) -> _Target:
    location = resp.headers.get("Location")
    if not location:
        reason = f"refused: a {resp.status} redirect without a Location header"
        raise FetchError(reason, url=str(target), kind="bad_status")
    try:
        joined = target.url.join(URL(location))
    except (ValueError, UnicodeError):
        raise FetchError(
            f"refused: redirect to an invalid URL {location[:200]!r}",
            url=str(target),
            kind="bad_url",
        ) from None
    return parse_target(joined)


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:160] or exc.__class__.__name__
