"""Load bench (hand-run, not CI): many concurrent ``/ask`` interactions against the bot.

The real ``NewsBot`` and ``NewsService`` run against the fake Discord of the e2e tests
over a corpus of at least ``--passages`` passages, built (and reused) by
``bench/bench_ask.py``'s bulk ingest of the shared news corpora (cycled with light
variation beyond the ~30k real passages; see ``bench/news_corpus.py``). The database is
kept per size under ``bench/out/bot_load/<passages>``; ``--workdir`` may also point at
a ``bench_ask.py --workdir`` directory. All questions (article titles) are dispatched at
once as INTERACTION_CREATE events from distinct users; the bench prints the time from
dispatch to the initial acknowledgement and to the bot's answer (p50/p95/max), the
errors, and the CPU time of the event loop thread (the bot's and the fake's work: the
fake shares the bot's process, event loop and GIL) and of the engine (the process's
other threads, plus the answering processes); ``--diagnose`` adds how late the loop
ran and how long it waited to get the GIL back.

The fake checks every request body against Discord's rules as it arrives, and against
Discord's OpenAPI description after the timed run (that check costs the fake more than
the bot spends producing the body, and Discord runs it on its own servers, not on the
bot's cores); a body either check refuses is an error of the run.

Each mode of ``--modes`` runs the same questions against a freshly opened service (cold
caches each time; ``--warm`` first answers the 62 judged questions of ``bench/qa``, none
of the burst's, as a bot that has been running has answered others), one after the
other in one run, and a table compares them:
``threads`` answers in the engine's threads (``[engine] answer_processes = 0``),
``processes`` in ``--processes`` answering processes (default ``[engine]
answer_processes``), started before the burst as the bot starts them.

    .venv/bin/python bench/bot_load.py [--passages 30000] [--concurrency 200]
    .venv/bin/python bench/bot_load.py --passages 100000 --modes threads,processes --rounds 2
    .venv/bin/python bench/bot_load.py --concurrency 60 --one-user 50   # fairness
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_ask import build, settings_for  # noqa: E402
from bench.news_corpus import load_articles  # noqa: E402
from bench.qa.goldset import load_questions  # noqa: E402
from bot.app import NewsBot  # noqa: E402
from retrieval.results import Scope  # noqa: E402
from retrieval.service import NewsService  # noqa: E402
from tests.fakediscord import FakeDiscord, InteractionState, running  # noqa: E402
from tests.fakediscord.validation import Validation  # noqa: E402

DEFAULT_WORKDIR = ROOT / "bench" / "out" / "bot_load"
DEFAULT_PASSAGES = 30_000
DEFAULT_CONCURRENCY = 200
# Seeds the choice of questions (article titles), as the engine benchmarks do.
QUESTION_SEED = 20240601
# Seconds one interaction may take before it counts as failed.
REPLY_TIMEOUT = 180.0
# Titles are questions; the slash command accepts up to this many characters.
QUESTION_MAX = 500
# The loop-lag probe asks to wake after this many seconds and records how late it woke.
LAG_PROBE_SECONDS = 0.01
MODES = ("threads", "processes")


def pick_questions(records: list[dict[str, Any]], count: int) -> list[str]:
    titles = [str(r["title"])[:QUESTION_MAX] for r in records if str(r.get("title") or "").strip()]
    return random.Random(QUESTION_SEED).sample(titles, count)


class PollTimer:
    """Times the loop's non-blocking polls (timeout 0, when callbacks are ready to run).

    Such a poll does no waiting, but it releases the GIL, and getting it back waits for
    whichever engine thread holds it (up to the interpreter's switch interval per try):
    their total is the time the loop lost to engine threads at each turn.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.waits: list[float] = []
        self._selector: Any = getattr(loop, "_selector", None)
        self._select: Any = None

    def __enter__(self) -> PollTimer:
        if self._selector is not None:
            self._select = self._selector.select
            self._selector.select = self._timed
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._selector is not None:
            self._selector.select = self._select

    def _timed(self, timeout: float | None = None) -> Any:
        if timeout is None or timeout > 0:
            return self._select(timeout)
        started = time.perf_counter()
        try:
            return self._select(timeout)
        finally:
            self.waits.append(time.perf_counter() - started)


async def probe_lag(lags: list[float], stop: asyncio.Event) -> None:
    """How late the loop runs a callback due now: what every event and request waits."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        due = loop.time() + LAG_PROBE_SECONDS
        await asyncio.sleep(LAG_PROBE_SECONDS)
        lags.append(loop.time() - due)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux; else 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used since boot (Linux; else 0):
    the difference over a run, less the bench's own, is what other jobs took."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class LoadResult:
    acks: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    answered: int = 0
    unanswered: int = 0
    failures: list[str] = field(default_factory=list)
    loop_lags: list[float] = field(default_factory=list)
    loop_cpu: float = 0.0
    dispatch_spread: float = 0.0
    poll_waits: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    process_cpu: float = 0.0
    answering_cpu: float = 0.0
    machine_cpu: float = 0.0
    # Answer times of the one user who asked many (``--one-user``), kept apart.
    one_user_replies: list[float] = field(default_factory=list)
    # The fake's request gate, whose description check is deferred to after the run.
    validation: Validation | None = None
    # Bodies checked against Discord's description after the run (0: description absent).
    described: int = 0

    @property
    def others_cpu(self) -> float:
        """CPU seconds other jobs on the machine used during the run."""
        return max(0.0, self.machine_cpu - self.process_cpu - self.answering_cpu)


async def measure(
    fake: FakeDiscord, state: InteractionState, result: LoadResult, *, one_user: bool = False
) -> None:
    """Record the acknowledgement and reply latency of one interaction (the reply under
    ``one_user_replies`` when it is one of the one user's many)."""
    try:
        ack = await fake.callback(state, timeout=REPLY_TIMEOUT)
        request, message = await fake.interaction_reply(state, timeout=REPLY_TIMEOUT)
    except AssertionError as exc:
        result.failures.append(f"{state.id}: {str(exc).splitlines()[0]}")
        return
    if not ack.ok:
        result.failures.append(f"{state.id}: acknowledgement refused ({ack.status})")
        return
    result.acks.append(ack.at - state.dispatched_at)
    replies = result.one_user_replies if one_user else result.replies
    replies.append(request.at - state.dispatched_at)
    if message.get("components"):
        result.answered += 1
    else:
        result.unanswered += 1


async def run_load(
    service: NewsService, questions: list[str], *, one_user: int = 0, diagnose: bool = False
) -> LoadResult:
    """Dispatch every question at once, each from its own user except the first
    ``one_user``, which one user asks (with the per-user cooldown off)."""
    fake = FakeDiscord()
    # Discord checks bodies on its own servers: the fake checks them against Discord's
    # description after the timed run, not on the machine's cores during it.
    fake.validation.deferred = True
    await fake.start()
    result = LoadResult()
    stop = asyncio.Event()
    settings = service.settings
    if one_user:
        settings = dataclasses.replace(
            settings, bot=dataclasses.replace(settings.bot, cooldown_rate=0)
        )
    try:
        bot = NewsBot(settings, service, refresh_interval=None)
        async with running(fake, bot):
            await bot.tree.sync()
            users = [fake.world.add_user(f"reader{n}").username for n in range(len(questions))]
            users[:one_user] = [users[0]] * one_user
            lag = asyncio.create_task(probe_lag(result.loop_lags, stop)) if diagnose else None
            polls = PollTimer(asyncio.get_running_loop())
            cpu = time.thread_time()
            with polls if diagnose else contextlib.nullcontext():
                states = [
                    await fake.slash("ask", {"question": q}, user=u)
                    for q, u in zip(questions, users, strict=True)
                ]
                await asyncio.gather(
                    *(measure(fake, s, result, one_user=n < one_user) for n, s in enumerate(states))
                )
            result.loop_cpu = time.thread_time() - cpu
            result.dispatch_spread = states[-1].dispatched_at - states[0].dispatched_at
            stop.set()
            if lag is not None:
                await lag
            result.poll_waits = polls.waits
        refused = [str(r) for r in fake.errors()]
        result.failures.extend(f"refused: {r}" for r in refused)
        result.validation = fake.validation
    finally:
        await fake.close()
    return result


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {_percentile(ordered, 0.95) * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def report(mode: str, result: LoadResult, total: int) -> None:
    engine_cpu = result.process_cpu - result.loop_cpu + result.answering_cpu
    print(f"-- {mode}")
    print(
        f"interactions: {total} dispatched at once, finished in {result.elapsed:.1f} s "
        f"(CPU: this process {result.process_cpu:.1f} s, answering processes "
        f"{result.answering_cpu:.1f} s, other jobs on the machine {result.others_cpu:.1f} s "
        f"of the {result.elapsed * (os.cpu_count() or 1):.1f} s its cores had)"
    )
    print(f"acknowledgement (dispatch -> callback): {_percentiles(result.acks)}")
    print(f"answer (dispatch -> REST reply):       {_percentiles(result.replies)}")
    if result.one_user_replies:
        print(
            f"  (the others' answers above; the one user's {len(result.one_user_replies)}: "
            f"{_percentiles(result.one_user_replies)})"
        )
    print(f"answered with citations: {result.answered}, without: {result.unanswered}")
    print(
        f"event loop thread (bot and fake Discord) CPU {result.loop_cpu:.1f} s, engine "
        f"(other threads and answering processes) {engine_cpu:.1f} s; the fake dispatched "
        f"all interactions within {result.dispatch_spread * 1000:.0f} ms"
    )
    if result.loop_lags:
        print(f"event loop lateness: {_percentiles(result.loop_lags)}")
        waits = result.poll_waits
        print(
            f"non-blocking polls: {len(waits)}, {sum(waits):.2f} s in all "
            f"(getting the GIL back after a poll): {_percentiles(waits)}"
        )
    print(f"bodies checked against Discord's description after the run: {result.described}")
    print(f"errors: {len(result.failures)}")
    for failure in result.failures[:10]:
        print(f"  {failure}")


def compare(results: dict[str, LoadResult]) -> None:
    """One row per mode: the figures the issue's targets are stated in."""
    columns = ("ack p50", "ack p95", "answer p50", "answer p95", "answer max", "all done")
    print("| mode | " + " | ".join(columns) + " | engine CPU | other jobs' CPU | errors |")
    print("| --- " * (len(columns) + 4) + "|")
    for mode, r in results.items():
        if not r.acks or not r.replies:
            blank = " | ".join(["n/a"] * 5)
            print(f"| {mode} | {blank} | {r.elapsed:.1f} s | | | {len(r.failures)} |")
            continue
        engine_cpu = r.process_cpu - r.loop_cpu + r.answering_cpu
        cells = [
            f"{statistics.median(r.acks) * 1000:,.0f} ms",
            f"{_percentile(r.acks, 0.95) * 1000:,.0f} ms",
            f"{statistics.median(r.replies) * 1000:,.0f} ms",
            f"{_percentile(r.replies, 0.95) * 1000:,.0f} ms",
            f"{max(r.replies) * 1000:,.0f} ms",
            f"{r.elapsed:.1f} s",
            f"{engine_cpu:.1f} s",
            f"{r.others_cpu:.1f} s",
            str(len(r.failures)),
        ]
        print(f"| {mode} | " + " | ".join(cells) + " |")


def run_mode(
    mode: str,
    workdir: Path,
    questions: list[str],
    processes: int | None,
    *,
    one_user: int = 0,
    diagnose: bool,
    warm: list[str] | None = None,
) -> LoadResult:
    """One burst against a freshly opened service answering in ``mode``; ``warm``
    questions are answered first, as a bot that has been running has answered others."""
    started = time.perf_counter()
    service = NewsService.open(settings_for(workdir))
    try:
        pids = service.start_answer_processes(processes) if mode == "processes" else []
        print(
            f"[{mode}] opened the corpus in {time.perf_counter() - started:.1f} s "
            f"({len(service.index)} passages; answering processes: {pids or 'none'})"
        )
        if warm:
            asked = [service.submit_answer("ask", q, scope=Scope(None)) for q in warm]
            for future in asked:
                future.result()
            print(f"[{mode}] answered {len(warm)} other questions first")
        before = [process_cpu(pid) for pid in pids]
        busy = machine_busy()
        started, cpu = time.perf_counter(), time.process_time()
        result = asyncio.run(run_load(service, questions, one_user=one_user, diagnose=diagnose))
        result.elapsed = time.perf_counter() - started
        result.process_cpu = time.process_time() - cpu
        result.answering_cpu = sum(process_cpu(pid) for pid in pids) - sum(before)
        result.machine_cpu = machine_busy() - busy
        if result.validation is not None:  # after the figures: not part of the run
            late = result.validation.check_deferred()
            result.failures.extend(f"refused by Discord's description: {r}" for r in late)
            result.described = result.validation.checked
    finally:
        service.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=DEFAULT_PASSAGES)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument(
        "--workdir", type=Path, help="database directory (default: bench/out/bot_load/<passages>)"
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"comma-separated, run in this order: {', '.join(MODES)} (default: both)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="answering processes in the processes mode (default: [engine] answer_processes)",
    )
    parser.add_argument(
        "--one-user",
        type=int,
        default=0,
        help="one user asks this many of the questions (cooldown off); the others' answer "
        "times are reported apart from theirs (per-user fairness)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the modes this many times, alternating (the spread shows the noise)",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="before each burst, answer the judged questions of bench/qa (none of the "
        "burst's): the caches of a bot that has been running, not of a fresh start",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also measure how late the loop runs and how long it waits for the GIL",
    )
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown modes: {', '.join(unknown)}")
    workdir: Path = args.workdir or DEFAULT_WORKDIR / str(args.passages)
    # Progress lines should appear as they happen, also when the output goes to a file.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    workdir.mkdir(parents=True, exist_ok=True)
    records = load_articles()
    started = time.perf_counter()
    build(workdir, args.passages, records)
    print(f"corpus ready in {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores")
    questions = pick_questions(records, args.concurrency)
    warm = [q.question for q in load_questions()] if args.warm else None
    results: dict[str, LoadResult] = {}
    for round_ in range(1, args.rounds + 1):
        for mode in modes:
            label = mode if args.rounds == 1 else f"{mode} (round {round_})"
            results[label] = run_mode(
                mode,
                workdir,
                questions,
                args.processes,
                one_user=args.one_user,
                diagnose=args.diagnose,
                warm=warm,
            )
            report(label, results[label], len(questions))
    compare(results)
    return 1 if any(r.failures for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
