"""Restricting a search to some passages, vectorised over the per-slot columns."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from retrieval.index.columns import Columns
    from retrieval.index.slotmap import SlotMap


@dataclass(frozen=True)
class PassageFilter:
    """Which passages a search may return; ``None`` fields do not restrict, fields AND."""

    scopes: frozenset[int] | None = None  # scope ids: 0 = global, else a Discord guild id
    sources: frozenset[int] | None = None  # source ids
    since: int | None = None  # published (epoch seconds) >= since
    until: int | None = None  # published < until
    articles: frozenset[int] | None = None  # article ids

    def is_open(self) -> bool:
        """True when nothing is restricted."""
        return (
            self.scopes is None
            and self.sources is None
            and self.since is None
            and self.until is None
            and self.articles is None
        )


# What ``BM25Index.search`` accepts as ``allowed``: passage ids, a filter, or a predicate.
Allowed: TypeAlias = Collection[int] | PassageFilter | Callable[[int], bool] | None
# Slot numbers: int32 as stored in the postings, or numpy's index type.
SlotArray: TypeAlias = NDArray[np.signedinteger[Any]]
# Which slots may be returned (live, allowed); None admits every slot.
Admit: TypeAlias = Callable[[SlotArray], NDArray[np.bool_]] | None


def _member(values: NDArray[np.int64], allowed: frozenset[int]) -> NDArray[np.bool_]:
    if not allowed:
        return np.zeros(len(values), dtype=bool)
    return np.isin(values, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))


def filter_mask(spec: PassageFilter, columns: Columns, slots: SlotArray) -> NDArray[np.bool_]:
    """Which of ``slots`` pass ``spec`` (liveness is checked by the caller)."""
    keep = np.ones(len(slots), dtype=bool)
    if spec.scopes is not None:
        keep &= _member(columns.scope[slots], spec.scopes)
    if spec.sources is not None:
        keep &= _member(columns.source[slots], spec.sources)
    if spec.articles is not None:
        keep &= _member(columns.article[slots], spec.articles)
    if spec.since is not None:
        keep &= columns.published[slots] >= spec.since
    if spec.until is not None:
        keep &= columns.published[slots] < spec.until
    return keep


def slot_set_mask(allowed_slots: NDArray[np.int64], slots: SlotArray) -> NDArray[np.bool_]:
    """Which of ``slots`` are in the sorted array ``allowed_slots``."""
    if len(allowed_slots) == 0:
        return np.zeros(len(slots), dtype=bool)
    pos = np.searchsorted(allowed_slots, slots)
    pos[pos == len(allowed_slots)] = 0
    return np.asarray(allowed_slots[pos] == slots)


def admission(
    allowed: Allowed, columns: Columns, slot_map: SlotMap, *, dead: bool, scopes: set[int]
) -> Admit:
    """A vectorised test of which slots are live and allowed; None when all are.

    ``scopes`` holds every scope passages were added with: a filter allowing them all
    has nothing to reject by scope, so its scope test is skipped (the common case of an
    index holding global passages only).
    """
    alive = columns.alive
    if isinstance(allowed, PassageFilter):
        if allowed.scopes is not None and scopes <= allowed.scopes:
            allowed = dataclasses.replace(allowed, scopes=None)
        if not allowed.is_open():
            spec = allowed
            return lambda slots: alive[slots] & filter_mask(spec, columns, slots)
    elif isinstance(allowed, Collection):
        wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        found = slot_map.lookup(wanted)
        allowed_slots = np.unique(found[found >= 0])
        return lambda slots: alive[slots] & slot_set_mask(allowed_slots, slots)
    if dead:
        return lambda slots: np.asarray(alive[slots])
    return None
