"""Which story answers: the candidate stories re-scored as whole articles.

Passage retrieval finds the candidates; a question, though, is about a story, and its
terms are spread over the story (the name in the lead, the event three paragraphs
down). Each candidate's lead article is therefore scored as one document: BM25 over
its title and body with the index's idf, lengths normalised within the candidates, plus
a bonus for the question's adjacent term pairs found adjacent in the article (names
and phrases: "Larry King", "D-Day") and one for the question's terms meeting in one
sentence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from retrieval.index.tokenizer import Tokenizer
from retrieval.text.sentences import Span, split_sentences

Weight = Callable[[str], float]

# Weight of one matched adjacent pair of question terms, in units of the pair's rarer
# term's idf: a phrase match is strong evidence, about as much as one more occurrence
# of a rare query term in BM25.
PHRASE_WEIGHT = 1.0
# Weight of the best single sentence's idf mass (the summed idf of the distinct query
# terms it holds). A question is about one fact, and a fact sits in one sentence: the
# story where the question's terms meet in a sentence is more often the one asked about
# (NewsQA dev: +0.008 story_hit@1 on each half; flat between 1 and 3).
SENTENCE_WEIGHT = 2.0
# Between two sentences' terms in ``StoryText._joined``: never a term (terms are words),
# so no pair spans a sentence boundary.
_SEGMENT = "|"


@dataclass(frozen=True)
class StoryText:
    """A story's lead article as sentences with their terms (verbatim spans of ``body``)."""

    body: str
    spans: tuple[Span, ...]
    terms: tuple[tuple[str, ...], ...]  # per sentence
    title_terms: tuple[str, ...]

    def sentence(self, i: int) -> str:
        return self.body[self.spans[i].start : self.spans[i].end]

    # Derived once per read article (a StoryText is cached across answers and never
    # changes); callers only read them.
    @cached_property
    def counts(self) -> Counter[str]:
        counts = Counter(self.title_terms)
        for terms in self.terms:
            counts.update(terms)
        return counts

    @cached_property
    def _joined(self) -> str:
        """The title's and each sentence's terms as one string, a space around every
        term and a sentence mark between sentences: adjacency is then a substring test
        in C, cheaper than collecting every adjacent pair of a story read once."""
        segments = (" ".join(terms) for terms in (self.title_terms, *self.terms) if terms)
        return f" {f' {_SEGMENT} '.join(segments)} "

    def has_pair(self, first: str, second: str) -> bool:
        """Whether ``second`` follows ``first`` within one sentence (or the title)."""
        return f" {first} {second} " in self._joined

    @cached_property
    def term_sets(self) -> tuple[frozenset[str], ...]:
        """Each sentence's distinct terms."""
        return tuple(frozenset(terms) for terms in self.terms)

    @cached_property
    def length(self) -> int:
        return len(self.title_terms) + sum(len(t) for t in self.terms)


def read_story(
    title: str, body: str, tokenizer: Tokenizer, spans: Sequence[Span] | None = None
) -> StoryText:
    """``body`` as sentences (``spans`` when stored with it, else split now) with their terms."""
    spans = tuple(split_sentences(body) if spans is None else spans)
    terms = tokenizer.tokenize_spans(body, [(s.start, s.end) for s in spans])
    return StoryText(
        body=body,
        spans=spans,
        terms=tuple(map(tuple, terms)),
        title_terms=tuple(tokenizer.tokenize(title)),
    )


def story_scores(
    query_terms: Sequence[str],
    stories: Sequence[StoryText],
    idf: Weight,
    *,
    k1: float,
    b: float,
) -> list[float]:
    """Each story's whole-article BM25 for the query plus its phrase bonus."""
    if not stories:
        return []
    terms = list(dict.fromkeys(query_terms))
    weights = {t: max(0.0, idf(t)) for t in terms}
    wanted_pairs = {(a, c) for a, c in pairwise(query_terms) if a != c}
    lengths = [max(1, s.length) for s in stories]
    average = sum(lengths) / len(lengths)
    scores: list[float] = []
    for story, length in zip(stories, lengths, strict=True):
        counts = story.counts
        norm = k1 * (1.0 - b + b * length / average)
        score = 0.0
        for term in terms:
            tf = counts.get(term, 0)
            if tf:
                score += weights[term] * tf * (k1 + 1.0) / (tf + norm)
        for a, c in wanted_pairs:
            if story.has_pair(a, c):
                score += PHRASE_WEIGHT * min(weights[a], weights[c])
        score += SENTENCE_WEIGHT * _best_sentence_mass(weights, story)
        scores.append(score)
    return scores


def _best_sentence_mass(weights: dict[str, float], story: StoryText) -> float:
    """The largest summed weight of distinct query terms found in one sentence."""
    wanted = weights.keys()
    return max((sum(weights[t] for t in wanted & terms) for terms in story.term_sets), default=0.0)
