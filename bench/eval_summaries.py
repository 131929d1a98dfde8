"""Summary quality on the CNN/DailyMail development set, against the usual baselines.

Runs newsbot's ``key_sentences``, Lead-N and sumy's TextRank and LexRank over the
same sentences (newsbot's splitter), writes one prediction file per method, scores
each with the data set's own ``score.py`` (ROUGE-1/2/Lsum F1) and prints a table.

Needs ``rouge-score`` (for score.py) and ``sumy`` (for the baselines), which are not
project dependencies: ``.venv/bin/pip install rouge-score sumy``.

Usage: .venv/bin/python bench/eval_summaries.py [--data PATH] [--sentences 3]
       [--limit N] [--methods newsbot,lead,textrank,lexrank] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from retrieval.answer.summarize import key_sentences  # noqa: E402
from retrieval.index.tokenizer import Tokenizer  # noqa: E402
from retrieval.text.sentences import sentence_texts  # noqa: E402

EVAL_DIR = ROOT.parent / "shared" / "eval" / "summarisation"
DEFAULT_DATA = EVAL_DIR / "cnndm_dev500.jsonl"
SCORER = EVAL_DIR / "score.py"
DEFAULT_OUT = ROOT / "bench" / "out" / "summaries"

Summarizer = Callable[[str, int], list[str]]


def newsbot_summarizer() -> Summarizer:
    tokenize = Tokenizer().tokenize

    def summarize(article: str, n: int) -> list[str]:
        return [article[s.start : s.end] for s in key_sentences(article, n, tokenize)]

    return summarize


def lead_summarizer() -> Summarizer:
    return lambda article, n: sentence_texts(article)[:n]


class _SumyWords:
    """Word tokenizer for sumy's document model (its default needs NLTK data files)."""

    def __init__(self) -> None:
        self._word = regex.compile(r"[^\W_]+(?:'[^\W_]+)*")

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(self._word.findall(sentence))


def sumy_summarizer(name: str) -> Summarizer:
    # Imported by name: sumy is a bench-only, untyped package.
    dom = importlib.import_module("sumy.models.dom")
    stemmers = importlib.import_module("sumy.nlp.stemmers")
    utils = importlib.import_module("sumy.utils")
    modules = {"textrank": "sumy.summarizers.text_rank", "lexrank": "sumy.summarizers.lex_rank"}
    classes = {"textrank": "TextRankSummarizer", "lexrank": "LexRankSummarizer"}
    summarizer = getattr(importlib.import_module(modules[name]), classes[name])(
        stemmers.Stemmer("english")
    )
    summarizer.stop_words = utils.get_stop_words("english")
    words = _SumyWords()

    def summarize(article: str, n: int) -> list[str]:
        sentences = [dom.Sentence(text, words) for text in sentence_texts(article)]
        document = dom.ObjectDocumentModel([dom.Paragraph(sentences)])
        return [str(sentence) for sentence in summarizer(document, n)]

    return summarize


def build(method: str) -> Summarizer:
    if method == "newsbot":
        return newsbot_summarizer()
    if method == "lead":
        return lead_summarizer()
    if method in ("textrank", "lexrank"):
        return sumy_summarizer(method)
    raise SystemExit(f"unknown method {method!r}")


def load(path: Path, limit: int | None) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return rows[:limit] if limit else rows


def write_predictions(
    path: Path, rows: Iterable[dict[str, str]], summarize: Summarizer, n: int
) -> float:
    """Write {"id", "summary"} lines (sentences joined by newlines); return seconds taken."""
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            summary = "\n".join(summarize(row["article"], n))
            handle.write(json.dumps({"id": row["id"], "summary": summary}) + "\n")
    return time.perf_counter() - started


def score(pred: Path, data: Path) -> tuple[float, float, float]:
    done = subprocess.run(
        [sys.executable, str(SCORER), str(pred), "--data", str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    fields = done.stdout.strip().splitlines()[-1].split()
    values = dict(zip(fields[::2], fields[1::2], strict=True))
    return float(values["R1"]), float(values["R2"]), float(values["RL"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--methods", default="newsbot,lead,textrank,lexrank")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.data.is_file() or not SCORER.is_file():
        raise SystemExit(f"missing {args.data} or {SCORER}")
    rows = load(args.data, args.limit)
    data = args.data
    if args.limit:
        args.out.mkdir(parents=True, exist_ok=True)
        data = args.out / "data.jsonl"
        data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[tuple[str, tuple[float, float, float], float]] = []
    for method in args.methods.split(","):
        pred = args.out / f"{method}.jsonl"
        seconds = write_predictions(pred, rows, build(method), args.sentences)
        results.append((method, score(pred, data), seconds))
    print(f"{len(rows)} articles from {args.data.name}, {args.sentences} sentences each")
    print(f"{'method':<10} {'R1':>6} {'R2':>6} {'RL':>6} {'seconds':>8}")
    for method, (r1, r2, rl), seconds in results:
        print(f"{method:<10} {r1:6.2f} {r2:6.2f} {rl:6.2f} {seconds:8.1f}")
    command = [".venv/bin/python", "bench/eval_summaries.py", *(argv or sys.argv[1:])]
    print("command:", shlex.join(command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
