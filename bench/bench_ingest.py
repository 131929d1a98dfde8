"""Hand-run benchmark of ingest throughput, end to end, per input format.

Read, extract, dedupe, split, store and index, into a fresh SQLite database per run:

* HTML: the 60 pages of ``../shared/eval/extraction/pages/*.html.gz``, replicated;
  trafilatura alone on the same pages is the reference;
* text: the plain-text scrapes of the same pages (``*.txt``), replicated; and clean
  article text files (title line, blank line, body) written from the JSONL corpora;
* JSONL: the shared corpora (``../shared/data/*.jsonl.gz``, 21,268 articles).

Copy ``r >= 1`` of a page gets `` Copy r.`` at the end of each long paragraph and loses
its canonical URL, so it is stored as a new article (of the same story) rather than
refused as a duplicate. Each format runs through ``retrieval.bulk.ingest_many`` on one
core (no worker processes) and with one worker per core, and, on a sample, through the
one-article-per-transaction ``NewsService`` path. Rates are articles per second of wall
clock; CPU seconds include worker processes. Not run in CI.

    .venv/bin/python bench/bench_ingest.py [--copies 5] [--formats html,text,clean,jsonl]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import forkserver
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.news_corpus import load_articles  # noqa: E402
from retrieval.bulk import ingest_many  # noqa: E402
from retrieval.config import settings_from_mapping  # noqa: E402
from retrieval.results import Scope  # noqa: E402
from retrieval.service import NewsService  # noqa: E402

PAGES = REPO / ".." / "shared" / "eval" / "extraction" / "pages"
DATA = REPO / ".." / "shared" / "data"
# The JSONL corpora are larger than the default input cap.
MAX_INPUT_BYTES = 200_000_000
# Articles of the JSONL corpora written out as clean text files.
CLEAN_ARTICLES = 4000
# Articles ingested one per transaction (the slow path) for comparison.
SINGLE_SAMPLE = 300
# A paragraph longer than this many characters gets the copy marker.
LONG_PARAGRAPH = 60
_CANONICAL = re.compile(r"canonical|og:url", re.IGNORECASE)


@dataclass(frozen=True)
class Run:
    label: str
    articles: int
    statuses: Counter[str]
    wall_s: float
    cpu_s: float

    def line(self) -> str:
        rate = self.articles / self.wall_s
        return (
            f"  {self.label:<34}{self.articles:>7} in {self.wall_s:6.1f} s: {rate:8.1f} articles/s"
            f"  (CPU {self.cpu_s:6.1f} s; {dict(self.statuses)})"
        )


def cpu_seconds() -> float:
    """CPU time of this process, its waited-for children, and the worker processes.

    Workers are started by multiprocessing's fork server, which reaps them: their time
    is the fork server's children time, read from /proc (Linux).
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if server:
        try:
            fields = Path(f"/proc/{server}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return total
        # utime, stime, cutime, cstime: fields 14-17 of stat, in clock ticks.
        ticks = sum(int(v) for v in fields[11:15])
        total += ticks / os.sysconf("SC_CLK_TCK")
    return total


def fresh_service(root: Path) -> NewsService:
    root.mkdir(parents=True)
    settings = settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{root / 'newsbot.db'}"},
            "index": {"snapshot_path": str(root / "newsbot.index")},
            "ingest": {"max_input_bytes": MAX_INPUT_BYTES},
        }
    )
    return NewsService.open(settings)


def timed(label: str, root: Path, ingest: Callable[[NewsService], list[str]]) -> Run:
    service = fresh_service(root)
    try:
        start, cpu = time.perf_counter(), cpu_seconds()
        statuses = ingest(service)
        wall, used = time.perf_counter() - start, cpu_seconds() - cpu
    finally:
        service.close()
    counts = Counter(statuses)
    return Run(label, len(statuses), counts, wall, used)


def bulk(paths: list[Path], workers: int) -> Callable[[NewsService], list[str]]:
    return lambda s: [o.status for o in ingest_many(s, paths, Scope(), workers=workers)]


def single(paths: list[Path]) -> Callable[[NewsService], list[str]]:
    return lambda s: [o.status for o in s.iter_ingest_paths(paths, scope=Scope())]


def vary(text: str, copy: int, paragraph_end: str) -> str:
    """Copy ``copy`` of a page: long paragraphs marked, canonical URLs gone."""
    if copy == 0:
        return text
    # A fixed-width look-behind: linear, however long the lines of the page are.
    pattern = re.compile(rf"(?<=[^\n<>]{{{LONG_PARAGRAPH}}}){re.escape(paragraph_end)}")
    marked = pattern.sub(f" Copy {copy}.{paragraph_end}", text)
    return _CANONICAL.sub("no-canonical", marked)


def write_pages(out: Path, suffix: str, copies: int) -> list[Path]:
    out.mkdir(parents=True)
    paths = []
    for copy in range(copies):
        for page in sorted(PAGES.glob(f"*{suffix}")):
            raw = page.read_bytes()
            if suffix.endswith(".gz"):
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8", errors="replace")
            end = "</p>" if suffix.startswith(".html") else "\n"
            name = page.name.split(".")[0][:16]
            target = out / f"{name}-{copy}{'.html' if end == '</p>' else '.txt'}"
            target.write_text(vary(text, copy, end), encoding="utf-8")
            paths.append(target)
    return paths


def write_clean(out: Path) -> list[Path]:
    out.mkdir(parents=True)
    paths = []
    for i, article in enumerate(load_articles()[:: max(1, 21_268 // CLEAN_ARTICLES)]):
        target = out / f"{i:05d}.txt"
        target.write_text(f"{article['title']}\n\n{article['text']}\n", encoding="utf-8")
        paths.append(target)
    return paths[:CLEAN_ARTICLES]


def trafilatura_alone(paths: list[Path]) -> Run:
    import trafilatura

    start, cpu = time.perf_counter(), cpu_seconds()
    found = sum(bool(trafilatura.extract(p.read_text(encoding="utf-8"))) for p in paths)
    return Run(
        "trafilatura.extract alone", len(paths), Counter({"extracted": found}),
        time.perf_counter() - start, cpu_seconds() - cpu,
    )  # fmt: skip


def runs(fmt: str, work: Path, copies: int) -> Iterator[Run]:
    cores = os.cpu_count() or 1
    if fmt == "html":
        paths = write_pages(work / "html", ".html.gz", copies)
        yield trafilatura_alone(paths)
    elif fmt == "text":
        paths = write_pages(work / "text", ".txt", copies)
    elif fmt == "clean":
        paths = write_clean(work / "clean")
    else:
        paths = sorted(DATA.glob("*.jsonl.gz"))
    yield timed("bulk, 1 core (no workers)", work / f"{fmt}-1", bulk(paths, 0))
    yield timed(f"bulk, {cores} worker processes", work / f"{fmt}-n", bulk(paths, cores))
    if fmt != "jsonl":
        sample = paths[:SINGLE_SAMPLE]
        yield timed("one per transaction, 1 core", work / f"{fmt}-s", single(sample))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=5, help="copies of the 60 pages")
    parser.add_argument("--formats", default="html,text,clean,jsonl")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for fmt in args.formats.split(","):
            print(f"{fmt}:", flush=True)
            for run in runs(fmt, Path(tmp), args.copies):
                print(run.line(), flush=True)


if __name__ == "__main__":
    main()
