"""A short soak: the bot under mixed traffic and injected faults for a few seconds.

The same run as ``bench/soak_bot.py`` (see ``tests/reliability/soak.py``), cut to a few
seconds with faults and reconnects made frequent, so CI sees every kind of trouble at
least once: nothing may be logged as an error, every action gets its reply, every
digest due is posted exactly once, and the fake refuses nothing it was not told to.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.soak import SoakConfig, run_soak
from tests.reliability.soak_world import FaultPlan

CONFIG = SoakConfig(
    seconds=12.0,
    actors=3,
    users=6,
    day_seconds=20.0,
    schedules=2,
    disconnect_every=4.0,
    memory_every=2.0,
    warm_up=4.0,
    faults=FaultPlan(rate_limit=0.08, server_error=0.05, lost_answer=0.3, retry_after=(0.05, 0.3)),
)


async def test_a_short_soak_under_faults(tmp_path: Path) -> None:
    report = await run_soak(CONFIG, tmp_path)
    assert sum(report.actions.values()) > 0 and report.injected["429"] > 0
    assert report.gateway["resumed"] >= 2 and report.gateway["not resumed"] == 0
    assert report.unhandled == 0, report.first_errors + report.asyncio_errors
    assert not report.lost_replies, report.lost_replies
    assert not report.refused, report.refused
    digests = report.digests
    assert digests.due > 0 and digests.posted_once == digests.due, digests
