"""What a digest says: the stories new in its window, ranked, each with key sentences.

A story is a set of near-duplicate articles (they share ``story_id``). A story belongs
to the digest whose window holds its *first* ingestion, so a story shows up in one
digest of a schedule only, even when more outlets carry it later; it cites every
outlet that carried it by the end of the window.

With topics, the window's articles are ranked with BM25 through the index, restricted
to the scope and to the window's article ids; without topics every new story counts.
Stories are then ordered by

    score = relevance * recency * coverage
    relevance = best BM25 score of the story's passages / best score in the digest
                (1.0 for every story when there are no topics)
    recency   = 1 / (1 + age_hours / RECENCY_HALF_LIFE_HOURS)
                (age: from the story's newest publication, else ingestion, to the
                window's end)
    coverage  = 1 + SOURCE_WEIGHT * ln(number of outlets carrying it)

with ties going to the newer story, then the older story id.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retrieval.answer.summarize import Tokenize, key_sentences
from retrieval.index import PassageFilter
from retrieval.store.models import Article, Source, visible_scopes

# A story a day old counts half as much as one published at the window's end.
RECENCY_HALF_LIFE_HOURS = 24.0
# Weight of the outlets carrying a story: two outlets x1.35, four x1.69, eight x2.04.
SOURCE_WEIGHT = 0.5
# Stories matching the topics less than this fraction as well as the best match are
# left out: they share a common topic word and little else.
MIN_RELATIVE_RELEVANCE = 0.15
# Passages ranked for the topics before grouping them into stories.
TOPIC_CANDIDATE_PASSAGES = 500
# Key sentences per story (fewer when ``[summary] sentences`` asks for fewer).
SENTENCES_PER_STORY = 2

# Ranks passages: (query tokens, filter, how many) -> [(article id, score)], best first.
ArticleSearch = Callable[[Sequence[str], PassageFilter, int], list[tuple[int, float]]]


class DigestSource(NamedTuple):
    """One outlet carrying a story."""

    source: str | None
    url: str | None
    title: str


@dataclass(frozen=True)
class DigestStory:
    headline: str
    sentences: tuple[str, ...]
    sources: tuple[DigestSource, ...]
    published: datetime | None = None
    story_id: int = 0
    score: float = 0.0


@dataclass(frozen=True)
class Digest:
    """The stories of one digest window, best first; ``matched`` counts all that qualified."""

    topics: str
    window_start: datetime
    window_end: datetime
    stories: tuple[DigestStory, ...] = ()
    matched: int = 0

    @property
    def empty(self) -> bool:
        return not self.stories


@dataclass
class _Story:
    key: int
    relevance: float = 0.0
    best_article: int | None = None
    articles: list[_Row] = field(default_factory=list)

    @property
    def first_ingested(self) -> datetime:
        return min(row.ingested_at for row in self.articles)

    @property
    def newest(self) -> datetime:
        return max(row.moment for row in self.articles)


class _Row(NamedTuple):
    article_id: int
    story_key: int
    title: str
    url: str | None
    source: str | None
    published: datetime | None
    ingested_at: datetime

    @property
    def moment(self) -> datetime:
        return self.published or self.ingested_at


def window_articles(
    session: Session, scope_id: int, start: datetime, end: datetime
) -> dict[int, int]:
    """Article id -> story key of the articles ingested in (start, end] that the scope sees."""
    rows = session.execute(
        select(Article.id, func.coalesce(Article.story_id, Article.id)).where(
            Article.scope_id.in_(visible_scopes(scope_id)),
            Article.ingested_at > start,
            Article.ingested_at <= end,
        )
    )
    return {row[0]: row[1] for row in rows}


def _story_rows(session: Session, scope_id: int, keys: set[int], end: datetime) -> list[_Row]:
    key = func.coalesce(Article.story_id, Article.id)
    query = (
        select(
            Article.id,
            key,
            Article.title,
            Article.url,
            Source.name,
            Article.published,
            Article.ingested_at,
        )
        .outerjoin(Source, Article.source_id == Source.id)
        .where(
            Article.scope_id.in_(visible_scopes(scope_id)),
            key.in_(sorted(keys)),
            Article.ingested_at <= end,
        )
        .order_by(Article.ingested_at, Article.id)
    )
    return [_Row(*row) for row in session.execute(query)]


def _relevance(
    in_window: dict[int, int],
    tokens: Sequence[str],
    scope_id: int,
    search: ArticleSearch,
) -> dict[int, _Story]:
    """Candidate stories with their relevance (and best article, with topics)."""
    stories: dict[int, _Story] = {}
    if not tokens:
        for key in in_window.values():
            stories.setdefault(key, _Story(key, relevance=1.0))
        return stories
    passage_filter = PassageFilter(
        scopes=frozenset(visible_scopes(scope_id)), articles=frozenset(in_window)
    )
    for article_id, score in search(tokens, passage_filter, TOPIC_CANDIDATE_PASSAGES):
        story_key = in_window.get(article_id)
        if story_key is None:
            continue
        story = stories.setdefault(
            story_key, _Story(story_key, relevance=score, best_article=article_id)
        )
        if score > story.relevance:
            story.relevance, story.best_article = score, article_id
    best = max((s.relevance for s in stories.values()), default=0.0)
    if best <= 0:
        return {key: _Story(key, 1.0, s.best_article) for key, s in stories.items()}
    return {
        key: _Story(key, s.relevance / best, s.best_article)
        for key, s in stories.items()
        if s.relevance / best >= MIN_RELATIVE_RELEVANCE
    }


def story_score(relevance: float, newest: datetime, end: datetime, outlets: int) -> float:
    """The ranking formula of the module docstring."""
    age_hours = max(0.0, (end - newest).total_seconds() / 3600.0)
    recency = 1.0 / (1.0 + age_hours / RECENCY_HALF_LIFE_HOURS)
    coverage = 1.0 + SOURCE_WEIGHT * math.log(max(outlets, 1))
    return relevance * recency * coverage


def _outlets(rows: Sequence[_Row]) -> int:
    return len({row.source or row.url or str(row.article_id) for row in rows})


def _sources(lead: _Row, rows: Sequence[_Row]) -> tuple[DigestSource, ...]:
    seen: set[tuple[str | None, str | None]] = set()
    out: list[DigestSource] = []
    for row in [lead, *(r for r in rows if r is not lead)]:
        if (row.source, row.url) in seen:
            continue
        seen.add((row.source, row.url))
        out.append(DigestSource(row.source, row.url, row.title))
    return tuple(out)


def build_digest(
    session: Session,
    *,
    scope_id: int,
    topic_tokens: Sequence[str],
    topics: str,
    window: tuple[datetime, datetime],
    max_stories: int,
    sentences: int,
    search: ArticleSearch,
    tokenize: Tokenize,
) -> Digest:
    """The digest of stories first ingested in ``window`` = (start, end]."""
    start, end = window
    in_window = window_articles(session, scope_id, start, end)
    candidates = _relevance(in_window, topic_tokens, scope_id, search) if in_window else {}
    for row in _story_rows(session, scope_id, set(candidates), end) if candidates else []:
        candidates[row.story_key].articles.append(row)
    fresh = [s for s in candidates.values() if s.articles and s.first_ingested > start]
    ranked = sorted(
        fresh,
        key=lambda s: (
            -story_score(s.relevance, s.newest, end, _outlets(s.articles)),
            -s.newest.timestamp(),
            s.key,
        ),
    )
    chosen = ranked[:max_stories]
    stories = tuple(_render_story(session, s, end, sentences, tokenize) for s in chosen)
    return Digest(topics, start, end, stories, matched=len(ranked))


def _render_story(
    session: Session, story: _Story, end: datetime, sentences: int, tokenize: Tokenize
) -> DigestStory:
    by_id = {row.article_id: row for row in story.articles}
    lead = by_id.get(story.best_article or -1, story.articles[0])
    body = session.scalar(select(Article.body).where(Article.id == lead.article_id)) or ""
    spans = key_sentences(body, min(SENTENCES_PER_STORY, sentences), tokenize)
    return DigestStory(
        headline=lead.title,
        sentences=tuple(body[s.start : s.end] for s in spans),
        sources=_sources(lead, story.articles),
        published=lead.published,
        story_id=story.key,
        score=story_score(story.relevance, story.newest, end, _outlets(story.articles)),
    )
