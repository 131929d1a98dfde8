"""Hand-run benchmark of the BM25 index against peers over the real news corpora.

Builds passages from ``../shared/data/*.jsonl.gz`` (paragraph-packed, title prefixed),
optionally cycles them up to ``--passages``, takes 200 article titles as queries and
prints, per engine: build time, p50/p95 latency, QPS, and the share of queries whose
top-k ids and scores equal rank_bm25's. Not run in CI.

    .venv/bin/python bench/bench_index.py                      # the real ~30k passages
    .venv/bin/python bench/bench_index.py --passages 1000000 --skip rank_bm25

A peer is a class with ``name``, ``build(corpus)`` and ``search(tokens, k)``; add one
to ``PEERS`` to compare another engine.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from retrieval.index import BM25Index, PassageMeta  # noqa: E402
from retrieval.tokenizer import Tokenizer  # noqa: E402

DATA = REPO / ".." / "shared" / "data"
# Passage packing: paragraphs are joined until a passage has at least PACK_MIN words,
# and a paragraph that would push it past PACK_MAX starts a new one.
PACK_MIN, PACK_MAX = 140, 240
QUERY_SEED = 20240601
QUERIES_PER_SOURCE = 100
# Relative tolerance for "equal scores".
SCORE_RTOL = 1e-9
# Single adds, then removes, timed on the built index.
CHANGES = 5000

Corpus = Sequence[Sequence[str]]
Result = list[tuple[int, float]]


class Peer(Protocol):
    name: str

    def build(self, corpus: Corpus) -> None: ...

    def search(self, tokens: Sequence[str], k: int) -> Result: ...


class RankBM25Peer:
    """The reference: rank_bm25's BM25Okapi, full get_scores then top-k."""

    name = "rank_bm25"

    def build(self, corpus: Corpus) -> None:
        from rank_bm25 import BM25Okapi

        self._bm25 = BM25Okapi(corpus)
        self._ids = np.arange(len(corpus))

    def search(self, tokens: Sequence[str], k: int) -> Result:
        """What a rank_bm25 user does: score everything, then take the top k."""
        scores = self._bm25.get_scores(tokens)
        top = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
        return [(int(i), float(scores[i])) for i in top[np.argsort(-scores[top])]]

    def reference(self, tokens: Sequence[str], k: int) -> Result:
        """The exact expected answer (untimed): passages holding a query term, ties by id."""
        scores = self._bm25.get_scores(tokens)
        hit = np.zeros(len(scores), dtype=bool)
        for term in set(tokens):
            hit |= np.fromiter((term in d for d in self._bm25.doc_freqs), dtype=bool)
        ids = np.flatnonzero(hit)
        order = np.lexsort((ids, -scores[ids]))[:k]
        return [(int(ids[i]), float(scores[ids[i]])) for i in order]


class OursPeer:
    """retrieval.index.BM25Index, built with add_many."""

    name = "ours"

    def build(self, corpus: Corpus) -> None:
        meta = PassageMeta()
        self.index = BM25Index()
        self.index.add_many((i, tokens, meta) for i, tokens in enumerate(corpus))

    def search(self, tokens: Sequence[str], k: int) -> Result:
        return [(h.passage_id, h.score) for h in self.index.search(tokens, k)]


# Run in this order; ours first so that its build memory is measured in a fresh process.
PEERS: dict[str, Callable[[], Peer]] = {"ours": OursPeer, "rank_bm25": RankBM25Peer}
REFERENCE = "rank_bm25"


@dataclass
class Row:
    name: str
    build_s: float  # wall clock
    build_cpu_s: float  # CPU time: what the build costs on a machine others also use
    build_rss_mb: float | None  # peak resident memory added while building (first peer only)
    latencies: list[float]  # wall clock per query
    cpu_latencies: list[float]  # thread CPU time per query
    agree: float | None
    results: list[Result]


