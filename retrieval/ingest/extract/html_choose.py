"""Choosing the body among the candidates of the HTML cascade, by stated rules.

Candidates are lists of paragraphs from different extractors reading the same page:
trafilatura's default settings (the baseline), its precision settings, the plain-text
cleaner over the page's visible text, and trafilatura with its own fallback
extractors (readability-style scoring and jusText) when the baseline comes up short.
No extractor wins everywhere: the default keeps furniture on some sites, precision
drops real text on others, the cleaner ignores markup (good on pages without class
names, bad where text repeats). The rules:

1. Clearly good, stop early: the baseline is kept without running the others when
   it is clean (none of its paragraphs is page furniture by our boilerplate, caption
   and link-only tests, and most of its words are in prose paragraphs) and not short:
   not under ``FALLBACK_RATIO`` of the cleaner's body, which runs only when the page's
   prose lines say it could be that long. A baseline that is not clean is settled by
   the precision candidate when that one is clean, long enough, and agrees with the
   baseline (shingle Jaccard at least ``SETTLED_AGREEMENT``): the same article, less
   furniture.
2. Agreement: otherwise, among the candidates with at least one prose paragraph (a
   list of links and labels is no article), the one that agrees most with the others
   wins (sum of 4-word-shingle Jaccard similarities; ties go to the earlier, more
   trusted one).
   Extractors err in different directions, so the one closest to all is the one whose
   errors the others do not share.
   Two candidates cannot outvote each other: then the one with the larger share of
   its words in prose paragraphs wins.
3. Disputed furniture: a paragraph of the chosen body that another candidate left
   out is dropped when it looks like furniture (rule 1's tests, or a line in capitals:
   the teaser headlines that sites put between paragraphs).
4. Length: a body under ``FALLBACK_RATIO`` of the cleaner's (its distinct paragraphs)
   is replaced by the cleaner's: the extractors stopped after the first part of an
   article split by adverts or "read more" blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from retrieval.ingest.extract.boilerplate import is_boilerplate, is_caption, is_relative_time
from retrieval.ingest.extract.linewords import word_count
from retrieval.ingest.extract.prose import GOOD_MIN_WORDS, is_prose

# The chosen body is replaced by the cleaner's when shorter than this share of it.
FALLBACK_RATIO = 0.5
# Share of a clean body's words that must sit in prose paragraphs (GOOD_MIN_WORDS words
# or more); below it the body reads as a list of links or labels, not an article.
MIN_PROSE_SHARE = 0.6
# The cleaner's body is the page's prose lines plus a few short lines it keeps among
# them (subheadings, list items); the words of the prose lines times this margin stand
# for the most it can return, so it runs only when a body may fall short of
# FALLBACK_RATIO of that.
SHORT_LINE_MARGIN = 1.25
# Words a line in capitals needs to be taken for a teaser headline (not an acronym).
MIN_CAPITALS_WORDS = 3
# Shingle agreement at which the precision candidate, when clean, settles a page whose
# baseline is not clean: the two readings differ only by some furniture lines.
SETTLED_AGREEMENT = 0.8
# Words per shingle in the agreement measure (the scale of a phrase, not of a word).
SHINGLE = 4
_WORD = re.compile(r"\w+")
# List markers trafilatura puts before list items.
_MARKER = re.compile(r"^[-*•·]\s+")


@dataclass(frozen=True)
class Candidate:
    """One extractor's reading of the page: its name and its paragraphs."""

    name: str
    paragraphs: tuple[str, ...]

    @cached_property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @cached_property
    def shingles(self) -> set[tuple[str, ...]]:
        """Its 4-word shingles, read by rules 1 and 2 alike."""
        return _shingles(self.paragraphs)

    @cached_property
    def has_prose(self) -> bool:
        """Whether any paragraph is prose: a list of links and labels is no article."""
        return any(is_prose(p, word_count(p)) for p in self.paragraphs)


def furniture(paragraph: str, link_texts: frozenset[str]) -> bool:
    """A paragraph that is page furniture: a prompt, a caption, a time, a lone link."""
    text = _MARKER.sub("", paragraph).strip()
    return (
        is_boilerplate(text)
        or is_caption(text)
        or is_relative_time(text)
        or text.casefold() in link_texts
    )


