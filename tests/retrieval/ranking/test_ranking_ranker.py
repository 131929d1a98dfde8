"""The Ranker: defaults are plain BM25, switches layer on top, tokens come from the DB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from retrieval.config import Settings
from retrieval.index import BM25Index, PassageMeta
from retrieval.index.catch_up import ranking_text
from retrieval.ranking import Ranker, RankingSettings
from retrieval.ranking.texts import session_passage_tokens
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article, Passage
from tests.conftest import SAMPLES

# passage id -> (article id, tokens)
PASSAGES: dict[int, tuple[int, list[str]]] = {
    1: (100, ["bank", "japan", "rate", "cut"]),
    2: (100, ["bank", "japan"]),
    3: (200, ["bank", "rate", "discount"]),
    4: (300, ["japan", "export", "car"]),
    5: (300, ["rate", "discount", "lower"]),
    6: (400, ["football"]),
}


class Fetcher:
    """Passage tokens that count how often each passage is asked for."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
        self.calls.extend(ids)
        return {pid: PASSAGES[pid][1] for pid in ids if pid in PASSAGES}


def _index() -> BM25Index:
    index = BM25Index()
    index.add_many(
        (pid, toks, PassageMeta(article_id=art)) for pid, (art, toks) in PASSAGES.items()
    )
    return index


def test_defaults_are_plain_bm25() -> None:
    index = _index()
    fetch = Fetcher()
    ranker = Ranker(index, RankingSettings(), fetch)
    query = ["bank", "japan", "rate"]
    assert ranker.passages(query, 4) == index.search(query, 4)
    best: dict[int, float] = {}
    for hit in index.search(query, 50):
        best.setdefault(index.article_of(hit.passage_id), hit.score)
    assert ranker.articles(query, 3) == list(best.items())[:3]
    assert fetch.calls == [], "plain BM25 reads no passage text"


def test_switches_fetch_each_passage_once() -> None:
    fetch = Fetcher()
    # Passage 1 holds both terms: feedback runs only because it is asked to always.
    params = RankingSettings(
        feedback=True,
        feedback_passages=3,
        feedback_terms=4,
        proximity_weight=0.5,
        feedback_only_unmatched=False,
    )
    ranker = Ranker(_index(), params, fetch)
    hits = ranker.passages(["bank", "japan"], 3)
    assert len(hits) == 3
    assert len(fetch.calls) == len(set(fetch.calls))
    articles = ranker.articles(["bank", "japan"], 10)
    assert len({a for a, _ in articles}) == len(articles)


def test_session_passage_tokens_match_the_index(settings: Settings) -> None:
    service = NewsService.open(settings)
    try:
        service.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
        with service.sessions() as session:
            rows = session.query(Passage.id, Article.title, Passage.text).join(Article).all()
            fetch = session_passage_tokens(session, service.tokenizer)
            ids = [pid for pid, _, _ in rows]
            got = fetch([*ids, 10**9])
            assert set(got) == set(ids), "unknown ids are left out"
            for pid, title, text in rows:
                assert list(got[pid]) == service.tokenizer.tokenize(ranking_text(title, text))
            assert fetch([]) == {}
    finally:
        service.close()
