"""Which sentences of a story answer the question.

Within the chosen story, a sentence answers when it shares the question's focus terms
(each distinct term once, weighted by its rarity among the story's sentences: the topic
words recur everywhere, the event asked about does not; a long sentence is not
penalised as BM25 would, since the one that names subject and event is long) and holds
a word of the expected answer type that the question does not already contain. Ties go
to the earlier sentence: news stories put their facts first.
"""

from __future__ import annotations

import math
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
    weight = _story_weights(focus, story)
    ranked: list[SentenceScore] = []
    for i, terms in enumerate(story.term_sets):
        own = focus & terms
        matched = sum(weight[t] for t in own)
        text = story.sentence(i)
        if i and CONTEXT_SHARE and refers_back(text):
            # "He was arrested on Friday" answers "When was Smith arrested?" when the
            # sentence before names Smith: its terms count, at a discount.
            inherited = (focus & story.term_sets[i - 1]) - own
            matched += CONTEXT_SHARE * sum(weight[t] for t in inherited)
        typed = has_expected(text, question)
        if not matched and not typed:
            continue
        words = len(text.split())
        score = matched + TYPE_WEIGHT * typed + POSITION_WEIGHT / (1 + i)
        ranked.append(SentenceScore(i, score * min(1.0, words / MIN_ANSWER_WORDS), typed))
    ranked.sort(key=lambda s: (-s.score, s.index))
    return ranked


def _story_weights(focus: set[str], story: StoryText) -> dict[str, float]:
    """Each focus term's worth within the story: 1 for a term in one sentence, less for a
    term in many. The story was chosen for its topic words, which recur throughout it;
    the answer sentence is the one that also holds the question's rarer words (the
    event asked about: "won" in a story full of "Australian Open")."""
    count = len(story.terms)
    frequency = dict.fromkeys(focus, 0)
    for terms in story.term_sets:
        for term in focus & terms:
            frequency[term] += 1
    top = math.log(1.0 + (count - 0.5) / 1.5) if count else 1.0
    if top <= 0:
        return dict.fromkeys(focus, 1.0)
    # BM25's idf over the story's sentences, scaled to 1 for a term in one sentence.
    return {
        term: math.log(1.0 + (count - df + 0.5) / (df + 0.5)) / top if df else 1.0
        for term, df in frequency.items()
    }


def refers_back(sentence: str) -> bool:
    """Whether the sentence needs the one before it to be understood (a pronoun or a
    connective opens it, or it continues a quotation in lower case)."""
    return bool(_REFERS_BACK.match(sentence) or _LOWER_START.match(sentence))
