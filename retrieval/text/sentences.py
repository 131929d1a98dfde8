"""Sentence boundaries with exact character offsets.

Everything newsbot says is a verbatim sentence of a stored article, so these
boundaries are what users see. The splitter is rule based (no model) and handles
three kinds of text, detected per document:

* ordinary cased prose: a full stop ends a sentence when the next word does not
  start in lower case and the word before it is not an abbreviation or an initial;
* caseless text (everything lower-cased): case carries no signal, so a full stop
  followed by a space ends a sentence unless it closes a known abbreviation;
* tokenised text (punctuation split off as its own token, as in the CNN/DailyMail
  release: ``he said . the next ...``): only a standalone ``.``/``!``/``?`` token
  ends a sentence, together with the closing quote or bracket tokens after it.

Line structure matters too: a blank line always ends a sentence, and a single line
break ends one unless the text is hard-wrapped (then only short lines, such as
headings and paragraph ends, end there) or the next line continues in lower case.
"""

from __future__ import annotations

import itertools
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import regex


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Abbreviations that precede what they qualify (titles, "e.g."): never a sentence end.
PREFIX_ABBREVIATIONS = _words(
    "mr. mrs. ms. mx. messrs. mmes. dr. prof. rev. hon. st. mt. ft. gen. lt. col. maj. "
    "capt. cmdr. adm. sgt. cpl. pvt. sen. sens. rep. reps. gov. pres. supt. insp. det. fr. "
    "e.g. i.e. cf. vs. viz. approx. ca. fig. figs. eq. vol. pp."
)
# Abbreviations that are a sentence end unless a number follows ("No. 5", "Rs. 830").
NUMBER_ABBREVIATIONS = _words("no. nos. nr. art. para. op. ch. sec. rs. tel. ext.")
# Month abbreviations: not an end before a day number or an ordinary word.
MONTH_ABBREVIATIONS = _words("jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec.")
# Abbreviations that often close a sentence too ("... at Apple Inc. The firm ...");
# they end one only when a common sentence opener follows.
AMBIGUOUS_ABBREVIATIONS = _words(
    "inc. ltd. co. corp. llc. plc. bros. jr. sr. esq. etc. al. dept. univ. assn. ave. "
    "blvd. rd. hwy. est. govt. intl. natl. min. max. hrs. yrs. mins. cos. mfg. div."
)
# Words that commonly open a sentence, used to decide after an ambiguous abbreviation
# or a single capital (an initial unless one of these follows).
SENTENCE_STARTERS = _words(
    "the a an he she it they we i you his her its their our my your this that these those "
    "there here but and or so yet in on at for after before when while if as since "
    "although though however meanwhile also then now still yes no not some many most all "
    "both each one two three other others what who why how where which according despite "
    "during last next earlier later under with without by from to about over more only "
    "even such none nobody everyone instead indeed thus therefore moreover furthermore "
    "nevertheless overall finally first second today yesterday tomorrow"
)


@dataclass(frozen=True, slots=True)
class Span:
    """``text[start:end]`` is one sentence, without leading or trailing whitespace."""

    start: int
    end: int


# --- Document style detection -------------------------------------------------------

# Below this share of upper-case letters among cased letters a document counts as
# caseless (CNN/DailyMail is 0%, ordinary English prose 2-6%, one capital per
# 500 letters is rare even in long sentences).
_CASELESS_UPPER_SHARE = 0.002
# A document is tokenised when standalone end-punctuation tokens outnumber end
# punctuation attached to a word by this factor (attached ones still occur in
# tokenised text: "mr.", "u.s.").
_TOKENISED_RATIO = 1.0
# Hard-wrap detection: at least this many single line breaks must fall mid-sentence
# (line ends without punctuation, next line starts in lower case) ...
_MIN_WRAP_BREAKS = 2
# ... and they must be at least this share of all single line breaks.
_WRAP_BREAK_SHARE = 0.3
# In hard-wrapped text a line shorter than this fraction of the longest line ended
# early on purpose (a heading, the end of a paragraph), so the break ends a sentence.
_WRAP_FILL = 0.6