def is_clean(candidate: Candidate, link_texts: frozenset[str]) -> bool:
    """Rule 1's cheap half: prose, no furniture, most words in prose paragraphs.

    The word counts go first: the furniture tests cost the most.
    """
    if not candidate.has_prose:
        return False
    prose = sum(len(p.split()) for p in candidate.paragraphs if word_count(p) >= GOOD_MIN_WORDS)
    if prose < MIN_PROSE_SHARE * candidate.words:
        return False
    return not any(furniture(p, link_texts) for p in candidate.paragraphs)


def settled(baseline: Candidate, precision: Candidate, link_texts: frozenset[str]) -> bool:
    """Rule 1, second stage: a clean precision candidate that agrees with a baseline
    that is not clean (the same prose, less furniture) is kept without a third opinion."""
    if not is_clean(precision, link_texts):
        return False
    agreement = _jaccard(baseline.shingles, precision.shingles)
    return agreement >= SETTLED_AGREEMENT


def falls_short(candidate: Candidate, cleaner: Candidate) -> bool:
    """Rule 1's other half (and rule 4's test): under FALLBACK_RATIO of the cleaner's."""
    return cleaner.has_prose and candidate.words < FALLBACK_RATIO * cleaner.words


def may_fall_short(words: int, prose_words: int) -> bool:
    """Whether the cleaner could return over 1 / FALLBACK_RATIO times ``words``.

    Only lines of GOOD_MIN_WORDS words or more can be prose to the cleaner, so their
    words (``prose_words``, with a margin for the short lines it keeps) bound it.
    """
    return words < FALLBACK_RATIO * SHORT_LINE_MARGIN * prose_words


def most_agreed(candidates: Sequence[Candidate]) -> Candidate | None:
    """Rule 2: the non-empty candidate with the highest summed similarity to the others."""
    present = [c for c in candidates if c.has_prose]
    if len(present) <= 2:
        # Two cannot outvote each other: the one with more of its words in prose wins.
        return max(present, key=_prose_share, default=None)
    shingles = [c.shingles for c in present]
    best, best_score = present[0], -1.0
    for i, candidate in enumerate(present):
        score = sum(_jaccard(shingles[i], shingles[j]) for j in range(len(present)) if j != i)
        if score > best_score + 1e-9:
            best, best_score = candidate, score
    return best


def longer_cleaner(chosen: Candidate | None, cleaner: Candidate | None) -> Candidate | None:
    """Rule 4: the cleaner's body when the chosen one is under FALLBACK_RATIO of it."""
    if cleaner is None or not cleaner.has_prose:
        return chosen
    if chosen is None or falls_short(chosen, cleaner):
        return cleaner
    return chosen


def without_disputed_furniture(
    chosen: Candidate, others: Sequence[Candidate], link_texts: frozenset[str]
) -> Candidate:
    """Rule 3: furniture-like paragraphs that another candidate left out are dropped."""
    dissent = [set(c.paragraphs) for c in others if c is not chosen and c.has_prose]
    if not dissent:
        return chosen
    paragraphs = tuple(
        p
        for p in chosen.paragraphs
        if all(p in kept for kept in dissent) or not (furniture(p, link_texts) or _in_capitals(p))
    )
    return Candidate(chosen.name, paragraphs) if paragraphs else chosen


def _in_capitals(paragraph: str) -> bool:
    """A line of several words whose cased letters are all capitals."""
    cased = [c for c in paragraph if c.lower() != c.upper()]
    return (
        len(paragraph.split()) >= MIN_CAPITALS_WORDS
        and bool(cased)
        and all(c.isupper() for c in cased)
    )


def _prose_share(candidate: Candidate) -> float:
    """Share of the words in prose paragraphs (ties keep the earlier candidate)."""
    prose = sum(len(p.split()) for p in candidate.paragraphs if is_prose(p, word_count(p)))
    return prose / max(candidate.words, 1)


def _shingles(paragraphs: Sequence[str]) -> set[tuple[str, ...]]:
    tokens = _WORD.findall("\n".join(paragraphs))
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)  # the union's size, without building it
