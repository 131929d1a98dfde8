"""Load bench (hand-run, not CI): many concurrent ``/ask`` interactions against the bot.

The real ``NewsBot`` and ``NewsService`` run against the fake Discord of the e2e tests
over a corpus of about 100k passages built from the shared news corpora (articles are
cycled, with a replica marker, until the passage target is met; the database is kept in
``bench/out/bot_load`` and reused). All questions are dispatched at once as
INTERACTION_CREATE events from distinct users; the bench prints the time from dispatch
to the initial acknowledgement and to the bot's answer (p50/p95/max) and the errors.

    .venv/bin/python bench/bot_load.py [--passages 100000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import NewsBot  # noqa: E402
from retrieval.config import Settings, settings_from_mapping  # noqa: E402
from retrieval.extract.model import ExtractedArticle  # noqa: E402
from retrieval.results import Scope  # noqa: E402
from retrieval.service import NewsService  # noqa: E402
from tests.fakediscord import FakeDiscord, InteractionState, running  # noqa: E402

DATA_DIR = ROOT / ".." / "shared" / "data"
CORPORA = ("bbc_news_2225.jsonl.gz", "reuters21578.jsonl.gz")
DEFAULT_WORKDIR = ROOT / "bench" / "out" / "bot_load"
DEFAULT_PASSAGES = 100_000
DEFAULT_CONCURRENCY = 200
# Seeds the choice of questions (article titles), as the engine benchmarks do.
QUESTION_SEED = 20240601
# Seconds one interaction may take before it counts as failed.
REPLY_TIMEOUT = 180.0
# Print ingest progress every this many articles.
PROGRESS_EVERY = 2_000
# Titles are questions; the slash command accepts up to this many characters.
QUESTION_MAX = 500
# Bench articles are visible to every guild.
GLOBAL = Scope.global_only()


def read_records() -> list[dict[str, Any]]:
    """All articles of the shared corpora, in file order."""
    records: list[dict[str, Any]] = []
    for name in CORPORA:
        path = DATA_DIR / name
        if not path.is_file():
            raise SystemExit(f"bot_load: {path} is missing (see shared/data/README.md)")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


def _published(record: dict[str, Any]) -> datetime | None:
    """The record's date; the corpora give no zone, so UTC is assumed (the store needs one)."""
    raw = record.get("date")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def replicas(records: list[dict[str, Any]]) -> Iterator[ExtractedArticle]:
    """The corpus, then copies of it; copy k > 0 carries a marker so it is not a duplicate."""
    for copy in itertools.count():
        for record in records:
            marker = f"Replica {copy} of {record['id']}.\n\n" if copy else ""
            yield ExtractedArticle(
                title=str(record["title"]),
                body=marker + str(record["text"]),
                published=_published(record),
                source=str(record.get("source") or "") or None,
                external_id=f"{record['id']}#{copy}",
            )


def build_corpus(service: NewsService, records: list[dict[str, Any]], target: int) -> int:
    """Ingest replicas until the index holds ``target`` passages; returns the count."""
    passages = len(service.index)
    started = time.perf_counter()
    for done, article in enumerate(replicas(records), start=1):
        if passages >= target:
            break
        outcome = service.ingest_article(article, name=article.external_id or "", scope=GLOBAL)
        passages += outcome.passages
        if done % PROGRESS_EVERY == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {done} articles, {passages} passages ({rate:.0f} articles/s)")
    service.save_snapshot()
    return passages


def bench_settings(workdir: Path) -> Settings:
    return settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{workdir / 'bench.db'}"},
            "index": {"snapshot_path": str(workdir / "bench.index")},
        }
    )


def pick_questions(records: list[dict[str, Any]], count: int) -> list[str]:
    titles = [str(r["title"])[:QUESTION_MAX] for r in records if str(r.get("title") or "").strip()]
    return random.Random(QUESTION_SEED).sample(titles, count)


@dataclass
class LoadResult:
    acks: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    answered: int = 0
    unanswered: int = 0
    failures: list[str] = field(default_factory=list)


async def measure(fake: FakeDiscord, state: InteractionState, result: LoadResult) -> None:
    """Record the acknowledgement and reply latency of one interaction."""
    try:
        ack = await fake.callback(state, timeout=REPLY_TIMEOUT)
        request, message = await fake.interaction_reply(state, timeout=REPLY_TIMEOUT)
    except AssertionError as exc:
        result.failures.append(f"{state.id}: {str(exc).splitlines()[0]}")
        return
    if not ack.ok:
        result.failures.append(f"{state.id}: acknowledgement refused ({ack.status})")
        return
    result.acks.append(ack.at - state.dispatched_at)
    result.replies.append(request.at - state.dispatched_at)
    if message.get("components"):
        result.answered += 1
    else:
        result.unanswered += 1


async def run_load(service: NewsService, questions: list[str]) -> LoadResult:
    fake = FakeDiscord()
    await fake.start()
    result = LoadResult()
    try:
        bot = NewsBot(service.settings, service, refresh_interval=None)
        async with running(fake, bot):
            await bot.tree.sync()
            users = [fake.world.add_user(f"reader{n}").username for n in range(len(questions))]
            states = [
                await fake.slash("ask", {"question": q}, user=u)
                for q, u in zip(questions, users, strict=True)
            ]
            await asyncio.gather(*(measure(fake, s, result) for s in states))
        refused = [str(r) for r in fake.errors()]
        result.failures.extend(f"refused: {r}" for r in refused)
    finally:
        await fake.close()
    return result


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms"
    )


def report(result: LoadResult, total: int, elapsed: float) -> None:
    print(f"interactions: {total} dispatched at once, finished in {elapsed:.1f} s")
    print(f"acknowledgement (dispatch -> callback): {_percentiles(result.acks)}")
    print(f"answer (dispatch -> REST reply):       {_percentiles(result.replies)}")
    print(f"answered with citations: {result.answered}, without: {result.unanswered}")
    print(f"errors: {len(result.failures)}")
    for failure in result.failures[:10]:
        print(f"  {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=DEFAULT_PASSAGES)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    # Progress lines should appear as they happen, also when the output goes to a file.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    args.workdir.mkdir(parents=True, exist_ok=True)
    records = read_records()
    started = time.perf_counter()
    service = NewsService.open(bench_settings(args.workdir))
    try:
        print(f"opened the corpus in {time.perf_counter() - started:.1f} s")
        if len(service.index) < args.passages:
            print(f"building the corpus up to {args.passages} passages...")
            build_corpus(service, records, args.passages)
        print(f"index: {len(service.index)} passages")
        questions = pick_questions(records, args.concurrency)
        started = time.perf_counter()
        result = asyncio.run(run_load(service, questions))
        report(result, len(questions), time.perf_counter() - started)
    finally:
        service.close()
    return 1 if result.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
