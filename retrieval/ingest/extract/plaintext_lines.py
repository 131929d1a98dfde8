"""Lines of a plain-text scrape, each with the signals the cleaner decides on.

A browser's copy of a page puts every block (paragraph, menu item, caption, button)
on its own line, so the line is the unit: we measure its length, stopword share,
capitalisation and ending, and sort it into one of six kinds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum

from retrieval.ingest.extract import boilerplate as bp
from retrieval.ingest.extract import linewords as lw
from retrieval.ingest.extract.bylines import is_byline
from retrieval.ingest.extract.dates import find_datetime
from retrieval.ingest.extract.plaintext_dump import DumpLine
from retrieval.ingest.extract.prose import GOOD_MIN_WORDS, is_prose, raw_lines, unwrap


class Kind(Enum):
    GOOD = "good"  # article-like prose
    SHORT = "short"  # short or headline-shaped: a heading, a menu item, a link
    BOILER = "boiler"  # page furniture recognised by its wording
    CAPTION = "caption"  # photo caption or credit
    META = "meta"  # date, byline or read-time line
    END = "end"  # copyright notice or comment-section heading: no article text follows


@dataclass(frozen=True)
class Line:
    index: int  # position among the non-blank lines
    text: str
    words: int
    kind: Kind
    clause: bool  # ends like prose (sentence punctuation, colon, quote)
    linked: bool = False  # all link text in a dump that marks links: navigation or a teaser


# Date and byline lines are short; longer lines mentioning a date are prose.
META_MAX_WORDS = 25
# Words a date line may carry besides the date itself ("Updated", a name, a city).
META_REST_WORDS = 8
# A footer notice or comments heading is short; a longer line mentioning copyright
# (a caption with its agency's notice, a teaser list run together) does not end the page.
END_MAX_WORDS = 30
# Short lines repeated this often on a page are navigation.
REPEATED_NAV = 3

_META_LABEL = re.compile(
    r"\b(?:updated|published|posted|modified|created|written|released|issued|"
    r"last updated|date|dated|on)\b|\|",
    re.I,
)
# "— Robert Maguire (@RobertMaguire_) November 18, 2019": a quoted post, part of the text.
_ATTRIBUTION = re.compile(r"^\s*[—–-].*@")


def split_lines(text: str) -> list[Line]:
    """Non-blank, normalised lines with their kinds; hard-wrapped paragraphs re-joined."""
    return classify_lines(raw_lines(text))


def classify_lines(raw: list[str], linked: frozenset[int] = frozenset()) -> list[Line]:
    """``Line`` values for lines as ``raw_lines`` returns them.

    A line in ``linked`` is link text (the dump marked it so): it may read like a
    sentence, but a link is a way elsewhere, so it is never prose.
    """
    counts = Counter(raw)
    lines = []
    for index, line in enumerate(raw):
        words = lw.word_count(line)
        kind = classify(line, words, repeats=counts[line])
        is_link = index in linked
        if is_link and kind is Kind.GOOD:
            kind = Kind.SHORT
        lines.append(Line(index, line, words, kind, lw.ends_clause(line), is_link))
    return lines


def dump_to_lines(dump: list[DumpLine]) -> tuple[list[str], frozenset[int]]:
    """Lines of a cleaned dump as ``raw_lines`` gives them, with the indices of link lines."""
    blocks: list[list[DumpLine]] = []
    for line in dump:
        if line.block_start or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    raw: list[str] = []
    linked: set[int] = set()
    for block in blocks:
        texts = [line.text for line in block]
        joined = unwrap(texts)
        if len(joined) == len(texts):
            linked.update(len(raw) + i for i, line in enumerate(block) if line.linked)
        elif all(line.linked for line in block):
            linked.add(len(raw))
        raw.extend(joined)
    return raw, frozenset(linked)


def classify(text: str, words: int, *, repeats: int = 1) -> Kind:
    if bp.is_caption(text):  # a photo credit may carry the agency's copyright notice
        return Kind.CAPTION
    if words <= END_MAX_WORDS and bp.ends_page(text):
        return Kind.END
    if is_meta(text, words):
        return Kind.META
    if bp.is_boilerplate(text) or bp.is_code(text, words):
        return Kind.BOILER
    if repeats >= REPEATED_NAV and words < GOOD_MIN_WORDS:
        return Kind.BOILER
    return Kind.GOOD if is_prose(text, words) else Kind.SHORT


def is_meta(text: str, words: int) -> bool:
    """A date line, a byline or a read-time line."""
    if words > META_MAX_WORDS:
        return False
    if bp.has_read_time(text) or bp.is_relative_time(text):
        return True
    if is_byline(text):
        return True
    found = find_datetime(text)
    if found is None or _ATTRIBUTION.match(text):
        return False
    rest = text[: found.start] + " " + text[found.end :]
    return bool(_META_LABEL.search(rest)) or lw.word_count(rest) <= META_REST_WORDS
