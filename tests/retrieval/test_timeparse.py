from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from retrieval.errors import QueryError
from retrieval.timeparse import parse_since

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "delta"),
    [
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("30 days", timedelta(days=30)),
        ("90m", timedelta(minutes=90)),
        ("1y", timedelta(days=365)),
    ],
)
def test_relative(value: str, delta: timedelta) -> None:
    assert parse_since(value, now=NOW) == NOW - delta


def test_dates_and_all_time() -> None:
    assert parse_since("2024-09-01") == datetime(2024, 9, 1, tzinfo=UTC)
    assert parse_since("2024-09-01T10:00:00+05:30") == datetime(2024, 9, 1, 4, 30, tzinfo=UTC)
    assert parse_since("all") is None
    assert parse_since(None) is None


@pytest.mark.parametrize("value", ["yesterday", "7x", "-3d", "2024-13-01", "99999y"])
def test_bad_values_are_query_errors(value: str) -> None:
    with pytest.raises(QueryError):
        parse_since(value, now=NOW)
