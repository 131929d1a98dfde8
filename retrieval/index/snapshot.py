"""Index snapshots: a directory of .npy arrays plus a JSON header and vocabulary.

The arrays are written as plain .npy files so that a load can memory-map the postings
(the bulk of the index) and start in well under a second; only the per-slot columns,
the document frequencies and the term dictionary are read into memory, because they
change as passages are added and removed. A snapshot is written to a temporary
sibling directory and renamed into place, so a crash never leaves a half-written
snapshot under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from retrieval.errors import IndexSnapshotError
from retrieval.index.columns import COLUMN_DTYPES, Columns
from retrieval.index.impacts import ImpactTable
from retrieval.index.pending import Pending
from retrieval.index.search import distinct_sorted
from retrieval.index.segments import Segment
from retrieval.index.slotmap import SlotMap

if TYPE_CHECKING:
    from retrieval.index.bm25 import BM25Index

FORMAT = "newsbot-bm25"
VERSION = 1
HEADER = "header.json"
TERMS = "terms.json"
_SEGMENT_ARRAYS = ("terms", "ptr", "slots", "codes", "max_tf", "min_dl", "fwd_ptr", "fwd_terms")


def save_snapshot(index: BM25Index, path: Path) -> None:
    """Write ``index`` (whose pending tail is already flushed) to directory ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    tmp.mkdir(parents=True)
    try:
        _write(index, tmp)
        _replace_dir(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write(index: BM25Index, tmp: Path) -> None:
    arrays: dict[str, NDArray[Any]] = {
        "df": index._df[: len(index._vocab)],
        "impacts": index._impacts.keys,
    }
    for name, column in index._columns.arrays().items():
        arrays[f"col_{name}"] = column
    for i, seg in enumerate(index._segments):
        for name in _SEGMENT_ARRAYS:
            arrays[f"seg{i}_{name}"] = getattr(seg, name)
    for name, array in arrays.items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    (tmp / TERMS).write_text(json.dumps(list(index._vocab), ensure_ascii=False), "utf-8")
    header = {
        "format": FORMAT,
        "version": VERSION,
        "k1": index.k1,
        "b": index.b,
        "epsilon": index.epsilon,
        "position": index.position,
        "analysis": index.analysis,
        "passages": len(index),
        "slots": index._columns.size,
        "vocabulary": len(index._vocab),
        "total_len": index._total_len,
        "dead": index._dead,
        "segments": [[seg.base, seg.end] for seg in index._segments],
    }
    (tmp / HEADER).write_text(json.dumps(header), "utf-8")
    for file in tmp.iterdir():
        with file.open("rb") as handle:
            os.fsync(handle.fileno())


def _replace_dir(tmp: Path, path: Path) -> None:
    """Rename ``tmp`` to ``path``, replacing an existing snapshot directory."""
    if not path.exists():
        tmp.rename(path)
    else:
        old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex}")
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Persist renames in ``directory`` (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_snapshot(cls: type[BM25Index], path: Path, *, mmap: bool) -> BM25Index:
    """Read a snapshot directory; any defect raises IndexSnapshotError."""
    try:
        header = json.loads((path / HEADER).read_text("utf-8"))
        terms = json.loads((path / TERMS).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexSnapshotError(f"no index snapshot at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexSnapshotError(f"unreadable index snapshot at {path}: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise IndexSnapshotError(f"{path} is not an index snapshot")
    if header.get("version") != VERSION:
        raise IndexSnapshotError(
            f"index snapshot {path} has format version {header.get('version')!r}, "
            f"this program reads version {VERSION}"
        )
    try:
        return _restore(cls, path, header, terms, mmap=mmap)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexSnapshotError(f"corrupt index snapshot at {path}: {exc}") from None


def _restore(
    cls: type[BM25Index], path: Path, header: dict[str, Any], terms: list[str], *, mmap: bool
) -> BM25Index:
    def load(name: str, *, writable: bool = False) -> NDArray[Any]:
        mode: Literal["r"] | None = "r" if mmap and not writable else None
        array: NDArray[Any] = np.load(path / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
        # A plain ndarray view of the mapping: slicing a np.memmap costs microseconds of
        # Python per slice, and a search slices postings thousands of times.
        return array.view(np.ndarray)

    index = cls(k1=float(header["k1"]), b=float(header["b"]), epsilon=float(header["epsilon"]))
    index.position = int(header["position"])
    index.analysis = str(header.get("analysis", ""))
    n_slots, n_terms = int(header["slots"]), int(header["vocabulary"])
    if not isinstance(terms, list) or len(terms) != n_terms or len(set(terms)) != n_terms:
        raise ValueError("vocabulary does not match the header")
    columns = {name: load(f"col_{name}", writable=True) for name in COLUMN_DTYPES}
    for name, array in columns.items():
        _check(array, n_slots, COLUMN_DTYPES[name], f"column {name}")
    df = load("df", writable=True)
    _check(df, n_terms, np.int64, "df")
    index._vocab.update(zip(terms, range(n_terms), strict=True))
    index._df = df.copy()
    index._columns = Columns(columns)
    alive = index._columns.alive
    live = np.flatnonzero(alive)
    passage_ids = index._columns.passage[live]
    if len(distinct_sorted(passage_ids)) != len(live):
        raise ValueError("a passage id occupies two live slots")
    index._slot_of = SlotMap.from_arrays(passage_ids, live.astype(np.int64))
    if len(index._slot_of) != int(header["passages"]):
        raise ValueError("passage count does not match the header")
    index._scope_values = set(distinct_sorted(index._columns.scope).tolist())
    index._impacts = ImpactTable(load("impacts", writable=True))
    index._segments = [
        _segment(load, i, int(base), int(end), n_slots)
        for i, (base, end) in enumerate(header["segments"])
    ]
    index._pending = Pending(n_slots)
    index._total_len = int(header["total_len"])
    index._dead = int(header["dead"])
    return index


def _segment(load: Any, i: int, base: int, end: int, n_slots: int) -> Segment:
    """One segment's arrays, checked for shape and type (contents are not scanned, so
    that memory-mapped postings stay on disk until a query needs them)."""
    arrays = {name: load(f"seg{i}_{name}") for name in _SEGMENT_ARRAYS}
    if not 0 <= base <= end <= n_slots:
        raise ValueError(f"segment {i} slot range is invalid")
    postings = len(arrays["slots"])
    _check(arrays["ptr"], len(arrays["terms"]) + 1, np.int64, f"segment {i} ptr")
    _check(arrays["fwd_ptr"], end - base + 1, np.int64, f"segment {i} fwd_ptr")
    for name in ("max_tf", "min_dl"):
        _check(arrays[name], len(arrays["terms"]), np.int32, f"segment {i} {name}")
    for name in ("terms", "slots", "fwd_terms"):
        _check(arrays[name], len(arrays[name]), np.int32, f"segment {i} {name}")
    if len(arrays["codes"]) != postings or arrays["codes"].dtype.kind != "u":
        raise ValueError(f"segment {i} codes do not match its postings")
    ends_ok = arrays["ptr"][-1] == postings and arrays["fwd_ptr"][-1] == len(arrays["fwd_terms"])
    if not ends_ok:
        raise ValueError(f"segment {i} offsets do not match its arrays")
    return Segment(base=base, end=end, **arrays)


def _check(array: NDArray[Any], length: int, dtype: type[np.generic], what: str) -> None:
    if array.ndim != 1 or len(array) != length or array.dtype != np.dtype(dtype):
        raise ValueError(f"{what} has shape {array.shape} and type {array.dtype}")
