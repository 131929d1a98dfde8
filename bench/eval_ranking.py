"""Ranking quality on SciFact (BEIR layout): our engine vs. rank_bm25 over whole documents.

Rows, all scored with nDCG@10, Recall@100 and MRR over the judged queries
(``qrels/train.tsv``, the development split):

- baseline: ``rank_bm25.BM25Okapi`` over title + text of whole documents, tokenised
  with our ``Tokenizer``;
- in-process variants: the corpus put through our own JSONL extraction and ingest
  preparation (normalise, split into passages), indexed in a ``BM25Index`` and ranked
  by ``retrieval.ranking.Ranker`` with one switch changed at a time;
- cli: the real product, ``newsbot ingest`` into a throwaway database and
  ``newsbot search --batch`` (TREC run lines), with the ``[ranking]`` settings given.

Each variant's nDCG@10 change against the plain passage ranking is shown with a 95%
paired bootstrap interval over queries: an interval that contains 0 is noise.

    .venv/bin/python -m bench.eval_ranking [--no-cli] [--sweep] [--ranking key=value ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from bench.common import (
    ROOT,
    SHARED,
    Qrels,
    Run,
    Workspace,
    evaluate,
    format_table,
    load_qrels,
    newsbot_command,
    paired_bootstrap,
    parse_ranking,
    parse_run,
    per_query_ndcg,
    run_newsbot,
    self_check,
)
from retrieval.config import IngestSettings
from retrieval.index import BM25Index, PassageMeta
from retrieval.index.catch_up import ranking_text
from retrieval.index.tokenizer import Tokenizer
from retrieval.ingest.extract import ExtractOptions, extract_path
from retrieval.ingest.stages import prepare
from retrieval.ranking import Ranker, RankingSettings

DATA = SHARED / "eval" / "retrieval" / "scifact"
DEPTH = 100  # documents per query in a run (Recall@100)
# Title boost experiment: article score = best passage + TITLE_BOOST * BM25(title).
TITLE_BOOST = 0.2
# Variants run in process: name -> changes to RankingSettings() (one switch each).
VARIANTS: dict[str, dict[str, Any]] = {
    "passages, max (default)": {},
    "aggregate: s1 + 0.3*s2": {"passage_decay": 0.3, "aggregate_depth": 2},
    "aggregate: sum of top 2": {"passage_decay": 1.0, "aggregate_depth": 2},
    "proximity 0.5": {"proximity_weight": 0.5},
    "feedback (RM3)": {"feedback": True},
}
# A small sweep of the feedback parameters (``--sweep``).
SWEEP = [
    {"feedback": True, "feedback_passages": p, "feedback_terms": t, "feedback_query_weight": w}
    for p in (3, 10)
    for t in (10, 20)
    for w in (0.6, 0.7, 0.8)
]


@dataclass(frozen=True)
class SciFact:
    corpus: list[dict[str, str]]
    queries: dict[str, str]
    qrels: Qrels


def load_scifact(data: Path) -> SciFact:
    with (data / "corpus.jsonl").open(encoding="utf-8") as handle:
        corpus = [json.loads(line) for line in handle if line.strip()]
    with (data / "queries.jsonl").open(encoding="utf-8") as handle:
        queries = {q["_id"]: q["text"] for q in map(json.loads, handle)}
    qrels = load_qrels(data / "qrels" / "train.tsv")
    return SciFact(corpus, {q: t for q, t in queries.items() if q in qrels}, qrels)


def write_ingest_jsonl(corpus: Sequence[Mapping[str, str]], path: Path) -> Path:
    """The corpus in our JSONL ingest format; the id becomes the article's external id."""
    with path.open("w", encoding="utf-8") as sink:
        for doc in corpus:
            row = {
                "id": doc["_id"],
                "title": doc["title"],
                "text": doc["text"],
                "source": "SciFact",
            }
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------- baseline
def baseline_run(data: SciFact, tokenizer: Tokenizer) -> Run:
    """rank_bm25 BM25Okapi over whole documents (title + text)."""
    ids = [d["_id"] for d in data.corpus]
    bm25 = BM25Okapi([tokenizer.tokenize(f"{d['title']} {d['text']}") for d in data.corpus])
    run: Run = {}
    for qid, text in data.queries.items():
        scores = bm25.get_scores(tokenizer.tokenize(text))
        top = np.argsort(-scores, kind="stable")[:DEPTH]
        run[qid] = [ids[i] for i in top]
    return run


