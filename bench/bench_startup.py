"""Hand-run benchmark of start-up: one-shot commands as a user runs them.

Each case runs ``--runs`` times as a fresh process, alternating cases so that a
change in the machine's load hits all of them alike; the bench prints the median wall
time and the median CPU time (user + system, from the child's resource usage). The
peer in the same run is the bare interpreter (``python -c pass``), the floor under any
command, and the import of the two dependencies every command that reads the database
and the index loads (SQLAlchemy with its ORM, and numpy). The database is the
README's: the shipped ``samples/`` ingested once into a throwaway data directory.

``--tree DIR`` also measures another checkout of the project, alternating with this
one run by run (a before/after in one run), with this interpreter and its installed
dependencies; each checkout ingests the samples into a data directory of its own.

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


def cli_module(tree: Path) -> str:
    """The command line's module in ``tree`` (``bot.cli`` before the pipeline layout)."""
    return "bot.console" if (tree / "bot" / "console.py").exists() else "bot.cli"


def cases(tree: Path) -> dict[str, list[str]]:
    python = sys.executable
    cli = [python, "-m", cli_module(tree)]
    return {
        "python -c pass (interpreter)": [python, "-c", "pass"],
        "import retrieval.config": [python, "-c", "import retrieval.config"],
        # What any command reading the database and the index loads before our code:
        # the floor under a one-shot ``ask``.
        "import sqlalchemy.orm, numpy": [python, "-c", "import sqlalchemy.orm, numpy"],
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
    parser.add_argument("--tree", type=Path, help="another checkout, measured in the same run")
    args = parser.parse_args()
    trees = [REPO] + ([args.tree.resolve()] if args.tree else [])
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        envs: list[tuple[Path, dict[str, str], Path]] = []
        for number, tree in enumerate(trees):
            home = Path(tmp) / str(number)
            home.mkdir()
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
            # As installed for a user, modules load from cached bytecode: a shell with
            # PYTHONDONTWRITEBYTECODE would time compiling every module from source
            # instead (the ingest below writes the caches before anything is timed).
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["NEWSBOT_DATA_DIR"] = str(home)
            env["PYTHONPATH"] = str(tree)
            ingest = [sys.executable, "-m", cli_module(tree), "ingest", str(REPO / "samples")]
            subprocess.run(ingest, env=env, cwd=home, check=True, capture_output=True)
            envs.append((tree, env, home))
        times: dict[tuple[Path, str], list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            for tree, env, home in envs:
                for name, argv in cases(tree).items():
                    times.setdefault((tree, name), []).append(run(argv, env, home))
    for tree in trees:
        base = statistics.median(w for w, _ in times[(tree, "python -c pass (interpreter)")])
        print(f"tree {tree}; {args.runs} runs each, medians")
        for (owner, name), values in times.items():
            if owner != tree:
                continue
            wall = statistics.median(w for w, _ in values)
            cpu = statistics.median(c for _, c in values)
            ratio = wall / base
            print(f"  {name:<32} wall {wall:6.3f} s  CPU {cpu:6.3f} s  ({ratio:4.1f}x interpreter)")


if __name__ == "__main__":
    main()
