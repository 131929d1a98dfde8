"""Hand-run benchmark of the BM25 index against peers over the real news corpora.

Builds passages from ``../shared/data/*.jsonl.gz`` (see ``bench/news_corpus.py``),
cycles them with light variation up to ``--passages``, takes 200 article titles as
queries and measures, per engine and in one run: build time, p50/p95 latency, QPS
(wall clock, CPU time in brackets), peak resident memory, and, against rank_bm25, the
share of queries whose top-k ids and scores are equal (ours must be 100%) and the
top-k overlap. Each engine runs in its own subprocess, so its memory is its own. For
ours it also measures a snapshot (save, load in a fresh process, start-up to the first
answer) and single-article adds and removes. Not run in CI.

    .venv/bin/python bench/bench_index.py                      # the real ~30k passages
    .venv/bin/python bench/bench_index.py --passages 1000000 --ref-queries 20

A peer is a class with ``name``, ``build(corpus)``, ``search(tokens, k)`` and
``resolve(result)`` (``bench/index_peers.py``); add one to ``PEERS`` to compare it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.index_peers import (  # noqa: E402
    Bm25sPeer,
    Corpus,
    Fts5Peer,
    OursPeer,
    Peer,
    RankBM25Peer,
    Result,
    TantivyPeer,
)
from bench.news_corpus import load_articles, pack, pick_queries, replicate_tokens  # noqa: E402
from retrieval.index import BM25Index, PassageMeta  # noqa: E402
from retrieval.index.tokenizer import Tokenizer  # noqa: E402

PEERS: dict[str, Callable[[], Peer]] = {
    "ours": OursPeer,
    "rank_bm25": RankBM25Peer,
    "bm25s": Bm25sPeer,
    "tantivy": TantivyPeer,
    "fts5": Fts5Peer,
}
REFERENCE = "rank_bm25"
# Relative tolerance for "equal scores".
SCORE_RTOL = 1e-9
# Articles added, then removed, one at a time on the built index; passages per article
# cycle through 1..ARTICLE_PASSAGES (the corpora average 1.4).
CHANGES = 2000
ARTICLE_PASSAGES = 3
# Queries timed right after a change (the first search pays for refreshed statistics).
AFTER_CHANGE_QUERIES = 20


@dataclass
class Row:
    name: str
    queries: list[int]  # which of the queries this engine ran
    build_s: float  # wall clock
    build_cpu_s: float  # CPU time, all threads: what the build costs on a shared machine
    peak_mb: float  # peak resident memory added by build and queries, over the corpus
    after_mb: float  # resident memory added, after the queries
    latencies: list[float]  # wall clock per query
    cpu_latencies: list[float]  # process CPU time per query
    results: list[Result]
    agree: float | None = None
    overlap: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def same(a: Result, b: Result) -> bool:
    if [i for i, _ in a] != [i for i, _ in b]:
        return False
    pairs = zip(a, b, strict=True)
    return all(abs(x - y) <= SCORE_RTOL * max(abs(x), abs(y), 1e-300) for (_, x), (_, y) in pairs)


def overlap(a: Result, b: Result) -> float:
    """Share of the reference's top-k ids that the other engine also returned."""
    return len({i for i, _ in a} & {i for i, _ in b}) / len(b) if b else 1.0


def memory_kb(field_name: str) -> int:
    """A memory figure of this process from /proc (VmRSS now, VmHWM = peak RSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    """Make VmHWM start again from the current RSS (Linux; ignored elsewhere)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


