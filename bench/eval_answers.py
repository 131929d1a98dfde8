"""Answer quality of ``newsbot ask`` on the judged question set in ``bench/qa/``.

Ingests the BBC and Reuters corpora (``../shared/data``) into a throwaway database
through ``newsbot ingest``, asks every question (``newsbot ask --json``, or the
in-process ``NewsService.ask`` with ``--in-process``), and scores where the first gold
sentence appears among the answer's sentences:

- recall@3: share of questions with a gold sentence among the first 3 answer sentences;
- MRR: mean of 1 / rank of the first gold sentence (0 when none is shown);
- article@3: share of questions whose answer cites, among its first 3 citations, an
  article that contains a gold sentence (retrieval succeeded even if the sentence
  choice did not).

A sentence matches a gold sentence by its hash (``bench.qa.goldset.sentence_hash``),
so an identical sentence from a duplicate copy of the article counts too.

    .venv/bin/python -m bench.eval_answers [--workdir DIR] [--in-process]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import shlex
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT, Workspace, format_table, newsbot_command, run_newsbot
from bench.qa.goldset import CORPORA, DATA, Question, drift, load_articles, load_questions
from bench.qa.goldset import sentence_hash as gold_hash
from retrieval.text.sentences import sentence_texts

# The JSONL corpora are larger than the default input cap.
MAX_INPUT_BYTES = 200_000_000
# Answer sentences that count as "shown first".
TOP = 3
# Articles ranked when comparing ranking switches.
DEPTH = 10
# Ranking switches compared on retrieval alone (``--variants``): RankingSettings changes.
RANKING_VARIANTS: dict[str, dict[str, Any]] = {
    "default (best passage)": {},
    "feedback (RM3)": {"feedback": True},
    "proximity 0.5": {"proximity_weight": 0.5},
    "aggregate: s1 + 0.3*s2": {"passage_decay": 0.3, "aggregate_depth": 2},
}


@dataclass(frozen=True)
class Asked:
    """One answer, reduced to what the scores need."""

    sentences: tuple[str, ...]
    cited_article_ids: tuple[int, ...]  # internal ids, citation order


@dataclass(frozen=True)
class Judged:
    question: Question
    first_gold: int | None  # 1-based rank of the first gold sentence among the sentences
    article_rank: int | None  # 1-based rank of the first citation holding a gold sentence
    lead_hit: bool  # a gold sentence among the first 3 sentences of the top cited article


def convert_corpora(data: Path, out: Path) -> Path:
    """The two corpora as one JSONL file in the ingest format.

    Reuters dates carry no time zone, and answers do not depend on dates: they are
    left out.
    """
    path = out / "news.jsonl"
    with path.open("w", encoding="utf-8") as sink:
        for name in CORPORA:
            with gzip.open(data / name, "rt", encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    row = {
                        "id": record["id"],
                        "title": record["title"],
                        "text": record["text"],
                        "source": record["source"],
                    }
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def ask_cli(config: Path, question: str) -> Asked:
    out = run_newsbot(config, "ask", "--json", question)
    answer = json.loads(out)
    return Asked(
        tuple(s["text"] for s in answer["sentences"]),
        tuple(int(c["article_id"]) for c in answer["citations"]),
    )


def ask_in_process(config: Path, questions: Sequence[Question]) -> Iterator[Asked]:
    from retrieval.config import load_settings
    from retrieval.results import Scope
    from retrieval.service import NewsService

    service = NewsService.open(load_settings(config))
    try:
        for q in questions:
            answer = service.ask(q.question, scope=Scope(None))
            yield Asked(
                tuple(s.text for s in answer.sentences),
                tuple(c.article_id for c in answer.citations),
            )
    finally:
        service.close()


class Bodies:
    """Stored article bodies' sentence hashes, read straight from the SQLite file."""

    def __init__(self, db: Path) -> None:
        self._db = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self._cache: dict[int, list[str]] = {}

    def hashes(self, article_id: int) -> list[str]:
        if article_id not in self._cache:
            row = self._db.execute(
                "SELECT body FROM articles WHERE id = ?", (article_id,)
            ).fetchone()
            body = row[0] if row else ""
            self._cache[article_id] = [gold_hash(s) for s in sentence_texts(body)]
        return self._cache[article_id]


def judge(question: Question, asked: Asked, bodies: Bodies) -> Judged:
    gold = question.hashes
    first_gold = next(
        (rank for rank, s in enumerate(asked.sentences, start=1) if gold_hash(s) in gold), None
    )
    article_rank = next(
        (
            rank
            for rank, aid in enumerate(asked.cited_article_ids, start=1)
            if gold.intersection(bodies.hashes(aid))
        ),
        None,
    )
    lead = bodies.hashes(asked.cited_article_ids[0])[:TOP] if asked.cited_article_ids else []
    return Judged(question, first_gold, article_rank, bool(gold.intersection(lead)))


