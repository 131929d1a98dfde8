"""Turning ranked stories into what people read: answers and topic snippets.

A question (``ask``) is answered from the story that has the answer: the candidate
stories are re-scored as whole articles and the best one's answering sentences come
first (``retrieval.answer``). A topic (``news``) gets each top story's best snippet.
Every sentence shown is verbatim from a stored article; citations are numbered in the
order the answer first quotes them, one per story, with the other outlets carrying the
story listed under it; stories no sentence quotes are listed as related, not cited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from retrieval.answer.question import Question, analyze
from retrieval.answer.sentence_choice import rank_sentences
from retrieval.answer.story_choice import StoryText, read_story, story_scores
from retrieval.config import AnswerSettings
from retrieval.index import BM25Index
from retrieval.index.tokenizer import Tokenizer
from retrieval.ranking.stories import ArticleText, StoryHit
from retrieval.results import Answer, AnswerSentence, Citation, cite_article
from retrieval.text.sentences import split_sentences, unpack_spans

ELLIPSIS = "…"
# Candidate stories re-scored as whole articles for an answer: the passage ranking's
# best stories hold the answering one nearly always within the first ten, and each
# costs reading and tokenising its article.
STORY_POOL = 10
# Stories whose read articles are kept for the next answers (about 10-15 kB each).
STORY_CACHE_SIZE = 1024
# Another story adds a sentence to the answer only when its score is at least this
# share of the best story's (it is about as likely to be the story asked about).
CLOSE_STORY_SHARE = 0.9
# Sentences of the best story shown before other stories' sentences.
SENTENCES_PER_STORY = 2
# Other stories scoring at least this share of the best one add their best sentence
# after the best story's (a vague question may be about either).
SUPPORT_SHARE = 0.6
# Where such a sentence goes: after the best story's first sentence.
OTHER_STORY_SLOT = 1
# A story the answer does not quote is listed as related only when its passage score
# is at least this share of the best story's. Below it a story matched one common word
# or only the feedback's expansion terms (a few percent of the best score): listing it
# beside the answer is noise, and in a small collection it would list every story.
RELATED_SHARE = 0.2


def _cut_words(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def make_snippet(
    text: str, tokens: Collection[str], tokenizer: Tokenizer, limit: int
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The passage's sentences richest in query terms, within ``limit`` characters."""
    wanted = set(tokens)
    spans = split_sentences(text) or []
    terms = tokenizer.tokenize_spans(text, [(span.start, span.end) for span in spans])
    best_start = 0
    best_hits = -1
    for i, sentence_terms in enumerate(terms):
        hits = len(wanted.intersection(sentence_terms))
        if hits > best_hits:
            best_start, best_hits = i, hits
    if spans:
        pieces: list[str] = []
        for span in spans[best_start:]:
            sentence = text[span.start : span.end]
            if pieces and len(" ".join([*pieces, sentence])) > limit:
                break
            pieces.append(sentence)
        snippet = _cut_words(" ".join(pieces), limit)
    else:
        snippet = _cut_words(text.strip(), limit)
    marks = tuple(tokenizer.match_spans(snippet, wanted))
    return snippet, marks


def make_citation(
    n: int,
    story: StoryHit,
    tokens: Collection[str],
    tokenizer: Tokenizer,
    settings: AnswerSettings,
) -> Citation:
    snippet, marks = make_snippet(
        story.best.passage.text, tokens, tokenizer, settings.snippet_chars
    )
    return cite_article(
        n,
        story.best.article,
        snippet=snippet,
        marks=marks,
        score=story.score,
        also=story.articles()[1:],
    )


def no_results_hint(query: str, filtered: bool) -> str:
    base = f"Nothing in the stored articles matches “{_cut_words(query, 80)}”."
    if filtered:
        return base + " Try a longer time window or another source, or fewer words."
    return base + " Try other or fewer words, or see /sources for what can be searched."


def compose_news(
    query: str,
    stories: Sequence[StoryHit],
    tokens: Collection[str],
    tokenizer: Tokenizer,
    settings: AnswerSettings,
    *,
    offset: int,
    limit: int,
    filtered: bool,
) -> Answer:
    """Top stories as cited snippets."""
    page = stories[offset : offset + limit]
    citations = tuple(
        make_citation(offset + i + 1, story, tokens, tokenizer, settings)
        for i, story in enumerate(page)
    )
    return Answer(
        query=query,
        sentences=(),
        citations=citations,
        offset=offset,
        has_more=len(stories) > offset + limit,
        hint=None if citations else no_results_hint(query, filtered),
    )


