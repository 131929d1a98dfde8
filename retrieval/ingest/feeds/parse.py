"""Feed documents (RSS 0.9x/2.0, RSS 1.0, Atom) into entries we can store, with bounded work.

feedparser reads every dialect and survives broken markup, but it is slow (tens of
microseconds per tag, read twice when its strict parser gives up, and the HTML of each
entry's text sanitised tag by tag), so a huge feed is first cut to its top entries with
lxml, which parses the same document a hundred times faster without expanding entities
or touching the network. The cut also keeps the markup feedparser is given within
``MAX_MARKUP`` tags (dropping trailing entries), and a document nested deeper than
libxml2 allows, or unreadable to lxml and over that budget, is refused: either would
cost feedparser seconds for nothing a feed needs.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser.encodings
from lxml import etree

from retrieval.errors import NotAFeed
from retrieval.store.feed_models import ENTRY_KEY_MAX_CHARS
from retrieval.text.normalize import normalize_text

# Elements that hold the entries of each dialect, and the entries themselves.
_CONTAINERS = frozenset({"channel", "feed", "RDF"})
_ENTRIES = frozenset({"item", "entry"})
# Internal DTD entity declarations: the "billion laughs" expansion bomb needs them.
_ENTITY_DECLARATION = b"<!ENTITY"
XML_TYPE = "application/xml"
# Characters of a parser error quoted to the user.
ERROR_DETAIL_CHARS = 120
# Tags (elements, and tags of the HTML an entry carries escaped or as CDATA) handed to
# feedparser at most: about half a second of its work. Fifty full-text entries of a
# few hundred tags each fit.
MAX_MARKUP = 12_000


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
    trimmed, total = trim_entries(data, max_entries, url=url)
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


def trim_entries(
    data: bytes, max_entries: int, *, url: str = "the document"
) -> tuple[bytes, int | None]:
    """The document with only its first ``max_entries`` entries, and how many it had.

    Fewer entries are kept when their markup would exceed ``MAX_MARKUP``. Returned
    unchanged when it has no more entries than that and is within the budget, or when
    lxml cannot read it (feedparser's lenient parser then gets the original; the count
    is None). NotAFeed when it nests elements deeper than libxml2 allows, when even its
    first entry is over the budget, or when lxml cannot read it and it is over the budget.
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
        root = None
    if any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log):
        raise NotAFeed(f"{url} nests its elements deeper than any feed does", input_name=url)
    if root is None:
        return _unread(data, url)
    try:
        return _cut(root, data, max_entries, url)
    except (UnicodeDecodeError, etree.SerialisationError, ValueError):
        # Recovery kept what Python cannot hold (``&#xD800;``): as if lxml could not read it.
        return _unread(data, url)


def _unread(data: bytes, url: str) -> tuple[bytes, None]:
    """A document lxml cannot read, for feedparser's lenient parser if it is small enough."""
    if _markup(data) > MAX_MARKUP:
        raise NotAFeed(f"{url} is not XML, and too large to read leniently", input_name=url)
    return data, None


def _cut(root: etree._Element, data: bytes, max_entries: int, url: str) -> tuple[bytes, int]:
    entries = [el for el in root.iter() if _is_entry(el)]
    sizes = [_tags(el) for el in entries]
    budget = MAX_MARKUP - (_tags(root) - sum(sizes))
    keep = 0
    while keep < min(max_entries, len(entries)) and sizes[keep] <= budget:
        budget -= sizes[keep]
        keep += 1
    if budget < 0 or (entries and keep == 0):
        raise NotAFeed(f"{url} has more markup than a feed entry needs", input_name=url)
    if keep == len(entries):
        return data, len(entries)
    for element in entries[keep:]:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), len(entries)


def _markup(data: bytes) -> int:
    """Tags in a document, counting those of HTML it carries escaped."""
    return data.count(b"<") + data.count(b"&lt;")


def _tags(element: etree._Element) -> int:
    """Elements under ``element`` (itself included), and tags of the HTML in their text."""
    texts: Iterator[str] = element.itertext()
    return sum(1 for _ in element.iter()) + sum(text.count("<") for text in texts)


# Runs of ASCII letters longer than this are cut before chardet sees a document: they
# say nothing about its encoding, and chardet's international-words pattern is
# quadratic in their length (a 4,000-letter run cost 3 s).
_LETTER_RUN = re.compile(rb"[a-zA-Z]{64,}")
# Bytes of a document chardet is shown: it takes about 5 microseconds a byte, and the
# start of a feed tells its encoding as well as the whole does.
CHARDET_BYTES = 32 * 1024


def _bounded_chardet(data: bytes) -> str:
    """feedparser's encoding guess (when the declared one fails) in linear time."""
    sample = _LETTER_RUN.sub(lambda m: m.group()[:64], data[:CHARDET_BYTES])
    return str(feedparser.encodings.chardet.detect(sample)["encoding"] or "")


# feedparser calls this module global when a document does not decode as declared.
if getattr(feedparser.encodings, "lazy_chardet_encoding", None) is not None:
    feedparser.encodings.lazy_chardet_encoding = _bounded_chardet


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
        link=_resolved(base_url, link),
        published=_published(entry),
        content=_content(entry),
    )


def _resolved(base_url: str, link: str) -> str | None:
    """The entry's link made absolute; None when there is none or it is no URL at all
    (``http://[x``: urljoin raises ValueError on a malformed IPv6 host)."""
    if not link:
        return None
    try:
        return urljoin(base_url, link)
    except ValueError:
        return None


def _usable(item: FeedItem) -> bool:
    """Whether there is anything to store: a page to fetch, or text of its own (an entry
    cut off in a truncated document has neither)."""
    return bool(item.link or item.content.strip())


def _content(entry: Mapping[str, Any]) -> str:
    parts = [str(c.get("value") or "") for c in entry.get("content") or [] if c.get("value")]
    return "\n".join(parts) if parts else str(entry.get("summary") or "")


def _published(entry: Mapping[str, Any]) -> datetime | None:
    # The stored keys only: feedparser's own lookup of a missing "updated_parsed" falls
    # back to "published_parsed" with a DeprecationWarning (tried first here anyway).
    stored = dict(entry.items())
    for field in ("published_parsed", "updated_parsed"):
        value = stored.get(field)
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
