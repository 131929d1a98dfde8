"""Questions about the stored articles themselves: lookups, listings, counts, feedback.

Every function takes the caller's session and a scope; none opens a session or sees
articles outside the scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retrieval.errors import ArticleNotFound
from retrieval.ingest.dedupe import canonical_url
from retrieval.ranking.stories import scope_id
from retrieval.results import ArticleTitle, Scope, SourceStats, TrendDay
from retrieval.store.changelog import append_change
from retrieval.store.models import Article, Feedback, Source, visible_scopes

# Autocomplete lists are short: Discord shows at most 25 choices.
MAX_CHOICES = 25


def _visible(scope: Scope) -> ColumnElement[bool]:
    return Article.scope_id.in_(visible_scopes(scope_id(scope)))


def find_article(session: Session, ref: str, scope: Scope) -> Article:
    """An article by id, URL or external id, visible in the scope."""
    ref = ref.strip()
    query = select(Article).where(_visible(scope))
    if ref.isdigit():
        article = session.scalar(query.where(Article.id == int(ref)))
    else:
        url = canonical_url(ref)
        article = session.scalar(query.where(Article.canonical_url == url).limit(1))
        if article is None:
            article = session.scalar(query.where(Article.external_id == ref).limit(1))
    if article is None:
        raise ArticleNotFound(ref)
    return article


def recent_titles(session: Session, scope: Scope, prefix: str, limit: int) -> list[ArticleTitle]:
    query = select(Article).where(_visible(scope))
    if prefix.strip():
        query = query.where(Article.title.ilike(f"%{_escape_like(prefix.strip())}%", escape="\\"))
    rows = session.scalars(
        query.order_by(Article.ingested_at.desc(), Article.id.desc()).limit(min(limit, MAX_CHOICES))
    ).all()
    return [ArticleTitle(a.id, a.title, a.source_name, a.published) for a in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def source_stats(session: Session, scope: Scope) -> list[SourceStats]:
    rows = session.execute(
        select(
            func.coalesce(Source.name, "(unknown source)"),
            func.count(Article.id),
            func.max(Article.published),
        )
        .select_from(Article)
        .outerjoin(Source, Article.source_id == Source.id)
        .where(_visible(scope))
        .group_by(Source.name)
        .order_by(func.count(Article.id).desc())
    ).all()
    return [
        SourceStats(
            name, count, newest.replace(tzinfo=UTC) if newest and not newest.tzinfo else newest
        )
        for name, count, newest in rows
    ]


def source_names(session: Session, scope: Scope, prefix: str, limit: int) -> list[str]:
    query = (
        select(Source.name)
        .join(Article, Article.source_id == Source.id)
        .where(_visible(scope))
        .group_by(Source.name)
        .order_by(Source.name)
    )
    if prefix.strip():
        query = query.where(Source.name.ilike(f"%{_escape_like(prefix.strip())}%", escape="\\"))
    return list(session.scalars(query.limit(min(limit, MAX_CHOICES))).all())


def day_counts(
    session: Session, article_ids: Sequence[int], since: datetime, now: datetime
) -> tuple[list[TrendDay], dict[str, list[int]]]:
    """Matching articles per UTC day from ``since`` to ``now``, and the ids per day."""
    rows = session.execute(
        select(Article.id, Article.published, Article.ingested_at).where(
            Article.id.in_(article_ids)
        )
    ).all()
    per_day: dict[str, list[int]] = {}
    for article_id, published, ingested in rows:
        moment = published or ingested
        if since <= moment <= now:
            per_day.setdefault(moment.astimezone(UTC).date().isoformat(), []).append(article_id)
    counts = Counter({day: len(ids) for day, ids in per_day.items()})
    days: list[TrendDay] = []
    day = since.astimezone(UTC).date()
    while day <= now.astimezone(UTC).date():
        days.append(TrendDay(day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return days, per_day


def record_feedback(
    session: Session,
    *,
    guild_id: int | None,
    channel_id: int,
    user_id: int,
    message_id: int,
    query: str,
    vote: int,
) -> None:
    """Store a vote; a second vote by the same person on the same answer replaces the first."""
    existing = session.scalar(
        select(Feedback).where(Feedback.message_id == message_id, Feedback.user_id == user_id)
    )
    if existing is not None:
        existing.vote = vote
        return
    try:
        with session.begin_nested():
            session.add(
                Feedback(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    message_id=message_id,
                    query=query[:2000],
                    vote=vote,
                )
            )
    except IntegrityError:
        session.execute(
            update(Feedback)
            .where(Feedback.message_id == message_id, Feedback.user_id == user_id)
            .values(vote=vote)
        )


def forget_article(session: Session, article_id: int, scope: Scope) -> Article:
    """Delete an article with its passages and log the removal for every index."""
    article = find_article(session, str(article_id), scope)
    if article.scope_id != scope_id(scope):
        raise ArticleNotFound(str(article_id))
    session.execute(delete(Article).where(Article.id == article.id))
    append_change(session, article.id, "remove")
    return article
