"""Property tests: the index scores exactly like rank_bm25, however it got its passages.

A vocabulary of eight words makes terms that occur in more than half the passages
(negative raw idf, replaced by the epsilon floor) and empty passages common. The
``machinery`` fixture shrinks the flush, merge, compaction and pruning thresholds so
that small examples go through segments, merges, compaction, the small-query scoring
(``accumulate_top``, reading its candidates back by a scan of the buffer or, with
that turned off, posting by posting) and, with it turned off, MaxScore pruning.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import retrieval.index.bm25 as bm25_module
import retrieval.index.search as search_module
import retrieval.index.top as top_module
from retrieval.index import BM25Index, PassageFilter, PassageMeta
from tests.retrieval.index.bm25_oracle import assert_matches_reference
from tests.retrieval.index.paths import prune_every_query

VOCAB = [f"w{i}" for i in range(8)]
PROPERTY = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

docs_st = st.lists(st.sampled_from(VOCAB), max_size=9)
corpus_st = st.lists(docs_st, min_size=1, max_size=14)
query_st = st.lists(st.sampled_from([*VOCAB, "unknown"]), min_size=1, max_size=6)
ids_st = st.integers(min_value=0, max_value=20)
ops_st = st.lists(
    st.one_of(
        st.tuples(st.just("add"), ids_st, docs_st),
        st.tuples(st.just("remove"), ids_st),
        st.tuples(st.just("remove_article"), st.integers(0, 2)),
        st.tuples(st.just("add_many"), st.lists(st.tuples(ids_st, docs_st), max_size=6)),
        st.tuples(st.just("save_load")),
    ),
    max_size=25,
)


@pytest.fixture(
    params=["defaults", "small-thresholds", "small-thresholds-pruning", "small-thresholds-gather"]
)
def machinery(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # Durability is not under test here and fsync dominates the run time of snapshots.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    if request.param.startswith("small-thresholds"):
        monkeypatch.setattr(bm25_module, "FLUSH_SLOTS", 3)
        monkeypatch.setattr(bm25_module, "BULK_MIN", 2)
        monkeypatch.setattr(bm25_module, "BULK_CHUNK", 5)
        monkeypatch.setattr(bm25_module, "COMPACT_MIN_DEAD", 2)
    if request.param == "small-thresholds-pruning":
        prune_every_query(monkeypatch)
    if request.param == "small-thresholds-gather":
        # Candidates read back and the buffer reset posting by posting, not by scans,
        # and ranked with numpy however few.
        monkeypatch.setattr(top_module, "_SCAN_SHARE", 0)
        monkeypatch.setattr(top_module, "_FILL_SHARE", 0)
        monkeypatch.setattr(search_module, "_PYTHON_RANK_MAX", -1)
    yield request.param


@PROPERTY
@given(corpus=corpus_st, query=query_st, bulk=st.booleans())
def test_scores_equal_rank_bm25(
    machinery: str, corpus: list[list[str]], query: list[str], bulk: bool
) -> None:
    index = BM25Index()
    if bulk:
        index.add_many((i, doc, PassageMeta()) for i, doc in enumerate(corpus))
    else:
        for i, doc in enumerate(corpus):
            index.add(i, doc)
    assert_matches_reference(index, dict(enumerate(corpus)), query)


@PROPERTY
@given(
    corpus=corpus_st,
    query=query_st,
    k1=st.floats(0.1, 3.0),
    b=st.floats(0.0, 1.0),
    epsilon=st.floats(0.0, 1.0),
)
def test_parameters_are_honoured(
    machinery: str, corpus: list[list[str]], query: list[str], k1: float, b: float, epsilon: float
) -> None:
    index = BM25Index(k1=k1, b=b, epsilon=epsilon)
    index.add_many((i, doc, PassageMeta()) for i, doc in enumerate(corpus))
    # b = 1 with an empty passage gives rank_bm25 a 0/0; keep to well-defined cases.
    docs = {i: doc for i, doc in enumerate(corpus) if doc or b < 1.0}
    for i in set(range(len(corpus))) - set(docs):
        index.remove(i)
    assert_matches_reference(index, docs, query)


@PROPERTY
@given(ops=ops_st, query=query_st)
def test_interleaved_changes_keep_statistics_exact(
    machinery: str, ops: list[tuple[object, ...]], query: list[str]
) -> None:
    index = BM25Index()
    docs: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step, op in enumerate(ops):
            index = _apply(index, docs, op, Path(tmp) / f"snap{step}")
            assert_matches_reference(index, docs, query)


@PROPERTY
@given(
    corpus=corpus_st,
    query=query_st,
    removed=st.sets(st.integers(0, 13)),
    scopes=st.sets(st.integers(0, 2), min_size=1),
    k=st.integers(1, 4),
)
def test_filtered_top_k_is_the_head_of_the_filtered_ranking(
    machinery: str,
    corpus: list[list[str]],
    query: list[str],
    removed: set[int],
    scopes: set[int],
    k: int,
) -> None:
    """With removed passages and a scope filter, the top ``k`` are the best ``k`` of the
    allowed live passages holding a query term, best first, ties by id."""
    index = BM25Index()
    index.add_many((i, doc, PassageMeta(scope=i % 3)) for i, doc in enumerate(corpus))
    for pid in removed:
        index.remove(pid)
    live = [i for i in range(len(corpus)) if i not in removed]
    scores = dict(zip(live, index.get_scores(query, live).tolist(), strict=True))
    allowed = [i for i in live if i % 3 in scopes and set(corpus[i]) & set(query)]
    expected = sorted(allowed, key=lambda i: (-scores[i], i))[:k]
    hits = index.search(query, k, PassageFilter(scopes=frozenset(scopes)))
    assert [h.passage_id for h in hits] == expected
    assert [h.score for h in hits] == [scores[i] for i in expected]


def _apply(
    index: BM25Index, docs: dict[int, list[str]], op: tuple[object, ...], path: Path
) -> BM25Index:
    """Apply one operation to the index and to the model ``docs``; article = id % 3."""
    kind = op[0]
    if kind == "add":
        pid, doc = op[1], op[2]
        assert isinstance(pid, int) and isinstance(doc, list)
        index.add(pid, doc, article_id=pid % 3)
        docs[pid] = doc
    elif kind == "remove":
        pid = op[1]
        assert isinstance(pid, int)
        assert index.remove(pid) == (pid in docs)
        docs.pop(pid, None)
    elif kind == "remove_article":
        article = op[1]
        doomed = [pid for pid in docs if pid % 3 == article]
        assert index.remove_article(int(str(article))) == len(doomed)
        for pid in doomed:
            del docs[pid]
    elif kind == "add_many":
        items = op[1]
        assert isinstance(items, list)
        index.add_many((pid, doc, PassageMeta(article_id=pid % 3)) for pid, doc in items)
        docs.update(dict(items))
    else:
        index.save(path)
        index = BM25Index.load(path, mmap=len(docs) % 2 == 0)
    return index


@PROPERTY
@given(ops=ops_st, terms=query_st, data=st.data())
def test_term_scores_equal_scoring_each_term_alone(
    machinery: str, ops: list[tuple[object, ...]], terms: list[str], data: st.DataObject
) -> None:
    index = BM25Index()
    docs: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step, op in enumerate(ops):
            index = _apply(index, docs, op, Path(tmp) / f"snap{step}")
    if not docs:
        return
    pool = data.draw(st.lists(st.sampled_from(sorted(docs)), max_size=10))
    rows = index.term_scores(terms, pool)
    assert rows.shape == (len(terms), len(pool))
    for term, row in zip(terms, rows, strict=True):
        assert np.array_equal(row, index.get_scores([term], pool))


@PROPERTY
@given(ops=ops_st, terms=query_st, unknown_id=st.integers(21, 30))
def test_holds_terms_is_the_passage_holding_every_term(
    machinery: str, ops: list[tuple[object, ...]], terms: list[str], unknown_id: int
) -> None:
    """``holds_terms`` reads the forward index of segments and of the pending tail alike,
    after removals, merges and reloads, as the passage's own tokens say."""
    index = BM25Index()
    docs: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step, op in enumerate(ops):
            index = _apply(index, docs, op, Path(tmp) / f"snap{step}")
    for pid, tokens in docs.items():
        assert index.holds_terms(pid, terms) == (set(terms) <= set(tokens))
    assert not index.holds_terms(unknown_id, terms)


