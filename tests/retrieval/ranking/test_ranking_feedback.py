"""RM3 feedback: the relevance model, the weighted query, and the search built on them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.index import BM25Index, Hit, PassageFilter, PassageMeta
from retrieval.ranking import PassageTokens, RankingSettings, feedback_search
from retrieval.ranking.feedback import (
    document_weights,
    expansion_terms,
    rm3_query,
    without_common_terms,
)

Docs = dict[int, list[str]]


def _index(docs: Docs) -> BM25Index:
    index = BM25Index()
    index.add_many((pid, toks, PassageMeta(article_id=pid)) for pid, toks in docs.items())
    return index


def _tokens(docs: Docs) -> PassageTokens:
    def fetch(ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
        return {pid: docs[pid] for pid in ids if pid in docs}

    return fetch


def test_document_weights_are_a_softmax_of_scores() -> None:
    weights = document_weights([Hit(1, 3.0), Hit(2, 2.0), Hit(3, 2.0)])
    assert math.isclose(sum(weights), 1.0)
    assert weights[0] > weights[1] == weights[2]
    assert math.isclose(weights[0] / weights[1], math.e)
    assert document_weights([]) == []


def test_expansion_terms_follow_the_relevance_model() -> None:
    hits = [Hit(1, 1.0), Hit(2, 1.0)]  # equal weights: 1/2 each
    tokens = {1: ["rate", "rate", "bank", "cut"], 2: ["rate", "yen"]}
    # P(w|R): rate = 1/2*2/4 + 1/2*1/2 = 1/2; bank = cut = 1/8; yen = 1/4.
    model = expansion_terms(hits, tokens, 4)
    assert model == pytest.approx({"rate": 0.5, "yen": 0.25, "bank": 0.125, "cut": 0.125})
    top = expansion_terms(hits, tokens, 2)
    assert top == pytest.approx({"rate": 0.5 / 0.75, "yen": 0.25 / 0.75})
    assert expansion_terms(hits, {}, 3) == {}


def test_rm3_query_weights_sum_to_the_query_length() -> None:
    query = ["bank", "japan", "bank"]
    weights = rm3_query(query, {"rate": 0.75, "bank": 0.25}, 0.6)
    assert math.isclose(sum(weights.values()), len(query))
    assert weights["bank"] == pytest.approx(0.6 * 2 + 0.4 * 3 * 0.25)
    assert weights["japan"] == pytest.approx(0.6)
    assert rm3_query(query, {"rate": 1.0}, 1.0) == {"bank": 2.0, "japan": 1.0, "rate": 0.0}


CORPUS: Docs = {
    1: ["bank", "japan", "cut", "discount", "rate"],
    2: ["bank", "japan", "discount", "rate", "lower"],
    3: ["discount", "rate", "lower", "half", "point"],  # no query term at all
    4: ["football", "match", "goal"],
    5: ["bank", "holiday", "weekend"],
    6: ["weather", "rain", "cold"],
}


def test_feedback_finds_passages_without_the_query_terms() -> None:
    index = _index(CORPUS)
    query = ["bank", "japan"]
    plain = [h.passage_id for h in index.search(query, 10)]
    assert 3 not in plain
    # Every expansion term kept: in six passages, "discount" and "rate" are common.
    # Passage 1 holds both terms: feedback runs only because it is asked to always.
    params = RankingSettings(
        feedback=True,
        feedback_passages=2,
        feedback_terms=3,
        feedback_max_df=1.0,
        feedback_only_unmatched=False,
    )
    expanded = feedback_search(index, query, 10, None, _tokens(CORPUS), params)
    ids = [h.passage_id for h in expanded]
    assert 3 in ids, "the expansion terms (discount, rate) reach passage 3"
    assert ids.index(3) > ids.index(1), "the original terms still dominate"
    assert ids.index(3) < ids.index(5), "an on-topic expansion beats a one-word match"


def test_feedback_respects_the_filter() -> None:
    index = _index(CORPUS)
    params = RankingSettings(
        feedback=True, feedback_passages=2, feedback_terms=3, feedback_only_unmatched=False
    )
    allowed = PassageFilter(articles=frozenset({2, 3, 5}))
    hits = feedback_search(index, ["bank", "japan"], 10, allowed, _tokens(CORPUS), params)
    assert {h.passage_id for h in hits} <= {2, 3, 5}
    assert hits[0].passage_id == 2


def test_feedback_with_nothing_found_is_empty() -> None:
    index = _index(CORPUS)
    params = RankingSettings(feedback=True)
    assert feedback_search(index, ["zebra"], 5, None, _tokens(CORPUS), params) == []
    assert feedback_search(index, ["bank"], 0, None, _tokens(CORPUS), params) == []


words = st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])
corpora = st.dictionaries(
    st.integers(1, 60), st.lists(words, min_size=1, max_size=12), min_size=1, max_size=25
)


@settings(max_examples=40, deadline=None)
@given(docs=corpora, query=st.lists(words, min_size=1, max_size=4), k=st.integers(1, 30))
def test_full_query_weight_is_plain_bm25(docs: Docs, query: list[str], k: int) -> None:
    index = _index(docs)
    params = RankingSettings(feedback=True, feedback_query_weight=1.0)
    got = feedback_search(index, query, k, None, _tokens(docs), params)
    want = index.search(query, k)
    # Same scores in the same order; ids may differ only between near-equal scores,
    # since the weighted sum adds the terms in another order than the index does.
    assert [h.score for h in got] == pytest.approx([h.score for h in want])
    ids = [h.passage_id for h in got]
    plain = dict(zip(ids, index.get_scores(query, ids).tolist(), strict=True))
    for hit in got:
        assert hit.score == pytest.approx(plain[hit.passage_id])


def test_common_expansion_terms_are_left_out_but_never_query_terms() -> None:
    weights = {"bank": 1.4, "rate": 0.3, "said": 0.3, "year": 0.02}
    share = {"bank": 0.6, "rate": 0.05, "said": 0.4, "year": 0.1}.__getitem__
    kept = without_common_terms(weights, ["bank"], share, 0.1)
    assert kept == {"bank": 1.4, "rate": 0.3, "year": 0.02}
    assert without_common_terms(weights, ["bank"], share, 1.0) == weights


@settings(max_examples=60, deadline=None)
@given(docs=corpora, query=st.lists(words, min_size=1, max_size=4), k=st.integers(1, 30))
def test_feedback_runs_only_where_the_best_passage_misses_a_term(
    docs: Docs, query: list[str], k: int
) -> None:
    index = _index(docs)
    params = RankingSettings(feedback=True, feedback_max_df=1.0)
    got = feedback_search(index, query, k, None, _tokens(docs), params)
    plain = index.search(query, k)
    if plain and set(query) <= set(docs[plain[0].passage_id]):
        assert got == plain  # the words matched: the first pass is the answer
    else:
        always = RankingSettings(feedback=True, feedback_max_df=1.0, feedback_only_unmatched=False)
        assert got == feedback_search(index, query, k, None, _tokens(docs), always)
