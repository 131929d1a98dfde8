"""Adding, replacing and removing passages; edge cases of search and bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pytest

import retrieval.index.bm25 as bm25_module
from retrieval.index import BM25Index, Hit, PassageMeta
from tests.retrieval.index.bm25_oracle import assert_matches_reference
from tests.retrieval.index.paths import prune_every_query


def test_empty_index_and_empty_query_return_nothing() -> None:
    index = BM25Index()
    assert index.search(["anything"]) == []
    assert len(index) == 0
    index.add(1, ["korea", "trade"])
    assert index.search([]) == []
    assert index.search(["unknown"]) == []
    assert index.search(["korea"], k=0) == []


def test_index_of_only_empty_passages() -> None:
    index = BM25Index()
    index.add(1, [])
    index.add(2, [])
    assert len(index) == 2
    assert index.search(["korea"]) == []
    assert index.get_scores(["korea"], [1, 2]).tolist() == [0.0, 0.0]


def test_hits_may_score_zero_or_below() -> None:
    # "common" is in 2 of 3 passages: its raw idf is negative and, as the only term,
    # the vocabulary's mean idf is negative too, so the epsilon floor is negative.
    index = BM25Index()
    index.add(1, ["common"])
    index.add(2, ["common"])
    index.add(3, ["rare"])
    hits = index.search(["common"])
    assert [h.passage_id for h in hits] == [1, 2]
    assert_matches_reference(index, {1: ["common"], 2: ["common"], 3: ["rare"]}, ["common"])


def test_readding_an_id_replaces_the_passage() -> None:
    index = BM25Index()
    index.add(7, ["korea", "trade"], article_id=1)
    index.add(7, ["russia"], article_id=2)
    assert len(index) == 1
    assert index.search(["korea"]) == []
    assert [h.passage_id for h in index.search(["russia"])] == [7]
    assert index.article_of(7) == 2


def test_duplicate_ids_within_one_bulk_add_keep_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bm25_module, "BULK_MIN", 2)
    index = BM25Index()
    index.add_many(
        [(1, ["a"], PassageMeta()), (2, ["b"], PassageMeta()), (1, ["c"], PassageMeta())]
    )
    assert_matches_reference(index, {1: ["c"], 2: ["b"]}, ["a", "b", "c"])


def test_remove_and_remove_article() -> None:
    index = BM25Index()
    for pid in range(6):
        index.add(pid, ["korea", f"t{pid}"], article_id=pid // 3)
    assert index.remove(0) is True
    assert index.remove(0) is False
    assert 0 not in index and 1 in index
    assert index.remove_article(1) == 3
    assert index.remove_article(1) == 0
    assert sorted(index.passage_ids()) == [1, 2]
    assert_matches_reference(index, {1: ["korea", "t1"], 2: ["korea", "t2"]}, ["korea", "t1"])


def test_idf_matches_rank_bm25_definition() -> None:
    index = BM25Index(epsilon=0.5)
    for pid, doc in enumerate([["a", "b"], ["a"], ["a", "c"], ["d"]]):
        index.add(pid, doc)
    n = 4
    raw = {
        t: math.log(n - df + 0.5) - math.log(df + 0.5)
        for t, df in {"a": 3, "b": 1, "c": 1, "d": 1}.items()
    }
    assert index.idf("b") == pytest.approx(raw["b"])
    assert raw["a"] < 0
    assert index.idf("a") == pytest.approx(0.5 * sum(raw.values()) / len(raw))
    assert index.idf("missing") == 0.0


def test_get_scores_follows_the_given_order_and_rejects_unknown_ids() -> None:
    index = BM25Index()
    index.add(1, ["a", "b"])
    index.add(2, ["b"])
    index.add(3, ["c"])
    scores = index.get_scores(["a", "b"], [3, 1, 2, 1])
    assert scores[0] == 0.0 and scores[1] == scores[3] > scores[2] > 0
    with pytest.raises(KeyError):
        index.get_scores(["a"], [99])


def test_hit_and_passage_meta_are_values() -> None:
    assert Hit(1, 2.0) == Hit(1, 2.0)
    with pytest.raises(AttributeError):
        Hit(1, 2.0).score = 3.0  # type: ignore[misc]
    assert PassageMeta().scope == 0


def test_many_adds_flush_merge_and_compact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough churn to flush the tail, merge tiers and compact, checked against the model."""
    monkeypatch.setattr(bm25_module, "FLUSH_SLOTS", 4)
    monkeypatch.setattr(bm25_module, "COMPACT_MIN_DEAD", 8)
    prune_every_query(monkeypatch)
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(30)]
    docs: dict[int, list[str]] = {}
    index = BM25Index()
    for step in range(400):
        pid = int(rng.integers(0, 120))
        if rng.random() < 0.3:
            index.remove(pid)
            docs.pop(pid, None)
        else:
            doc = [vocab[int(i)] for i in rng.integers(0, 30, size=int(rng.integers(0, 12)))]
            index.add(pid, doc)
            docs[pid] = doc
        if step % 50 == 49:
            query = [vocab[int(i)] for i in rng.integers(0, 30, size=4)]
            assert_matches_reference(index, docs, query)
    assert len(index._segments) > 1  # the machinery under test was really used


@pytest.mark.parametrize("epsilon", [2.220446049250313e-16, 1e-300])
def test_pruning_keeps_passages_whose_only_terms_have_tiny_idf_floors(
    monkeypatch: pytest.MonkeyPatch, epsilon: float
) -> None:
    # w0 and w1 sit in more than half the passages: their idf is epsilon * mean idf,
    # some 16 orders of magnitude below w2's. Bounds that small must not be rounded away.
    prune_every_query(monkeypatch)
    docs = {0: ["w0"], 1: ["w0", "w1"], 2: ["w1", "w2", "w3", "w4"]}
    index = BM25Index(k1=1.0, b=0.0, epsilon=epsilon)
    index.add_many((pid, doc, PassageMeta()) for pid, doc in docs.items())
    assert [h.passage_id for h in index.search(["w0", "w1", "w2"], k=3)] == [2, 1, 0]
    assert_matches_reference(index, docs, ["w0", "w1", "w2"])