# ----------------------------------------------------------------- in process
class PassageCorpus:
    """The corpus prepared exactly as ``newsbot ingest`` prepares it, in a BM25Index."""

    def __init__(self, jsonl: Path, tokenizer: Tokenizer, settings: IngestSettings) -> None:
        self.tokenizer = tokenizer
        self.external: list[str] = []
        self.titles: list[str] = []
        texts: dict[int, str] = {}
        article_of: dict[int, int] = {}
        options = ExtractOptions(max_input_bytes=jsonl.stat().st_size + 1, kind="jsonl")
        for record in extract_path(jsonl, options):
            if isinstance(record, Exception):
                raise record
            prepared = prepare(record, settings)
            article = len(self.external)
            self.external.append(record.external_id or str(article))
            self.titles.append(prepared.title)
            for passage in prepared.passages:
                pid = len(texts) + 1
                texts[pid] = ranking_text(prepared.title, passage.text)
                article_of[pid] = article
        self.tokens = dict(zip(texts, tokenizer.tokenize_many(list(texts.values())), strict=True))
        self.index = BM25Index()
        self.index.add_many(
            (pid, toks, PassageMeta(article_id=article_of[pid]))
            for pid, toks in self.tokens.items()
        )

    def passage_tokens(self, ids: Sequence[int]) -> dict[int, Sequence[str]]:
        return {pid: self.tokens[pid] for pid in ids if pid in self.tokens}

    def run(self, data: SciFact, params: RankingSettings) -> tuple[Run, float]:
        """The run of a variant and its mean milliseconds per query."""
        ranker = Ranker(self.index, params, self.passage_tokens)
        run: Run = {}
        start = time.perf_counter()
        for qid, text in data.queries.items():
            ranked = ranker.articles(self.tokenizer.tokenize(text), DEPTH)
            run[qid] = [self.external[a] for a, _ in ranked]
        return run, 1000 * (time.perf_counter() - start) / len(data.queries)

    def title_boost_run(self, data: SciFact) -> Run:
        """Experiment: best passage plus a boosted BM25 score of the article's title alone."""
        titles = BM25Index()
        titles.add_many(
            (a, self.tokenizer.tokenize(t), PassageMeta(article_id=a))
            for a, t in enumerate(self.titles)
        )
        ranker = Ranker(self.index, RankingSettings(), self.passage_tokens)
        run: Run = {}
        for qid, text in data.queries.items():
            tokens = self.tokenizer.tokenize(text)
            best = dict(ranker.articles(tokens, 3 * DEPTH))
            articles = list(best)
            boost = titles.get_scores(tokens, articles).tolist() if articles else []
            scores = {a: best[a] + TITLE_BOOST * b for a, b in zip(articles, boost, strict=True)}
            ranked = sorted(scores, key=lambda a: -scores[a])[:DEPTH]
            run[qid] = [self.external[a] for a in ranked]
        return run


def whole_document_run(data: SciFact, tokenizer: Tokenizer) -> Run:
    """Our BM25Index with one entry per document: must equal the baseline's scores."""
    index = BM25Index()
    texts = [f"{d['title']} {d['text']}" for d in data.corpus]
    index.add_many(
        (i, toks, PassageMeta(article_id=i))
        for i, toks in enumerate(tokenizer.tokenize_many(texts))
    )
    ids = [d["_id"] for d in data.corpus]
    return {
        qid: [ids[h.passage_id] for h in index.search(tokenizer.tokenize(text), DEPTH)]
        for qid, text in data.queries.items()
    }


