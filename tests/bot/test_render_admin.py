"""Admin replies and feed notices: exact wording for the usual cases, and on any text
(titles, URLs, reasons from the outside world) they fit Discord's limits and ping no one."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.limits import CHOICE_NAME_MAX, live_mentions, payload_texts, text_len
from bot.render import Payload
from bot.render_admin import (
    article_choice_name,
    feed_added_payload,
    feed_choice_name,
    feed_list_payload,
    feed_paused_payload,
    feed_removed_payload,
    forgot_payload,
    ingest_payload,
)
from retrieval.ingest.feeds.feed_values import FeedInfo, PollReport
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import ArticleTitle
from tests.bot.test_render_properties import article_text, dates

WHEN = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_safe(payload: Payload) -> None:
    assert payload.violations() == []
    for text in payload_texts(payload.content, payload.embeds):
        assert live_mentions(text) == [], text


def info(feed_id: int = 3, **changes: object) -> FeedInfo:
    values: dict[str, object] = {
        "feed_id": feed_id,
        "guild_id": 7,
        "url": "https://valley.example/feed.xml",
        "title": "Valley Courier",
        "every_seconds": 3600,
        "channel_id": 5,
        "added_by": 6,
        "created_at": WHEN,
        "last_fetch_at": WHEN,
        "last_new_at": None,
        "last_error": None,
        "failures": 0,
        "next_fetch_at": WHEN,
        "paused": False,
        "paused_reason": None,
        "entries": 20,
        "articles": 2,
    }
    values.update(changes)
    return FeedInfo(**values)  # type: ignore[arg-type]


def test_ingest_replies_say_what_was_stored_or_why_not() -> None:
    added = IngestOutcome("a.html", "added", 12, "Harbour *vote*", passages=4, published=WHEN)
    duplicate = IngestOutcome("b.html", "duplicate", 9, "Old story")
    failed = IngestOutcome("c.html", "failed", reason="no article text found in the page")
    assert ingest_payload("a.html", [added]).content == (
        r"Stored article 12: **Harbour \*vote\*** · 2026-01-05 · 4 passages"
    )
    assert ingest_payload("x.jsonl", [added, duplicate, failed]).content == (
        "From x.jsonl: 1 stored, 1 already stored, 1 not stored.\n"
        r"Stored article 12: **Harbour \*vote\*** · 2026-01-05 · 4 passages" + "\n"
        "Already stored as article 9: **Old story**\n"
        "Not stored (c.html): no article text found in the page"
    )
    many = ingest_payload("big.jsonl", [duplicate] * 30).content or ""
    assert many.endswith("… and 20 more") and many.count("\n") == 11


def test_feed_replies() -> None:
    assert (feed_added_payload(info()).content or "").startswith(
        "Following feed 3: **Valley Courier**, checked every 1 h. Its 20 current entries"
    )
    resumed = feed_added_payload(info(resumed=True)).content or ""
    assert resumed.startswith("Resumed feed 3: **Valley Courier**, checked every 1 h;")
    assert feed_removed_payload(info()).content == (
        "Stopped following feed 3: **Valley Courier**. The 2 articles it brought stay; "
        "/article forget removes one."
    )
    assert feed_choice_name(info(paused=True)) == "3 · Valley Courier (paused)"
    listing = feed_list_payload([info(last_error="refused: the server answered 500")])
    (field,) = listing.embeds[0].fields
    assert field.name == "[3] Valley Courier"
    assert field.value is not None
    assert field.value.split("\n") == [
        "every 1 h · 2 articles · 20 entries seen",
        f"next fetch <t:{int(WHEN.timestamp())}:R>",
        f"last fetch <t:{int(WHEN.timestamp())}:R> · last new item never",
        "last error: refused: the server answered 500",
        "https://valley.example/feed.xml",
    ]
    paused = feed_list_payload([info(paused=True, paused_reason="paused after 5 failed polls")])
    assert "**paused**: paused after 5 failed polls" in str(paused.embeds[0].fields[0].value)


def test_the_longest_list_of_the_most_verbose_feeds_fits() -> None:
    verbose = [
        info(
            n,
            title="Headline " * 40,
            url="https://valley.example/" + "a" * 3000,
            last_error="refused: " + "x" * 2000,
            last_new_at=WHEN,
        )
        for n in range(10**11, 10**11 + 50)
    ]
    payload = feed_list_payload(verbose)
    assert_safe(payload)
    assert [len(e.fields) for e in payload.embeds] == [25, 25]
    assert all("next fetch <t:" in str(f.value) for e in payload.embeds for f in e.fields)


@PROPERTY
@given(
    st.lists(
        st.builds(
            IngestOutcome,
            article_text,
            st.sampled_from(["added", "duplicate", "failed"]),
            st.integers(1, 10**9),
            st.one_of(st.none(), article_text),
            st.one_of(st.none(), article_text),
            st.integers(0, 500),
            dates,
        ),
        max_size=40,
    ),
    article_text,
)
def test_ingest_replies_fit(outcomes: list[IngestOutcome], name: str) -> None:
    assert_safe(ingest_payload(name, outcomes))


@PROPERTY
@given(
    st.lists(
        st.builds(
            info,
            st.integers(1, 10**12),
            url=article_text,
            title=st.one_of(st.none(), article_text),
            last_error=st.one_of(st.none(), article_text),
            paused=st.booleans(),
            paused_reason=st.one_of(st.none(), article_text),
        ),
        max_size=50,
    ),
)
def test_feed_lists_fit_even_for_fifty_feeds(infos: list[FeedInfo]) -> None:
    assert_safe(feed_list_payload(infos))
    for one in infos[:3]:
        assert_safe(feed_added_payload(one))
        assert_safe(feed_removed_payload(one))
        assert text_len(feed_choice_name(one)) <= CHOICE_NAME_MAX


@PROPERTY
@given(article_text, st.one_of(st.none(), article_text), article_text, dates)
def test_notices_and_choices_fit(
    url: str, title: str | None, error: str, published: datetime | None
) -> None:
    report = PollReport(1, url, title, 7, 5, "failed", error=error, failures=5, paused_now=True)
    assert_safe(feed_paused_payload(report))
    article = ArticleTitle(10**12, title or "", error, published)
    assert_safe(forgot_payload(article))
    assert text_len(article_choice_name(article)) <= CHOICE_NAME_MAX
    assert live_mentions(article_choice_name(article)) == []
