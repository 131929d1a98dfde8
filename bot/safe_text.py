"""Article text made safe for Discord, and cut to a length at a sentence boundary.

Article text is untrusted: it may hold markdown (``**``, `` ` ``, ``# heading``, masked
links), mentions (``@everyone``, ``<@id>``, ``<@&id>``, ``<#id>``) and bidirectional
overrides that reorder what follows them. ``render_rich`` neutralises all of that and
then wraps the query terms (``Citation.marks``, offsets into the raw text) in ``**``.
Escaping changes offsets, so the text is split at the marks first and every piece is
escaped on its own; mention neutralising runs on the whole raw text first, so a mention
that straddles a mark is still caught.

``fit_rich`` cuts the *raw* text (at the last sentence end that fits, else a word end)
and re-renders, so a cut can never split an escape sequence or leave a ``**`` open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

import discord

from bot.limits import URL_MAX, text_len

ZWSP = "\u200b"
# Appended (after a space) where text was cut.
ELLIPSIS = "…"
CUT_SUFFIX = " " + ELLIPSIS
# A sentence end this far into the window or further is preferred to a word end.
SENTENCE_CUT_MIN_FRACTION = 0.5
# A word end this far into the window or further is preferred to a cut mid-word.
WORD_CUT_MIN_FRACTION = 0.6

Marks = Sequence[tuple[int, int]]

# Zero-width positions where a ZWSP breaks a mention: after "@" of @everyone/@here,
# after "<@" of user and role mentions, after "<#" of channel mentions.
# A text that ends in the start of a mention ("@every", "<@12") is broken there too:
# rendered text is joined to other words ("{prefix}news"), which could complete it.
_MENTION_BREAKS = re.compile(
    r"(?<=@)(?=everyone|here)|(?<=<@)(?=[!&]?\d+>)|(?<=<#)(?=\d+>)"
    r"|(?<=@)(?=(?:e|ev|eve|ever|every|everyo|everyon|h|he|her)?\Z)"
    r"|(?<=<@)(?=[!&]?\d*\Z)|(?<=<#)(?=\d*\Z)",
    re.IGNORECASE,
)
# Bidirectional embeddings, overrides and isolates: they reorder the text after them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Brackets not already escaped (an even run of backslashes before them).
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")
# "1. item" at a line start renders as a list.
_ORDERED_LIST = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)
# A sentence end: terminal punctuation, closing quotes or brackets, then a space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_SPACE = re.compile(r"\s")
# Characters kept verbatim in a URL; everything else is percent-encoded, so that
# parentheses and spaces cannot end a masked link early.
_URL_SAFE = ";/?:@&=+$,-_.!~*'#%"


def _neutralise(text: str, marks: Marks) -> tuple[str, list[tuple[int, int]]]:
    """Mentions broken with a ZWSP and bidi controls dropped; marks moved to match."""
    spans = _clean_marks(marks, len(text))
    breaks = {m.start() for m in _MENTION_BREAKS.finditer(text)}
    if not breaks and not _BIDI_CONTROLS.intersection(text):
        return text, spans
    out: list[str] = []
    before: list[int] = []  # new offset of raw position i, before any ZWSP inserted at i
    after: list[int] = []  # new offset of raw position i, after the ZWSP
    for i, char in enumerate(text):
        before.append(len(out))
        if i in breaks:
            out.append(ZWSP)
        after.append(len(out))
        if char not in _BIDI_CONTROLS:
            out.append(char)
    before.append(len(out))
    if len(text) in breaks:  # the text ends in "@" or "<@": nothing may complete it
        out.append(ZWSP)
    after.append(len(out))
    moved = [(after[s], before[e]) for s, e in spans]
    return "".join(out), moved


def _clean_marks(marks: Marks, length: int) -> list[tuple[int, int]]:
    """Marks clipped to the text, sorted, and merged where they overlap or touch."""
    spans = sorted((max(0, s), min(length, e)) for s, e in marks)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def is_blank(text: str) -> bool:
    """True when nothing of the text would show once rendered (spaces, bidi controls)."""
    return all(ch.isspace() or ch in _BIDI_CONTROLS for ch in text)


def escape_markdown(text: str) -> str:
    """Markdown escaped, including masked-link brackets and ordered-list markers."""
    escaped = discord.utils.escape_markdown(text)
    escaped = _BRACKET.sub(r"\1\\\2", escaped)
    return _ORDERED_LIST.sub(r"\1\\.", escaped)


def neutralise_mentions(text: str) -> str:
    """Mentions broken with a zero-width space, bidi controls dropped; no markdown escaping.

    For text Discord shows without markdown (footers, author names, choice names).
    """
    return _neutralise(text, ())[0]


def render_rich(text: str, marks: Marks = ()) -> str:
    """Untrusted text escaped for markdown and mentions, with the marked spans in bold."""
    safe, moved = _neutralise(text, marks)
    pieces: list[str] = []
    last = 0
    for start, end in _clean_marks(moved, len(safe)):
        pieces.append(escape_markdown(safe[last:start]))
        pieces.append(_bold(safe[start:end]))
        last = end
    pieces.append(escape_markdown(safe[last:]))
    return "".join(pieces)


def _bold(span: str) -> str:
    """A span in bold; surrounding spaces stay outside, where Discord wants them."""
    core = span.strip()
    if not core:
        return escape_markdown(span)
    lead = span[: len(span) - len(span.lstrip())]
    trail = span[len(span.rstrip()) :]
    return f"{escape_markdown(lead)}**{escape_markdown(core)}**{escape_markdown(trail)}"


def cut_raw(text: str, limit: int) -> str:
    """The longest prefix of at most ``limit`` characters ending at a sentence end.

    Falls back to a word end, then to a hard cut, when no boundary lies far enough in.
    """
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    sentence_end = 0
    for match in _SENTENCE_END.finditer(text, 0, limit + 1):
        sentence_end = match.end()
    if sentence_end >= limit * SENTENCE_CUT_MIN_FRACTION:
        return text[:sentence_end]
    word_end = max((m.start() for m in _SPACE.finditer(text, 0, limit + 1)), default=0)
    if word_end >= limit * WORD_CUT_MIN_FRACTION:
        return text[:word_end].rstrip()
    return text[:limit]


def fit_rich(text: str, limit: int, marks: Marks = ()) -> str:
    """``render_rich`` of the text, cut with " …" so the result is at most ``limit`` long."""
    rendered = render_rich(text, marks)
    if text_len(rendered) <= limit:
        return rendered
    if limit < len(CUT_SUFFIX) + 1:
        return ELLIPSIS if limit >= 1 else ""
    raw_limit = min(len(text), limit - len(CUT_SUFFIX))
    while raw_limit > 0:
        prefix = cut_raw(text, raw_limit).rstrip()
        if not prefix:
            break
        out = render_rich(prefix, _clip(marks, len(prefix))) + CUT_SUFFIX
        size = text_len(out)
        if size <= limit:
            return out
        # Escaping expands the text; shrink the raw window in proportion and retry.
        raw_limit = min(len(prefix) - 1, len(prefix) * limit // size)
    return ELLIPSIS


def fit_plain(text: str, limit: int) -> str:
    """Text for places without markdown (footers, choice names), cut to ``limit``."""
    safe = neutralise_mentions(text)
    if text_len(safe) <= limit:
        return safe
    if limit < len(CUT_SUFFIX) + 1:
        return ELLIPSIS if limit >= 1 else ""
    raw_limit = limit - len(CUT_SUFFIX)
    while raw_limit > 0:
        out = cut_raw(safe, raw_limit).rstrip() + CUT_SUFFIX
        if text_len(out) <= limit:
            return out
        raw_limit -= text_len(out) - limit
    return ELLIPSIS


def _clip(marks: Marks, length: int) -> list[tuple[int, int]]:
    return [(s, min(e, length)) for s, e in marks if s < length]


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for an embed or a masked link, or None when it is not one."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ch in '<>"\\' for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    quoted = quote(url, safe=_URL_SAFE)
    return quoted if len(quoted) <= URL_MAX else None


def link(label: str, url: str | None) -> str:
    """A masked link ``[label](url)`` for already-escaped label text, or the label alone."""
    target = safe_url(url)
    return f"[{label}]({target})" if target else label
