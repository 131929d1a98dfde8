"""The engine's facade: every user-facing operation, for the CLI and the bot alike.

Each public method is one unit of work: it opens one session, does its work and closes
it, so callers (a CLI command, a Discord command running in a worker thread) never hold
database state. Methods block; long-running processes run them in the service's one
executor (``submit``, and ``submit_answer`` for answers, which can run in answering
processes spread over the cores: ``start_answer_processes``).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from retrieval import catalog
from retrieval.answer import compose as answering
from retrieval.config import Settings
from retrieval.errors import (
    IndexSnapshotError,
    InputError,
    NewsbotError,
    QueryError,
    StorageRefused,
    StorageUnavailable,
)
from retrieval.executor import EngineExecutor
from retrieval.index import BM25Index, PassageFilter
from retrieval.index import catch_up as indexing
from retrieval.index.tokenizer import Tokenizer
from retrieval.ranking import Ranker
from retrieval.ranking import stories as search
from retrieval.ranking.texts import session_passage_tokens
from retrieval.results import (
    Answer,
    ArticleSummary,
    ArticleTitle,
    Citation,
    Scope,
    SearchFilters,
    SourceStats,
    Trend,
    cite_article,
    published_local,
)
from retrieval.store.database import make_engine, make_sessionmaker, migrate
from retrieval.store.failures import SNAPSHOT_SETTING, database_error, file_error, location_of
from retrieval.store.models import Article
from retrieval.text.sentences import Span

if TYPE_CHECKING:
    from retrieval.ingest.extract import ExtractedArticle, ExtractOptions
    from retrieval.ingest.stages import IngestOutcome

# Ingest, extraction and summaries are imported by the methods that use them: a one-shot
# ``newsbot ask`` loads the engine without the extractors and their dependencies
# (PLC0415 is allowed in this module for that).

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
# The service methods that answer, by name (what ``submit_answer`` runs).
AnswerKind = Literal["ask", "news"]

# Trend charts look at this many matching passages at most.
TREND_MAX_PASSAGES = 5_000
# Peak days whose headlines are cited under a trend chart.
TREND_PEAKS = 3


class NewsService:
    """Owns the process's database engine, sessionmaker, tokenizer and BM25 index."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sessions: sessionmaker[Session],
        index: BM25Index,
        tokenizer: Tokenizer,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = sessions
        self.index = index
        self.tokenizer = tokenizer
        # The index is not safe for concurrent mutation and search; operations are short.
        self._lock = threading.RLock()
        self._saved_position = index.position
        self._refreshed_at = time.monotonic()
        self._stories_read = answering.StoryReader(tokenizer)
        self._executor = EngineExecutor(settings.engine.threads)

    # ----------------------------------------------------------------- life cycle
    @classmethod
    def open(cls, settings: Settings, *, migrate_schema: bool = True) -> NewsService:
        """Connect, migrate, and bring the index up to date (snapshot + change log)."""
        engine = make_engine(settings.database)
        if migrate_schema:
            migrate(engine)
        sessions = make_sessionmaker(engine)
        tokenizer = Tokenizer()
        index = cls._load_snapshot(settings, tokenizer.signature)
        loaded = index.position if len(index) else None
        service = cls(settings, engine, sessions, index, tokenizer)
        with service.unit_of_work() as session:
            if index.position == 0 and len(index) == 0:
                added = indexing.rebuild(session, index, tokenizer)
                log.info("index built from the database: %d passages", added)
            else:
                applied = indexing.catch_up(session, index, tokenizer)
                log.info("index snapshot caught up: %d changes applied", applied)
        # A snapshot is worth saving only when the index differs from the one on disk.
        service._saved_position = loaded if loaded is not None else -1
        return service

    @staticmethod
    def _load_snapshot(settings: Settings, analysis: str) -> BM25Index:
        path = settings.snapshot_path()
        params = settings.index
        fresh = BM25Index(k1=params.k1, b=params.b, epsilon=params.epsilon)
        fresh.analysis = analysis
        if not path.exists():
            return fresh
        try:
            index = BM25Index.load(path)
        except IndexSnapshotError as exc:
            log.warning("index snapshot unusable, rebuilding: %s", exc.reason)
            return fresh
        if (index.k1, index.b, index.epsilon) != (params.k1, params.b, params.epsilon):
            log.info("BM25 parameters changed since the snapshot; rebuilding")
            return fresh
        if index.analysis != analysis:
            log.info("the tokenizer changed since the snapshot; rebuilding")
            return fresh
        return index

    def close(self, *, save: bool = False) -> None:
        """Stop the executor and release the database; with ``save``, first write the index
        snapshot so the next start is fast (a failure to save is logged: the index can
        always be rebuilt)."""
        try:
            self._executor.shutdown()
            if save:
                self.save_snapshot()
        except (NewsbotError, OSError) as exc:
            log.warning("index snapshot not saved: %s", exc)
        finally:
            self.engine.dispose()

    def save_snapshot(self) -> Path | None:
        """Write the index snapshot if it changed since it was loaded or last saved."""
        with self._lock:
            if self.index.position == self._saved_position:
                return None
            path = self.settings.snapshot_path()
            try:
                self.index.save(path)
            except OSError as exc:
                # A short write (numpy reports it without an errno) is a full disk too.
                # Nothing is lost: the next process rebuilds the index from the database.
                raise file_error(exc, "the index snapshot", SNAPSHOT_SETTING) or StorageRefused(
                    f"cannot write the index snapshot {path} ({exc}): the disk may be full; "
                    f"free some space or move it ({SNAPSHOT_SETTING}). The articles are "
                    "stored: the index is rebuilt from the database next time",
                    path=str(path),
                ) from exc
            self._saved_position = self.index.position
            return path

    def refresh(self) -> int:
        """Apply other processes' ingests and removals; returns the changes applied."""
        with self.unit_of_work() as session, self._lock:
            applied = indexing.catch_up(session, self.index, self.tokenizer)
        self._refreshed_at = time.monotonic()
        return applied

    def refresh_to(self, position: int) -> int:
        """Catch up before answering in an answering process: apply the change log when
        the index is behind change-log ``position`` (what the caller's index holds), or
        when the last catch-up is older than ``[index] refresh_seconds`` (what other
        processes ingested since); returns the changes applied."""
        stale = time.monotonic() - self._refreshed_at >= self.settings.index.refresh_seconds
        if self.index.position >= position and not stale:
            return 0
        return self.refresh()

    # ------------------------------------------------------------------ executor
    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run a blocking call (usually one of this service's methods) in one of the
        executor's ``[engine] threads``: the bot's commands, feed polls, digest ticks."""
        return self._executor.submit(fn, *args, **kwargs)

    def submit_answer(
        self,
        kind: AnswerKind,
        query: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Future[Answer]:
        """``ask`` or ``news`` (by ``kind``) in an answering process once they are started
        (``start_answer_processes``), else in a thread; ``limit`` None is the method's
        default. A process answers from an index at least as recent as this one."""
        options: dict[str, object] = {"scope": scope, "filters": filters, "offset": offset}
        if limit is not None:
            options["limit"] = limit
        if self._executor.processes:
            return self._executor.submit_to_process(kind, self.index.position, query, **options)
        method: Callable[..., Answer] = self.ask if kind == "ask" else self.news
        return self._executor.submit(method, query, **options)

    def start_answer_processes(self, count: int | None = None) -> list[int]:
        """Start ``count`` (default ``[engine] answer_processes``) answering processes for
        ``submit_answer``; returns their process ids. The index snapshot is saved first,
        so they open the index as it is now and catch up only with later changes."""
        count = self.settings.engine.answer_processes if count is None else count
        if count <= 0:
            self._executor.stop_processes()
            return []
        try:
            self.save_snapshot()
        except (NewsbotError, OSError) as exc:
            log.warning("index snapshot not saved; answering processes catch up from it: %s", exc)
        opener = functools.partial(NewsService.open, self.settings, migrate_schema=False)
        pids = self._executor.start_processes(count, opener)
        log.info("answering processes started: %s", pids)
        return pids

    def stop_answer_processes(self) -> None:
        """Stop the answering processes: answers run in the threads again."""
        self._executor.stop_processes()

    def answer_processes(self) -> int:
        """How many answering processes run (0: answers run in the threads)."""
        return self._executor.processes

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One session and transaction: the unit of work of every caller (CLI command,
        bot command, feed poll, digest run). Database outages become StorageUnavailable.
        """
        try:
            with self.sessions.begin() as session:
                yield session
        except DataError as exc:
            # Values the database refuses (a NUL byte in text on PostgreSQL, say) come from
            # the request, not from an outage: the user gets a reason, not a traceback.
            raise QueryError(
                "the request contains characters or values the database cannot store"
            ) from exc
        except OperationalError as exc:
            # A full disk or a read-only file says so: waiting would not help.
            classified = database_error(exc, location_of(str(self.engine.url)))
            if isinstance(classified, StorageRefused):
                raise classified from exc
            raise StorageUnavailable(
                "the database is unavailable right now; try again in a moment"
            ) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StorageUnavailable(
                    "the database connection was lost; try again in a moment"
                ) from exc
            raise

    # --------------------------------------------------------------------- ingest
    def ingest_paths(self, paths: Sequence[Path], *, scope: Scope) -> list[IngestOutcome]:
        return list(self.iter_ingest_paths(paths, scope=scope))

    def iter_ingest_paths(self, paths: Iterable[Path], *, scope: Scope) -> Iterator[IngestOutcome]:
        """Ingest files one by one, yielding an outcome per article or failure."""
        from retrieval.ingest.extract import extract_path
        from retrieval.ingest.stages import IngestOutcome

        options = self._extract_options()
        for path in paths:
            name = str(path)
            try:
                records = list(extract_path(path, options))
            except InputError as exc:
                yield IngestOutcome(name, "failed", reason=exc.reason)
                continue
            yield from self._ingest_records(name, records, scope)

    def ingest_bytes(
        self,
        data: bytes,
        *,
        name: str,
        scope: Scope,
        url: str | None = None,
        content_type: str | None = None,
    ) -> list[IngestOutcome]:
        """Ingest an uploaded or fetched document."""
        from retrieval.ingest.extract import extract_bytes
        from retrieval.ingest.stages import IngestOutcome

        try:
            records = list(
                extract_bytes(
                    data,
                    name=name,
                    options=self._extract_options(),
                    url=url,
                    content_type=content_type,
                )
            )
        except InputError as exc:
            return [IngestOutcome(name, "failed", reason=exc.reason)]
        return list(self._ingest_records(name, records, scope))

    def _extract_options(self) -> ExtractOptions:
        from retrieval.ingest.extract import ExtractOptions

        return ExtractOptions(max_input_bytes=self.settings.ingest.max_input_bytes)

    def _ingest_records(
        self, name: str, records: Sequence[ExtractedArticle | InputError], scope: Scope
    ) -> Iterator[IngestOutcome]:
        from retrieval.ingest.stages import IngestOutcome

        many = len(records) > 1
        for number, record in enumerate(records, start=1):
            label = f"{name}:{number}" if many else name
            if isinstance(record, InputError):
                line = getattr(record, "line", None)
                label = f"{name}:{line}" if line else label
                yield IngestOutcome(label, "failed", reason=record.reason)
                continue
            yield self.ingest_article(record, name=label, scope=scope)

    def ingest_article(
        self, article: ExtractedArticle, *, name: str, scope: Scope
    ) -> IngestOutcome:
        """Store one article in its own transaction, then make it searchable."""
        from retrieval.ingest.stages import (
            STORE_ATTEMPTS,
            added_outcome,
            duplicate_outcome,
            failed_outcome,
            prepare,
            store,
            stored_title,
        )

        try:
            prepared = prepare(article, self.settings.ingest)
        except NewsbotError as exc:
            return failed_outcome(name, exc.reason, title=article.title or None)
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                with self.unit_of_work() as session:
                    stored = store(
                        session,
                        prepared,
                        scope_id=search.scope_id(scope),
                        settings=self.settings.ingest,
                    )
                    if stored.duplicate:
                        title = stored_title(session, stored.article_id, prepared.title)
                        return duplicate_outcome(name, stored.article_id, title)
                break
            except IntegrityError:
                # Another process committed the same article between this one's
                # duplicate check and its insert; the next attempt sees it as a duplicate.
                if attempt == STORE_ATTEMPTS:
                    raise
        # Catching up from the change log adds this article (and any other process's
        # earlier ones) in log order, so the index position stays exact.
        self.refresh()
        return added_outcome(name, prepared, stored.article_id)

    def forget(self, article_id: int, *, scope: Scope) -> ArticleTitle:
        """Remove an article owned by the scope, from the database and the index."""
        with self.unit_of_work() as session:
            article = catalog.forget_article(session, article_id, scope)
            title = ArticleTitle(article.id, article.title, article.source_name, article.published)
        self.refresh()
        return title

    # -------------------------------------------------------------------- answers
    def _stories(
        self, query: str, scope: Scope, filters: SearchFilters, session: Session, wanted: int
    ) -> tuple[list[str], list[search.StoryHit]]:
        tokens = search.query_tokens(self.tokenizer, query)
        passage_filter = search.build_filter(session, scope, filters)
        with self._lock:
            stories = search.rank_stories(
                session,
                self.ranker(session),
                tokens,
                passage_filter,
                wanted=wanted,
                candidates=self.settings.index.candidates,
            )
        return tokens, stories

    def ask(
        self,
        question: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Answer:
        """Key sentences answering the question, each cited to its story."""
        filters = filters or SearchFilters()
        limit = limit or self.settings.answer.max_citations
        with self.unit_of_work() as session:
            _, stories = self._stories(question, scope, filters, session, offset + limit + 1)
            return answering.compose_answer(
                question,
                stories,
                self.tokenizer,
                self._stories_read,
                partial(search.load_texts, session),
                self.index,
                self.settings.answer,
                offset=offset,
                limit=limit,
                filtered=_filtered(filters),
            )

    def news(
        self,
        query: str,
        *,
        scope: Scope,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int = 5,
    ) -> Answer:
        """The top stories for a query, as cited snippets."""
        filters = filters or SearchFilters()
        with self.unit_of_work() as session:
            tokens, stories = self._stories(query, scope, filters, session, offset + limit + 1)
            return answering.compose_news(
                query,
                stories,
                tokens,
                self.tokenizer,
                self.settings.answer,
                offset=offset,
                limit=limit,
                filtered=_filtered(filters),
            )

    def search_passages(
        self, query: str, *, scope: Scope, limit: int = 10, filters: SearchFilters | None = None
    ) -> list[search.PassageHit]:
        """Ranked passages with scores (the ``newsbot search`` view), as plain records."""
        tokens = search.query_tokens(self.tokenizer, query)
        with self.unit_of_work() as session:
            passage_filter = search.build_filter(session, scope, filters or SearchFilters())
            with self._lock:
                found = self.index.search(tokens, limit, passage_filter)
            return search.load_hits(session, [(h.passage_id, h.score) for h in found])

    def rank_articles(self, query: str, *, k: int) -> list[tuple[str, float]]:
        """Articles (external id, else id) ranked by their passages: TREC runs."""
        tokens = self.tokenizer.tokenize(query)
        if not tokens:
            return []
        with self.unit_of_work() as session:
            with self._lock:
                ranked = self.ranker(session).articles(tokens, k)
            rows = session.execute(
                select(Article.id, Article.external_id).where(
                    Article.id.in_([a for a, _ in ranked])
                )
            ).all()
            ids = {row[0]: row[1] for row in rows}
        return [(ids.get(a) or str(a), score) for a, score in ranked]

    def article_hits(
        self, tokens: Sequence[str], passage_filter: PassageFilter, k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best passages for ``tokens`` as (article id, score), best first; an
        article appears once per matching passage (trends, digests)."""
        with self._lock:
            return [
                (self.index.article_of(hit.passage_id), hit.score)
                for hit in self.index.search(tokens, k, passage_filter)
            ]

    @contextmanager
    def index_held(self) -> Iterator[BM25Index]:
        """The index, with no search or catch-up running on it until the block ends: for
        callers outside the service that change it (bulk ingest adds passages directly).
        Searches go through the service's methods, which hold it themselves."""
        with self._lock:
            yield self.index

    def ranker(self, session: Session) -> Ranker:
        """The configured ranking over the index, reading passage text through ``session``."""
        return Ranker(
            self.index, self.settings.ranking, session_passage_tokens(session, self.tokenizer)
        )

    def summarize_article(
        self, ref: str, *, scope: Scope, sentences: int | None = None
    ) -> ArticleSummary:
        """An article's key sentences, in article order."""
        from retrieval.answer.summarize import key_sentences

        count = sentences or self.settings.summary.sentences
        with self.unit_of_work() as session:
            article = catalog.find_article(session, ref, scope)
            spans = key_sentences(article.body, count, self.tokenizer.tokenize)
            return ArticleSummary(
                article_id=article.id,
                title=article.title,
                source=article.source_name,
                published=published_local(article),
                url=article.url,
                sentences=tuple(_texts(article.body, spans)),
            )

    def summarize_text(self, text: str, sentences: int | None = None) -> list[str]:
        """Key sentences of any text (``newsbot summarize``); touches no database."""
        from retrieval.answer.summarize import key_sentences

        spans = key_sentences(
            text, sentences or self.settings.summary.sentences, self.tokenizer.tokenize
        )
        return _texts(text, spans)

    def sources(self, *, scope: Scope) -> list[SourceStats]:
        with self.unit_of_work() as session:
            return catalog.source_stats(session, scope)

    def source_names(self, *, scope: Scope, prefix: str = "", limit: int = 25) -> list[str]:
        with self.unit_of_work() as session:
            return catalog.source_names(session, scope, prefix, limit)

    def recent_titles(
        self, *, scope: Scope, prefix: str = "", limit: int = 25
    ) -> list[ArticleTitle]:
        with self.unit_of_work() as session:
            return catalog.recent_titles(session, scope, prefix, limit)

    def trend(
        self, query: str, *, scope: Scope, days: int = 30, now: datetime | None = None
    ) -> Trend:
        """Matching articles per day over the window, with the peak days' headlines cited."""
        now = now or datetime.now(UTC)
        since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        filters = SearchFilters(since=since, until=now + timedelta(seconds=1))
        tokens = search.query_tokens(self.tokenizer, query)
        with self.unit_of_work() as session:
            passage_filter = search.build_filter(session, scope, filters)
            best: dict[int, float] = {}
            for article_id, score in self.article_hits(tokens, passage_filter, TREND_MAX_PASSAGES):
                best.setdefault(article_id, score)
            day_list, per_day = catalog.day_counts(session, list(best), since, now)
            peaks = sorted(per_day.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TREND_PEAKS]
            citations: list[Citation] = []
            for n, (_day, ids) in enumerate(peaks, start=1):
                top = max(ids, key=lambda a: best[a])
                article = session.get_one(Article, top)
                snippet = article.description or ""
                citations.append(cite_article(n, article, snippet=snippet, score=best[top]))
            return Trend(query=query, days=tuple(day_list), peaks=tuple(citations))

    def record_feedback(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message_id: int,
        query: str,
        vote: int,
    ) -> None:
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        with self.unit_of_work() as session:
            catalog.record_feedback(
                session,
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                message_id=message_id,
                query=query,
                vote=vote,
            )


def _filtered(filters: SearchFilters) -> bool:
    return bool(filters.since or filters.until or filters.source)


def _texts(text: str, spans: Sequence[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]
