"""Does a sentence hold a word of the type the question expects, besides the question's?

Shallow, rule-based recognisers in place of a named-entity model: capitalised word
runs for names, a locative preposition before a name for places, month and weekday
names, years and relative times for times, digits and number words for quantities,
causal connectives for reasons, quotation marks and verbs of saying for statements.
They only have to tell an answering sentence from a merely related one, so recall
matters more than a clean label.
"""

from __future__ import annotations

import regex

from retrieval.answer.question import AnswerType, Question

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred hundreds thousand thousands million millions billion billions "
    "trillion dozen dozens half quarter"
)
_TIME = regex.compile(
    rf"\b(?:{'|'.join(_MONTHS.split())}|{'|'.join(_DAYS.split())})\b"
    r"|\b(?:1[5-9]\d\d|20\d\d)s?\b"
    r"|\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am|pm)\b"
    r"|\b(?:yesterday|today|tonight|tomorrow|ago|overnight|morning|afternoon|evening)\b"
    r"|\b(?:last|next|this|earlier this|later this) (?:week|month|year|spring|summer|fall|"
    r"autumn|winter|weekend)\b",
    regex.IGNORECASE,
)
_NUMBER = regex.compile(rf"\d|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b|%|\$|£|€", regex.IGNORECASE)
_REASON = regex.compile(
    r"\b(?:because|due to|owing to|as a result|result of|in order to|so that|caused by|"
    r"blamed|reason|after|since|amid|following|led to|prompted|over concerns?|for fear)\b",
    regex.IGNORECASE,
)
_STATEMENT = regex.compile(
    r"[\"“”]|\b(?:said|says|say|told|tells|according to|added|stated|announced|"
    r"warned|insisted|explained|wrote)\b",
    regex.IGNORECASE,
)
# A run of capitalised words (allowing "of", "de", "bin" ... inside a name).
_NAME = regex.compile(
    r"\b\p{Lu}[\p{L}'’.-]*(?:\s+(?:(?:of|de|da|del|van|von|bin|al|el|la|le)\s+)?\p{Lu}[\p{L}'’.-]*)*"
)
# Prepositions after which a name is most often a place.
_LOCATIVE = regex.compile(
    r"\b(?:in|at|from|near|to|into|outside|inside|across|throughout|off|of)\s+(?:the\s+)?"
    r"\p{Lu}",
)
_CALENDAR = frozenset((_MONTHS + " " + _DAYS).split())


def has_expected(sentence: str, question: Question) -> bool:
    """Whether ``sentence`` holds a candidate answer of the question's expected type."""
    expected = question.expected
    if expected is AnswerType.ANY:
        return False
    if expected is AnswerType.TIME:
        return _TIME.search(sentence) is not None
    if expected is AnswerType.NUMBER:
        return _NUMBER.search(sentence) is not None
    if expected is AnswerType.REASON:
        return _REASON.search(sentence) is not None
    if expected is AnswerType.STATEMENT:
        return _STATEMENT.search(sentence) is not None
    if expected is AnswerType.PLACE:
        return _LOCATIVE.search(sentence) is not None and _new_name(sentence, question)
    return _new_name(sentence, question)


def _new_name(sentence: str, question: Question) -> bool:
    """A capitalised name that is not in the question; a sentence's first word counts
    only when the name goes on past it (a capital there may just open the sentence)."""
    for match in _NAME.finditer(sentence):
        name = match.group(0)
        parts = name.split()
        if match.start() == _first_word_start(sentence) and len(parts) == 1:
            continue
        if all(p.lower().strip(".'’") in question.words or p.lower() in _CALENDAR for p in parts):
            continue
        return True
    return False


def _first_word_start(sentence: str) -> int:
    match = regex.search(r"\p{L}", sentence)
    return match.start() if match else 0
