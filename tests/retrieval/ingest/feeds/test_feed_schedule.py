"""Poll intervals as people write them, the back-off, and the [feeds] settings checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from retrieval.config import settings_from_mapping
from retrieval.errors import BadInterval, ConfigError
from retrieval.ingest.feeds.poll_intervals import (
    EVERY_CHOICES,
    backoff_delay,
    describe_every,
    parse_every,
)
from retrieval.ingest.feeds.settings import FeedSettings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("1h", 3600), (" 6H ", 21600), ("1d", 86400), ("2d", 172800), ("900s", 900)],
)
def test_intervals_are_read(text: str, seconds: int) -> None:
    assert parse_every(text, minimum=900) == seconds


@pytest.mark.parametrize("text", ["", "1", "h", "1w", "1.5h", "-1h", "soon"])
def test_unreadable_intervals_are_refused(text: str) -> None:
    with pytest.raises(BadInterval, match="cannot read"):
        parse_every(text, minimum=900)


def test_too_short_intervals_are_refused_with_the_minimum() -> None:
    with pytest.raises(BadInterval, match="at most every 15 min"):
        parse_every("5m", minimum=900)


def test_the_offered_choices_are_all_allowed_by_default() -> None:
    minimum = FeedSettings().min_every_seconds
    assert [describe_every(s) for _, s in EVERY_CHOICES] == ["15 min", "1 h", "6 h", "1 day"]
    assert all(seconds >= minimum for _, seconds in EVERY_CHOICES)
    assert describe_every(2 * 86400) == "2 days" and describe_every(90) == "90 s"


def test_backoff_doubles_per_failure_up_to_the_cap() -> None:
    waits = [backoff_delay(3600, n, 86400) for n in range(7)]
    hours = [w / timedelta(hours=1) for w in waits]
    assert hours == [1, 2, 4, 8, 16, 24, 24]
    assert backoff_delay(3600, 10_000, 86400) == timedelta(days=1)
    # A cap below the interval never polls a failing feed more often than a healthy one.
    assert backoff_delay(7200, 3, 600) == timedelta(hours=2)


def test_feed_settings_load_from_the_config_and_are_checked() -> None:
    settings = settings_from_mapping({"feeds": {"max_failures": 2, "poll_period_seconds": 5}})
    assert settings.feeds.max_failures == 2 and settings.feeds.poll_period_seconds == 5.0
    for bad, key in [
        ({"max_failures": 0}, "feeds.max_failures"),
        ({"backfill_entries": -1}, "feeds.backfill_entries"),
        ({"default_every_seconds": 60}, "feeds.default_every_seconds"),
        ({"max_entries_per_poll": 500}, "feeds.max_entries_per_poll"),
        ({"every": 5}, "feeds.every"),
    ]:
        with pytest.raises(ConfigError) as caught:
            settings_from_mapping({"feeds": bad})
        assert key in caught.value.reason