# Byte sets for ``_case_counts``: every byte but the ASCII capitals (small letters).
_NOT_ASCII_UPPER = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).isupper())
_NOT_ASCII_LOWER = bytes(b for b in range(256) if not chr(b).isascii() or not chr(b).islower())
_NON_ASCII = regex.compile(r"[^\x00-\x7f]")

_STANDALONE_END = regex.compile(r"(?<!\S)[.!?](?=\s|$)")
_ATTACHED_END = regex.compile(r"\w[.!?](?=\s|$)")

# --- Boundary candidates ------------------------------------------------------------

_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)\\]}\u300d\u300f\u3011\u3015\u300b\u3009\uff09\uff02"
_OPENERS = "\"'\u201c\u2018\u00ab\u2039(\\[{\u300c\u300e\u3010\u3014\u300a\u3008\uff08"
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
# East Asian full stops end a sentence with no space after them.
_CJK_END = regex.compile(rf"[\u3002\uff61\uff0e\uff01\uff1f]+[{_CLOSERS}]*|(?<=[{_CJK}])[.!?]+")
# Western end punctuation (also the Devanagari danda and the Arabic question mark),
# with any closing quotes/brackets, followed by whitespace or the end of the text. Tried
# only where a run of stops starts, and without backtracking into it (a shorter run is
# followed by another stop, never by space): retried inside a long run of stops glued to
# a word, the plain pattern cost time quadratic in the run's length.
_WESTERN_END = regex.compile(
    rf"(?<![.!?\u2026\u0964\u0965\u061f])(?P<term>[.!?\u2026\u0964\u0965\u061f]++)"
    rf"[{_CLOSERS}]*+(?=\s|$)"
)
# Tokenised text: a standalone end token plus the closing tokens after it.
_TOKEN_END = regex.compile(
    r"(?<!\S)[.!?]+(?:\s+(?:''|'|\"|\)|\]|-rrb-|-rsb-|\u201d|\u2019))*(?=\s|$)"
)
_LINE_BREAK = regex.compile(r"\r\n|[\n\r\u2028\x0b\x0c\x85]")
_PARAGRAPH_BREAK = regex.compile(r"(?:\r\n|[\n\r\u2028])[^\S\n\r]*(?:\r\n|[\n\r\u2028])|\u2029")
# A list marker on its own: "1." or "iv." or "a." at the start of a sentence.
_ENUMERATOR = regex.compile(r"\(?(?:\d{1,3}|[ivxlc]{1,5}|[a-z])[.)]", regex.IGNORECASE)
# The longest text ``_ENUMERATOR`` matches: a bracket, five numerals and a stop.
_ENUMERATOR_MAX = 7
# The last character ``str.strip`` would keep (regex's \s lacks \x1c-\x1f), searched
# backwards from the end of the range.
_LAST_NON_SPACE = regex.compile(r"[^\s\x1c-\x1f]", regex.REVERSE)
# Dotted acronyms: "U.S", "e.g", "a.m", "U.K" (the final dot is the candidate itself).
_DOTTED_ACRONYM = regex.compile(r"(?:\p{L}{1,2}\.)+\p{L}{1,2}")
_NEXT_WORD = regex.compile(r"\s*(\S+)")
_COMPOUND_JOINER = regex.compile(r"[-/\u2010\u2011\u2013\u2014]")
_TERMINAL_CHARS = frozenset(".!?\u2026\u0964\u0965\u061f\u3002\uff61\uff0e\uff01\uff1f")


