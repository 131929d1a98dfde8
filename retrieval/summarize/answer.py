"""Sentences that answer a question, picked from the top-ranked passages.

A sentence is worth quoting when it shares the question's rarer terms (BM25 over
sentences, with the index's idf when given), when other retrieved sentences say
the same thing (centrality: corroborated facts beat stray mentions), when it opens
its article (news leads carry the facts), and when its passage ranked well. Maximal
marginal relevance then keeps the answer from repeating itself, and sentences that
match none of the question's terms are used only when nothing matches at all.

Cost: an answer runs on every ``ask``, so nothing here is quadratic in the number of
sentences times the vocabulary. Centrality needs only each sentence's summed
similarity to all others, which is one product with the sum of the unit vectors;
maximal marginal relevance needs the similarity to the few sentences already chosen,
computed as they are chosen. Term weights are looked up once per distinct term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.sentences import Span
from retrieval.summarize.features import (
    Matrix,
    Sentence,
    Tokenize,
    Weight,
    normalized,
    sentence_idf,
    sentences_of,
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
    weight = _memoized(idf if idf is not None else sentence_idf([u.sentence for u in units]))
    query = _query_scores(query_tokens, units, weight)
    vectors = _unit_vectors([unit.sentence for unit in units], weight)
    scores = _combined_scores(units, query, _centrality(vectors))
    wanted = set(query_tokens)
    pool = [
        i for i, unit in enumerate(units) if not wanted.isdisjoint(unit.sentence.terms)
    ] or list(range(len(units)))
    chosen = _mmr(units, pool, scores, vectors, n, mmr_lambda)
    return [
        Picked(
            key=units[i].candidate.key,
            span=units[i].sentence.span,
            text=units[i].sentence.text,
            score=scores[i],
        )
        for i in chosen
    ]


def _memoized(weight: Weight) -> Weight:
    """``weight`` asked once per distinct term (the index's idf takes its lock each time)."""
    cache: dict[str, float] = {}

    def cached(term: str) -> float:
        value = cache.get(term)
        if value is None:
            value = cache[term] = weight(term)
        return value

    return cached


def _unit_vectors(sentences: Sequence[Sentence], weight: Weight) -> Matrix:
    """Rows of (1 + log tf) x weight, scaled to unit length (all-zero rows stay zero).

    The vectors of ``features.similarity_matrix``: their dot products are its cosines.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    counts: list[int] = []
    for row, sentence in enumerate(sentences):
        for term, count in sentence.terms.items():
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(count)
    weights = np.array([max(0.0, weight(term)) for term in vocabulary], dtype=np.float64)
    vectors = np.zeros((len(sentences), max(1, len(vocabulary))))
    vectors[rows, columns] = (1.0 + np.log(np.array(counts, dtype=np.float64))) * weights[columns]
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0.0] = 1.0
    vectors /= norms[:, None]
    return vectors


def _centrality(vectors: Matrix) -> list[float]:
    """Each sentence's mean cosine similarity to the other sentences.

    The sum over the others is the product with the sum of all vectors less the
    sentence's own (1, or 0 for an all-zero vector): linear, not quadratic.
    """
    count = len(vectors)
    if count < 2:
        return [0.0] * count
    own = np.einsum("ij,ij->i", vectors, vectors)
    totals = vectors @ vectors.sum(axis=0) - own
    return [float(total) / (count - 1) for total in totals]


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


def _combined_scores(
    units: Sequence[_Unit], query: list[float], mean_similarity: list[float]
) -> list[float]:
    centrality = normalized(mean_similarity)
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
    vectors: Matrix,
    n: int,
    mmr_lambda: float,
) -> list[int]:
    """Maximal marginal relevance: score traded against similarity to what is chosen.

    Candidates are tried best score first and the first best value wins, as a loop
    over them would; similarities to each chosen sentence are computed once, for all.
    """
    order = np.array(sorted(pool, key=lambda i: -scores[i]), dtype=np.int64)
    base = mmr_lambda * np.array([scores[i] for i in order])
    groups = np.array([units[i].candidate.group for i in order])
    texts = [" ".join(units[i].sentence.text.split()).casefold() for i in order]
    redundancy = np.zeros(len(order))
    same_story = np.zeros(len(order))
    blocked = np.zeros(len(order), dtype=bool)  # chosen, or a duplicate of a chosen one
    chosen: list[int] = []
    while len(chosen) < n and not blocked.all():
        value = base - (1.0 - mmr_lambda) * (redundancy + SAME_STORY_PENALTY * same_story)
        value[blocked] = -np.inf
        best = int(np.argmax(value))
        if value[best] == -np.inf:
            break
        chosen.append(int(order[best]))
        similarity = vectors[order] @ vectors[order[best]]
        blocked[best] = True
        blocked |= similarity >= DUPLICATE_SIMILARITY
        blocked |= np.array([text == texts[best] for text in texts])
        redundancy = np.maximum(redundancy, similarity)
        same_story += groups == groups[best]
    return chosen
