"""Story and sentence choice on small stories written for these tests."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from retrieval.answer.compose import StoryReader
from retrieval.answer.question import analyze
from retrieval.answer.sentence_choice import rank_sentences, refers_back
from retrieval.answer.story_choice import StoryText, read_story, story_scores
from retrieval.index.tokenizer import Tokenizer
from retrieval.ranking.stories import ArticleText
from retrieval.store.models import Article

TOKENIZER = Tokenizer()

# The first sentence shares more words with "Who won the Australian Open?"; the second
# names the winner. As in any story, the topic words recur through it.
OPEN_FINAL = (
    "The Australian Open final drew a record crowd to Melbourne Park on Saturday. "
    "Naomi Osaka won the title in straight sets. "
    "Australian Open organisers said ticket sales beat last year's. "
    "Players praised the new roof over the Australian Open's main court. "
    "The Open closes the first month of the tennis season."
)


def _ranked_texts(question: str, body: str) -> list[str]:
    story = read_story("Tennis", body, TOKENIZER)
    return [story.sentence(s.index) for s in rank_sentences(analyze(question, TOKENIZER), story)]


def test_who_won_prefers_the_sentence_naming_the_winner() -> None:
    ranked = _ranked_texts("Who won the Australian Open?", OPEN_FINAL)
    assert ranked[0].startswith("Naomi Osaka won the title")


def test_when_prefers_a_sentence_with_a_time() -> None:
    body = (
        "The ferry that sank off the island carried 300 passengers, the ferry company said. "
        "Rescuers said the ferry sank on Tuesday night in heavy seas. "
        "Relatives gathered at the port."
    )
    assert _ranked_texts("When did the ferry sink?", body)[0].startswith("Rescuers said")


def test_how_many_prefers_a_sentence_with_a_number() -> None:
    body = (
        "Floods killed people across the region, and the floods destroyed roads. "
        "Officials said 41 people died in the floods. "
        "Aid agencies appealed for help."
    )
    assert _ranked_texts("How many people died in the floods?", body)[0].startswith("Officials")


def test_why_prefers_a_sentence_with_a_reason() -> None:
    body = (
        "The US cyber security chief resigned on Monday, the agency said. "
        "He resigned because of a dispute over the agency's cyber security budget. "
        "The security agency's deputy chief takes over."
    )
    ranked = _ranked_texts("Why did the cyber security chief resign?", body)
    assert ranked[0].startswith("He resigned because")


def test_a_back_reference_borrows_the_previous_sentence_terms() -> None:
    body = (
        "Police named the suspect as John Barker, a local builder. "
        "He was arrested on Friday at his home. "
        "Neighbours said the street was quiet."
    )
    assert _ranked_texts("When was John Barker arrested?", body)[0].startswith("He was arrested")
    assert refers_back("He was arrested on Friday.")
    assert refers_back('"and we will not stop," she said.')
    assert not refers_back("Police arrested him on Friday.")


def test_sentences_matching_nothing_are_left_out() -> None:
    ranked = _ranked_texts("What did Harbourton approve?", OPEN_FINAL)
    assert ranked == []


def test_story_choice_scores_the_whole_article_and_phrases() -> None:
    spread = read_story(
        "Council news",
        "The council met on Monday. Later the tidal barrage plan was approved.",
        TOKENIZER,
    )
    partial = read_story(
        "Council news", "The council met on Monday. Members discussed roads.", TOKENIZER
    )
    phrase = read_story("Energy", "The tidal barrage plan was approved.", TOKENIZER)
    apart = read_story("Energy", "A barrage of questions met the tidal plan.", TOKENIZER)
    terms = analyze("Did the council approve the tidal barrage?", TOKENIZER).focus
    scores = story_scores(terms, [spread, partial], lambda t: 1.0, k1=1.2, b=0.75)
    assert scores[0] > scores[1]
    with_phrase, without = story_scores(
        analyze("tidal barrage", TOKENIZER).focus, [phrase, apart], lambda t: 1.0, k1=1.2, b=0.0
    )
    assert with_phrase > without


def test_story_whose_sentence_holds_the_question_terms_wins_a_tie() -> None:
    # Same terms, same counts, same length: the story that states the fact in one
    # sentence is the one a question about that fact was written from.
    together = read_story("Port", "Dockers struck at the port. Talks stalled.", TOKENIZER)
    apart = read_story("Port", "Dockers met. Talks at the port stalled, then struck.", TOKENIZER)
    focus = analyze("Where did the dockers strike?", TOKENIZER).focus
    one, other = story_scores(focus, [together, apart], lambda t: 1.0, k1=1.2, b=0.75)
    assert one > other


@given(
    st.lists(st.lists(st.sampled_from(["ab", "cd", "ef", "gh"]), max_size=6), max_size=5),
    st.lists(st.sampled_from(["ab", "cd", "ef", "gh"]), max_size=4),
)
def test_a_pair_is_adjacent_terms_within_one_sentence(
    sentences: list[list[str]], title: list[str]
) -> None:
    """``has_pair`` agrees with the adjacent pairs of the title and of each sentence,
    never across two sentences."""
    story = StoryText(
        body="", spans=(), terms=tuple(map(tuple, sentences)), title_terms=tuple(title)
    )
    expected = {p for terms in (title, *sentences) for p in pairwise(terms)}
    for a in ["ab", "cd", "ef", "gh"]:
        for c in ["ab", "cd", "ef", "gh"]:
            assert story.has_pair(a, c) == ((a, c) in expected)


def test_the_story_reader_fetches_only_unread_articles_in_one_call() -> None:
    """Bodies are read from the store once per article, together for an answer's
    candidates, and a kept article is not fetched again."""
    body = "The council approved the plan on Monday. Work starts in May."
    bodies = {1: ArticleText(body, None), 2: ArticleText("Rain fell all week.", None)}
    calls: list[list[int]] = []

    def fetch(ids: Sequence[int]) -> dict[int, ArticleText]:
        calls.append(list(ids))
        return {i: bodies[i] for i in ids if i in bodies}

    reader = StoryReader(Tokenizer())
    first, second = (Article(id=i, title=f"Story {i}", content_hash=f"h{i}") for i in (1, 2))
    texts = reader.read_many([first, second], fetch)
    assert calls == [[1, 2]]
    assert texts[0].sentence(1) == "Work starts in May."
    assert reader.read_many([second, first], fetch)[1] is texts[0]
    assert calls == [[1, 2]], "kept articles are not fetched again"
    # An article deleted since the ranking read it reads as an empty story.
    gone = Article(id=3, title="Story 3", content_hash="h3")
    (empty,) = reader.read_many([gone], fetch)
    assert calls[-1] == [3] and empty.spans == ()
