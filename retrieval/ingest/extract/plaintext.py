"""Plain-text scrapes of news pages: keep the article, drop the page around it.

A copy of a page's visible text carries menus, tickers, share buttons, captions,
"Also Read" lists and footers, one block per line. ``plaintext_lines`` labels each
line, ``plaintext_body`` picks the densest run of prose as the body, and
``plaintext_meta`` reads the headline, date, byline and site from the lines around it.
"""

from __future__ import annotations

from retrieval.errors import EmptyInput, NoArticleFound
from retrieval.ingest.extract.model import ExtractedArticle
from retrieval.ingest.extract.plaintext_body import find_body
from retrieval.ingest.extract.plaintext_dump import dump_lines
from retrieval.ingest.extract.plaintext_lines import Line, classify_lines, dump_to_lines
from retrieval.ingest.extract.plaintext_meta import (
    find_byline,
    find_description,
    find_published,
    find_source,
    find_title,
)
from retrieval.ingest.extract.prose import fallback_title
from retrieval.text.normalize import normalize_block


def extract_text(text: str, *, name: str, url: str | None = None) -> ExtractedArticle:
    """The article in a plain-text scrape; ``NoArticleFound`` when it holds no prose."""
    raw, linked = dump_to_lines(dump_lines(text))
    return extract_lines(raw, name=name, url=url, linked=linked)


def extract_lines(
    raw: list[str],
    *,
    name: str,
    url: str | None = None,
    linked: frozenset[int] = frozenset(),
) -> ExtractedArticle:
    """``extract_text`` of a text already cut into lines by ``raw_lines``."""
    lines: list[Line] = classify_lines(raw, linked)
    if not lines:
        raise EmptyInput(f"{name} is empty", input_name=name)
    body = find_body(lines)
    if body is None:
        raise NoArticleFound(f"{name}: no article text found", input_name=name)
    paragraphs = [line.text for line in body.kept]
    title_index = find_title(lines, body.start)
    byline, dateline = find_byline(lines, title_index, body.start, paragraphs[0])
    return ExtractedArticle(
        title=lines[title_index].text if title_index is not None else fallback_title(paragraphs[0]),
        body=normalize_block("\n\n".join(paragraphs)),
        published=find_published(lines, body.start, body.end),
        source=find_source(lines),
        byline=byline,
        dateline=dateline,
        url=url,
        description=find_description(lines, title_index, body.start),
    )
