"""Two worker processes race for one job: one runs it, the other takes over on kill -9.

Real processes on PostgreSQL (skipped on SQLite runs); each runs the real ``Worker``
with a job that logs its start and end times to a shared file.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.store.database import make_engine, make_sessionmaker, migrate
from retrieval.worker import lease
from tests.conftest import on_postgresql
from tests.processes import helper_command, popen, wait_until, write_config

pytestmark = pytest.mark.skipif(
    not on_postgresql(), reason="multi-process tests run on PostgreSQL (NEWSBOT_TEST_DATABASE_URL)"
)

LEASE_SECONDS = 1.0
# Runs of the job to watch before killing its holder, and after the takeover.
RUNS_BEFORE_KILL = 10
RUNS_AFTER_TAKEOVER = 3
# The standby must take over within the lease plus this many seconds (its tick, a
# loaded machine's scheduling delays).
TAKEOVER_SLACK = 3.0
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Run:
    holder: str
    start: float
    end: float


def runs(log: Path) -> list[Run]:
    """Completed job runs in the shared log, in start order."""
    if not log.exists():
        return []
    started: dict[str, float] = {}
    done: list[Run] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, holder, moment = line.split()
        if kind == "start":
            started[holder] = float(moment)
        else:
            done.append(Run(holder, started.pop(holder), float(moment)))
    return sorted(done, key=lambda r: r.start)


def assert_no_overlap(done: list[Run]) -> None:
    for before, after in itertools.pairwise(done):
        assert after.start >= before.end, f"{before} and {after} ran at the same time"


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[dict[str, subprocess.Popen[str]]]:
    config = write_config(settings, tmp_path)
    log = tmp_path / "runs.log"
    # The schema exists before the workers race to use it.
    engine = make_engine(settings.database)
    migrate(engine)
    engine.dispose()
    started = {
        name: popen(
            helper_command(
                "race-worker", str(config), name, str(log), "--lease-seconds", str(LEASE_SECONDS)
            )
        )
        for name in ("a", "b")
    }
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
        process.wait(timeout=START_TIMEOUT)


def test_one_worker_runs_the_job_and_the_other_takes_over(
    workers: dict[str, subprocess.Popen[str]], settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "runs.log"
    wait_until(lambda: len(runs(log)) >= RUNS_BEFORE_KILL, START_TIMEOUT, "the job running")
    before = runs(log)
    holders = {run.holder for run in before}
    assert len(holders) == 1, f"both workers ran the job: {holders}"
    assert_no_overlap(before)

    (holder,) = holders
    standby = "b" if holder == "a" else "a"
    workers[holder].send_signal(signal.SIGKILL)
    workers[holder].wait(timeout=START_TIMEOUT)
    last_end = max(run.end for run in runs(log) if run.holder == holder)

    wait_until(
        lambda: sum(run.holder == standby for run in runs(log)) >= RUNS_AFTER_TAKEOVER,
        START_TIMEOUT,
        "the standby taking over",
    )
    after = runs(log)
    assert_no_overlap(after)
    takeover = min(run.start for run in after if run.holder == standby)
    assert takeover - last_end <= LEASE_SECONDS + TAKEOVER_SLACK

    # A clean stop gives the lease back.
    workers[standby].send_signal(signal.SIGTERM)
    assert workers[standby].wait(timeout=START_TIMEOUT) == 0
    engine = make_engine(settings.database)
    with make_sessionmaker(engine)() as session:
        assert lease.state(session, "race") is None
    engine.dispose()
