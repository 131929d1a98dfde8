"""The ingest pipeline after extraction: normalise -> dedupe -> split -> store.

``prepare`` is pure (no database) so it can run in worker processes; ``store`` writes
one article in the caller's transaction and reports duplicates instead of raising, so
the caller decides the transaction boundary: one article, or a batch of them.

The rules of storing are here once, for one article (``store``) and for a batch
(``retrieval.ingest.bulk.batch_store``) alike: which keys make an exact duplicate and in which
order (``DUPLICATE_COLUMNS``, ``duplicate_keys``), which stored articles are near-duplicate
candidates (``band_candidates``) and which story an article joins (``closest_story``),
the values of the rows written (``article_values``, ``passage_values``,
``band_values``), and the outcome reported (``added_outcome``, ``duplicate_outcome``,
``failed_outcome``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from retrieval.config import IngestSettings
from retrieval.errors import NoArticleFound
from retrieval.ingest.dedupe import band_buckets, canonical_url, fingerprints, similarity
from retrieval.ingest.extract import ExtractedArticle
from retrieval.ingest.passages import PassageDraft, split_passages
from retrieval.store.changelog import append_change
from retrieval.store.models import (
    Article,
    Passage,
    Source,
    StoryBand,
    visible_scopes,
)
from retrieval.text.normalize import normalize_block
from retrieval.text.sentences import pack_spans, split_sentences

Status = Literal["added", "duplicate", "failed"]
# Titles longer than this are cut: a "title" that long is a mis-detected paragraph.
MAX_TITLE_CHARS = 500
# Tries at storing one article in its own transaction: a clash with a concurrent ingest
# of the same article (between the duplicate check and the insert) is retried once, and
# is then seen as a duplicate.
STORE_ATTEMPTS = 2
# The exact-duplicate keys, in the order they are checked (``duplicate_keys`` gives an
# article's values for them): the body, the canonical URL, the source's own id.
DUPLICATE_COLUMNS = (Article.content_hash, Article.canonical_url, Article.external_id)
_Ref = TypeVar("_Ref")


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one input record; the CLI and the bot report these verbatim."""

    input: str
    status: Status
    article_id: int | None = None
    title: str | None = None
    reason: str | None = None
    passages: int = 0
    published: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "input": self.input,
            "status": self.status,
            "article_id": self.article_id,
            "title": self.title,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PreparedArticle:
    article: ExtractedArticle
    title: str
    body: str
    canonical_url: str | None
    content_hash: str
    minhash: bytes
    passages: tuple[PassageDraft, ...]
    # The body's sentence spans (``pack_spans``), stored so answers need not split again.
    sentences: bytes


@dataclass(frozen=True)
class Stored:
    """The result of ``store``: a new article id, or the id of the article it duplicates."""

    article_id: int
    duplicate: bool
    passage_ids: tuple[int, ...] = ()


def prepare(article: ExtractedArticle, settings: IngestSettings) -> PreparedArticle:
    """Normalise, fingerprint and split one extracted article."""
    body = normalize_block(article.body)
    if not body:
        raise NoArticleFound("no article text found")
    title = normalize_block(article.title).replace("\n", " ")[:MAX_TITLE_CHARS]
    if not title:
        title = body.split("\n", 1)[0][:120]
    sentences = split_sentences(body)
    passages = split_passages(
        body,
        min_words=settings.passage_min_words,
        max_words=settings.passage_max_words,
        sentences=sentences,
    )
    if not passages:
        raise NoArticleFound("no sentences found in the article text")
    canonical = canonical_url(article.url)
    content_hash, minhash = fingerprints(body)
    return PreparedArticle(
        article=_within_columns(article, body),
        title=title,
        body=body,
        canonical_url=canonical if _fits(canonical, Article.canonical_url) else None,
        content_hash=content_hash,
        minhash=minhash,
        passages=tuple(passages),
        sentences=pack_spans(sentences),
    )


