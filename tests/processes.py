"""Running newsbot in other processes, for tests of what several processes share.

Also runnable itself (``python -m tests.processes COMMAND``) for the few operations
the command line has no command for: forgetting an article, and a worker with a
recording job for lease races.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.config import ENV_DATA_DIR, Settings, load_settings
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.database import make_engine, make_sessionmaker
from retrieval.worker.job_runner import Job, Worker

ROOT = Path(__file__).resolve().parents[1]
# How often wait_until checks its condition, in seconds.
POLL_SECONDS = 0.02
# The race job's duration and the race workers' tick, in seconds.
RACE_JOB_SECONDS = 0.05
RACE_TICK_SECONDS = 0.05


def write_config(settings: Settings, directory: Path) -> Path:
    """A config file naming the test's database and index snapshot, for child processes."""
    path = directory / "newsbot-test.toml"
    path.write_text(
        "[database]\n"
        f"url = {json.dumps(settings.database.url)}\n"
        "[index]\n"
        f"snapshot_path = {json.dumps(str(settings.snapshot_path()))}\n",
        encoding="utf-8",
    )
    return path


def child_env() -> dict[str, str]:
    """The environment of a child: unbuffered output, no database override, and the
    test run's private data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_") or k == ENV_DATA_DIR}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def newsbot_command(config: Path, *args: str) -> list[str]:
    """The ``newsbot`` console script's command line, run from this checkout."""
    return [sys.executable, "-m", "bot.console", "--config", str(config), *args]


def helper_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.processes", *args]


def popen(command: Sequence[str]) -> subprocess.Popen[str]:
    """Start a child whose stdout and stderr come back merged, line by line."""
    return subprocess.Popen(
        list(command),
        cwd=ROOT,
        env=child_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run(command: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        cwd=ROOT,
        env=child_env(),
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition`` until it holds; returns the seconds it took, fails after timeout."""
    start = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - start


# ------------------------------------------------------------ runnable helpers
def _forget(config: str, article_id: int) -> None:
    service = NewsService.open(load_settings(config))
    try:
        service.forget(article_id, scope=Scope())
    finally:
        service.close()
    print("forgotten", flush=True)  # the parent waits for this line


def _race_worker(config: str, holder: str, log_path: str, lease_seconds: float) -> None:
    """A real Worker whose one job logs its start and end (wall clock) to a shared file."""

    async def job() -> None:
        with Path(log_path).open("a", encoding="utf-8") as handle:
            handle.write(f"start {holder} {time.time()}\n")
        await asyncio.sleep(RACE_JOB_SECONDS)  # the job's "work"
        with Path(log_path).open("a", encoding="utf-8") as handle:
            handle.write(f"end {holder} {time.time()}\n")

    engine = make_engine(load_settings(config).database)
    worker = Worker(
        make_sessionmaker(engine),
        [Job("race", 0.0, job)],
        holder=holder,
        lease_seconds=lease_seconds,
        tick_seconds=RACE_TICK_SECONDS,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await worker.run(stop)

    asyncio.run(main())
    engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.processes")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("forget")
    p.add_argument("config")
    p.add_argument("article_id", type=int)
    p = sub.add_parser("race-worker")
    p.add_argument("config")
    p.add_argument("holder")
    p.add_argument("log")
    p.add_argument("--lease-seconds", type=float, required=True)
    args = parser.parse_args(argv)
    if args.command == "forget":
        _forget(args.config, args.article_id)
    else:
        _race_worker(args.config, args.holder, args.log, args.lease_seconds)


if __name__ == "__main__":
    main()
