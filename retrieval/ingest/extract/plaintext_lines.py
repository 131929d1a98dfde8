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
from retrieval.text.normalize import normalize_text


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


# A line ending like prose is article text from this many words on.
GOOD_MIN_WORDS = 8
# A line is article text from this many words on even without a final stop ...
LONG_MIN_WORDS = 25
# ... provided this share of its words are stopwords (name lists and keyword lines are not).
LONG_MIN_STOPWORDS = 0.1
# Headline shape: at least this share of capitalised words (Title Case) ...
HEADLINE_CAPS = 0.7
# ... over at least this many words.
HEADLINE_MIN_WORDS = 4
# Date and byline lines are short; longer lines mentioning a date are prose.
META_MAX_WORDS = 25
# Words a date line may carry besides the date itself ("Updated", a name, a city).
META_REST_WORDS = 8
# Prose stops for breath: a line of this many words with fewer sentence ends than one per
# RUN_ON_WORDS is a list run together (teaser headlines, menu items on one line), not text.
RUN_ON_MIN_WORDS = 80
RUN_ON_WORDS = 80
_SENTENCE_STOP = re.compile(r"[.!?…。！？](?:['\"”’»)\]]*)(?:\s|$)")
# A footer notice or comments heading is short; a longer line mentioning copyright
# (a caption with its agency's notice, a teaser list run together) does not end the page.
END_MAX_WORDS = 30
# A web address, alone or numbered: its path splits into many words, none of them text.
_ADDRESS_LINE = re.compile(r"^\s*(?:\d{1,5}[.)]\s+)?(?:[a-z][\w+.-]*://|www\.)\S*\s*$", re.I)
# Short lines repeated this often on a page are navigation.
REPEATED_NAV = 3

_META_LABEL = re.compile(
    r"\b(?:updated|published|posted|modified|created|written|released|issued|"
    r"last updated|date|dated|on)\b|\|",
    re.I,
)
# "— Robert Maguire (@RobertMaguire_) November 18, 2019": a quoted post, part of the text.
_ATTRIBUTION = re.compile(r"^\s*[—–-].*@")
# Teasers are cut off with an ellipsis; article sentences rarely are.
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*$")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•*–·▪●]|\(?[a-z]\))\s+\S", re.I)
# Hard-wrapped text: most lines of a block fall in this character range.
WRAP_MIN_CHARS, WRAP_MAX_CHARS = 45, 100
WRAP_SHARE = 0.75


def split_lines(text: str) -> list[Line]:
    """Non-blank, normalised lines with their kinds; hard-wrapped paragraphs re-joined."""
    return classify_lines(raw_lines(text))


def raw_lines(text: str) -> list[str]:
    """Non-blank, normalised, stripped lines; hard-wrapped paragraphs re-joined."""
    return [line for block in _blocks(normalize_text(text)) for line in _unwrap(block)]


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
        joined = _unwrap(texts)
        if len(joined) == len(texts):
            linked.update(len(raw) + i for i, line in enumerate(block) if line.linked)
        elif all(line.linked for line in block):
            linked.add(len(raw))
        raw.extend(joined)
    return raw, frozenset(linked)


def _blocks(text: str) -> list[list[str]]:
    """Runs of non-blank, stripped lines (blank lines separate blocks)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _unwrap(block: list[str]) -> list[str]:
    """Join a hard-wrapped paragraph (lines of similar width, broken mid-sentence)."""
    if len(block) < 2:
        return block
    body = block[:-1]
    wrapped = sum(1 for line in body if WRAP_MIN_CHARS <= len(line) <= WRAP_MAX_CHARS)
    open_ended = sum(1 for line in body if not lw.ends_sentence(line))
    if wrapped < WRAP_SHARE * len(body) or open_ended < WRAP_SHARE * len(body):
        return block
    if any(len(line) > WRAP_MAX_CHARS for line in block):
        return block
    if any(is_list_item(line) for line in block[1:]):
        return block  # a list: each item stands alone
    return [" ".join(block)]


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


def is_prose(text: str, words: int) -> bool:
    if _ADDRESS_LINE.match(text):
        return False
    if words >= RUN_ON_MIN_WORDS and len(_SENTENCE_STOP.findall(text)) * RUN_ON_WORDS < words:
        return False
    if is_headline(text, words) or (_TRUNCATED.search(text) and words < LONG_MIN_WORDS):
        return False
    if lw.ends_clause(text) and words >= GOOD_MIN_WORDS:
        return True
    return words >= LONG_MIN_WORDS and lw.stopword_share(text) >= LONG_MIN_STOPWORDS


def is_headline(text: str, words: int) -> bool:
    """Title Case and not closed by a full stop: a headline or a link to one."""
    return (
        words >= HEADLINE_MIN_WORDS
        and not lw.ends_sentence(text.rstrip("?!"))
        and not text.rstrip().endswith(".")
        and lw.capitalised_share(text) >= HEADLINE_CAPS
    )


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


def is_list_item(text: str) -> bool:
    return bool(_LIST_MARK.match(text))
