"""A soak run: the production bot on the fake Discord under mixed traffic and faults.

``NewsBot`` and ``NewsService`` (SQLite, the fixture and sample articles) run against
the fake Discord while actors, as a dozen users, send ``!news`` searches, ``/ask``
questions, ``/summary``, ``/sources`` and ``/trend`` commands, press the buttons under
answers, and, as the server owner, upload articles with ``/ingest file``. Digests fire
from a few daily schedules on a clock that runs a simulated day per ``day_seconds``;
articles uploaded are stamped with that clock so the next digests carry them. Meanwhile
the fake drops the gateway connection or asks for a reconnect, answers some REST calls
with 429s (Discord's headers) or retried 5xx, and loses the answer to some digest posts.

Counted: actions and their latency, replies that never came, ERROR log records (which
include what discord.py swallows: handler, view and task exceptions), asyncio errors,
calls the fake refused that it was not told to, digest due times posted once / lost /
doubled, and RSS every ``memory_every`` seconds (its slope after warm-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import update

from bot.app import NewsBot
from retrieval.service import NewsService
from retrieval.store.models import Article
from tests.bot.e2e.admin_harness import attachment_option, subcommand
from tests.fakediscord import FakeDiscord, RecordedRequest, find_custom_id, running
from tests.fakediscord.gateway import GatewayError
from tests.fakediscord.model import FakeChannel, FakeRole, FakeUser, snowflake
from tests.fakediscord.server import sent_message
from tests.generated_articles import record
from tests.reliability.soak_digests import DigestTally, DigestWatch, first_dues, set_schedule, tally
from tests.reliability.soak_world import (
    ErrorLog,
    FastClock,
    FaultPlan,
    Faults,
    LoopLag,
    MemorySamples,
    Uploads,
    build_corpus,
    soak_settings,
)

T = TypeVar("T")
QUERIES = (
    "South Korea", "harbour tidal barrage", "reservoir water levels", "ferry Marren Island",
    "Bank of Korea interest rates", "dairy exports New Zealand", "storm coast", "chip forum",
    "baseball attendance record", "railway delays", "library reading room", "tourism Japan",
    "@everyone free game codes", "marker0003 report", "council budget vote",
)  # fmt: skip
QUESTIONS = (
    "What did Yoon and Luxon condemn?", "Why did the council approve the barrage?",
    "How low is the reservoir?", "When did the ferry resume?", "What did the bank decide?",
)  # fmt: skip
# Relative weights of the actions an actor picks from.
WEIGHTS = {
    "!news": 30, "/ask": 25, "button": 25, "/summary": 5, "/sources": 3, "/trend": 4,
    "/ingest file": 8,
}  # fmt: skip
# Seconds an actor rests between actions, and waits for a reply (5xx retries and 429
# waits included) before counting it lost.
PAUSE = (0.1, 0.6)
REPLY_TIMEOUT = 45.0
# Requests and seconds of messages kept by the fake during a long run: both fill within
# the warm-up (at about ten requests a second), so that the fake's logs, which share the
# process, have stopped growing when the bot's memory is judged.
KEEP_REQUESTS = 600
KEEP_MESSAGES_SECONDS = 90.0
HOUSEKEEPING_SECONDS = 15.0
# Answers remembered for button presses.
RECENT_ANSWERS = 40
# Seconds between progress lines.
PROGRESS_SECONDS = 30.0
# Seconds given to digests in flight when the traffic stops.
SETTLE_SECONDS = 3.0


@dataclass
class SoakConfig:
    seconds: float = 600.0
    actors: int = 4
    users: int = 12
    day_seconds: float = 60.0  # wall-clock seconds of one simulated day (digest clock)
    schedules: int = 4
    disconnect_every: float = 45.0
    memory_every: float = 10.0
    # Answer buttons live this long (production: 10 minutes), and memory is judged after
    # the warm-up (which outlasts them: until then every answer is still held).
    view_seconds: float = 60.0
    warm_up: float = 120.0
    faults: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 2025


@dataclass
class SoakReport:
    seconds: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    lost_replies: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    injected: Counter[str] = field(default_factory=Counter)
    gateway: Counter[str] = field(default_factory=Counter)
    error_records: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    asyncio_errors: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    digests: DigestTally = field(default_factory=DigestTally)
    warning_examples: dict[str, str] = field(default_factory=dict)
    rss: list[tuple[float, int]] = field(default_factory=list)
    rss_slope: float = 0.0  # MiB per minute after warm-up
    rss_slope_second_half: float = 0.0
    loop_lag: LoopLag = field(default_factory=LoopLag)
    requests: int = 0

    @property
    def unhandled(self) -> int:
        return sum(self.error_records.values()) + len(self.asyncio_errors)


class Soak:
    def __init__(
        self, config: SoakConfig, fake: FakeDiscord, bot: NewsBot, uploads: Uploads
    ) -> None:
        self.config = config
        self.fake = fake
        self.bot = bot
        self.service: NewsService = bot.service
        self.rng = random.Random(config.seed)
        self.report = SoakReport()
        self.users = [u for u in fake.world.users.values() if u.username.startswith("reader")]
        self.answers: list[dict[str, Any]] = []
        self.uploads = uploads
        self.stop = asyncio.Event()  # the traffic and the faults stop
        self.done = asyncio.Event()  # the watching stops (after digests in flight settle)
        self.clock = FastClock(86_400 / config.day_seconds)
        self.upload_number = 50_000

    # ------------------------------------------------------------ actions
    async def _retrying(self, dispatch: Callable[[], Awaitable[T]]) -> T:
        """Dispatch an event, waiting out a gateway reconnection (events need a live one)."""
        while True:
            try:
                return await dispatch()
            except GatewayError:
                self.report.gateway["events deferred during reconnects"] += 1
                await asyncio.sleep(0.1)

    async def news_prefix(self, user: FakeUser) -> None:
        since = self.fake.mark()
        asked = await self._retrying(
            lambda: self.fake.send_message(
                f"!news {self.rng.choice(QUERIES)}", author=user.username
            )
        )

        def answers(request: RecordedRequest) -> bool:
            message = sent_message(request)
            reference = (message or {}).get("message_reference") or {}
            return bool(reference.get("message_id") == asked["id"])

        request = await self.fake.wait_for_request(answers, since=since, timeout=REPLY_TIMEOUT)
        self._remember(sent_message(request), user)

    async def slash(self, user: FakeUser, name: str, options: dict[str, Any]) -> None:
        state = await self._retrying(lambda: self.fake.slash(name, options, user=user.username))
        _, reply = await self.fake.interaction_reply(state, timeout=REPLY_TIMEOUT)
        if name == "ask":
            self._remember(reply, user)

    async def button(self, user: FakeUser) -> None:
        # Buttons stop working when their view times out (Discord then says "This
        # interaction failed"): press only those of answers well within that time.
        fresh = time.monotonic() - self.config.view_seconds / 2
        live = [a for a in self.answers if a["at"] >= fresh]
        if not live:
            return await self.slash(user, "ask", {"question": self.rng.choice(QUESTIONS)})
        answer = self.rng.choice(live)
        label = self.rng.choice(["More", "More", "Sources", "👍", "👎"])
        custom_id = find_custom_id(answer["message"], label)
        presser = answer["asker"] if self.rng.random() < 0.8 else self.rng.choice(self.users)
        message = self.fake.store.get(int(answer["message"]["id"]))
        state = await self._retrying(
            lambda: self.fake.press(message, custom_id, user=presser.username)
        )
        await self.fake.interaction_reply(state, timeout=REPLY_TIMEOUT)
        return None

    async def ingest_file(self) -> None:
        """The owner uploads a new article (JSON Lines, text or HTML) with /ingest file."""
        self.upload_number += 1
        data, name, kind = _upload(self.upload_number, self.rng)
        url = self.uploads.put(name, data)
        value, resolved = attachment_option(name, url, len(data), kind)
        state = await self._retrying(
            lambda: subcommand(
                self.fake,
                "ingest file",
                {"file": value},
                channel=self.fake.world.channel,
                user="olivia",
                resolved=resolved,
            )
        )
        _, reply = await self.fake.interaction_reply(state, timeout=REPLY_TIMEOUT)
        stored = [int(n) for n in re.findall(r"Stored article (\d+)", str(reply.get("content")))]
        if stored:  # the digest clock runs fast: stamp the upload in its time
            await asyncio.to_thread(self._stamp, stored)

    def _stamp(self, article_ids: list[int]) -> None:
        with self.service.sessions.begin() as session:
            session.execute(
                update(Article).where(Article.id.in_(article_ids)).values(ingested_at=self.clock())
            )

    def _remember(self, message: dict[str, Any] | None, asker: FakeUser) -> None:
        if message and message.get("components"):
            self.answers = [
                *self.answers[-RECENT_ANSWERS + 1 :],
                {"message": message, "asker": asker, "at": time.monotonic()},
            ]

    async def act(self, action: str, user: FakeUser) -> None:
        if action == "!news":
            await self.news_prefix(user)
        elif action == "/ask":
            await self.slash(user, "ask", {"question": self.rng.choice(QUESTIONS)})
        elif action == "button":
            await self.button(user)
        elif action == "/summary":
            await self.slash(user, "summary", {"article": str(self.rng.randint(1, 12))})
        elif action == "/sources":
            await self.slash(user, "sources", {})
        elif action == "/trend":
            await self.slash(user, "trend", {"query": self.rng.choice(QUERIES), "days": 365})
        else:
            await self.ingest_file()

    async def actor(self) -> None:
        actions, weights = list(WEIGHTS), list(WEIGHTS.values())
        while not self.stop.is_set():
            action = self.rng.choices(actions, weights)[0]
            start = time.monotonic()
            try:
                await self.act(action, self.rng.choice(self.users))
            except AssertionError:  # no reply within REPLY_TIMEOUT
                self.report.lost_replies[action] += 1
            else:
                self.report.latencies.setdefault(action, []).append(time.monotonic() - start)
            self.report.actions[action] += 1
            await asyncio.sleep(self.rng.uniform(*PAUSE))

    async def drive(
        self, channels: list[FakeChannel], role_id: int, progress: Callable[[str], None]
    ) -> SoakReport:
        """Set the schedules, run the traffic and the faults for the configured time."""
        cog = self.bot.get_cog("Digest")
        assert cog is not None and getattr(cog, "digests", None) is not None
        cog.digests.clock = self.clock  # type: ignore[attr-defined]
        for n, channel in enumerate(channels):
            hour = 24 * n // len(channels)
            await set_schedule(self.fake, channel, f"{hour:02d}:30", role_id if n == 0 else None)
        first = await asyncio.to_thread(first_dues, self.service)
        watch = DigestWatch({str(c.id) for c in channels})
        memory = MemorySamples(self.config.memory_every)
        start = time.monotonic()
        faults = Faults(self.config.faults, self.rng)
        self.fake.api.fault_hook = faults
        duties = [
            asyncio.create_task(memory.run(start, self.done)),
            asyncio.create_task(self.report.loop_lag.run(self.done)),
            asyncio.create_task(self.chaos()),
            asyncio.create_task(self.housekeeping(watch)),
        ]
        actors = [asyncio.create_task(self.actor()) for _ in range(self.config.actors)]
        while (elapsed := time.monotonic() - start) < self.config.seconds:
            await asyncio.sleep(min(PROGRESS_SECONDS, self.config.seconds - elapsed))
            progress(f"{sum(self.report.actions.values())} actions")
        self.stop.set()
        await asyncio.gather(*actors)
        self.fake.api.fault_hook = None
        await asyncio.sleep(SETTLE_SECONDS)  # digests in flight finish
        until = self.clock() - timedelta(seconds=SETTLE_SECONDS * self.clock.speed / 2)
        self.done.set()
        await asyncio.gather(*duties)
        report = self.report
        report.seconds = time.monotonic() - start
        report.injected = faults.injected
        report.digests = await asyncio.to_thread(tally, self.service, watch, first, until)
        report.rss = memory.samples
        report.rss_slope = memory.slope(self.config.warm_up)
        report.rss_slope_second_half = memory.slope(self.config.seconds / 2)
        return report

    # ------------------------------------------------------------ background duties
    async def chaos(self) -> None:
        """Alternately drop the gateway connection and send op 7, then await the resume."""
        drop = True
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), self.config.disconnect_every)
                return
            except TimeoutError:
                pass
            resumes = self.fake.gateway.resumes
            try:
                await (self.fake.disconnect() if drop else self.fake.request_reconnect())
            except GatewayError:
                continue  # still reconnecting from the last one
            self.report.gateway["disconnects" if drop else "op 7 reconnects"] += 1
            deadline = time.monotonic() + REPLY_TIMEOUT
            while self.fake.gateway.resumes == resumes and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            resumed = self.fake.gateway.resumes > resumes
            self.report.gateway["resumed" if resumed else "not resumed"] += 1
            drop = not drop

    async def housekeeping(self, watch: DigestWatch) -> None:
        """Read the new requests (digest posts, refusals), then trim the fake's logs so
        that its memory does not count as the bot's."""
        seen = 0
        while True:
            stopping = self.done.is_set()
            for request in self.fake.recorder.find(lambda r: True, since=seen):
                seen = request.index + 1
                watch.observe(request)
                if not request.ok and not request.injected:
                    self.report.refused[f"{request.status} {request.route}"] += 1
            self.report.requests = self.fake.mark()
            if stopping:
                return
            self.fake.recorder.trim(KEEP_REQUESTS)
            self.fake.store.trim(snowflake(int((time.time() - KEEP_MESSAGES_SECONDS) * 1000)))
            live = self.fake.store.messages
            self.answers = [a for a in self.answers if int(a["message"]["id"]) in live]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), HOUSEKEEPING_SECONDS)


