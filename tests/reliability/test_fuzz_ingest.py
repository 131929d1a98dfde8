"""Fuzzed JSON Lines uploads through the engine: an outcome per line, never an exception.

Records carry every field with values of every JSON type, lone surrogates, NUL,
hostile lines and absurd lengths; lines may be broken, empty, nested ten thousand deep
or not JSON at all. After each upload the store is consistent: every article has its
passages, and the index holds exactly the stored passages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from sqlalchemy import select

from retrieval.ingest.passages import split_passages
from retrieval.service import NewsService
from retrieval.store.models import Article, Passage
from tests.conftest import make_settings
from tests.reliability.guard import fuzz_settings, guarded
from tests.reliability.inputs import jsonl_documents
from tests.reliability.targets import ingest_jsonl


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsService]:
    opened = NewsService.open(make_settings(tmp_path_factory.mktemp("fuzz_ingest")))
    yield opened
    opened.close()


def _assert_consistent(service: NewsService, article_ids: set[int]) -> None:
    """The articles just stored are whole, and the index holds exactly the stored passages.

    Only this input's articles are re-split: the store keeps every earlier input's, and
    re-splitting them all would make a long run quadratic in its inputs.
    """
    settings = service.settings.ingest
    with service.sessions() as session:
        bodies = dict(
            session.execute(
                select(Article.id, Article.body).where(Article.id.in_(article_ids))
            ).all()
        )
        passages: dict[int, int] = {}
        for article_id in session.scalars(
            select(Passage.article_id).where(Passage.article_id.in_(article_ids))
        ):
            passages[article_id] = passages.get(article_id, 0) + 1
        stored = set(session.scalars(select(Passage.id)))
    assert set(bodies) == article_ids, "an article reported stored is not"
    for article_id, body in bodies.items():
        expected = len(
            split_passages(
                body, min_words=settings.passage_min_words, max_words=settings.passage_max_words
            )
        )
        assert passages.get(article_id) == expected, f"article {article_id} is not whole"
    service.refresh()
    assert set(service.index.passage_ids()) == stored


@fuzz_settings(40)
@given(jsonl_documents)
def test_jsonl_uploads(service: NewsService, document: str) -> None:
    data = document.encode("utf-8", "surrogatepass")
    outcome = guarded("ingest.jsonl", lambda: ingest_jsonl(service, data), size=len(data))
    added = outcome if isinstance(outcome, list) else []  # or a documented error
    _assert_consistent(service, {o.article_id for o in added if o.article_id is not None})
