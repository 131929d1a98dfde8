"""When a digest is due: wall-clock times in IANA time zones, on chosen weekdays. Pure.

A schedule says "09:00 Europe/London, Monday to Friday"; each due time is that local
time on a chosen local date, converted to UTC, so a digest stays at 09:00 local on both
sides of a daylight-saving change. Two local times need a rule, and both rules are the
ones PEP 495 gives ``fold=0``:

* A time that does not exist (the spring-forward gap, e.g. 01:30 in London on the last
  Sunday of March) is read with the offset in force before the jump, so the digest
  goes out when the clock would have shown that time had it not jumped: shifted later by
  the gap (01:30 GMT = 02:30 BST; 02:30 EST in New York = 03:30 EDT).
* A time that happens twice (the fall-back overlap, e.g. 01:30 on the last Sunday of
  October) means its first occurrence (01:30 BST = 00:30 UTC), and the digest goes out
  once: the second 01:30 is not a new due time.

Due times are always UTC instants; a run is keyed by (schedule, due instant).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from retrieval.errors import BadSchedule

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = (1 << len(WEEKDAYS)) - 1
WEEKDAYS_MASK = 0b0011111
WEEKEND_MASK = 0b1100000
# Words accepted for whole sets of days.
DAY_SETS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "every day": EVERY_DAY,
    "weekdays": WEEKDAYS_MASK,
    "weekends": WEEKEND_MASK,
}
# A run of at least this many consecutive days is written as a range ("mon-fri").
RANGE_MIN_DAYS = 3
# Local dates looked at around an instant: a week plus the day either side, enough
# for any non-empty set of weekdays in any zone (offsets stay within +-1 day).
SEARCH_DAYS = 9
# Superseded due times recorded as skipped runs when many were missed at once; the
# rest are only counted in the log line.
MAX_MISSED_RECORDED = 30

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


def parse_time(text: str) -> time:
    """A wall-clock time: "09:00", "9:30", "21.15", "7am", "7:30 pm"."""
    match = _TIME.match(text)
    if match is None:
        raise BadSchedule(f"cannot read {text.strip()!r} as a time; write it like 09:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadSchedule(f"{text.strip()!r}: with am/pm the hour must be 1-12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif match.group(2) is None:
        raise BadSchedule(f"{text.strip()!r}: give minutes too, like 09:00, or add am/pm")
    if hour > 23 or minute > 59:
        raise BadSchedule(f"{text.strip()!r} is not a time of day")
    return time(hour, minute)


def format_time(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name known here (the tzdata package supplies them everywhere)."""
    return tuple(sorted(available_timezones()))


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone by exact name, case-insensitively ("europe/london" works)."""
    wanted = name.strip()
    lowered = {n.lower(): n for n in zone_names()}
    key = lowered.get(wanted.lower())
    if key is None:
        raise BadSchedule(
            f"unknown time zone {wanted!r}; use an IANA name such as Europe/London "
            "or America/New_York"
        )
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadSchedule(f"time zone {key!r} cannot be loaded") from exc


def matching_zones(prefix: str, limit: int) -> list[str]:
    """Zone names for autocomplete: names starting with the text first, then containing it."""
    text = prefix.strip().lower().replace(" ", "_")
    names = zone_names()
    if not text:
        return list(names[:limit])
    starts = [n for n in names if n.lower().startswith(text)]
    contains = [n for n in names if text in n.lower() and n not in starts]
    return (starts + contains)[:limit]


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_index(word: str) -> int:
    """A weekday from its name or any prefix of at least three letters ("thu", "thurs")."""
    if len(word) >= len(WEEKDAYS[0]):
        for index, name in enumerate(DAY_NAMES):
            if name.startswith(word):
                return index
    raise BadSchedule(f"cannot read {word!r} as a day; use mon, tue, wed, thu, fri, sat, sun")


def parse_days(text: str | None) -> int:
    """Weekdays as a bit mask (bit 0 = Monday): "daily", "mon-fri", "mon,wed,fri", "sat-mon"."""
    cleaned = " ".join((text or "daily").lower().split())
    if cleaned in DAY_SETS:
        return DAY_SETS[cleaned]
    mask = 0
    for part in re.split(r"\s*[,;/ ]\s*", cleaned):
        if not part:
            continue
        if part in DAY_SETS:
            mask |= DAY_SETS[part]
            continue
        first, _, last = part.partition("-")
        start = _day_index(first.strip())
        end = _day_index(last.strip()) if last else start
        span = (end - start) % len(WEEKDAYS)
        for step in range(span + 1):
            mask |= 1 << ((start + step) % len(WEEKDAYS))
    if mask == 0:
        raise BadSchedule("choose at least one day, e.g. daily or mon-fri")
    return mask


def format_days(mask: int) -> str:
    """The canonical spelling of a day mask: "daily", "mon-fri", "mon,wed,fri"."""
    if mask & EVERY_DAY == EVERY_DAY:
        return "daily"
    days = [i for i in range(len(WEEKDAYS)) if mask >> i & 1]
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= RANGE_MIN_DAYS:
            parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[day] for day in run)
    return ",".join(parts)


def local_due(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on local ``day`` (gap and overlap: see above)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Recurrence:
    """A local time on some weekdays in one zone; yields UTC due instants."""

    at: time
    zone: ZoneInfo
    days: int

    def _candidates(self, around: datetime) -> list[datetime]:
        """Due instants on the local dates around ``around``, sorted and unique."""
        first = around.astimezone(self.zone).date() - timedelta(days=1)
        found = {
            local_due(day, self.at, self.zone)
            for day in (first + timedelta(days=n) for n in range(SEARCH_DAYS))
            if self.days >> day.weekday() & 1
        }
        return sorted(found)

    def next_after(self, moment: datetime) -> datetime:
        """The first due instant strictly after ``moment``."""
        probe = moment
        while True:
            later = [t for t in self._candidates(probe) if t > moment]
            if later:
                return later[0]
            probe += timedelta(days=SEARCH_DAYS - 2)

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last due instant at or before ``moment``."""
        probe = moment
        while True:
            earlier = [t for t in self._candidates(probe) if t <= moment]
            if earlier:
                return earlier[-1]
            probe -= timedelta(days=SEARCH_DAYS - 2)


@dataclass(frozen=True)
class DuePlan:
    """What to do about a schedule whose stored next due time has passed.

    ``due_at`` is the latest due time at or before now: it is posted when ``post``
    (it is at most the grace period late) and skipped otherwise. Earlier due times it
    supersedes are skipped: one digest covers everything new since the last one, so
    posting several back to back would only repeat the same news.
    """

    due_at: datetime
    post: bool
    late: timedelta
    missed: tuple[datetime, ...]
    missed_total: int
    next_due_at: datetime


def plan_due(
    recurrence: Recurrence, next_due_at: datetime, now: datetime, grace: timedelta
) -> DuePlan | None:
    """The plan for a schedule due at ``next_due_at``, or None when it is not due yet."""
    if next_due_at > now:
        return None
    latest = recurrence.latest_at_or_before(now)
    latest = max(latest, next_due_at)
    missed: deque[datetime] = deque(maxlen=MAX_MISSED_RECORDED)
    total = 0
    moment = next_due_at
    while moment < latest:
        missed.append(moment)
        total += 1
        moment = recurrence.next_after(moment)
    late = now - latest
    return DuePlan(
        due_at=latest,
        post=late <= grace,
        late=late,
        missed=tuple(missed),
        missed_total=total,
        next_due_at=recurrence.next_after(latest),
    )
