"""JSON Lines inputs: one article object per line, passed through with light checks.

Each line is ``{"id", "title", "text", "url", "published", "source"}``; ``date`` is
accepted for ``published`` and ``author`` for ``byline``. A bad line is reported as a
``MalformedRecord`` value in the stream so the good lines still go through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from retrieval.errors import MalformedRecord
from retrieval.ingest.extract.dates import parse_datetime
from retrieval.ingest.extract.model import ExtractedArticle
from retrieval.ingest.extract.prose import fallback_title
from retrieval.text.normalize import normalize_block, normalize_text, paragraphs

# Epoch timestamps above this are milliseconds.
_MILLISECOND_EPOCH = 10**11


def extract_jsonl(text: str, *, name: str) -> Iterator[ExtractedArticle | MalformedRecord]:
    """Articles of a JSONL text, with a ``MalformedRecord`` for each bad line."""
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield record_to_article(raw, name=name, line=number)
        except MalformedRecord as error:
            yield error


def record_to_article(raw: str, *, name: str, line: int) -> ExtractedArticle:
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise MalformedRecord(
            f"line {line}: not valid JSON ({exc.args[0]})", input_name=name, line=line
        ) from None
    except RecursionError:
        # json's decoder recurses per nesting level: a line of ten thousand "[" is not
        # an article, and must not escape as an unexpected error.
        raise MalformedRecord(
            f"line {line}: JSON nested too deeply", input_name=name, line=line
        ) from None
    if not isinstance(record, dict):
        raise MalformedRecord(f"line {line}: not a JSON object", input_name=name, line=line)
    body = normalize_block(_string(record.get("text")) or "")
    if not body:
        raise MalformedRecord(f'line {line}: no "text"', input_name=name, line=line)
    title = _string(record.get("title"))
    return ExtractedArticle(
        title=normalize_text(title).strip() if title else fallback_title(paragraphs(body)[0]),
        body=body,
        published=_published(record.get("published", record.get("date"))),
        source=_clean(record.get("source")),
        byline=_clean(record.get("byline", record.get("author"))),
        dateline=_clean(record.get("dateline")),
        url=_clean(record.get("url")),
        description=_clean(record.get("description")),
        external_id=_identifier(record.get("id")),
        language=_clean(record.get("language")),
    )


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _clean(value: object) -> str | None:
    text = _string(value)
    return normalize_text(text).strip() if text else None


def _identifier(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _clean(value)


def _published(value: object) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > _MILLISECOND_EPOCH else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_datetime(value) if isinstance(value, str) else None
