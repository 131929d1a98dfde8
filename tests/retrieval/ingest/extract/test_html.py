"""HTML pages through trafilatura plus our metadata readers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from retrieval.errors import NoArticleFound
from retrieval.ingest.extract import ExtractedArticle, extract_bytes, extract_path
from retrieval.text.normalize import paragraphs


def test_html_article_fields(fixtures: Path) -> None:
    (article,) = list(extract_path(fixtures / "article.html"))
    assert isinstance(article, ExtractedArticle)
    assert article.title == "Night trains return to the mountain line"
    assert article.published == datetime(2024, 2, 18, 7, 30, tzinfo=timezone(timedelta(hours=1)))
    assert article.source == "Northern Courier"
    assert article.byline == "Ingrid Solberg"
    assert article.description == (
        "Sleeper services resume after a two-year pause while the tunnels were rebuilt."
    )
    assert article.language == "en"
    body = paragraphs(article.body)
    assert len(body) == 4
    assert body[0].startswith("Sleeper trains will run again on the mountain line")
    assert body[-1].startswith("Local councils along the route")
    for furniture in ("Most read", "Ski resorts", "Privacy", "All rights reserved"):
        assert furniture not in article.body


def test_url_is_passed_through(fixtures: Path) -> None:
    data = (fixtures / "article.html").read_bytes()
    (article,) = list(extract_bytes(data, name="page", url="https://example.org/trains"))
    assert isinstance(article, ExtractedArticle)
    assert article.url == "https://example.org/trains"


def test_html_without_article_raises(fixtures: Path) -> None:
    with pytest.raises(NoArticleFound):
        extract_path(fixtures / "nav_only.html")


def test_dateline_read_from_first_paragraph() -> None:
    html = (
        "<html><body><article><h1>Storm closes mountain passes</h1>"
        "<p>GENEVA (AP) — Heavy snow closed three mountain passes on Tuesday and cut power "
        "to thousands of homes in the valleys, officials said.</p>"
        "<p>Road crews expect to reopen the main pass by the weekend if the weather clears "
        "as forecast, the canton's roads office said in a statement.</p>"
        "</article></body></html>"
    ).encode()
    (article,) = list(extract_bytes(html, name="storm.html"))
    assert isinstance(article, ExtractedArticle)
    assert article.dateline == "Geneva"
