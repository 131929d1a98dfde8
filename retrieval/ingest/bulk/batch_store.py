"""Storing a batch of prepared articles in one transaction, with set-based SQL.

``retrieval.ingest.stages.store`` writes one article through the ORM: a dozen statements and
a flush per article, about 5 ms. Here a whole batch takes a few dozen statements:
exact-duplicate keys and near-duplicate band buckets are looked up for the batch at
once, then decided article by article in input order, so an article can duplicate or
join the story of an earlier article of the same batch. Rows go in with executemany
(no RETURNING, which SQLite would run row by row) and their ids are read back by a
unique key: (scope, content hash) for articles, (article, ordinal) for passages, and
for change-log entries the sequence numbers above the head read under the log lock.

The decisions are ``stages.store``'s, made by the same rules from
``retrieval.ingest.stages``: the same duplicate keys in the same order
(``DUPLICATE_COLUMNS``), the same band candidates and visible scopes
(``band_candidates``), the same story choice (``closest_story``: threshold, ties to the
lowest id), the same row values and outcomes; the change log is written by
``store.changelog`` as for one article.
``tests/retrieval/ingest/bulk/test_bulk.py`` checks that both paths store the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, bindparam, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from retrieval.config import IngestSettings
from retrieval.ingest.bulk.prepare import Ready
from retrieval.ingest.stages import (
    DUPLICATE_COLUMNS,
    PreparedArticle,
    article_values,
    band_candidates,
    band_values,
    closest_story,
    duplicate_keys,
    passage_values,
    source_id_for,
    stored_published,
)
from retrieval.store.changelog import append_changes
from retrieval.store.models import Article, Base, Passage, StoryBand, visible_scopes

# Values bound in one IN (...) list (well under every backend's parameter limit).
IN_CHUNK = 500
_T = TypeVar("_T")
# The tables themselves: Core statements skip the ORM's per-row bookkeeping.
_ARTICLES = Base.metadata.tables[Article.__tablename__]
_PASSAGES = Base.metadata.tables[Passage.__tablename__]
_BANDS = Base.metadata.tables[StoryBand.__tablename__]


@dataclass
class Decision:
    """What became of one article of the batch (ids are final once the batch is stored)."""

    added: bool
    article_id: int = 0  # for a duplicate: the article it duplicates
    title: str = ""  # for a duplicate: the stored article's title
    source_id: int | None = None
    epoch: int = 0  # publication time, else ingestion time, in epoch seconds
    passage_ids: tuple[int, ...] = ()
    # While deciding: the batch position of the article duplicated, or of the one
    # whose story this one joins, when that article is in the batch too.
    batch_ref: int | None = None
    story: int | None = None  # a stored story id; None with no batch_ref: its own


@dataclass(frozen=True)
class StoredBatch:
    decisions: list[Decision]
    seqs: list[int]  # change-log entries written
    added: list[int] = field(default_factory=list)  # batch positions of added articles


def store_batch(
    session: Session,
    batch: Sequence[Ready],
    *,
    scope_id: int,
    settings: IngestSettings,
    now: datetime | None = None,
) -> StoredBatch:
    """Store the batch in the caller's transaction (committing makes it whole)."""
    now = now or datetime.now(UTC)
    known = _Known(session, batch, visible_scopes(scope_id))
    decisions = [_decide(i, item, known, scope_id, settings) for i, item in enumerate(batch)]
    added = [i for i, d in enumerate(decisions) if d.added]
    if not added:
        _resolve_references(batch, decisions)
        return StoredBatch(decisions, [], added)
    sources = _sources(session, [batch[i].prepared for i in added])
    ids = _insert_articles(session, [batch[i].prepared for i in added], scope_id, sources, now)
    for i in added:
        prepared = batch[i].prepared
        decision = decisions[i]
        decision.article_id = ids[prepared.content_hash]
        decision.source_id = sources.get(prepared.article.source or "")
        decision.epoch = int((stored_published(prepared)[0] or now).timestamp())
    stories = _resolve_references(batch, decisions)
    session.execute(
        update(_ARTICLES)
        .where(_ARTICLES.c.id == bindparam("article"))
        .values(story_id=bindparam("story")),
        stories,
    )
    passages = _insert_passages(session, [(decisions[i].article_id, batch[i]) for i in added])
    for i in added:
        article_id = decisions[i].article_id
        count = len(batch[i].prepared.passages)
        decisions[i].passage_ids = tuple(passages[(article_id, n)] for n in range(count))
    session.execute(
        _BANDS.insert(),
        [
            values
            for i in added
            for values in band_values(decisions[i].article_id, scope_id, batch[i].bands)
        ],
    )
    seqs = append_changes(session, [decisions[i].article_id for i in added], "add", now)
    return StoredBatch(decisions, seqs, added)