# ------------------------------------------------------------------ child process
def child(name: str, job_path: Path, out_path: Path) -> None:
    """Build and query one engine; write a Row as JSON. Runs in its own process."""
    job = pickle.loads(job_path.read_bytes())
    corpus = replicate_tokens(job["base"], job["n"])
    queries: list[list[str]] = [job["queries"][i] for i in job["query_ids"]]
    k = job["k"]
    peer = PEERS[name]()
    gc.collect()
    reset_peak_rss()
    rss_before = memory_kb("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    peer.build(corpus)
    build_s, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    for tokens in queries[: job["warmup"]]:  # caches, lazily computed statistics
        peer.search(tokens, k)
    # The corpus is a million Python lists: a collection of them in the middle of the
    # timed queries would stall whichever engine it hit. Freeze them out of its reach.
    gc.collect()
    gc.freeze()
    latencies, cpu_latencies, raw = [], [], []
    for tokens in queries:
        start, cpu = time.perf_counter(), time.process_time()
        raw.append(peer.search(tokens, k))
        cpu_latencies.append(time.process_time() - cpu)
        latencies.append(time.perf_counter() - start)
    peak_mb = (memory_kb("VmHWM") - rss_before) / 1024
    after_mb = (memory_kb("VmRSS") - rss_before) / 1024
    results = [peer.resolve(r) for r in raw]
    if isinstance(peer, RankBM25Peer):
        results = [peer.reference(tokens, k) for tokens in queries]
    row = Row(
        name, job["query_ids"], build_s, build_cpu, peak_mb, after_mb, latencies,
        cpu_latencies, results,
    )  # fmt: skip
    if isinstance(peer, OursPeer):
        row.extra = ours_extra(peer.index, corpus, queries, Path(job["snapshot"]))
    if hasattr(peer, "close"):
        peer.close()
    out_path.write_text(json.dumps(row.__dict__))


def ours_extra(
    index: BM25Index, corpus: Corpus, queries: list[list[str]], snapshot: Path
) -> dict[str, Any]:
    """Snapshot save time, then single-article adds and removes on the built index."""
    start = time.perf_counter()
    index.save(snapshot)
    extra: dict[str, Any] = {"save_s": time.perf_counter() - start}
    before = [index.search(tokens, 10) for tokens in queries[:AFTER_CHANGE_QUERIES]]
    first_pid, first_article = len(corpus), 1 << 40  # ids not in the index yet
    articles = []
    cursor = 0
    for a in range(CHANGES):
        size = 1 + a % ARTICLE_PASSAGES
        articles.append(
            [(first_pid + cursor + j, corpus[(cursor + j) % len(corpus)]) for j in range(size)]
        )
        cursor += size
    start = time.perf_counter()
    for a, passages in enumerate(articles):
        meta = PassageMeta(article_id=first_article + a)
        index.add_many((pid, tokens, meta) for pid, tokens in passages)
    extra["add_article_us"] = (time.perf_counter() - start) / CHANGES * 1e6
    after = []
    for tokens in queries[:AFTER_CHANGE_QUERIES]:
        index.remove_article(first_article)  # a change, then the first search after it
        start = time.perf_counter()
        index.search(tokens, 10)
        after.append(time.perf_counter() - start)
    start = time.perf_counter()
    for a in range(1, CHANGES):
        index.remove_article(first_article + a)
    extra["remove_article_us"] = (time.perf_counter() - start) / (CHANGES - 1) * 1e6
    extra["first_search_after_change_ms"] = statistics.median(after) * 1e3
    # Statistics are exact: once every added article is gone, every answer is as before.
    extra["unchanged_after_churn"] = before == [
        index.search(tokens, 10) for tokens in queries[:AFTER_CHANGE_QUERIES]
    ]
    return extra


def probe(snapshot: Path, queries_file: Path, spawned_at: float) -> None:
    """Child process: load a snapshot, answer every query once; print figures as JSON."""
    ready_imports = time.time()
    queries = json.loads(queries_file.read_text())
    base_rss = memory_kb("VmRSS")
    start = time.perf_counter()
    index = BM25Index.load(snapshot)
    load_s = time.perf_counter() - start
    lat = []
    for i, tokens in enumerate(queries):
        t0 = time.perf_counter()
        index.search(tokens, 10)
        lat.append(time.perf_counter() - t0)
        if i == 0:
            first_answer = time.time()
    figures = {
        "interpreter_and_imports_s": ready_imports - spawned_at,
        "load_s": load_s,
        "start_to_first_answer_s": first_answer - spawned_at,
        "first_pass_p50_ms": statistics.median(lat) * 1e3,
        "first_pass_p95_ms": percentile(lat, 0.95) * 1e3,
        "rss_loaded_mb": (memory_kb("VmRSS") - base_rss) / 1024,
        "peak_rss_mb": memory_kb("VmHWM") / 1024,
    }
    print(json.dumps(figures))


# ----------------------------------------------------------------- parent process
def run_child(name: str, job_path: Path, tmp: Path) -> Row:
    out = tmp / f"{name}.json"
    cmd = [sys.executable, __file__, "--child", name, str(job_path), str(out)]
    subprocess.run(cmd, check=True)
    data = json.loads(out.read_text())
    data["results"] = [[tuple(pair) for pair in r] for r in data["results"]]
    return Row(**data)


def sample(count: int, wanted: int) -> list[int]:
    """``wanted`` indices spread evenly over ``count`` (both query sources included)."""
    wanted = min(wanted, count)
    return sorted({round(i * count / wanted) for i in range(wanted)})


def report(rows: list[Row], n: int, k: int) -> None:
    print(f"\n{n:,} passages, top-{k}; times wall clock (CPU time in brackets), ms unless noted")
    head = ("engine", "queries", "build s", "peak MB", "p50", "p95", "QPS", "=ref", "overlap")
    print("{:<10}{:>8}{:>16}{:>9}{:>22}{:>22}{:>8}{:>8}{:>9}".format(*head))
    for row in rows:
        wall, cpu = row.latencies, row.cpu_latencies
        p50 = f"{percentile(wall, 0.5) * 1e3:.3f} ({percentile(cpu, 0.5) * 1e3:.3f})"
        p95 = f"{percentile(wall, 0.95) * 1e3:.3f} ({percentile(cpu, 0.95) * 1e3:.3f})"
        build = f"{row.build_s:.1f} ({row.build_cpu_s:.1f})"
        agree = "-" if row.agree is None else f"{row.agree:.0%}"
        share = "-" if row.overlap is None else f"{row.overlap:.0%}"
        qps = len(wall) / sum(wall)
        print(
            f"{row.name:<10}{len(wall):>8}{build:>16}{row.peak_mb:>9.0f}"
            f"{p50:>22}{p95:>22}{qps:>8.1f}{agree:>8}{share:>9}"
        )
    ours = next((row for row in rows if row.name == "ours"), None)
    if ours is None:
        return
    print("\nours against each peer (peer / ours; > 1 means ours is better), same queries:")
    for row in rows:
        if row is ours:
            continue
        mine = dict(zip(ours.queries, ours.latencies, strict=True))
        shared = [mine[q] for q in row.queries]
        print(
            f"  {row.name:<10} p50 {_ratio(row.latencies, shared, 0.5)}  "
            f"p95 {_ratio(row.latencies, shared, 0.95)}  "
            f"build {row.build_s / ours.build_s:.2f}x  memory {row.peak_mb / ours.peak_mb:.2f}x"
        )


def _ratio(theirs: list[float], mine: list[float], q: float) -> str:
    return f"{percentile(theirs, q) / percentile(mine, q):.2f}x"


def report_ours(row: Row, probe_figures: dict[str, float]) -> None:
    extra = row.extra
    print(
        f"\nours: peak RSS {row.peak_mb:.0f} MB during build and queries, {row.after_mb:.0f} MB "
        f"after; snapshot save {extra['save_s']:.2f} s"
    )
    print(
        "snapshot in a fresh process: load (mmap) {load_s:.2f} s, process start to first "
        "answer {start_to_first_answer_s:.2f} s (interpreter and imports "
        "{interpreter_and_imports_s:.2f} s); first pass p50 {first_pass_p50_ms:.3f} ms, p95 "
        "{first_pass_p95_ms:.3f} ms; index RSS {rss_loaded_mb:.0f} MB".format(**probe_figures)
    )
    print(
        f"single articles (1-{ARTICLE_PASSAGES} passages), amortised over {CHANGES}: add "
        f"{extra['add_article_us']:.0f} us, remove {extra['remove_article_us']:.0f} us; first "
        f"search after a change p50 {extra['first_search_after_change_ms']:.3f} ms; answers "
        f"unchanged after the churn: {extra['unchanged_after_churn']}"
    )


def tokenize_base(passages: list[str]) -> list[list[str]]:
    tokenizer = Tokenizer()
    workers = os.cpu_count() or 1
    start, cpu = time.perf_counter(), time.process_time()
    base = tokenizer.tokenize_many(passages, workers=workers)
    wall = time.perf_counter() - start
    print(
        f"{len(passages):,} passages, mean {statistics.mean(len(p.split()) for p in passages):.0f}"
        f" words; tokenized with {workers} processes in {wall:.1f} s "
        f"({len(passages) / wall:,.0f} passages/s; parent CPU {time.process_time() - cpu:.1f} s)"
    )
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=0, help="cycle passages up to N")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--skip", action="append", default=[], choices=sorted(PEERS))
    parser.add_argument(
        "--ref-queries", type=int, default=200, help="queries run on rank_bm25 (a sample)"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--probe", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if args.probe:
        probe(Path(args.probe[0]), Path(args.probe[1]), float(args.probe[2]))
        return
    articles = load_articles()
    base = tokenize_base([p for a in articles for p in pack(a)])
    n = args.passages or len(base)
    tokenizer = Tokenizer()
    queries = [tokenizer.tokenize(q) for q in pick_queries(articles)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp_name:
        tmp = Path(tmp_name)
        snapshot = tmp / "snapshot"
        for name in PEERS:
            if name in args.skip:
                continue
            wanted = args.ref_queries if name == REFERENCE else len(queries)
            ids = sample(len(queries), wanted)
            job = {
                "base": base, "n": n, "queries": queries, "query_ids": ids, "k": args.k,
                "warmup": 2 if name == REFERENCE else len(ids), "snapshot": str(snapshot),
            }  # fmt: skip
            job_path = tmp / f"{name}.job"
            job_path.write_bytes(pickle.dumps(job))
            rows.append(run_child(name, job_path, tmp))
            print(f"  {name} done", file=sys.stderr)
        compare(rows)
        report(rows, n, args.k)
        ours = next((row for row in rows if row.name == "ours"), None)
        if ours is not None:
            report_ours(ours, run_probe(snapshot, queries, tmp))


def compare(rows: list[Row]) -> None:
    reference = next((row for row in rows if row.name == REFERENCE), None)
    if reference is None:
        return
    expected = dict(zip(reference.queries, reference.results, strict=True))
    for row in rows:
        if row is reference:
            continue
        pairs = [
            (r, expected[q]) for q, r in zip(row.queries, row.results, strict=True) if q in expected
        ]
        row.agree = statistics.mean(same(a, b) for a, b in pairs)
        row.overlap = statistics.mean(overlap(a, b) for a, b in pairs)


def run_probe(snapshot: Path, queries: Sequence[list[str]], tmp: Path) -> dict[str, float]:
    probe_file = tmp / "queries.json"
    probe_file.write_text(json.dumps(list(queries)))
    cmd = [sys.executable, __file__, "--probe", str(snapshot), str(probe_file), str(time.time())]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


if __name__ == "__main__":
    main()
