"""Question analysis: each question type maps to the answer type that satisfies it."""

from __future__ import annotations

import pytest

from retrieval.answer.question import AnswerType, analyze
from retrieval.index.tokenizer import Tokenizer

TOKENIZER = Tokenizer()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who won the Australian Open?", AnswerType.NAME),
        ("whom did the court acquit", AnswerType.NAME),
        ("Whose car was found?", AnswerType.NAME),
        ("When did the ferry sink?", AnswerType.TIME),
        ("What year was the treaty signed?", AnswerType.TIME),
        ("Where did the criminals flee to?", AnswerType.PLACE),
        ("In what city did the tournament take place?", AnswerType.PLACE),
        ("Which country hosted the summit?", AnswerType.PLACE),
        ("How many people died?", AnswerType.NUMBER),
        ("How much did the painting sell for?", AnswerType.NUMBER),
        ("What was the death toll?", AnswerType.ANY),
        ("What percentage of voters backed him?", AnswerType.NUMBER),
        ("Why did the security chief resign?", AnswerType.REASON),
        ("What was the reason for the delay?", AnswerType.REASON),
        ("What did the minister say?", AnswerType.STATEMENT),
        ("Which company made the chips?", AnswerType.NAME),
        ("What kind of team won?", AnswerType.NAME),
        ("Is the site open to the public?", AnswerType.ANY),
        ("Teen is awaiting trial for what?", AnswerType.ANY),
        ("South Korea", AnswerType.ANY),
    ],
)
def test_question_types(question: str, expected: AnswerType) -> None:
    assert analyze(question, TOKENIZER).expected is expected


def test_frame_words_leave_the_focus() -> None:
    # "how many" and the head noun "city" describe the answer; they do not occur near it.
    assert analyze("How many people died in the flood?", TOKENIZER).focus == (
        "peopl",
        "die",
        "flood",
    )
    assert "citi" not in analyze("In what city did the final take place?", TOKENIZER).focus


def test_answer_bearing_verbs_stay_in_the_focus() -> None:
    # "won" was a stopword (a fragment of "won't"), and Snowball leaves "won" and "fled".
    assert analyze("What has he won?", TOKENIZER).focus == ("win",)
    assert analyze("Where did they flee?", TOKENIZER).focus == ("flee",)
    assert "say" in analyze("What did Zakaria say?", TOKENIZER).focus


def test_topics_are_not_questions() -> None:
    topic = analyze("South Korea", TOKENIZER)
    assert not topic.is_question
    assert topic.focus == ("south", "korea")
    assert analyze("who won", TOKENIZER).is_question


def test_a_question_of_frame_words_keeps_them() -> None:
    assert analyze("What happened?", TOKENIZER).focus == ("happen",)
