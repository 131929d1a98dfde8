"""Author and agency lines: "By Tess Bonn - 11/19/19", "Tom Krisher, AP Auto Writer",
"AP Seoul", "PTI, Washington", "New Delhi, News Nation Bureau".

Shared by line classification (such lines are header metadata, not text) and by the
header reader (which keeps the names and the dateline city).
"""

from __future__ import annotations

import re

from retrieval.ingest.extract import linewords as lw
from retrieval.ingest.extract.dates import find_datetime

AGENCIES = (
    "Associated Press", "AP", "Reuters", "AFP", "Agence France-Presse", "PTI",
    "Press Trust of India", "IANS", "ANI", "Bloomberg", "UNI", "Xinhua", "Yonhap",
    "Kyodo", "dpa", "EFE", "ANSA", "TASS", "RIA Novosti", "Anadolu", "Bernama", "AAP",
    "Canadian Press", "The Canadian Press", "Press Association", "PA", "UPI",
    "New York Times News Service", "Agencies", "Agency", "Reuters Staff",
)  # fmt: skip
AGENCY_ALT = "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True))
# Place names in datelines are short ("Seoul", "New Delhi", "Rio de Janeiro").
CITY_MAX_WORDS = 3
# Names in a byline: at most this many words once dates and roles are removed.
NAME_MAX_WORDS = 8
BYLINE_MAX_WORDS = 14

_AGENCY_CITY = re.compile(
    rf"^(?P<agency>{AGENCY_ALT})\b\s*[,|/:–—-]?\s*(?P<city>[A-Z][\w.'’ -]{{1,40}}?)\s*,?\s*$"
)
_CITY_AGENCY = re.compile(
    rf"^(?![Bb]y\s)(?P<city>[A-Z][\w.'’ -]{{1,40}}?)\s*[,|/:–—-]\s*"
    rf"(?P<agency>{AGENCY_ALT})\s*,?\s*$"
)
_CITY_BUREAU = re.compile(
    r"^(?![Bb]y\s)(?P<city>[A-Z][\w.'’ -]{1,30}?),\s*(?P<agency>[\w.'’ -]{2,40}?(?:Bureau|Desk|"
    r"Staff|News Service|Correspondent))\b"
)
AGENCY_ONLY = re.compile(rf"^(?P<agency>{AGENCY_ALT})\b(?!\s+\w+\s+\w)", re.I)
_BY_START = re.compile(
    r"^(?:by|written by|story by|reported by|posted by|posted on|text:)\s+\S", re.I
)
_PEOPLE = re.compile(r"\b(?:and|&)\b|^by\s", re.I)
_BY = re.compile(
    r"(?:^|\s)(?:by|written by|words by|story by|reported by|posted by|text:)\s+(?P<name>[^|•·]+)",
    re.I,
)
# The branches that open with white space (or a comma and white space) start nowhere
# inside a run of it (``linewords.NOT_INSIDE_SPACE_RUN``).
_BY_STOP = re.compile(
    rf"{lw.NOT_INSIDE_SPACE_RUN}\s+[-–—|•·]\s+|"
    rf"{lw.NOT_INSIDE_SPACE_RUN}\s+(?:on|at|in|published|updated|posted)\s+|"
    rf"{lw.NOT_INSIDE_SPACE_RUN},?\s*\d|@|,\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b",
    re.I,
)
_ROLE_WORDS = (
    r"(?i:staff|writer|correspondent|reporter|editor|contributor|columnist|journalist|"
    r"producer|bureau chief)"
)
# The words before a role are taken from the start of their run only (the lookbehind):
# the leftmost match is the same, but a long run is no longer rescanned from each of
# its characters, which made a long one-word "byline" quadratic to clean.
# The same for the white space before them (``linewords.NOT_INSIDE_SPACE_RUN``).
_ROLE = re.compile(rf"{lw.NOT_INSIDE_SPACE_RUN},?\s*(?:(?<![\w ])[\w ]+ )?{_ROLE_WORDS}\b.*$", re.I)
_NAME = r"[A-Z][a-z'’.-]+(?:\s+[A-Z][A-Za-z'’.-]+){1,2}"
# "Tom Krisher, AP Auto Writer", "Meg Kinnard and Errin Haines, Associated Press"
_NAMED = re.compile(
    rf"^(?![Bb]y\s)(?P<names>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*)\s*,\s*"
    rf"(?:(?:[\w.]+\s+){{0,3}}{_ROLE_WORDS}|{AGENCY_ALT})\s*$"
)


def is_byline(text: str) -> bool:
    """A line naming the author(s) or agency of the article."""
    if lw.word_count(text) > BYLINE_MAX_WORDS:
        return False
    return bool(_BY_START.match(text) or _NAMED.match(text))


def names_in(text: str) -> str | None:
    """The author names of a byline-like line, without dates, handles or roles."""
    if lw.word_count(text) > BYLINE_MAX_WORDS:
        return None
    found = find_datetime(text)
    if found is not None:
        text = text[: found.start] + " | " + text[found.end :]
    named = _NAMED.match(text.strip())
    if named:
        return named.group("names").strip()
    match = _BY.search(text)
    if match is None:
        return None
    name = _BY_STOP.split(match.group("name"), maxsplit=1)[0]
    name = _ROLE.sub("", name).strip(" ,;:-")
    return name if name and lw.word_count(name) <= NAME_MAX_WORDS else None


def agency_and_city(text: str) -> tuple[str, str | None] | None:
    """(byline, dateline) of "AP Seoul", "PTI, Washington", "New Delhi, X Bureau" lines.

    When the part beside the agency reads as people ("A and B, Associated Press") the
    names are the byline and there is no dateline.
    """
    for pattern in (_AGENCY_CITY, _CITY_AGENCY, _CITY_BUREAU):
        match = pattern.match(text.strip())
        if match:
            place = match.group("city").strip(" ,")
            if _PEOPLE.search(place) or lw.word_count(place) > CITY_MAX_WORDS:
                return place, None
            return match.group("agency").strip(), place
    return None
