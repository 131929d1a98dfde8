"""Property: whatever article text comes in, every payload fits and pings no one.

Article texts are drawn from fragments that break naive renderers (markdown, every kind
of mention, masked links, headings, zero-width and right-to-left characters, astral
emoji, 10,000-character paragraphs) mixed with arbitrary Unicode.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.limits import live_mentions, payload_texts
from bot.render import Payload, ask_payload, citations_payload, news_payload, no_results_payload
from bot.render_info import sources_payload, summary_payload, trend_payload
from bot.safe_text import render_rich
from retrieval.results import (
    Answer,
    AnswerSentence,
    ArticleSummary,
    Citation,
    OtherSource,
    SourceStats,
    Trend,
    TrendDay,
)

FRAGMENTS = [
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!42>",
    "<@&987654321>",
    "<#1234>",
    "**bold**",
    "__under__",
    "`code`",
    "```block```",
    "~~strike~~",
    "||spoiler||",
    "[click](https://evil.example/x)",
    "# Heading\n",
    "-# subtext\n",
    "> quote\n",
    "1. item\n",
    "\\",
    "\u200b",
    "\u202e",
    "\u2067",
    "\u200f",
    "مرحبا",
    "😀",
    "Seoul. ",
    "Wellington! ",
    "\n\n",
    " ",
    "https://example.com/a_b_(c)",
]
# Long enough to need cutting everywhere, short enough to keep the test quick.
LONG_PARAGRAPH = "Leaders condemned the ties in Seoul " * 280  # about 10,000 characters

fragment_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=25
).map("".join)
article_text = st.one_of(
    fragment_text,
    st.builds(lambda a, b: a + LONG_PARAGRAPH + b, fragment_text, fragment_text),
    st.text(max_size=300),
)
maybe_url = st.one_of(
    st.none(),
    st.just("https://example.com/story"),
    st.just("https://example.com/" + "a" * 2100),
    st.text(max_size=30),
)
dates = st.one_of(st.none(), st.just(datetime(2024, 11, 15, tzinfo=UTC)))


@st.composite
def citations(draw: st.DrawFn, n: int) -> Citation:
    snippet = draw(article_text)
    spans = draw(st.lists(st.tuples(st.integers(0, len(snippet)), st.integers(0, 60)), max_size=6))
    marks = tuple(sorted((s, min(len(snippet), s + w)) for s, w in spans))
    others = draw(
        st.lists(
            st.builds(OtherSource, st.integers(1, 9), article_text, article_text, maybe_url, dates),
            max_size=4,
        )
    )
    return Citation(
        n=n,
        article_id=n,
        title=draw(article_text),
        source=draw(st.one_of(st.none(), article_text)),
        published=draw(dates),
        url=draw(maybe_url),
        snippet=snippet,
        marks=marks,
        also=tuple(others),
    )


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    count = draw(st.integers(1, 12))
    cited = tuple(draw(citations(n)) for n in range(1, count + 1))
    sentences = tuple(
        AnswerSentence(text, tuple(range(1, draw(st.integers(1, 4)) + 1)))
        for text in draw(st.lists(article_text, max_size=8))
    )
    return Answer(
        draw(article_text), sentences, cited, draw(st.integers(0, 50)), draw(st.booleans())
    )


def _assert_safe(payload: Payload) -> None:
    assert payload.violations() == []
    for text in payload_texts(payload.content, payload.embeds):
        assert live_mentions(text) == [], text


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(answers())
def test_answer_payloads_fit_and_ping_no_one(answer: Answer) -> None:
    _assert_safe(ask_payload(answer))
    _assert_safe(news_payload(answer))
    _assert_safe(citations_payload(answer))
    _assert_safe(no_results_payload(answer))


@PROPERTY
@given(
    article_text,
    st.one_of(st.none(), article_text),
    maybe_url,
    st.lists(article_text, max_size=6),
)
def test_summary_payload_fits(
    title: str, source: str | None, url: str | None, body: list[str]
) -> None:
    _assert_safe(summary_payload(ArticleSummary(1, title, source, None, url, tuple(body))))


@PROPERTY
@given(st.lists(st.builds(SourceStats, article_text, st.integers(0, 10**6), dates), max_size=60))
def test_sources_payload_fits(stats: list[SourceStats]) -> None:
    _assert_safe(sources_payload(stats))


@PROPERTY
@given(article_text, st.lists(st.integers(0, 50), min_size=1, max_size=365), st.data())
def test_trend_payload_fits(query: str, counts: list[int], data: st.DataObject) -> None:
    peaks = tuple(data.draw(citations(n)) for n in range(1, 4))
    days = tuple(TrendDay(f"2024-01-{i % 28 + 1:02d}", c) for i, c in enumerate(counts))
    _assert_safe(trend_payload(Trend(query, days, peaks), 365, "trend.png"))


# A markdown character Discord would act on, not preceded by an escaping backslash.
_UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[*_`~|\[\]]")


@settings(max_examples=80, deadline=None)
@given(fragment_text.filter(lambda t: "://" not in t))
def test_rendered_text_is_fully_escaped_and_lossless(text: str) -> None:
    out = render_rich(text)
    assert _UNESCAPED.search(out) is None
    # Dropping the escapes and the zero-width spaces gives back the text (bidi controls aside).
    restored = re.sub(r"\\(.)", r"\1", out, flags=re.DOTALL).replace("\u200b", "")
    expected = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).replace("\u200b", "")
    assert restored == expected