@dataclass(frozen=True, slots=True)
class _Style:
    caseless: bool
    tokenised: bool
    # Width of the longest line when the text is hard-wrapped, else None.
    wrap_width: int | None


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` as spans; together they cover every non-space character."""
    if not text.strip():
        return []
    style = _detect_style(text)
    cuts = set(_paragraph_cuts(text))
    cuts.update(_line_cuts(text, style))
    cuts.update(_punctuation_cuts(text, style, cuts))
    return _spans_between(text, sorted(cuts))


# Version of the splitting rules. Articles store their sentence spans at ingest (read
# back for every answer instead of splitting again); spans stored under another version
# are ignored and the text is split anew, so raise this whenever a rule changes what
# ``split_sentences`` returns (tests/retrieval/test_sentence_store.py pins the output).
SPLITTER_VERSION = 1
# Packed spans are unsigned 32-bit little-endian integers: the version, then
# start and end of each sentence.
_PACKED_TYPE = "I"


def pack_spans(spans: Sequence[Span]) -> bytes:
    """Spans as stored with an article: compact, and tagged with the splitter version."""
    values = array(_PACKED_TYPE, [SPLITTER_VERSION])
    for span in spans:
        values.append(span.start)
        values.append(span.end)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tobytes()


def unpack_spans(data: bytes | None) -> list[Span] | None:
    """Stored spans, or None when there are none or another splitter version wrote them."""
    if not data or len(data) % 8 != 4:
        return None
    values = array(_PACKED_TYPE)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    if values[0] != SPLITTER_VERSION:
        return None
    return [Span(values[i], values[i + 1]) for i in range(1, len(values), 2)]


def sentence_texts(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[span.start : span.end] for span in split_sentences(text)]


def _spans_between(text: str, cuts: list[int]) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for cut in [*cuts, len(text)]:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            spans.append(Span(start + lead, start + lead + len(stripped)))
        start = max(start, cut)
    return spans


def _detect_style(text: str) -> _Style:
    upper, lower = _case_counts(text)
    caseless = upper <= (upper + lower) * _CASELESS_UPPER_SHARE
    standalone = len(_STANDALONE_END.findall(text))
    attached = len(_ATTACHED_END.findall(text))
    tokenised = standalone > 0 and standalone >= attached * _TOKENISED_RATIO
    wrap_width = None if caseless else _wrap_width(text)
    return _Style(caseless=caseless, tokenised=tokenised, wrap_width=wrap_width)


def _case_counts(text: str) -> tuple[int, int]:
    """Characters of ``text`` for which ``str.isupper`` and ``str.islower`` hold.

    The ASCII part is counted by deleting every other byte (in C); only the non-ASCII
    characters, few in most text, are tested one by one.
    """
    ascii_part = text.encode("ascii", "ignore")
    upper = len(ascii_part.translate(None, _NOT_ASCII_UPPER))
    lower = len(ascii_part.translate(None, _NOT_ASCII_LOWER))
    if len(ascii_part) < len(text):
        others = _NON_ASCII.findall(text)
        upper += sum(map(str.isupper, others))
        lower += sum(map(str.islower, others))
    return upper, lower


def _wrap_width(text: str) -> int | None:
    """The wrap width of hard-wrapped text (most line breaks fall mid-sentence), else None."""
    lines = [line.rstrip() for line in _LINE_BREAK.split(text)]
    breaks = mid_sentence = 0
    for before, after in itertools.pairwise(lines):
        if not before.strip() or not after.strip():
            continue
        breaks += 1
        if before[-1] not in _TERMINAL_CHARS and after.lstrip()[0].islower():
            mid_sentence += 1
    if mid_sentence < _MIN_WRAP_BREAKS or mid_sentence < breaks * _WRAP_BREAK_SHARE:
        return None
    return max(len(line) for line in lines)


def _paragraph_cuts(text: str) -> Iterator[int]:
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield match.start()


def _line_cuts(text: str, style: _Style) -> Iterator[int]:
    """Single line breaks that end a sentence (headings, one paragraph a line)."""
    breaks = list(_LINE_BREAK.finditer(text))
    starts = [0, *(match.end() for match in breaks)]
    ends = [*(match.start() for match in breaks), len(text)]
    for index, match in enumerate(breaks):
        before = text[starts[index] : ends[index]].rstrip()
        after = text[starts[index + 1] : ends[index + 1]].lstrip()
        if not before or not after:
            continue  # a blank line: already a paragraph cut
        if _line_break_ends_sentence(before, after[0], style):
            yield match.start()


def _line_break_ends_sentence(before: str, after: str, style: _Style) -> bool:
    if style.caseless:
        return True
    if after.islower():
        return False  # the sentence continues on the next line
    if style.wrap_width is None:
        return True  # one paragraph (or heading) a line
    if before[-1] in _TERMINAL_CHARS or before[-1] in _CLOSERS:
        return False  # the punctuation rules decide
    return len(before) < style.wrap_width * _WRAP_FILL


def _punctuation_cuts(text: str, style: _Style, fixed: set[int]) -> Iterator[int]:
    for match in _CJK_END.finditer(text):
        yield match.end()
    if style.tokenised:
        for match in _TOKEN_END.finditer(text):
            if "..." not in match.group():
                yield match.end()
        return
    sentence_start = 0
    boundaries = sorted(fixed)
    passed = 0  # boundaries[:passed] lie before the current candidate
    for match in _WESTERN_END.finditer(text):
        while passed < len(boundaries) and boundaries[passed] <= match.start():
            sentence_start = max(sentence_start, boundaries[passed])
            passed += 1
        if _ends_sentence(text, match, style, sentence_start):
            sentence_start = match.end()
            yield match.end()


def _ends_sentence(text: str, match: regex.Match[str], style: _Style, sentence_start: int) -> bool:
    """Whether a western end-punctuation candidate really ends a sentence."""
    term = match.group("term")
    following = _next_word(text, match.end())
    if not following:
        return True
    next_lower = _starts_lower(following)
    if "\u2026" in term or ".." in term:  # an ellipsis may trail off mid-sentence
        return not style.caseless and not next_lower
    if term != ".":
        return style.caseless or not next_lower
    word = _word_before(text, match.start())
    if _is_enumerator(text, sentence_start, match.end()):
        return False
    if not style.caseless and next_lower:
        return False
    return not _is_abbreviation(word, following)


def _is_enumerator(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a list marker alone ("1.", "iv.", "(a)"), spaces aside.

    Only the last few characters are read: slicing the whole sentence so far for every
    full stop in it made a long run of non-final stops ("aG. aG. aG. ...") quadratic.
    """
    head = max(start, end - _ENUMERATOR_MAX)
    if _LAST_NON_SPACE.search(text, start, head):
        return False  # the stripped text is longer than any list marker
    return bool(_ENUMERATOR.fullmatch(text[head:end].strip()))


def _is_abbreviation(word: str, following: str) -> bool:
    """Whether ``word.`` is an abbreviation or initial that does not end the sentence."""
    key = word.lower() + "."
    starter = following.strip(_OPENERS + _CLOSERS + ",;:").lower() in SENTENCE_STARTERS
    if key in PREFIX_ABBREVIATIONS:
        return True
    if key in NUMBER_ABBREVIATIONS or key in MONTH_ABBREVIATIONS:
        if following[0].isdigit() or following[0] == "#":
            return True
        return key in MONTH_ABBREVIATIONS and not starter
    if len(word) == 1 and word.isalpha():
        # An initial ("J. K. Rowling") unless a common sentence opener follows.
        return not starter or len(following.rstrip(".")) == 1
    if key in AMBIGUOUS_ABBREVIATIONS or _DOTTED_ACRONYM.fullmatch(word):
        return not starter
    return False


def _word_before(text: str, end: int) -> str:
    """The word that a candidate full stop at ``end`` closes, without opening quotes."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    # Only the last part of a compound counts: "Japan-U.S." ends in "U.S.".
    return _COMPOUND_JOINER.split(text[start:end].lstrip(_OPENERS))[-1]


def _next_word(text: str, start: int) -> str:
    """The next whitespace-delimited word after ``start`` ('' at the end of the text)."""
    match = _NEXT_WORD.match(text, start)
    return match.group(1) if match else ""


def _starts_lower(word: str) -> bool:
    core = word.lstrip(_OPENERS + "-\u2013\u2014")
    return bool(core) and core[0].islower()
