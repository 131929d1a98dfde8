"""The bounded-memory machinery of large indexes, shrunk so small examples exercise it.

Sub-chunked segment builds, block-wise merges, per-segment compaction, the numpy
passage-id map and impact codes outgrowing 16 bits must never change a score: every
state is checked against rank_bm25, and the id map against a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import retrieval.index.bm25 as bm25_module
import retrieval.index.build as build_module
import retrieval.index.impacts as impacts_module
import retrieval.index.segments as segments_module
import retrieval.index.slotmap as slotmap_module
from retrieval.index import BM25Index, PassageFilter, PassageMeta
from retrieval.index.slotmap import SlotMap
from tests.retrieval.index.bm25_oracle import assert_matches_reference
from tests.retrieval.index.paths import prune_every_query

PROPERTY = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VOCAB = [f"w{i}" for i in range(10)]
docs_st = st.lists(st.sampled_from(VOCAB), max_size=8)
ids_st = st.integers(min_value=0, max_value=30)
ops_st = st.lists(
    st.one_of(
        st.tuples(st.just("add"), ids_st, docs_st),
        st.tuples(st.just("remove"), ids_st),
        st.tuples(st.just("remove_article"), st.integers(0, 3)),
        st.tuples(st.just("add_many"), st.lists(st.tuples(ids_st, docs_st), max_size=12)),
    ),
    max_size=20,
)
query_st = st.lists(st.sampled_from([*VOCAB, "unknown"]), min_size=1, max_size=5)


@pytest.fixture(params=["top", "pruned"])
def tiny(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every threshold at its smallest, so a dozen passages go through every path;
    searches add up every posting (``accumulate_top``), or are pruned."""
    if request.param == "pruned":
        prune_every_query(monkeypatch)
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    monkeypatch.setattr(bm25_module, "FLUSH_SLOTS", 2)
    monkeypatch.setattr(bm25_module, "BULK_MIN", 3)
    monkeypatch.setattr(bm25_module, "BULK_CHUNK", 7)
    monkeypatch.setattr(bm25_module, "COMPACT_MIN_DEAD", 2)
    monkeypatch.setattr(build_module, "SUB_CHUNK", 2)
    monkeypatch.setattr(segments_module, "MERGE_BLOCK", 3)
    monkeypatch.setattr(segments_module, "MAX_MERGED_SLOTS", 9)
    monkeypatch.setattr(slotmap_module, "RECENT_MIN", 2)
    monkeypatch.setattr(slotmap_module, "RECENT_FRACTION", 1)
    yield


@PROPERTY
@given(ops=ops_st, query=query_st)
def test_changes_through_every_path_keep_scores_exact(
    tiny: None, ops: list[tuple[object, ...]], query: list[str]
) -> None:
    index = BM25Index()
    docs: dict[int, list[str]] = {}
    for op in ops:
        kind = op[0]
        if kind == "add":
            pid, doc = int(str(op[1])), list(op[2])  # type: ignore[call-overload]
            index.add(pid, doc, article_id=pid % 4)
            docs[pid] = doc
        elif kind == "remove":
            pid = int(str(op[1]))
            assert index.remove(pid) == (pid in docs)
            docs.pop(pid, None)
        elif kind == "remove_article":
            article = int(str(op[1]))
            doomed = [pid for pid in docs if pid % 4 == article]
            assert index.remove_article(article) == len(doomed)
            for pid in doomed:
                del docs[pid]
        else:
            items = list(op[1])  # type: ignore[call-overload]
            index.add_many((pid, doc, PassageMeta(article_id=pid % 4)) for pid, doc in items)
            docs.update(dict(items))
        assert_matches_reference(index, docs, query)


def test_codes_outgrowing_sixteen_bits_mid_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk build whose impact table passes the uint16 limit half way stays exact."""
    monkeypatch.setattr(build_module, "SUB_CHUNK", 4)
    monkeypatch.setattr(impacts_module, "_UINT16_CODES", 5)
    monkeypatch.setattr(bm25_module, "BULK_MIN", 2)
    rng = np.random.default_rng(3)
    docs = {
        i: [VOCAB[int(t)] for t in rng.integers(0, 4, size=int(rng.integers(1, 30)))]
        for i in range(40)
    }
    index = BM25Index()
    index.add_many((i, doc, PassageMeta()) for i, doc in docs.items())
    assert index._segments[0].codes.dtype == np.uint32
    assert_matches_reference(index, docs, ["w0", "w1", "w3", "w3"])


@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("set"), st.integers(-5, 40), st.integers(0, 1000)),
            st.tuples(st.just("pop"), st.integers(-5, 40)),
            st.tuples(st.just("set_many"), st.lists(st.integers(-5, 60), unique=True, max_size=9)),
            st.tuples(st.just("remap")),
        ),
        max_size=40,
    )
)
@settings(max_examples=150, deadline=None)
def test_slot_map_behaves_like_a_dict(ops: list[tuple[object, ...]]) -> None:
    slotmap_module.RECENT_MIN, saved = 2, slotmap_module.RECENT_MIN
    try:
        _check_slot_map(ops)
    finally:
        slotmap_module.RECENT_MIN = saved


def _check_slot_map(ops: list[tuple[object, ...]]) -> None:
    slots, model = SlotMap(), {}
    for step, op in enumerate(ops):
        if op[0] == "set":
            pid, slot = int(str(op[1])), int(str(op[2]))
            slots.set(pid, slot)
            model[pid] = slot
        elif op[0] == "pop":
            pid = int(str(op[1]))
            if pid in model:
                assert slots.pop(pid) == model.pop(pid)
            else:
                with pytest.raises(KeyError):
                    slots.pop(pid)
        elif op[0] == "set_many":
            fresh = [p for p in op[1] if p not in model]  # type: ignore[attr-defined]
            values = [1000 + step * 100 + i for i in range(len(fresh))]
            slots.set_many(np.array(fresh, dtype=np.int64), np.array(values, dtype=np.int64))
            model.update(zip(fresh, values, strict=True))
        else:  # renumber every slot, as a compaction does
            slots.remap(np.arange(10_000, dtype=np.int64) // 2)
            model = {pid: slot // 2 for pid, slot in model.items()}
        assert len(slots) == len(model)
        probe = np.arange(-6, 62, dtype=np.int64)
        assert slots.lookup(probe).tolist() == [model.get(int(p), -1) for p in probe]
        ids, values = slots.items()
        assert dict(zip(ids.tolist(), values.tolist(), strict=True)) == model
        assert all((p in slots) == (p in model) for p in range(-6, 62))


def test_a_scope_filter_allowing_every_scope_present_still_filters_new_ones() -> None:
    index = BM25Index()
    docs = (["vote", "tax", "harbour"][: 2 + (i % 50 == 0)] for i in range(600))
    index.add_many((i, doc, PassageMeta()) for i, doc in enumerate(docs))
    everyone = PassageFilter(scopes=frozenset({0}))
    assert index.search(["harbour"], 5, everyone) == index.search(["harbour"], 5)
    index.add(1000, ["harbour", "harbour"], scope=77)
    assert index.search(["harbour"], 1)[0].passage_id == 1000
    assert 1000 not in {h.passage_id for h in index.search(["harbour"], 700, everyone)}
    guild = PassageFilter(scopes=frozenset({0, 77}))
    assert index.search(["harbour"], 1, guild)[0].passage_id == 1000
