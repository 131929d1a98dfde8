"""Passage tokens for the ranking switches, read from the database.

The index keeps statistics, not text, so feedback and proximity re-tokenise the few
passages they look at, exactly as indexing tokenised them (title plus passage text),
so that their terms are the index's terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from retrieval.index.catch_up import ranking_text
from retrieval.index.tokenizer import Tokenizer
from retrieval.ranking.feedback import PassageTokens
from retrieval.store.models import Article, Passage

# Built once, the ids an expanding parameter: building it per call cost about as much
# as running it.
_PASSAGE_TEXTS = (
    select(Passage.id, Article.title, Passage.text)
    .join(Article, Passage.article_id == Article.id)
    .where(Passage.id.in_(bindparam("ids", expanding=True)))
)


def session_passage_tokens(session: Session, tokenizer: Tokenizer) -> PassageTokens:
    """A PassageTokens reading passages through ``session`` (valid while it is open)."""

    def fetch(passage_ids: Sequence[int]) -> Mapping[int, Sequence[str]]:
        if not passage_ids:
            return {}
        rows = session.execute(_PASSAGE_TEXTS, {"ids": list(passage_ids)}).all()
        return {pid: tokenizer.tokenize(ranking_text(title, text)) for pid, title, text in rows}

    return fetch
