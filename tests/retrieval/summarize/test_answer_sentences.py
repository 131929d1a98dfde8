from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.summarize import Candidate, Picked, answer_sentences

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
        "what",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lower-case words minus a few stop words: enough for the picker."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _candidate(key: int, text: str, *, relevance: float = 1.0, position: int = 0) -> Candidate:
    return Candidate(key=key, text=text, relevance=relevance, position=position, group=key)


AUSTRALIA = _candidate(
    1,
    "Leaders met in Sydney on Monday for the regional summit. "
    "Canberra is the capital of Australia and hosts the federal parliament. "
    "The summit ended with a joint statement on trade.",
    relevance=5.0,
)
WEATHER = _candidate(
    2,
    "Heavy rain fell across the region on Monday. Flights were delayed at Sydney airport.",
    relevance=2.0,
    position=1,
)


def _ask(question: str, candidates: list[Candidate], n: int = 3, **kwargs: object) -> list[Picked]:
    return answer_sentences(tokenize(question), candidates, n, tokenize, **kwargs)  # type: ignore[arg-type]


def test_the_sentence_that_answers_comes_first() -> None:
    picked = _ask("What is the capital of Australia?", [WEATHER, AUSTRALIA])
    assert (
        picked[0].text == "Canberra is the capital of Australia and hosts the federal parliament."
    )
    assert picked[0].key == 1


def test_spans_index_the_candidate_text() -> None:
    by_key = {c.key: c for c in (AUSTRALIA, WEATHER)}
    for pick in _ask("Monday Sydney summit rain", [AUSTRALIA, WEATHER]):
        assert by_key[pick.key].text[pick.span.start : pick.span.end] == pick.text


def test_sentences_without_query_terms_are_left_out_when_some_match() -> None:
    picked = _ask("capital parliament", [AUSTRALIA, WEATHER], n=3)
    assert [p.text for p in picked] == [
        "Canberra is the capital of Australia and hosts the federal parliament."
    ]


def test_nothing_matching_falls_back_to_the_best_sentences() -> None:
    picked = _ask("volcano eruption", [AUSTRALIA, WEATHER], n=2)
    assert len(picked) == 2
    # The lead of the better passage wins when no sentence matches.
    assert picked[0].text == "Leaders met in Sydney on Monday for the regional summit."


@pytest.mark.parametrize("n", [1, 2, 4])
def test_n_is_respected(n: int) -> None:
    picked = _ask("Monday Sydney summit rain flights", [AUSTRALIA, WEATHER], n=n)
    assert len(picked) == min(n, 4)


@pytest.mark.parametrize(
    ("tokens", "candidates", "n"),
    [(["capital"], [], 3), (["capital"], [AUSTRALIA], 0), (["capital"], [_candidate(3, "  ")], 2)],
)
def test_empty_inputs_give_nothing(tokens: list[str], candidates: list[Candidate], n: int) -> None:
    assert answer_sentences(tokens, candidates, n, tokenize) == []


def test_empty_query_still_answers_from_the_candidates() -> None:
    assert len(answer_sentences([], [AUSTRALIA], 2, tokenize)) == 2


def test_duplicate_sentences_from_two_outlets_are_used_once() -> None:
    wire = "The central bank raised interest rates by half a point on Thursday."
    first = _candidate(1, wire + " Markets fell sharply after the decision.", relevance=3.0)
    second = _candidate(2, wire + " Analysts had expected a smaller rise in rates.", relevance=2.9)
    picked = _ask("central bank interest rates", [first, second], n=3)
    assert [p.text for p in picked].count(wire) == 1
    assert len(picked) == 2  # the other sentences: "rates" matches only the second


def test_redundancy_is_traded_against_relevance() -> None:
    near_copy = _candidate(
        1,
        "The central bank raised interest rates on Thursday by half a point. "
        "The central bank raised its interest rates by half a point on Thursday, officials said.",
        relevance=3.0,
    )
    other = _candidate(
        2, "Interest rates are now at their highest level since 2008.", relevance=1.0
    )
    picked = _ask("central bank interest rates", [near_copy, other], n=2, mmr_lambda=0.5)
    assert {p.key for p in picked} == {1, 2}


