"""Sentence statistics shared by the article summariser and the answer picker."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.ingest.passages import word_count
from retrieval.text.sentences import Span, split_sentences

# End punctuation of complete sentences (Latin, CJK, Devanagari, Arabic) and the
# closing quotes and brackets that may follow it.
_SENTENCE_END = frozenset(".!?\u2026\u3002\uff01\uff1f\uff0e\u0964\u061f")
_CLOSING = "\"'\u201d\u2019\u00bb)]}\u300d\u300f\uff09` "

Tokenize = Callable[[str], list[str]]
Weight = Callable[[str], float]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a text with what the scorers need to know about it."""

    span: Span
    text: str
    # Words as a reader counts them (the summary length that matters).
    words: int
    # Term frequencies after the engine's tokenizer (stemmed, stop words dropped).
    terms: Counter[str]

    @property
    def complete(self) -> bool:
        """Ends in end punctuation: not a heading, caption or cut-off fragment."""
        core = self.text.rstrip(_CLOSING)
        return bool(core) and core[-1] in _SENTENCE_END


def sentences_of(text: str, tokenize: Tokenize) -> list[Sentence]:
    """The sentences of ``text``, tokenized once."""
    result: list[Sentence] = []
    for span in split_sentences(text):
        piece = text[span.start : span.end]
        result.append(Sentence(span, piece, word_count(piece), Counter(tokenize(piece))))
    return result


def sentence_idf(sentences: Sequence[Sentence]) -> Weight:
    """Inverse sentence frequency: terms found in few sentences weigh more.

    The BM25 form (always positive) so a term present in every sentence still counts
    a little instead of vanishing or going negative.
    """
    frequency: Counter[str] = Counter()
    for sentence in sentences:
        frequency.update(sentence.terms.keys())
    total = len(sentences)
    table = {
        term: math.log(1.0 + (total - seen + 0.5) / (seen + 0.5))
        for term, seen in frequency.items()
    }
    default = math.log(1.0 + (total + 0.5) / 0.5)
    return lambda term: table.get(term, default)


def similarity_matrix(sentences: Sequence[Sentence], weight: Weight) -> Matrix:
    """Cosine similarity of weighted term vectors (log tf x weight); diagonal zeroed."""
    vocabulary: dict[str, int] = {}
    for sentence in sentences:
        for term in sentence.terms:
            vocabulary.setdefault(term, len(vocabulary))
    vectors = np.zeros((len(sentences), max(1, len(vocabulary))))
    for row, sentence in enumerate(sentences):
        for term, count in sentence.terms.items():
            vectors[row, vocabulary[term]] = (1.0 + math.log(count)) * max(0.0, weight(term))
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0.0] = 1.0
    vectors /= norms[:, None]
    similarity: Matrix = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    return similarity


def normalized(values: Iterable[float]) -> list[float]:
    """Values divided by their maximum (all zeros stay zeros)."""
    items = list(values)
    top = max(items, default=0.0)
    return [value / top if top > 0 else 0.0 for value in items]
