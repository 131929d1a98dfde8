"""Turning ranked stories into what people read: cited key sentences and snippets.

Every sentence shown is verbatim from a stored article; citations are numbered in the
order the answer first uses them, one per story, with the other outlets carrying the
story listed under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from retrieval.config import AnswerSettings
from retrieval.index import BM25Index
from retrieval.results import Answer, AnswerSentence, Citation, OtherSource
from retrieval.search import StoryHit
from retrieval.sentences import split_sentences
from retrieval.store.models import Article
from retrieval.summarize import Candidate, answer_sentences
from retrieval.tokenizer import Tokenizer

ELLIPSIS = "…"


def published_local(article: Article) -> datetime | None:
    """Publication time in the publisher's own zone when it is known."""
    if article.published is None:
        return None
    if article.published_offset is None:
        return article.published.astimezone(UTC)
    zone = timezone(timedelta(minutes=article.published_offset))
    return article.published.astimezone(zone)


def _cut_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def make_snippet(
    text: str, tokens: Sequence[str], tokenizer: Tokenizer, limit: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The passage's sentences richest in query terms, within ``limit`` characters."""
    wanted = set(tokens)
    spans = split_sentences(text) or []
    best_start = 0
    best_hits = -1
    for i, span in enumerate(spans):
        hits = len(wanted.intersection(tokenizer.tokenize(text[span.start : span.end])))
        if hits > best_hits:
            best_start, best_hits = i, hits
    if spans:
        pieces: list[str] = []
        for span in spans[best_start:]:
            sentence = text[span.start : span.end]
            if pieces and len(" ".join([*pieces, sentence])) > limit:
                break
            pieces.append(sentence)
        snippet = _cut_words(" ".join(pieces), limit)
    else:
        snippet = _cut_words(text.strip(), limit)
    marks = tuple(tokenizer.match_spans(snippet, wanted))
    return snippet, marks


def make_citation(
    n: int,
    story: StoryHit,
    tokens: Sequence[str],
    tokenizer: Tokenizer,
    settings: AnswerSettings,
) -> Citation:
    article = story.best.article
    snippet, marks = make_snippet(
        story.best.passage.text, tokens, tokenizer, settings.snippet_chars
    )
    also = tuple(
        OtherSource(
            article_id=other.id,
            title=other.title,
            source=other.source_name,
            url=other.url,
            published=published_local(other),
        )
        for other in story.articles()[1:]
    )
    return Citation(
        n=n,
        article_id=article.id,
        title=article.title,
        source=article.source_name,
        published=published_local(article),
        url=article.url,
        snippet=snippet,
        marks=marks,
        score=story.score,
        also=also,
    )


def no_results_hint(query: str, filtered: bool) -> str:
    base = f"Nothing in the stored articles matches “{_cut_words(query, 80)}”."
    if filtered:
        return base + " Try a longer time window or another source, or fewer words."
    return base + " Try other or fewer words, or see /sources for what can be searched."


def compose_news(
    query: str,
    stories: Sequence[StoryHit],
    tokens: Sequence[str],
    tokenizer: Tokenizer,
    settings: AnswerSettings,
    *,
    offset: int,
    limit: int,
    filtered: bool,
) -> Answer:
    """Top stories as cited snippets."""
    page = stories[offset : offset + limit]
    citations = tuple(
        make_citation(offset + i + 1, story, tokens, tokenizer, settings)
        for i, story in enumerate(page)
    )
    return Answer(
        query=query,
        sentences=(),
        citations=citations,
        offset=offset,
        has_more=len(stories) > offset + limit,
        hint=None if citations else no_results_hint(query, filtered),
    )


def compose_answer(
    query: str,
    stories: Sequence[StoryHit],
    tokens: Sequence[str],
    tokenizer: Tokenizer,
    index: BM25Index,
    settings: AnswerSettings,
    *,
    offset: int,
    limit: int,
    filtered: bool,
) -> Answer:
    """Key sentences answering the question, each citing the story it comes from."""
    page = list(stories[offset : offset + limit])
    if not page:
        return compose_news(
            query,
            stories,
            tokens,
            tokenizer,
            settings,
            offset=offset,
            limit=limit,
            filtered=filtered,
        )
    candidates = [
        Candidate(
            key=hit.passage.id,
            text=hit.passage.text,
            relevance=hit.score,
            position=hit.passage.ordinal,
            group=group,
        )
        for group, story in enumerate(page)
        for hit in story.hits
    ]
    picked = answer_sentences(
        tokens,
        candidates,
        settings.max_sentences,
        tokenizer.tokenize,
        mmr_lambda=settings.mmr_lambda,
        idf=index.idf,
    )
    group_of = {c.key: c.group for c in candidates}
    # Number stories in the order the answer first cites them, the rest after.
    order: list[int] = []
    for pick in picked:
        group = group_of[pick.key]
        if group not in order:
            order.append(group)
    order.extend(g for g in range(len(page)) if g not in order)
    number = {group: offset + i + 1 for i, group in enumerate(order)}
    sentences = tuple(
        AnswerSentence(text=pick.text, cites=(number[group_of[pick.key]],)) for pick in picked
    )
    citations = tuple(
        make_citation(number[group], page[group], tokens, tokenizer, settings) for group in order
    )
    return Answer(
        query=query,
        sentences=sentences,
        citations=citations,
        offset=offset,
        has_more=len(stories) > offset + limit,
    )
