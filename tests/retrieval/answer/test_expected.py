"""Answer-type recognisers: a sentence holds a candidate the question does not already name."""

from __future__ import annotations

import pytest

from retrieval.answer.expected import has_expected
from retrieval.answer.question import analyze
from retrieval.index.tokenizer import Tokenizer

TOKENIZER = Tokenizer()


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        ("Who won the final?", "The final was won by Naomi Osaka in straight sets.", True),
        ("Who won the final?", "The final was a tense affair in front of the crowd.", False),
        # A name the question already holds is not an answer to it.
        ("Who did Osaka beat?", "Osaka was delighted with the win.", False),
        ("Who did Osaka beat?", "Osaka beat Jennifer Brady in the final.", True),
        ("When did the ferry sink?", "The ferry sank on Tuesday night.", True),
        ("When did the ferry sink?", "The ferry sank near the coast.", False),
        ("When was the law passed?", "The law was passed in 2009.", True),
        ("Where did they flee?", "They fled to Tennessee after the raid.", True),
        ("Where did they flee?", "They fled after the raid.", False),
        ("How many people died?", "At least 33 people were killed.", True),
        ("How many people died?", "Dozens of people were killed.", True),
        ("How many people died?", "People were killed in the blast.", False),
        ("Why did he resign?", "He resigned because of the scandal.", True),
        ("Why did he resign?", "He resigned on the spot.", False),
        ("What did the mayor say?", '"We will rebuild," the mayor said.', True),
        ("Is it open?", "It is open every day.", False),
    ],
)
def test_expected_type_in_sentence(question: str, sentence: str, holds: bool) -> None:
    assert has_expected(sentence, analyze(question, TOKENIZER)) is holds


def test_a_capital_that_only_opens_the_sentence_is_no_name() -> None:
    question = analyze("Who attacked the convoy?", TOKENIZER)
    assert not has_expected("Gunmen attacked the convoy at dawn.", question)
    assert has_expected("Taliban fighters attacked the convoy, said Ahmed Khan.", question)
