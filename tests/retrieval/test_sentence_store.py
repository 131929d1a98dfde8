"""Sentence spans stored with each article, and what reads them back for answers.

An answer reads its candidate articles as sentences with their terms; storing the
spans at ingest must give exactly what splitting the body again would, or answers
would change with the age of the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from retrieval.answer.story_choice import read_story
from retrieval.config import Settings
from retrieval.index.tokenizer import Tokenizer
from retrieval.ingest.bulk import ingest_many
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article
from retrieval.text.sentences import (
    SPLITTER_VERSION,
    Span,
    pack_spans,
    split_sentences,
    unpack_spans,
)
from tests.conftest import SAMPLES

TOKENIZER = Tokenizer()

# Texts of the three styles the splitter tells apart, with abbreviations, quotes and
# line structure; their spans are pinned below.
PINNED_TEXTS = (
    "Mr. Smith went to Washington on Jan. 5. He met Sen. Jones at 9 a.m. and left.\n\n"
    "\u201cWe agreed,\u201d he said. The U.S. team won 3.5 to 2! Did they? Yes.",
    "the mayor said the plan works. dr. lee disagreed. no. 5 was chosen",
    "he said . `` it is done . '' the next day , they left .",
    "Heading\nA hard-wrapped line that goes on and\ncontinues here. Next sentence.",
)
# sha256 of the spans ``split_sentences`` gives for PINNED_TEXTS under SPLITTER_VERSION.
# When a change to the splitting rules moves these, raise SPLITTER_VERSION (articles
# stored earlier are then split anew) and update the digest.
PINNED_DIGEST = "5aff5553898738a8b63cfe0eaace93983e82da6988e628b41b0c1aa951b5ea44"


def _digest() -> str:
    spans = [[(s.start, s.end) for s in split_sentences(t)] for t in PINNED_TEXTS]
    return hashlib.sha256(json.dumps([SPLITTER_VERSION, spans]).encode()).hexdigest()


def test_splitting_rules_match_the_stored_version() -> None:
    assert _digest() == PINNED_DIGEST, (
        "split_sentences changed: raise SPLITTER_VERSION and update PINNED_DIGEST"
    )


@given(st.lists(st.tuples(st.integers(0, 2**31), st.integers(0, 2**31)), max_size=50))
def test_spans_round_trip(pairs: list[tuple[int, int]]) -> None:
    spans = [Span(a, b) for a, b in pairs]
    assert unpack_spans(pack_spans(spans)) == spans


def test_spans_of_another_version_or_none_are_not_used() -> None:
    packed = pack_spans([Span(0, 4)])
    other = (SPLITTER_VERSION + 1).to_bytes(4, "little") + packed[4:]
    assert unpack_spans(other) is None
    assert unpack_spans(None) is None
    assert unpack_spans(b"") is None
    assert unpack_spans(packed[:-1]) is None


# ASCII, typographic quotes, a ligature and a sharp s (NFKC and case folding change
# lengths), an invisible joiner and Korean text.
TEXTS = (
    PINNED_TEXTS[0],
    "The \ufb01nal \u201cwent\u201d to Stra\u00dfe. Korea\u2019s team won. Next\u200bday, "
    "\ud55c\uad6d \ud300\uc774 \uc774\uacbc\ub2e4. They left.",
)


def _each(text: str, spans: list[tuple[int, int]]) -> list[list[str]]:
    return [TOKENIZER.tokenize(text[a:b]) for a, b in spans]


@pytest.mark.parametrize("text", TEXTS)
def test_tokenize_spans_equals_tokenizing_each_span(text: str) -> None:
    spans = [(s.start, s.end) for s in split_sentences(text)]
    assert TOKENIZER.tokenize_spans(text, spans) == _each(text, spans)


@given(st.text(max_size=200), st.data())
def test_tokenize_spans_equals_tokenizing_each_span_on_any_text(
    text: str, data: st.DataObject
) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    spans = list(zip([0, *cuts], [*cuts, len(text)], strict=True))
    assert TOKENIZER.tokenize_spans(text, spans) == _each(text, spans)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200), st.data())
def test_tokenize_spans_equals_tokenizing_each_span_on_ascii(
    text: str, data: st.DataObject
) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    spans = list(zip([0, *cuts], [*cuts, len(text)], strict=True))
    assert TOKENIZER.tokenize_spans(text, spans) == _each(text, spans)


@pytest.fixture
def service(settings: Settings) -> Iterator[NewsService]:
    service = NewsService.open(settings)
    yield service
    service.close()


def _ingest_samples(service: NewsService) -> None:
    outcomes = service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    assert sum(o.status == "added" for o in outcomes) >= 2


def test_ingest_stores_the_spans_a_split_gives(service: NewsService) -> None:
    _ingest_samples(service)
    with service.sessions() as session:
        articles = session.scalars(select(Article)).all()
        for article in articles:
            assert unpack_spans(article.sentence_spans) == split_sentences(article.body)


def test_bulk_ingest_stores_the_spans_too(service: NewsService, tmp_path: Path) -> None:
    body = " ".join(f"Sentence number {i} is about the harbour council vote." for i in range(30))
    path = tmp_path / "bulk.jsonl"
    rows = [{"id": f"b{i}", "title": f"Bulk {i}", "text": f"{body} Copy {i}."} for i in range(3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    list(ingest_many(service, [path], Scope(), workers=0))
    with service.sessions() as session:
        stored = session.execute(select(Article.body, Article.sentence_spans)).all()
    assert len(stored) == 3
    for text, spans in stored:
        assert unpack_spans(spans) == split_sentences(text)


def test_answers_are_the_same_with_or_without_stored_spans(
    settings: Settings, service: NewsService
) -> None:
    _ingest_samples(service)
    questions = ("What did Harbourton council approve?", "When does the rail line open?")
    with_spans = [service.ask(q, scope=Scope()) for q in questions]
    with service.unit_of_work() as session:  # as a database from before the column
        session.execute(update(Article).values(sentence_spans=None))
    fresh = NewsService.open(settings)  # an empty story cache
    try:
        assert [fresh.ask(q, scope=Scope()) for q in questions] == with_spans
    finally:
        fresh.close()


def test_read_story_with_stored_spans_equals_splitting() -> None:
    body = PINNED_TEXTS[0] + "\n\n" + TEXTS[1]
    stored = unpack_spans(pack_spans(split_sentences(body)))
    assert read_story("A title", body, TOKENIZER, stored) == read_story("A title", body, TOKENIZER)
