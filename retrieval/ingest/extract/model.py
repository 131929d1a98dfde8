"""The values extraction hands to the rest of the pipeline.

``ExtractedArticle`` is deliberately flat and frozen: later stages (dedup, storage,
passage splitting) only read it, and every field but ``title`` and ``body`` is
optional because real inputs rarely carry all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

InputKind = Literal["html", "text", "jsonl"]

# Default size cap, kept equal to ``IngestSettings.max_input_bytes``.
DEFAULT_MAX_INPUT_BYTES = 5_000_000


@dataclass(frozen=True)
class ExtractedArticle:
    """One article: normalised text plus whatever metadata the input revealed."""

    title: str
    body: str  # normalised; paragraphs separated by "\n\n"
    published: datetime | None = None  # timezone-aware when the zone is known
    source: str | None = None  # site or publication name
    byline: str | None = None  # author(s) or agency
    dateline: str | None = None  # city the story was filed from
    url: str | None = None
    description: str | None = None  # standfirst / summary
    external_id: str | None = None  # JSONL "id"
    language: str | None = None


@dataclass(frozen=True)
class ExtractOptions:
    """How one input is read: its size cap (bytes, also applied after gunzip) and kind."""

    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    kind: Literal["auto", "html", "text", "jsonl"] = "auto"


def article_to_json(article: ExtractedArticle, input_name: str) -> dict[str, object]:
    """The JSON shape of an article for ``newsbot extract`` and the benchmark."""
    return {
        "input": input_name,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "source": article.source,
        "byline": article.byline,
        "dateline": article.dateline,
        "url": article.url,
        "description": article.description,
        "body": article.body,
    }
