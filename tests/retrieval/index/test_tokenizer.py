"""The tokenizer: one term vocabulary shared by passages and queries."""

from __future__ import annotations

import pickle
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrieval.index.tokenizer as tokenizer_module
from retrieval.errors import ConfigError
from retrieval.index.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer()


def test_stopwords_dropped_and_words_stemmed(tok: Tokenizer) -> None:
    assert tok.tokenize("The markets were running and the runners ran") == [
        "market",
        "run",
        "runner",
        "run",
    ]


def test_irregular_forms_meet_their_base_form(tok: Tokenizer) -> None:
    # Snowball alone leaves "won", "fled" and "said" as they are.
    assert tok.tokenize("Who won? They fled, she said") == ["win", "flee", "say"]
    assert tok.tokenize("win flee says") == ["win", "flee", "say"]


def test_contraction_fragments_that_are_words_are_kept(tok: Tokenizer) -> None:
    assert tok.tokenize("Don Draper won; Jack Ma") == ["don", "draper", "win", "jack", "ma"]
    assert tok.tokenize("they won't and don't") == []


def test_options_turn_stopwords_and_stemming_off() -> None:
    plain = Tokenizer(stopwords=False, stem=False)
    assert plain.tokenize("The markets were running") == ["the", "markets", "were", "running"]


def test_possessive_is_the_same_token_as_the_bare_word(tok: Tokenizer) -> None:
    bare = tok.tokenize("Korea")
    assert tok.tokenize("Korea's") == bare
    assert tok.tokenize("Korea’s") == bare  # typographic apostrophe
    assert tok.tokenize("KOREA'S") == bare


def test_hyphens_split_words_so_queries_match_either_spelling(tok: Tokenizer) -> None:
    assert tok.tokenize("North Korea-Russia talks") == ["north", "korea", "russia", "talk"]
    assert tok.tokenize("Korea-Russia") == tok.tokenize("Korea Russia")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("up 3.5% in 2024", ["3.5", "2024"]),
        ("it cost $830", ["cost", "830"]),
        ("sold 1,750 bags", ["sell", "1750", "bag"]),
        ("U.S. officials", ["u", "offici"]),
        ("the end.Next day", ["end", "next", "day"]),
    ],
)
def test_numbers_and_periods(tok: Tokenizer, text: str, expected: list[str]) -> None:
    assert tok.tokenize(text) == expected


def test_contractions_in_the_stopword_list_are_dropped(tok: Tokenizer) -> None:
    assert tok.tokenize("they don't know") == ["know"]


def test_nfkc_folds_full_width_letters_and_no_break_spaces(tok: Tokenizer) -> None:
    assert (
        tok.tokenize("Ｓｅｏｕｌ\u00a0Ｔｏｋｙｏ")
        == tok.tokenize("Seoul Tokyo")
        == ["seoul", "tokyo"]
    )


def test_invisible_characters_do_not_split_words(tok: Tokenizer) -> None:
    assert tok.tokenize("Ko\u00adrea Rus\u200bsia") == ["korea", "russia"]


def test_cjk_runs_become_overlapping_bigrams(tok: Tokenizer) -> None:
    assert tok.tokenize("한국어 뉴스") == ["한국", "국어", "뉴스"]
    assert tok.tokenize("東京都") == ["東京", "京都"]
    assert tok.tokenize("한") == ["한"]  # a lone character stays a unigram


def test_korean_query_finds_korean_text(tok: Tokenizer) -> None:
    text = tok.tokenize("서울에서 한국 경제 회의가 열렸다")
    query = tok.tokenize("한국 경제")
    assert query and set(query) <= set(text)


def test_mixed_script_text(tok: Tokenizer) -> None:
    assert tok.tokenize("Samsung 삼성전자 shares") == ["samsung", "삼성", "성전", "전자", "share"]


def test_tokenize_many_matches_tokenize_in_process(tok: Tokenizer) -> None:
    texts = ["Korea's exports rose", "", "한국 경제", "Prices fell 3.5%"]
    assert tok.tokenize_many(texts) == [tok.tokenize(t) for t in texts]


def test_tokenize_many_in_worker_processes(tok: Tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer_module, "_PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setattr(tokenizer_module, "_PARALLEL_MIN_CHARS", 10)
    texts = [f"Report {i}: Korea's exports rose {i}.5% in Seoul" for i in range(40)]
    assert tok.tokenize_many(texts, workers=2) == [tok.tokenize(t) for t in texts]


def test_tokenizer_pickles_with_its_options() -> None:
    original = Tokenizer(stopwords=False)
    copy = pickle.loads(pickle.dumps(original))
    assert copy.tokenize("The runners") == original.tokenize("The runners") == ["the", "runner"]


def test_unknown_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Tokenizer(language="klingon")


def test_match_spans_point_into_the_original_text(tok: Tokenizer) -> None:
    text = "North Korea’s ties with Russia; Ｋｏｒｅａ again"
    spans = tok.match_spans(text, set(tok.tokenize("Korea-Russia")))
    assert [text[a:b] for a, b in spans] == ["Korea’s", "Russia", "Ｋｏｒｅａ"]


def test_match_spans_mark_only_matching_cjk_bigrams(tok: Tokenizer) -> None:
    text = "오늘 한국어 뉴스"
    spans = tok.match_spans(text, {"한국"})
    assert [text[a:b] for a, b in spans] == ["한국"]


def test_match_spans_skip_stopwords_and_nonmatches(tok: Tokenizer) -> None:
    assert tok.match_spans("the cat and the hat", set(tok.tokenize("dog"))) == []
    assert tok.match_spans("anything", set()) == []


def test_match_spans_cover_a_whole_run_when_normalisation_changes_its_length(
    tok: Tokenizer,
) -> None:
    text = "ㄱㅏ 뉴스"  # compatibility jamo: NFKC composes the two into one syllable
    assert tok.tokenize(text) == ["가", "뉴스"]
    assert tok.match_spans(text, {"가"}) == [(0, 2)]


_FOLDABLE = st.text(
    alphabet=st.one_of(
        st.characters(), st.sampled_from(list("\u00ad\u200b\u2019\u2018\u02bc`\u00b4a"))
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(_FOLDABLE)
def test_normalize_folds_as_one_translate_would(text: str) -> None:
    expected = unicodedata.normalize("NFKC", text).translate(tokenizer_module._FOLD).casefold()
    assert tokenizer_module._normalize(text) == expected


_ASCII_PIECES = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=12),
    st.sampled_from(["U.S.", "1,750", "3.5", "Korea's", "don't", "end.Next", "a,b", "`x`", " "]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ASCII_PIECES, max_size=10).map("".join))
def test_ascii_terms_are_the_general_pattern_terms(text: str) -> None:
    """The ASCII fast path finds the words the general pattern finds."""
    tok = Tokenizer()
    normalized = tokenizer_module._normalize(text)
    expected: list[str] = []
    for run, word in tokenizer_module._WORD.findall(normalized):
        expected.extend(tokenizer_module._bigrams(run) if run else tok._word_tokens(word))
    assert tok.tokenize(text) == expected


_MIXED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\u0301", "\u200b", "\uff21", "한", "国", "’", " ", "\n", ".", "A"]),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_MIXED, _MIXED)
def test_a_title_line_adds_its_own_terms(title: str, passage: str) -> None:
    """What bulk ingest relies on to tokenize an article's title once for its passages."""
    tok = Tokenizer()
    assert tok.tokenize(f"{title}\n{passage}") == tok.tokenize(title) + tok.tokenize(passage)
