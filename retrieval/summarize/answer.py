"""Sentences that answer a question, picked from the top-ranked passages.

A sentence is worth quoting when it shares the question's rarer terms (BM25 over
sentences, with the index's idf when given), when other retrieved sentences say
the same thing (centrality: corroborated facts beat stray mentions), when it opens
its article (news leads carry the facts), and when its passage ranked well. Maximal
marginal relevance then keeps the answer from repeating itself, and sentences that
match none of the question's terms are used only when nothing matches at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.sentences import Span
from retrieval.summarize.features import (
    Matrix,
    Sentence,
    Tokenize,
    Weight,
    normalized,
    sentence_idf,
    sentences_of,
    similarity_matrix,
)

# Weights of the sentence score's parts (each part is scaled to [0, 1] first).
QUERY_WEIGHT = 0.55  # BM25 overlap with the question: the main signal
CENTRALITY_WEIGHT = 0.15  # mean similarity to the other retrieved sentences
POSITION_WEIGHT = 0.10  # closeness to the start of the article
PASSAGE_WEIGHT = 0.20  # BM25 score of the passage the sentence comes from
# BM25 parameters for scoring sentences against the question (the usual values).
SENTENCE_K1 = 1.2
SENTENCE_B = 0.75
# Sentences shorter than this many words are scaled down in proportion: fragments
# ("Advertisement", a dateline) rarely answer anything.
MIN_ANSWER_WORDS = 6
# A passage of about a hundred words holds about this many sentences; used to place
# a sentence within its article from its passage ordinal.
SENTENCES_PER_PASSAGE = 5
# Similarity above which a sentence is a near duplicate of one already picked (the
# same wire copy in two outlets) and is never used, whatever its score.
DUPLICATE_SIMILARITY = 0.8
# Added to a sentence's redundancy once per sentence already taken from the same
# story, so that an answer draws on several stories when they are about equally
# good (like redundancy, it counts for nothing when mmr_lambda is 1).
SAME_STORY_PENALTY = 0.15


@dataclass(frozen=True)
class Candidate:
    """A retrieved passage offered to the answer picker."""

    key: int  # passage id
    text: str  # passage text
    relevance: float  # the passage's BM25 score
    position: int  # passage ordinal within its article (0 = lead)
    group: int  # story/article key, for citation and diversity


@dataclass(frozen=True)
class Picked:
    """A sentence chosen for the answer; ``span`` indexes the candidate's text."""

    key: int
    span: Span
    text: str
    score: float  # the sentence's score before redundancy is taken into account


@dataclass(frozen=True, slots=True)
class _Unit:
    candidate: Candidate
    index: int  # sentence index within the passage
    sentence: Sentence


def answer_sentences(
    query_tokens: Sequence[str],
    candidates: Sequence[Candidate],
    n: int,
    tokenize: Tokenize,
    *,
    mmr_lambda: float = 0.7,
    idf: Weight | None = None,
) -> list[Picked]:
    """Up to ``n`` sentences answering the query, best first, without repetition."""
    if n <= 0 or not candidates:
        return []
    units = [
        _Unit(candidate, index, sentence)
        for candidate in candidates
        for index, sentence in enumerate(sentences_of(candidate.text, tokenize))
    ]
    if not units:
        return []
    weight = idf if idf is not None else sentence_idf([unit.sentence for unit in units])
    query = _query_scores(query_tokens, units, weight)
    similarity = similarity_matrix([unit.sentence for unit in units], weight)
    scores = _combined_scores(units, query, similarity)
    wanted = set(query_tokens)
    pool = [
        i for i, unit in enumerate(units) if not wanted.isdisjoint(unit.sentence.terms)
    ] or list(range(len(units)))
    chosen = _mmr(units, pool, scores, similarity, n, mmr_lambda)
    return [
        Picked(
            key=units[i].candidate.key,
            span=units[i].sentence.span,
            text=units[i].sentence.text,
            score=scores[i],
        )
        for i in chosen
    ]


def _query_scores(
    query_tokens: Sequence[str], units: Sequence[_Unit], weight: Weight
) -> list[float]:
    """BM25 of each sentence against the query, sentences being the documents."""
    terms = set(query_tokens)
    lengths = [max(1, sum(unit.sentence.terms.values())) for unit in units]
    average = sum(lengths) / len(lengths)
    scores: list[float] = []
    for unit, length in zip(units, lengths, strict=True):
        norm = SENTENCE_K1 * (1.0 - SENTENCE_B + SENTENCE_B * length / average)
        total = 0.0
        for term in terms:
            tf = unit.sentence.terms.get(term, 0)
            if tf:
                total += max(0.0, weight(term)) * tf * (SENTENCE_K1 + 1.0) / (tf + norm)
        scores.append(total)
    return scores


def _combined_scores(units: Sequence[_Unit], query: list[float], similarity: Matrix) -> list[float]:
    count = len(units)
    centrality = normalized(
        float(row.sum()) / (count - 1) if count > 1 else 0.0 for row in similarity
    )
    passage = normalized(max(0.0, unit.candidate.relevance) for unit in units)
    query_part = normalized(query)
    scores: list[float] = []
    for i, unit in enumerate(units):
        place = unit.index + unit.candidate.position * SENTENCES_PER_PASSAGE
        position = 1.0 / (1.0 + place)
        brevity = min(1.0, unit.sentence.words / MIN_ANSWER_WORDS)
        value = (
            QUERY_WEIGHT * query_part[i]
            + CENTRALITY_WEIGHT * centrality[i]
            + POSITION_WEIGHT * position
            + PASSAGE_WEIGHT * passage[i]
        )
        scores.append(value * brevity)
    return scores


def _mmr(
    units: Sequence[_Unit],
    pool: list[int],
    scores: list[float],
    similarity: Matrix,
    n: int,
    mmr_lambda: float,
) -> list[int]:
    """Maximal marginal relevance: score traded against similarity to what is chosen."""
    chosen: list[int] = []
    remaining = sorted(pool, key=lambda i: -scores[i])
    while remaining and len(chosen) < n:
        best, best_value = -1, float("-inf")
        for i in remaining:
            if _duplicate(units, similarity, i, chosen):
                continue
            redundancy = max((float(similarity[i, j]) for j in chosen), default=0.0)
            same_story = sum(units[j].candidate.group == units[i].candidate.group for j in chosen)
            novelty_cost = redundancy + SAME_STORY_PENALTY * same_story
            value = mmr_lambda * scores[i] - (1.0 - mmr_lambda) * novelty_cost
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        remaining.remove(best)
    return chosen


def _duplicate(units: Sequence[_Unit], similarity: Matrix, i: int, chosen: list[int]) -> bool:
    text = " ".join(units[i].sentence.text.split()).casefold()
    return any(
        similarity[i, j] >= DUPLICATE_SIMILARITY
        or " ".join(units[j].sentence.text.split()).casefold() == text
        for j in chosen
    )
