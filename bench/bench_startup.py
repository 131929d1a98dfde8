"""Hand-run benchmark of start-up: one-shot commands as a user runs them.

Each case runs ``--runs`` times as a fresh process, alternating cases so that a
change in the machine's load hits all of them alike; the bench prints the median wall
time and the median CPU time (user + system, from the child's resource usage). The
peer in the same run is the bare interpreter (``python -c pass``), the floor under any
command. The database is the README's: the shipped ``samples/`` ingested once into a
throwaway data directory.

``--tree DIR`` measures another checkout of the project (for a before/after in one
run) with this interpreter and its installed dependencies.

    .venv/bin/python bench/bench_startup.py [--runs 15] [--tree DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTION = "What did Harbourton council approve?"


def cases(tree: Path) -> dict[str, list[str]]:
    python = sys.executable
    cli = [python, "-m", "bot.console"]
    return {
        "python -c pass (interpreter)": [python, "-c", "pass"],
        "import retrieval.config": [python, "-c", "import retrieval.config"],
        "newsbot --help": [*cli, "--help"],
        "newsbot ask (one-shot)": [*cli, "ask", QUESTION],
    }


def run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tree", type=Path, default=REPO, help="the checkout to measure")
    args = parser.parse_args()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env["NEWSBOT_DATA_DIR"] = tmp
        env["PYTHONPATH"] = str(tree)
        ingest = [sys.executable, "-m", "bot.console", "ingest", str(REPO / "samples")]
        subprocess.run(ingest, env=env, cwd=tmp, check=True, capture_output=True)
        todo = cases(tree)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
        for _ in range(args.runs):
            for name, argv in todo.items():
                times[name].append(run(argv, env, Path(tmp)))
    base = statistics.median(w for w, _ in times["python -c pass (interpreter)"])
    print(f"tree {tree}; {args.runs} runs each, medians")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        ratio = wall / base
        print(f"  {name:<32} wall {wall:6.3f} s  CPU {cpu:6.3f} s  ({ratio:4.1f}x interpreter)")


if __name__ == "__main__":
    main()
