"""Soak run (hand-run, not CI): the bot under mixed traffic and injected faults for minutes.

The production ``NewsBot`` and ``NewsService`` (SQLite, the fixture and sample articles,
kept in ``bench/out/soak``) run against the fake Discord of the e2e tests: searches
(``!news``), ``/ask``, button pages, ``/summary``, ``/sources``, ``/trend``, admin uploads
(``/ingest file``) and scheduled digests on a fast clock, while the fake drops the
gateway connection, asks for reconnects, rate-limits (429 with Discord's headers) and
fails (500/502/504) REST calls, and loses the answers to some digest posts. See
``tests/reliability/soak.py`` for what is counted. Prints the figures; exits 1 when an
error was logged, a reply never came, a digest was lost or doubled, or the fake refused
a call it was not told to.

    .venv/bin/python bench/soak_bot.py [--seconds 600] [--actors 4] [--seed 2025]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.soak import SoakConfig, SoakReport, run_soak  # noqa: E402
from tests.reliability.soak_world import FaultPlan  # noqa: E402

DEFAULT_WORKDIR = ROOT / "bench" / "out" / "soak"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def format_report(report: SoakReport, config: SoakConfig) -> str:
    lines = [f"soak: {report.seconds:.0f} s, {config.actors} actors, {report.requests} REST calls"]
    lines.append("actions (count, no reply, p50 / p95 / max seconds):")
    for action, count in sorted(report.actions.items()):
        took = report.latencies.get(action, [])
        lines.append(
            f"  {action:13s} {count:6d} {report.lost_replies[action]:4d}   "
            f"{statistics.median(took) if took else 0:6.2f} {_percentile(took, 0.95):6.2f} "
            f"{max(took, default=0):6.2f}"
        )
    injected = ", ".join(f"{k}: {v}" for k, v in sorted(report.injected.items()))
    lines.append(f"faults injected: {injected or 'none'}")
    gateway = ", ".join(f"{k}: {v}" for k, v in sorted(report.gateway.items()))
    lines.append(f"gateway: {gateway or 'nothing'}")
    digests = report.digests
    lines.append(
        f"digests: {digests.due} due, {digests.posted_once} posted once, {digests.lost} lost, "
        f"{digests.doubled} doubled ({digests.with_stories} with stories, "
        f"{digests.parts} messages)"
    )
    lines.append(
        f"unhandled: {sum(report.error_records.values())} ERROR records "
        f"{dict(report.error_records)}, {len(report.asyncio_errors)} asyncio errors"
    )
    lines += [f"  {message}" for message in report.first_errors + report.asyncio_errors[:5]]
    lines.append(f"refused by the fake (not injected): {dict(report.refused) or 0}")
    lines.append("warnings (most frequent, with the latest of each):")
    for shape, n in report.warnings.most_common(6):
        lines.append(f"  {n:6d}  {report.warning_examples.get(shape, shape)}")
    lag = report.loop_lag
    lines.append(
        f"event loop: worst lag {lag.worst:.2f} s, {lag.stalls} stalls over {lag.stall} s "
        f"in {lag.ticks} ticks"
    )
    rss = report.rss
    if rss:
        mib = [b / 2**20 for _, b in rss]
        lines.append(
            f"RSS: {mib[0]:.0f} MiB at start, {max(mib):.0f} max, {mib[-1]:.0f} at end; "
            f"slope after {config.warm_up:.0f} s warm-up: {report.rss_slope:+.2f} MiB/min, "
            f"over the second half: {report.rss_slope_second_half:+.2f} MiB/min "
            f"({len(rss)} samples)"
        )
        lines.append("  " + " ".join(f"{m:.0f}" for m in mib))
    return "\n".join(lines)


def failed(report: SoakReport) -> bool:
    digests = report.digests
    return bool(
        report.unhandled
        or sum(report.lost_replies.values())
        or digests.lost
        or digests.doubled
        or report.refused
        or report.gateway["not resumed"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--actors", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--day-seconds", type=float, default=60.0, help="one simulated day")
    parser.add_argument("--disconnect-every", type=float, default=45.0)
    parser.add_argument("--view-seconds", type=float, default=60.0, help="answer buttons live")
    parser.add_argument("--rate-limit", type=float, default=0.03, help="429 chance per call")
    parser.add_argument("--server-error", type=float, default=0.03, help="5xx chance per call")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args()
    config = SoakConfig(
        seconds=args.seconds,
        actors=args.actors,
        seed=args.seed,
        day_seconds=args.day_seconds,
        disconnect_every=args.disconnect_every,
        view_seconds=args.view_seconds,
        faults=FaultPlan(rate_limit=args.rate_limit, server_error=args.server_error),
    )
    start = time.monotonic()

    def progress(text: str) -> None:
        print(f"[{time.monotonic() - start:6.0f} s] {text}", file=sys.stderr, flush=True)

    report = asyncio.run(run_soak(config, args.workdir, progress))
    print(format_report(report, config))
    return 1 if failed(report) else 0


if __name__ == "__main__":
    sys.exit(main())