# ------------------------------------------------------------------------ CLI
def cli_run(
    data: SciFact, jsonl: Path, root: Path, ranking: Mapping[str, object]
) -> tuple[Run, str]:
    """``newsbot ingest`` + ``newsbot search --batch`` in a throwaway workspace.

    Returns the run and the text of the config file it used.
    """
    workspace = Workspace(root)
    extra: dict[str, dict[str, object]] = {"ingest": {"max_input_bytes": 100_000_000}}
    if ranking:
        extra["ranking"] = dict(ranking)
    config = workspace.write_config(extra)
    run_newsbot(config, "ingest", str(jsonl), stdout_path=root / "ingest.log")
    queries = root / "queries.tsv"
    queries.write_text(
        "".join(f"{qid}\t{' '.join(text.split())}\n" for qid, text in data.queries.items()),
        encoding="utf-8",
    )
    out = root / "run.trec"
    run_newsbot(config, "search", "--batch", str(queries), "--limit", str(DEPTH), stdout_path=out)
    print(f"CLI run file: {out}", file=sys.stderr)
    with out.open(encoding="utf-8") as handle:
        return parse_run(handle), config.read_text(encoding="utf-8")


# --------------------------------------------------------------------- report
@dataclass
class Row:
    name: str
    run: Run
    ms: float | None = None


def table(rows: Sequence[Row], qrels: Qrels, reference: str) -> str:
    base = per_query_ndcg(next(r.run for r in rows if r.name == reference), qrels)
    out = []
    for row in rows:
        scores = evaluate(row.run, qrels)
        delta, low, high = paired_bootstrap(base, per_query_ndcg(row.run, qrels))
        ms = f"{row.ms:.1f}" if row.ms is not None else "-"
        change = f"{delta:+.3f} [{low:+.3f}, {high:+.3f}]"
        out.append([row.name, scores.ndcg10, scores.recall100, scores.mrr, change, ms])
    header = ["system", "nDCG@10", "R@100", "MRR", f"dnDCG vs {reference} (95% CI)", "ms/q"]
    return format_table(header, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI row")
    parser.add_argument("--sweep", action="store_true", help="also sweep feedback parameters")
    parser.add_argument(
        "--ranking", nargs="*", default=[], metavar="KEY=VALUE", help="[ranking] for the CLI row"
    )
    parser.add_argument("--workdir", type=Path, help="keep the CLI database and run file here")
    args = parser.parse_args(argv)
    self_check()

    data = load_scifact(args.data)
    tokenizer = Tokenizer()
    ranking = parse_ranking(args.ranking)
    config_text = ""
    with tempfile.TemporaryDirectory(prefix="newsbot-ranking-") as tmp:
        root = args.workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        jsonl = write_ingest_jsonl(data.corpus, root / "scifact.jsonl")
        rows = [
            Row("rank_bm25 whole docs (baseline)", baseline_run(data, tokenizer)),
            Row("BM25Index whole docs", whole_document_run(data, tokenizer)),
        ]
        corpus = PassageCorpus(jsonl, tokenizer, IngestSettings())
        variants: dict[str, dict[str, Any]] = dict(VARIANTS)
        if args.sweep:
            variants.update({_label(s): s for s in SWEEP})
        for name, changes in variants.items():
            run, ms = corpus.run(data, dataclasses.replace(RankingSettings(), **changes))
            rows.append(Row(name, run, ms))
        rows.append(Row(f"title boost {TITLE_BOOST}", corpus.title_boost_run(data)))
        if not args.no_cli:
            label = " ".join(f"{k}={v}" for k, v in ranking.items()) or "defaults"
            run, config_text = cli_run(data, jsonl, root, ranking)
            rows.append(Row(f"newsbot CLI ({label})", run))
    print(f"SciFact train split: {len(data.queries)} judged queries, {len(data.corpus)} documents")
    print(table(rows, data.qrels, "passages, max (default)"))
    print("\nReproduce:")
    module = f"cd {ROOT} && .venv/bin/python -m bench.eval_ranking"
    print("  " + module + "".join(f" {s}" for s in (argv or sys.argv[1:])))
    if config_text:
        print("  the CLI row, with CONFIG =")
        print("".join(f"    {line}\n" for line in config_text.splitlines() if line), end="")
    print("  " + shlex.join(newsbot_command(Path("CONFIG"), "ingest", "scifact.jsonl")))
    print(
        "  "
        + shlex.join(
            newsbot_command(Path("CONFIG"), "search", "--batch", "queries.tsv", "--limit", "100")
        )
    )
    return 0


def _label(changes: Mapping[str, Any]) -> str:
    return "RM3 " + " ".join(
        f"{k.removeprefix('feedback_')}={v}" for k, v in changes.items() if k != "feedback"
    )


if __name__ == "__main__":
    sys.exit(main())
