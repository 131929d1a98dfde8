"""normalize_text: the scan that skips ``str.translate`` must not change its result."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text import normalize

_TRICKY = st.sampled_from(list("\u200b\u200c\u200d\u2060\ufeff\u00ad\x00\ud800\udfff\r\n\t a"))


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
