"""The judged question set for ``ask``: questions with the sentences that answer them.

The news corpora may not be copied into the project, so a gold sentence is stored as
(article id, position, hash): the position indexes ``sentence_texts`` of the article's
text, and the hash is a short digest of that sentence, so a change in the sentence
splitter (drift) is detected instead of silently judging against the wrong sentence.

Usage (from the repository root)::

    python -m bench.qa.goldset show bbc-business-259      # sentences with positions
    python -m bench.qa.goldset fill                       # add missing hashes
    python -m bench.qa.goldset check                      # report drifted positions
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.text.normalize import normalize_text
from retrieval.text.sentences import sentence_texts

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.jsonl"
DATA = HERE.parents[1].parent / "shared" / "data"
CORPORA = ("bbc_news_2225.jsonl.gz", "reuters21578.jsonl.gz")
# Hex digits of SHA-1 kept per sentence: enough to tell sentences apart, too short to
# carry the text.
HASH_CHARS = 10


def sentence_hash(sentence: str) -> str:
    """Digest of a sentence, insensitive to Unicode form and to whitespace runs."""
    canonical = " ".join(normalize_text(sentence).split())
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:HASH_CHARS]


@dataclass(frozen=True)
class GoldSentence:
    article: str
    position: int
    hash: str


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    kind: str
    gold: tuple[GoldSentence, ...]

    @property
    def hashes(self) -> frozenset[str]:
        return frozenset(g.hash for g in self.gold)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The question set; every gold sentence must carry its hash (run ``fill`` first)."""
    out: list[Question] = []
    for number, record in enumerate(_records(path), start=1):
        gold = []
        for item in record["gold"]:
            if not item.get("hash"):
                raise ValueError(f"{path}:{number}: gold sentence without hash; run fill")
            gold.append(GoldSentence(item["article"], int(item["position"]), item["hash"]))
        out.append(Question(record["qid"], record["question"], record["kind"], tuple(gold)))
    return out


def _records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_articles(ids: Iterable[str] | None = None, data: Path = DATA) -> dict[str, dict[str, str]]:
    """Articles of the shared corpora by id (only ``ids`` when given)."""
    wanted = set(ids) if ids is not None else None
    articles: dict[str, dict[str, str]] = {}
    for name in CORPORA:
        with gzip.open(data / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if wanted is None or record["id"] in wanted:
                    articles[record["id"]] = record
    return articles


def drift(questions: Sequence[Question], articles: Mapping[str, Mapping[str, str]]) -> list[str]:
    """One message per gold sentence whose position no longer holds its sentence."""
    problems: list[str] = []
    for q in questions:
        for g in q.gold:
            article = articles.get(g.article)
            if article is None:
                problems.append(f"{q.qid}: article {g.article} not in the corpora")
                continue
            hashes = [sentence_hash(s) for s in sentence_texts(article["text"])]
            if g.position < len(hashes) and hashes[g.position] == g.hash:
                continue
            moved = [i for i, h in enumerate(hashes) if h == g.hash]
            where = f"now at position {moved[0]}" if moved else "no longer a sentence"
            problems.append(f"{q.qid}: {g.article}[{g.position}] drifted ({where})")
    return problems


def fill(path: Path, articles: Mapping[str, Mapping[str, str]]) -> int:
    """Add the hash of every gold sentence that has none; returns how many were added."""
    records = _records(path)
    added = 0
    for record in records:
        for item in record["gold"]:
            if item.get("hash"):
                continue
            sentences = sentence_texts(articles[item["article"]]["text"])
            item["hash"] = sentence_hash(sentences[int(item["position"])])
            added += 1
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return added


def _gold_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    for record in _records(path):
        ids.update(item["article"] for item in record["gold"])
    return ids


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--data", type=Path, default=DATA, help="directory of the corpora")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print articles' sentences with their positions")
    show.add_argument("ids", nargs="+")
    sub.add_parser("fill", help="add missing hashes to the question file")
    sub.add_parser("check", help="report gold sentences whose position drifted")
    args = parser.parse_args(argv)
    if args.command == "show":
        for aid, article in load_articles(args.ids, args.data).items():
            print(f"== {aid} | {article['title']}")
            for i, sentence in enumerate(sentence_texts(article["text"])):
                print(f"[{i}] {sentence_hash(sentence)} {sentence}")
        return 0
    articles = load_articles(_gold_ids(args.questions), args.data)
    if args.command == "fill":
        print(f"added {fill(args.questions, articles)} hashes", file=sys.stderr)
        return 0
    problems = drift(load_questions(args.questions), articles)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} drifted gold sentences", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
