"""Title, date, site, byline and dateline of a plain-text scrape.

All of these sit in the few lines above the article body (the "header": breadcrumb,
headline, standfirst, byline, date) or in the footer (copyright, "First Published").
We look for them there, by shape, never by site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from retrieval.ingest.extract import boilerplate as bp
from retrieval.ingest.extract import linewords as lw
from retrieval.ingest.extract.bylines import AGENCY_ONLY, agency_and_city, names_in
from retrieval.ingest.extract.dates import find_datetime, parse_datetime
from retrieval.ingest.extract.plaintext_lines import Kind, Line
from retrieval.ingest.extract.prose import HEADER_WINDOW, TITLE_MAX_WORDS, dateline_opening

# Lines below the body searched for a "Published" date and copyright notice.
FOOTER_WINDOW = 20
TITLE_MIN_WORDS = 4
# A headline repeated within this many lines (heading, then share text) is the title.
REPEAT_DISTANCE = 3
# Lines a headline may sit above the byline/date line (a standfirst, a caption between).
TITLE_META_GAP = 4
# Above a byline, the first candidate this long is the headline (shorter ones are kickers
# such as "BLACK DEATH FEARS"; later longer ones are standfirsts).
TITLE_FIRM_WORDS = 5
# The standfirst follows the headline within this many lines.
DESCRIPTION_WINDOW = 4
# A standfirst is at least this long.
DESCRIPTION_MIN_WORDS = 10
# ... and written in sentence case (navigation and headlines capitalise most words).
DESCRIPTION_MAX_CAPS = 0.5
# Keyword lines: several comma-separated items of at most this many words each.
KEYWORD_ITEM_WORDS = 3
KEYWORD_MIN_ITEMS = 3

# A match never starts right after a marker (and a space): the attempt from the first
# marker of a run of them ("© © ©") already tries every later start, so retrying from
# each one only turned a long run of markers into quadratic (cubic) work.
_NOT_AFTER_MARK = "".join(
    rf"(?<!{mark})(?<!{mark}\s)" for mark in ("©", r"\(c\)", "copyright", "copyrights")
)
# The markers after the first are taken whole (``*+``): giving some back only let the
# holder's name start inside the run, made of the markers' own words ("(c)",
# "copyright"), and trying that for every marker of a long run was quadratic.
_COPYRIGHT = re.compile(
    _NOT_AFTER_MARK + r"(?:©|\(c\)|copyrights?)(?:\s*(?:©|\(c\)|copyrights?))*+\s*"
    r"(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"(?P<name>[^.|©]+?)\s*(?:\.\s|\.$|,?\s*all rights|\s[-–|]\s|\||$)",
    re.I,
)
# Both trailing patterns start only where a run of commas and white space starts: a
# match inside a run is also one a character earlier (the leftmost match is the same),
# and a long run is not rescanned from each of its characters (quadratic).
_TRAILING_YEAR = re.compile(r"(?<![,\s])[,\s]+(?:19|20)\d{2}\s*$")
# Words that show a "copyright holder" match caught a notice, not a name.
_NOT_A_NAME = re.compile(
    r"\b(?:rights|reserved|designed|powered|registered|trademark|charity|nonprofit)\b", re.I
)
# Publication names are short.
SOURCE_MAX_WORDS = 6
_CORPORATE = re.compile(
    r"(?<![,\s])[,\s]+(?:private limited|pvt\.? ltd\.?|private ltd\.?|ltd\.?|limited|inc\.?|llc|"
    r"plc|corp\.?|corporation|co\.?|gmbh|s\.a\.?|ag|n\.v\.)\s*$",
    re.I,
)
# A web address, or an e-mail address: "@" after the first character of a run of
# non-spaces, then "." and a word character at least two further on. Written so each
# run is read once (from its start, to its first "@" after that, with possessive
# loops): the plain ``\S+@\S+\.\w+`` backtracks cubically on a long run of "@" and
# quadratically on any long run without spaces.
_URL = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)\S[^\s@]*+@\S(?:[^\s.]|\.(?!\w))*+\.\w", re.I)
_PUBLISHED_LABEL = re.compile(r"\b(?:first published|published|posted|released)\b", re.I)
_UPDATED_LABEL = re.compile(r"\b(?:updated|modified)\b", re.I)
_BARE_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[A-Za-z]{2,5})?$", re.I)


@dataclass(frozen=True)
class Header:
    title: str | None = None
    title_index: int | None = None
    description: str | None = None
    published: datetime | None = None
    source: str | None = None
    byline: str | None = None
    dateline: str | None = None


def is_keyword_list(text: str) -> bool:
    """ "Putin, Kim Jong, kim, jong": a tag line, not a headline."""
    items = [item.strip() for item in text.split(",")]
    return len(items) >= KEYWORD_MIN_ITEMS and all(
        0 < lw.word_count(item) <= KEYWORD_ITEM_WORDS for item in items
    )


def find_title(lines: list[Line], body_start: int) -> int | None:
    """Index of the headline above the body.

    In order of trust: the last item of a breadcrumb that also stands as a line; a
    headline-shaped line printed twice in a row (heading plus share text); the
    headline-shaped line just above the first byline/date line; the headline-shaped
    line nearest the body.
    """
    window = lines[max(0, body_start - HEADER_WINDOW) : body_start]
    for line in window:
        tail = bp.breadcrumb_tail(line.text)
        if tail and lw.word_count(tail) >= TITLE_MIN_WORDS:
            for other in window:
                if other.index != line.index and other.text.casefold() == tail.casefold():
                    return other.index
    candidates = [line for line in window if _title_shaped(line)]
    for line in candidates:
        if any(
            other.index != line.index
            and abs(other.index - line.index) <= REPEAT_DISTANCE
            and other.text == line.text
            for other in window
        ):
            return line.index
    indexes = {c.index for c in candidates}
    # A sentence-case line right under a headline is its standfirst, not the headline.
    headlines = [c for c in candidates if not (c.index - 1 in indexes and _standfirst_shaped(c))]
    meta = _last_meta_cluster(window)
    if meta is not None:
        above = [c for c in headlines if meta - TITLE_META_GAP <= c.index < meta]
        if above:
            return above[-1].index
    return headlines[-1].index if headlines else None


def _standfirst_shaped(line: Line) -> bool:
    return (
        line.words >= DESCRIPTION_MIN_WORDS
        and lw.capitalised_share(line.text) < DESCRIPTION_MAX_CAPS
        and not bp.is_breadcrumb(line.text)
        and not _URL.search(line.text)
    )


def _last_meta_cluster(window: list[Line]) -> int | None:
    """Index of the first byline/date line of the group nearest the body."""
    metas = [line.index for line in window if line.kind is Kind.META]
    if not metas:
        return None
    first = metas[-1]
    for index in reversed(metas[:-1]):
        if first - index > TITLE_META_GAP:
            break
        first = index
    return first


def _title_shaped(line: Line) -> bool:
    if line.kind in (Kind.META, Kind.BOILER, Kind.CAPTION, Kind.END):
        return False
    if not TITLE_MIN_WORDS <= line.words <= TITLE_MAX_WORDS:
        return False
    text = line.text.rstrip()
    return not (text.endswith(".") or is_keyword_list(text) or _URL.search(text))


def find_description(lines: list[Line], title_index: int | None, body_start: int) -> str | None:
    """The standfirst: the first long, prose-like line between headline and body."""
    if title_index is None:
        return None
    for line in lines[title_index + 1 : min(body_start, title_index + 1 + DESCRIPTION_WINDOW)]:
        if line.kind not in (Kind.GOOD, Kind.SHORT) or is_keyword_list(line.text):
            continue
        if _standfirst_shaped(line):
            return line.text
    return None


def find_published(lines: list[Line], body_start: int, body_end: int) -> datetime | None:
    """Publication time: a "Published" line near the body, else the header's date."""
    header = lines[max(0, body_start - HEADER_WINDOW) : body_start]
    footer = lines[body_end : body_end + FOOTER_WINDOW]
    dated: list[tuple[Line, datetime]] = []
    for line in header + footer:
        value = _line_date(lines, line)
        if value is not None and line.kind is not Kind.GOOD:
            dated.append((line, value))
    for line, value in dated:
        if _PUBLISHED_LABEL.search(line.text):
            return value
    for line, value in dated:
        if line.index < body_start:
            return value
    return dated[0][1] if dated else None


