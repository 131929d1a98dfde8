"""The encoding path: BOM, declared charsets checked against the bytes, control characters.

Property tests draw natural text (words with accents, Cyrillic or CJK), scatter control
characters through it, add or leave out a BOM and declare wrong charsets; the decoded
text must always be the text without its control characters.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.errors import BinaryInput
from retrieval.ingest.extract import ExtractedArticle, extract_bytes, extract_path, html_meta
from retrieval.ingest.extract.charset import decode_bytes
from retrieval.ingest.extract.html import extract_html

_WORDS = {
    "latin": "café naïve résumé über straße año façade élan Zürich Ångström mañana coöperate",
    "plain": "the council met on Tuesday to discuss the budget for the harbour wall repairs",
    "cyrillic": "совет собрался во вторник чтобы обсудить бюджет ремонта стены гавани",
    "cjk": "議会は火曜日に港の壁の修理予算について話し合うために集まった",
}
_CONTROLS = "\x00\x01\x02\x07\x08\x0b\x0e\x1b\x1f\x7f"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@st.composite
def texts(draw: st.DrawFn, script: str | None = None) -> str:
    """A few sentences of one script's words, with punctuation and line breaks."""
    words = _WORDS[script or draw(st.sampled_from(sorted(_WORDS)))].split()
    if len(words) == 1:  # CJK: a run of characters, cut into words of 1-4
        words = [words[0][i : i + 3] for i in range(0, len(words[0]), 3)]
    sentences = draw(
        st.lists(st.lists(st.sampled_from(words), min_size=4, max_size=14), min_size=3, max_size=8)
    )
    return "\n".join(" ".join(s).capitalize() + "." for s in sentences)


