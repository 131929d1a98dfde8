"""The real news corpora of ``../shared/data`` as benchmark inputs, and their replication.

Passages are paragraph-packed (title prefixed), queries are 200 article titles (100 BBC
+ 100 Reuters, fixed seed). To reach 100k or 1M passages the ~30k real ones are
cycled with light variation, so that no two documents are identical:

* token level (``replicate_tokens``): copy ``r >= 1`` of passage ``i`` gets
  ``1 + (i + r) % 3`` extra tokens ``v<r>x<i % 97>``; each such token occurs in about
  300 passages (rare, never in a query), and the copies of one passage differ in
  length, so their BM25 scores differ too instead of tying;
* article level (``replicate_articles``): copy ``r >= 1`` gets the title suffix
  ``(copy r)``, a different external id and a last paragraph ``Copy r of this
  report.``, so the body hash differs and ingest stores it instead of refusing a
  duplicate (near-duplicate grouping still makes the copies one story, as it would
  for the same wire report on several sites).

Vocabulary hardly grows with N this way (a real 1M-passage corpus has a larger one).
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / ".." / "shared" / "data"
# Passage packing: paragraphs are joined until a passage has at least PACK_MIN words,
# and a paragraph that would push it past PACK_MAX starts a new one.
PACK_MIN, PACK_MAX = 140, 240
QUERY_SEED = 20240601
QUERIES_PER_SOURCE = 100
# Token-level variation: rare tokens per copy (see the module docstring).
VARIANT_GROUPS = 97
VARIANT_SPREAD = 3

Article = dict[str, str]


def load_articles() -> list[Article]:
    """Every article of the shared JSONL corpora, in file order."""
    files = sorted(DATA.glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"no corpora under {DATA}")
    articles: list[Article] = []
    for file in files:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            articles += [json.loads(line) for line in handle]
    return articles


def pack(article: Article) -> list[str]:
    """The article's passages: whole paragraphs, PACK_MIN..PACK_MAX words, title first."""
    paragraphs = [p.strip() for p in article["text"].split("\n\n") if p.strip()]
    passages: list[list[str]] = []
    current: list[str] = []
    words = 0
    for paragraph in paragraphs:
        size = len(paragraph.split())
        if current and (words >= PACK_MIN or words + size > PACK_MAX):
            passages.append(current)
            current, words = [], 0
        current.append(paragraph)
        words += size
    if current:
        # A short tail joins the previous passage when that stays within PACK_MAX.
        tail_fits = passages and words + sum(len(p.split()) for p in passages[-1]) <= PACK_MAX
        if words < PACK_MIN // 2 and tail_fits:
            passages[-1] += current
        else:
            passages.append(current)
    return [article["title"] + "\n\n" + "\n\n".join(p) for p in passages]


def pick_queries(articles: Sequence[Article]) -> list[str]:
    """200 titles: 100 BBC then 100 Reuters, drawn with a fixed seed."""
    rng = random.Random(QUERY_SEED)
    bbc = [a for a in articles if a["id"].startswith("bbc")]
    other = [a for a in articles if not a["id"].startswith("bbc")]
    chosen = rng.sample(bbc, QUERIES_PER_SOURCE) + rng.sample(other, QUERIES_PER_SOURCE)
    return [a["title"] for a in chosen]


def variant(tokens: list[str], i: int, copy: int) -> list[str]:
    """Copy ``copy`` of passage ``i`` (copy 0 is the passage itself)."""
    if copy == 0:
        return tokens
    extra = 1 + (i + copy) % VARIANT_SPREAD
    return tokens + [f"v{copy}x{i % VARIANT_GROUPS}"] * extra


def replicate_tokens(base: Sequence[list[str]], n: int) -> list[list[str]]:
    """``n`` token lists: the base ones, then varied copies, cycling."""
    size = len(base)
    return [variant(base[i % size], i % size, i // size) for i in range(n)]


def replicate_articles(articles: Sequence[Article], n: int) -> Iterator[Article]:
    """``n`` articles: the real ones, then varied copies that ingest stores as new."""
    size = len(articles)
    for i in range(n):
        article, copy = articles[i % size], i // size
        if copy == 0:
            yield article
            continue
        yield {
            **article,
            "id": f"{article['id']}-copy{copy}",
            "title": f"{article['title']} (copy {copy})",
            "text": f"{article['text']}\n\nCopy {copy} of this report.",
        }
