"""normalize_text: the scan that skips ``str.translate`` must not change its result."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text import normalize

_TRICKY = st.sampled_from(
    list("\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\ud800\udfff\r\n\t a\u00a0\u2026\u0301\u0308.")
)


def _reference(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(normalize._TRANSLATION)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[^\S\n]+", " ", text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), _TRICKY), max_size=80))
def test_normalize_text_matches_translating_everything(text: str) -> None:
    assert normalize.normalize_text(text) == _reference(text)


def test_every_translated_character_is_scanned_for() -> None:
    assert all(normalize._TRANSLATED.match(chr(code)) for code in normalize._TRANSLATION)


def test_characters_replaced_before_nfkc_are_what_nfkc_makes_of_them() -> None:
    for compatible, replacement in normalize._COMMON_COMPATIBLE:
        assert unicodedata.normalize("NFKC", compatible) == replacement


def test_replacements_never_compose_or_reorder_with_a_neighbour() -> None:
    """Replacing before NFKC gives NFKC's result only if the replacement's characters
    never join a neighbour: checked against every character."""
    used = {c for _, replacement in normalize._COMMON_COMPATIBLE for c in replacement}
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        other = chr(code)
        alone = unicodedata.normalize("NFKC", other)
        for c in used:
            assert unicodedata.normalize("NFKC", c + other) == c + alone
            assert unicodedata.normalize("NFKC", other + c) == alone + c
