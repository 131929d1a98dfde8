"""Article bodies cut into passages: the units that BM25 ranks and answers cite.

A passage is a run of whole sentences of roughly ``min_words``..``max_words`` words:
long enough to carry context for ranking, short enough that a citation points at
the relevant part of a long article. Sentences are never split (an answer quotes
sentences verbatim), and paragraph breaks are the preferred places to cut because a
paragraph is usually about one thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from retrieval.text.sentences import Span, split_sentences

# A short final remainder is merged into the passage before it as long as the result
# stays within this multiple of ``max_words``; otherwise it stays a short passage.
_MERGE_TAIL_FACTOR = 1.3
# Scripts written without spaces count one word per character, so a Chinese or
# Japanese body is cut into passages of comparable size too.
# A word is a CJK character or a run of other non-space characters with a letter or
# digit in it (punctuation standing alone, as in tokenised text, is not a word).
# A match only ever starts where a run starts, and the lookbehind says so: without it a
# run with no letter ("=====", a rule line) is retried from each of its characters,
# which is quadratic in the run's length (minutes on a megabyte of punctuation).
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_WORD = regex.compile(rf"[{_CJK}]|(?<![^\s{_CJK}])[^\s{_CJK}]*[\p{{L}}\p{{N}}][^\s{_CJK}]*")
# ``_WORD`` on ASCII text, where white space is [\t\n\v\f\r ] (Unicode's White_Space),
# a letter or digit [A-Za-z0-9] and no CJK occurs: ``re`` counts these words faster.
_ASCII_WORD = re.compile(
    r"(?<![^\t\n\x0b\x0c\r ])[^\t\n\x0b\x0c\r ]*[A-Za-z0-9][^\t\n\x0b\x0c\r ]*"
)
_PARAGRAPH_GAP = regex.compile(r"(?:\r\n|[\n\r\u2028])[^\S\n\r]*(?:\r\n|[\n\r\u2028])|\u2029")


@dataclass(frozen=True, slots=True)
class PassageDraft:
    """One passage before storage; ``text == body[start:end]``."""

    ordinal: int
    text: str
    start: int
    end: int


@dataclass(slots=True)
class _Group:
    sentences: list[Span]
    words: int


def word_count(text: str) -> int:
    """Words as the passage size targets count them."""
    return len((_ASCII_WORD if text.isascii() else _WORD).findall(text))


def split_passages(
    body: str,
    *,
    min_words: int = 60,
    max_words: int = 150,
    sentences: Sequence[Span] | None = None,
) -> list[PassageDraft]:
    """Pack the sentences of ``body`` (``split_sentences`` unless given) into passages,
    preferring paragraph breaks."""
    if min_words <= 0 or max_words < min_words:
        raise ValueError(f"need 0 < min_words <= max_words, got {min_words}, {max_words}")
    groups: list[_Group] = []
    previous_end = 0
    for span in split_sentences(body) if sentences is None else sentences:
        words = word_count(body[span.start : span.end])
        new_paragraph = bool(_PARAGRAPH_GAP.search(body, previous_end, span.start))
        previous_end = span.end
        current = groups[-1] if groups else None
        if current is None or _starts_new_passage(
            current.words, words, new_paragraph, min_words, max_words
        ):
            groups.append(_Group([span], words))
        else:
            current.sentences.append(span)
            current.words += words
    _merge_short_tail(groups, min_words, max_words)
    return [_draft(body, ordinal, group) for ordinal, group in enumerate(groups)]


def _starts_new_passage(
    current_words: int, words: int, new_paragraph: bool, min_words: int, max_words: int
) -> bool:
    """Whether the next sentence opens a new passage instead of joining the current one."""
    if current_words + words > max_words:
        return True
    return new_paragraph and current_words >= min_words


def _merge_short_tail(groups: list[_Group], min_words: int, max_words: int) -> None:
    if len(groups) < 2:
        return
    tail, before = groups[-1], groups[-2]
    if tail.words < min_words and before.words + tail.words <= max_words * _MERGE_TAIL_FACTOR:
        before.sentences.extend(tail.sentences)
        before.words += tail.words
        groups.pop()


def _draft(body: str, ordinal: int, group: _Group) -> PassageDraft:
    start, end = group.sentences[0].start, group.sentences[-1].end
    return PassageDraft(ordinal=ordinal, text=body[start:end], start=start, end=end)
