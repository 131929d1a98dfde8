"""Running one fuzz input under a time and memory budget, and keeping count.

A fuzz target may end in three ways: it returns, it raises one of the errors it
documents (the domain errors of ``retrieval.errors``; ``SystemExit(2)`` for argparse),
or it fails the test. ``guarded`` also fails a call that runs over its time budget or
whose traced Python allocations peak over its memory budget, so a hang or a blowup is
caught as surely as a crash. Tallies per target are kept for the long fuzz run's report.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from hypothesis import HealthCheck, settings

from retrieval.errors import NewsbotError

T = TypeVar("T")

# CPU seconds one input may take. Inputs are at most a few hundred kilobytes; the
# slowest healthy call (trafilatura on a big page) takes a few tenths, while the hangs
# this guards against took minutes; the first date a process meets costs seconds once
# (dateparser compiling its locales' patterns), and an input may meet it. CPU time, not
# wall-clock: on a busy machine a call's wall-clock time is several times its work (and
# hypothesis reports such a failure as flaky: the replay passes). A call blocked without
# working escapes a CPU budget, so its wall-clock time is bounded too, at
# ``WALL_FACTOR`` times the budget.
CALL_SECONDS = 5.0
WALL_FACTOR = 4.0
# Traced Python memory one call may peak at: a fixed allowance plus a multiple of the
# input's size (a parsed page holds its text several times over, as lines and tokens).
MEMORY_BASE_BYTES = 48 * 1024 * 1024
MEMORY_PER_INPUT_BYTE = 64
# One input in this many (by size) is run a second time with allocations traced ...
MEMORY_SAMPLE = 3
# ... when its untraced run took at most this long (tracing slows a pure-Python parser
# sixfold; ``NEWSBOT_FUZZ_TRACE_SECONDS`` raises the cap for the long run).
TRACE_MAX_SECONDS = float(os.environ.get("NEWSBOT_FUZZ_TRACE_SECONDS", "0.25"))
# ``NEWSBOT_FUZZ_SCALE`` multiplies every test's example count (the long run sets it).
SCALE_ENV = "NEWSBOT_FUZZ_SCALE"


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: ``examples`` inputs, scaled by the environment.

    No deadline: the budget is enforced by ``guarded`` with a clearer message, and the
    first call of a target pays for imports and caches.
    """
    scale = max(1, int(os.environ.get(SCALE_ENV, "1") or "1"))
    return settings(
        max_examples=examples * scale,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@dataclass
class Tally:
    """What one target saw: inputs, documented errors by class, worst time and memory."""

    inputs: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    slowest: float = 0.0
    peak_bytes: int = 0
    biggest_input: int = 0


TALLIES: dict[str, Tally] = {}


@contextmanager
def traced() -> Iterator[None]:
    """Trace allocations for the duration (restoring the previous state after)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        yield
    finally:
        if not was_tracing:
            tracemalloc.stop()


def documented(error: BaseException) -> bool:
    """An error a caller is told to expect: a domain error, or argparse's usage exit."""
    if isinstance(error, NewsbotError):
        return bool(error.reason) and "\n" not in error.reason.strip()
    return isinstance(error, SystemExit) and error.code == 2


def guarded(
    target: str,
    call: Callable[[], T],
    *,
    size: int,
    allowed: Callable[[BaseException], bool] = documented,
    seconds: float = CALL_SECONDS,
) -> T | BaseException:
    """Run ``call`` within budget; its result, or the documented error it raised.

    Anything else it raises propagates (the fuzz test fails with the input); an
    over-budget call fails with the time or memory it took. Time (CPU, and wall-clock
    against blocking) is measured without tracing (tracemalloc slows pure-Python parsers
    several times over); memory on a second, traced run of one input in ``MEMORY_SAMPLE``,
    chosen by size (and a quick first run) so that a failing input fails again when
    hypothesis replays it.
    """
    tally = TALLIES.setdefault(target, Tally())
    tally.inputs += 1
    tally.biggest_input = max(tally.biggest_input, size)
    start, wall_start = time.process_time(), time.perf_counter()
    outcome = _outcome(call, allowed)
    elapsed = time.process_time() - start
    wall = time.perf_counter() - wall_start
    if elapsed > seconds:
        # A one-off cost of the process is not the input's (dateparser compiles its
        # locales' patterns on the first date it meets: seconds): a warm re-run decides.
        start, wall_start = time.process_time(), time.perf_counter()
        _outcome(call, allowed)
        elapsed = time.process_time() - start
        wall = time.perf_counter() - wall_start
    tally.slowest = max(tally.slowest, elapsed)
    if isinstance(outcome, BaseException):
        name = type(outcome).__name__
        tally.errors[name] = tally.errors.get(name, 0) + 1
    assert elapsed <= seconds, f"{target}: {elapsed:.2f} s of CPU on a {size}-byte input"
    assert wall <= WALL_FACTOR * seconds, f"{target}: {wall:.2f} s (blocked) on a {size}-byte input"
    if size % MEMORY_SAMPLE == 0 and elapsed <= TRACE_MAX_SECONDS:
        with traced():
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            _outcome(call, allowed)
            peak = tracemalloc.get_traced_memory()[1] - base
        tally.peak_bytes = max(tally.peak_bytes, peak)
        limit = MEMORY_BASE_BYTES + MEMORY_PER_INPUT_BYTE * size
        assert peak <= limit, f"{target}: {peak / 2**20:.1f} MiB peak on a {size}-byte input"
    return outcome


def _outcome(call: Callable[[], T], allowed: Callable[[BaseException], bool]) -> T | BaseException:
    try:
        return call()
    except (Exception, SystemExit) as error:
        if not allowed(error):
            raise
        return error


def only(*kinds: type[BaseException]) -> Callable[[BaseException], bool]:
    """An ``allowed`` predicate for targets that document narrower errors."""

    def check(error: BaseException) -> bool:
        return isinstance(error, kinds) and documented(error)

    return check


def summary() -> list[tuple[str, Tally]]:
    return sorted(TALLIES.items())