@st.composite
def with_controls(draw: st.DrawFn, text: str) -> str:
    """``text`` with up to one control character per 40 characters, anywhere."""
    chars = list(text)
    count = draw(st.integers(0, max(1, len(text) // 40)))
    for _ in range(count):
        at = draw(st.integers(0, len(chars)))
        chars.insert(at, draw(st.sampled_from(_CONTROLS)))
    return "".join(chars)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), bom=st.booleans())
def test_control_characters_are_dropped_with_or_without_a_bom(
    data: st.DataObject, bom: bool
) -> None:
    text = data.draw(texts())
    noisy = data.draw(with_controls(text))
    raw = (codecs.BOM_UTF8 if bom else b"") + noisy.encode("utf-8")
    assert decode_bytes(raw, declared=None, input_name="x") == text


@settings(max_examples=100, deadline=None)
@given(data=st.data(), wrong=st.sampled_from(["iso-8859-1", "windows-1252", "latin1", "cp1251"]))
def test_utf8_bytes_under_a_wrong_single_byte_declaration_read_as_utf8(
    data: st.DataObject, wrong: str
) -> None:
    text = data.draw(texts(data.draw(st.sampled_from(["latin", "cyrillic", "cjk"]))))
    assert decode_bytes(text.encode("utf-8"), declared=wrong, input_name="x") == text


@settings(max_examples=100, deadline=None)
@given(data=st.data(), bom=st.booleans())
def test_same_rules_with_a_bom_as_without(data: st.DataObject, bom: bool) -> None:
    """A BOM may only decide the encoding: the rest of the reading is the same."""
    text = data.draw(with_controls(data.draw(texts())))
    plain = decode_bytes(text.encode("utf-8"), declared="iso-8859-1", input_name="x")
    marked = decode_bytes(codecs.BOM_UTF8 + text.encode("utf-8"), declared=None, input_name="x")
    assert plain == marked == _CONTROL.sub("", text)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_legacy_bytes_under_a_stale_utf8_declaration_are_detected(data: st.DataObject) -> None:
    text = data.draw(texts("latin"))
    assert decode_bytes(text.encode("cp1252"), declared="utf-8", input_name="x") == text


def test_a_correct_legacy_declaration_is_kept() -> None:
    text = "Совет собрался во вторник, чтобы обсудить бюджет ремонта стены гавани. " * 3
    assert decode_bytes(text.encode("cp1251"), declared="windows-1251", input_name="x") == text


def test_header_first_but_checked_against_the_bytes() -> None:
    text = "Le conseil s'est réuni mardi à Besançon pour le budget de la digue."
    raw = text.encode("utf-8")
    assert decode_bytes(raw, declared=("iso-8859-1", "utf-8"), input_name="x") == text
    legacy = text.encode("cp1252")
    assert decode_bytes(legacy, declared=("utf-8", "windows-1252"), input_name="x") == text


def test_latin1_label_reads_windows_1252_quotes() -> None:
    raw = "“Quoted” — €5".encode("cp1252")
    assert decode_bytes(raw, declared="ISO-8859-1", input_name="x") == "“Quoted” — €5"


def test_utf16_without_a_bom_and_a_bogus_utf16_label() -> None:
    text = "The council met on Tuesday about the harbour wall. " * 4
    assert decode_bytes(text.encode("utf-16-le"), declared=None, input_name="x") == text
    assert decode_bytes(text.encode("utf-8"), declared="utf-16", input_name="x") == text


@pytest.mark.parametrize("data", [b"abc\x00\x01\x02\x00def" * 20, b"\x00\x01\x02" * 100])
def test_mostly_control_bytes_are_still_binary(data: bytes) -> None:
    with pytest.raises(BinaryInput):
        decode_bytes(data, declared=None, input_name="x")


_PAGE = (
    "<html><head><meta charset='{charset}'><title>Harbour wall</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/w'>World</a></nav><article><h1>Harbour wall</h1>"
    + "".join(
        f"<p>Paragraph {i}: the council in Besançon met on Tuesday to discuss the cost of "
        f"repairing the harbour wall, which was damaged in the storms of last winter.</p>"
        for i in range(6)
    )
    + "</article><footer>© 2024 The Paper</footer></body></html>"
)


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1"])
def test_html_with_nul_bytes_is_extracted_not_refused(bom: bool, charset: str) -> None:
    page = (
        _PAGE.format(charset=charset).replace("council", "coun\x00cil").replace("wall", "wa\x1bll")
    )
    raw = (codecs.BOM_UTF8 if bom else b"") + page.encode("utf-8")
    (article,) = [
        a for a in extract_bytes(raw, name="page.html") if isinstance(a, ExtractedArticle)
    ]
    assert "the council in Besançon met on Tuesday" in article.body
    assert "harbour wall" in article.body and "\x00" not in article.body


def test_http_header_charset_is_checked_against_the_bytes() -> None:
    raw = _PAGE.format(charset="utf-8").encode("utf-8")
    records = extract_bytes(raw, name="page", content_type="text/html; charset=ISO-8859-1")
    (article,) = [a for a in records if isinstance(a, ExtractedArticle)]
    assert "Besançon" in article.body and "Ã§" not in article.body


def test_a_declaration_that_reads_as_mojibake_loses_to_detection() -> None:
    text = "Совет собрался во вторник, чтобы обсудить бюджет ремонта стены гавани. " * 4
    assert decode_bytes(text.encode("cp1251"), declared="windows-1252", input_name="x") == text


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_file_with_nul_bytes_and_a_stale_declaration_is_read(tmp_path: Path, bom: bytes) -> None:
    page = _PAGE.format(charset="iso-8859-1").replace("Tuesday", "Tues\x00day")
    path = tmp_path / "page.html"
    path.write_bytes(bom + page.encode("utf-8"))
    (article,) = [a for a in extract_path(path) if isinstance(a, ExtractedArticle)]
    assert "the council in Besançon met on Tuesday" in article.body


def test_form_feed_becomes_a_line_break() -> None:
    assert decode_bytes(b"first page\x0csecond page", declared=None, input_name="x") == (
        "first page\nsecond page"
    )


def test_html_with_form_feeds_is_extracted() -> None:
    page = _PAGE.format(charset="utf-8").replace("council", "coun\x0ccil").replace(". ", ".\x0c ")
    records = extract_bytes(page.encode("utf-8"), name="p.html")
    (article,) = [a for a in records if isinstance(a, ExtractedArticle)]
    assert "met on Tuesday" in article.body and "\x0c" not in article.body


def test_text_lxml_cannot_hold_costs_a_candidate_not_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lxml raises ValueError on control characters in text it is given; a trafilatura
    reading or the metadata pass that meets one is an empty candidate, not a crash."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(trafilatura, "bare_extraction", refuse)
    monkeypatch.setattr(html_meta, "examine_meta", refuse)
    article = extract_html(_PAGE.format(charset="utf-8"), name="page.html")
    assert "the council in Besançon met on Tuesday" in article.body
