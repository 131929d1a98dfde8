"""What a question asks for: its kind, the type of answer that satisfies it, its focus.

A reader asking "Who won the Australian Open?" wants a name, not the sentence that
repeats "Australian Open" most often. The analysis is rule based (no model): the wh-word
and, for "what"/"which" questions, the head noun after it decide the expected answer
type; the question's frame ("how many", "what kind of", the head noun itself) is left
out of the focus terms, which are what a sentence must share with the question.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import regex

from retrieval.index.tokenizer import Tokenizer


class AnswerType(enum.Enum):
    """The kind of words an answer sentence must hold besides the question's own."""

    NAME = "name"  # a person, organisation or other named thing
    PLACE = "place"
    TIME = "time"
    NUMBER = "number"
    REASON = "reason"
    STATEMENT = "statement"  # what someone said: a quote or reported speech
    ANY = "any"  # no type is implied ("What is happening?", yes/no questions)


@dataclass(frozen=True)
class Question:
    text: str
    expected: AnswerType
    # Stemmed terms a sentence should share with the question (frame words removed).
    focus: tuple[str, ...]
    # Lower-cased words of the question: a name already in the question is not an answer.
    words: frozenset[str]
    # A question ("Who ...?", "... what?") rather than a topic ("South Korea").
    is_question: bool


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Head nouns after "what"/"which" that name the answer type ("What city ...?"). They
# describe the answer rather than occur near it, so they leave the focus too.
_HEAD_NOUNS: dict[AnswerType, frozenset[str]] = {
    AnswerType.PLACE: _words(
        "country countries city cities state states town towns place places region "
        "regions nation nations area areas province provinces island islands village "
        "villages county continent location locations venue neighborhood neighbourhood "
        "district capital"
    ),
    AnswerType.TIME: _words(
        "year years day days date dates time month months decade century season era"
    ),
    AnswerType.NUMBER: _words(
        "number amount percentage percent age size cost price total toll population "
        "distance height weight sum rate figure"
    ),
    AnswerType.NAME: _words(
        "person people man men woman women name names company companies group groups team "
        "teams organization organisation organizations agency party leader leaders "
        "official officials player players actor actress singer band artist artists"
    ),
}
# "how X" questions and the type they ask for; X is frame, not focus.
_HOW: dict[str, AnswerType] = dict.fromkeys(
    _words("many much long old far big large tall often high deep"), AnswerType.NUMBER
)
# Words that only shape a question ("what kind of", "so far") and never locate its answer.
_FRAME_WORDS = _words("kind type sort name happen happened happening")
_WH = regex.compile(r"\b(who|whom|whose|when|where|why|how|what|which)\b", regex.IGNORECASE)
_YES_NO_START = regex.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|has|have|had|should|may|might)\b",
    regex.IGNORECASE,
)
_SAY_VERBS = _words(
    "say said says tell told claim claimed claims announce announced admit admitted "
    "reply replied respond responded warn warned describe described call called"
)
_REASON_WORDS = _words("reason reasons cause caused motive purpose")
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’-]*")


def analyze(text: str, tokenizer: Tokenizer) -> Question:
    """The question's expected answer type, focus terms and words."""
    words = [w.lower() for w in _WORD.findall(text)]
    wh = _WH.search(text)
    after = [w.lower() for w in _WORD.findall(text[wh.end() :])] if wh else []
    expected, frame = _expected(after, wh.group(1).lower() if wh else None)
    is_question = (
        wh is not None or text.rstrip().endswith("?") or bool(_YES_NO_START.match(text.strip()))
    )
    focus_words = [w for w in _WORD.findall(text) if w.lower() not in frame]
    focus = tuple(dict.fromkeys(tokenizer.tokenize(" ".join(focus_words))))
    if not focus:
        # A question of frame words only ("What happened?"): keep what it has.
        focus = tuple(dict.fromkeys(tokenizer.tokenize(text)))
    return Question(
        text=text,
        expected=expected if is_question else AnswerType.ANY,
        focus=focus,
        words=frozenset(words),
        is_question=is_question,
    )


def _expected(rest: list[str], wh: str | None) -> tuple[AnswerType, frozenset[str]]:
    """The answer type and the frame words of a question whose wh-word ``wh`` is
    followed by the words ``rest``."""
    frame = set(_FRAME_WORDS)
    if wh is None:
        return AnswerType.ANY, frozenset(frame)
    after = rest[:3]
    if wh in ("who", "whom", "whose"):
        return AnswerType.NAME, frozenset(frame)
    if wh == "when":
        return AnswerType.TIME, frozenset(frame)
    if wh == "where":
        return AnswerType.PLACE, frozenset(frame)
    if wh == "why":
        return AnswerType.REASON, frozenset(frame)
    if wh == "how":
        if after and after[0] in _HOW:
            frame.add(after[0])
            return _HOW[after[0]], frozenset(frame)
        return AnswerType.ANY, frozenset(frame)
    # "what"/"which": the head noun (skipping "kind of", "type of") names the type; a verb
    # of saying ("What did he say?") asks for a statement; a reason noun for a reason.
    head = [w for w in after if w not in ("kind", "type", "sort", "of", "the", "a", "an")]
    for noun in head[:1]:
        for answer_type, nouns in _HEAD_NOUNS.items():
            if noun in nouns:
                frame.add(noun)
                return answer_type, frozenset(frame)
    if _REASON_WORDS.intersection(rest):
        return AnswerType.REASON, frozenset(frame)
    if _SAY_VERBS.intersection(rest):
        return AnswerType.STATEMENT, frozenset(frame)
    return AnswerType.ANY, frozenset(frame)
