"""Citations built from stored articles: one builder for answers, news pages and trends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retrieval.results import cite_article, other_source, published_local
from retrieval.store.models import Article, Source

PUBLISHED = datetime(2024, 11, 15, 0, 30, tzinfo=UTC)


def _article(article_id: int, *, offset: int | None, source: str = "Yonhap") -> Article:
    return Article(
        id=article_id,
        title=f"Headline {article_id}",
        url=f"https://news.example/{article_id}",
        external_id=f"ext-{article_id}",
        published=PUBLISHED,
        published_offset=offset,
        body="Body.",
        source=Source(name=source),
    )


def test_publication_time_is_shown_in_the_publishers_zone() -> None:
    seoul = published_local(_article(1, offset=9 * 60))
    assert seoul is not None and seoul.utcoffset() == timedelta(hours=9)
    assert seoul == PUBLISHED and seoul.hour == 9
    unknown = published_local(_article(2, offset=None))
    assert unknown is not None and unknown.tzinfo is UTC


def test_a_citation_carries_the_article_and_its_other_outlets() -> None:
    lead, wire = _article(1, offset=540), _article(2, offset=None, source="Wire")
    citation = cite_article(
        3, lead, snippet="Seoul said so.", marks=((0, 5),), score=1.5, also=[wire]
    )
    assert (citation.n, citation.article_id, citation.title) == (3, 1, "Headline 1")
    assert (citation.source, citation.url, citation.external_id) == (
        "Yonhap",
        "https://news.example/1",
        "ext-1",
    )
    assert citation.published == published_local(lead)
    assert citation.marked_snippet() == "**Seoul** said so."
    assert citation.score == 1.5
    assert citation.also == (other_source(wire),)
    assert citation.also[0].source == "Wire" and citation.also[0].external_id == "ext-2"
