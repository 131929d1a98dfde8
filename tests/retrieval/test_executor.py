"""The engine's executor: answering processes answer as the service does, and see new
articles; domain errors cross the process boundary intact."""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.errors import (
    EngineUnavailable,
    FetchError,
    NewsbotError,
    QueryError,
    RecordTooLarge,
    StorageRefused,
)
from retrieval.results import Answer, Scope, SearchFilters
from retrieval.service import NewsService
from tests.conftest import make_settings
from tests.generated_articles import extracted, marker
from tests.shared_data import SAMPLES

# Seconds a test waits for a restarted answering process.
RESTART_TIMEOUT = 60.0
QUESTIONS = (
    "What did Harbourton council approve?",
    "tidal barrage",
    "Valley Line trains",
    "hosepipe ban",
)


def _open(tmp_path: Path, refresh_seconds: float) -> NewsService:
    settings = make_settings(tmp_path, index={"refresh_seconds": refresh_seconds})
    service = NewsService.open(settings)
    service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    return service


def _cites_marker(answer: Answer, number: int) -> bool:
    return any(c.title == extracted(number).title for c in answer.citations)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[NewsService]:
    """The samples, with one answering process; the index is caught up only on demand
    (the refresh interval is longer than any test)."""
    service = _open(tmp_path, refresh_seconds=3600.0)
    assert len(service.start_answer_processes(1)) == 1
    yield service
    service.close()


def test_an_answer_from_a_process_equals_the_in_process_answer(service: NewsService) -> None:
    assert service.answer_processes() == 1
    for question in QUESTIONS:
        expected = service.ask(question, scope=Scope())
        assert expected.found
        assert service.submit_answer("ask", question, scope=Scope()).result() == expected
        news = service.news(question, scope=Scope(), limit=2, offset=1)
        got = service.submit_answer("news", question, scope=Scope(), limit=2, offset=1)
        assert got.result() == news
    filters = SearchFilters(source="Coastal Ledger")
    filtered = service.submit_answer("ask", "tidal barrage", scope=Scope(), filters=filters)
    assert filtered.result() == service.ask("tidal barrage", scope=Scope(), filters=filters)


def test_an_error_in_a_process_reaches_the_caller_as_raised(service: NewsService) -> None:
    with pytest.raises(QueryError) as in_process:
        service.ask("the of and", scope=Scope())
    with pytest.raises(QueryError) as from_process:
        service.submit_answer("ask", "the of and", scope=Scope()).result()
    assert from_process.value.reason == in_process.value.reason


def test_an_ingest_after_the_processes_started_is_answered_by_them(
    service: NewsService,
) -> None:
    question = f"{marker(7)} harbour"
    assert not _cites_marker(service.submit_answer("ask", question, scope=Scope()).result(), 7)
    outcome = service.ingest_article(extracted(7), name="seven", scope=Scope())
    assert outcome.status == "added"
    # The process catches up to this process's change-log position before answering.
    answer = service.submit_answer("ask", question, scope=Scope()).result()
    assert [c.article_id for c in answer.citations][:1] == [outcome.article_id]
    assert answer == service.ask(question, scope=Scope())


def test_another_processs_ingest_reaches_the_answering_processes(tmp_path: Path) -> None:
    service = _open(tmp_path, refresh_seconds=0.01)
    writer = NewsService.open(service.settings)
    try:
        service.start_answer_processes(1)
        question = f"{marker(9)} harbour"
        assert not _cites_marker(service.submit_answer("ask", question, scope=Scope()).result(), 9)
        outcome = writer.ingest_article(extracted(9), name="nine", scope=Scope())
        time.sleep(0.02)
        # The bot's own index has not caught up; the answering process does by itself,
        # as the bot does every [index] refresh_seconds.
        assert service.index.position < writer.index.position
        answer = service.submit_answer("ask", question, scope=Scope()).result()
        assert [c.article_id for c in answer.citations][:1] == [outcome.article_id]
    finally:
        writer.close()
        service.close()


def test_a_killed_process_fails_at_most_its_call_and_new_ones_take_over(
    tmp_path: Path,
) -> None:
    service = _open(tmp_path, refresh_seconds=3600.0)
    try:
        (pid,) = service.start_answer_processes(1)
        expected = service.ask("tidal barrage", scope=Scope())
        assert service.submit_answer("ask", "tidal barrage", scope=Scope()).result() == expected
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + RESTART_TIMEOUT
        failures = 0
        while True:
            try:
                answer = service.submit_answer("ask", "tidal barrage", scope=Scope()).result()
                break
            except EngineUnavailable:
                failures += 1
                assert time.monotonic() < deadline, "no answering process came back"
        assert answer == expected
        assert failures <= 1, "only a call sent to the dead process fails"
        assert service.answer_processes() == 1
    finally:
        service.close()


@pytest.mark.parametrize(
    "error",
    [
        QueryError("nothing to search for"),
        StorageRefused("the disk is full", path="/data/newsbot.db"),
        FetchError("timed out", url="https://example.org/", kind="timeout"),
        RecordTooLarge("too big", input_name="a.jsonl", line=3, size=10, limit=5),
        EngineUnavailable("no engine", part="answers"),
    ],
)
def test_domain_errors_survive_pickling(error: NewsbotError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error) and copy.args == error.args
    assert vars(copy) == vars(error)
