"""Hand-run benchmark of the ranking inside ``ask``: plain BM25 against RM3 feedback.

Builds an in-memory index of ``--passages`` passages from the shared corpora (cycled as
``bench/bench_index.py`` does, no database), then ranks the judged questions of
``bench/qa`` and 200 article titles with ``Ranker`` three ways in one run: plain BM25,
and RM3 feedback (the configured defaults), timing the feedback's stages: the first
pass, the relevance model (passage tokens come from memory here; ``bench_ask.py``
measures reading them from the database) and the expanded query. ``--tree DIR`` runs
the same measurement on another checkout in a child process first (a before/after in
one run). Latency is wall clock with CPU time in brackets; the garbage collector is
kept off the corpus (``gc.freeze``). Not run in CI.

    .venv/bin/python bench/bench_feedback.py --passages 1000000 [--tree OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# Results asked for per question: what ``ask`` asks the ranking for (``index.candidates``).
K = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


def child(job_path: Path, tree: Path) -> None:
    """Build and measure in this process with the code of ``tree``; print JSON."""
    sys.path.insert(0, str(tree))
    from bench.news_corpus import replicate_tokens
    from retrieval.index import BM25Index, PassageMeta  # the tree's, not this one's
    from retrieval.ranking import feedback as feedback_module
    from retrieval.ranking import ranker as ranker_module

    try:
        from retrieval.ranking.settings import RankingSettings
    except ImportError:  # a checkout from before the layout move
        from retrieval.ranking.params import RankingParams as RankingSettings

    job = pickle.loads(job_path.read_bytes())
    corpus = replicate_tokens(job["base"], job["n"])
    index = BM25Index()
    index.add_many((i, tokens, PassageMeta()) for i, tokens in enumerate(corpus))

    def tokens_of(ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
        return {i: corpus[i] for i in ids}

    stages: dict[str, float] = {}
    timed = {"first pass and expanded query": (index, "ranked_ids")}
    if hasattr(index, "weighted_ids"):
        timed = {"first pass": (index, "ranked_ids"), "expanded query": (index, "weighted_ids")}
    originals: list[tuple[Any, str, Callable[..., Any]]] = []
    for label, (owner, name) in timed.items():
        original = getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, _timer(original, label, stages))
    model = feedback_module.expansion_terms
    feedback_module.expansion_terms = _timer(model, "relevance model", stages)
    plain = ranker_module.Ranker(index, RankingSettings(), tokens_of)
    rm3 = ranker_module.Ranker(index, RankingSettings(feedback=True), tokens_of)
    queries = job["queries"]
    for tokens in queries[:5]:
        rm3.passages(tokens, K)
    gc.collect()
    gc.freeze()
    out: dict[str, Any] = {}
    for name, ranker in (("plain", plain), ("feedback", rm3)):
        wall, cpu = [], []
        per_stage: dict[str, list[float]] = {}
        for tokens in queries:
            stages.clear()
            start, used = time.perf_counter(), time.process_time()
            ranker.passages(tokens, K)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - used)
            for label, spent in stages.items():
                per_stage.setdefault(label, []).append(spent)
        out[name] = {"wall": wall, "cpu": cpu, "stages": per_stage}
    print(json.dumps(out))


def _timer(
    function: Callable[..., Any], label: str, stages: dict[str, float]
) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            stages[label] = stages.get(label, 0.0) + time.perf_counter() - start

    return timed


def report(name: str, figures: dict[str, Any]) -> None:
    print(f"\n{name}")
    for variant in ("plain", "feedback"):
        wall, cpu = figures[variant]["wall"], figures[variant]["cpu"]
        print(
            f"  {variant:<9} p50 {percentile(wall, 0.5) * 1e3:7.2f} ms "
            f"({percentile(cpu, 0.5) * 1e3:.2f} CPU)  p95 {percentile(wall, 0.95) * 1e3:7.2f} ms "
            f"({percentile(cpu, 0.95) * 1e3:.2f} CPU)"
        )
        for label, values in figures[variant]["stages"].items():
            print(
                f"    {label:<30} mean {statistics.mean(values) * 1e3:6.2f} ms  "
                f"p95 {percentile(values, 0.95) * 1e3:6.2f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--tree", type=Path, help="another checkout, measured first")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(REPO))
    from bench.news_corpus import load_articles, pack, pick_queries
    from bench.qa.goldset import load_questions
    from retrieval.index.tokenizer import Tokenizer

    articles = load_articles()
    tokenizer = Tokenizer()
    base = tokenizer.tokenize_many([p for a in articles for p in pack(a)], workers=os.cpu_count())
    texts = [q.question for q in load_questions()] + pick_queries(articles)
    queries = [tokens for tokens in map(tokenizer.tokenize, texts) if tokens]
    trees = [args.tree.resolve()] if args.tree else []
    trees.append(REPO)
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        job = Path(tmp) / "job.pkl"
        job.write_bytes(pickle.dumps({"base": base, "n": args.passages, "queries": queries}))
        print(f"{args.passages:,} passages, {len(queries)} questions, top {K}")
        for tree in trees:
            cmd = [sys.executable, __file__, "--child", str(job), str(tree)]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            report(str(tree), json.loads(done.stdout))


if __name__ == "__main__":
    main()
