"""Saving and loading snapshots, and refusing damaged ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import retrieval.index.bm25 as bm25_module
from retrieval.errors import IndexSnapshotError
from retrieval.index import BM25Index, PassageFilter, PassageMeta
from tests.retrieval.index.bm25_oracle import assert_matches_reference

DOCS = {
    10: ["korea", "russia", "talk", "talk"],
    11: ["korea", "trade"],
    12: ["seoul", "market", "trade"],
    13: [],
    14: ["한국", "국어"],
}


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> BM25Index:
    monkeypatch.setattr(bm25_module, "FLUSH_SLOTS", 2)  # several segments plus a tail
    idx = BM25Index(k1=1.2, b=0.7, epsilon=0.3)
    for pid, doc in DOCS.items():
        idx.add(pid, doc, article_id=pid // 2, scope=pid % 2, source=3, published=pid)
    idx.add(99, ["gone"])
    idx.remove(99)
    idx.position = 4242
    return idx


@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip_keeps_everything(index: BM25Index, tmp_path: Path, mmap: bool) -> None:
    before = index.search(["korea", "trade", "talk"], k=10)
    index.save(tmp_path / "snap")
    loaded = BM25Index.load(tmp_path / "snap", mmap=mmap)
    assert (loaded.k1, loaded.b, loaded.epsilon, loaded.position) == (1.2, 0.7, 0.3, 4242)
    assert loaded.search(["korea", "trade", "talk"], k=10) == before
    assert loaded.article_of(12) == 6
    scoped = loaded.search(["korea", "trade"], allowed=PassageFilter(scopes=frozenset({1})))
    assert [h.passage_id for h in scoped] == [11]
    assert_matches_reference(loaded, DOCS, ["korea", "한국", "trade", "unknown"])


def test_loaded_index_keeps_changing(index: BM25Index, tmp_path: Path) -> None:
    index.save(tmp_path / "snap")
    loaded = BM25Index.load(tmp_path / "snap")
    loaded.add(20, ["korea", "korea"])
    loaded.remove(10)
    loaded.add_many((30 + i, ["trade"], PassageMeta()) for i in range(3))
    docs = {**{k: v for k, v in DOCS.items() if k != 10}, 20: ["korea", "korea"]}
    docs.update({30 + i: ["trade"] for i in range(3)})
    assert_matches_reference(loaded, docs, ["korea", "trade"])


def test_saving_over_an_existing_snapshot_replaces_it(index: BM25Index, tmp_path: Path) -> None:
    path = tmp_path / "snap"
    index.save(path)
    index.remove(11)
    index.position = 5000
    index.save(path)
    loaded = BM25Index.load(path)
    assert 11 not in loaded and loaded.position == 5000
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no temporary leftovers


def test_empty_index_round_trip(tmp_path: Path) -> None:
    BM25Index().save(tmp_path / "snap")
    loaded = BM25Index.load(tmp_path / "snap")
    assert len(loaded) == 0 and loaded.search(["x"]) == []
    loaded.add(1, ["x"])
    assert [h.passage_id for h in loaded.search(["x"])] == [1]


def test_missing_snapshot(tmp_path: Path) -> None:
    with pytest.raises(IndexSnapshotError):
        BM25Index.load(tmp_path / "nothing-here")


def _saved(index: BM25Index, tmp_path: Path) -> Path:
    path = tmp_path / "snap"
    index.save(path)
    return path


def _edit_header(path: Path, **changes: object) -> None:
    header = json.loads((path / "header.json").read_text())
    header.update(changes)
    (path / "header.json").write_text(json.dumps(header))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: (p / "header.json").write_text("{not json"), id="header-garbage"),
        pytest.param(lambda p: _edit_header(p, version=999), id="other-version"),
        pytest.param(lambda p: _edit_header(p, format="something-else"), id="other-format"),
        pytest.param(lambda p: _edit_header(p, slots=3), id="slot-count"),
        pytest.param(lambda p: _edit_header(p, passages=1), id="passage-count"),
        pytest.param(lambda p: _edit_header(p, vocabulary=1), id="vocabulary-size"),
        pytest.param(lambda p: (p / "terms.json").write_text('["a", "a"]'), id="terms"),
        pytest.param(lambda p: (p / "col_passage.npy").unlink(), id="missing-array"),
        pytest.param(lambda p: (p / "df.npy").write_bytes(b"\x93NUMPY garbage"), id="bad-npy"),
        pytest.param(
            lambda p: (p / "seg0_slots.npy").write_bytes((p / "seg0_slots.npy").read_bytes()[:-4]),
            id="truncated-postings",
        ),
        pytest.param(
            lambda p: np.save(p / "seg0_ptr.npy", np.zeros(1, dtype=np.int64)), id="bad-offsets"
        ),
        pytest.param(
            lambda p: np.save(p / "col_doc_len.npy", np.zeros(3, dtype=np.float64)),
            id="wrong-dtype",
        ),
    ],
)
def test_damaged_snapshots_are_refused(index: BM25Index, tmp_path: Path, damage: object) -> None:
    path = _saved(index, tmp_path)
    damage(path)  # type: ignore[operator]
    with pytest.raises(IndexSnapshotError):
        BM25Index.load(path)
