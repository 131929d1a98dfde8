"""Digest messages: within Discord's limits, escaped, and pinging the configured role only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest_render import (
    STORY_EMBED_MAX,
    digest_mentions,
    digest_payloads,
    header,
    pack,
    schedule_choice,
    schedules_payload,
    story_embed,
)
from bot.limits import CHOICE_NAME_MAX, embed_total, live_mentions, payload_texts
from retrieval.digest.content import Digest, DigestSource, DigestStory
from retrieval.digest.digest_values import DigestPost, RunInfo, ScheduleInfo
from tests.bot.bot_doubles import schedule_info

START = datetime(2025, 6, 1, 8, tzinfo=UTC)
END = datetime(2025, 6, 2, 8, tzinfo=UTC)
ROLE = 4242


def _schedule(role: int | None = ROLE, topics: str = "", **extra: object) -> ScheduleInfo:
    return schedule_info(END, mention_role_id=role, topics=topics, max_stories=5, **extra)


def _story(n: int, *, headline: str = "", sentence: str = "", outlets: int = 2) -> DigestStory:
    sources = tuple(
        DigestSource(f"Outlet {k}", f"https://news.example/{n}/{k}", f"Title {n}/{k}")
        for k in range(outlets)
    )
    text = sentence or f"Story {n} says the council approved the barrage on Tuesday night."
    return DigestStory(
        headline=headline or f"Headline {n}",
        sentences=(text, "A second key sentence follows it."),
        sources=sources,
        published=END,
        story_id=n,
    )


def _post(stories: list[DigestStory], *, run_id: int | None = 9, **schedule: object) -> DigestPost:
    digest = Digest(
        str(schedule.pop("topics", "")), START, END, tuple(stories), matched=len(stories) + 2
    )
    return DigestPost(_schedule(**schedule), digest, run_id=run_id, due_at=END)  # type: ignore[arg-type]


def test_a_digest_is_one_embed_per_story_under_a_header_that_pings_the_role() -> None:
    payloads = digest_payloads(_post([_story(1), _story(2, outlets=1)]))
    assert len(payloads) == 1
    (payload,) = payloads
    assert payload.violations() == []
    assert payload.content is not None and payload.content.startswith(f"<@&{ROLE}> ")
    assert "2 new stories (the top 2 of 4) since <t:" in payload.content
    first, second = payload.embeds
    assert first.title == "Headline 1" and first.url == "https://news.example/1/0"
    assert first.description is not None
    assert first.description.startswith("> Story 1 says")
    assert "Sources: [Outlet 0](https://news.example/1/0) · [Outlet 1]" in first.description
    assert first.footer.text == "Outlet 0 · 2025-06-02 · carried by 2 outlets"
    assert second.description is not None and "Source: [Outlet 0]" in second.description
    role_only: dict[str, Any] = dict(digest_mentions(ROLE).to_dict())
    assert role_only == {"parse": [], "roles": [ROLE]}
    nobody: dict[str, Any] = dict(digest_mentions(None).to_dict())
    assert nobody == {"parse": [], "roles": []}


def test_article_text_cannot_ping_or_format() -> None:
    hostile = _story(
        1,
        headline="**Breaking** @everyone <@&999> [click](https://evil.example)",
        sentence="Join @here now <@123> and <#456> # heading",
    )
    (payload,) = digest_payloads(_post([hostile], role=None))
    texts = payload_texts(payload.content, payload.embeds)
    assert all(live_mentions(text) == [] for text in texts)
    assert payload.embeds[0].title is not None and "\\*\\*Breaking" in payload.embeds[0].title
    assert "\\[click\\]" in payload.embeds[0].title


def test_long_digests_are_split_across_messages_within_limits() -> None:
    long_sentence = "The committee met again. " * 120
    stories = [_story(n, headline="H" * 300, sentence=long_sentence, outlets=12) for n in range(10)]
    payloads = digest_payloads(_post(stories))
    assert len(payloads) == 3
    assert [len(p.embeds) for p in payloads] == [4, 4, 2]
    assert all(p.violations() == [] for p in payloads)
    assert all(embed_total(e) <= STORY_EMBED_MAX for p in payloads for e in p.embeds)
    assert payloads[0].content is not None and payloads[0].content.startswith(f"<@&{ROLE}>")
    assert payloads[1].content == "**News digest** (continued, 2/3)"
    description = payloads[0].embeds[0].description or ""
    assert "and " in description and "more" in description  # 12 outlets do not all fit


def test_empty_digest_says_so_with_the_policy() -> None:
    (once,) = digest_payloads(_post([], topics="tidal"), "once")
    assert once.content is not None and "nothing new about tidal since <t:" in once.content
    assert "quiet until there is news" in once.content
    (always,) = digest_payloads(_post([]), "always")
    assert always.content is not None and "quiet" not in always.content
    assert not always.content.startswith("<@&")  # an empty digest pings no one


def test_preview_is_labelled_and_pings_no_one() -> None:
    (payload,) = digest_payloads(_post([_story(1)], run_id=None))
    assert payload.content is not None and payload.content.startswith("Preview of digest 3")
    assert "<@&" not in payload.content


def test_schedule_listing_and_choices() -> None:
    paused = _schedule(paused_reason="the channel was deleted.")
    running = _schedule(
        role=None,
        topics="South Korea",
        last_run=RunInfo("skipped", END, 0, "missed by 200 min, beyond the 120 min grace"),
    )
    (embed,) = schedules_payload([paused, running]).embeds
    assert embed.description is not None
    assert "**Paused**: the channel was deleted." in embed.description
    assert "last (<t:" in embed.description and "skipped (missed by 200 min" in embed.description
    assert "<#2> at 09:00 Europe/London, mon-fri: South Korea" in embed.description
    assert schedules_payload([]).content is not None
    choice = schedule_choice(_schedule(topics="x" * 300), "general")
    assert choice.startswith("3: #general 09:00 Europe/London") and len(choice) <= CHOICE_NAME_MAX


def test_packing_respects_count_and_total() -> None:
    small = [story_embed(_story(n, outlets=1)) for n in range(15)]
    groups = pack(small)
    assert [len(g) for g in groups] == [10, 5]
    assert header(_post([_story(1)]), 2, 2) == "**News digest** (continued, 2/2)"


text = st.text(min_size=0, max_size=400)


@settings(max_examples=40, deadline=None)
@given(
    headlines=st.lists(text, min_size=0, max_size=10),
    sentences=st.lists(text, min_size=0, max_size=3),
    sources=st.lists(st.tuples(text, text), min_size=1, max_size=8),
    topics=st.text(max_size=300),
)
def test_any_digest_fits_discord(
    headlines: list[str], sentences: list[str], sources: list[tuple[str, str]], topics: str
) -> None:
    stories = [
        DigestStory(
            headline=h,
            sentences=tuple(sentences),
            sources=tuple(DigestSource(name, url, h) for name, url in sources),
            published=None,
        )
        for h in headlines
    ]
    payloads = digest_payloads(_post(stories, topics=topics))
    assert payloads
    for n, payload in enumerate(payloads):
        assert payload.violations() == []
        texts = payload_texts(payload.content, payload.embeds)
        pings = [m for t in texts for m in live_mentions(t)]
        allowed = [f"<@&{ROLE}>"] if n == 0 and stories else []
        assert pings == allowed


def test_the_headline_links_to_the_first_outlet_with_a_url() -> None:
    story = DigestStory(
        "Barrage approved",
        ("It was approved.",),
        (
            DigestSource("Ledger", None, "Barrage approved"),
            DigestSource("Wire", "https://wire.example/barrage", "Barrage backed"),
        ),
    )
    embed = story_embed(story)
    assert embed.url == "https://wire.example/barrage"
    assert embed.description is not None
    assert "Sources: Ledger · [Wire](https://wire.example/barrage)" in embed.description
