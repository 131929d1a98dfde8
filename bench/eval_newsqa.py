"""``newsbot ask`` on the NewsQA development questions, beside the B2 baseline in one run.

Ingests the set's CNN stories (``../shared/eval/newsqa/corpus.jsonl``) into a throwaway
database through ``newsbot ingest``, answers every development question with one
``newsbot ask --batch --json`` process, and scores the answers with the set's own
``score.py --baseline``, which runs B2 (BM25 over whole stories, then the top story's 3
sentences sharing the most query words) in the same process and prints both rows:
story_hit@1/@3, ans_recall@1/@3 and mrr@3 over the first 3 answer sentences.

    .venv/bin/python -m bench.eval_newsqa [--workdir DIR] [--questions FILE]
        [--ranking KEY=VALUE ...]

With ``--workdir`` the database is kept and reused, so variants of the ``[ranking]``
settings can be answered over the same ingest.

The baseline needs ``rank_bm25`` (a dependency of the project).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import SHARED, Workspace, parse_ranking, run_newsbot

NEWSQA = SHARED / "eval" / "newsqa"
# The corpus file is one JSONL input, larger than the default per-input cap.
MAX_INPUT_BYTES = 50_000_000


def write_questions(source: Path, out: Path) -> Path:
    """The questions as ``ask --batch`` input: {"id", "question"} per line (the gold
    answers stay out of the process that answers)."""
    path = out / "questions.jsonl"
    with source.open(encoding="utf-8") as lines, path.open("w", encoding="utf-8") as sink:
        for line in lines:
            if line.strip():
                q = json.loads(line)
                sink.write(json.dumps({"id": q["qid"], "question": q["question"]}) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the database and answers here")
    parser.add_argument("--questions", type=Path, default=NEWSQA / "dev_questions.jsonl")
    parser.add_argument(
        "--ranking", nargs="*", default=[], metavar="KEY=VALUE", help="[ranking] settings"
    )
    args = parser.parse_args()
    if not (NEWSQA / "corpus.jsonl").exists():
        print(f"no NewsQA set at {NEWSQA}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        space = Workspace(root)
        extra: dict[str, dict[str, object]] = {"ingest": {"max_input_bytes": MAX_INPUT_BYTES}}
        if args.ranking:
            extra["ranking"] = parse_ranking(args.ranking)
        config = space.write_config(extra)
        if not (root / "newsbot.db").exists():
            run_newsbot(config, "ingest", str(NEWSQA / "corpus.jsonl"))
        questions = write_questions(args.questions, root)
        answers = root / "answers.jsonl"
        run_newsbot(config, "ask", "--batch", str(questions), "--json", stdout_path=answers)
        score = [
            sys.executable,
            str(NEWSQA / "score.py"),
            str(answers),
            "--questions",
            str(args.questions),
            "--baseline",
        ]
        return subprocess.run(score, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
