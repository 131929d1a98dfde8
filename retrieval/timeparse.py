"""Parsing of time windows typed by people: ``24h``, ``7d``, ``2w``, ``2024-09-01``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import regex

from retrieval.errors import QueryError

_RELATIVE = regex.compile(
    r"^\s*(\d{1,5})\s*(m|min|h|hours?|d|days?|w|weeks?|y|years?)\s*$", regex.I
)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
ALL_TIME = frozenset({"", "all", "any", "all time", "ever"})


def parse_since(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """The start of a window, or None for all time.

    Relative windows count back from ``now``; dates are midnight UTC; datetimes without a
    zone are taken as UTC.
    """
    if value is None or value.strip().lower() in ALL_TIME:
        return None
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value)
    if match:
        amount = int(match.group(1))
        unit = match.group(2).lower()
        key = "m" if unit in ("m", "min") else unit[0]
        try:
            return now - timedelta(seconds=amount * _UNIT_SECONDS[key])
        except OverflowError:
            raise QueryError(f"time window {value!r} is too long") from None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(
            f"cannot read {value!r} as a time: use 24h, 7d, 4w, 1y or a date like 2024-09-01"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
