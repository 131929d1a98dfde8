"""From a query to ranked stories: tokenize, filter by scope, rank passages, group.

A story is a set of near-duplicate articles (the same wire report on several sites):
people want it once, citing every outlet, so passages are grouped by story and a story
ranks by its best passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from retrieval.errors import QueryError
from retrieval.index import PassageFilter
from retrieval.index.tokenizer import Tokenizer
from retrieval.ranking import Ranker
from retrieval.results import Scope, SearchFilters
from retrieval.store.models import GLOBAL_SCOPE, Article, Passage, Source, visible_scopes

# Longer queries are refused: nobody types that much, and it would cost a scan.
MAX_QUERY_CHARS = 1_000
# Passages fetched per story shown; the index is asked again with more when stories
# share passages so heavily that a page cannot be filled.
PASSAGES_PER_STORY = 4
MAX_RANK_ROUNDS = 4


@dataclass(frozen=True)
class ArticleText:
    """What an answer reads of a candidate story's article beyond its row's metadata."""

    body: str
    sentence_spans: bytes | None


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """What ranking, answers and citations read of a ranked passage's article: its row's
    metadata without the body, signature and sentence offsets (most of its bytes).

    A plain record read by one query, not an ORM entity: building a few dozen entities
    with their identity map and attribute state cost more than the ranking itself, and a
    record stays readable after the session closes.
    """

    id: int
    title: str
    source_name: str | None
    url: str | None
    published: datetime | None
    published_offset: int | None
    external_id: str | None
    story_id: int | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class PassageRow:
    id: int
    text: str
    article: ArticleCard


# A ranked passage's row, in ``PassageRow`` then ``ArticleCard`` field order; built once
# with the ids as an expanding parameter, since building the statement per call cost
# about as much as running it.
_HITS = (
    select(
        Passage.id,
        Passage.text,
        Article.id,
        Article.title,
        Source.name,
        Article.url,
        Article.published,
        Article.published_offset,
        Article.external_id,
        Article.story_id,
        Article.content_hash,
    )
    .join(Article, Passage.article_id == Article.id)
    .outerjoin(Source, Article.source_id == Source.id)
    .where(Passage.id.in_(bindparam("ids", expanding=True)))
)
_TEXTS = select(Article.id, Article.body, Article.sentence_spans).where(
    Article.id.in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True)
class PassageHit:
    passage: PassageRow
    score: float

    @property
    def article(self) -> ArticleCard:
        return self.passage.article


@dataclass
class StoryHit:
    story_id: int
    score: float
    hits: list[PassageHit] = field(default_factory=list)

    @property
    def best(self) -> PassageHit:
        return self.hits[0]

    def articles(self) -> list[ArticleCard]:
        """Distinct articles of the story among the hits, best first."""
        seen: dict[int, ArticleCard] = {}
        for hit in self.hits:
            seen.setdefault(hit.article.id, hit.article)
        return list(seen.values())


def scope_id(scope: Scope) -> int:
    return scope.guild_id if scope.guild_id is not None else GLOBAL_SCOPE


def query_tokens(tokenizer: Tokenizer, text: str) -> list[str]:
    """The query's tokens, or a QueryError a user can act on."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text):,} characters long; keep it under {MAX_QUERY_CHARS:,}"
        )
    tokens = tokenizer.tokenize(text)
    if not tokens:
        raise QueryError(
            "the query has only common words or punctuation; add a name, place or topic"
        )
    return tokens


def build_filter(session: Session, scope: Scope, filters: SearchFilters) -> PassageFilter:
    """The index filter for a scope and a user's filters."""
    sources: frozenset[int] | None = None
    if filters.source:
        ids = session.scalars(
            select(Source.id).where(func.lower(Source.name) == filters.source.strip().lower())
        ).all()
        sources = frozenset(ids)
    return PassageFilter(
        scopes=frozenset(visible_scopes(scope_id(scope))),
        sources=sources,
        since=int(filters.since.timestamp()) if filters.since else None,
        until=int(filters.until.timestamp()) if filters.until else None,
    )


def load_hits(session: Session, scored: Sequence[tuple[int, float]]) -> list[PassageHit]:
    """Passages with their articles for (passage id, score) pairs, in the given order.

    The articles come without their bodies: ranking and citations read titles, sources
    and passages, and an answer reads the bodies of its few candidate stories through
    ``load_texts``.
    """
    rows = session.execute(_HITS, {"ids": [pid for pid, _ in scored]}).all()
    cards: dict[int, ArticleCard] = {}
    by_id: dict[int, PassageRow] = {}
    for pid, text, article_id, *meta in rows:
        card = cards.get(article_id)
        if card is None:
            card = cards[article_id] = ArticleCard(article_id, *meta)
        by_id[pid] = PassageRow(pid, text, card)
    # A passage deleted since the index last caught up is simply skipped.
    return [PassageHit(by_id[pid], score) for pid, score in scored if pid in by_id]


def load_texts(session: Session, article_ids: Sequence[int]) -> dict[int, ArticleText]:
    """Articles' bodies and stored sentence offsets, in one query."""
    if not article_ids:
        return {}
    rows = session.execute(_TEXTS, {"ids": list(article_ids)}).all()
    return {aid: ArticleText(body, spans) for aid, body, spans in rows}


def group_stories(hits: Sequence[PassageHit]) -> list[StoryHit]:
    stories: dict[int, StoryHit] = {}
    for hit in hits:
        story_id = hit.article.story_id or hit.article.id
        story = stories.get(story_id)
        if story is None:
            story = stories[story_id] = StoryHit(story_id, hit.score)
        story.hits.append(hit)
    return list(stories.values())


def rank_stories(
    session: Session,
    ranker: Ranker,
    tokens: Sequence[str],
    passage_filter: PassageFilter,
    *,
    wanted: int,
    candidates: int,
) -> list[StoryHit]:
    """At least ``wanted`` stories when that many match, best first."""
    k = max(candidates, wanted * PASSAGES_PER_STORY)
    for _round in range(MAX_RANK_ROUNDS):
        found = ranker.passages(tokens, k, passage_filter)
        stories = group_stories(load_hits(session, [(h.passage_id, h.score) for h in found]))
        if len(stories) >= wanted or len(found) < k:
            return stories
        k *= 4
    return stories
