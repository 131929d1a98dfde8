"""What a digest says: the window, topics, near-duplicates, scope and ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from retrieval.digest.content import story_score
from retrieval.digest.digest_values import ScheduleRequest
from retrieval.digest.facade import DigestService
from retrieval.digest.schedule_rows import INGEST_SETTLE
from retrieval.errors import BadSchedule, ScheduleNotFound
from retrieval.results import Scope
from retrieval.service import NewsService
from tests.conftest import SAMPLES
from tests.retrieval.digest.digest_helpers import ManualClock, add_article, paragraph, utc

GUILD = 111
OTHER_GUILD = 222
CHANNEL = 5001
# Monday 2 June 2025, 10:00 London (09:00 UTC): an hour after the 09:00 digests.
NOW = utc(2025, 6, 2, 9)


def _service(news: NewsService, clock: ManualClock) -> DigestService:
    return DigestService(news, clock, instance="test")


def _schedule(
    digests: DigestService,
    *,
    channel_id: int = CHANNEL,
    topics: str | None = None,
    max_stories: int | None = None,
) -> int:
    request = ScheduleRequest(
        guild_id=GUILD,
        channel_id=channel_id,
        time="09:00",
        timezone="Europe/London",
        topics=topics,
        max_stories=max_stories,
    )
    return digests.set_schedule(request).id


def test_sample_articles_make_four_stories_citing_every_outlet(news: NewsService) -> None:
    outcomes = news.ingest_paths(sorted(SAMPLES.iterdir()), scope=Scope())
    assert [o.status for o in outcomes].count("added") == 5
    # Just after the ingest: the first digest covers the last 24 hours.
    digests = _service(news, ManualClock(datetime.now(UTC) + 2 * INGEST_SETTLE))
    post = digests.preview(GUILD, _schedule(digests))
    assert post.preview and post.run_id is None
    stories = post.digest.stories
    # Five articles, four stories: the tidal barrage ran in two outlets.
    assert len(stories) == 4 and post.digest.matched == 4
    tidal = next(s for s in stories if "tidal" in s.headline.lower())
    assert {s.source for s in tidal.sources} == {"Coastal Ledger", "South Coast Wire"}
    assert all(len(s.sentences) == 2 for s in stories)


def test_window_topics_and_duplicates(news: NewsService) -> None:
    clock = ManualClock(NOW)
    digests = _service(news, clock)
    day_ago = NOW - timedelta(hours=23)
    old = NOW - timedelta(hours=30)
    tidal = "tidal barrage"
    add_article(news, title="Tidal barrage approved", body=paragraph(tidal), ingested_at=day_ago)
    add_article(
        news,
        title="Council backs tidal barrage",
        body=paragraph(tidal, retold=True),
        source="Wire Service",
        ingested_at=day_ago + timedelta(hours=1),
    )
    add_article(news, title="Rail line reopens", body=paragraph("rail line"), ingested_at=day_ago)
    add_article(news, title="Old ferry news", body=paragraph("ferry route"), ingested_at=old)
    add_article(
        news,
        title="Private guild story",
        body=paragraph("guild harbour"),
        ingested_at=day_ago,
        scope=Scope(OTHER_GUILD),
    )
    everything = digests.preview(GUILD, _schedule(digests))
    headlines = [s.headline for s in everything.digest.stories]
    assert sorted(headlines) == ["Rail line reopens", "Tidal barrage approved"]
    tidal_story = everything.digest.stories[headlines.index("Tidal barrage approved")]
    assert [s.source for s in tidal_story.sources] == ["Example News", "Wire Service"]
    assert all(s.url and s.url.startswith("https://") for s in tidal_story.sources)
    assert 1 <= len(tidal_story.sentences) <= 2
    assert all(sentence in paragraph(tidal) for sentence in tidal_story.sentences)
    # Carried by two outlets, it outranks the single-outlet story of the same age.
    assert headlines[0] == "Tidal barrage approved"

    topical = digests.preview(GUILD, _schedule(digests, topics="rail", channel_id=5002))
    assert [s.headline for s in topical.digest.stories] == ["Rail line reopens"]
    assert topical.digest.topics == "rail"


def test_a_story_appears_in_the_digest_that_first_saw_it(news: NewsService) -> None:
    clock = ManualClock(NOW)
    digests = _service(news, clock)
    schedule = _schedule(digests)
    # The wire report came in two days ago; another outlet carries it within the window.
    add_article(
        news,
        title="Dam inquiry opens",
        body=paragraph("dam inquiry"),
        ingested_at=NOW - timedelta(days=2),
    )
    add_article(
        news,
        title="Inquiry into the dam opens",
        body=paragraph("dam inquiry", retold=True),
        source="Late Outlet",
        ingested_at=NOW - timedelta(hours=2),
    )
    assert digests.preview(GUILD, schedule).digest.stories == ()


def test_articles_still_settling_wait_for_the_next_digest(news: NewsService) -> None:
    clock = ManualClock(NOW)
    digests = _service(news, clock)
    schedule = _schedule(digests)
    add_article(
        news, title="Just in", body=paragraph("late arrival"), ingested_at=NOW - INGEST_SETTLE / 2
    )
    digest = digests.preview(GUILD, schedule).digest
    assert digest.stories == () and digest.window_end == NOW - INGEST_SETTLE


def test_max_stories_keeps_the_best_and_counts_the_rest(news: NewsService) -> None:
    clock = ManualClock(NOW)
    digests = _service(news, clock)
    topics = ["bridge", "school", "hospital", "library", "market", "stadium", "airport"]
    for n, topic in enumerate(topics):
        add_article(
            news,
            title=f"{topic.title()} news",
            body=paragraph(topic),
            ingested_at=NOW - timedelta(hours=20 - n),
            published=NOW - timedelta(hours=20 - n),
        )
    digest = digests.preview(GUILD, _schedule(digests, max_stories=3)).digest
    assert digest.matched == len(topics)
    # Same relevance and outlets: the newest come first.
    assert [s.headline for s in digest.stories] == ["Airport news", "Stadium news", "Market news"]


def test_score_formula() -> None:
    end = NOW
    assert story_score(1.0, end, end, 1) == pytest.approx(1.0)
    assert story_score(1.0, end - timedelta(hours=24), end, 1) == pytest.approx(0.5)
    assert story_score(0.5, end, end, 1) == pytest.approx(0.5)
    assert story_score(1.0, end, end, 4) > story_score(1.0, end, end, 2) > 1.0
    assert story_score(1.0, end + timedelta(hours=5), end, 1) == pytest.approx(1.0)


def test_schedules_are_set_listed_updated_and_removed(news: NewsService) -> None:
    clock = ManualClock(NOW)
    digests = _service(news, clock)
    info = digests.set_schedule(
        ScheduleRequest(
            guild_id=GUILD,
            channel_id=CHANNEL,
            time="7:30am",
            timezone="america/new_york",
            days="Mon-Fri",
            topics="  South   Korea ",
            max_stories=4,
            mention_role_id=77,
        )
    )
    assert (info.local_time, info.timezone, info.days) == ("07:30", "America/New_York", "mon-fri")
    assert info.topics == "South Korea" and info.mention_role_id == 77
    assert info.next_due_at == utc(2025, 6, 2, 11, 30)  # 07:30 EDT today
    again = digests.set_schedule(
        ScheduleRequest(
            guild_id=GUILD, channel_id=CHANNEL, time="08:00", timezone="UTC", topics="south korea"
        )
    )
    assert again.id == info.id and again.local_time == "08:00"
    assert [s.id for s in digests.list_schedules(GUILD)] == [info.id]
    assert digests.list_schedules(OTHER_GUILD) == []
    with pytest.raises(ScheduleNotFound):
        digests.remove_schedule(OTHER_GUILD, info.id)
    assert digests.remove_schedule(GUILD, info.id).id == info.id
    assert digests.list_schedules(GUILD) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time", "25:00"),
        ("timezone", "Mars/Olympus"),
        ("days", "someday"),
        ("topics", "the and of"),
        ("topics", "x" * 301),
        ("max_stories", 11),
    ],
)
def test_bad_schedules_are_refused(news: NewsService, field: str, value: object) -> None:
    digests = _service(news, ManualClock(NOW))
    fields: dict[str, object] = {"time": "09:00", "timezone": "UTC", field: value}
    with pytest.raises(BadSchedule):
        digests.set_schedule(ScheduleRequest(guild_id=GUILD, channel_id=CHANNEL, **fields))  # type: ignore[arg-type]
