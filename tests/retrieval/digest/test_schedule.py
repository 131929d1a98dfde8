"""Due times: parsing, weekdays, and daylight-saving changes in both directions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.digest.due_times import (
    EVERY_DAY,
    MAX_MISSED_RECORDED,
    Recurrence,
    format_days,
    matching_zones,
    parse_days,
    parse_time,
    parse_zone,
    plan_due,
)
from retrieval.errors import BadSchedule
from tests.retrieval.digest.digest_helpers import utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:05", time(9, 5)),
        ("21.15", time(21, 15)),
        ("7am", time(7, 0)),
        ("7:30 pm", time(19, 30)),
        ("12am", time(0, 0)),
        ("12 p.m.", time(12, 0)),
    ],
)
def test_times_are_read_as_people_write_them(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "13pm", "noon", ""])
def test_unreadable_times_are_refused(text: str) -> None:
    with pytest.raises(BadSchedule):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (None, "daily"),
        ("daily", "daily"),
        ("Mon-Fri", "mon-fri"),
        ("weekdays", "mon-fri"),
        ("mon,wed,fri", "mon,wed,fri"),
        ("saturday sunday", "sat,sun"),
        ("sat-mon", "mon,sat,sun"),
        ("tues, thurs", "tue,thu"),
        ("mon-sun", "daily"),
    ],
)
def test_day_lists_have_one_canonical_spelling(text: str | None, canonical: str) -> None:
    assert format_days(parse_days(text)) == canonical


@pytest.mark.parametrize("text", ["funday", "mo", "mon-xyz", ",,"])
def test_unknown_days_are_refused(text: str) -> None:
    with pytest.raises(BadSchedule):
        parse_days(text)


def test_zones_are_iana_names_found_case_insensitively() -> None:
    assert parse_zone("europe/london").key == "Europe/London"
    for bad in ("Mars/Olympus", "../../etc/passwd", "GMT+25"):
        with pytest.raises(BadSchedule):
            parse_zone(bad)
    assert matching_zones("london", 25) == ["Europe/London"]
    assert matching_zones("America/New", 25)[0] == "America/New_York"
    assert len(matching_zones("", 25)) == 25


def _chain(recurrence: Recurrence, start: datetime, count: int) -> list[datetime]:
    out = [recurrence.next_after(start)]
    while len(out) < count:
        out.append(recurrence.next_after(out[-1]))
    return out


@pytest.mark.parametrize(
    ("zone", "spring", "autumn", "standard_offset"),
    [
        (LONDON, utc(2025, 3, 30), utc(2025, 10, 26), 0),
        (NEW_YORK, utc(2025, 3, 9), utc(2025, 11, 2), -5),
    ],
)
def test_nine_am_stays_nine_am_local_across_both_changes(
    zone: ZoneInfo, spring: datetime, autumn: datetime, standard_offset: int
) -> None:
    recurrence = Recurrence(time(9, 0), zone, EVERY_DAY)
    for change in (spring, autumn):
        dues = _chain(recurrence, change - timedelta(days=3), 6)
        assert all(d.astimezone(zone).time() == time(9, 0) for d in dues)
        assert [d.astimezone(zone).day for d in dues] == [
            (change - timedelta(days=3) + timedelta(days=n)).day for n in range(6)
        ]
        gaps = {dues[n + 1] - dues[n] for n in range(5)}
        shift = timedelta(hours=23) if change == spring else timedelta(hours=25)
        assert gaps == {timedelta(hours=24), shift}
    winter = recurrence.next_after(utc(2025, 1, 10))
    summer = recurrence.next_after(utc(2025, 7, 10))
    assert winter.hour == 9 - standard_offset
    assert summer.hour == 9 - standard_offset - 1


def test_a_time_in_the_spring_gap_is_shifted_later_by_the_gap() -> None:
    # 01:30 does not exist in London on 2025-03-30 (01:00 GMT -> 02:00 BST).
    london = Recurrence(time(1, 30), LONDON, EVERY_DAY)
    due = london.next_after(utc(2025, 3, 29, 12))
    assert due == utc(2025, 3, 30, 1, 30)
    assert due.astimezone(LONDON).time() == time(2, 30)
    assert london.next_after(due) == utc(2025, 3, 31, 0, 30)
    # 02:30 does not exist in New York on 2025-03-09 (02:00 EST -> 03:00 EDT).
    new_york = Recurrence(time(2, 30), NEW_YORK, EVERY_DAY)
    due = new_york.next_after(utc(2025, 3, 8, 12))
    assert due.astimezone(NEW_YORK).time() == time(3, 30)
    assert new_york.next_after(due) == utc(2025, 3, 10, 6, 30)


def test_an_ambiguous_time_is_due_once_at_its_first_occurrence() -> None:
    # 01:30 happens twice in London on 2025-10-26: at 00:30 and at 01:30 UTC.
    london = Recurrence(time(1, 30), LONDON, EVERY_DAY)
    due = london.next_after(utc(2025, 10, 25, 12))
    assert due == utc(2025, 10, 26, 0, 30)
    assert london.next_after(due) == utc(2025, 10, 27, 1, 30)
    assert london.latest_at_or_before(utc(2025, 10, 26, 1, 45)) == due
    # 01:30 happens twice in New York on 2025-11-02: at 05:30 and at 06:30 UTC.
    new_york = Recurrence(time(1, 30), NEW_YORK, EVERY_DAY)
    due = new_york.next_after(utc(2025, 11, 1, 12))
    assert due == utc(2025, 11, 2, 5, 30)
    assert new_york.next_after(due) == utc(2025, 11, 3, 6, 30)


def test_weekdays_skip_the_weekend() -> None:
    recurrence = Recurrence(time(9, 0), LONDON, parse_days("mon-fri"))
    friday_evening = utc(2025, 6, 6, 18)
    assert recurrence.next_after(friday_evening) == utc(2025, 6, 9, 8)
    assert recurrence.latest_at_or_before(utc(2025, 6, 8, 12)) == utc(2025, 6, 6, 8)


def test_plan_posts_within_grace_and_skips_beyond() -> None:
    recurrence = Recurrence(time(9, 0), LONDON, EVERY_DAY)
    due = utc(2025, 6, 2, 8)
    grace = timedelta(minutes=120)
    assert plan_due(recurrence, due, due - timedelta(seconds=1), grace) is None
    inside = plan_due(recurrence, due, due + timedelta(minutes=120), grace)
    assert inside is not None and inside.post and inside.due_at == due
    assert inside.next_due_at == utc(2025, 6, 3, 8) and inside.missed == ()
    beyond = plan_due(recurrence, due, due + timedelta(minutes=121), grace)
    assert beyond is not None and not beyond.post and beyond.due_at == due


def test_plan_after_days_down_posts_only_the_latest_due_time() -> None:
    recurrence = Recurrence(time(9, 0), LONDON, EVERY_DAY)
    first = utc(2025, 6, 2, 8)
    plan = plan_due(recurrence, first, utc(2025, 6, 5, 8, 30), timedelta(minutes=120))
    assert plan is not None and plan.post
    assert plan.due_at == utc(2025, 6, 5, 8)
    assert plan.missed == (first, utc(2025, 6, 3, 8), utc(2025, 6, 4, 8))
    long_gone = plan_due(recurrence, first, utc(2025, 12, 1, 8, 30), timedelta(minutes=120))
    assert long_gone is not None and long_gone.missed_total > MAX_MISSED_RECORDED
    assert len(long_gone.missed) == MAX_MISSED_RECORDED
    # 09:00 GMT again by then; the latest due time is almost a day late: skipped.
    assert long_gone.due_at == utc(2025, 11, 30, 9) and not long_gone.post
    assert long_gone.missed[-1] == utc(2025, 11, 29, 9)


ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    days=st.integers(1, EVERY_DAY),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
)
def test_next_due_is_the_first_matching_local_time_after(
    zone: str, hour: int, minute: int, days: int, start: datetime
) -> None:
    tz = ZoneInfo(zone)
    moment = start.replace(tzinfo=UTC)
    recurrence = Recurrence(time(hour, minute), tz, days)
    due = recurrence.next_after(moment)
    assert due > moment
    local = due.astimezone(tz)
    intended = datetime.combine(local.date(), time(hour, minute))
    wall = local.replace(tzinfo=None)
    # Either exactly the wall time, or later by a spring-forward gap (at most 1 hour).
    assert timedelta(0) <= wall - intended <= timedelta(hours=1)
    if wall != intended:
        assert local.utcoffset() != (due - timedelta(hours=3)).astimezone(tz).utcoffset()
    assert days >> intended.weekday() & 1
    # Nothing is due in between.
    assert recurrence.latest_at_or_before(due - timedelta(microseconds=1)) <= moment
