"""The engines ``bench_index.py`` compares: ours, rank_bm25, bm25s, tantivy, SQLite FTS5.

Every peer indexes the same token lists (our tokenizer's output) and answers the same
token-list queries, so the comparison is of ranking engines, not of tokenizers: tantivy
and FTS5 get the tokens joined by spaces and split them on whitespace only. A peer has
``name``, ``build(corpus)``, ``search(tokens, k)`` (timed) and ``resolve(result)``
(untimed: turns whatever ``search`` returned into passage numbers for comparison).
Scoring formulas differ (tantivy and FTS5: k1 = 1.2 and Lucene's idf; bm25s:
Robertson's idf clipped at zero), so only ours is expected to equal rank_bm25.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.index import BM25Index, PassageMeta

Corpus = Sequence[Sequence[str]]
Result = list[tuple[int, float]]
# Writer memory tantivy may use before it writes a segment (its own default is 50 MB
# per thread; more makes fewer, larger segments, as a bulk load would use).
TANTIVY_HEAP = 512_000_000
# FTS5 inserts per transaction while building.
FTS5_BATCH = 50_000


class Peer(Protocol):
    name: str

    def build(self, corpus: Corpus) -> None: ...

    def search(self, tokens: Sequence[str], k: int) -> Result: ...

    def resolve(self, result: Result) -> Result: ...


def top_k(scores: np.ndarray, k: int) -> Result:
    """The k best (index, score) of a dense score array, best first (argpartition)."""
    top = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top]


class OursPeer:
    """retrieval.index.BM25Index, built with add_many."""

    name = "ours"

    def build(self, corpus: Corpus) -> None:
        meta = PassageMeta()
        self.index = BM25Index()
        self.index.add_many((i, tokens, meta) for i, tokens in enumerate(corpus))

    def search(self, tokens: Sequence[str], k: int) -> Result:
        return [(h.passage_id, h.score) for h in self.index.search(tokens, k)]

    def resolve(self, result: Result) -> Result:
        return result


class RankBM25Peer:
    """The reference: rank_bm25's BM25Okapi, full get_scores then top-k."""

    name = "rank_bm25"

    def build(self, corpus: Corpus) -> None:
        from rank_bm25 import BM25Okapi

        self._bm25 = BM25Okapi(corpus)

    def search(self, tokens: Sequence[str], k: int) -> Result:
        """What a rank_bm25 user does: score everything, then take the top k."""
        return top_k(self._bm25.get_scores(tokens), k)

    def resolve(self, result: Result) -> Result:
        return result

    def reference(self, tokens: Sequence[str], k: int) -> Result:
        """The exact expected answer (untimed): passages holding a query term, ties by id."""
        scores = self._bm25.get_scores(tokens)
        hit = np.zeros(len(scores), dtype=bool)
        for term in set(tokens):
            hit |= np.fromiter((term in d for d in self._bm25.doc_freqs), dtype=bool)
        ids = np.flatnonzero(hit)
        order = np.lexsort((ids, -scores[ids]))[:k]
        return [(int(ids[i]), float(scores[ids[i]])) for i in order]


class Bm25sPeer:
    """bm25s (Robertson variant, k1 = 1.5, b = 0.75): its sparse score matrix summed over
    the query terms, then argpartition; its own ``retrieve`` is slower."""

    name = "bm25s"

    def build(self, corpus: Corpus) -> None:
        import bm25s

        self._bm25 = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
        self._bm25.index([list(doc) for doc in corpus], show_progress=False)

    def search(self, tokens: Sequence[str], k: int) -> Result:
        return top_k(self._bm25.get_scores(list(tokens) or [""]), k)

    def resolve(self, result: Result) -> Result:
        return result


class TantivyPeer:
    """tantivy (Rust, Lucene-like), on disk, whitespace tokenizer, OR of term queries."""

    name = "tantivy"

    def build(self, corpus: Corpus) -> None:
        import tantivy

        self._tantivy = tantivy
        self._dir = Path(tempfile.mkdtemp(prefix="bench-tantivy-"))
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        builder.add_integer_field("id", stored=True)
        self._schema = builder.build()
        index = tantivy.Index(self._schema, path=str(self._dir))
        writer = index.writer(TANTIVY_HEAP, 0)
        for i, tokens in enumerate(corpus):
            writer.add_document(tantivy.Document(body=" ".join(tokens), id=i))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        self._searcher = index.searcher()

    def search(self, tokens: Sequence[str], k: int) -> Result:
        tantivy = self._tantivy
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, "body", token))
                for token in tokens
            ]
        )
        # count=False: counting every match would turn off tantivy's block-max pruning.
        hits = self._searcher.search(query, k, count=False).hits
        return [(_address(a), float(score)) for score, a in hits]

    def resolve(self, result: Result) -> Result:
        tantivy = self._tantivy
        out = []
        for address, score in result:
            doc = self._searcher.doc(tantivy.DocAddress(address >> 32, address & 0xFFFFFFFF))
            out.append((int(doc["id"][0]), score))
        return out

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def _address(address: Any) -> int:
    return int(address.segment_ord) << 32 | int(address.doc)


class Fts5Peer:
    """SQLite FTS5 ``bm25()`` over the tokens joined by spaces, in a file database.

    The tokenizer keeps punctuation and symbols inside tokens, so only whitespace
    separates them, as in the token lists.
    """

    name = "fts5"

    def build(self, corpus: Corpus) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="bench-fts5-"))
        self._db = sqlite3.connect(self._dir / "fts.db")
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = "
            "\"unicode61 remove_diacritics 0 categories 'L* N* Co M* P* S*'\")"
        )
        for start in range(0, len(corpus), FTS5_BATCH):
            rows = (
                (i, " ".join(corpus[i])) for i in range(start, min(len(corpus), start + FTS5_BATCH))
            )
            with self._db:
                self._db.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)", rows)
        with self._db:
            self._db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    def search(self, tokens: Sequence[str], k: int) -> Result:
        if not tokens:
            return []
        match = " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens)
        rows = self._db.execute(
            "SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
            (match, k),
        ).fetchall()
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def resolve(self, result: Result) -> Result:
        return result

    def close(self) -> None:
        self._db.close()
        shutil.rmtree(self._dir, ignore_errors=True)
