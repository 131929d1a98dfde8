"""Publish dates as scraped pages and feeds write them, with their time zones.

Pages print dates in a dozen shapes ("Sep 04 2024 | 1:42 PM IST", "11/19/19 06:56 AM
EST", "2019-11-19T12:48:14Z", "10:48, Tue, Nov 19, 2019") and name zones by
abbreviation. We find a calendar date anywhere in the string, then the clock time
nearest to it and the zone written right after that time. A zone we cannot name
leaves the result naive rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

# Fixed-offset abbreviations, in minutes east of UTC. IST is India's (the common
# reading in news pages); ambiguous abbreviations keep their most common meaning.
_FIXED_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0, "BST": 60, "IST": 330, "CET": 60,
    "CEST": 120, "MEZ": 60, "MESZ": 120, "WEST": 60, "EET": 120, "EEST": 180,
    "MSK": 180, "EAT": 180, "WAT": 60, "CAT": 120, "SAST": 120, "GST": 240,
    "PKT": 300, "NPT": 345, "BDT": 360, "ICT": 420, "WIB": 420, "HKT": 480,
    "SGT": 480, "PHT": 480, "AWST": 480, "CST": -360, "CDT": -300, "JST": 540,
    "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720,
    "NZDT": 780, "EST": -300, "EDT": -240, "MST": -420, "MDT": -360, "PST": -480,
    "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600, "AST": -240, "ADT": -180,
    "NST": -210, "NDT": -150, "BRT": -180, "ART": -180,
}  # fmt: skip
# Abbreviations that name a region rather than an offset: the offset depends on DST.
_REGION_ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
    "AET": "Australia/Sydney",
    "UK": "Europe/London",
}
_MONTH_RE = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|"
    r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(rf"\b{_MONTH_RE}\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE},?\s+(?P<y>\d{{4}})\b",
        re.I,
    ),
    re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])"),
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?![\d.])"),
)
_TIME_RE = re.compile(
    r"(?<![\d:.])(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\b\.?)?|\s*(?P<ampm2>[ap]\.?\s?m\b\.?))(?![\d:])",
    re.I,
)
_ZONE_RE = re.compile(
    r"\s*(?:\(\s*)?(?:(?P<utc>GMT|UTC)\s*(?P<uoff>[+-]\s*\d{1,2}(?::?\d{2})?)?"
    r"|(?P<off>[+-]\d{2}:?\d{2})|(?P<abbr>[A-Za-z]{1,5})\b)"
)
_DIGIT = re.compile(r"\d")
# How far (characters) a clock time may sit from the date it belongs to.
_TIME_WINDOW = 40
_MIN_YEAR, _MAX_YEAR = 1900, 2100
# Shortest zone abbreviation accepted in lower case ("ist" yes, "et" no).
_MIN_LOWERCASE_ZONE = 3


@dataclass(frozen=True)
class DateMatch:
    """A date found in a string and where it was found (for callers that strip it)."""

    value: datetime
    start: int
    end: int


def parse_datetime(text: str) -> datetime | None:
    """The first date in ``text`` with its time and zone when given, else None."""
    found = find_datetime(text)
    return found.value if found else None


def find_datetime(text: str) -> DateMatch | None:
    """Like ``parse_datetime`` but also reports the span the date and time cover."""
    if _DIGIT.search(text) is None:
        return None  # every date shape holds a digit; most lines tested hold none
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    date = _find_date(text)
    if date is None:
        return None
    (year, month, day), d_start, d_end = date
    clock = _find_time(text, d_start, d_end)
    hour = minute = second = 0
    zone: tzinfo | None = None
    start, end = d_start, d_end
    if clock is not None:
        (hour, minute, second), t_start, t_end = clock
        zone, z_end = _find_zone(text, t_end)
        start, end = min(start, t_start), max(end, z_end)
    else:
        zone, z_end = _find_zone(text, d_end)
        end = max(end, z_end)
    try:
        value = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return DateMatch(_localise(value, zone), start, end)


_ISO_FULL = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?(?![\d:])"
)


def _parse_iso(text: str) -> DateMatch | None:
    """ISO 8601 with a time, which ``datetime.fromisoformat`` would reject in some forms."""
    match = _ISO_FULL.search(text)
    if match is None:
        return None
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    end = match.end()
    if match.group(7):
        zone = _offset_zone(match.group(7))
    else:
        zone, end = _find_zone(text, end)
    try:
        value = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    return DateMatch(_localise(value, zone), match.start(), end)


def _find_date(text: str) -> tuple[tuple[int, int, int], int, int] | None:
    best: tuple[tuple[int, int, int], int, int] | None = None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            ymd = _ymd(match)
            if ymd is None:
                continue
            if best is None or match.start() < best[1]:
                best = (ymd, match.start(), match.end())
            break
    return best


def _ymd(match: re.Match[str]) -> tuple[int, int, int] | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    day = int(groups["d"])
    if groups.get("mon"):
        month = _MONTHS[groups["mon"].lower().rstrip(".")]
    else:
        month = int(groups["m"])
        if month > 12 >= day:  # day-first numeric date written with slashes
            month, day = day, month
    if not (_MIN_YEAR <= year <= _MAX_YEAR and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return year, month, day


def _find_time(text: str, d_start: int, d_end: int) -> tuple[tuple[int, int, int], int, int] | None:
    """The clock time closest to the date, within ``_TIME_WINDOW`` characters of it."""
    best: tuple[tuple[int, int, int], int, int] | None = None
    best_gap = _TIME_WINDOW + 1
    for match in _TIME_RE.finditer(text):
        if d_start <= match.start() < d_end:
            continue
        gap = match.start() - d_end if match.start() >= d_end else d_start - match.end()
        clock = _clock(match)
        if clock is not None and 0 <= gap < best_gap:
            best, best_gap = (clock, match.start(), match.end()), gap
    return best


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    hour = int(match.group("H"))
    minute = int(match.group("M") or 0)
    second = int(match.group("S") or 0)
    ampm = (match.group("ampm") or match.group("ampm2") or "").lower()
    if not ampm and match.group("M") is None:
        return None  # a bare number is not a time
    if ampm.startswith("p") and hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _find_zone(text: str, pos: int) -> tuple[tzinfo | None, int]:
    """The zone written right after position ``pos`` (a time or a date), if any."""
    match = _ZONE_RE.match(text, pos)
    if match is None:
        return None, pos
    if match.group("utc"):
        offset = match.group("uoff")
        zone = _offset_zone(offset.replace(" ", "")) if offset else UTC
        return zone, match.end()
    if match.group("off"):
        return _offset_zone(match.group("off")), match.end()
    written = match.group("abbr")
    abbr = written.upper()
    if written != abbr and len(written) < _MIN_LOWERCASE_ZONE:
        return None, pos  # "et", "pt" in running text are words, not zones
    if abbr in _FIXED_ZONES:
        return timezone(timedelta(minutes=_FIXED_ZONES[abbr])), match.end()
    if abbr in _REGION_ZONES:
        return ZoneInfo(_REGION_ZONES[abbr]), match.end()
    return None, pos


def _offset_zone(text: str) -> tzinfo | None:
    if text in ("Z", "z"):
        return UTC
    match = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if match is None:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if match.group(1) == "-" else minutes))


def _localise(value: datetime, zone: tzinfo | None) -> datetime:
    return value.replace(tzinfo=zone) if zone is not None else value