def _line_date(lines: list[Line], line: Line) -> datetime | None:
    found = find_datetime(line.text)
    if found is None:
        return None
    following = lines[line.index + 1].text if line.index + 1 < len(lines) else ""
    if found.value.hour == found.value.minute == 0 and _BARE_TIME.match(following):
        return parse_datetime(f"{line.text} {following}") or found.value
    return found.value


def find_byline(
    lines: list[Line], title_index: int | None, body_start: int, first_paragraph: str
) -> tuple[str | None, str | None]:
    """(byline, dateline) from agency/city lines, "By ..." lines, or the body's dateline."""
    first = title_index + 1 if title_index is not None else max(0, body_start - HEADER_WINDOW)
    byline: str | None = None
    dateline: str | None = None
    for line in lines[first:body_start]:
        text = line.text.strip()
        found = agency_and_city(text)
        if found is not None:
            if found[1] is not None:
                return found
            byline = byline or found[0]
        if byline is None:
            byline = names_in(text)
    opening = dateline_opening(first_paragraph)
    if opening:
        dateline = opening[0]
        byline = byline or opening[1]
    if byline is None:
        for line in lines[first:body_start]:
            agency = AGENCY_ONLY.match(line.text)
            if agency and line.kind in (Kind.SHORT, Kind.META):
                byline = agency.group("agency")
                break
    return byline, dateline


def find_source(lines: list[Line]) -> str | None:
    """The site's name: the copyright holder, spelt as the page's first line when they agree."""
    holder = None
    for line in reversed(lines):
        if not _may_hold_copyright(line.text):
            continue
        match = _COPYRIGHT.search(line.text)
        if match and lw.word_count(match.group("name")) > 0:
            holder = _strip_corporate(match.group("name").strip(" ,"))
            if holder:
                break
    if holder is None:
        return None
    first = lines[0].text if lines else ""
    first_words = set(lw.words(first.casefold()))
    if first_words and first_words <= set(lw.words(holder.casefold())):
        return first
    return holder


def _may_hold_copyright(text: str) -> bool:
    """False only when ``_COPYRIGHT`` cannot match: none of its markers is in the line
    (a substring test, far cheaper than the search on the lines of an article)."""
    low = bp.lowered(text)
    return low is None or "©" in low or "(c)" in low or "copyright" in low


def _strip_corporate(name: str) -> str | None:
    previous = None
    while previous != name:
        previous = name
        name = _TRAILING_YEAR.sub("", _CORPORATE.sub("", name)).strip(" ,")
    if not name or not name[0].isalpha() or _NOT_A_NAME.search(name):
        return None
    return name if lw.word_count(name) <= SOURCE_MAX_WORDS else None
