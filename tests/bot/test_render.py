"""What the answer messages look like, and that they stay inside Discord's limits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import discord

from bot.limits import EMBED_DESCRIPTION_MAX, live_mentions, payload_texts, text_len
from bot.render import (
    NO_MENTIONS,
    Payload,
    ask_payload,
    citations_payload,
    news_payload,
    no_results_payload,
    quoted_sentences,
)
from bot.render_info import help_payload, sources_payload, summary_payload, trend_payload
from bot.safe_text import ELLIPSIS
from retrieval.results import (
    Answer,
    AnswerSentence,
    ArticleSummary,
    OtherSource,
    SourceStats,
    Trend,
    TrendDay,
)
from tests.bot.bot_doubles import story


def _answer(n: int = 3, **changes: Any) -> Answer:
    citations = tuple(story(i) for i in range(1, n + 1))
    sentences = tuple(AnswerSentence(f"Key sentence {i}.", (i,)) for i in range(1, n + 1))
    answer = Answer("seoul wellington", sentences, citations, 0, True)
    return dataclasses.replace(answer, **changes) if changes else answer


def _valid(payload: Payload) -> None:
    assert payload.violations() == []
    for text in payload_texts(payload.content, payload.embeds):
        assert live_mentions(text) == []


def test_ask_payload_quotes_sentences_with_citations_and_lists_sources() -> None:
    payload = ask_payload(_answer())
    _valid(payload)
    (embed,) = payload.embeds
    assert (
        embed.description == "> Key sentence 1. [1]\n> Key sentence 2. [2]\n> Key sentence 3. [3]"
    )
    assert [f.name for f in embed.fields] == [f"[{i}] Yonhap · 2024-11-15" for i in (1, 2, 3)]
    assert embed.fields[0].value == "[Headline number 1](https://example.com/news/1)"
    assert "more available" in (embed.footer.text or "")


def test_news_payload_has_one_linked_embed_per_story_with_bold_terms() -> None:
    payload = news_payload(_answer(4, sentences=()))
    _valid(payload)
    assert payload.content is not None and "**seoul wellington**" in payload.content
    assert len(payload.embeds) == 4
    first = payload.embeds[0]
    assert first.title == "[1] Headline number 1"
    assert first.url == "https://example.com/news/1"
    assert first.description is not None and "**Seoul**" in first.description
    assert first.footer.text == "Yonhap · 2024-11-15"


def test_story_without_url_has_no_link() -> None:
    answer = Answer("q", (), (story(1, url=""),))
    assert news_payload(answer).embeds[0].url is None
    assert ask_payload(answer).embeds[0].fields[0].value == "Headline number 1"


def test_also_in_other_outlets_is_shown() -> None:
    other = OtherSource(9, "Same story", "RNZ", None, None)
    citation = dataclasses.replace(story(1), also=(other,))
    payload = ask_payload(Answer("q", (), (citation,)))
    assert "Also in: RNZ" in (payload.embeds[0].fields[0].value or "")
    assert "also in RNZ" in (news_payload(Answer("q", (), (citation,))).embeds[0].footer.text or "")


def test_article_text_is_escaped_and_mentions_broken() -> None:
    nasty = story(1, title="@everyone **free** <@&123>", snippet="Seoul says <@12345> `rm` @here.")
    payload = news_payload(Answer("q", (), (nasty,)))
    _valid(payload)
    embed = payload.embeds[0]
    assert embed.title is not None and "\\*\\*free\\*\\*" in embed.title
    assert embed.description is not None and "\\`rm\\`" in embed.description


def test_long_answers_are_cut_at_sentence_boundaries_with_a_marker() -> None:
    sentences = tuple(AnswerSentence("A sentence of some length. " * 20, (1,)) for _ in range(20))
    payload = ask_payload(Answer("q", sentences, (story(1),)))
    _valid(payload)
    description = payload.embeds[0].description or ""
    lines = description.split("\n")
    assert lines[-1] == ELLIPSIS
    assert all(line.endswith("[1]") for line in lines[:-1])
    assert len(lines) - 1 < len(sentences)


def test_a_single_huge_sentence_is_cut_inside_at_a_sentence_end() -> None:
    text = "Short one. " * 1000
    out = quoted_sentences([AnswerSentence(text, (1, 2))], 500)
    assert text_len(out) <= 500
    assert out.endswith(f"Short one. {ELLIPSIS} [1][2]")


def test_quoted_sentences_fit_the_description_limit() -> None:
    out = quoted_sentences(["x" * 10_000], EMBED_DESCRIPTION_MAX)
    assert text_len(out) <= EMBED_DESCRIPTION_MAX


def test_no_results_uses_the_hint() -> None:
    answer = Answer("**nothing** @everyone", (), (), hint="Try fewer words.")
    payload = no_results_payload(answer)
    _valid(payload)
    assert payload.embeds == []
    assert payload.content is not None and "Try fewer words." in payload.content


def test_citations_payload_lists_snippets() -> None:
    payload = citations_payload(_answer(5))
    _valid(payload)
    assert len(payload.embeds[0].fields) == 5
    assert "**Seoul**" in (payload.embeds[0].fields[0].value or "")


def test_send_kwargs_always_disable_mentions() -> None:
    payload = ask_payload(_answer())
    assert payload.send_kwargs()["allowed_mentions"] is NO_MENTIONS
    assert payload.edit_kwargs()["allowed_mentions"] is NO_MENTIONS
    assert NO_MENTIONS.to_dict() == {"parse": []}
    assert "content" not in payload.send_kwargs()
    assert payload.edit_kwargs()["content"] is None


def test_summary_payload() -> None:
    summary = ArticleSummary(
        5, "Title", "Yonhap", datetime(2024, 1, 2, tzinfo=UTC), "https://e.com/5", ("A.", "B.")
    )
    payload = summary_payload(summary)
    _valid(payload)
    embed = payload.embeds[0]
    assert (embed.title, embed.url, embed.description) == ("Title", "https://e.com/5", "> A.\n> B.")
    assert embed.footer.text == "Yonhap · 2024-01-02 · article 5"


def test_sources_payload_cuts_whole_lines_and_says_how_many_more() -> None:
    stats = [SourceStats(f"Outlet {i} " + "n" * 100, i, None) for i in range(200)]
    payload = sources_payload(stats)
    _valid(payload)
    lines = (payload.embeds[0].description or "").split("\n")
    assert lines[-1] == f"{ELLIPSIS} and {200 - (len(lines) - 1)} more"
    assert payload.embeds[0].footer.text == f"{sum(range(200))} articles from 200 sources"
    assert sources_payload([]).content is not None


def test_help_payload_mentions_the_prefix_and_the_fallback() -> None:
    with_content = help_payload("!", message_content=True)
    without = help_payload("!", message_content=False)
    _valid(with_content)
    assert any("!news" in (f.name or "") for f in with_content.embeds[0].fields)
    assert len(without.embeds[0].fields) == len(with_content.embeds[0].fields) + 1


def test_trend_payload_points_at_the_attachment_and_cites_peaks() -> None:
    trend = Trend("seoul", (TrendDay("2024-11-01", 2), TrendDay("2024-11-02", 5)), (story(1),))
    payload = trend_payload(trend, 7, "trend.png")
    _valid(payload)
    embed = payload.embeds[0]
    assert embed.image.url == "attachment://trend.png"
    assert "Busiest day: 2024-11-02 (5)" in (embed.description or "")
    assert embed.fields[0].value == "[Headline number 1](https://example.com/news/1)"


def test_embeds_are_real_discord_embeds() -> None:
    for embed in news_payload(_answer()).embeds:
        assert isinstance(embed, discord.Embed)
        assert embed.to_dict()["type"] == "rich"


def test_ask_payload_lists_unquoted_stories_as_related() -> None:
    cited = story(1)
    related = (dataclasses.replace(story(2), n=2), dataclasses.replace(story(3), n=3))
    answer = Answer(
        "seoul wellington",
        (AnswerSentence("Key sentence 1.", (1,)),),
        (cited,),
        0,
        True,
        related=related,
    )
    payload = ask_payload(answer)
    _valid(payload)
    (embed,) = payload.embeds
    assert [f.name for f in embed.fields] == ["[1] Yonhap · 2024-11-15", "Related"]
    related_lines = embed.fields[1].value.splitlines()
    assert [line.split()[0] for line in related_lines] == ["[2]", "[3]"]
    assert "Headline number 2" in related_lines[0]
    assert "results 1–3" in (embed.footer.text or "")
    # The Sources button lists them too, after the cited story.
    (sources,) = citations_payload(answer).embeds
    assert [f.name.split()[0] for f in sources.fields] == ["[1]", "[2]", "[3]"]


def test_related_stories_never_break_the_limits() -> None:
    long_title = "A very long headline " * 40
    related = tuple(dataclasses.replace(story(i), n=i, title=long_title) for i in range(2, 12))
    payload = ask_payload(_answer(1, related=related))
    _valid(payload)
