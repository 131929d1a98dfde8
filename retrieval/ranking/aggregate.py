"""From ranked passages to ranked articles.

An article matches through its best passage; whether its other passages should add
to that is an empirical question (they carry extra evidence, but every passage is
ranked together with the article's title, so a sum also counts the title again). The
score is a geometric mix over the article's best passages:
``s1 + decay * s2 + decay**2 * s3 ...`` up to ``depth`` passages, so decay 0 is the
best passage alone and decay 1 a plain sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retrieval.index import Hit


def aggregate_articles(
    hits: Sequence[Hit],
    article_of: Callable[[int], int],
    k: int,
    *,
    decay: float = 0.0,
    depth: int = 1,
) -> list[tuple[int, float]]:
    """``k`` (article id, score) pairs, best first; ties keep the order of best passages.

    ``hits`` must be best first; passages below an article's ``depth`` best are ignored.
    """
    scores: dict[int, float] = {}
    seen: dict[int, int] = {}
    for hit in hits:
        article = article_of(hit.passage_id)
        rank = seen.get(article, 0)
        if rank >= depth:
            continue
        seen[article] = rank + 1
        contribution = hit.score if rank == 0 else hit.score * decay**rank
        scores[article] = scores.get(article, 0.0) + contribution
    # sorted() is stable: equal scores stay in first-appearance (best passage) order.
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return ranked[:k]
