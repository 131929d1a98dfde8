"""Articles from feed entries: the linked page when it can be fetched and read, else the
entry's own text.

A feed entry is usually a teaser; the article is on the page it links to. That page is
fetched through the safe fetcher like any admin-given URL. When the page cannot be had
(refused, too large, not HTML, no article text in it), the entry's own content or
summary is the article instead, so a feed of full-text entries works even where the
site blocks bots.
"""

from __future__ import annotations

import dataclasses

import lxml.etree
import lxml.html

from retrieval.errors import FetchError, InputError
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions, extract_bytes
from retrieval.ingest.extract.html_text import visible_text
from retrieval.ingest.feeds.parse import FeedItem
from retrieval.ingest.fetch import ARTICLE_TYPES, Fetcher, FetchResult
from retrieval.text.normalize import normalize_block

# Characters of a fallback body used as the title when an entry has none.
UNTITLED_TITLE_CHARS = 120


def content_type_of(page: FetchResult) -> str:
    """The response's Content-Type as the extractor reads it (media type and charset)."""
    return f"{page.content_type}; charset={page.charset}" if page.charset else page.content_type


def page_article(
    fetcher: Fetcher, item: FeedItem, *, feed_title: str | None, options: ExtractOptions
) -> ExtractedArticle:
    """The article on the entry's linked page; FetchError or InputError when there is none."""
    if not item.link:
        raise InputError("the entry links to no page")
    page = fetcher.fetch(item.link, accept=ARTICLE_TYPES)
    records = list(
        extract_bytes(
            page.body,
            name=item.link,
            options=options,
            url=page.url,
            content_type=content_type_of(page),
        )
    )
    first = records[0] if records else InputError("the page holds no article")
    if isinstance(first, InputError):
        raise first
    # The feed's headline is the publisher's own; page titles often carry the site name.
    return dataclasses.replace(
        first,
        title=item.title or first.title,
        published=first.published or item.published,
        source=first.source or feed_title,
        url=first.url or page.url,
    )


def entry_article(item: FeedItem, *, feed_title: str | None) -> ExtractedArticle:
    """The entry's own text as an article; InputError when it has none."""
    body = normalize_block(_html_text(item.content))
    if not body:
        raise InputError("the entry has no text of its own")
    return ExtractedArticle(
        title=item.title or body.split("\n", 1)[0][:UNTITLED_TITLE_CHARS],
        body=body,
        published=item.published,
        source=feed_title,
        url=item.link,
    )


def _html_text(content: str) -> str:
    """Visible text of an entry's HTML (plain-text entries come back unchanged)."""
    if "<" not in content:
        return content
    try:
        fragment = lxml.html.fragment_fromstring(content, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return content
    return visible_text(fragment)


def entry_candidates(
    fetcher: Fetcher, item: FeedItem, *, feed_title: str | None, options: ExtractOptions
) -> tuple[list[tuple[str, ExtractedArticle]], list[str]]:
    """Articles to try for an entry, best first, each labelled by where it came from
    ("page" or "entry"), and why the others could not be made."""
    articles: list[tuple[str, ExtractedArticle]] = []
    problems: list[str] = []
    try:
        page = page_article(fetcher, item, feed_title=feed_title, options=options)
        articles.append(("page", page))
    except (FetchError, InputError) as exc:
        problems.append(f"page: {exc.reason}")
    try:
        articles.append(("entry", entry_article(item, feed_title=feed_title)))
    except InputError as exc:
        problems.append(f"entry: {exc.reason}")
    return articles, problems