def summarize(judged: Sequence[Judged]) -> tuple[float, float, float, float]:
    """recall@3, MRR, article@3 and lead-3 hit rate."""
    n = len(judged)
    recall = sum(j.first_gold is not None and j.first_gold <= TOP for j in judged) / n
    mrr = sum(1.0 / j.first_gold for j in judged if j.first_gold) / n
    article = sum(j.article_rank is not None and j.article_rank <= TOP for j in judged) / n
    lead = sum(j.lead_hit for j in judged) / n
    return recall, mrr, article, lead


def report(judged: Sequence[Judged]) -> str:
    groups: dict[str, list[Judged]] = defaultdict(list)
    for j in judged:
        groups["all"].append(j)
        groups["corpus " + j.question.qid.split("-")[0]].append(j)
        groups["kind " + j.question.kind].append(j)
    header = ["questions", "n", "recall@3", "MRR", "article@3", "top-article lead-3"]
    order = sorted(groups, key=lambda name: (name != "all", name))
    rows = [[name, len(groups[name]), *summarize(groups[name])] for name in order]
    return format_table(header, rows)


def ranking_variants(config: Path, questions: Sequence[Question], bodies: Bodies) -> str:
    """Retrieval only: where each ranking switch puts the first article holding a gold sentence."""
    from retrieval.config import load_settings
    from retrieval.ranking import Ranker, RankingSettings
    from retrieval.ranking.texts import session_passage_tokens
    from retrieval.service import NewsService

    service = NewsService.open(load_settings(config))
    rows: list[list[object]] = []
    try:
        with service.sessions() as session:
            fetch = session_passage_tokens(session, service.tokenizer)
            for name, changes in RANKING_VARIANTS.items():
                ranker = Ranker(
                    service.index, dataclasses.replace(RankingSettings(), **changes), fetch
                )
                ranks: list[int | None] = []
                start = time.perf_counter()
                for q in questions:
                    ranked = ranker.articles(service.tokenizer.tokenize(q.question), DEPTH)
                    ranks.append(
                        next(
                            (
                                rank
                                for rank, (aid, _) in enumerate(ranked, start=1)
                                if q.hashes.intersection(bodies.hashes(aid))
                            ),
                            None,
                        )
                    )
                ms = 1000 * (time.perf_counter() - start) / len(questions)
                n = len(ranks)
                at = [sum(r is not None and r <= k for r in ranks) / n for k in (1, TOP, DEPTH)]
                mrr = sum(1.0 / r for r in ranks if r) / n
                rows.append([name, *at, mrr, f"{ms:.1f}"])
    finally:
        service.close()
    header = [
        "ranking (articles only)",
        "article@1",
        f"article@{TOP}",
        f"article@{DEPTH}",
        "MRR",
        "ms/q",
    ]
    return format_table(header, rows)


def ingest(workspace: Workspace, data: Path) -> Path:
    config = workspace.write_config({"ingest": {"max_input_bytes": MAX_INPUT_BYTES}})
    if (workspace.root / "newsbot.db").exists():
        print(f"reusing the database in {workspace.root}", file=sys.stderr)
        return config
    corpus = convert_corpora(data, workspace.root)
    # Exit 1 only means some records failed; the count is printed on stderr.
    run_newsbot(
        config, "ingest", str(corpus), ok_codes=(0, 1), stdout_path=workspace.root / "ingest.log"
    )
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA, help="directory of the news corpora")
    parser.add_argument("--workdir", type=Path, help="keep the database here (reused if present)")
    parser.add_argument("--in-process", action="store_true", help="NewsService.ask, not the CLI")
    parser.add_argument("--details", action="store_true", help="print every question's outcome")
    parser.add_argument("--variants", action="store_true", help="also compare ranking switches")
    args = parser.parse_args(argv)

    questions = load_questions()
    problems = drift(
        questions, load_articles({g.article for q in questions for g in q.gold}, args.data)
    )
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print("gold positions drifted: run `python -m bench.qa.goldset check`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="newsbot-answers-") as tmp:
        workspace = Workspace(args.workdir or Path(tmp))
        workspace.root.mkdir(parents=True, exist_ok=True)
        config = ingest(workspace, args.data)
        if args.in_process:
            answers = list(ask_in_process(config, questions))
        else:
            answers = [ask_cli(config, q.question) for q in questions]
        bodies = Bodies(workspace.root / "newsbot.db")
        judged = [judge(q, a, bodies) for q, a in zip(questions, answers, strict=True)]
        variants = ranking_variants(config, questions, bodies) if args.variants else ""
    if args.details:
        for j in judged:
            ranks = f"gold@{j.first_gold or '-'} article@{j.article_rank or '-'}"
            print(f"{j.question.qid:12} {ranks:20} {j.question.question}")
    print(report(judged))
    if variants:
        print()
        print(variants)
    print()
    print("Reproduce:")
    print(
        f"  cd {ROOT} && .venv/bin/python -m bench.eval_answers"
        + (" --in-process" if args.in_process else "")
    )
    print(
        "  per question: "
        + shlex.join(newsbot_command(Path("CONFIG"), "ask", "--json", "QUESTION"))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
