"""A short soak: the bot under mixed traffic and injected faults for a few seconds.

The same run as ``bench/soak_bot.py`` (see ``tests/reliability/soak.py``), cut to a few
seconds with faults and reconnects made frequent, so CI sees every kind of trouble at
least once: nothing may be logged as an error, every action gets its reply, every
digest due is posted exactly once, and the fake refuses nothing it was not told to.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import on_postgresql
from tests.reliability.soak import SoakConfig, run_soak
from tests.reliability.soak_world import FaultPlan

pytestmark = pytest.mark.skipif(
    on_postgresql(), reason="the soak runs on its own SQLite file: the SQLite run covers it"
)

# Seconds given to tasks left behind to end once cancelled.
LEFTOVER_SECONDS = 10.0
CONFIG = SoakConfig(
    seconds=12.0,
    actors=3,
    users=6,
    day_seconds=20.0,
    schedules=2,
    disconnect_every=4.0,
    memory_every=2.0,
    view_seconds=4.0,
    warm_up=6.0,
    faults=FaultPlan(
        rate_limit=0.08,
        server_error=0.05,
        lost_answer=0.3,
        retry_after=(0.05, 0.3),
        each_kind_first=True,
    ),
)


async def test_a_short_soak_under_faults(tmp_path: Path) -> None:
    try:
        report = await run_soak(CONFIG, tmp_path)
    finally:
        left = await _leftover_tasks()
    assert sum(report.actions.values()) > 0 and report.injected["429"] > 0
    assert report.gateway["resumed"] >= 2 and report.gateway["not resumed"] == 0
    assert report.unhandled == 0, report.first_errors + report.asyncio_errors
    assert not report.lost_replies, report.lost_replies
    assert not report.refused, report.refused
    digests = report.digests
    assert digests.due > 0 and digests.posted_once == digests.due, digests
    assert not left, left


async def _leftover_tasks() -> list[str]:
    """Tasks the bot or the fake left running, cancelled here: described, with where the
    ones that ignored the cancellation are stuck. (Left to the event loop's close, such a
    task would hang the run with nothing to say what it was.)"""
    me = asyncio.current_task()
    left = [task for task in asyncio.all_tasks() if task is not me and not task.done()]
    for task in left:
        task.cancel()
    if not left:
        return []
    _, stuck = await asyncio.wait(left, timeout=LEFTOVER_SECONDS)
    described = [repr(task)[:300] for task in left if task not in stuck]
    for task in stuck:
        frames = [f"{f.f_code.co_filename}:{f.f_lineno}" for f in task.get_stack(limit=10)]
        described.append(f"IGNORES CANCEL {task!r:.300} at {frames}")
    return described