def pack(article: dict[str, str]) -> list[str]:
    paragraphs = [p.strip() for p in article["text"].split("\n\n") if p.strip()]
    passages: list[list[str]] = []
    current: list[str] = []
    words = 0
    for paragraph in paragraphs:
        size = len(paragraph.split())
        if current and (words >= PACK_MIN or words + size > PACK_MAX):
            passages.append(current)
            current, words = [], 0
        current.append(paragraph)
        words += size
    if current:
        # A short tail joins the previous passage when that stays within PACK_MAX.
        tail_fits = passages and words + sum(len(p.split()) for p in passages[-1]) <= PACK_MAX
        if words < PACK_MIN // 2 and tail_fits:
            passages[-1] += current
        else:
            passages.append(current)
    return [article["title"] + "\n\n" + "\n\n".join(p) for p in passages]


def load_articles() -> list[dict[str, str]]:
    files = sorted(DATA.glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"no corpora under {DATA}")
    articles = []
    for file in files:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            articles += [json.loads(line) for line in handle]
    return articles


def pick_queries(articles: list[dict[str, str]]) -> list[str]:
    rng = random.Random(QUERY_SEED)
    bbc = [a for a in articles if a["id"].startswith("bbc")]
    other = [a for a in articles if not a["id"].startswith("bbc")]
    chosen = rng.sample(bbc, QUERIES_PER_SOURCE) + rng.sample(other, QUERIES_PER_SOURCE)
    return [a["title"] for a in chosen]


def same(a: Result, b: Result) -> bool:
    if [i for i, _ in a] != [i for i, _ in b]:
        return False
    pairs = zip(a, b, strict=True)
    return all(abs(x - y) <= SCORE_RTOL * max(abs(x), abs(y), 1e-300) for (_, x), (_, y) in pairs)


