"""An incremental BM25Okapi inverted index whose scores equal rank_bm25's exactly.

Layout (Lucene-like): a term dictionary (str -> term id) and global document
frequencies; immutable CSR segments over contiguous slot ranges plus a small mutable
pending tail; per-slot numpy columns (length, passage id, metadata, liveness). Removal
marks the slot dead and decrements the document frequencies from the forward index;
dead postings are dropped when segments merge, and dead slots when the index compacts.

Statistics are rank_bm25's over the live passages: idf = log(N - df + 0.5) -
log(df + 0.5), negative idfs replaced by epsilon * (mean raw idf over every term with
df > 0), avgdl over all live passages. Derived values are recomputed lazily after a
change. Not safe for concurrent use without the internal lock, which every public
method takes.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import islice
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrieval.index.buffers import Buffers
from retrieval.index.build import build_segment, forward_of, invert
from retrieval.index.columns import Columns
from retrieval.index.filters import Admit, Allowed, PassageFilter, admission
from retrieval.index.impacts import ImpactTable
from retrieval.index.pending import Pending
from retrieval.index.prune import search_pruned
from retrieval.index.search import (
    Candidates,
    QueryPlan,
    ScoringView,
    accumulate,
    lookup,
    make_plan,
    ranked_lists,
    ranked_with_predicate,
    sorted_scores,
)
from retrieval.index.segments import Segment, merge_segments, merge_tail
from retrieval.index.slotmap import SlotMap
from retrieval.index.snapshot import load_snapshot, save_snapshot
from retrieval.index.top import accumulate_top, prefer_top
from retrieval.index.types import Hit, PassageMeta, as_hits, meta_rows

# Pending passages written out as one segment once this many slots accumulate.
FLUSH_SLOTS = 4096
# add_many builds segments of at most this many passages, twice what a merge may make
# (``segments.MAX_MERGED_SLOTS``): a build holds no second copy of its input, and a
# million-passage load peaks at about 0.9 GB as one segment, the fastest to search.
BULK_CHUNK = 1 << 20
# add_many batches smaller than this go through the pending tail instead.
BULK_MIN = 512
# Compact (renumber slots) when dead slots exceed both this count and the live count.
COMPACT_MIN_DEAD = 1024


class _TermIds(dict[str, int]):
    """Term -> id; indexing an unknown term assigns the next id (lookups use ``get``)."""

    def __missing__(self, term: str) -> int:
        tid = len(self)
        self[term] = tid
        return tid


class BM25Index:
    """BM25Okapi over passages, with incremental add/remove, filters and snapshots."""

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        self.k1, self.b, self.epsilon = float(k1), float(b), float(epsilon)
        self.position = 0  # change-log position of the owner; saved with snapshots
        # The owner's tokenizer signature; saved with snapshots, so that an index built
        # with other terms is rebuilt rather than searched with mismatched ones.
        self.analysis = ""
        self._lock = threading.RLock()
        self._vocab = _TermIds()
        self._df = np.zeros(1024, dtype=np.int64)
        self._columns = Columns()
        self._slot_of = SlotMap()
        self._segments: list[Segment] = []
        self._pending = Pending(0)
        self._impacts = ImpactTable()
        self._total_len = 0
        self._dead = 0
        self._idf_floor: float | None = None  # epsilon * average idf; None when stale
        # idf of the terms queried since the statistics last changed (queries repeat
        # terms; each lookup otherwise reads numpy scalars and takes two logarithms).
        self._idf_known: dict[int, float] = {}
        # Every scope passages were added with (kept after removals: a superset). When a
        # filter allows them all, its scope test is skipped: it cannot reject anything.
        self._scope_values: set[int] = set()
        self._buffers = Buffers()

    # ----------------------------------------------------------------- inspection
    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, passage_id: object) -> bool:
        return passage_id in self._slot_of

    def passage_ids(self) -> list[int]:
        """Ids of the passages in the index, in insertion order."""
        with self._lock:
            ids, slots = self._slot_of.items()
            ordered: list[int] = ids[np.argsort(slots)].tolist()
            return ordered

    def article_of(self, passage_id: int) -> int:
        """The article id a passage was added with; KeyError when absent."""
        with self._lock:
            return int(self._columns.article[self._slot_of[passage_id]])

    def idf(self, term: str) -> float:
        """The idf rank_bm25 would use for ``term`` (0.0 when no passage has it)."""
        with self._lock:
            tid = self._vocab.get(term)
            return self._term_idf(tid) if tid is not None else 0.0

    def doc_share(self, term: str) -> float:
        """The share of the passages holding ``term`` (0.0 when none or empty)."""
        with self._lock:
            tid = self._vocab.get(term)
            n = len(self._slot_of)
            return int(self._df[tid]) / n if tid is not None and n else 0.0

    # ------------------------------------------------------------------- changes
    def add(
        self,
        passage_id: int,
        tokens: Sequence[str],
        *,
        article_id: int = 0,
        scope: int = 0,
        source: int = 0,
        published: int = 0,
    ) -> None:
        """Add a passage; re-adding an existing id replaces it."""
        with self._lock:
            if passage_id in self._slot_of:
                self._remove(passage_id)
            counts = Counter(map(self._vocab.__getitem__, tokens))
            self._grow_df()
            terms = np.fromiter(counts, dtype=np.int64, count=len(counts))
            self._df[terms] += 1
            meta = np.array([[article_id, scope, source, published]], dtype=np.int64)
            lengths = np.array([len(tokens)], dtype=np.int64)
            slot = self._columns.append(lengths, np.array([passage_id], dtype=np.int64), meta)
            self._slot_of.set(passage_id, slot)
            self._scope_values.add(scope)
            self._total_len += len(tokens)
            self._pending.add(slot, dict(counts))
            self._stats_changed()
            if self._pending.slot_count >= FLUSH_SLOTS:
                self._flush()

    def add_many(self, items: Iterable[tuple[int, Sequence[str], PassageMeta]]) -> None:
        """Add many passages (later duplicates replace earlier ones), vectorised in bulk."""
        iterator = iter(items)
        with self._lock:
            while chunk := list(islice(iterator, BULK_CHUNK)):
                if len(chunk) < BULK_MIN:
                    for pid, tokens, meta in chunk:
                        self.add(
                            pid,
                            tokens,
                            article_id=meta.article_id,
                            scope=meta.scope,
                            source=meta.source,
                            published=meta.published,
                        )
                else:
                    self._add_bulk(chunk)

    def remove(self, passage_id: int) -> bool:
        """Remove a passage; False when it is not in the index."""
        with self._lock:
            if passage_id not in self._slot_of:
                return False
            self._remove(passage_id)
            self._maybe_compact()
            return True

    def remove_article(self, article_id: int) -> int:
        """Remove every passage of an article; returns how many were removed."""
        with self._lock:
            n = self._columns.size
            hits = (self._columns.article[:n] == article_id) & self._columns.alive[:n]
            slots = np.flatnonzero(hits)
            for pid in self._columns.passage[slots].tolist():
                self._remove(pid)
            self._maybe_compact()
            return len(slots)

    # -------------------------------------------------------------------- search
    def search(
        self, query_tokens: Sequence[str], k: int = 10, allowed: Allowed = None
    ) -> list[Hit]:
        """The ``k`` best passages holding a query term, best first, ties by id."""
        return as_hits(*self.ranked_ids(query_tokens, k, allowed))

    def ranked_ids(
        self, query_tokens: Sequence[str], k: int = 10, allowed: Allowed = None
    ) -> tuple[list[int], list[float]]:
        """``search`` as (passage ids, scores): a caller that needs the ids of a large
        pool (feedback) does not pay for a ``Hit`` per passage."""
        if k <= 0:
            return [], []
        with self._lock:
            return self._ranked(self._query_terms(query_tokens), k, allowed)

    def weighted_ids(
        self, weights: Mapping[str, float], k: int = 10, allowed: Allowed = None
    ) -> tuple[list[int], list[float]]:
        """The ``k`` best passages for a weighted query, as ``ranked_ids``: a passage's
        score is the sum over the terms, in the mapping's order, of (weight * idf) times
        the term's BM25 term-frequency factor in it (weights of 1 give plain BM25 up to
        rounding). Unknown terms and terms weighted 0 or less are left out."""
        if k <= 0:
            return [], []
        with self._lock:
            return self._ranked(self._weighted_terms(weights), k, allowed)

    def weighted_scores(
        self, weights: Mapping[str, float], passage_ids: Sequence[int]
    ) -> NDArray[np.float64]:
        """The scores ``weighted_ids`` gives the given passages, bit for bit."""
        with self._lock:
            distinct, inverse = self._slot_of.distinct_slots(passage_ids)
            view = self._view()
            plan = make_plan(view, self._weighted_terms(weights))
            scores = sorted_scores(view, plan, distinct, self._scratch_buffer())
            return np.asarray(scores[inverse])

    def _ranked(
        self, terms: list[tuple[int, float]], k: int, allowed: Allowed
    ) -> tuple[list[int], list[float]]:
        """The best ``k`` for (term id, factor) pairs; the caller holds the lock."""
        if not terms:
            return [], []
        view = self._view()
        plan = make_plan(view, terms)
        passage = self._columns.passage
        if allowed is not None and not isinstance(allowed, PassageFilter | Collection):
            cand = self._admitted(accumulate(view, plan, self._scratch_buffer()), None)
            slots, scores = ranked_with_predicate(cand, passage, k, allowed)
            return [int(passage[s]) for s in slots], list(scores)
        cand = self._candidates(view, plan, k, allowed)
        return ranked_lists(cand, passage, k)

    def _candidates(
        self, view: ScoringView, plan: QueryPlan, k: int, allowed: Allowed
    ) -> Candidates:
        """Admitted candidates holding the top ``k``: every posting added up and only
        the slots that can make the top ``k`` read back, or MaxScore pruning for
        queries with so many postings that skipping some pays (``prefer_top``), where
        it applies (two terms or more, every idf above a floor)."""
        admit = self._admission(allowed)
        size = self._columns.size
        if not prefer_top(plan, size):
            pruned = search_pruned(view, plan, self._scratch_buffer(), k, admit)
            if pruned is not None:
                return pruned
        sums = self._buffers.sums(self._columns.capacity, size)
        work = self._buffers.work(max(plan.postings))
        return accumulate_top(view, plan, sums, work, k, self._live(admit))

    def _live(self, admit: Admit) -> Admit:
        """``admit``, or the liveness test when it is None and some slots are dead."""
        if admit is not None or not self._dead:
            return admit
        alive = self._columns.alive
        return lambda slots: np.asarray(alive[slots])

    def get_scores(
        self, query_tokens: Sequence[str], passage_ids: Sequence[int]
    ) -> NDArray[np.float64]:
        """BM25 scores of the given passages (KeyError for an id not in the index)."""
        with self._lock:
            distinct, inverse = self._slot_of.distinct_slots(passage_ids)
            view = self._view()
            plan = make_plan(view, self._query_terms(query_tokens))
            scores = sorted_scores(view, plan, distinct, self._scratch_buffer())
            return np.asarray(scores[inverse])

    def holds_terms(self, passage_id: int, terms: Iterable[str]) -> bool:
        """Whether the passage holds every one of ``terms`` (False for a passage not in
        the index), read from its forward index: deciding on feedback this way reads and
        tokenises no text."""
        with self._lock:
            slot = self._slot_of.get(passage_id)
            if slot is None:
                return False
            wanted = [self._vocab.get(term) for term in set(terms)]
            if None in wanted:
                return False
            if slot >= self._pending.base:
                held: Collection[int] = self._pending.docs[slot].keys()
            else:
                held = set(self._segment_of(slot).doc_terms(slot).tolist())
            return all(term in held for term in wanted)

    def term_scores(self, terms: Sequence[str], passage_ids: Sequence[int]) -> NDArray[np.float64]:
        """Row ``i``: ``get_scores([terms[i]], passage_ids)`` (zeros for an unknown term),
        all located in one pass: a weighted query scores each of its terms on one pool."""
        out = np.zeros((len(terms), len(passage_ids)), dtype=np.float64)
        if not passage_ids:
            return out
        with self._lock:
            distinct, inverse = self._slot_of.distinct_slots(passage_ids)
            known = [(i, self._query_terms([term])) for i, term in enumerate(terms)]
            rows = [i for i, found in known if found]
            if not rows:
                return out
            view = self._view()
            plan = make_plan(view, [found[0] for _, found in known if found])
            scratch = self._scratch_buffer()
            # ``plan.sequence`` gives each known term's place among the distinct ones.
            for j, row in zip(plan.sequence, rows, strict=True):
                out[row] = (plan.idf[j] * lookup(view, plan, j, distinct, scratch))[inverse]
            return out

    # ------------------------------------------------------------- persistence
    def save(self, path: Path) -> None:
        """Write a snapshot directory atomically (temporary directory, then rename)."""
        with self._lock:
            self._flush()
            save_snapshot(self, Path(path))

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> BM25Index:
        """Open a snapshot; IndexSnapshotError when missing, corrupt or of another version."""
        return load_snapshot(cls, Path(path), mmap=mmap)

    # ---------------------------------------------------------------- internals
    def _avgdl(self) -> float:
        return self._total_len / len(self._slot_of)

    def _view(self) -> ScoringView:
        # No passage holds a term (none, or all empty): nothing is scored, and any
        # positive avgdl will do (rank_bm25 itself would divide by zero here).
        avgdl = self._avgdl() if self._slot_of and self._total_len > 0 else 1.0
        return ScoringView(
            segments=self._segments,
            pending=self._pending,
            weights=self._impacts.weights(self.k1, self.b, avgdl),
            doc_len=self._columns.doc_len,
            k1=self.k1,
            b=self.b,
            avgdl=avgdl,
        )

    def _scratch_buffer(self) -> NDArray[np.float64]:
        return self._buffers.scratch(self._columns.capacity)

    def _query_terms(self, query_tokens: Sequence[str]) -> list[tuple[int, float]]:
        """(term id, idf) per query token in order, unknown terms left out (they add 0)."""
        out = []
        known = self._idf_known
        for token in query_tokens:
            tid = self._vocab.get(token)
            if tid is None:
                continue
            idf = known.get(tid)
            if idf is None:
                if self._df[tid] <= 0:
                    continue
                idf = known[tid] = self._term_idf(tid)
            out.append((tid, idf))
        return out

    def _weighted_terms(self, weights: Mapping[str, float]) -> list[tuple[int, float]]:
        """(term id, weight * idf) per positively weighted known term, in order."""
        out = []
        for term, weight in weights.items():
            found = self._query_terms([term]) if weight > 0 else []
            if found:
                out.append((found[0][0], weight * found[0][1]))
        return out

    def _stats_changed(self) -> None:
        """Forget what was derived from N, the document frequencies and the idfs."""
        self._idf_floor = None
        self._idf_known.clear()

    def _term_idf(self, tid: int) -> float:
        df = int(self._df[tid])
        if df == 0:
            return 0.0
        n = len(self._slot_of)
        idf = math.log(n - df + 0.5) - math.log(df + 0.5)
        return idf if idf >= 0 else self._floor()

    def _floor(self) -> float:
        if self._idf_floor is None:
            df = self._df[: len(self._vocab)]
            df = df[df > 0].astype(np.float64)
            n = float(len(self._slot_of))
            raw = np.log(n - df + 0.5) - np.log(df + 0.5)
            self._idf_floor = self.epsilon * (float(raw.sum()) / len(raw))
        return self._idf_floor

    def _admission(self, allowed: Allowed) -> Admit:
        return admission(
            allowed, self._columns, self._slot_of, dead=self._dead > 0, scopes=self._scope_values
        )

    def _admitted(self, cand: Candidates, admit: Admit) -> Candidates:
        """The candidates ``admit`` lets through (only live ones when it is None)."""
        if admit is None and self._dead:
            keep = self._columns.alive[cand.slots]
        elif admit is not None:
            keep = admit(cand.slots)
        else:
            return cand
        return cand if keep.all() else Candidates(cand.slots[keep], cand.scores[keep])

    def _grow_df(self) -> None:
        if len(self._vocab) > len(self._df):
            grown = np.zeros(max(len(self._vocab), 2 * len(self._df)), dtype=np.int64)
            grown[: len(self._df)] = self._df
            self._df = grown

    def _remove(self, passage_id: int) -> None:
        slot = self._slot_of.pop(passage_id)
        self._columns.alive[slot] = False
        self._total_len -= int(self._columns.doc_len[slot])
        self._dead += 1
        if slot >= self._pending.base:
            terms = np.fromiter(self._pending.remove(slot), dtype=np.int64)
        else:
            terms = self._segment_of(slot).doc_terms(slot).astype(np.int64)
        self._df[terms] -= 1
        self._stats_changed()

    def _segment_of(self, slot: int) -> Segment:
        lo, hi = 0, len(self._segments)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._segments[mid].base <= slot:
                lo = mid
            else:
                hi = mid
        return self._segments[lo]

    def _flush(self) -> None:
        """Write the pending tail out as a segment."""
        pending = self._pending
        if pending.slot_count == 0:
            return
        fwd_ptr, fwd_terms, fwd_tf = pending.forward()
        doc_len = self._columns.doc_len[pending.base : pending.end].astype(np.int64)
        segment = build_segment(pending.base, fwd_ptr, fwd_terms, fwd_tf, doc_len, self._impacts)
        self._pending = Pending(pending.end)
        self._append_segment(segment)

    def _add_bulk(self, chunk: list[tuple[int, Sequence[str], PassageMeta]]) -> None:
        """Build one segment from many passages at once (the pending tail is flushed first).

        Empties ``chunk`` as soon as its contents are copied out, to free memory early.
        """
        self._flush()
        pids = np.fromiter((item[0] for item in chunk), dtype=np.int64, count=len(chunk))
        metas = meta_rows([item[2] for item in chunk])
        token_lists = [item[1] for item in chunk]
        chunk.clear()  # the caller's tuples: a million of them weigh 100 MB
        known = np.unique(pids[self._slot_of.lookup(pids) >= 0])
        for pid in known.tolist():
            self._remove(pid)
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(pids))
        forward = forward_of(token_lists, lengths, self._vocab.__getitem__, self._impacts)
        del token_lists
        self._grow_df()
        self._df[: len(self._vocab)] += np.bincount(forward.terms, minlength=len(self._vocab))
        self._scope_values.update(np.unique(metas[:, 1]).tolist())
        base = self._columns.append(lengths, pids, metas)
        segment = invert(base, forward, self._impacts)
        del forward
        self._pending = Pending(segment.end)
        self._total_len += int(lengths.sum())
        self._append_segment(segment)
        slots = np.arange(base, base + len(pids), dtype=np.int64)
        if len(np.unique(pids)) == len(pids):
            self._slot_of.set_many(pids, slots)
        else:
            for pid, slot in zip(pids.tolist(), slots.tolist(), strict=True):
                if pid in self._slot_of:  # a duplicate within the chunk: the later one wins
                    self._remove(pid)
                self._slot_of.set(pid, slot)
        self._stats_changed()
        self._maybe_compact()

    def _append_segment(self, segment: Segment) -> None:
        self._segments.append(segment)
        merge_tail(self._segments, self._columns.alive, FLUSH_SLOTS)

    def _maybe_compact(self) -> None:
        """Renumber slots without the dead ones once they outnumber the live ones.

        Segments are rewritten one at a time, so the extra memory is one segment's.
        """
        if self._dead <= max(COMPACT_MIN_DEAD, len(self._slot_of)):
            return
        self._flush()
        alive = self._columns.alive[: self._columns.size].copy()
        remap = self._columns.compact()
        compacted = []
        for seg in self._segments:
            live_before = int(np.count_nonzero(alive[: seg.base]))
            merged = merge_segments([seg], alive, remap, base=live_before)
            if merged.end > merged.base:
                compacted.append(merged)
        self._segments = compacted
        self._pending = Pending(self._columns.size)
        self._slot_of.remap(remap)
        self._dead = 0
