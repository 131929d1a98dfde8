"""Generic phrase patterns of page furniture found in scraped news pages.

These are lists of what sites in general print around an article (share prompts,
advert slots, "Also Read" lists, photo credits, copyright lines), not rules for any
one site: every pattern here shows up across many publishers. Patterns are anchored
or short so that a sentence of real prose mentioning "newsletter" is not caught.
"""

from __future__ import annotations

import functools
import re

_FLAGS = re.IGNORECASE

# A whole line that is a control, a label or a slot rather than text.
_WHOLE_LINE = re.compile(
    r"^(?:advertisement|advertising|ad|ads|sponsored(?: content| links?)?|promoted|"
    r"paid (?:content|post)|partner content|story continues below(?: advertisement)?|"
    r"continue reading(?: the main story| below)?|scroll (?:down|to continue).*|"
    r"(?:skip|close) (?:ad|advertisement)|werbung|anzeige|publicidad|pubblicit[àa]|"
    r"реклама|share|shares|tweet|pin|email|e-mail|print|comment|comments|reply|"
    r"facebook|twitter|linkedin|whatsapp|reddit|pinterest|flipboard|telegram|pocket|"
    r"instagram|youtube|buffer|tumblr|google\+?|copy(?: link)?|link copied!?|more|"
    r"menu|search|home|close|open|video|audio|photos?|image|gallery|loading\.*|"
    r"previous|next|prev|back to top|top|listen|play|pause|caption|expand|"
    r"show more(?: sharing options)?|read more|view comments|load more|see all|"
    r"sign in|sign up|log in|login|register|subscribe|subscribe now|follow|follow us|"
    r"[0-9]+ comments?|[0-9.,]+[km]? (?:shares|views|reads)|[•·|/\-–—_=*#~.]+)$",
    _FLAGS,
)
# Prompts, promos and notices that may carry more words but are never article text.
_PHRASES = re.compile(
    r"(?:click here|tap here|connect with us on|follow us on|join (?:us|our) on|"
    r"join our \w+ (?:channel|group|community)|on our (?:telegram|whatsapp|youtube) channel|"
    r"subscribe to (?:our|the) |sign up (?:for|to) (?:our|the) |"
    r"(?:get|receive) (?:our|the) (?:\w+ )?newsletter|newsletter sign[- ]?up|"
    r"download (?:the|our) (?:\w+ )?app|listen to (?:this|the) (?:article|story)|"
    r"^\s*(?:also read|read also|also see|see also|must read|don'?t miss|"
    r"(?:related|recommended|trending|popular)(?:\s*:|\s+(?:articles?|stories|news|topics|"
    r"coverage|content|posts|links|reading|videos?|now|for you|on|in)\b|\s*$)|"
    r"more on this|more from|most (?:popular|read|viewed|shared|watched)|"
    r"top stories|latest (?:news|stories)|you (?:may|might) (?:also )?like|"
    r"more stories|more in |read next|up next|what to read next|"
    r"topics?\s*:|tags?\s*:|keywords?\s*:|filed (?:under|to)|categories\s*:|"
    r"share (?:this|on|via|to|the|all)|first published|disclaimer|"
    r"(?:\(c\)|©|copyrights?)\s*(?:©\s*)?(?:\d{4}|by\b)|"
    r"terms (?:of (?:use|service)|and conditions)|privacy (?:policy|notice)|"
    r"cookie policy)|"
    r"syndicated feed|auto-generated from|has not been edited by|"
    r"all rights reserved|we use cookies|by continuing to (?:use|browse)|"
    r"sharing (?:options|buttons|tools)|share panel|leave a (?:comment|reply)|"
    r"post (?:a )?comment|join the (?:conversation|discussion)|"
    r"media playback is (?:unsupported|not supported)|"
    r"this (?:video|content) is (?:not )?available|javascript (?:is )?(?:disabled|required)|"
    r"if you (?:buy|click|purchase) (?:something|through)|affiliate links?|"
    r"we may (?:earn|receive) (?:a )?commission|click to tweet|tell us what you think|"
    r"take (?:our|this|the) survey)",
    _FLAGS,
)
# An author's biography line at the foot of an article.
_AUTHOR_BIO = re.compile(
    r"^(?:about the author\b|[A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,3} (?:is|was|has been|joined)"
    r" (?:\w+ ){0,8}(?:reporter|writer|correspondent|editor|journalist|columnist|"
    r"contributor|author|freelancer|producer|curator|blogger)\b)",
)
# Read-time labels ("2 min read") and player prompts.
_READ_TIME = re.compile(r"\b\d+\s*(?:min(?:ute)?s?|mins?)\.?\s+read\b", _FLAGS)
# Photo captions and credits: the credit is what marks them. The loops after "photo:"
# are possessive (giving back characters cannot help a match), else each "photo:" in a
# long line costs time quadratic in the rest of the line.
_CAPTION = re.compile(
    r"(?:\((?:photo|image|picture|pic|file photo|file image|video|photograph|credit|"
    r"source|representational image|representative image)s?\s*(?:credit)?\s*:[^)]*\)\s*$|"
    r"^(?:photo|image|picture|pic|photograph|credit|illustration|graphic|video|source)s?"
    r"(?: credit)?\s*:|\b(?:photo|image|picture)s?\s*(?:credit|courtesy)?\s*:\s*\S++[^.!?]*+$|"
    r"\bcredit\s*:\s*\S+|\(ap photo[^)]*\)|image copyright|image caption|media caption|"
    r"\bgetty images?\b|\bshutterstock\b|\bistock\b|\(image: [^)]*\)|"
    r"^file (?:photo|image|picture)\b|\bphoto(?:graph)? by [A-Z]|"
    r"\bimage \d+ of \d+\b|,\s(?:left|right|centre|center|second left|second right),\s|"
    r"\bfrom left\b|^\d+\s?of\s?\d+(?=\S)|^\d+ / \d+$|back to gallery|credit\s*(?:\.\.\.|…)|"
    r"^\([^()]{2,60} / [^()]{2,60}\)$)",
    _FLAGS,
)
# Captions and credits are short: a longer line is text, whatever it mentions. The cap
# also bounds ``_CAPTION``'s work, whose "(photo: ...)" alternatives are retried at each
# occurrence of their opening words (quadratic in a line made of them).
CAPTION_MAX_CHARS = 2_000
# Relative times of teaser lists and comments ("32M ago", "2 days ago at 07:52 am").
_RELATIVE_TIME = re.compile(
    r"^\s*(?:updated\s+|posted\s+|published\s+)?(?:an?|\d+)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|"
    r"d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?)\s+ago\b",
    _FLAGS,
)
# Lines after which a page holds no more article text: the footer's copyright notice
# and the heading of a comment section. White space followed by an optional part and
# more white space is taken whole (\s*+): nothing after it needs any, and a long run is
# not split every way between the two (quadratic in the run's length).
_PAGE_END = re.compile(
    r"(?:^\s*+(?:\(c\)|©|copyrights?)\s*(?:©\s*)?\d{4}|all rights reserved|"
    r"^\s*+\[?\s*\d+\s+comments?\s*+\]?\s*$|^\s*+(?:top rated|reader|user|show|view|load|"
    r"latest|all)?\s*comments?\s*+(?:\(\d+\))?\s*$|^\s*+leave a (?:comment|reply)|"
    r"^\s*+(?:post|add|write) a comment|^\s*+join the (?:conversation|discussion)|"
    r"^\s*+you must be logged in to post a comment|"
    r"^\s*+\d+\s+(?:thoughts|responses|replies|comments)\s+(?:on|to)\b)",
    _FLAGS,
)
# Marks of script and style code, which some renderers (lxml's ``text_content``) keep
# as text: braces, calls, assignments, comparisons, statement ends, CSS declarations,
# JSON keys and string escapes, comment delimiters. Prose has hardly any of them.
# Alternatives that open with a repeated class start only where that class starts (a
# look-behind) and never give back what they matched (possessive), so a long run of
# word characters costs linear time, not quadratic.
_CODE_MARK = re.compile(
    r"[{}]|[\w\])]\(|\)\s*[;{.]|[=!<>]=|=>|&&|\|\||\w\s*=\s*[\w'\"(\[{!-]|;\s*$|"
    r"^\s*(?://|/\*|\*/|<!--|-->|@media|@import|@font-face)|(?<![\w-])[\w-]++\s*:\s*[^\s;]++;|\"[\w@$-]+\"\s*:|"
    r"\\u[0-9a-fA-F]{4}|\\[nrt\"/]"
)
# Characters that all marks but the line-opening one hold (the pattern's literals).
_MARK_CHARS = '{}()=&|;:"\\'
# A line is code from this many marks on ...
CODE_MIN_MARKS = 2
# ... when they come at least this often per word (prose quoting one call stays prose).
CODE_MARKS_PER_WORD = 0.1
# Breadcrumbs: "Home / World News / ..." or "Home > Markets > ...".
_BREADCRUMB = re.compile(r"^(?:home|start|startseite|accueil|inicio|главная)\s*[/>»›|:]", _FLAGS)
_SEPARATOR_RUN = re.compile(r"\s[/>»›|]\s")
# Separators a breadcrumb or a navigation line strings its items with.
_MIN_CRUMB_SEPARATORS = 2


