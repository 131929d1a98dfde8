from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.passages import PassageDraft, split_passages, word_count
from retrieval.text.sentences import sentence_texts


def _sentence(index: int, words: int) -> str:
    """A sentence of exactly ``words`` words, distinguishable by ``index``."""
    return " ".join(["Item" + str(index)] + ["word"] * (words - 2) + ["end."])


def _check_drafts(body: str, drafts: list[PassageDraft]) -> None:
    assert [d.ordinal for d in drafts] == list(range(len(drafts)))
    previous_end = 0
    for draft in drafts:
        assert draft.text == body[draft.start : draft.end]
        assert previous_end <= draft.start < draft.end
        assert body[previous_end : draft.start].strip() == ""
        previous_end = draft.end
    assert body[previous_end:].strip() == ""


def test_passages_pack_whole_sentences_within_bounds() -> None:
    body = " ".join(_sentence(i, 20) for i in range(20))  # 400 words
    drafts = split_passages(body, min_words=60, max_words=150)
    _check_drafts(body, drafts)
    assert [word_count(d.text) for d in drafts] == [140, 140, 120]
    sentences = sentence_texts(body)
    assert [s for d in drafts for s in sentence_texts(d.text)] == sentences


def test_paragraph_break_is_preferred_once_min_words_reached() -> None:
    first = " ".join(_sentence(i, 20) for i in range(4))  # 80 words
    second = " ".join(_sentence(i, 20) for i in range(4, 8))
    body = first + "\n\n" + second
    drafts = split_passages(body, min_words=60, max_words=150)
    assert [d.text for d in drafts] == [first, second]
    assert drafts[1].start == len(first) + 2


def test_paragraphs_below_min_words_are_joined() -> None:
    paragraphs = [_sentence(i, 20) for i in range(6)]
    body = "\n\n".join(paragraphs)
    drafts = split_passages(body, min_words=60, max_words=150)
    _check_drafts(body, drafts)
    assert [word_count(d.text) for d in drafts] == [60, 60]
    assert drafts[0].text == "\n\n".join(paragraphs[:3])


def test_a_very_long_sentence_is_its_own_passage() -> None:
    long = _sentence(1, 400)
    body = f"{_sentence(0, 30)} {long} {_sentence(2, 30)} {_sentence(3, 30)}"
    drafts = split_passages(body, min_words=60, max_words=150)
    _check_drafts(body, drafts)
    assert [d.text for d in drafts][1] == long
    assert len(drafts) == 3


def test_short_tail_merges_into_previous_passage() -> None:
    body = " ".join(_sentence(i, 20) for i in range(8))  # 140 + 20
    drafts = split_passages(body, min_words=60, max_words=150)
    assert len(drafts) == 1
    assert word_count(drafts[0].text) == 160


def test_short_tail_stays_when_merging_would_be_too_long() -> None:
    body = " ".join(_sentence(i, 50) for i in range(5))  # 150 + 100
    drafts = split_passages(body, min_words=60, max_words=150)
    body_tail = " ".join(_sentence(i, 50) for i in range(3, 5))
    assert [d.text for d in drafts][-1] == body_tail
    body = " ".join([_sentence(i, 50) for i in range(3)] + [_sentence(3, 50)])
    assert len(split_passages(body, min_words=60, max_words=150)) == 2  # 150 + 50 > 195


def test_short_article_is_one_passage() -> None:
    body = "Just one short sentence. And another."
    assert split_passages(body) == [PassageDraft(0, body, 0, len(body))]


@pytest.mark.parametrize("body", ["", "  \n\n "])
def test_blank_body_has_no_passages(body: str) -> None:
    assert split_passages(body) == []


def test_cjk_characters_count_as_words() -> None:
    body = "东京是日本的首都。" * 40  # 40 sentences of 8 characters
    drafts = split_passages(body, min_words=60, max_words=150)
    _check_drafts(body, drafts)
    # 18 sentences fit in 150 words; the 4-sentence remainder merges back.
    assert [word_count(d.text) for d in drafts] == [144, 176]


def test_invalid_bounds_are_rejected() -> None:
    with pytest.raises(ValueError):
        split_passages("Some text.", min_words=0)
    with pytest.raises(ValueError):
        split_passages("Some text.", min_words=100, max_words=50)


_SENTENCE_LENGTHS = st.lists(st.integers(min_value=2, max_value=90), min_size=1, max_size=25)
_GAPS = st.sampled_from([" ", "\n", "\n\n", "  \n \n"])


@settings(max_examples=60, deadline=None)
@given(_SENTENCE_LENGTHS, st.data(), st.integers(10, 80), st.integers(0, 120))
def test_passage_properties(
    lengths: list[int], data: st.DataObject, min_words: int, extra: int
) -> None:
    max_words = min_words + extra
    gaps = [data.draw(_GAPS) for _ in lengths]
    body = "".join(
        gap + _sentence(i, n) for i, (gap, n) in enumerate(zip(gaps, lengths, strict=True))
    )
    drafts = split_passages(body, min_words=min_words, max_words=max_words)
    _check_drafts(body, drafts)
    # Sentences are never split: re-splitting the passages gives the same sentences.
    assert [s for d in drafts for s in sentence_texts(d.text)] == sentence_texts(body)
    for index, draft in enumerate(drafts):
        words = word_count(draft.text)
        single = len(sentence_texts(draft.text)) == 1
        is_last = index == len(drafts) - 1
        assert words <= max_words or single or (is_last and words <= 1.3 * max_words)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_ascii_word_count_is_the_general_count(text: str) -> None:
    from retrieval.ingest import passages

    assert passages.word_count(text) == len(passages._WORD.findall(text))
