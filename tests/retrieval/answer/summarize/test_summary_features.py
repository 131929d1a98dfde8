from __future__ import annotations

from collections import Counter

import pytest

from retrieval.answer.summarize.features import (
    Sentence,
    normalized,
    sentence_idf,
    sentences_of,
    similarity_matrix,
)
from retrieval.text.sentences import Span


def _sentence(text: str) -> Sentence:
    return Sentence(Span(0, len(text)), text, len(text.split()), Counter(text.lower().split()))


def test_sentences_of_keeps_offsets_and_counts_words() -> None:
    text = "  Rates rose today.  Markets fell \u6771\u4eac."
    sentences = sentences_of(text, str.split)
    assert [text[s.span.start : s.span.end] for s in sentences] == [s.text for s in sentences]
    assert [s.words for s in sentences] == [3, 4]  # one word per CJK character
    assert sentences[0].terms == Counter({"Rates": 1, "rose": 1, "today.": 1})


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("He left.", True),
        ('He said "no."', True),
        ("(See below.)", True),
        ("Really?!", True),
        ("it ended . ''", True),
        ("\u6771\u4eac\u3002", True),
        ("Breaking News", False),
        ("Photo: Reuters", False),
    ],
)
def test_complete_sentences_end_in_punctuation(text: str, complete: bool) -> None:
    assert _sentence(text).complete is complete


def test_sentence_idf_favours_rare_terms_and_stays_positive() -> None:
    sentences = [_sentence("bank rates rose"), _sentence("bank shares fell"), _sentence("bank")]
    idf = sentence_idf(sentences)
    assert idf("rates") > idf("bank") > 0
    assert idf("unseen") > idf("rates")


def test_similarity_matrix_is_cosine_with_zero_diagonal() -> None:
    sentences = [_sentence("a b"), _sentence("a b"), _sentence("c d"), _sentence("")]
    matrix = similarity_matrix(sentences, lambda term: 1.0)
    assert matrix.shape == (4, 4)
    assert matrix[0, 1] == pytest.approx(1.0)
    assert matrix[0, 2] == 0.0 and matrix[3, 0] == 0.0
    assert all(matrix[i, i] == 0.0 for i in range(4))


def test_normalized_scales_by_the_maximum() -> None:
    assert normalized([1.0, 4.0, 2.0]) == [0.25, 1.0, 0.5]
    assert normalized([0.0, 0.0]) == [0.0, 0.0]
    assert normalized([]) == []