class _Caseless:
    """A case-insensitive pattern, searched in lower-cased text when that is the same.

    ``re`` matches a case-insensitive alternation by folding each character against
    each branch, several times slower than matching lower-case text against the
    pattern compiled without IGNORECASE. The two agree when the text's only cased
    characters are ASCII letters (see ``lowered``), so other text goes to the pattern
    as written. Only whether it matches is reported: the lowered text's groups would
    not be the text's.

    ``needles`` and ``openings`` make most lines cost no search at all: every branch of
    the pattern needs one of the needles somewhere in the lowered text, or (a branch
    anchored at the start) one of the openings, or a decimal digit with
    ``digit_opening``, after leading white space, so a text with none of them cannot
    match. ``str``'s substring tests run in C and do not
    re-read the text per branch as the alternation does.
    """

    def __init__(
        self,
        pattern: re.Pattern[str],
        needles: tuple[str, ...] | None = None,
        openings: tuple[str, ...] = (),
        *,
        digit_opening: bool = False,
        boundary_free_first: bool = False,
    ) -> None:
        source = pattern.pattern.replace("[A-Z]", "[a-z]")
        if _UPPER_LITERAL.search(source):
            raise ValueError(f"pattern has upper-case letters: {source[:60]}")
        self._pattern = pattern
        self._lower = re.compile(source, pattern.flags & ~re.IGNORECASE)
        self._relaxed = (
            re.compile(without_word_boundaries(source), self._lower.flags)
            if boundary_free_first
            else None
        )
        self._needles = needles
        self._openings = openings
        self._digit_opening = digit_opening

    def found(self, text: str) -> bool:
        low = lowered(text)
        if low is None:
            return bool(self._pattern.search(text))
        if self._needles is not None and not (
            any(map(low.__contains__, self._needles))
            or low.lstrip().startswith(self._openings)
            or (self._digit_opening and low.lstrip()[:1].isdecimal())  # \d: any script's
        ):
            return False
        if self._relaxed is not None and not self._relaxed.search(low):
            return False
        return bool(self._lower.search(low))


