from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.answer.summarize import key_sentences
from retrieval.text.sentences import split_sentences

_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "is",
        "was",
        "and",
        "or",
        "for",
        "by",
        "it",
        "its",
        "he",
        "she",
        "they",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-case words minus a few stop words: enough for the summariser."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


ARTICLE = (
    "The city council approved the new harbour bridge budget on Tuesday after a long debate. "
    "Council members said the harbour bridge would cut traffic across the city by a third. "
    "The budget for the bridge includes money for cycle lanes and a new harbour ferry stop. "
    "Construction of the harbour bridge is expected to start next spring and last two years. "
    "Opponents of the bridge said the council had ignored the cost of maintaining the harbour. "
    "The mayor said the bridge was the most important project of the decade for the city. "
    "Local shops near the harbour welcomed the decision and expect more visitors next year. "
    "A public meeting about the bridge design will be held at the city hall in March."
)


def _texts(text: str, n: int) -> list[str]:
    return [text[s.start : s.end] for s in key_sentences(text, n, tokenize)]


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_returns_n_sentences_in_article_order(n: int) -> None:
    spans = key_sentences(ARTICLE, n, tokenize)
    assert len(spans) == n
    assert spans == sorted(spans, key=lambda s: s.start)
    assert set(spans) <= set(split_sentences(ARTICLE))


def test_stays_near_the_lead() -> None:
    spans = key_sentences(ARTICLE, 3, tokenize)
    lead = split_sentences(ARTICLE)[:6]
    assert all(span in lead for span in spans)


def test_short_article_is_returned_whole() -> None:
    text = "Only one sentence here. And a second one."
    assert _texts(text, 3) == ["Only one sentence here.", "And a second one."]


@pytest.mark.parametrize(("text", "n"), [("", 3), ("   \n", 3), (ARTICLE, 0), (ARTICLE, -1)])
def test_empty_inputs_give_nothing(text: str, n: int) -> None:
    assert key_sentences(text, n, tokenize) == []


def test_headings_and_bylines_are_left_out() -> None:
    text = "Harbour Bridge Approved\nBy Jane Smith, City Reporter\n" + ARTICLE
    chosen = _texts(text, 3)
    assert len(chosen) == 3
    assert all(sentence in ARTICLE for sentence in chosen)


def test_fragments_are_used_when_nothing_else_is_left() -> None:
    text = "Bridge Approved\nCity Desk\nVote on Tuesday\nMore soon"
    assert _texts(text, 2) == ["Bridge Approved", "City Desk"]


def test_redundant_lead_sentence_is_replaced() -> None:
    first = (
        "The city council approved the new harbour bridge budget on Tuesday after a long debate."
    )
    repeat = (
        "On Tuesday the city council approved the new harbour bridge budget after a long debate."
    )
    text = ARTICLE.replace(first, first + " " + repeat, 1)
    chosen = _texts(text, 3)
    assert not (first in chosen and repeat in chosen)


def test_long_repetitive_lead_sentence_is_swapped_for_a_concise_one() -> None:
    rambling = (
        "The council approved the budget, the council approved the bridge, the council "
        "approved the harbour plan, and then the council approved the budget for the bridge "
        "and the harbour plan once more on Tuesday."
    )
    sentences = split_sentences(ARTICLE)
    first = ARTICLE[: sentences[0].end]
    text = first + " " + rambling + ARTICLE[sentences[0].end :]
    chosen = _texts(text, 3)
    assert rambling not in chosen


def test_spans_are_exact_on_tokenised_lower_case_text() -> None:
    text = (
        "london ( cnn ) the city council approved the harbour bridge budget on tuesday , "
        "officials said . the harbour bridge will cut traffic across the city by a third , "
        "council members said . the bridge budget includes cycle lanes and a harbour ferry stop . "
        "critics said the council ignored the cost of maintaining the old harbour walls . "
        "a public meeting about the bridge design will be held at city hall in march ."
    )
    spans = key_sentences(text, 2, tokenize)
    assert len(spans) == 2
    for span in spans:
        piece = text[span.start : span.end]
        assert piece.endswith(" .") and piece == piece.strip()


_SENTENCES = st.lists(
    st.lists(
        st.sampled_from(["bridge", "harbour", "council", "budget", "city", "ferry"]),
        min_size=3,
        max_size=20,
    ).map(lambda words: " ".join(words).capitalize() + "."),
    min_size=0,
    max_size=15,
)


@settings(max_examples=40, deadline=None)
@given(_SENTENCES, st.integers(min_value=1, max_value=6))
def test_any_article_gives_min_n_sentences_in_order(sentences: list[str], n: int) -> None:
    text = " ".join(sentences)
    spans = key_sentences(text, n, tokenize)
    all_spans = split_sentences(text)
    assert len(spans) == min(n, len(all_spans))
    assert spans == sorted(set(spans), key=lambda s: s.start)
    assert set(spans) <= set(all_spans)
