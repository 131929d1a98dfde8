"""Hand-run benchmark of ingest throughput, end to end, per input format.

Read, extract, dedupe, split, store and index, into a fresh SQLite database per run:

* HTML: the 60 pages of ``../shared/eval/extraction/pages/*.html.gz``, replicated;
  trafilatura alone on the same pages is the reference;
* text: the plain-text scrapes of the same pages (``*.txt``), replicated; and clean
  article text files (title line, blank line, body) written from the JSONL corpora;
* JSONL: the shared corpora (``../shared/data/*.jsonl.gz``, 21,268 articles);
* stream: JSONL files of ``--stream-mb`` megabytes (default 10 and 100) written on the
  fly from the corpora's articles (copies varied as ``news_corpus.replicate_articles``
  does), each ingested by ``newsbot ingest --json`` in a child process whose memory
  (and its workers') is sampled from /proc: peak RSS against file size. A control run
  has the largest size made of the smallest file's articles repeated: the file grows,
  the articles stored (and the search index holding them) do not, so its ratio to the
  smallest run is what reading a larger file costs in memory.

Copy ``r >= 1`` of a page gets `` Copy r.`` at the end of each long paragraph and loses
its canonical URL, so it is stored as a new article (of the same story) rather than
refused as a duplicate. Each format runs through ``retrieval.ingest.bulk.ingest_many`` on one
core (no worker processes) and with one worker per core, and, on a sample, through the
one-article-per-transaction ``NewsService`` path. Rates are articles per second of wall
clock; CPU seconds include worker processes. Not run in CI.

    .venv/bin/python bench/bench_ingest.py [--copies 5] [--formats html,text,clean,jsonl]
    .venv/bin/python bench/bench_ingest.py --formats stream [--stream-mb 10,100]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing import forkserver
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.news_corpus import load_articles, replicate_articles  # noqa: E402
from retrieval.config import settings_from_mapping  # noqa: E402
from retrieval.ingest.bulk import ingest_many  # noqa: E402
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
# Seconds between samples of the ingest processes' memory.
RSS_SAMPLE_S = 0.05
MB = 1_000_000
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


def write_stream(path: Path, megabytes: int, distinct_mb: int | None = None) -> int:
    """A JSONL file of at least ``megabytes`` MB of articles; their count.

    With ``distinct_mb``, the first ``distinct_mb`` MB of articles over and over: the
    file grows, the articles stored (and so the search index) do not.
    """
    articles = load_articles()
    lines: list[str] = []
    count = size = 0
    with path.open("w", encoding="utf-8") as out:
        for article in replicate_articles(articles, 10**9):
            if size >= (distinct_mb or megabytes) * MB:
                break
            line = json.dumps(article, ensure_ascii=False) + "\n"
            out.write(line)
            size += len(line.encode())
            count += 1
            if distinct_mb:
                lines.append(line)
        while size < megabytes * MB and lines:
            out.writelines(lines)
            size += sum(len(line.encode()) for line in lines)
            count += len(lines)
    return count


def _tree(root: int) -> list[int]:
    """``root`` and its descendants (worker processes, the fork server), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class StreamRun:
    file_bytes: int
    articles: int
    wall_s: float
    peak_main_kb: int
    peak_all_kb: int
    summary: str

    def line(self) -> str:
        return (
            f"  {self.file_bytes / MB:6.1f} MB, {self.articles:,} articles: "
            f"{self.articles / self.wall_s:7.1f} articles/s ({self.wall_s:.1f} s); peak RSS "
            f"main {self.peak_main_kb / 1024:.0f} MB, with workers "
            f"{self.peak_all_kb / 1024:.0f} MB ({self.summary})"
        )


def stream_run(work: Path, megabytes: int, distinct_mb: int | None = None) -> StreamRun:
    """Ingest a generated file through the CLI; rate and peak RSS (main, and all)."""
    work.mkdir(parents=True)
    path = work / "stream.jsonl"
    articles = write_stream(path, megabytes, distinct_mb)
    config = work / "newsbot.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{work / "newsbot.db"}"\n')
    command = [sys.executable, "-m", "retrieval.cli.commands", "--config", str(config)]
    start = time.perf_counter()
    child = subprocess.Popen(
        [*command, "ingest", str(path), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    peaks = [0, 0]  # the CLI process alone; it and its descendants together

    def sample() -> None:
        while child.poll() is None:
            sizes = [_rss_kb(pid) for pid in _tree(child.pid)]
            peaks[0] = max(peaks[0], sizes[0])
            peaks[1] = max(peaks[1], sum(sizes))
            time.sleep(RSS_SAMPLE_S)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _out, err = child.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    summary = err.decode().strip().splitlines()[-1]
    return StreamRun(path.stat().st_size, articles, wall, peaks[0], peaks[1], summary)


def stream_runs(work: Path, sizes: list[int]) -> Iterator[str]:
    """Each size of distinct articles, then the largest size made of the smallest one's
    articles repeated (the control: a larger file, the same articles stored)."""
    results = []
    for mb in sizes:
        results.append(stream_run(work / f"stream-{mb}", mb))
        yield results[-1].line() + " distinct articles"
    if len(sizes) < 2:
        return
    small, large = sizes[0], sizes[-1]
    repeated = stream_run(work / f"stream-{large}-repeats", large, distinct_mb=small)
    yield repeated.line() + f" the {small} MB of articles repeated"
    for label, run in ((f"{large} MB distinct", results[-1]), (f"{large} MB repeats", repeated)):
        first = results[0]
        yield (
            f"  peak RSS, {label} against {small} MB: main "
            f"{run.peak_main_kb / first.peak_main_kb:.2f}x, with workers "
            f"{run.peak_all_kb / first.peak_all_kb:.2f}x "
            f"(file size {run.file_bytes / first.file_bytes:.2f}x, "
            f"articles stored {_added(run) / _added(first):.2f}x)"
        )


def _added(run: StreamRun) -> int:
    """Articles the run stored, from the CLI's closing "added N, ..." line."""
    return int(run.summary.split(",")[0].split()[-1])


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
    parser.add_argument("--stream-mb", default="10,100", help="sizes of the stream files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for fmt in args.formats.split(","):
            print(f"{fmt}:", flush=True)
            if fmt == "stream":
                sizes = [int(mb) for mb in args.stream_mb.split(",")]
                for line in stream_runs(Path(tmp), sizes):
                    print(line, flush=True)
                continue
            for run in runs(fmt, Path(tmp), args.copies):
                print(run.line(), flush=True)


if __name__ == "__main__":
    main()
