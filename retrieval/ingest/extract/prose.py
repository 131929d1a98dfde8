"""Line-level rules of news text that both the HTML and the plain-text extractor use.

A page's visible text and a plain-text scrape are read the same way: cut into
normalised lines with hard-wrapped paragraphs re-joined (``raw_lines``), each line
told prose or not (``is_prose``), a headline made from the first sentence when the
page names none (``fallback_title``), and a dateline city read from a body's opening
(``body_dateline``). The HTML extractor's chooser and the plain-text cleaner decide
with these same rules, so they agree on what counts as article text.
"""

from __future__ import annotations

import re

from retrieval.ingest.extract import linewords as lw
from retrieval.text.normalize import normalize_text

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
# Prose stops for breath: a line of this many words with fewer sentence ends than one per
# RUN_ON_WORDS is a list run together (teaser headlines, menu items on one line), not text.
RUN_ON_MIN_WORDS = 80
RUN_ON_WORDS = 80
_SENTENCE_STOP = re.compile(r"[.!?…。！？](?:['\"”’»)\]]*)(?:\s|$)")
# A web address, alone or numbered: its path splits into many words, none of them text.
_ADDRESS_LINE = re.compile(r"^\s*(?:\d{1,5}[.)]\s+)?(?:[a-z][\w+.-]*://|www\.)\S*\s*$", re.I)
# Teasers are cut off with an ellipsis; article sentences rarely are.
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*$")
_LIST_MARK = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•*–·▪●]|\(?[a-z]\))\s+\S", re.I)
# Hard-wrapped text: most lines of a block fall in this character range.
WRAP_MIN_CHARS, WRAP_MAX_CHARS = 45, 100
WRAP_SHARE = 0.75
# Lines above the body searched for the headline, byline and date.
HEADER_WINDOW = 25
# Headlines are rarely longer than this; longer unpunctuated lines are standfirsts.
TITLE_MAX_WORDS = 22

# "WASHINGTON (AP) — ...", "NEW YORK (Reuters) - ...", "MADRID — ..."
_BODY_DATELINE = re.compile(
    r"^(?P<city>[A-Z][A-Z.'’ -]+(?:,\s*[A-Z][A-Za-z.]+)*)\s*(?:\((?P<agency>[^)]{1,40})\))?"
    r"\s*[—–-]{1,2}\s"
)
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)")


def raw_lines(text: str) -> list[str]:
    """Non-blank, normalised, stripped lines; hard-wrapped paragraphs re-joined."""
    return [line for block in _blocks(normalize_text(text)) for line in unwrap(block)]


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


def unwrap(block: list[str]) -> list[str]:
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


def is_list_item(text: str) -> bool:
    return bool(_LIST_MARK.match(text))


def fallback_title(paragraph: str) -> str:
    """A title made from the first sentence of the text, cut to headline length."""
    match = _FIRST_SENTENCE.match(paragraph)
    sentence = match.group(1) if match else paragraph
    words = sentence.split()
    if lw.word_count(sentence) <= TITLE_MAX_WORDS:
        return sentence.strip()
    return " ".join(words[:TITLE_MAX_WORDS]) + "…"


def body_dateline(first_paragraph: str) -> str | None:
    """The city of an opening like "SEOUL (AP) — ..." or "WASHINGTON – ..."."""
    opening = dateline_opening(first_paragraph)
    return opening[0] if opening else None


def dateline_opening(first_paragraph: str) -> tuple[str, str | None] | None:
    """(city, agency or None) of a body opening like "SEOUL (AP) — ...", else None."""
    match = _BODY_DATELINE.match(first_paragraph)
    if match is None:
        return None
    return _tidy_city(match.group("city")), (match.group("agency") or "").strip() or None


def _tidy_city(city: str) -> str:
    city = city.strip(" ,")
    return city.title() if city.isupper() else city
