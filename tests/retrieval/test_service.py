"""The engine facade end to end on a real database: ingest, dedupe, scope, answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.errors import ArticleNotFound, QueryError
from retrieval.results import Scope, SearchFilters
from retrieval.service import NewsService
from tests.shared_data import SAMPLES, SharedData

GUILD_A = Scope(111)
GUILD_B = Scope(222)


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    yield service
    service.close()


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _article(i: int, text: str, **extra: object) -> dict[str, object]:
    return {
        "id": f"t-{i}",
        "title": f"Test story {i}",
        "text": text,
        "url": f"https://news.example/{i}",
        "source": "Example News",
        **extra,
    }


def test_ingest_samples_and_answer(service: NewsService) -> None:
    outcomes = service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    assert [o.status for o in outcomes].count("failed") == 0
    assert sum(o.status == "added" for o in outcomes) == 5
    answer = service.ask("What did Harbourton council approve?", scope=Scope())
    assert answer.found
    assert answer.sentences, "an answer has key sentences"
    first = answer.citations[0]
    assert "tidal" in first.title.lower()
    # The wire copy of the same story is cited under it, not as a second story.
    assert {first.source, *(o.source for o in first.also)} == {"Coastal Ledger", "South Coast Wire"}
    assert all(c.title != first.title or c.n == first.n for c in answer.citations)
    # Every sentence is verbatim from a stored article and cites a listed story.
    numbers = {c.n for c in answer.citations}
    for sentence in answer.sentences:
        assert set(sentence.cites) <= numbers
    assert any("council" in first.snippet[s:e].lower() for s, e in first.marks)
    # Only quoted stories are cited; the page's other stories are related, numbered after.
    assert numbers == {n for sentence in answer.sentences for n in sentence.cites}
    assert [c.n for c in answer.related] == list(
        range(len(numbers) + 1, len(numbers) + 1 + len(answer.related))
    )
    assert not {c.article_id for c in answer.related} & {c.article_id for c in answer.citations}


@pytest.mark.parametrize(
    "question",
    ["What did Harbourton council approve?", "Who will run the trains?", "hosepipe ban"],
)
def test_related_stories_show_why_they_are_there(service: NewsService, question: str) -> None:
    """A story listed as related shows a question term in its snippet: stories that
    matched only a stray word or the feedback's expansion terms are left out."""
    service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    answer = service.ask(question, scope=Scope())
    assert answer.citations
    assert all(c.marks for c in answer.related)
    stories = {c.title for c in (*answer.citations, *answer.related)}
    # The drought story shares no word of these questions but what feedback adds.
    if "hosepipe" not in question:
        assert not any("hosepipe" in title.lower() for title in stories)


def test_duplicates_are_reported_not_stored(service: NewsService, tmp_path: Path) -> None:
    body = "The river authority opened a new flood barrier on Monday. " * 8
    first = _write_jsonl(tmp_path / "a.jsonl", [_article(1, body)])
    assert service.ingest_paths([first], scope=Scope())[0].status == "added"
    # Same URL with tracking parameters, different text: duplicate by canonical URL.
    again = _write_jsonl(
        tmp_path / "b.jsonl",
        [
            _article(
                2,
                "Completely different words about a flood barrier opening today. " * 5,
                url="https://news.example/1?utm_source=x&fbclid=y",
            )
        ],
    )
    outcome = service.ingest_paths([again], scope=Scope())[0]
    assert outcome.status == "duplicate"
    # Same body under another URL: duplicate by content.
    same_body = _write_jsonl(tmp_path / "c.jsonl", [_article(3, body.upper())])
    assert service.ingest_paths([same_body], scope=Scope())[0].status == "duplicate"
    assert len(service.news("flood barrier", scope=Scope()).citations) == 1