class _Known:
    """Stored articles the batch may duplicate or join: fetched once for the batch."""

    def __init__(self, session: Session, batch: Sequence[Ready], visible: tuple[int, ...]) -> None:
        in_scope = Article.scope_id.in_(visible)
        prepared = [item.prepared for item in batch]
        keys = [duplicate_keys(p) for p in prepared]
        # Per duplicate key, in the order of DUPLICATE_COLUMNS: key -> lowest stored id.
        self.by_key = [
            _first_ids(session, column, [k[n] for k in keys], in_scope)
            for n, column in enumerate(DUPLICATE_COLUMNS)
        ]
        # bucket -> (article, band, scope) of every stored band row sharing a bucket.
        self.bands: dict[int, list[tuple[int, int, int]]] = {}
        buckets = sorted({bucket for item in batch for _band, bucket in item.bands})
        for chunk in _chunks(buckets):
            rows = session.execute(
                select(
                    StoryBand.bucket, StoryBand.article_id, StoryBand.band, StoryBand.scope_id
                ).where(StoryBand.bucket.in_(chunk))
            )
            for bucket, article_id, band, scope in rows:
                self.bands.setdefault(bucket, []).append((article_id, band, scope))
        candidates = sorted({a for rows in self.bands.values() for a, _b, _s in rows})
        self.stories: dict[int, tuple[int | None, bytes]] = {}
        for chunk in _chunks(candidates):
            found = session.execute(
                select(Article.id, Article.story_id, Article.minhash).where(Article.id.in_(chunk))
            )
            self.stories.update((a, (story, signature)) for a, story, signature in found)
        duplicated = sorted({i for ids in self.by_key for i in ids.values()})
        self.titles: dict[int, str] = {}
        for chunk in _chunks(duplicated):
            titles = session.execute(select(Article.id, Article.title).where(Article.id.in_(chunk)))
            self.titles.update(titles.all())
        # Keys and bands of the batch's own added articles, filled in as they are decided.
        self.batch_minhash = [p.minhash for p in prepared]
        self.batch_keys: list[dict[str, int]] = [{} for _column in DUPLICATE_COLUMNS]
        self.batch_bands: dict[tuple[int, int], list[int]] = {}


def _first_ids(
    session: Session,
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    keys: Iterable[str | None],
    scope: ColumnElement[bool],
) -> dict[str, int]:
    """Key -> lowest id of a visible article with that key."""
    out: dict[str, int] = {}
    for chunk in _chunks(sorted({k for k in keys if k})):
        rows = session.execute(select(column, Article.id).where(scope, column.in_(chunk)))
        for key, article_id in rows:
            if key is not None and (key not in out or article_id < out[key]):
                out[key] = article_id
    return out


def _decide(
    position: int,
    item: Ready,
    known: _Known,
    scope_id: int,
    settings: IngestSettings,
) -> Decision:
    """Duplicate (of a stored or an earlier batch article) or new, and then its story."""
    keys = duplicate_keys(item.prepared)
    for key, stored_ids, batch_ids in zip(keys, known.by_key, known.batch_keys, strict=True):
        if not key:  # the order of ingest.find_duplicate
            continue
        if key in stored_ids:
            return Decision(False, stored_ids[key], known.titles[stored_ids[key]])
        if key in batch_ids:
            return Decision(False, batch_ref=batch_ids[key])
    for key, batch_ids in zip(keys, known.batch_keys, strict=True):
        if key:
            batch_ids.setdefault(key, position)
    decision = Decision(True)
    decision.story, decision.batch_ref = _story(item, known, scope_id, settings)
    for band_bucket in item.bands:
        known.batch_bands.setdefault(band_bucket, []).append(position)
    return decision


