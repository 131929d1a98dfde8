"""The BM25 inverted index: incremental, filterable, snapshot-able, rank_bm25-exact."""

from retrieval.index.bm25 import BM25Index
from retrieval.index.filters import PassageFilter
from retrieval.index.types import Hit, PassageMeta, as_hits

__all__ = ["BM25Index", "Hit", "PassageFilter", "PassageMeta", "as_hits"]
