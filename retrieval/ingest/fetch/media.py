"""Media types the fetcher accepts, and what it passes on about the charset.

The check happens on the response headers, before any of the body is read, so a URL
that turns out to be an image or an archive costs one round trip and nothing more.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence

from retrieval.errors import FetchError

HTML_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml")
TEXT_TYPES: tuple[str, ...] = ("text/plain",)
FEED_TYPES: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
JSON_TYPES: tuple[str, ...] = (
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/x-jsonlines",
)
# Everything the ingest pipeline can read; feeds are sometimes served as HTML or text.
ARTICLE_TYPES: tuple[str, ...] = HTML_TYPES + TEXT_TYPES
ALL_TYPES: tuple[str, ...] = HTML_TYPES + TEXT_TYPES + FEED_TYPES + JSON_TYPES
# Weight of the catch-all in the Accept header: servers that insist on content
# negotiation answer 406 to a list without it, and we check the type anyway.
_FALLBACK_ACCEPT = "*/*;q=0.1"


def accept_header(accept: Sequence[str]) -> str:
    """The Accept header for a request that will only take ``accept``."""
    return ", ".join([*accept, _FALLBACK_ACCEPT])


def check_media_type(media_type: str, accept: Sequence[str], *, url: str) -> str:
    """``media_type`` lower-cased, or FetchError naming it when it is not accepted."""
    media = media_type.strip().lower()
    if media in {a.lower() for a in accept}:
        return media
    shown = media or "none"
    raise FetchError(
        f"refused: content type {shown} is not accepted (expected {', '.join(accept)})",
        url=url,
        kind="bad_content_type",
    )


def known_charset(label: str | None) -> str | None:
    """The Content-Type charset label, lower-cased, when Python can decode it; else None.

    An unknown label is dropped rather than passed on, so the caller falls back to
    detection instead of failing on a LookupError.
    """
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    try:
        codecs.lookup(cleaned)
    except LookupError:
        return None
    return cleaned
