"""Whole-input failures raise; decoding and type detection get real inputs right."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

import pytest

from retrieval.errors import (
    BinaryInput,
    EmptyInput,
    InputError,
    InputTooLarge,
    MalformedRecord,
    NoArticleFound,
    UnsupportedInput,
)
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions, extract_bytes, extract_path

ARTICLE = (
    "Bridge repairs finish early\n\n"
    "Repairs to the old stone bridge over the river finished three weeks ahead of schedule, "
    "the county said on Friday, and the bridge will reopen to cars on Monday morning.\n\n"
    "The work cost less than planned because the damage to the arches was smaller than the "
    "engineers had feared when they first inspected the bridge in the spring.\n"
)


def _articles(items: Iterable[ExtractedArticle | InputError]) -> list[ExtractedArticle]:
    result = [item for item in items if isinstance(item, ExtractedArticle)]
    assert result, "expected at least one article"
    return result


def test_empty_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(EmptyInput):
        extract_path(path)


def test_whitespace_only_raises() -> None:
    with pytest.raises(EmptyInput):
        extract_bytes(b" \n\t\n  ", name="blank.txt")


def test_binary_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"abc\x00\x01\x02\x00def" * 20)
    with pytest.raises(BinaryInput):
        extract_path(path)


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    text = ARTICLE.replace("Friday,", "Friday — “on time”, at a cost of €2m,")
    path = tmp_path / "cp1252.txt"
    path.write_bytes(text.encode("cp1252"))
    (article,) = _articles(extract_path(path))
    assert "Friday — “on time”, at a cost of €2m," in article.body


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    text = ARTICLE.replace("the county said", "the mayor of Saint-Étienne, Hélène Dupré, said")
    path = tmp_path / "latin1.txt"
    path.write_bytes(text.encode("latin-1"))
    (article,) = _articles(extract_path(path))
    assert "Saint-Étienne, Hélène Dupré" in article.body


def test_declared_charset_wins() -> None:
    data = ARTICLE.replace("county", "kommune på øya").encode("iso-8859-1")
    (article,) = _articles(
        extract_bytes(data, name="x", content_type="text/plain; charset=ISO-8859-1")
    )
    assert "kommune på øya" in article.body


def test_file_over_the_cap_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(ARTICLE.encode() * 10)
    with pytest.raises(InputTooLarge) as info:
        extract_path(path, ExtractOptions(max_input_bytes=100))
    assert info.value.limit == 100


def test_bytes_over_the_cap_are_refused() -> None:
    with pytest.raises(InputTooLarge):
        extract_bytes(ARTICLE.encode(), name="a.txt", options=ExtractOptions(max_input_bytes=10))


def test_gzip_is_decompressed_and_typed_by_inner_name(tmp_path: Path) -> None:
    path = tmp_path / "story.txt.gz"
    path.write_bytes(gzip.compress(ARTICLE.encode()))
    (article,) = _articles(extract_path(path))
    assert article.title == "Bridge repairs finish early"


def test_gzip_bomb_is_capped() -> None:
    data = gzip.compress(b"a" * 200_000)
    with pytest.raises(InputTooLarge):
        extract_bytes(data, name="bomb.txt.gz", options=ExtractOptions(max_input_bytes=50_000))


def test_corrupt_gzip_raises() -> None:
    with pytest.raises(BinaryInput):
        extract_bytes(b"\x1f\x8b\x08\x00garbage-garbage", name="bad.gz")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("notes.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("slides.pptx", b"plain text in a badly named file"),
    ],
)
def test_unknown_or_binary_types_are_unsupported(name: str, data: bytes) -> None:
    with pytest.raises(UnsupportedInput):
        extract_bytes(data, name=name)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedInput):
        extract_path(tmp_path / "nope.txt")


def test_kind_is_sniffed_without_extension() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Bridge</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
        + "</article></body></html>"
    )
    (article,) = _articles(extract_bytes(html.encode(), name="download"))
    assert article.body.startswith("Repairs to the old stone bridge")
    records = list(extract_bytes(b'{"title": "T", "text": "Body text."}\n', name="feed"))
    assert [r.title for r in _articles(records)] == ["T"]


def test_text_without_an_article_raises() -> None:
    with pytest.raises(NoArticleFound):
        extract_bytes(b"Home\nNews\nSport\nWeather\nContact us\n", name="menu.txt")


def test_jsonl_bad_line_is_yielded_and_others_go_through(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "a1", "title": "First", "text": "One."}\n'
        "this is not json\n"
        '{"id": "a3", "title": "Third", "text": "Three."}\n',
        encoding="utf-8",
    )
    records = list(extract_path(path))
    assert [type(r).__name__ for r in records] == [
        "ExtractedArticle",
        "MalformedRecord",
        "ExtractedArticle",
    ]
    bad = records[1]
    assert isinstance(bad, MalformedRecord)
    assert bad.line == 2
    assert bad.input_name.endswith("feed.jsonl")