def test_scopes_are_isolated(service: NewsService, tmp_path: Path) -> None:
    secret = "The Zanthor committee approved a secret budget for the lighthouse. " * 6
    public = "The lighthouse museum reopened to visitors after repairs to its Zanthor lamp. " * 6
    service.ingest_paths([_write_jsonl(tmp_path / "a.jsonl", [_article(1, secret)])], scope=GUILD_A)
    service.ingest_paths([_write_jsonl(tmp_path / "g.jsonl", [_article(2, public)])], scope=Scope())
    seen_a = {c.article_id for c in service.news("Zanthor", scope=GUILD_A).citations}
    seen_b = {c.article_id for c in service.news("Zanthor", scope=GUILD_B).citations}
    seen_dm = {c.article_id for c in service.news("Zanthor", scope=Scope()).citations}
    assert len(seen_a) == 2
    assert len(seen_b) == 1 and seen_b == seen_dm
    secret_id = (seen_a - seen_b).pop()
    with pytest.raises(ArticleNotFound):
        service.summarize_article(str(secret_id), scope=GUILD_B)
    assert service.summarize_article(str(secret_id), scope=GUILD_A).sentences
    assert all(t.article_id != secret_id for t in service.recent_titles(scope=GUILD_B))
    # The same body may be added by another server: it is not a duplicate there.
    outcome = service.ingest_paths(
        [_write_jsonl(tmp_path / "b.jsonl", [_article(1, secret)])], scope=GUILD_B
    )[0]
    assert outcome.status == "added"


def test_filters_by_source_and_date(service: NewsService) -> None:
    service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    by_source = service.news(
        "Harbourton tidal", scope=Scope(), filters=SearchFilters(source="South Coast Wire")
    )
    assert by_source.citations and all(c.source == "South Coast Wire" for c in by_source.citations)
    late = service.news(
        "hosepipe ban", scope=Scope(), filters=SearchFilters(since=datetime(2025, 7, 1, tzinfo=UTC))
    )
    assert late.found
    early = service.news(
        "hosepipe ban", scope=Scope(), filters=SearchFilters(until=datetime(2025, 7, 1, tzinfo=UTC))
    )
    assert not early.found and early.hint


def test_nothing_found_is_a_result_not_an_error(service: NewsService) -> None:
    answer = service.ask("volcano eruption", scope=Scope())
    assert not answer.found and answer.hint


@pytest.mark.parametrize("query", ["the of and", "?!...", "x" * 10_000])
def test_bad_queries_have_reasons(service: NewsService, query: str) -> None:
    with pytest.raises(QueryError) as info:
        service.ask(query, scope=Scope())
    assert info.value.reason and "\n" not in info.value.reason


def test_bad_inputs_fail_with_one_line_reasons(service: NewsService, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    unknown = tmp_path / "doc.pdf"
    unknown.write_bytes(b"%PDF-1.4 something")
    lines = tmp_path / "mixed.jsonl"
    lines.write_text(
        json.dumps(_article(9, "A valid record about the harbour wall. " * 6)) + "\n{not json\n",
        encoding="utf-8",
    )
    outcomes = service.ingest_paths([empty, binary, unknown, lines], scope=Scope())
    statuses = [o.status for o in outcomes]
    assert statuses.count("failed") == 4 and statuses.count("added") == 1
    for outcome in outcomes:
        if outcome.status == "failed":
            assert outcome.reason and "\n" not in outcome.reason


def test_forget_removes_from_search(service: NewsService) -> None:
    service.ingest_paths([SAMPLES / "river-valley-rail.html"], scope=GUILD_A)
    answer = service.news("Valley Line trains", scope=GUILD_A)
    article_id = answer.citations[0].article_id
    with pytest.raises(ArticleNotFound):
        service.forget(article_id, scope=GUILD_B)
    service.forget(article_id, scope=GUILD_A)
    assert not service.news("Valley Line trains", scope=GUILD_A).found


def test_index_survives_restart_and_sees_other_process_ingests(settings: Settings) -> None:
    first = NewsService.open(settings)
    first.ingest_paths([SAMPLES / "harbourton-tidal-energy.txt"], scope=Scope())
    first.save_snapshot()
    other = NewsService.open(settings)  # loads the snapshot
    first.ingest_paths([SAMPLES / "river-valley-rail.html"], scope=Scope())
    assert not other.news("battery trains Valley Line", scope=Scope()).found
    assert other.refresh() == 1
    assert other.news("battery trains Valley Line", scope=Scope()).found
    assert other.index.position == first.index.position
    first.close()
    other.close()


def test_seed_answers_south_korea(service: NewsService, shared_data: SharedData) -> None:
    outcome = service.ingest_paths([shared_data.seed], scope=Scope())[0]
    assert outcome.status == "added"
    answer = service.ask("South Korea", scope=Scope())
    assert answer.citations[0].title.startswith("Leaders of S Korea, NZ")
    body = service.summarize_article(str(answer.citations[0].article_id), scope=Scope())
    assert body.sentences
    assert any("South Korea" in s.text for s in answer.sentences)