@PROPERTY
@given(
    ops=ops_st,
    weights=st.dictionaries(
        st.sampled_from([*VOCAB, "unknown"]), st.floats(-0.5, 3.0), min_size=1, max_size=6
    ),
    k=st.integers(1, 25),
)
def test_weighted_top_k_is_the_head_of_the_weighted_ranking(
    machinery: str, ops: list[tuple[object, ...]], weights: dict[str, float], k: int
) -> None:
    """``weighted_ids`` returns the best ``k`` of every passage holding a positively
    weighted term, by ``weighted_scores`` (best first, ties by id), and those scores are
    the weighted sums of the per-term scores up to rounding."""
    index = BM25Index()
    docs: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for step, op in enumerate(ops):
            index = _apply(index, docs, op, Path(tmp) / f"snap{step}")
    ids = sorted(docs)
    wanted = {t for t, w in weights.items() if w > 0}
    holders = [i for i in ids if set(docs[i]) & wanted]
    scores = dict(zip(ids, index.weighted_scores(weights, ids).tolist(), strict=True))
    expected = sorted(holders, key=lambda i: (-scores[i], i))[:k]
    found, found_scores = index.weighted_ids(weights, k)
    assert found == expected
    assert found_scores == [scores[i] for i in expected]
    rows = index.term_scores(list(weights), ids)
    for i, pid in enumerate(ids):
        plain = sum(w * rows[n, i] for n, w in enumerate(weights.values()) if w > 0)
        assert scores[pid] == pytest.approx(plain, rel=1e-9, abs=1e-12)
