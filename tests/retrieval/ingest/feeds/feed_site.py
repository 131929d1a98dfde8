"""A news site for the feed tests, served by the fetcher tests' scripted server.

``FeedSite.install`` adds a ``/site/...`` route to that server: a feed document and
article pages a test sets and changes between polls, with ETag support, plus feed-typed
misbehaviour (an endless stream, a gzip bomb, a drip) that the server's own routes only
serve as HTML. Article pages are real-shaped: navigation, a headline, dated metadata,
several paragraphs of distinct prose, a footer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from tests.retrieval.ingest.fetch.fetch_testserver import (
    DRIP_INTERVAL,
    DRIP_MAX_BYTES,
    HUGE_CHUNK,
    HUGE_TOTAL,
    LocalServer,
    gzip_bomb,
)

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
BASE_DATE = datetime(2024, 11, 15, 9, 0, tzinfo=UTC)
TOPICS = (
    ("harbour", "The harbour board voted to dredge the northern channel before the winter storms"),
    ("orchard", "Apple growers in the valley reported the earliest blossom in two decades"),
    ("library", "The city library reopened its reading room after a year of repairs"),
    ("railway", "Commuters on the coastal railway line faced delays after a signal fault"),
    ("festival", "Organisers of the lantern festival expect record crowds this weekend"),
    ("reservoir", "Water levels in the upland reservoir fell below the seasonal average"),
)


@dataclass
class Entry:
    """One feed entry; ``n`` picks the article it links to and its prose."""

    n: int
    guid: str | None = None
    title: str | None = None
    published: datetime | None = None
    summary: str = ""
    link: str | None = None

    @property
    def headline(self) -> str:
        topic, _ = TOPICS[self.n % len(TOPICS)]
        return self.title or f"Story {self.n}: the {topic} report"


def prose(n: int) -> list[str]:
    """Four paragraphs unique to article ``n`` (no two articles are near-duplicates)."""
    topic, lead = TOPICS[n % len(TOPICS)]
    words = ["amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "heron"]
    marker = " ".join(words[(n + i) % len(words)] + str(n * 7 + i) for i in range(6))
    return [
        f"{lead}, officials said on Friday in report number {n}. "
        f"The decision followed months of consultation with residents about the {topic}.",
        f"Local councillor Mara Ellison said the {topic} plan had wide support, though "
        f"several neighbours raised concerns about the cost. Reference codes: {marker}.",
        f"Work is expected to begin next month and to last until the spring, according to "
        f"a statement released by the district office for item {n}.",
        f"Residents can comment on the {topic} proposal at public meetings to be held in "
        f"the town hall over the coming weeks, the office added in its notice {n}.",
    ]


def article_html(n: int, title: str | None = None) -> bytes:
    headline = title or Entry(n).headline
    published = (BASE_DATE + timedelta(hours=n)).isoformat()
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in prose(n))
    return (
        "<!DOCTYPE html><html lang='en'><head>"
        f"<title>{escape(headline)} | Valley Courier</title>"
        f"<meta property='article:published_time' content='{published}'>"
        "<meta property='og:site_name' content='Valley Courier'>"
        "</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{escape(headline)}</h1><p class='byline'>By Staff Reporter</p>"
        f"{paragraphs}</article>"
        "<footer>Copyright Valley Courier. All rights reserved.</footer></body></html>"
    ).encode()


def rss(entries: list[Entry], *, base: str, title: str = "Valley Courier") -> bytes:
    items = []
    for e in entries:
        link = e.link if e.link is not None else f"{base}/site/article/{e.n}"
        parts = [f"<title>{escape(e.headline)}</title>"]
        if link:
            parts.append(f"<link>{escape(link)}</link>")
        if e.guid is not None:
            parts.append(f"<guid isPermaLink='false'>{escape(e.guid)}</guid>")
        if e.published is not None:
            parts.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        if e.summary:
            parts.append(f"<description>{escape(e.summary)}</description>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>{base}/</link>"
        "<description>News from the valley</description>" + "".join(items) + "</channel></rss>"
    ).encode()


def atom(entries: list[Entry], *, base: str, title: str = "Valley Courier Atom") -> bytes:
    items = []
    for e in entries:
        when = (e.published or BASE_DATE).isoformat()
        items.append(
            f"<entry><id>{escape(e.guid or f'urn:valley:{e.n}')}</id>"
            f"<title>{escape(e.headline)}</title>"
            f"<link rel='alternate' href='{base}/site/article/{e.n}'/>"
            f"<updated>{when}</updated>"
            f"<content type='html'>{escape(e.summary)}</content></entry>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>{escape(title)}</title><id>urn:valley</id><updated>{BASE_DATE.isoformat()}"
        "</updated>" + "".join(items) + "</feed>"
    ).encode()


@dataclass
class Resource:
    body: bytes
    content_type: str
    status: int = 200
    etag: str | None = None


@dataclass
class FeedSite:
    """Resources under ``/site/``; ``/site/article/<n>`` pages exist unless overridden."""

    server: LocalServer
    resources: dict[str, Resource] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return self.server.url("").rstrip("/")

    def url(self, path: str) -> str:
        return f"{self.base}/site/{path}"

    def put(self, path: str, body: bytes, content_type: str = RSS_TYPE, **extra: Any) -> str:
        with self.lock:
            self.resources[path] = Resource(body, content_type, **extra)
        return self.url(path)

    def route(self, h: Any, path: str, query: dict[str, str]) -> None:
        name = path.removeprefix("/site/")
        with self.lock:
            self.hits[name] = self.hits.get(name, 0) + 1
            resource = self.resources.get(name)
        if resource is None and name.startswith("article/"):
            resource = Resource(article_html(int(name.rsplit("/", 1)[1])), HTML_TYPE)
        if name.startswith("hostile/"):
            _hostile(h, name.removeprefix("hostile/"), query)
            return
        if resource is None:
            h.reply(404, b"no such page", {"Content-Type": "text/plain"})
            return
        headers = {"Content-Type": resource.content_type}
        if resource.etag:
            headers["ETag"] = resource.etag
            if h.headers.get("If-None-Match") == resource.etag:
                h.send_response(304)
                h.send_header("ETag", resource.etag)
                h.end_headers()
                return
        h.reply(resource.status, resource.body, headers)


def _hostile(h: Any, kind: str, query: dict[str, str]) -> None:
    """Feed-typed misbehaviour, bounded like the scripted server's own routes."""
    content_type = query.get("type", RSS_TYPE)
    if kind == "bomb":
        h.reply(200, gzip_bomb(), {"Content-Type": content_type, "Content-Encoding": "gzip"})
        return
    h.send_response(200)
    h.send_header("Content-Type", content_type)
    h.end_headers()
    if kind == "huge":
        h.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel>")
        block = b"<item><title>x</title></item>" * (HUGE_CHUNK // 30)
        for _ in range(HUGE_TOTAL // len(block)):
            h.wfile.write(block)
            h.count_sent(len(block))
    elif kind == "drip":
        for _ in range(DRIP_MAX_BYTES):
            h.wfile.write(b" ")
            h.wfile.flush()
            h.count_sent(1)
            time.sleep(DRIP_INTERVAL)
