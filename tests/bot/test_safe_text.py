"""Escaping, bolding and cutting of untrusted article text."""

from __future__ import annotations

import pytest

from bot.limits import live_mentions, text_len
from bot.safe_text import (
    ELLIPSIS,
    ZWSP,
    cut_raw,
    fit_plain,
    fit_rich,
    link,
    neutralise_mentions,
    render_rich,
    safe_url,
)


@pytest.mark.parametrize(
    "raw",
    ["@everyone look", "hi @here", "<@123456789012345678>", "<@!42>", "<@&77>", "<#555>"],
)
def test_mentions_are_broken_with_a_zero_width_space(raw: str) -> None:
    out = render_rich(raw)
    assert live_mentions(out) == []
    assert ZWSP in out
    assert out.replace(ZWSP, "") == raw.replace("_", "\\_")


@pytest.mark.parametrize("raw", ["ends in @every", "ends in @", "ask <@12", "see <#9", "@He"])
@pytest.mark.parametrize("follow", ["one", "re", "3>", "everyone"])
def test_a_text_ending_in_part_of_a_mention_cannot_be_completed(raw: str, follow: str) -> None:
    """Rendered text is joined to other words (the help's "{prefix}news"): a mention cut
    in half at its end must stay broken whatever follows."""
    assert live_mentions(render_rich(raw) + follow) == []


def test_markdown_is_escaped() -> None:
    out = render_rich("**bold** _it_ `code` ~~s~~ ||spoiler|| # not a heading")
    assert out == (
        "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| # not a heading"
    )
    assert render_rich("# Heading") == "\\# Heading"
    assert render_rich("> quote") == "\\> quote"
    assert render_rich("1. first") == "1\\. first"


def test_masked_links_are_escaped_even_when_a_mark_splits_them() -> None:
    raw = "[click here](https://evil.example)"
    assert render_rich(raw).startswith("\\[click here\\]")
    start = raw.index("click")
    out = render_rich(raw, ((start, start + 5),))
    assert out.startswith("\\[**click** here\\]")


def test_query_terms_are_bold_after_escaping() -> None:
    raw = "Seoul *and* Wellington"
    marks = ((0, 5), (12, 22))
    assert render_rich(raw, marks) == "**Seoul** \\*and\\* **Wellington**"


def test_marks_move_with_inserted_zero_width_spaces() -> None:
    raw = "@everyone in Seoul"
    start = raw.index("Seoul")
    out = render_rich(raw, ((start, start + 5),))
    assert out.endswith("**Seoul**")
    assert live_mentions(out) == []


def test_a_mention_straddling_a_mark_is_still_broken() -> None:
    raw = "ping @everyone now"
    start = raw.index("everyone")
    out = render_rich(raw, ((start, start + len("everyone")),))
    assert "@" + ZWSP in out


def test_overlapping_touching_and_out_of_range_marks() -> None:
    raw = "North Korea Russia"
    out = render_rich(raw, ((0, 5), (3, 11), (11, 12), (50, 60), (-3, 0)))
    assert out == "**North Korea** Russia"


def test_bidi_overrides_are_dropped() -> None:
    out = render_rich("abc\u202edef\u2066ghi")
    assert out == "abcdefghi"


def test_cut_prefers_a_sentence_end() -> None:
    text = "First sentence here. Second sentence is longer than that. Third."
    assert cut_raw(text, 40) == "First sentence here."
    assert cut_raw(text, 60) == "First sentence here. Second sentence is longer than that."


def test_cut_falls_back_to_a_word_end_then_a_hard_cut() -> None:
    words = "alpha beta gamma delta epsilon zeta eta theta"
    assert cut_raw(words, 20) == "alpha beta gamma"
    assert cut_raw("x" * 100, 30) == "x" * 30


def test_fit_rich_cuts_at_a_sentence_boundary_with_the_marker() -> None:
    text = "Leaders met in Seoul. " * 30
    out = fit_rich(text, 100)
    assert text_len(out) <= 100
    assert out == "Leaders met in Seoul. " * 3 + "Leaders met in Seoul. " + ELLIPSIS


def test_fit_rich_never_leaves_bold_open_or_an_escape_dangling() -> None:
    text = "*" * 500
    out = fit_rich(text, 101)
    assert text_len(out) <= 101
    body = out.removesuffix(" " + ELLIPSIS)
    assert body == "\\*" * (len(body) // 2)
    marked = "word " * 100
    out = fit_rich(marked, 60, tuple((i * 5, i * 5 + 4) for i in range(100)))
    assert out.count("**") % 2 == 0


def test_fit_counts_astral_characters_twice() -> None:
    out = fit_rich("😀" * 100, 50)
    assert text_len(out) <= 50


def test_fit_plain_keeps_markdown_but_breaks_mentions() -> None:
    assert fit_plain("**x** @here", 100) == "**x** @" + ZWSP + "here"
    assert neutralise_mentions("<#1>") == "<#" + ZWSP + "1>"
    assert text_len(fit_plain("word " * 100, 30)) <= 30


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a_(b)", "https://example.com/a_%28b%29"),
        ("http://example.com/x?q=1#f", "http://example.com/x?q=1#f"),
        ("https://example.com/ü", "https://example.com/%C3%BC"),
        ("javascript:alert(1)", None),
        ("https://exa mple.com", None),
        ("ftp://example.com", None),
        ("https://", None),
        ("", None),
        (None, None),
        ("https://example.com/" + "a" * 3000, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_link_falls_back_to_the_label() -> None:
    assert link("Title", "https://e.com/x") == "[Title](https://e.com/x)"
    assert link("Title", "not a url") == "Title"