def reset_peak_rss() -> None:
    """Make VmHWM start again from the current RSS (Linux; ignored elsewhere)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def run_peer(
    peer: Peer, corpus: Corpus, queries: list[list[str]], k: int, *, measure_rss: bool
) -> Row:
    """Build and query one peer. Build memory is only meaningful for the first peer of a
    process: later ones reuse memory that earlier ones freed to the allocator."""
    gc.collect()
    reset_peak_rss()
    rss_before = memory_kb("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    peer.build(corpus)
    build_s, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    build_rss = (memory_kb("VmHWM") - rss_before) / 1024 if measure_rss else None
    for tokens in queries[:5]:  # warm caches and lazily computed statistics
        peer.search(tokens, k)
    latencies, cpu_latencies, results = [], [], []
    for tokens in queries:
        start, cpu = time.perf_counter(), time.thread_time()
        results.append(peer.search(tokens, k))
        cpu_latencies.append(time.thread_time() - cpu)
        latencies.append(time.perf_counter() - start)
    return Row(peer.name, build_s, build_cpu, build_rss, latencies, cpu_latencies, None, results)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def report(rows: list[Row], n: int, k: int) -> None:
    print(f"\n{n:,} passages, top-{k}; latency in ms, wall clock (CPU time in brackets)")
    head = ("engine", "queries", "build s", "build MB", "p50", "p95", "QPS", "top-k = ref")
    print("{:<10}{:>8}{:>18}{:>10}{:>22}{:>22}{:>8}{:>13}".format(*head))
    for row in rows:
        wall, cpu = row.latencies, row.cpu_latencies
        p50 = f"{percentile(wall, 0.5) * 1e3:.3f} ({percentile(cpu, 0.5) * 1e3:.3f})"
        p95 = f"{percentile(wall, 0.95) * 1e3:.3f} ({percentile(cpu, 0.95) * 1e3:.3f})"
        build = f"{row.build_s:.2f} ({row.build_cpu_s:.2f})"
        memory = "-" if row.build_rss_mb is None else f"{row.build_rss_mb:.0f}"
        agree = "-" if row.agree is None else f"{row.agree:.1%}"
        qps = len(wall) / sum(wall)
        print(
            f"{row.name:<10}{len(wall):>8}{build:>18}{memory:>10}"
            f"{p50:>22}{p95:>22}{qps:>8.1f}{agree:>13}"
        )
    by_name = {row.name: row for row in rows}
    if "rank_bm25" in by_name and "ours" in by_name:
        ratio = statistics.median(by_name["rank_bm25"].latencies) / statistics.median(
            by_name["ours"].latencies
        )
        print(f"ours vs rank_bm25, median latency: {ratio:.0f}x faster")


def change_figures(index: BM25Index, corpus: Corpus, queries: list[list[str]]) -> None:
    """Amortised cost of single adds and removes, and of the first search after a change."""
    count = CHANGES
    first = len(corpus) + 1  # ids not in the index yet
    start = time.perf_counter()
    for i in range(count):
        index.add(first + i, corpus[i % len(corpus)], article_id=first + i)
    add_us = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for i in range(count):
        index.remove(first + i)
    remove_us = (time.perf_counter() - start) / count * 1e6
    after = []
    for i, tokens in enumerate(queries[:20]):
        index.add(first + i, corpus[i], article_id=first + i)
        start = time.perf_counter()
        index.search(tokens, 10)
        after.append(time.perf_counter() - start)
    print(
        f"single add: {add_us:.0f} us, remove: {remove_us:.0f} us (amortised over {count}); "
        f"first search after an add: p50 {statistics.median(after) * 1e3:.3f} ms"
    )


def snapshot_figures(index: BM25Index, queries: list[list[str]]) -> None:
    """Save, then load and query in a fresh process to see load time and index RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index"
        start = time.perf_counter()
        index.save(path)
        print(f"save: {time.perf_counter() - start:.2f} s")
        probe = Path(tmp) / "queries.json"
        probe.write_text(json.dumps(queries))
        out = subprocess.run(
            [sys.executable, __file__, "--probe", str(path), str(probe)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(out.stdout.strip())


def probe(path: Path, queries_file: Path) -> None:
    """Child process: load time, query latency on a cold load, and peak RSS."""
    queries = json.loads(queries_file.read_text())
    base_rss = memory_kb("VmRSS")
    start = time.perf_counter()
    index = BM25Index.load(path)
    load_s = time.perf_counter() - start
    lat = []
    for tokens in queries:
        t0 = time.perf_counter()
        index.search(tokens, 10)
        lat.append(time.perf_counter() - t0)
    print(
        f"load (mmap): {load_s:.2f} s; first pass after load p50 "
        f"{statistics.median(lat) * 1e3:.3f} ms, p95 {percentile(lat, 0.95) * 1e3:.3f} ms; "
        f"peak RSS {memory_kb('VmHWM') / 1024:.0f} MB (before loading: {base_rss / 1024:.0f} MB)"
    )


def memory_kb(field: str) -> int:
    """A memory figure of this process from /proc (VmRSS now, VmHWM = peak RSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=0, help="cycle passages up to N")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--skip", action="append", default=[], choices=sorted(PEERS))
    parser.add_argument("--ref-queries", type=int, default=200, help="queries run on rank_bm25")
    parser.add_argument("--no-snapshot", action="store_true", help="skip save/load figures")
    parser.add_argument("--probe", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    articles = load_articles()
    passages = [p for a in articles for p in pack(a)]
    tokenizer = Tokenizer()
    start = time.perf_counter()
    base = tokenizer.tokenize_many(passages)
    print(
        f"{len(passages):,} passages from {len(articles):,} articles, mean "
        f"{statistics.mean(len(p.split()) for p in passages):.0f} words; "
        f"tokenized in {time.perf_counter() - start:.1f} s"
    )
    n = args.passages or len(base)
    corpus = [base[i % len(base)] for i in range(n)]
    queries = [tokenizer.tokenize(q) for q in pick_queries(articles)]
    rows: list[Row] = []
    ours: OursPeer | None = None
    for name, make in PEERS.items():
        if name in args.skip:
            continue
        peer = make()
        batch = queries[: args.ref_queries] if name == REFERENCE else queries
        row = run_peer(peer, corpus, batch, args.k, measure_rss=not rows)
        if isinstance(peer, RankBM25Peer):
            row.results = [peer.reference(tokens, args.k) for tokens in batch]
        rows.append(row)
        if isinstance(peer, OursPeer):
            ours = peer
        del peer
    reference = next((row for row in rows if row.name == REFERENCE), None)
    for row in rows:
        if reference is not None and row is not reference:
            pairs = zip(row.results, reference.results, strict=False)
            row.agree = statistics.mean(same(a, b) for a, b in pairs)
    report(rows, n, args.k)
    if ours is not None and not args.no_snapshot:
        snapshot_figures(ours.index, queries)
        change_figures(ours.index, corpus, queries)


if __name__ == "__main__":
    main()
