"""When feeds are polled: intervals as people write them, and the back-off after failures."""

from __future__ import annotations

import re
from datetime import timedelta

from retrieval.errors import BadInterval

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"^\s*(\d{1,6})\s*([smhd])\s*$", re.IGNORECASE)
# The intervals offered in Discord (name, seconds); the CLI takes any "<n><unit>".
EVERY_CHOICES: tuple[tuple[str, int], ...] = (
    ("every 15 minutes", 900),
    ("every hour", 3600),
    ("every 6 hours", 6 * 3600),
    ("every day", 86400),
)
# Exponents above this cannot matter: the cap is reached long before.
MAX_BACKOFF_EXPONENT = 20


def parse_every(text: str, *, minimum: int) -> int:
    """Seconds in ``text`` ("15m", "1h", "6h", "1d"); BadInterval when unreadable or short."""
    match = _INTERVAL.match(text)
    if match is None:
        raise BadInterval(f"cannot read {text.strip()!r} as an interval; write e.g. 15m, 1h or 1d")
    return check_every(int(match.group(1)) * UNIT_SECONDS[match.group(2).lower()], minimum)


def check_every(seconds: int, minimum: int) -> int:
    if seconds < minimum:
        raise BadInterval(f"feeds are polled at most every {describe_every(minimum)}")
    return seconds


def describe_every(seconds: int) -> str:
    """``seconds`` in the largest whole unit: "15 min", "1 h", "6 h", "1 day"."""
    for unit, size, name in (("d", 86400, " day"), ("h", 3600, " h"), ("m", 60, " min")):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            plural = "s" if unit == "d" and count > 1 else ""
            return f"{count}{name}{plural}"
    return f"{seconds} s"


def backoff_delay(every_seconds: int, failures: int, cap_seconds: int) -> timedelta:
    """The wait after ``failures`` failed polls in a row: the interval doubled each time."""
    exponent = min(max(failures, 0), MAX_BACKOFF_EXPONENT)
    return timedelta(seconds=min(every_seconds * 2**exponent, max(cap_seconds, every_seconds)))
