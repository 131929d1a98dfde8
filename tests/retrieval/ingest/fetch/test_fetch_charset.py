"""The fetch path's text: a header charset is checked against the bytes, NUL is dropped.

A fetched page reaches the extractor with the response's Content-Type; a server that
labels UTF-8 pages ISO-8859-1 (a common default) must not turn accents into mojibake,
and a stray NUL byte must not get the page refused, with or without a BOM.
"""

from __future__ import annotations

import pytest

from retrieval.ingest.extract import ExtractedArticle, extract_bytes
from retrieval.ingest.feeds.entry_pages import content_type_of
from tests.retrieval.ingest.fetch.fetch_testserver import LocalServer, MakeFetcher


@pytest.mark.parametrize("bom", ["0", "1"])
@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252", "utf-8"])
def test_fetched_page_is_read_by_its_bytes(
    make_fetcher: MakeFetcher, server: LocalServer, charset: str, bom: str
) -> None:
    page = make_fetcher().fetch(server.url(f"/mislabelled?charset={charset}&bom={bom}"))
    assert page.charset == charset
    records = list(
        extract_bytes(page.body, name=page.url, url=page.url, content_type=content_type_of(page))
    )
    (article,) = [r for r in records if isinstance(r, ExtractedArticle)]
    assert "the council of Besançon met on Tuesday" in article.body
    assert "Ã" not in article.body and "\x00" not in article.body