def _story(
    item: Ready, known: _Known, scope_id: int, settings: IngestSettings
) -> tuple[int | None, int | None]:
    """(stored story, batch position) of the most similar visible article, as find_story.

    Candidates are tried in id order (stored ones first: the batch's ids come after).
    """
    buckets = {bucket: band for band, bucket in item.bands}
    rows = [
        (article_id, band, bucket, scope)
        for bucket in buckets
        for article_id, band, scope in known.bands.get(bucket, ())
    ]
    stored = sorted(band_candidates(item.bands, rows, scope_id))
    in_batch = sorted(
        {i for bucket, band in buckets.items() for i in known.batch_bands.get((band, bucket), ())}
    )
    candidates: list[tuple[tuple[int | None, int | None], bytes]] = []
    for article_id in stored:
        story, theirs = known.stories[article_id]
        candidates.append(((story or article_id, None), theirs))
    for position in in_batch:
        candidates.append(((None, position), known.batch_minhash[position]))
    found = closest_story(item.prepared.minhash, candidates, settings.near_duplicate_threshold)
    return found or (None, None)


def _resolve_references(batch: Sequence[Ready], decisions: list[Decision]) -> list[dict[str, int]]:
    """Turn batch positions into ids; the story id of every added article, for an update."""
    stories: list[dict[str, int]] = []
    for decision in decisions:
        ref = decision.batch_ref
        if not decision.added:
            if ref is not None:
                decision.article_id = decisions[ref].article_id
                decision.title = batch[ref].prepared.title
            continue
        if ref is not None:  # joins the story of an earlier article of the batch
            decision.story = decisions[ref].story
        story = decision.story if decision.story is not None else decision.article_id
        decision.story = story
        stories.append({"article": decision.article_id, "story": story})
    return stories


def _sources(session: Session, batch: Sequence[PreparedArticle]) -> dict[str, int]:
    """Source name -> id, created when new (through ``ingest.source_id_for``)."""
    out: dict[str, int] = {}
    for name in dict.fromkeys(p.article.source for p in batch if p.article.source):
        source_id = source_id_for(session, name)
        if source_id is not None:
            out[name] = source_id
    return out


def _insert_articles(
    session: Session,
    batch: Sequence[PreparedArticle],
    scope_id: int,
    sources: dict[str, int],
    now: datetime,
) -> dict[str, int]:
    """Insert the articles (story ids are set afterwards); content hash -> new id."""
    rows = [
        {
            **article_values(
                prepared, scope_id=scope_id, source_id=sources.get(prepared.article.source or "")
            ),
            "story_id": None,
            "ingested_at": now,
        }
        for prepared in batch
    ]
    session.execute(_ARTICLES.insert(), rows)
    ids: dict[str, int] = {}
    # (scope, content hash) is unique, and the batch holds no two equal hashes.
    for chunk in _chunks([p.content_hash for p in batch]):
        found = session.execute(
            select(Article.content_hash, Article.id).where(
                Article.scope_id == scope_id, Article.content_hash.in_(chunk)
            )
        )
        ids.update(found.all())
    return ids


def _insert_passages(
    session: Session, articles: Sequence[tuple[int, Ready]]
) -> dict[tuple[int, int], int]:
    """Insert every passage of the articles; (article id, ordinal) -> passage id."""
    session.execute(
        _PASSAGES.insert(),
        [
            values
            for article_id, item in articles
            for values in passage_values(article_id, item.prepared)
        ],
    )
    ids: dict[tuple[int, int], int] = {}
    for chunk in _chunks(sorted(article_id for article_id, _item in articles)):
        found = session.execute(
            select(Passage.article_id, Passage.ordinal, Passage.id).where(
                Passage.article_id.in_(chunk)
            )
        )
        ids.update(((a, n), pid) for a, n, pid in found)
    return ids


def _chunks(values: Sequence[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(values), IN_CHUNK):
        yield list(values[start : start + IN_CHUNK])
