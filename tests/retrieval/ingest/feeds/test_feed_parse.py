"""Feed documents into entries: dialects, entry identity, bounded work, broken input."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from retrieval.errors import NotAFeed
from retrieval.ingest.feeds.parse import ParsedFeed, entry_key, parse_feed, trim_entries
from retrieval.store.feed_models import ENTRY_KEY_MAX_CHARS
from tests.retrieval.ingest.feeds.feed_site import BASE_DATE, Entry, atom, rss

BASE = "https://valley.example"
FEED_URL = f"{BASE}/feed.xml"


def parse(data: bytes, max_entries: int = 50) -> ParsedFeed:
    return parse_feed(
        data, url=FEED_URL, content_type="application/rss+xml", max_entries=max_entries
    )


def test_rss_entries_with_guid_link_date_and_summary() -> None:
    entries = [
        Entry(1, guid="valley-1", published=BASE_DATE, summary="<p>First <b>summary</b>.</p>"),
        Entry(2, guid="valley-2", published=BASE_DATE + timedelta(hours=1)),
    ]
    parsed = parse_feed(rss(entries, base=BASE), url=FEED_URL, content_type=None, max_entries=50)
    assert parsed.title == "Valley Courier"
    assert parsed.total == 2
    first, second = parsed.items
    assert (first.key, first.link) == ("valley-1", f"{BASE}/site/article/1")
    assert first.title == entries[0].headline
    assert first.published == BASE_DATE
    assert "First" in first.content and "summary" in first.content
    assert second.published == datetime(2024, 11, 15, 10, 0, tzinfo=UTC)


def test_atom_entries_are_read_too() -> None:
    parsed = parse_feed(
        atom([Entry(3, summary="Atom body text.")], base=BASE),
        url=FEED_URL,
        content_type="application/atom+xml",
        max_entries=50,
    )
    (item,) = parsed.items
    assert item.key == "urn:valley:3"
    assert item.link == f"{BASE}/site/article/3"
    assert item.content == "Atom body text."
    assert parsed.title == "Valley Courier Atom"


def test_relative_links_resolve_against_the_feed_but_keys_stay_as_written() -> None:
    doc = rss([Entry(4, link="/news/4")], base=BASE)
    (item,) = parse_feed(doc, url=FEED_URL, content_type=None, max_entries=5).items
    assert item.link == f"{BASE}/news/4"
    assert item.key == "/news/4"
    moved = parse_feed(doc, url="https://elsewhere.example/rss", content_type=None, max_entries=5)
    assert moved.items[0].key == item.key


def test_the_key_is_the_id_else_the_link_else_a_hash_of_the_text() -> None:
    assert entry_key({"id": " abc ", "link": "https://x/1"}) == "abc"
    assert entry_key({"link": "https://x/1"}) == "https://x/1"
    by_text = entry_key({"title": "Headline", "summary": "Body"})
    assert by_text.startswith("text-sha256:")
    assert by_text == entry_key({"title": "Headline", "summary": "Body"})
    assert by_text != entry_key({"title": "Other", "summary": "Body"})
    long_id = entry_key({"id": "x" * (ENTRY_KEY_MAX_CHARS + 1)})
    assert long_id.startswith("id-sha256:") and len(long_id) <= ENTRY_KEY_MAX_CHARS


def test_re_dated_entries_keep_their_keys() -> None:
    entries = [Entry(n, guid=f"g{n}", published=BASE_DATE) for n in range(5)]
    before = [i.key for i in parse(rss(entries, base=BASE)).items]
    for entry in entries:
        entry.published = BASE_DATE + timedelta(days=3)
    after = parse(rss(entries, base=BASE))
    assert [i.key for i in after.items] == before
    assert {i.published for i in after.items} == {BASE_DATE + timedelta(days=3)}


def test_a_repeated_entry_is_read_once() -> None:
    parsed = parse_feed(
        rss([Entry(1, guid="same"), Entry(2, guid="same")], base=BASE),
        url=FEED_URL,
        content_type=None,
        max_entries=5,
    )
    assert [i.key for i in parsed.items] == ["same"]


def test_ten_thousand_entries_cost_only_the_top_ones() -> None:
    doc = rss([Entry(n, guid=f"g{n}") for n in range(10_000)], base=BASE)
    started = time.monotonic()
    parsed = parse_feed(doc, url=FEED_URL, content_type=None, max_entries=50)
    elapsed = time.monotonic() - started
    assert parsed.total == 10_000
    assert [i.key for i in parsed.items] == [f"g{n}" for n in range(50)]
    # feedparser alone takes seconds on this document; the cut keeps it well under one.
    assert elapsed < 2.0, elapsed


def test_trimming_leaves_small_or_unreadable_documents_alone() -> None:
    small = rss([Entry(1, guid="g1")], base=BASE)
    assert trim_entries(small, 5) == (small, 1)
    assert trim_entries(b"not xml at all", 5) == (b"not xml at all", None)


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"garbage \x00\x01 not a feed", "syntax error"),
        (b"<html><body><p>A web page</p></body></html>", "no RSS or Atom elements found"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><title>Cut", "no element found"),
        (b"", "no RSS or Atom elements found"),
    ],
)
def test_documents_that_are_no_feed_are_refused_with_the_reason(data: bytes, detail: str) -> None:
    with pytest.raises(NotAFeed) as caught:
        parse(data)
    assert caught.value.reason.startswith(f"{FEED_URL} is not an RSS or Atom feed")
    assert detail in caught.value.reason
    assert "\n" not in caught.value.reason


def test_a_truncated_feed_keeps_the_entries_it_has() -> None:
    whole = rss([Entry(1, guid="g1"), Entry(2, guid="g2")], base=BASE)
    cut = whole[: whole.index(b"<item>", whole.index(b"<item>") + 1) + 20]
    assert [i.key for i in parse(cut).items] == ["g1"]


def test_entity_declarations_are_refused_before_any_expansion() -> None:
    """A billion-laughs document costs nothing: it is refused unread."""
    levels = "".join(
        f'<!ENTITY l{i} "{"lol" if i == 0 else f"&l{i - 1};" * 10}">' for i in range(10)
    )
    doc = (
        f"<?xml version='1.0'?><!DOCTYPE rss [{levels}]><rss version='2.0'><channel>"
        "<title>&l9;</title><item><title>t</title><guid>g</guid></item></channel></rss>"
    ).encode()
    started = time.monotonic()
    with pytest.raises(NotAFeed, match="declares XML entities"):
        parse(doc)
    assert time.monotonic() - started < 0.5


def test_a_cut_document_keeps_its_text_whatever_charset_the_server_named() -> None:
    """The cut copy is UTF-8, so the server's windows-1251 label must not be applied to it."""
    entries = [Entry(n, guid=f"g{n}", title=f"Новости дня {n}") for n in range(60)]
    doc = rss(entries, base=BASE).replace(b"encoding='utf-8'", b"encoding='windows-1251'")
    doc = doc.decode("utf-8").encode("cp1251")
    for content_type in ("text/xml; charset=windows-1251", None):
        parsed = parse_feed(doc, url=FEED_URL, content_type=content_type, max_entries=50)
        assert parsed.total == 60
        assert parsed.items[0].title == "Новости дня 0"