def test_idf_decides_between_common_and_rare_terms() -> None:
    common = _candidate(1, "The government said the plan was ready.", relevance=1.0)
    rare = _candidate(2, "The tunnel plan was finally approved.", relevance=1.0)
    weights = {"government": 0.1, "tunnel": 5.0}
    picked = _ask("government tunnel", [common, rare], n=1, idf=lambda term: weights.get(term, 1.0))
    assert picked[0].key == 2
    weights = {"government": 5.0, "tunnel": 0.1}
    picked = _ask("government tunnel", [common, rare], n=1, idf=lambda term: weights.get(term, 1.0))
    assert picked[0].key == 1


def test_the_answer_beats_a_partial_match_in_a_better_passage() -> None:
    cricket = _candidate(
        1, "Australia won the cricket match on Monday. Fans celebrated.", relevance=5.0
    )
    answer = _candidate(
        2,
        "Officials met on Monday. Canberra is the capital of Australia and hosts parliament.",
        relevance=3.0,
        position=1,
    )
    picked = _ask("capital of Australia", [cricket, answer], n=1)
    assert picked[0].text == "Canberra is the capital of Australia and hosts parliament."


def test_an_earlier_sentence_breaks_a_tie() -> None:
    text = "Floods hit the northern province on Sunday."
    lead = _candidate(1, text, position=0)
    later = _candidate(2, text.replace("Sunday", "Monday"), position=3)
    assert _ask("floods province", [later, lead], n=1)[0].key == 1


def test_a_better_passage_breaks_a_tie() -> None:
    text = "Floods hit the northern province on Sunday."
    strong = _candidate(1, text, relevance=4.0, position=2)
    weak = _candidate(2, text.replace("Sunday", "Monday"), relevance=1.0, position=2)
    assert _ask("floods province", [weak, strong], n=1)[0].key == 1


def test_results_are_ordered_best_first_without_redundancy() -> None:
    picked = _ask("Monday Sydney summit rain flights", [AUSTRALIA, WEATHER], n=4, mmr_lambda=1.0)
    scores = [p.score for p in picked]
    assert scores == sorted(scores, reverse=True)


_SENTENCE = st.lists(
    st.sampled_from(["bank", "rates", "rose", "fell", "markets", "bridge", "votes"]),
    min_size=1,
    max_size=10,
).map(lambda words: " ".join(words).capitalize() + ".")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(_SENTENCE, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=5),
    st.lists(st.sampled_from(["bank", "rates", "bridge", "unknown"]), max_size=3),
    st.integers(min_value=1, max_value=6),
)
def test_picks_are_distinct_sentences_of_the_candidates(
    texts: list[str], query: list[str], n: int
) -> None:
    candidates = [_candidate(i, text) for i, text in enumerate(texts)]
    picked = answer_sentences(query, candidates, n, tokenize)
    assert 1 <= len(picked) <= n
    seen = set()
    for pick in picked:
        assert candidates[pick.key].text[pick.span.start : pick.span.end] == pick.text
        assert (pick.key, pick.span) not in seen
        seen.add((pick.key, pick.span))


def test_corroborated_sentence_beats_a_lone_one() -> None:
    lone = _candidate(1, "Floods hit the province, officials in the capital said.")
    backed = _candidate(2, "Floods hit the province on Sunday, killing dozens.")
    support = _candidate(3, "Dozens were killed on Sunday as rivers burst their banks.")
    assert _ask("floods province", [lone, backed, support], n=1)[0].key == 2


def test_a_second_story_is_preferred_when_nearly_as_good() -> None:
    first = Candidate(1, "Rates alpha beta. Rates gamma delta.", relevance=1.0, position=0, group=1)
    second = Candidate(2, "Rates epsilon zeta.", relevance=1.0, position=1, group=2)
    picked = _ask("rates", [first, second], n=2)
    assert [p.text for p in picked] == ["Rates alpha beta.", "Rates epsilon zeta."]


def test_fragments_lose_to_full_sentences() -> None:
    fragment = _candidate(1, "Rates up.")
    sentence = _candidate(2, "Interest rates rose sharply across the whole region today.")
    assert _ask("rates", [fragment, sentence], n=1)[0].key == 2
