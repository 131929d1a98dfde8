"""What a soak run of the bot is made of, apart from its traffic: the corpus and settings,
the faults injected into the fake Discord, and the monitors (error log, memory, clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from retrieval.config import Settings, settings_from_mapping
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.fakediscord import FakeDiscord, Fault, rate_limited

ROOT = Path(__file__).resolve().parents[2]
CORPUS_INPUTS = (
    sorted((ROOT / "tests" / "fixtures" / "e2e").glob("*.txt"))
    + sorted((ROOT / "samples").iterdir())
    + sorted((ROOT / "tests" / "fixtures" / "reliability").glob("*.[hjt]*"))
)
# Routes never faulted: an interaction callback must reach Discord within three seconds
# of the interaction, so a retried one fails by Discord's own rule whatever the bot does
# (and Discord does not rate-limit callbacks per bucket).
UNFAULTED = ("POST /interactions/{interaction_id}/{token}/callback",)
# 5xx statuses discord.py retries (it gives up at once on the others, as it should).
RETRIED_5XX = (500, 502, 504)


# ------------------------------------------------------------------ corpus, settings
def soak_settings(directory: Path, *, day_seconds: float, view_seconds: float) -> Settings:
    """SQLite in ``directory``; digests checked every half second, never skipped for lateness
    (a simulated day lasts ``day_seconds``); cooldowns loose enough for busy users; answer
    buttons live ``view_seconds`` (what an answer holds in memory is held that long, so a
    soak must outlast it to see memory level off)."""
    return settings_from_mapping(
        {
            "database": {"url": f"sqlite:///{directory / 'soak.db'}"},
            "index": {"snapshot_path": str(directory / "soak.index")},
            "bot": {"cooldown_rate": 30, "cooldown_seconds": 10.0, "view_timeout": view_seconds},
            "digest": {
                "loop_seconds": min(0.5, day_seconds / 100),
                "grace_minutes": 23 * 60,
                "announce_empty": "always",
                "retry_backoff_seconds": 0.2,
            },
        }
    )


def build_corpus(settings: Settings) -> int:
    """The fixture and sample articles, stored as global articles; how many."""
    service = NewsService.open(settings)
    try:
        outcomes = service.ingest_paths(list(CORPUS_INPUTS), scope=Scope(None))
        service.save_snapshot()
    finally:
        service.close()
    return sum(o.status == "added" for o in outcomes)


class Uploads:
    """Files a test "uploads" to Discord, served by the fake's own web server."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.files: dict[str, bytes] = {}
        self.fake = fake
        fake.api.app.router.add_get("/uploads/{name}", self._serve)

    async def _serve(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def put(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.fake.base_url}/uploads/{name}"


# ------------------------------------------------------------------ faults
@dataclass
class FaultPlan:
    """Chances per REST call of each injected fault."""

    rate_limit: float = 0.03
    server_error: float = 0.03
    # Of digest posts (sent with enforce_nonce): carried out, but the answer lost.
    lost_answer: float = 0.15
    retry_after: tuple[float, float] = (0.05, 1.0)
    # The first calls that can fail get a 429 and then a retried 5xx (each kind that has
    # a chance at all), whatever the rolls: a run of a few seconds makes some tens of
    # calls, and at a few percent a kind of fault can miss all of them (a short soak once
    # saw no 429 in 61 calls).
    each_kind_first: bool = False


class Faults:
    """The fake's fault hook: 429s with Discord's headers, retried 5xx, lost answers."""

    def __init__(self, plan: FaultPlan, rng: random.Random) -> None:
        self.plan = plan
        self.rng = rng
        self.injected: Counter[str] = Counter()

    def __call__(self, route: str, params: Mapping[str, str], body: Any) -> Fault | None:
        if route in UNFAULTED:
            return None
        roll = self.rng.random()
        plan = self.plan
        nonce = isinstance(body, dict) and bool(body.get("enforce_nonce"))
        if nonce and roll < plan.lost_answer:
            self.injected["lost answer (enforce_nonce)"] += 1
            return Fault(500, {"message": "Internal Server Error", "code": 0}, after_handling=True)
        roll = self.rng.random()
        if plan.each_kind_first and plan.rate_limit > 0 and not self.injected["429"]:
            roll = 0.0  # a 429
        elif (
            plan.each_kind_first
            and plan.server_error > 0
            and not any(str(s) in self.injected for s in RETRIED_5XX)
        ):
            roll = plan.rate_limit  # a 5xx
        if roll < plan.rate_limit:
            self.injected["429"] += 1
            bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
            return rate_limited(round(self.rng.uniform(*plan.retry_after), 3), bucket=bucket)
        if roll < plan.rate_limit + plan.server_error:
            status = self.rng.choice(RETRIED_5XX)
            self.injected[str(status)] += 1
            return Fault(status, {"message": "Server Error", "code": 0})
        return None


# ------------------------------------------------------------------ monitors
class ErrorLog(logging.Handler):
    """Counts log records at WARNING and above by logger; keeps the first ERROR messages."""

    KEEP = 20

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: Counter[str] = Counter()
        self.warnings: Counter[str] = Counter()
        self.first: list[str] = []
        self.last_of: dict[str, str] = {}  # a warning shape's latest message, numbers kept

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors[record.name] += 1
            if len(self.first) < self.KEEP:
                self.first.append(f"{record.name}: {record.getMessage()[:300]}")
        else:
            shape = _shape(record)
            self.warnings[shape] += 1
            self.last_of[shape] = record.getMessage()[:200]


_URL = re.compile(r"https?://\S+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _shape(record: logging.LogRecord) -> str:
    """A warning's logger and message with numbers and addresses blanked, for counting."""
    message = _NUMBER.sub("N", _URL.sub("URL", record.getMessage()))
    return f"{record.name}: {message[:90]}"


def rss_bytes() -> int:
    """The process's resident set size (Linux), or 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text("ascii")
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


@dataclass
class MemorySamples:
    """RSS every ``every`` seconds: (seconds since start, bytes)."""

    every: float
    samples: list[tuple[float, int]] = field(default_factory=list)

    async def run(self, start: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.samples.append((time.monotonic() - start, rss_bytes()))
            try:
                await asyncio.wait_for(stop.wait(), self.every)
            except TimeoutError:
                continue
        self.samples.append((time.monotonic() - start, rss_bytes()))

    def slope(self, warm_up: float) -> float:
        """Least-squares growth after ``warm_up`` seconds, in MiB per minute."""
        points = [(t, b / 2**20) for t, b in self.samples if t >= warm_up]
        if len(points) < 2:
            return 0.0
        mean_t = sum(t for t, _ in points) / len(points)
        mean_m = sum(m for _, m in points) / len(points)
        var = sum((t - mean_t) ** 2 for t, _ in points)
        cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
        return 60.0 * cov / var if var else 0.0


@dataclass
class LoopLag:
    """How late the event loop wakes a sleeper: the stalls every task on it suffers (the
    bot's, and the fake server's, which shares the loop)."""

    tick: float = 0.1
    # Lags longer than this are counted as stalls.
    stall: float = 0.5
    worst: float = 0.0
    stalls: int = 0
    ticks: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            start = time.monotonic()
            await asyncio.sleep(self.tick)
            lag = time.monotonic() - start - self.tick
            self.ticks += 1
            self.worst = max(self.worst, lag)
            self.stalls += lag > self.stall


class FastClock:
    """The digest service's clock, running ``speed`` times faster than the wall clock."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.start = datetime.now(UTC)
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)