async def run_soak(
    config: SoakConfig, workdir: Path, progress: Callable[[str], None] = lambda _: None
) -> SoakReport:
    """Build the corpus (once per ``workdir``), run the bot under traffic, report."""
    workdir.mkdir(parents=True, exist_ok=True)
    settings = soak_settings(
        workdir, day_seconds=config.day_seconds, view_seconds=config.view_seconds
    )
    if not (workdir / "soak.db").exists():
        progress(f"corpus: {await asyncio.to_thread(build_corpus, settings)} articles")
    fake = FakeDiscord()
    guild = fake.world.guild
    digest_channels = [FakeChannel(snowflake(), guild.id, f"digests-{n}", position=n + 1)
                       for n in range(config.schedules)]  # fmt: skip
    guild.channels.extend(digest_channels)
    role = FakeRole(snowflake(), "soak-alerts", guild.everyone.permissions, 2)
    guild.roles.append(role)
    for n in range(config.users):
        fake.world.add_user(f"reader{n:02d}")
    uploads = Uploads(fake)  # a route of the fake's server: added before it starts
    log = ErrorLog()
    logging.getLogger().addHandler(log)
    loop = asyncio.get_running_loop()
    asyncio_errors: list[str] = []
    loop.set_exception_handler(lambda _loop, context: asyncio_errors.append(str(context)[:300]))
    await fake.start()
    service = await asyncio.to_thread(NewsService.open, settings)
    try:
        bot = NewsBot(settings, service)
        async with running(fake, bot):
            await bot.tree.sync()
            soak = Soak(config, fake, bot, uploads)
            report = await soak.drive(digest_channels, role.id, progress)
    finally:
        logging.getLogger().removeHandler(log)
        loop.set_exception_handler(None)
        await asyncio.to_thread(service.close)
        await fake.close()
    report.error_records, report.first_errors = log.errors, log.first
    report.warnings, report.asyncio_errors = log.warnings, asyncio_errors
    report.warning_examples = log.last_of
    return report


def _upload(number: int, rng: random.Random) -> tuple[bytes, str, str]:
    """A new article as a file: (bytes, file name, content type)."""
    data = record(number)
    kind = rng.choice(["jsonl", "txt", "html"])
    if kind == "jsonl":
        return (json.dumps(data) + "\n").encode(), f"upload{number}.jsonl", "application/jsonl"
    if kind == "txt":
        return f"{data['title']}\n\n{data['text']}\n".encode(), f"upload{number}.txt", "text/plain"
    paragraphs = "".join(f"<p>{p}</p>" for p in data["text"].split("\n\n"))
    page = f"<html><body><article><h1>{data['title']}</h1>{paragraphs}</article></body></html>"
    return page.encode(), f"upload{number}.html", "text/html"
