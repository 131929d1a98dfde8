"""Unicode normalisation shared by extraction, tokenizing and storage.

Scraped text carries no-break spaces, zero-width joiners, soft hyphens and
compatibility forms (full-width letters, ligatures); NFKC folds the latter and the
rest are mapped here so that equal text compares equal everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing: zero-width space/joiners, word joiner, BOM, soft hyphen,
# and NUL (which PostgreSQL refuses to store in text).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00"), None)
# Lone UTF-16 surrogates, which JSON escapes ("\ud800") and character references can
# produce: no database encoding can store them, so they become U+FFFD like any other
# undecodable character.
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
_TRANSLATION = _INVISIBLE | _SURROGATES
# Any character ``_TRANSLATION`` maps: ``str.translate`` looks every character up in
# the table, which costs far more than this scan, and most text holds none of them.
_TRANSLATED = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\ud800-\udfff]")
# Runs of horizontal whitespace of any kind (NFKC already maps most of it to U+0020)
# become one space. Only runs that change are matched: a space and more, or a run
# opening with other white space; a lone space (most of them) is no match, so ``sub``
# does not rebuild the text around every space. The first branch opens with a literal
# space, which ``re`` finds faster than a class of characters (about 1.5x on pages).
_HSPACE = re.compile(r" [^\S\n]+|[^\S\n ][^\S\n]*")
_BLANK_LINES = re.compile(r"\n{3,}")
# Compatibility characters that pages are full of (the no-break space of "&nbsp;", the
# ellipsis), replaced first by what NFKC maps them to. ``unicodedata.normalize`` returns
# text that needs no change after a quick check, but normalises all of a text holding
# one such character (most of a millisecond on a page's text); most pages hold no other.
# The result is the same: NFKC decomposes each to these characters, and a space or a
# full stop never composes or reorders with its neighbours (a test checks every
# character).
_COMMON_COMPATIBLE = (("\u00a0", " "), ("\u2026", "..."))


def normalize_text(text: str) -> str:
    """NFKC, invisible characters removed, runs of spaces folded, line ends kept."""
    for compatible, ascii_form in _COMMON_COMPATIBLE:
        if compatible in text:
            text = text.replace(compatible, ascii_form)
    text = unicodedata.normalize("NFKC", text)
    if _TRANSLATED.search(text):
        text = text.translate(_TRANSLATION)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _HSPACE.sub(" ", text)


def normalize_block(text: str) -> str:
    """``normalize_text`` plus trimmed lines and at most one blank line between paragraphs."""
    lines = [line.strip() for line in normalize_text(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def paragraphs(body: str) -> list[str]:
    """Paragraphs of a body whose paragraphs are separated by blank lines."""
    return [p.strip() for p in body.split("\n\n") if p.strip()]
