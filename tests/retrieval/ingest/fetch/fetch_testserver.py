"""A scripted HTTP server on loopback for the fetcher tests.

It records every accepted TCP connection (so a test can assert that a refused fetch
never reached it) and every request with its headers and timing. Routes misbehave on
purpose: endless streams, lying Content-Length, gzip bombs, dripping bytes. Every loop
is bounded in count and stops as soon as the client goes away.
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from retrieval.ingest.fetch import Fetcher

PAGE = b"<html><head><title>Hello</title></head><body><p>Caf\xc3\xa9 news.</p></body></html>"
# A page with an article: accents in UTF-8 and a NUL byte inside a word (a bad export).
ARTICLE_PAGE = (
    "<html><head><meta charset='utf-8'><title>Harbour wall</title></head><body><article>"
    "<h1>Harbour wall repairs in Besançon</h1>"
    + "".join(
        f"<p>Paragraph {i}: the coun\x00cil of Besançon met on Tuesday to discuss the cost "
        "of repairing the harbour wall, which the storms of last winter damaged.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
).encode("utf-8")
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
# The lazily generated endless body: 1 GB in 64 KiB writes.
HUGE_TOTAL = 1_000_000_000
HUGE_CHUNK = 64 * 1024
# The gzip bomb inflates to this many zero bytes.
BOMB_INFLATED = 64 * 1024 * 1024
# The dripping route sends one byte per interval, at most this many times.
DRIP_INTERVAL = 0.05
DRIP_MAX_BYTES = 200
# Seconds between the serving loop's checks for shutdown (its default makes teardown slow).
SHUTDOWN_POLL = 0.02


@functools.cache
def gzip_bomb() -> bytes:
    """A ~64 KB gzip body that inflates to 64 MiB of zeros (built once per test run)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(BOMB_INFLATED // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    started: float
    finished: float = 0.0


@dataclass
class Record:
    connections: int = 0
    requests: list[Seen] = field(default_factory=list)
    bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        with self.lock:
            return [seen.path for seen in self.requests]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        seen = Seen(self.path, dict(self.headers.items()), time.monotonic())
        record = self.server.record
        with record.lock:
            record.requests.append(seen)
        parts = urlsplit(self.path)
        route = ROUTES.get(parts.path.split("/")[1] if "/" in parts.path else "", _not_found)
        try:
            route(self, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up, as the tests intend
        finally:
            seen.finished = time.monotonic()

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def count_sent(self, n: int) -> None:
        with self.server.record.lock:
            self.server.record.bytes_sent += n


Route = Callable[[_Handler, str, dict[str, str]], None]
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(h: _Handler, path: str, query: dict[str, str]) -> None:
    h.reply(200, PAGE, HTML)


def _mislabelled(h: _Handler, path: str, query: dict[str, str]) -> None:
    """The article page in UTF-8 with NUL bytes, under the header ``charset`` given
    (default ISO-8859-1), with an optional BOM (``bom=1``)."""
    charset = query.get("charset", "iso-8859-1")
    body = (b"\xef\xbb\xbf" if query.get("bom") == "1" else b"") + ARTICLE_PAGE
    h.reply(200, body, {"Content-Type": f"text/html; charset={charset}"})


def _not_found(h: _Handler, path: str, query: dict[str, str]) -> None:
    h.reply(404, b"no such page", {"Content-Type": "text/plain"})


def _redirect(h: _Handler, path: str, query: dict[str, str]) -> None:
    """/redirect/N answers 302 to /redirect/N-1; /redirect/0 is the page."""
    left = int(path.rsplit("/", 1)[1])
    if left == 0:
        _page(h, path, query)
        return
    h.reply(302, b"", {"Location": f"/redirect/{left - 1}"})


def _goto(h: _Handler, path: str, query: dict[str, str]) -> None:
    """302 to ``to``, after ``s`` seconds."""
    time.sleep(float(query.get("s", "0")))
    h.reply(302, b"", {"Location": query["to"]})


def _typed(h: _Handler, path: str, query: dict[str, str]) -> None:
    headers = {"Content-Type": query["type"]} if "type" in query else {}
    h.reply(200, b'{"a": 1}' if "json" in query.get("type", "") else PAGE, headers)


def _huge(h: _Handler, path: str, query: dict[str, str]) -> None:
    """1 GB of text with no Content-Length (the body ends when the connection closes)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    block = b"a" * HUGE_CHUNK
    for _ in range(HUGE_TOTAL // HUGE_CHUNK):
        h.wfile.write(block)
        h.count_sent(len(block))


def _liar(h: _Handler, path: str, query: dict[str, str]) -> None:
    """Announces 1 GB, sends a little, and stops."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(HUGE_TOTAL))
    h.end_headers()
    h.wfile.write(b"a" * 1024)
    h.count_sent(1024)


def _encoded(h: _Handler, path: str, query: dict[str, str]) -> None:
    kind = query.get("kind", "gzip")
    if kind == "bomb":
        h.reply(200, gzip_bomb(), {**HTML, "Content-Encoding": "gzip"})
        return
    bodies = {
        "gzip": (gzip.compress(PAGE), "gzip"),
        "deflate": (zlib.compress(PAGE), "deflate"),
        "stacked": (gzip.compress(gzip.compress(PAGE)), "gzip, gzip"),
        "br": (PAGE, "br"),
    }
    body, coding = bodies[kind]
    h.reply(200, body, {**HTML, "Content-Encoding": coding})


def _drip(h: _Handler, path: str, query: dict[str, str]) -> None:
    """Headers at once, then one body byte per DRIP_INTERVAL."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    h.wfile.flush()
    for _ in range(DRIP_MAX_BYTES):
        h.wfile.write(b"a")
        h.wfile.flush()
        h.count_sent(1)
        time.sleep(DRIP_INTERVAL)


def _conditional(h: _Handler, path: str, query: dict[str, str]) -> None:
    validators = {"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    fresh = h.headers.get("If-None-Match") == ETAG or (
        "If-None-Match" not in h.headers and h.headers.get("If-Modified-Since") == LAST_MODIFIED
    )
    if fresh:
        h.send_response(304)
        for name, value in validators.items():
            h.send_header(name, value)
        h.end_headers()
        return
    h.reply(200, PAGE, {**HTML, **validators})


def _slow(h: _Handler, path: str, query: dict[str, str]) -> None:
    """The page after a short pause, so overlapping requests would show."""
    time.sleep(float(query.get("s", "0.1")))
    _page(h, path, query)


ROUTES: dict[str, Route] = {
    "page": _page,
    "mislabelled": _mislabelled,
    "redirect": _redirect,
    "goto": _goto,
    "typed": _typed,
    "huge": _huge,
    "liar": _liar,
    "encoded": _encoded,
    "drip": _drip,
    "conditional": _conditional,
    "slow": _slow,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    record: Record

    def verify_request(self, request: object, client_address: object) -> bool:
        with self.record.lock:
            self.record.connections += 1
        return True


class _Server6(_Server):
    address_family = socket.AF_INET6


class LocalServer:
    """A running scripted server on 127.0.0.1 or ::1; ``url(path)`` addresses it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        cls = _Server6 if ":" in host else _Server
        self._server = cls((host, 0), _Handler)
        self._server.record = Record()
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SHUTDOWN_POLL,), daemon=True
        )
        self._thread.start()

    @property
    def record(self) -> Record:
        return self._server.record

    def url(self, path: str = "/page", *, host: str | None = None) -> str:
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"http://{name}:{self.port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Tripwire:
    """Connect attempts seen during one test, as (address, port) pairs."""

    attempts: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def non_loopback(self) -> list[tuple[str, int]]:
        with self.lock:
            return [a for a in self.attempts if not is_loopback(a[0])]


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


@dataclass
class StubResolver:
    """Stub DNS: answers from a table and counts lookups; unknown names fail."""

    table: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


# Builds a Fetcher from the test defaults plus keyword overrides (the make_fetcher fixture).
MakeFetcher = Callable[..., Fetcher]
