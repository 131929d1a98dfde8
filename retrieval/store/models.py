"""The relational schema: sources, articles, passages, the index change log, feedback.

The database is the source of truth for text; the BM25 index only holds passage ids
and statistics, and is rebuilt or caught up from ``index_log``. Changes to these
models need an Alembic migration in ``retrieval/store/migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Scope id of articles every server can see; other values are Discord guild ids.
GLOBAL_SCOPE = 0


def visible_scopes(scope_id: int) -> tuple[int, ...]:
    """Scopes whose articles a scope can see (and so must not store again)."""
    return (GLOBAL_SCOPE,) if scope_id == GLOBAL_SCOPE else (GLOBAL_SCOPE, scope_id)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("scope_id", "canonical_url", name="uq_articles_scope_url"),
        UniqueConstraint("scope_id", "content_hash", name="uq_articles_scope_hash"),
        Index("ix_articles_scope_published", "scope_id", "published"),
        Index("ix_articles_story", "story_id"),
        Index("ix_articles_scope_external", "scope_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_id: Mapped[int] = mapped_column(BigInteger, default=GLOBAL_SCOPE)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(String(300))
    dateline: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The publisher's UTC offset in minutes, so times can be shown as published.
    published_offset: Mapped[int | None] = mapped_column(SmallInteger)
    language: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # MinHash signature of the body's word shingles, for near-duplicate grouping.
    minhash: Mapped[bytes] = mapped_column(LargeBinary)
    # The body's sentence spans as ``retrieval.text.sentences.pack_spans`` writes them, so an
    # answer reads an article without splitting it again; empty for articles stored
    # before the column existed (they are split when read).
    sentence_spans: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # Articles carrying the same story share the story id (the first article's id).
    story_id: Mapped[int | None] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    source: Mapped[Source | None] = relationship(lazy="joined")
    passages: Mapped[list[Passage]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="Passage.ordinal",
        passive_deletes=True,
    )

    @property
    def source_name(self) -> str | None:
        return self.source.name if self.source else None


class Passage(Base):
    __tablename__ = "passages"
    __table_args__ = (
        UniqueConstraint("article_id", "ordinal", name="uq_passages_article_ordinal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Character offsets of ``text`` within the article body, for citation.
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)

    article: Mapped[Article] = relationship(back_populates="passages")


class StoryBand(Base):
    """Locality-sensitive hash buckets of MinHash bands: candidates for near-duplicates."""

    __tablename__ = "story_bands"
    __table_args__ = (Index("ix_story_bands_bucket", "bucket"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    scope_id: Mapped[int] = mapped_column(BigInteger)
    band: Mapped[int] = mapped_column(SmallInteger)
    bucket: Mapped[int] = mapped_column(BigInteger)


class IndexLogEntry(Base):
    """Every change to the searchable set, in order; index snapshots record a position here."""

    __tablename__ = "index_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    op: Mapped[str] = mapped_column(String(10))  # "add" or "remove"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(Base):
    """A reader's thumbs up or down on an answer, kept for quality review."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("message_id", "user_id", name="uq_feedback_message_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    query: Mapped[str] = mapped_column(Text)
    vote: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