def compose_answer(
    query: str,
    stories: Sequence[StoryHit],
    tokenizer: Tokenizer,
    reader: StoryReader,
    fetch: TextFetch,
    index: BM25Index,
    settings: AnswerSettings,
    *,
    offset: int,
    limit: int,
    filtered: bool,
) -> Answer:
    """The sentences that answer the question, from the story that has them.

    The candidate stories are re-scored as whole articles and the best one answers:
    its sentences that share the question's focus and hold the expected type of answer,
    best first. Another story scoring close to it adds its best sentence (second when it
    scores nearly as well and that sentence holds the expected type, else after the best
    story's). Only stories the sentences quote are cited; the rest of the page that
    scores near enough to the best story is listed as related.
    """
    question = analyze(query, tokenizer)
    ranked = rerank_stories(question, stories, reader, fetch, index, wanted=offset + limit)
    page = ranked[offset : offset + limit]
    if not page:
        return compose_news(
            query,
            stories,
            question.focus,
            tokenizer,
            settings,
            offset=offset,
            limit=limit,
            filtered=filtered,
        )
    picks = choose_sentences(question, page, settings.max_sentences)
    order = list(dict.fromkeys(story for story, _ in picks))
    floor = RELATED_SHARE * stories[0].score
    cited = {story: offset + n for n, story in enumerate(order, start=1)}

    def cite(story: int, n: int) -> Citation:
        return make_citation(n, page[story].hit, question.focus, tokenizer, settings)

    # Related stories are numbered after the cited ones, and listed only when they score
    # near the best and their snippet shows a question term (else nothing on screen
    # says why they are there).
    near = [i for i in range(len(page)) if i not in cited and page[i].hit.score >= floor]
    shown = [c for c in (cite(i, 0) for i in near) if c.marks]
    related = tuple(replace(c, n=offset + len(order) + k) for k, c in enumerate(shown, start=1))
    sentences = tuple(
        AnswerSentence(text=page[story].text.sentence(i), cites=(cited[story],))
        for story, i in picks
    )

    return Answer(
        query=query,
        sentences=sentences,
        citations=tuple(cite(story, cited[story]) for story in order),
        related=related,
        offset=offset,
        has_more=len(stories) > offset + limit,
    )


@dataclass(frozen=True)
class _Candidate:
    hit: StoryHit
    text: StoryText
    score: float


# Reads candidate articles' bodies and sentence offsets by id, in one query (the
# caller's session: ``retrieval.ranking.stories.load_texts``).
TextFetch = Callable[[Sequence[int]], Mapping[int, ArticleText]]


class ReadableArticle(Protocol):
    """What ``StoryReader`` needs of an article to read it or find it read: a ranking's
    ``ArticleCard`` or a stored ``Article``."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def content_hash(self) -> str: ...


class StoryReader:
    """Stories' lead articles as sentences with their terms, the most recent kept.

    Reading an article (its body from the database, tokenising) is most of an answer's
    cost, and a server's questions keep coming back to the same few stories. Stored
    articles do not change; an entry is keyed by the article's id, title and content
    hash, so an id reused for another article cannot find a stale entry.
    """

    def __init__(self, tokenizer: Tokenizer, size: int = STORY_CACHE_SIZE) -> None:
        self._tokenizer = tokenizer
        self._size = size
        self._cache: OrderedDict[tuple[int, str, str], StoryText] = OrderedDict()
        self._lock = threading.Lock()

    def read_many(self, articles: Sequence[ReadableArticle], fetch: TextFetch) -> list[StoryText]:
        """Each article read, the ones not kept fetched together."""
        keys = [(a.id, a.title, a.content_hash) for a in articles]
        texts: dict[tuple[int, str, str], StoryText] = {}
        with self._lock:
            for key in keys:
                text = self._cache.get(key)
                if text is not None:
                    self._cache.move_to_end(key)
                    texts[key] = text
        missing = [(a, key) for a, key in zip(articles, keys, strict=True) if key not in texts]
        if missing:
            stored = fetch([a.id for a, _ in missing])
            fresh: dict[tuple[int, str, str], StoryText] = {}
            for article, key in missing:
                # An article deleted since the ranking read it reads as empty.
                found = stored.get(article.id)
                body, spans = (found.body, found.sentence_spans) if found else ("", None)
                fresh[key] = read_story(article.title, body, self._tokenizer, unpack_spans(spans))
            texts.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return [texts[key] for key in keys]


def rerank_stories(
    question: Question,
    stories: Sequence[StoryHit],
    reader: StoryReader,
    fetch: TextFetch,
    index: BM25Index,
    *,
    wanted: int,
) -> list[_Candidate]:
    """The best ``wanted`` stories after re-scoring the passage ranking's first
    ``STORY_POOL`` (or ``wanted``, when more) as whole articles; stories past those are
    not read."""
    pool = stories[: max(STORY_POOL, wanted)]
    texts = reader.read_many([s.best.article for s in pool], fetch)
    scores = story_scores(question.focus, texts, index.idf, k1=index.k1, b=index.b)
    ranked = sorted(zip(pool, texts, scores, strict=True), key=lambda c: -c[2])
    return [_Candidate(hit, text, score) for hit, text, score in ranked[:wanted]]


def choose_sentences(
    question: Question, page: Sequence[_Candidate], limit: int
) -> list[tuple[int, int]]:
    """(story, sentence) pairs of the answer, in the order shown: the best story's
    sentences first; a nearly as good story's typed sentence second; then the best
    sentence of each other story that scores close to the best one."""
    top = rank_sentences(question, page[0].text)
    lead = [(0, 0)] if page[0].text.spans else []
    picks: list[tuple[int, int]] = [(0, s.index) for s in top[:SENTENCES_PER_STORY]] or lead
    best = page[0].score
    for story in range(1, len(page)):
        share = page[story].score / best if best > 0 else 0.0
        if share < SUPPORT_SHARE:
            break
        ranked = rank_sentences(question, page[story].text)
        if not ranked:
            continue
        if share >= CLOSE_STORY_SHARE and ranked[0].typed:
            picks.insert(min(len(picks), OTHER_STORY_SLOT), (story, ranked[0].index))
        else:
            picks.append((story, ranked[0].index))
    picks.extend((0, s.index) for s in top[SENTENCES_PER_STORY:])
    return _distinct(picks, page)[:limit]


def _distinct(picks: list[tuple[int, int]], page: Sequence[_Candidate]) -> list[tuple[int, int]]:
    """Picks without repeated sentences (the same wire copy quoted by two stories)."""
    seen: set[str] = set()
    out: list[tuple[int, int]] = []
    for story, i in picks:
        key = " ".join(page[story].text.sentence(i).split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append((story, i))
    return out