def without_word_boundaries(source: str) -> str:
    """A pattern's source with its ``\\b`` assertions removed (escapes and character
    classes, where ``\\b`` is a backspace, are read past)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            pair = source[i : i + 2]
            if not (pair == "\\b" and not in_class):
                out.append(pair)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            if source[i + 1 : i + 2] == "^":
                out.append("[^")
                i += 2
            else:
                out.append(char)
                i += 1
            if source[i : i + 1] == "]":  # a leading "]" is a member, not the end
                out.append("]")
                i += 1
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


# A letter outside an escape ("\S" is one): a case-sensitive literal.
_UPPER_LITERAL = re.compile(r"(?<!\\)[A-Z]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Lowered lines kept: a line meets the phrase pattern once or twice in a row.
_LOWERED_CACHE = 16


@functools.lru_cache(maxsize=_LOWERED_CACHE)
def lowered(text: str) -> str | None:
    """``text.lower()`` when its only cased characters are ASCII letters, else None.

    Every other character then has no case mapping at all, so case-insensitive
    matching of ``text`` and case-sensitive matching of its lower-case form agree.
    """
    if not text.isascii():
        others = set(_NON_ASCII.findall(text))
        if any(c.lower() != c or c.upper() != c for c in others):
            return None
    return text.lower()


# Only the long alternations of phrases and captions gain: the other patterns open with
# an anchor or a digit, which ``re`` already skips to quickly.
# What each branch of _PHRASES needs: a needle anywhere, or (the branches anchored by
# "^\\s*") an opening. tests/retrieval/ingest/extract/test_fast_paths.py checks that
# no text matches the pattern without one.
_PHRASE_NEEDLES = (
    "click here", "click to tweet", "tap here", "connect with us on", "follow us on",
    "join us on", "join our ", "join the conversation", "join the discussion",
    "on our telegram", "on our whatsapp", "on our youtube", "subscribe to our ",
    "subscribe to the ", "sign up for ", "sign up to ", "newsletter", "download the ",
    "download our ", "listen to this ", "listen to the ", "syndicated feed",
    "auto-generated from", "has not been edited by", "all rights reserved",
    "we use cookies", "by continuing to use", "by continuing to browse",
    "sharing options", "sharing buttons", "sharing tools", "share panel",
    "leave a comment", "leave a reply", "post comment", "post a comment",
    "media playback is ", "this video is ", "this content is ", "javascript",
    "if you buy ", "if you click ", "if you purchase ", "affiliate link", "we may earn",
    "we may receive", "tell us what you think", "take our survey", "take this survey",
    "take the survey",
)  # fmt: skip
_PHRASE_OPENINGS = (
    "also read",
    "read also",
    "also see",
    "see also",
    "must read",
    "don't miss",
    "dont miss",
    "related",
    "recommended",
    "trending",
    "popular",
    "more on this",
    "more from",
    "most ",
    "top stories",
    "latest ",
    "you may ",
    "you might ",
    "more stories",
    "more in ",
    "read next",
    "up next",
    "what to read next",
    "topic",
    "tag",
    "keyword",
    "filed ",
    "categories",
    "share ",
    "first published",
    "disclaimer",
    "(c)",
    "\u00a9",
    "copyright",
    "terms ",
    "privacy ",
    "cookie policy",
)
_PHRASES_CASELESS = _Caseless(_PHRASES, _PHRASE_NEEDLES, _PHRASE_OPENINGS)
# The same for _CAPTION: its branches name a picture, a credit, an agency or a position
# ("Jo Li, left, ..."), open with "(" or a digit (gallery counters), or (anchored ones)
# with a credit label.
_CAPTION_NEEDLES = (
    "(", "photo", "image", "picture", "credit", "media caption", "getty", "shutterstock",
    "istock", "left,", "right,", "centre,", "center,", "from left", "back to gallery",
)  # fmt: skip
_CAPTION_OPENINGS = ("pic", "illustration", "graphic", "video", "source", "file ")
_CAPTION_CASELESS = _Caseless(
    _CAPTION, _CAPTION_NEEDLES, _CAPTION_OPENINGS, digit_opening=True, boundary_free_first=True
)
# Lines whose furniture tests are remembered: the HTML cascade tests the same paragraph
# in several candidates (trafilatura's readings, the cleaner's lines of the same page),
# and each test is a long alternation searched at every character.
TESTED_LINES_CACHE = 2048


@functools.lru_cache(maxsize=TESTED_LINES_CACHE)
def is_boilerplate(text: str) -> bool:
    """A line of page furniture: controls, prompts, notices, read times, breadcrumbs."""
    return bool(
        _WHOLE_LINE.match(text)
        or _PHRASES_CASELESS.found(text)
        or _READ_TIME.search(text)
        or is_breadcrumb(text)
        or _AUTHOR_BIO.match(text)
    )


def is_code(text: str, words: int) -> bool:
    """A line of script, style or JSON that a renderer left in the text.

    Every mark but a comment or at-rule opening the line holds one of
    ``_MARK_CHARS``, and marks do not overlap, so a line with too few of those
    characters cannot have enough marks: prose (a bracket, a colon) is told apart by
    counting characters in C instead of searching the whole pattern.
    """
    if not any(c in text for c in "{}();=:"):
        return False
    if sum(map(text.count, _MARK_CHARS)) + 1 < max(CODE_MIN_MARKS, CODE_MARKS_PER_WORD * words):
        return False
    marks = len(_CODE_MARK.findall(text))
    return marks >= CODE_MIN_MARKS and marks >= CODE_MARKS_PER_WORD * words


@functools.lru_cache(maxsize=TESTED_LINES_CACHE)
def is_caption(text: str) -> bool:
    """A photo caption or credit line."""
    return len(text) <= CAPTION_MAX_CHARS and _CAPTION_CASELESS.found(text)


def is_breadcrumb(text: str) -> bool:
    return (
        bool(_BREADCRUMB.match(text)) or len(_SEPARATOR_RUN.findall(text)) >= _MIN_CRUMB_SEPARATORS
    )


def has_read_time(text: str) -> bool:
    return bool(_READ_TIME.search(text))


def is_relative_time(text: str) -> bool:
    return bool(_RELATIVE_TIME.match(text))


def ends_page(text: str) -> bool:
    """A copyright notice or a comment-section heading: the article is over."""
    return bool(_PAGE_END.search(text))


def breadcrumb_tail(text: str) -> str | None:
    """The last item of a breadcrumb line (often the article's own title)."""
    if not is_breadcrumb(text):
        return None
    parts = [part.strip() for part in re.split(r"\s[/>»›|]\s|\s*[»›]\s*", text) if part.strip()]
    return parts[-1] if len(parts) > 1 else None
