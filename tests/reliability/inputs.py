"""Inputs for the fuzz tests: seed documents, mutations of them, and hostile lines.

Seeds are the shared extraction pages (60 HTML pages and 60 text scrapes) when the
shared directory exists, else the small fixtures in ``tests/fixtures/reliability``.
Mutations work at the byte level (flips, inserts, deletions, duplicated and truncated
spans, hostile byte strings) and at the line level (lines dropped, repeated, swapped,
joined, and hostile lines inserted). A hostile line is an opening word of one of our
patterns followed by a short unit repeated up to 40,000 characters: the shape that
exposes a backtracking regular expression, since a pattern retried from every position
of a long run costs time quadratic (or worse) in its length.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from tests.shared_data import FIXTURES as TEST_FIXTURES
from tests.shared_data import shared_path

SHARED_PAGES = shared_path("eval", "extraction", "pages")
FIXTURES = TEST_FIXTURES / "reliability"

# Openings of a hostile line: the words our patterns start from (captions, credits,
# bylines, copyright lines, datelines, addresses), or nothing.
OPENINGS = (
    "", "x photo: ", "(photo: ", "(AP Photo ", "credit: ", "By ", "by a ", "©", "(c) ",
    "Copyright ", "a@", "www.", "SEOUL (AP) — ", "Aa Bb, ", "Home / ", "Updated ",
)  # fmt: skip
# Units a hostile line repeats: characters and short strings our patterns consume in
# loops, and characters that stress Unicode handling.
UNITS = (
    "a", "a ", "aG. ", "ag. ", "=", "-", "@", "a@", "@.", "©", "© ", "(c)", "photo: ",
    "By ", "www.", "http://a", "Aa ", "A, ", "A ", "A - ", "1 ", "1.", "12:30 ",
    "2024-01-01 ", "Mr. ", "e.g. ", "U.S.", "[", "(", "**", "__", "> ", "# ",
    "@everyone ", "<@1> ", "\u200b", "\u202e", "\u00ad", "漢", "한", "ب", ". ", "! ",
    "…", "“", "\t", "\x1c", "|", " / ", "»", "·", "Read more ", "\ufffd",
)  # fmt: skip
# Endings of a hostile line: the run alone, or closed as a sentence or a bracket.
TAILS = ("", ".", " x", ")", " .", "\n", "@a.b")
# Characters of a hostile line at most: enough that quadratic work takes seconds, few
# enough that linear work takes milliseconds.
MAX_HOSTILE_CHARS = 40_000
# Byte strings that mean something to a decoder or a parser.
HOSTILE_BYTES = (
    b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x1f\x8b", b"\xc3", b"\xe2\x80",
    b"\xed\xa0\x80", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<script>", b"</p>", b"<p>",
    b"<div>" * 300, b"&#xD800;", b"&#0;", b"&amp;", b"&nbsp;", b"<?xml", b"<!DOCTYPE",
    b'<meta charset="utf-16">', b'<meta charset="x-bogus">', b"\r", b"\n\n", b"\x85",
    b"\xe2\x80\xae", b"%PDF", b"{", b'{"text": "', b"\\u0000", b"\\ud800",
)  # fmt: skip


@cache
def seed_paths() -> tuple[Path, ...]:
    """The seed documents: the shared pages when present, else our fixtures."""
    if SHARED_PAGES.is_dir():
        pages = tuple(sorted(p for p in SHARED_PAGES.iterdir() if p.is_file()))
        if pages:
            return pages
    return tuple(sorted(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".txt")))


@cache
def seed(path: Path) -> tuple[str, bytes]:
    """A seed's name as the extractor sees it (``.html``/``.txt``) and its bytes."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        return path.with_suffix("").name, gzip.decompress(data)
    return path.name, data


def seeds_of_kind(suffix: str) -> tuple[Path, ...]:
    return tuple(p for p in seed_paths() if seed(p)[0].endswith(suffix))


