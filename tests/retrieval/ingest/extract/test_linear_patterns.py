"""Patterns rewritten to stay linear on long runs of white space give the same matches.

Each was quadratic in the length of such a run (a line of thousands of tabs after
"By " took seconds to clean); each rewrite only stops the search from starting inside
a run, or takes a run whole where nothing after it needs white space. Here every
rewrite is checked against the pattern as first written, on random lines made of the
pieces the patterns look for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.extract import boilerplate, bylines, linewords, plaintext_dump, plaintext_meta

_ROLE_WORDS = (
    r"(?i:staff|writer|correspondent|reporter|editor|contributor|columnist|journalist|"
    r"producer|bureau chief)"
)
# (the pattern now, the pattern as first written, how the code uses it)
_Use = Callable[[re.Pattern[str], str], object]
_SUB: _Use = lambda p, s: p.sub("#", s)  # noqa: E731
_SPLIT: _Use = lambda p, s: p.split(s, maxsplit=1)  # noqa: E731
_SEARCH: _Use = lambda p, s: m.span() if (m := p.search(s)) else None  # noqa: E731
CASES = {
    "md_heading": (plaintext_dump._MD_HEADING, re.compile(r"^#{1,6}\s+|\s+#{1,6}\s*$"), _SUB),
    "table_pipe": (plaintext_dump._TABLE_PIPE, re.compile(r"\s*\|\s*"), _SUB),
    "trailing_url": (
        linewords._TRAILING_URL,
        re.compile(r"\s+(?:https?://|www\.)\S+\s*$"),
        _SUB,
    ),
    "trailing_year": (
        plaintext_meta._TRAILING_YEAR,
        re.compile(r"[,\s]+(?:19|20)\d{2}\s*$"),
        _SUB,
    ),
    "corporate": (
        plaintext_meta._CORPORATE,
        re.compile(
            r"[,\s]+(?:private limited|pvt\.? ltd\.?|private ltd\.?|ltd\.?|limited|inc\.?|llc|"
            r"plc|corp\.?|corporation|co\.?|gmbh|s\.a\.?|ag|n\.v\.)\s*$",
            re.I,
        ),
        _SUB,
    ),
    "by_stop": (
        bylines._BY_STOP,
        re.compile(
            r"\s+[-–—|•·]\s+|\s+(?:on|at|in|published|updated|posted)\s+|,?\s*\d|@|"
            r",\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b",
            re.I,
        ),
        _SPLIT,
    ),
    "role": (
        bylines._ROLE,
        re.compile(rf",?\s*(?:(?<![\w ])[\w ]+ )?{_ROLE_WORDS}\b.*$", re.I),
        _SUB,
    ),
    "page_end": (
        boilerplate._PAGE_END,
        re.compile(
            r"(?:^\s*(?:\(c\)|©|copyrights?)\s*(?:©\s*)?\d{4}|all rights reserved|"
            r"^\s*\[?\s*\d+\s+comments?\s*\]?\s*$|^\s*(?:top rated|reader|user|show|view|load|"
            r"latest|all)?\s*comments?\s*(?:\(\d+\))?\s*$|^\s*leave a (?:comment|reply)|"
            r"^\s*(?:post|add|write) a comment|^\s*join the (?:conversation|discussion)|"
            r"^\s*you must be logged in to post a comment|"
            r"^\s*\d+\s+(?:thoughts|responses|replies|comments)\s+(?:on|to)\b)",
            re.I,
        ),
        _SEARCH,
    ),
}
PIECES = [
    " ", "  ", "\t", "\xa0", ",", ", ", "#", "##", "|", " | ", "-", " — ", "•", "@", "1",
    "2024", "1999", "[", "]", "(", ")", "(3)", "©", "(c)", "x", "Ana", "Ruiz", " on ",
    " at ", "mon", "Tue", "http://a.b/c", "www.x.org", "ltd", "Ltd.", "inc", "co.",
    "n.v.", "plc", "staff", "writer", "bureau chief", " editor", "comments", "comment",
    "reader", "leave a reply", "all rights reserved", "copyright", "12 thoughts on",
]  # fmt: skip
lines = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=400, deadline=None)
@given(line=lines)
def test_the_rewrite_matches_as_first_written(case: str, line: str) -> None:
    now, first, use = CASES[case]
    assert use(now, line) == use(first, line)


_FIRST_COPYRIGHT = re.compile(
    plaintext_meta._NOT_AFTER_MARK + r"(?:©|\(c\)|copyrights?)(?:\s*(?:©|\(c\)|copyrights?))*\s*"
    r"(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?"
    r"(?P<name>[^.|©]+?)\s*(?:\.\s|\.$|,?\s*all rights|\s[-–|]\s|\||$)",
    re.I,
)
_MARKER_WORDS = re.compile(r"(?i)\(c\)|copyrights?|[\s,©\-–|]")
COPYRIGHT_PIECES = [
    "©", "(c)", "Copyright", "copyrights", " ", ".", ". ", "|", " - ", ",", "2024",
    "1999-2024", "Valley Post", "Ltd", " all rights reserved", "x", "@a.b", "\t",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(line=st.lists(st.sampled_from(COPYRIGHT_PIECES), max_size=10).map("".join))
def test_the_copyright_holder_differs_only_where_it_was_made_of_markers(line: str) -> None:
    # Taking the markers whole changes the holder only where the first writing found one
    # by giving markers back: a "name" of the markers' own words ("(c)", "copyright").
    now, first = plaintext_meta._COPYRIGHT.search(line), _FIRST_COPYRIGHT.search(line)
    now_name = now.group("name") if now else None
    first_name = first.group("name") if first else None
    if now_name != first_name and first_name is not None:
        assert _MARKER_WORDS.sub("", first_name) in ("", "s")
