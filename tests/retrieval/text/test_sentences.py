from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text.sentences import Span, _case_counts, sentence_texts, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Mrs. Jones and Dr. Brown at St. Paul's. They talked.",
            ["Mr. Smith met Mrs. Jones and Dr. Brown at St. Paul's.", "They talked."],
        ),
        (
            "The U.S. economy grew. The U.K. did not. He lives in the U.S. But not now.",
            ["The U.S. economy grew.", "The U.K. did not.", "He lives in the U.S.", "But not now."],
        ),
        (
            "Prices rose, e.g. for milk. Apple Inc. said so. He works at Apple Inc. The firm grew.",
            [
                "Prices rose, e.g. for milk.",
                "Apple Inc. said so.",
                "He works at Apple Inc.",
                "The firm grew.",
            ],
        ),
        (
            "He left on Jan. 5 after No. 5 won. No. That was wrong.",
            ["He left on Jan. 5 after No. 5 won.", "No.", "That was wrong."],
        ),
        (
            "J. K. Rowling wrote it. John F. Kennedy spoke. He took vitamin C. The end.",
            ["J. K. Rowling wrote it.", "John F. Kennedy spoke.", "He took vitamin C.", "The end."],
        ),
        (
            "Growth was 3.5% or $1.2 billion. Rs 830 bn was raised. It cost Rs. 40 each.",
            ["Growth was 3.5% or $1.2 billion.", "Rs 830 bn was raised.", "It cost Rs. 40 each."],
        ),
        (
            'He said "No." Then he left. (See below.) Next one.',
            ['He said "No."', "Then he left.", "(See below.)", "Next one."],
        ),
        (
            "\u201cWhy?\u201d he asked. It was late.",
            ["\u201cWhy?\u201d he asked.", "It was late."],
        ),
        (
            "Wait... what? I think\u2026 Maybe not. Really?! Yes!!! OK.",
            ["Wait... what?", "I think\u2026", "Maybe not.", "Really?!", "Yes!!!", "OK."],
        ),
        (
            "He joined Apple Inc. However, he left. Trade with Japan-U.S. Partners grew.",
            ["He joined Apple Inc.", "However, he left.", "Trade with Japan-U.S. Partners grew."],
        ),
        (
            "Sens. Alan Cranston and Gen. Smith met Prof. Lee at 9 a.m. on Monday. It rained.",
            ["Sens. Alan Cranston and Gen. Smith met Prof. Lee at 9 a.m. on Monday.", "It rained."],
        ),
        (
            "Visit example.com for details. Version 2.0 is out.",
            ["Visit example.com for details.", "Version 2.0 is out."],
        ),
    ],
)
def test_cased_prose(text: str, expected: list[str]) -> None:
    assert sentence_texts(text) == expected


def test_offsets_index_the_original_text_exactly() -> None:
    text = '  Mr. Smith arrived.\tHe said "Hi."  \n\nNew paragraph here '
    spans = split_sentences(text)
    assert spans == [Span(2, 20), Span(21, 34), Span(38, 56)]
    assert [text[s.start : s.end] for s in spans] == [
        "Mr. Smith arrived.",
        'He said "Hi."',
        "New paragraph here",
    ]


def test_paragraph_break_always_ends_a_sentence() -> None:
    text = "the first paragraph has no stop\n\nand the second starts in lower case"
    assert sentence_texts(text) == [
        "the first paragraph has no stop",
        "and the second starts in lower case",
    ]


def test_heading_without_full_stop_is_its_own_sentence() -> None:
    text = "Leaders Meet In Seoul\nThe leaders met on Wednesday. They talked.\nAP Seoul"
    assert sentence_texts(text) == [
        "Leaders Meet In Seoul",
        "The leaders met on Wednesday.",
        "They talked.",
        "AP Seoul",
    ]


def test_line_break_followed_by_lower_case_continues_the_sentence() -> None:
    text = "The minister said that the plan\nwould be ready soon. Nobody believed it."
    assert sentence_texts(text) == [
        "The minister said that the plan\nwould be ready soon.",
        "Nobody believed it.",
    ]


