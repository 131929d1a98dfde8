"""Feed documents (RSS 0.9x/2.0, RSS 1.0, Atom) into entries we can store, with bounded work.

feedparser reads every dialect and survives broken markup, but it is slow (about a
third of a millisecond per element), so a huge feed is first cut to its top entries
with lxml, which parses the same document a hundred times faster without expanding
entities or touching the network.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from retrieval.errors import NotAFeed
from retrieval.normalize import normalize_text
from retrieval.store.feed_models import ENTRY_KEY_MAX_CHARS

# Elements that hold the entries of each dialect, and the entries themselves.
_CONTAINERS = frozenset({"channel", "feed", "RDF"})
_ENTRIES = frozenset({"item", "entry"})
# Internal DTD entity declarations: the "billion laughs" expansion bomb needs them.
_ENTITY_DECLARATION = b"<!ENTITY"
XML_TYPE = "application/xml"
# Characters of a parser error quoted to the user.
ERROR_DETAIL_CHARS = 120


@dataclass(frozen=True)
class FeedItem:
    """One entry: its identity (``key``) and what is needed to make an article of it."""

    key: str
    title: str
    link: str | None
    published: datetime | None
    # The entry's own text (its content, else its summary), usually HTML.
    content: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]
    # Entries in the whole document; more than ``len(items)`` when it was cut.
    total: int


def parse_feed(data: bytes, *, url: str, content_type: str | None, max_entries: int) -> ParsedFeed:
    """The feed's title and top ``max_entries`` entries; NotAFeed when it is no feed."""
    if _ENTITY_DECLARATION in data:
        # Feeds have no use for them; expanded, a few hundred bytes become megabytes.
        raise NotAFeed(f"{url} declares XML entities, which feeds are not allowed to")
    trimmed, total = trim_entries(data, max_entries)
    # A cut document was re-serialised as UTF-8; the server's charset no longer applies.
    declared = (content_type or XML_TYPE) if trimmed is data else f"{XML_TYPE}; charset=utf-8"
    try:
        # No base URL is given, so ids and links stay as written (an entry's key must not
        # change when the feed moves); links are resolved against ``url`` below.
        parsed = feedparser.parse(trimmed, response_headers={"content-type": declared})
    except Exception as exc:  # a parser meeting hostile input; nothing is stored yet
        raise NotAFeed(f"{url} could not be read as a feed ({_detail(exc)})") from exc
    entries: list[Any] = list(parsed.get("entries") or [])
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        detail = _detail(problem) if problem is not None else "no RSS or Atom elements found"
        raise NotAFeed(f"{url} is not an RSS or Atom feed ({detail})", input_name=url)
    items = [i for i in _unique(_item(e, url) for e in entries[:max_entries]) if _usable(i)]
    feed = parsed.get("feed") or {}
    title = normalize_text(str(feed.get("title") or "")) or None
    return ParsedFeed(title=title, items=tuple(items), total=max(total or 0, len(entries)))


def trim_entries(data: bytes, max_entries: int) -> tuple[bytes, int | None]:
    """The document with only its first ``max_entries`` entries, and how many it had.

    Returned unchanged when it has no more entries than that, or when lxml cannot read
    it (feedparser's lenient parser then gets the original; the count is None).
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        recover=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return data, None
    if root is None:
        return data, None
    entries = [el for el in root.iter() if _is_entry(el)]
    if len(entries) <= max_entries:
        return data, len(entries)
    for element in entries[max_entries:]:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), len(entries)


def _localname(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    # Not ``etree.QName(tag).localname``: the recovering parser keeps an undeclared
    # prefix in the tag ("rdf:RDF"), which QName refuses with a ValueError.
    return tag.rpartition("}")[2].rpartition(":")[2]


def _is_entry(element: etree._Element) -> bool:
    parent = element.getparent()
    return (
        parent is not None and _localname(element) in _ENTRIES and _localname(parent) in _CONTAINERS
    )


def entry_key(entry: Mapping[str, Any]) -> str:
    """An entry's identity: its id (guid), else its link, else a hash of its text.

    Never its date, so a feed that re-dates old entries does not make them new.
    """
    for field in ("id", "link"):
        value = str(entry.get(field) or "").strip()
        if value:
            return value if len(value) <= ENTRY_KEY_MAX_CHARS else _hashed(field, value)
    text = f"{entry.get('title') or ''}\n{_content(entry)}"
    return _hashed("text", text)


def _hashed(kind: str, value: str) -> str:
    return f"{kind}-sha256:{hashlib.sha256(value.encode('utf-8')).hexdigest()}"


def _item(entry: Mapping[str, Any], base_url: str) -> FeedItem:
    link = str(entry.get("link") or "").strip()
    return FeedItem(
        key=entry_key(entry),
        title=normalize_text(str(entry.get("title") or "")),
        link=urljoin(base_url, link) if link else None,
        published=_published(entry),
        content=_content(entry),
    )


def _usable(item: FeedItem) -> bool:
    """Whether there is anything to store: a page to fetch, or text of its own (an entry
    cut off in a truncated document has neither)."""
    return bool(item.link or item.content.strip())


def _content(entry: Mapping[str, Any]) -> str:
    parts = [str(c.get("value") or "") for c in entry.get("content") or [] if c.get("value")]
    return "\n".join(parts) if parts else str(entry.get("summary") or "")


def _published(entry: Mapping[str, Any]) -> datetime | None:
    for field in ("published_parsed", "updated_parsed"):
        value = entry.get(field)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _unique(items: Iterator[FeedItem]) -> Iterator[FeedItem]:
    """Each key once (a feed may repeat an entry), in document order."""
    seen: set[str] = set()
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            yield item


def _detail(problem: object) -> str:
    text = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
    return text.removeprefix("<unknown>:")[:ERROR_DETAIL_CHARS]
