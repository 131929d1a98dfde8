"""Checks of a BM25Index against rank_bm25's BM25Okapi over the same passages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.index import BM25Index

RTOL = 1e-9
ATOL = 1e-12


def reference_scores(
    docs: Mapping[int, Sequence[str]], query: Sequence[str], index: BM25Index
) -> dict[int, float]:
    """rank_bm25's scores of every passage in ``docs`` (ids in ascending order)."""
    ids = sorted(docs)
    bm25 = BM25Okapi([list(docs[i]) for i in ids], k1=index.k1, b=index.b, epsilon=index.epsilon)
    return dict(zip(ids, bm25.get_scores(list(query)).tolist(), strict=True))


def close(ours: float, ref: float) -> bool:
    return abs(ours - ref) <= ATOL + RTOL * abs(ref)


def assert_matches_reference(
    index: BM25Index, docs: Mapping[int, Sequence[str]], query: Sequence[str]
) -> None:
    """Scores, hit set and hit order of ``index`` agree with rank_bm25 on ``docs``."""
    assert len(index) == len(docs)
    assert sorted(index.passage_ids()) == sorted(docs)
    holders = {i for i, doc in docs.items() if set(doc) & set(query)}
    hits = index.search(query, k=max(len(docs), 1))
    assert {h.passage_id for h in hits} == holders
    if not any(docs.values()):  # rank_bm25 cannot even be built on empty passages
        assert hits == []
        return
    ref = reference_scores(docs, query, index)
    ids = sorted(docs)
    ours = index.get_scores(query, ids)
    np.testing.assert_allclose(ours, [ref[i] for i in ids], rtol=RTOL, atol=ATOL)
    mine = dict(zip(ids, ours.tolist(), strict=True))
    for hit in hits:
        assert hit.score == mine[hit.passage_id]  # search and get_scores agree bit for bit
        assert close(hit.score, ref[hit.passage_id])
    # Best first, ties by id; and rank_bm25's scores never disagree beyond rounding.
    assert [h.passage_id for h in hits] == sorted(holders, key=lambda i: (-mine[i], i))
    for better, worse in pairwise(hits):
        assert ref[better.passage_id] >= ref[worse.passage_id] - ATOL - RTOL * abs(
            ref[worse.passage_id]
        )
    for k in (1, 3):
        assert index.search(query, k=k) == hits[:k]