def test_hard_wrapped_text_joins_lines_but_keeps_headings() -> None:
    text = (
        "Market Report\n"
        "The plan was drafted by the committee and\n"
        "then sent to the minister who approved\n"
        "it on Monday after a long debate. Stocks\n"
        "Rallied on the news across the region and\n"
        "closed higher."
    )
    assert sentence_texts(text) == [
        "Market Report",
        "The plan was drafted by the committee and\nthen sent to the minister who approved\n"
        "it on Monday after a long debate.",
        "Stocks\nRallied on the news across the region and\nclosed higher.",
    ]


def test_numbered_list_items_keep_their_numbers() -> None:
    text = "1. Buy milk today.\n2. Sell the car."
    assert sentence_texts(text) == ["1. Buy milk today.", "2. Sell the car."]


def test_cjk_full_stops_need_no_space() -> None:
    text = "东京是日本的首都。它很大！你去过吗？是的"
    assert sentence_texts(text) == ["东京是日本的首都。", "它很大！", "你去过吗？", "是的"]


def test_cjk_closing_bracket_stays_with_its_sentence() -> None:
    text = "彼は「行く。」と言った。次の文。"
    assert sentence_texts(text) == ["彼は「行く。」", "と言った。", "次の文。"]


def test_tokenised_lower_case_text() -> None:
    text = (
        "washington ( cnn ) president obama met mr. putin in the u.s. capital . "
        "the talks lasted 3.5 hours . he said `` no . '' then he left ! really ?"
    )
    assert sentence_texts(text) == [
        "washington ( cnn ) president obama met mr. putin in the u.s. capital .",
        "the talks lasted 3.5 hours .",
        "he said `` no . ''",
        "then he left !",
        "really ?",
    ]


def test_caseless_untokenised_text() -> None:
    text = "hello there. how are you? mr. smith is fine. the u.s. senate voted no"
    assert sentence_texts(text) == [
        "hello there.",
        "how are you?",
        "mr. smith is fine.",
        "the u.s. senate voted no",
    ]


def test_other_scripts() -> None:
    assert sentence_texts("Привет. Как дела? Хорошо.") == ["Привет.", "Как дела?", "Хорошо."]
    assert sentence_texts("यह पहला वाक्य है। यह दूसरा है।") == ["यह पहला वाक्य है।", "यह दूसरा है।"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t"])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def test_text_without_punctuation_is_one_sentence() -> None:
    assert sentence_texts("  just some words  ") == ["just some words"]


_ALPHABET = st.sampled_from(
    [
        *"abcXYZ .!?\"')(\n\t\u3002\u2026",
        "Mr.",
        "U.S.",
        " . ",
        "3.5",
        "\u00a0",
        "\u2029",
        "\r\n",
        "\u2028",
        "\x0c",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_spans_partition_the_non_space_characters(text: str) -> None:
    spans = split_sentences(text)
    covered = [False] * len(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        piece = text[span.start : span.end]
        assert piece == piece.strip()
        assert text[previous_end : span.start].strip() == ""
        for i in range(span.start, span.end):
            covered[i] = True
        previous_end = span.end
    assert text[previous_end:].strip() == ""
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
    assert sentence_texts(text) == [text[s.start : s.end] for s in spans]


_WORDS = st.sampled_from(["market", "prices", "rose", "sharply", "council", "voted", "3.5%"])
_ENDS = st.sampled_from([".", "!", "?", '."', ".)", "?!"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.lists(_WORDS, min_size=2, max_size=8), _ENDS), min_size=1, max_size=6))
def test_sentences_joined_by_spaces_split_back(parts: list[tuple[list[str], str]]) -> None:
    sentences = [" ".join(words).capitalize() + end for words, end in parts]
    assert sentence_texts(" ".join(sentences)) == sentences
    assert sentence_texts("\n\n".join(s.lower() for s in sentences)) == [
        s.lower() for s in sentences
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_case_counts_match_str_methods(text: str) -> None:
    expected = (sum(ch.isupper() for ch in text), sum(ch.islower() for ch in text))
    assert _case_counts(text) == expected
