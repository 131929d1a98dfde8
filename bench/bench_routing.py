"""Hand-run benchmark of the index's choice between its two ways of scoring a query.

``accumulate_top`` adds up every posting of the query and reads back only the slots
that can make the top k; MaxScore pruning (``search_pruned``) skips what bounds allow.
``top.TOP_MAX_POSTINGS`` chooses between them by the query's postings. This builds an
in-memory index of ``--passages`` passages from the shared corpora (as
``bench/bench_feedback.py`` does), then times every query both ways, alternated query
by query, best of ``--rounds`` runs (CPU time), and prints the mean per band of
postings. The queries are the judged questions of ``bench/qa``, 200 article titles,
and 150 runs of three of them together (long queries over many postings, as RM3's
expanded ones are). With ``--expanded`` the queries are instead RM3's weighted queries
for the same texts, as ``ranking.feedback`` builds them with the default settings
(the query's own terms weighted well above the expansion's): weights change what a
term's bound is worth to pruning. Not run in CI.

    .venv/bin/python bench/bench_routing.py --passages 1000000 [--expanded]
        [--ranking KEY=VALUE ...]   # [ranking] settings the expansion is built with
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import parse_ranking  # noqa: E402
from bench.news_corpus import load_articles, pack, pick_queries, replicate_tokens  # noqa: E402
from bench.qa.goldset import load_questions  # noqa: E402
from retrieval.index import BM25Index, PassageMeta, as_hits  # noqa: E402
from retrieval.index import bm25 as bm25_module  # noqa: E402
from retrieval.index.search import make_plan  # noqa: E402
from retrieval.index.tokenizer import Tokenizer  # noqa: E402
from retrieval.ranking.feedback import expanded_query  # noqa: E402
from retrieval.ranking.settings import RankingSettings  # noqa: E402

SEED = 20261207
LONG_QUERIES = 150
BANDS = (0, 1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 3 << 19, 1 << 21, 1 << 22, 1 << 62)
WAYS = {"top": lambda plan, size: True, "pruned": lambda plan, size: False}


def queries(tokenizer: Tokenizer) -> list[list[str]]:
    texts = [q.question for q in load_questions()] + pick_queries(load_articles())
    short = [tokens for tokens in map(tokenizer.tokenize, texts) if tokens]
    rng = random.Random(SEED)
    long = [[t for _ in range(3) for t in rng.choice(short)] for _ in range(LONG_QUERIES)]
    return short + long


def expanded_queries(
    index: BM25Index, asked: list[list[str]], tokens: list[list[str]], params: RankingSettings
) -> list[dict[str, float]]:
    """RM3's weighted query for each of ``asked`` that the answer would expand."""
    weighted = []
    for query in asked:
        ids, scores = index.ranked_ids(query, params.feedback_passages)
        if not ids or index.holds_terms(ids[0], query):
            continue
        feedback = as_hits(ids, scores)
        weights = expanded_query(index, query, feedback, {p: tokens[p] for p in ids}, params)
        if weights is not None:
            weighted.append(weights)
    return weighted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, nargs="*", default=[10, 50])
    parser.add_argument("--expanded", action="store_true", help="time RM3's weighted queries")
    parser.add_argument(
        "--ranking", nargs="*", default=[], metavar="KEY=VALUE", help="[ranking] settings"
    )
    args = parser.parse_args()
    tokenizer = Tokenizer()
    articles = load_articles()
    base = tokenizer.tokenize_many([p for a in articles for p in pack(a)], workers=os.cpu_count())
    passages = replicate_tokens(base, args.passages)
    index = BM25Index()
    index.add_many((i, tokens, PassageMeta()) for i, tokens in enumerate(passages))
    short = queries(tokenizer)
    weighted = [dict(Counter(q)) for q in short]  # a repeated term counts each time
    if args.expanded:
        params = RankingSettings(**{"feedback": True, **parse_ranking(args.ranking)})  # type: ignore[arg-type]
        weighted = expanded_queries(index, short, passages, params)
    del passages
    terms = [index._weighted_terms(w) for w in weighted]
    postings = [sum(make_plan(index._view(), t).postings) for t in terms]
    gc.collect()
    gc.freeze()
    best: dict[tuple[str, int], list[float]] = {}
    chosen = bm25_module.prefer_top
    try:
        for _ in range(args.rounds):
            for i, weights in enumerate(weighted):
                for k in args.k:
                    for way, prefer in WAYS.items():
                        bm25_module.prefer_top = prefer  # type: ignore[assignment]
                        start = time.process_time()
                        index.weighted_ids(weights, k)
                        spent = time.process_time() - start
                        times = best.setdefault((way, k), [float("inf")] * len(weighted))
                        times[i] = min(times[i], spent)
    finally:
        bm25_module.prefer_top = chosen
    kind = "RM3-expanded queries" if args.expanded else "queries"
    print(f"{len(index):,} passages, {len(weighted)} {kind}, best of {args.rounds} (CPU ms, mean)")
    for k in args.k:
        for low, high in itertools.pairwise(BANDS):
            band = [i for i, p in enumerate(postings) if low <= p < high]
            if not band:
                continue
            cells = "  ".join(
                f"{way} {statistics.mean(best[(way, k)][i] for i in band) * 1e3:7.2f}"
                for way in WAYS
            )
            span = f"{low:,}+" if high == BANDS[-1] else f"{low:,}-{high:,}"
            print(f"  top {k:<3} postings {span:<21} {len(band):4} queries  {cells}")
        cells = "  ".join(f"{way} {statistics.mean(best[(way, k)]) * 1e3:7.2f}" for way in WAYS)
        head = f"all ({statistics.mean(postings):,.0f} postings a query)"
        print(f"  top {k:<3} {head:<30} {len(weighted):4} queries  {cells}")


if __name__ == "__main__":
    main()
