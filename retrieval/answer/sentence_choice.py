"""Which sentences of a story answer the question.

Within the chosen story, a sentence answers when it shares the question's focus terms
(each distinct term once: a long sentence that names the subject and the event is the
one that holds the answer, so length is not penalised as BM25 would) and holds a word of
the expected answer type that the question does not already contain. Ties go to the
earlier sentence: news stories put their facts first.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from retrieval.answer.expected import has_expected
from retrieval.answer.question import Question
from retrieval.answer.story_choice import StoryText

# Worth of holding a word of the expected answer type, in focus terms: a sentence with
# the type and one term fewer ties with one that has the term but not the type.
TYPE_WEIGHT = 1.0
# Position prior: a sentence's score gains this much divided by (1 + its index). Kept
# below one focus term so it only separates otherwise equal sentences.
POSITION_WEIGHT = 0.5
# Share of a focus term's worth that a sentence opening with a back reference ("He",
# "The company") gains from a term of the sentence before it.
CONTEXT_SHARE = 0.5
# Sentences shorter than this many words are scaled down in proportion: fragments
# ("Advertisement", a dateline, a photo credit) rarely answer anything.
MIN_ANSWER_WORDS = 6
# Openers that point back to the previous sentence: a sentence starting with one is
# shown after the sentence it refers to, so the answer reads on its own.
_REFERS_BACK = regex.compile(
    r"^(?:[\"“”']?\s*)(?:he|she|they|it|its|his|her|their|this|that|these|those|the two|"
    r"both|such|but|however|also|instead)\b",
    regex.IGNORECASE,
)
_LOWER_START = regex.compile(r"^[\"“”'(\s]*\p{Ll}")


@dataclass(frozen=True)
class SentenceScore:
    index: int
    score: float
    typed: bool  # holds a word of the expected answer type


def rank_sentences(question: Question, story: StoryText) -> list[SentenceScore]:
    """The story's sentences that match the question, best first."""
    focus = set(question.focus)
    ranked: list[SentenceScore] = []
    for i, terms in enumerate(story.terms):
        own = focus.intersection(terms)
        matched = float(len(own))
        text = story.sentence(i)
        if i and CONTEXT_SHARE and refers_back(text):
            # "He was arrested on Friday" answers "When was Smith arrested?" when the
            # sentence before names Smith: its terms count, at a discount.
            matched += CONTEXT_SHARE * len(focus.intersection(story.terms[i - 1]) - own)
        typed = has_expected(text, question)
        if not matched and not typed:
            continue
        words = len(text.split())
        score = matched + TYPE_WEIGHT * typed + POSITION_WEIGHT / (1 + i)
        ranked.append(SentenceScore(i, score * min(1.0, words / MIN_ANSWER_WORDS), typed))
    ranked.sort(key=lambda s: (-s.score, s.index))
    return ranked


def refers_back(sentence: str) -> bool:
    """Whether the sentence needs the one before it to be understood (a pronoun or a
    connective opens it, or it continues a quotation in lower case)."""
    return bool(_REFERS_BACK.match(sentence) or _LOWER_START.match(sentence))
