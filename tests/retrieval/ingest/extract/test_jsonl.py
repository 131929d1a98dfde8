"""JSON Lines records pass through with their fields; bad records are values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from retrieval.errors import MalformedRecord
from retrieval.ingest.extract import ExtractedArticle
from retrieval.ingest.extract.jsonl import extract_jsonl


def test_fields_pass_through_and_text_is_normalised() -> None:
    line = (
        '{"id": 7, "title": "Dam\\u00a0opens", "text": "First para.\\n\\n\\n\\nSecond\\u00a0para.",'
        ' "url": "https://example.org/dam", "published": "2024-05-01T08:00:00-04:00",'
        ' "source": "River Post"}'
    )
    (article,) = list(extract_jsonl(line, name="f.jsonl"))
    assert isinstance(article, ExtractedArticle)
    assert article.external_id == "7"
    assert article.title == "Dam opens"
    assert article.body == "First para.\n\nSecond para."
    assert article.url == "https://example.org/dam"
    assert article.source == "River Post"
    assert article.published == datetime(2024, 5, 1, 8, tzinfo=timezone(timedelta(hours=-4)))


def test_common_date_strings_and_aliases() -> None:
    line = '{"text": "Body.", "title": "T", "date": "Sep 04 2024 | 1:42 PM IST", "author": "AP"}'
    (article,) = list(extract_jsonl(line, name="f.jsonl"))
    assert isinstance(article, ExtractedArticle)
    assert article.published is not None
    assert article.published.isoformat() == "2024-09-04T13:42:00+05:30"
    assert article.byline == "AP"


def test_missing_title_comes_from_the_first_sentence() -> None:
    line = '{"text": "Flood waters receded on Sunday. Roads reopened later.\\n\\nMore text."}'
    (article,) = list(extract_jsonl(line, name="f.jsonl"))
    assert isinstance(article, ExtractedArticle)
    assert article.title == "Flood waters receded on Sunday."


def test_bad_records_are_yielded_with_line_numbers() -> None:
    text = '{"title": "no text"}\n\n[1, 2]\n{"text": ""}\n{"text": 5}\n{"text": "ok"}\n'
    records = list(extract_jsonl(text, name="f.jsonl"))
    assert [r.line for r in records if isinstance(r, MalformedRecord)] == [1, 3, 4, 5]
    assert isinstance(records[-1], ExtractedArticle)