def _within_columns(article: ExtractedArticle, body: str) -> ExtractedArticle:
    """The article with metadata that fits its columns: PostgreSQL refuses a longer
    string (SQLite does not check). Names and places are cut; an identifier too long to
    store is dropped, since a cut one could equal another article's.

    When normalising left the body as it was, the article holds the normalised string
    itself: one object, so a prepared article sent between processes carries it once.
    """
    return dataclasses.replace(
        article,
        body=body if body == article.body else article.body,
        source=_cut(article.source, Source.name),
        byline=_cut(article.byline, Article.byline),
        dateline=_cut(article.dateline, Article.dateline),
        language=_cut(article.language, Article.language),
        external_id=article.external_id
        if _fits(article.external_id, Article.external_id)
        else None,
    )


@functools.cache
def _width(column: InstrumentedAttribute[Any]) -> int:
    # Cached: reading a column's type through the ORM attribute costs some 25 us, a few
    # times per article of a bulk ingest; the widths never change while running.
    width: int = column.type.length
    return width


def _fits(value: str | None, column: InstrumentedAttribute[Any]) -> bool:
    return value is None or len(value) <= _width(column)


def _cut(value: str | None, column: InstrumentedAttribute[Any]) -> str | None:
    return value if value is None else value[: _width(column)].strip() or None


def duplicate_keys(prepared: PreparedArticle) -> tuple[str | None, ...]:
    """The article's values for ``DUPLICATE_COLUMNS``, in their order (None: no such key)."""
    return (prepared.content_hash, prepared.canonical_url, prepared.article.external_id)


def find_duplicate(session: Session, prepared: PreparedArticle, scope_id: int) -> int | None:
    """The lowest id of a visible article with the same body, canonical URL or external
    id, tried in that order.

    One query per key rather than an OR across columns, so each uses its own index.
    """
    visible = Article.scope_id.in_(visible_scopes(scope_id))
    for column, key in zip(DUPLICATE_COLUMNS, duplicate_keys(prepared), strict=True):
        if not key:
            continue
        found = session.scalar(
            select(Article.id).where(visible, column == key).order_by(Article.id).limit(1)
        )
        if found is not None:
            return found
    return None


def source_id_for(session: Session, name: str | None) -> int | None:
    """Get or create a source by name, safe against a concurrent creator."""
    if not name:
        return None
    name = name.strip()[:200]
    existing = session.scalar(select(Source.id).where(Source.name == name))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            source = Source(name=name)
            session.add(source)
    except IntegrityError:
        return session.scalar(select(Source.id).where(Source.name == name))
    return source.id


def find_story(
    session: Session, prepared: PreparedArticle, scope_id: int, threshold: float
) -> int | None:
    """The story id of the most similar visible article above the threshold.

    Buckets are 63-bit hashes, so looking them up by value (indexed) and checking the
    band and scope afterwards reads only true candidates.
    """
    bands = list(band_buckets(prepared.minhash))
    rows = session.execute(
        select(StoryBand.article_id, StoryBand.band, StoryBand.bucket, StoryBand.scope_id).where(
            StoryBand.bucket.in_(list(dict.fromkeys(bucket for _band, bucket in bands)))
        )
    ).all()
    candidate_ids = band_candidates(bands, rows, scope_id)
    if not candidate_ids:
        return None
    candidates = session.execute(
        select(Article.id, Article.story_id, Article.minhash)
        .where(Article.id.in_(candidate_ids))
        .order_by(Article.id)
    ).all()
    return closest_story(
        prepared.minhash,
        ((story_id or article_id, signature) for article_id, story_id, signature in candidates),
        threshold,
    )


def band_candidates(
    bands: Iterable[tuple[int, int]],
    rows: Iterable[tuple[int, int, int, int]],
    scope_id: int,
) -> set[int]:
    """Ids of the stored articles that share a band with an article of ``bands`` ((band,
    bucket) pairs) and that the scope sees; ``rows`` are story-band rows (article, band,
    bucket, scope) read by bucket."""
    wanted = {bucket: band for band, bucket in bands}
    scopes = set(visible_scopes(scope_id))
    return {
        article_id
        for article_id, band, bucket, row_scope in rows
        if wanted.get(bucket) == band and row_scope in scopes
    }


def closest_story(
    signature: bytes, candidates: Iterable[tuple[_Ref, bytes]], threshold: float
) -> _Ref | None:
    """The story reference of the candidate most similar to ``signature``, at
    ``threshold`` or above; None when none is that similar.

    Candidates are (story reference, signature) in id order: only a strictly better
    similarity replaces the best so far, so a tie goes to the lowest id.
    """
    best: tuple[float, _Ref] | None = None
    for ref, theirs in candidates:
        score = similarity(signature, theirs)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, ref)
    return best[1] if best else None


