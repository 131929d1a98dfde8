"""Hand-run benchmark of start-up and of the whole ``ask`` over a large database.

Builds (or reuses, with ``--workdir``) an SQLite database of at least ``--passages``
passages by bulk-ingesting the shared corpora cycled with light variation (see
``bench/news_corpus.py``), saves the index snapshot, then measures:

* start-up: ``NewsService.open`` from the snapshot after other processes changed the
  database (``--changes`` articles ingested since the snapshot: load + catch-up);
* ``NewsService.ask`` for the judged questions of ``bench/qa`` and 200 article titles,
  wall clock and CPU time per ask, split into its stages (ranking, with its feedback
  pass, loading passages, picking answer sentences, citations).

Copies of an article are near-duplicates, so ingest groups them into one story;
``--distinct-stories`` gives every article its own story afterwards, as a corpus of
different reports would have (one UPDATE). Not run in CI.

    .venv/bin/python bench/bench_ask.py --passages 100000
    .venv/bin/python bench/bench_ask.py --passages 1000000 --workdir /tmp/ask1m --distinct-stories
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select, update  # noqa: E402

from bench.news_corpus import load_articles, pick_queries, replicate_articles  # noqa: E402
from bench.qa.goldset import load_questions  # noqa: E402
from retrieval.answer import compose as answering  # noqa: E402
from retrieval.config import Settings, settings_from_mapping  # noqa: E402
from retrieval.ingest.bulk import ingest_many  # noqa: E402
from retrieval.ranking import ranker  # noqa: E402
from retrieval.ranking import stories as search  # noqa: E402
from retrieval.results import Scope  # noqa: E402
from retrieval.service import NewsService  # noqa: E402
from retrieval.store.models import Article, Passage  # noqa: E402

# Input files of this many articles each are written for the ingest.
FILE_ARTICLES = 20_000
MAX_INPUT_BYTES = 500_000_000
# Passages per article, roughly, to size the ingest before it runs.
PASSAGES_PER_ARTICLE = 1.9
# Stages timed inside ask: (module, attribute, label).
STAGES = (
    (search, "rank_stories", "rank stories (all rounds)"),
    (ranker, "feedback_search", "  of which feedback search (RM3)"),
    (search, "load_hits", "  of which load passages"),
    (answering, "rerank_stories", "re-score stories as articles"),
    (answering, "choose_sentences", "answer sentences"),
    (answering, "make_citation", "citations and snippets"),
)


def settings_for(workdir: Path) -> Settings:
    return settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{workdir / 'newsbot.db'}"},
            "index": {"snapshot_path": str(workdir / "newsbot.index")},
            "ingest": {"max_input_bytes": MAX_INPUT_BYTES},
        }
    )


def consumed(workdir: Path, add: int = 0) -> int:
    """Copies of corpus articles ingested so far into the workdir's database (duplicates
    included: the corpora hold a few), after adding ``add``."""
    path = workdir / "articles-consumed.txt"
    count = (int(path.read_text()) if path.exists() else 0) + add
    path.write_text(str(count))
    return count


def passage_count(service: NewsService) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(Passage)) or 0


def write_inputs(out: Path, articles: list[dict[str, str]], first: int, count: int) -> list[Path]:
    """JSONL files holding copies ``first .. first + count - 1`` of the cycled corpus."""
    out.mkdir(parents=True, exist_ok=True)
    replicated = replicate_articles(articles, first + count)
    for _ in range(first):
        next(replicated)
    paths: list[Path] = []
    handle = None
    for i, article in enumerate(replicated):
        if i % FILE_ARTICLES == 0:
            if handle:
                handle.close()
            paths.append(out / f"part{first + i:08d}.jsonl")
            handle = paths[-1].open("w", encoding="utf-8")
        assert handle is not None
        handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    return paths


def build(workdir: Path, wanted: int, articles: list[dict[str, str]]) -> int:
    """Ingest copies of the corpus until the database holds ``wanted`` passages."""
    service = NewsService.open(settings_for(workdir))
    try:
        have = passage_count(service)
        while have < wanted:
            count = max(1000, int((wanted - have) / PASSAGES_PER_ARTICLE))
            paths = write_inputs(workdir / "inputs", articles, consumed(workdir), count)
            start = time.perf_counter()
            outcomes = list(ingest_many(service, paths, Scope(), workers=os.cpu_count()))
            elapsed = time.perf_counter() - start
            consumed(workdir, len(outcomes))
            have = passage_count(service)
            print(
                f"ingested {len(outcomes):,} articles in {elapsed:.0f} s "
                f"({len(outcomes) / elapsed:,.0f}/s, 2 workers): {have:,} passages",
                flush=True,
            )
            for path in paths:
                path.unlink()
        service.save_snapshot()
        return have
    finally:
        service.close()


def make_distinct(workdir: Path) -> None:
    service = NewsService.open(settings_for(workdir))
    try:
        with service.unit_of_work() as session:
            session.execute(update(Article).values(story_id=Article.id))
    finally:
        service.close()


def changes_since_snapshot(workdir: Path, articles: list[dict[str, str]], count: int) -> None:
    """Another process ingests ``count`` articles and leaves the snapshot as it was."""
    if count <= 0:
        return
    other = NewsService.open(settings_for(workdir))
    try:
        paths = write_inputs(workdir / "changes", articles, consumed(workdir), count)
        list(ingest_many(other, paths, Scope(), workers=0))
        consumed(workdir, count)
        for path in paths:
            path.unlink()
    finally:
        other.engine.dispose()  # no snapshot save: the next start must catch up


def timed_open(workdir: Path) -> tuple[NewsService, float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    service = NewsService.open(settings_for(workdir))
    return service, time.perf_counter() - start, time.process_time() - cpu


class Stages:
    """Wall time spent in each instrumented function during one ask."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)
        # CPU time of the asking thread in each stage: on a shared machine wall time
        # also counts waiting for a core.
        self.cpu: dict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self) -> Iterator[None]:
        originals = [(module, name, getattr(module, name)) for module, name, _ in STAGES]
        for (module, name, label), (_, _, original) in zip(STAGES, originals, strict=True):
            setattr(module, name, self._wrap(original, label))
        try:
            yield
        finally:
            for module, name, original in originals:
                setattr(module, name, original)

    def _wrap(self, function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, used = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.current[label] += time.perf_counter() - start
                self.cpu[label] += time.thread_time() - used

        return timed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def ask_all(service: NewsService, questions: list[str]) -> None:
    stages = Stages()
    wall, cpu = [], []
    per_stage: dict[str, list[float]] = defaultdict(list)
    per_stage_cpu: dict[str, list[float]] = defaultdict(list)
    for question in questions[:5]:  # warm caches
        service.ask(question, scope=Scope())
    with stages.installed():
        for question in questions:
            stages.current.clear()
            stages.cpu.clear()
            start, used = time.perf_counter(), time.process_time()
            service.ask(question, scope=Scope())
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - used)
            for _module, _name, label in STAGES:
                per_stage[label].append(stages.current[label])
                per_stage_cpu[label].append(stages.cpu[label])
    print(
        f"ask, {len(questions)} questions: p50 {percentile(wall, 0.5) * 1e3:.1f} ms "
        f"(CPU {percentile(cpu, 0.5) * 1e3:.1f}), p95 {percentile(wall, 0.95) * 1e3:.1f} ms "
        f"(CPU {percentile(cpu, 0.95) * 1e3:.1f}), max {max(wall) * 1e3:.1f} ms"
    )
    for label, values in per_stage.items():
        used = per_stage_cpu[label]
        print(
            f"  {label:<34} mean {statistics.mean(values) * 1e3:6.1f} ms "
            f"(CPU {statistics.mean(used) * 1e3:5.1f}), "
            f"p95 {percentile(values, 0.95) * 1e3:6.1f} ms "
            f"(CPU {percentile(used, 0.95) * 1e3:5.1f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the database here")
    parser.add_argument("--changes", type=int, default=500, help="articles since the snapshot")
    parser.add_argument("--distinct-stories", action="store_true")
    args = parser.parse_args()
    articles = load_articles()
    with tempfile.TemporaryDirectory(prefix="bench-ask-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        have = build(workdir, args.passages, articles)
        if args.distinct_stories:
            make_distinct(workdir)
        changes_since_snapshot(workdir, articles, args.changes)
        service, wall, cpu = timed_open(workdir)
        try:
            print(
                f"{have:,} passages; start-up (snapshot load + catch-up of {args.changes} "
                f"articles): {wall:.2f} s wall, {cpu:.2f} s CPU; index {len(service.index):,} "
                f"passages"
            )
            questions = [q.question for q in load_questions()] + pick_queries(articles)
            ask_all(service, questions)
        finally:
            service.close(save=True)


if __name__ == "__main__":
    main()
