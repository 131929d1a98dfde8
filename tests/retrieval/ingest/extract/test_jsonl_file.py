"""JSONL files read a line at a time: the cap per record, encodings, damage, sniffing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from retrieval.errors import EmptyInput, InputTooLarge, MalformedRecord, RecordTooLarge
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions, extract_path, jsonl_file
from retrieval.ingest.extract.jsonl_file import JsonlReader, RawLine


def _line(ident: str, text: str = "One sentence here. Another one there.") -> str:
    return json.dumps({"id": ident, "title": f"Title {ident}", "text": text})


def test_the_cap_applies_to_each_line_not_to_the_file(tmp_path: Path) -> None:
    at_cap = _line("fits")
    over = _line("over", "x" * 200)
    limit = len(at_cap)
    assert len(over) > limit
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([at_cap, over, at_cap.replace("fits", "fitz")]) + "\n")
    assert path.stat().st_size > limit
    records = list(extract_path(path, ExtractOptions(max_input_bytes=limit)))
    assert [r.external_id for r in records if isinstance(r, ExtractedArticle)] == [
        "fits",
        "fitz",
    ]
    (error,) = [r for r in records if isinstance(r, RecordTooLarge)]
    assert (error.line, error.size, error.limit) == (2, len(over), limit)
    assert error.reason == (
        f'line 2 (id "over"): the record is {len(over):,} bytes, '
        f"over the {limit:,}-byte limit for one record"
    )


def test_an_oversized_line_is_skipped_in_bounded_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_file, "SKIP_BYTES", 64)
    path = tmp_path / "feed.jsonl"
    long_line = "[" + "1," * 5000 + "1]"  # no id to show
    path.write_text(long_line + "\n" + _line("after") + "\n")
    with JsonlReader(path, limit=100) as reader:
        entries = list(reader)
        assert reader.position == path.stat().st_size
    assert isinstance(entries[0], RecordTooLarge) and entries[0].size == len(long_line)
    assert entries[0].reason.startswith("line 1: the record is")
    assert entries[1] == RawLine(2, _line("after").encode())


def test_utf16_crlf_and_bom_files_read_line_by_line(tmp_path: Path) -> None:
    text = "\r\n".join([_line("é1", "Café au lait. Très bon."), "", _line("e2")]) + "\r\n"
    for encoding in ("utf-16", "utf-8-sig", "utf-32"):
        path = tmp_path / f"feed-{encoding}.jsonl"
        path.write_bytes(text.encode(encoding))
        records = list(extract_path(path, ExtractOptions(max_input_bytes=200)))
        assert [r.external_id for r in records if isinstance(r, ExtractedArticle)] == [
            "é1",
            "e2",
        ], encoding
        assert all(isinstance(r, ExtractedArticle) for r in records)


def test_a_bad_line_is_a_record_failure_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(_line("a").encode() + b"\n\xff\xfe\x00bad\n" + _line("b").encode() + b"\n")
    records = list(extract_path(path))
    assert isinstance(records[1], MalformedRecord) and records[1].line == 2
    assert [type(r).__name__ for r in records] == [
        "ExtractedArticle",
        "MalformedRecord",
        "ExtractedArticle",
    ]


def test_whole_input_failures_are_still_raised(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl.gz"
    empty.write_bytes(gzip.compress(b"\n \n"))
    with pytest.raises(EmptyInput):
        extract_path(empty)
    twice = tmp_path / "twice.jsonl.gz"
    twice.write_bytes(gzip.compress(gzip.compress(_line("a").encode())))
    with pytest.raises(Exception, match="compressed twice"):
        extract_path(twice)


def test_a_large_unnamed_file_is_sniffed_and_a_large_page_is_still_refused(
    tmp_path: Path,
) -> None:
    lines = "\n".join(_line(f"r{n}") for n in range(50)) + "\n"
    dump = tmp_path / "dump"
    dump.write_text(lines)
    options = ExtractOptions(max_input_bytes=len(lines) // 4)
    assert len([r for r in extract_path(dump, options) if isinstance(r, ExtractedArticle)]) == 50
    page = tmp_path / "page"
    page.write_text("A long article line.\n" * 200)
    with pytest.raises(InputTooLarge):
        extract_path(page, ExtractOptions(max_input_bytes=1000))
    named = tmp_path / "page.txt"
    named.write_text(lines)  # a name that says text: read whole, so refused over the cap
    with pytest.raises(InputTooLarge):
        extract_path(named, options)
