"""Publish dates in the shapes pages print them, with their zones."""

from __future__ import annotations

import pytest

from retrieval.ingest.extract.dates import parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 min read Last Updated : Sep 04 2024 | 1:42 PM IST", "2024-09-04T13:42:00+05:30"),
        ("By Tess Bonn - 11/19/19 06:56 AM EST", "2019-11-19T06:56:00-05:00"),
        ("20 Nov 2019 08:00 GMT", "2019-11-20T08:00:00+00:00"),
        ("Updated 1:33 am CST, Wednesday, November 20, 2019", "2019-11-20T01:33:00-06:00"),
        ("2019-11-19T12:48:14Z", "2019-11-19T12:48:14+00:00"),
        ("2024-09-04T13:42:00+05:30", "2024-09-04T13:42:00+05:30"),
        ("Published 11:26 pm EST, Tuesday, November 19, 2019", "2019-11-19T23:26:00-05:00"),
        ("Nov. 18th 2019 8:54 am PT", "2019-11-18T08:54:00-08:00"),
        ("July 4, 2024 3 p.m. ET", "2024-07-04T15:00:00-04:00"),
        ("4 Aug 2024 10:00 BST", "2024-08-04T10:00:00+01:00"),
        ("12 Jan 2024 17:00 CET", "2024-01-12T17:00:00+01:00"),
        ("12 Jul 2024 17:00 CEST", "2024-07-12T17:00:00+02:00"),
        ("March 3, 2024 9:00 JST", "2024-03-03T09:00:00+09:00"),
        ("March 3, 2024 9:00 KST", "2024-03-03T09:00:00+09:00"),
        ("March 3, 2024 9:00 AEST", "2024-03-03T09:00:00+10:00"),
        ("March 3, 2024 9:00 PDT", "2024-03-03T09:00:00-07:00"),
        ("Tue, 19 Nov 2019 12:00:00 +0000", "2019-11-19T12:00:00+00:00"),
        ("March 3, 2024 9:00 UTC+05:30", "2024-03-03T09:00:00+05:30"),
        ("13.11.2019, 23:06", "2019-11-13T23:06:00"),
        ("2024-09-04", "2024-09-04T00:00:00"),
    ],
)
def test_parses_with_zone(text: str, expected: str) -> None:
    value = parse_datetime(text)
    assert value is not None
    assert value.isoformat() == expected


@pytest.mark.parametrize("text", ["", "no date here", "version 12", "99/99/9999", "1:42 PM"])
def test_no_date(text: str) -> None:
    assert parse_datetime(text) is None
