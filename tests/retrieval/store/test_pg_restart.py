"""PostgreSQL restarted under load: "try again" meanwhile, recovery without a restart.

Runs against a private server started for the test (``tests.private_postgres``), never
the shared one; skipped on SQLite runs and where no private server can be started.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.config import settings_from_mapping
from retrieval.errors import EXIT_UNAVAILABLE, StorageUnavailable
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.conftest import on_postgresql
from tests.generated_articles import extracted, marker
from tests.private_postgres import PrivatePostgres, private_postgres, unavailable_reason
from tests.processes import newsbot_command, run, wait_until, write_config

pytestmark = pytest.mark.skipif(
    not on_postgresql(), reason="PostgreSQL tests run with NEWSBOT_TEST_DATABASE_URL set"
)

# Answers (or refusals) to observe in each phase before moving on.
OBSERVATIONS = 3

log = logging.getLogger(__name__)
PHASE_TIMEOUT = 60.0
CLI_TIMEOUT = 60.0


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with private_postgres() as server:
        yield server


class Load:
    """Questions asked back to back from another thread; every outcome is counted."""

    def __init__(self, service: NewsService) -> None:
        self.service = service
        self.outcomes: Counter[str] = Counter()
        self.reasons: set[str] = set()
        self.unexpected: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ask_forever, daemon=True)

    def _ask_forever(self) -> None:
        while not self._stop.is_set():
            try:
                answer = self.service.ask(f"{marker(1)} report", scope=Scope())
            except StorageUnavailable as exc:
                self.outcomes["unavailable"] += 1
                self.reasons.add(exc.reason)
            except Exception as exc:  # anything else is a failure of the test
                self.unexpected.append(exc)
            else:
                self.outcomes["answered" if answer.found else "empty"] += 1

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=PHASE_TIMEOUT)

    def wait_for(self, outcome: str, more_than: int) -> int:
        wait_until(
            lambda: self.outcomes[outcome] >= more_than + OBSERVATIONS or bool(self.unexpected),
            PHASE_TIMEOUT,
            f"{OBSERVATIONS} more {outcome} questions",
        )
        assert not self.unexpected, self.unexpected
        return self.outcomes[outcome]


def test_a_restart_under_load_is_answered_with_try_again_and_recovers(
    server: PrivatePostgres, tmp_path: Path
) -> None:
    settings = settings_from_mapping(
        {
            "database": {"url": server.url()},
            "index": {"snapshot_path": str(tmp_path / "newsbot.index")},
        }
    )
    service = NewsService.open(settings)
    try:
        for number in (1, 2):
            service.ingest_article(extracted(number), name=f"gen-{number}", scope=Scope())
        with Load(service) as load:
            load.wait_for("answered", 0)
            server.stop()
            load.wait_for("unavailable", 0)
            # Other commands during the outage say the same, and so does a new process.
            with pytest.raises(StorageUnavailable, match="try again"):
                service.ingest_article(extracted(3), name="gen-3", scope=Scope())
            cli = run(newsbot_command(write_config(settings, tmp_path), "ask", "x"), CLI_TIMEOUT)
            assert cli.returncode == EXIT_UNAVAILABLE and "try again" in cli.stderr, cli.stderr
            cli_text = cli.stderr.strip()
            answered = load.outcomes["answered"]
            server.start()
            load.wait_for("answered", answered)
        assert load.reasons and all("try again" in reason for reason in load.reasons)
        log.info("outcomes %s; reasons %s; cli %s", dict(load.outcomes), load.reasons, cli_text)
        # Writes work again on the same service, and the new article is searchable.
        outcome = service.ingest_article(extracted(3), name="gen-3", scope=Scope())
        assert outcome.status == "added"
        assert service.search_passages(marker(3), scope=Scope(), limit=1)
    finally:
        service.close()