# ------------------------------------------------------------------ hostile lines
hostile_lines = st.builds(
    lambda opening, unit, length, tail: opening + unit * max(1, length // len(unit)) + tail,
    st.sampled_from(OPENINGS),
    st.sampled_from(UNITS),
    st.integers(1, MAX_HOSTILE_CHARS),
    st.sampled_from(TAILS),
)
# Text that mixes ordinary prose, arbitrary Unicode and hostile lines.
PROSE = (
    "The council met on Tuesday and voted 31 to 9 to approve the new harbour plan.",
    '"We are not planning a ban," said Lena Marsh, the operations director.',
    "SEOUL (AP) — Leaders condemned the ties on Friday.",
    "By Priya Holt, Transport Correspondent",
    "Published: 14 August 2025 | 10:42 BST",
    "Copyright © 2025 Valley Post. All rights reserved.",
    "Home / News / Environment",
)
hostile_texts = st.lists(
    st.one_of(st.sampled_from(PROSE), st.text(max_size=80), hostile_lines), max_size=12
).map("\n".join)


# ------------------------------------------------------------------ byte mutations
def _at(data: bytes, where: float) -> int:
    return min(len(data), int(where * (len(data) + 1)))


Mutation = Callable[[bytes], bytes]
_where = st.floats(0.0, 1.0)


def _flip(where: float, bit: int) -> Mutation:
    def apply(data: bytes) -> bytes:
        i = _at(data, where)
        return data if i >= len(data) else data[:i] + bytes([data[i] ^ (1 << bit)]) + data[i + 1 :]

    return apply


def _insert(where: float, chunk: bytes) -> Mutation:
    return lambda data: data[: _at(data, where)] + chunk + data[_at(data, where) :]


def _delete(where: float, length: int) -> Mutation:
    return lambda data: data[: _at(data, where)] + data[_at(data, where) + length :]


def _duplicate(where: float, length: int, to: float) -> Mutation:
    def apply(data: bytes) -> bytes:
        i = _at(data, where)
        chunk = data[i : i + length]
        j = _at(data, to)
        return data[:j] + chunk + data[j:]

    return apply


def _truncate(where: float) -> Mutation:
    return lambda data: data[: _at(data, where)]


byte_mutations = st.one_of(
    st.builds(_flip, _where, st.integers(0, 7)),
    st.builds(_insert, _where, st.binary(min_size=1, max_size=64)),
    st.builds(_insert, _where, st.sampled_from(HOSTILE_BYTES)),
    st.builds(_insert, _where, hostile_lines.map(lambda s: s.encode("utf-8", "replace"))),
    st.builds(_delete, _where, st.integers(1, 4096)),
    st.builds(_duplicate, _where, st.integers(1, 4096), _where),
    st.builds(_truncate, _where),
)


def mutate_bytes(data: bytes, mutations: list[Mutation]) -> bytes:
    for mutation in mutations:
        data = mutation(data)
    return data


# ------------------------------------------------------------------ line mutations
LineMutation = Callable[[list[str]], list[str]]
# A line repeated this many times at most (a page that prints a widget over and over),
# and to this many characters at most (so every input stays within the time budget).
MAX_LINE_REPEATS = 500
MAX_REPEATED_CHARS = 100_000


def _line_at(lines: list[str], where: float) -> int:
    return min(max(len(lines) - 1, 0), int(where * len(lines)))


def _drop_line(where: float) -> LineMutation:
    return lambda lines: lines[: _line_at(lines, where)] + lines[_line_at(lines, where) + 1 :]


def _repeat_line(where: float, times: int) -> LineMutation:
    def apply(lines: list[str]) -> list[str]:
        if not lines:
            return lines
        i = _line_at(lines, where)
        times_here = max(1, min(times, MAX_REPEATED_CHARS // (len(lines[i]) + 1)))
        return lines[:i] + [lines[i]] * times_here + lines[i + 1 :]

    return apply


def _swap_lines(a: float, b: float) -> LineMutation:
    def apply(lines: list[str]) -> list[str]:
        if not lines:
            return lines
        out = list(lines)
        i, j = _line_at(lines, a), _line_at(lines, b)
        out[i], out[j] = out[j], out[i]
        return out

    return apply


def _join_lines(where: float, count: int) -> LineMutation:
    def apply(lines: list[str]) -> list[str]:
        i = _line_at(lines, where)
        return [*lines[:i], " ".join(lines[i : i + count]), *lines[i + count :]]

    return apply


def _insert_line(where: float, line: str) -> LineMutation:
    def apply(lines: list[str]) -> list[str]:
        i = _line_at(lines, where)
        return [*lines[:i], line, *lines[i:]]

    return apply


line_mutations = st.one_of(
    st.builds(_drop_line, _where),
    st.builds(_repeat_line, _where, st.integers(2, MAX_LINE_REPEATS)),
    st.builds(_swap_lines, _where, _where),
    st.builds(_join_lines, _where, st.integers(2, 200)),
    st.builds(_insert_line, _where, hostile_lines),
    st.builds(_insert_line, _where, st.sampled_from(PROSE)),
    st.builds(_insert_line, _where, st.text(max_size=200)),
)


def mutate_lines(text: str, mutations: list[LineMutation]) -> str:
    lines = text.split("\n")
    for mutation in mutations:
        lines = mutation(lines)
    return "\n".join(lines)


# ------------------------------------------------------------------ JSON Lines records
# Characters a JSON string can carry that text storage cannot: lone surrogates and NUL.
ODD_CHARACTERS = ("\ud800", "\udfff", "\ud83d", "\x00", "\u202e")
odd_texts = st.lists(
    st.one_of(st.sampled_from(ODD_CHARACTERS), st.text(max_size=8)), max_size=8
).map("".join)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    odd_texts,
    hostile_lines,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = (
    "id", "title", "text", "url", "published", "date", "source", "byline", "author",
    "dateline", "description", "language",
)  # fmt: skip
field_values = st.one_of(json_values, st.sampled_from(PROSE), hostile_texts)
# Article bodies: prose (so most records are stored) with odd and hostile text mixed in.
bodies = st.lists(
    st.one_of(st.sampled_from(PROSE), odd_texts, hostile_lines), min_size=1, max_size=8
).map(lambda parts: "\n\n".join([PROSE[0], *parts]))
records = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), field_values, max_size=8
    ),
    st.fixed_dictionaries(
        {"text": bodies}, optional={name: field_values for name in FIELDS if name != "text"}
    ),
)


def jsonl_line(record: dict[str, object], *, ascii_only: bool) -> str:
    """One record as a JSON line (``ascii_only`` writes lone surrogates as escapes)."""
    return json.dumps(record, ensure_ascii=ascii_only, allow_nan=True)


jsonl_documents = st.lists(
    st.one_of(
        st.builds(jsonl_line, records, ascii_only=st.booleans()),
        st.sampled_from(["", "{", "[" * 5000, "null", '"text"', "{}", "\ufeff{}"]),
        st.text(max_size=100),
    ),
    min_size=1,
    max_size=12,
).map("\n".join)
