"""Helpers for the digest tests: a clock the test moves, articles at chosen ingest times,
and a poster that records what it was asked to send."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from retrieval.config import Settings
from retrieval.digest.digest_values import DigestPost, ScheduleInfo
from retrieval.errors import PostFailed
from retrieval.ingest.extract import ExtractedArticle
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article


class ManualClock:
    """``now()`` for the digest service: stays put until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def add_article(
    news: NewsService,
    *,
    title: str,
    body: str,
    ingested_at: datetime,
    source: str = "Example News",
    url: str | None = None,
    scope: Scope | None = None,
    published: datetime | None = None,
) -> int:
    """Store an article as if it had been ingested at ``ingested_at``; its id."""
    outcome = news.ingest_article(
        ExtractedArticle(
            title=title,
            body=body,
            source=source,
            url=url or f"https://news.example/{_slug(source)}/{_slug(title)}",
            published=published,
        ),
        name=title,
        scope=scope or Scope(),
    )
    assert outcome.status == "added", outcome
    assert outcome.article_id is not None
    with news.unit_of_work() as session:
        session.execute(
            update(Article).where(Article.id == outcome.article_id).values(ingested_at=ingested_at)
        )
    return outcome.article_id


def paragraph(topic: str, n: int = 6, *, retold: bool = False) -> str:
    """A plausible article body about ``topic`` (distinct per topic, so not a duplicate).

    ``retold``: the same report with a closing line added, as a second outlet runs it
    (a near-duplicate: same story, not the same text).
    """
    sentences = [
        f"The {topic} plan was approved by the regional council on Tuesday after a long debate.",
        f"Officials said the {topic} work would begin next spring and last about three years.",
        f"Residents near the {topic} site asked for more information about noise and traffic.",
        f"A spokesperson for the {topic} project said the budget had been checked twice.",
        f"Critics of the {topic} scheme said the council had ignored cheaper alternatives.",
        f"The next public meeting about the {topic} proposal is planned for early summer.",
    ]
    closing = [f"This report on the {topic} was updated with comment from officials."]
    return " ".join(sentences[:n] + (closing if retold else []))


@dataclass
class RecordingPoster:
    """A ``Poster`` that records digests; ``fail_with`` makes every post raise."""

    posts: list[DigestPost] = field(default_factory=list)
    paused: list[tuple[ScheduleInfo, str]] = field(default_factory=list)
    fail_with: PostFailed | None = None
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, post: DigestPost) -> tuple[int, ...]:
        if self.fail_with is not None:
            raise self.fail_with
        with self.lock:
            self.posts.append(post)
            self.next_id += 1
            return (self.next_id,)

    def notify_paused(self, schedule: ScheduleInfo, reason: str) -> None:
        self.paused.append((schedule, reason))


def tick_in_process(settings: Settings, now: datetime, name: str, go: Any, results: Any) -> None:
    """Body of a scheduler process: open the database, wait for ``go``, tick once, and
    report the channels posted to (any start method)."""
    from retrieval.digest.facade import DigestService
    from retrieval.digest.posting import DigestScheduler

    news = NewsService.open(settings)
    try:
        poster = RecordingPoster()
        scheduler = DigestScheduler(DigestService(news, ManualClock(now), instance=name), poster)
        go.wait(30)
        report = scheduler.tick()
        results.put((name, [p.schedule.channel_id for p in poster.posts], report.errors))
    finally:
        news.close()