def stored_published(prepared: PreparedArticle) -> tuple[datetime | None, int | None]:
    """Publication time as stored, and its UTC offset in minutes.

    A date printed without a zone is stored as UTC and claims no offset.
    """
    published = prepared.article.published
    offset = published.utcoffset() if published is not None else None
    if published is not None and offset is None:
        published = published.replace(tzinfo=UTC)
    return published, int(offset.total_seconds() // 60) if offset is not None else None


def store(
    session: Session,
    prepared: PreparedArticle,
    *,
    scope_id: int,
    settings: IngestSettings,
) -> Stored:
    """Add one article with its passages, story bands and change-log entry.

    Everything is added to the caller's transaction: committing it makes the article
    whole, rolling it back leaves nothing.
    """
    duplicate = find_duplicate(session, prepared, scope_id)
    if duplicate is not None:
        return Stored(duplicate, duplicate=True)
    story = find_story(session, prepared, scope_id, settings.near_duplicate_threshold)
    source_id = source_id_for(session, prepared.article.source)
    article = Article(**article_values(prepared, scope_id=scope_id, source_id=source_id))
    session.add(article)
    session.flush()
    article.story_id = story if story is not None else article.id
    passages = [Passage(**values) for values in passage_values(article.id, prepared)]
    session.add_all(passages)
    bands = band_buckets(prepared.minhash)
    session.add_all(StoryBand(**values) for values in band_values(article.id, scope_id, bands))
    append_change(session, article.id, "add")
    return Stored(article.id, duplicate=False, passage_ids=tuple(p.id for p in passages))


def article_values(
    prepared: PreparedArticle, *, scope_id: int, source_id: int | None
) -> dict[str, Any]:
    """The column values of a new article's row (its story is set once its id is known)."""
    extracted = prepared.article
    published, offset = stored_published(prepared)
    return {
        "scope_id": scope_id,
        "source_id": source_id,
        "external_id": extracted.external_id,
        "url": extracted.url,
        "canonical_url": prepared.canonical_url,
        "title": prepared.title,
        "description": extracted.description,
        "byline": extracted.byline,
        "dateline": extracted.dateline,
        "published": published,
        "published_offset": offset,
        "language": extracted.language,
        "body": prepared.body,
        "content_hash": prepared.content_hash,
        "minhash": prepared.minhash,
        "sentence_spans": prepared.sentences,
    }


def passage_values(article_id: int, prepared: PreparedArticle) -> list[dict[str, Any]]:
    """The rows of the article's passages, in order."""
    return [
        {
            "article_id": article_id,
            "ordinal": p.ordinal,
            "text": p.text,
            "start": p.start,
            "end": p.end,
        }
        for p in prepared.passages
    ]


def band_values(
    article_id: int, scope_id: int, bands: Iterable[tuple[int, int]]
) -> list[dict[str, int]]:
    """The story-band rows of the article: its (band, bucket) pairs, in its scope."""
    return [
        {"article_id": article_id, "scope_id": scope_id, "band": band, "bucket": bucket}
        for band, bucket in bands
    ]


def stored_title(session: Session, article_id: int, fallback: str) -> str:
    """The title of the stored article an input duplicates (``fallback`` if it is gone)."""
    existing = session.get(Article, article_id)
    return existing.title if existing is not None else fallback


def added_outcome(name: str, prepared: PreparedArticle, article_id: int) -> IngestOutcome:
    return IngestOutcome(
        name,
        "added",
        article_id=article_id,
        title=prepared.title,
        passages=len(prepared.passages),
        published=prepared.article.published,
    )


def duplicate_outcome(name: str, article_id: int, title: str) -> IngestOutcome:
    return IngestOutcome(
        name,
        "duplicate",
        article_id=article_id,
        title=title,
        reason=f"already stored as article {article_id}",
    )


def failed_outcome(name: str, reason: str, title: str | None = None) -> IngestOutcome:
    return IngestOutcome(name, "failed", title=title, reason=reason)
