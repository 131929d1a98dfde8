"""What the engine hands back to its callers (the CLI and the Discord bot).

Plain frozen dataclasses: no ORM objects escape the engine, so a caller can render
them on any thread after the database session that produced them is closed.

``cite_article`` is the one way a stored article becomes a ``Citation``: answers, news
pages and trend peaks cite articles with the same title, outlet, link, ids and
publication time (in the publisher's own zone); callers pass only what differs (the
excerpt, its marks, the score, the other outlets).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol


class CitableArticle(Protocol):
    """What a citation reads of an article: a stored row (``store.models.Article``) or
    the lighter record a ranking loads (``ranking.stories.ArticleCard``)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def source_name(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def published_offset(self) -> int | None: ...
    @property
    def external_id(self) -> str | None: ...


@dataclass(frozen=True)
class Scope:
    """Whose articles a request may see: a guild's own plus the global ones.

    ``guild_id=None`` is a direct message: global articles only.
    """

    guild_id: int | None = None

    @classmethod
    def global_only(cls) -> Scope:
        return cls(None)


@dataclass(frozen=True)
class SearchFilters:
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class OtherSource:
    """Another outlet carrying the same story (a near-duplicate)."""

    article_id: int
    title: str
    source: str | None
    url: str | None
    published: datetime | None
    # The id the article was ingested with (a JSONL record's "id"), when it had one.
    external_id: str | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: int
    title: str
    source: str | None
    published: datetime | None
    url: str | None
    # A verbatim excerpt; ``marks`` are (start, end) spans of query terms inside it.
    snippet: str
    marks: tuple[tuple[int, int], ...] = ()
    score: float = 0.0
    also: tuple[OtherSource, ...] = ()
    external_id: str | None = None

    def marked_snippet(self, open_mark: str = "**", close_mark: str = "**") -> str:
        """The snippet with query terms wrapped in the given marks."""
        out: list[str] = []
        last = 0
        for start, end in self.marks:
            out.append(self.snippet[last:start])
            out.append(f"{open_mark}{self.snippet[start:end]}{close_mark}")
            last = end
        out.append(self.snippet[last:])
        return "".join(out)


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    query: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    # Offset of the first story shown, and whether more stories exist after these.
    offset: int = 0
    has_more: bool = False
    # Set when nothing matched: a suggestion for the user.
    hint: str | None = None
    # Other stories that matched but that no sentence of the answer quotes.
    related: tuple[Citation, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.citations)


@dataclass(frozen=True)
class ArticleSummary:
    article_id: int
    title: str
    source: str | None
    published: datetime | None
    url: str | None
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class ArticleTitle:
    article_id: int
    title: str
    source: str | None
    published: datetime | None


@dataclass(frozen=True)
class SourceStats:
    source: str
    articles: int
    newest: datetime | None


@dataclass(frozen=True)
class TrendDay:
    day: str  # ISO date, UTC
    count: int


@dataclass(frozen=True)
class Trend:
    query: str
    days: tuple[TrendDay, ...]
    # Headlines of the peak days, cited.
    peaks: tuple[Citation, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(d.count for d in self.days)


# Building results from stored articles ------------------------------------------------


def published_local(article: CitableArticle) -> datetime | None:
    """Publication time in the publisher's own zone when it is known."""
    if article.published is None:
        return None
    if article.published_offset is None:
        return article.published.astimezone(UTC)
    zone = timezone(timedelta(minutes=article.published_offset))
    return article.published.astimezone(zone)


def other_source(article: CitableArticle) -> OtherSource:
    """``article`` as another outlet carrying a cited story."""
    return OtherSource(
        article_id=article.id,
        title=article.title,
        source=article.source_name,
        url=article.url,
        published=published_local(article),
        external_id=article.external_id,
    )


def cite_article(
    n: int,
    article: CitableArticle,
    *,
    snippet: str,
    marks: tuple[tuple[int, int], ...] = (),
    score: float = 0.0,
    also: Iterable[CitableArticle] = (),
) -> Citation:
    """Citation ``[n]`` of ``article``, quoting ``snippet``; ``also`` are other outlets
    carrying the same story."""
    return Citation(
        n=n,
        article_id=article.id,
        title=article.title,
        source=article.source_name,
        published=published_local(article),
        url=article.url,
        snippet=snippet,
        marks=marks,
        score=score,
        also=tuple(other_source(other) for other in also),
        external_id=article.external_id,
    )
