"""Helpers shared by the hand-run quality benchmarks: metrics, run files, the CLI.

The metrics follow trec_eval / pytrec_eval (what BEIR reports): nDCG with linear
gains ``rel / log2(rank + 1)`` and the ideal ranking taken from all judged documents
of the query; recall counts documents judged with relevance > 0. Queries without
judgements are left out; a judged query missing from the run scores zero.
"""

from __future__ import annotations

import math
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NEWSBOT = ROOT / ".venv" / "bin" / "newsbot"

Qrels = dict[str, dict[str, int]]
Run = dict[str, list[str]]


# ----------------------------------------------------------------------- metrics
def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """nDCG@k of one ranking; 0 when nothing is judged relevant."""
    ideal = dcg(sorted((r for r in judged.values() if r > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    gains = [max(judged.get(doc, 0), 0) for doc in ranked[:k]]
    return dcg(gains) / ideal


def recall_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found in the first k; 0 when none is relevant."""
    relevant = {doc for doc, rel in judged.items() if rel > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], judged: Mapping[str, int]) -> float:
    """1 / rank of the first relevant document, 0 when none is ranked."""
    for rank, doc in enumerate(ranked, start=1):
        if judged.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class Scores:
    ndcg10: float
    recall100: float
    mrr: float
    queries: int


def evaluate(run: Mapping[str, Sequence[str]], qrels: Qrels) -> Scores:
    """Mean nDCG@10, Recall@100 and MRR over the judged queries that have a relevant doc."""
    judged = {q: rels for q, rels in qrels.items() if any(r > 0 for r in rels.values())}
    if not judged:
        raise ValueError("no judged query has a relevant document")
    n = len(judged)
    ndcg = sum(ndcg_at_k(run.get(q, []), rels, 10) for q, rels in judged.items())
    recall = sum(recall_at_k(run.get(q, []), rels, 100) for q, rels in judged.items())
    mrr = sum(reciprocal_rank(run.get(q, []), rels) for q, rels in judged.items())
    return Scores(ndcg / n, recall / n, mrr / n, n)


def per_query_ndcg(run: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    """nDCG@10 of every judged query that has a relevant document."""
    return {
        q: ndcg_at_k(run.get(q, []), rels, 10)
        for q, rels in qrels.items()
        if any(r > 0 for r in rels.values())
    }


def paired_bootstrap(
    base: Mapping[str, float], other: Mapping[str, float], rounds: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean difference ``other - base`` over shared queries and its 95% bootstrap interval.

    Resampling queries (not documents) is what tells whether a gain would likely
    hold on another sample of questions like these.
    """
    queries = sorted(set(base) & set(other))
    if not queries:
        raise ValueError("no shared queries")
    diffs = np.array([other[q] - base[q] for q in queries], dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(rounds, len(diffs)))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(diffs.mean()), float(low), float(high)


def self_check() -> None:
    """Hand-computed cases; a benchmark refuses to report numbers if these fail."""
    judged = {"a": 2, "b": 1, "c": 0}
    # Ideal order a(2), b(1): 2/1 + 1/log2(3). Ranking b, x, a: 1/1 + 2/log2(4) = 2.
    ideal = 2.0 + 1.0 / math.log2(3)
    assert math.isclose(ndcg_at_k(["b", "x", "a"], judged, 10), 2.0 / ideal)
    assert math.isclose(ndcg_at_k(["a", "b"], judged, 10), 1.0)
    assert ndcg_at_k(["x", "y"], judged, 10) == 0.0
    # The cut-off applies to the ranking, not to the ideal list beyond k.
    assert math.isclose(ndcg_at_k(["b", "a"], judged, 1), 1.0 / 2.0)
    assert recall_at_k(["c", "b"], judged, 100) == 0.5
    assert recall_at_k(["b", "a"], judged, 1) == 0.5
    assert reciprocal_rank(["x", "c", "b"], judged) == 1.0 / 3.0
    scores = evaluate({"q1": ["a", "b"]}, {"q1": judged, "q2": {"z": 1}, "q3": {"y": 0}})
    assert scores.queries == 2
    assert math.isclose(scores.ndcg10, 0.5)
    assert math.isclose(scores.recall100, 0.5)
    run = parse_run(["q 0 d2 2 1.5 t", "q Q0 d1 1 3.0 t", "q Q0 d3 3 1.5 t"])
    assert run == {"q": ["d1", "d2", "d3"]}
    mean, low, high = paired_bootstrap({"a": 0.0, "b": 0.5}, {"a": 1.0, "b": 0.5}, rounds=200)
    assert mean == 0.5 and 0.0 <= low <= mean <= high <= 1.0


# --------------------------------------------------------------- files and runs
def load_qrels(path: Path) -> Qrels:
    """``query-id<TAB>corpus-id<TAB>score`` lines (a header line is skipped)."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 3 or not parts[2].lstrip("-").isdigit():
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def parse_run(lines: Iterable[str]) -> Run:
    """TREC run lines ``qid Q0 docid rank score tag`` -> qid -> docids, best first.

    Ordered by score, ties by the rank column; a document listed twice for a query
    keeps its best place.
    """
    rows: dict[str, list[tuple[float, int, str]]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 6:
            continue
        qid, _q0, doc, rank, score, _tag = parts
        rows.setdefault(qid, []).append((-float(score), int(rank), doc))
    run: Run = {}
    for qid, entries in rows.items():
        seen: dict[str, None] = {}
        for _s, _r, doc in sorted(entries):
            seen.setdefault(doc, None)
        run[qid] = list(seen)
    return run


def run_lines(ranked: Mapping[str, Sequence[tuple[str, float]]], tag: str) -> list[str]:
    """TREC run lines for qid -> (docid, score) best first."""
    return [
        f"{qid} Q0 {doc} {rank} {score:.6f} {tag}"
        for qid, docs in ranked.items()
        for rank, (doc, score) in enumerate(docs, start=1)
    ]


# ------------------------------------------------------------------- the CLI
@dataclass(frozen=True)
class Workspace:
    """A throwaway database, index snapshot and config file for CLI runs."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "newsbot.toml"

    def write_config(self, extra: Mapping[str, Mapping[str, object]] | None = None) -> Path:
        """A TOML config pointing the database and snapshot into ``root``."""
        sections: dict[str, dict[str, object]] = {
            "database": {"url": f"sqlite:///{self.root / 'newsbot.db'}"},
            "index": {"snapshot_path": str(self.root / "newsbot.index")},
        }
        for name, values in (extra or {}).items():
            sections.setdefault(name, {}).update(values)
        lines: list[str] = []
        for name, values in sections.items():
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
            lines.append("")
        self.config.write_text("\n".join(lines), encoding="utf-8")
        return self.config


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    raise TypeError(f"cannot write {value!r} as TOML")


def newsbot_command(config: Path, *args: str) -> list[str]:
    """The argv of a CLI call with an explicit config file."""
    return [str(NEWSBOT), "--config", str(config), *args]


def run_newsbot(
    config: Path, *args: str, ok_codes: tuple[int, ...] = (0,), stdout_path: Path | None = None
) -> str:
    """Run the CLI, echo the command line to stderr, return stdout (or write it to a file)."""
    argv = newsbot_command(config, *args)
    print("$", shlex.join(argv), file=sys.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    if stdout_path is not None:
        with stdout_path.open("w", encoding="utf-8") as out:
            proc = subprocess.run(
                argv, stdout=out, stderr=subprocess.PIPE, text=True, env=env, check=False
            )
        output = ""
    else:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        output = proc.stdout
    crashed = "Traceback (most recent call last)" in proc.stderr
    if proc.returncode not in ok_codes or crashed:
        tail = "\n".join(proc.stderr.splitlines()[-20:])
        raise RuntimeError(f"{shlex.join(argv)} exited {proc.returncode}:\n{tail}")
    # The CLI's own summary (e.g. "added N, duplicate N, failed N") is worth seeing.
    for line in proc.stderr.splitlines()[-3:]:
        print(f"  {line}", file=sys.stderr)
    return output


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table; floats with 3 decimals."""
    cells = [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out.extend(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    )
    return "\n".join(out)


def parse_ranking(items: Sequence[str]) -> dict[str, object]:
    """``key=value`` pairs of [ranking] settings (values as TOML would read them)."""
    out: dict[str, object] = {}
    for item in items:
        key, _, raw = item.partition("=")
        value: object = raw
        if raw in ("true", "false"):
            value = raw == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(raw)
                    break
                except ValueError:
                    continue
        out[key.strip()] = value
    return out
