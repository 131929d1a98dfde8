"""Streaming bulk ingest: JSONL files larger than the input cap, record by record.

The cap bounds one record, not a file of records: a file over it is ingested, a record
over it is refused with its line and id, and everything else in the file is stored.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from retrieval.cli import progress
from retrieval.cli.commands import main
from retrieval.config import Settings
from retrieval.ingest.bulk import ingest_many, pipeline
from retrieval.ingest.extract import ExtractOptions
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import Scope
from retrieval.service import NewsService
from retrieval.store.models import Article
from tests.conftest import make_settings
from tests.generated_articles import record, write_jsonl

# Bytes of a raw-page field carried by each record of the 20 MB file (dumps often keep
# the page beside the text): the file reaches its size with few articles to store.
PAGE_FIELD_BYTES = 40_000
FILE_BYTES = 20_000_000
DEFAULT_CAP = 5_000_000


def _config(settings: Settings, tmp_path: Path, max_input_bytes: int | None = None) -> str:
    path = tmp_path / "newsbot.toml"
    ingest = f"[ingest]\nmax_input_bytes = {max_input_bytes}\n" if max_input_bytes else ""
    path.write_text(
        f"[database]\nurl = {json.dumps(settings.database.url)}\n"
        f"[index]\nsnapshot_path = {json.dumps(settings.index.snapshot_path)}\n" + ingest,
        encoding="utf-8",
    )
    return str(path)


def _stored(settings: Settings) -> set[str]:
    service = NewsService.open(settings)
    try:
        with service.sessions() as session:
            return set(session.scalars(select(Article.external_id)))
    finally:
        service.close()


def _view(outcomes: list[IngestOutcome]) -> list[tuple[object, ...]]:
    return [(o.input, o.status, o.article_id, o.title, o.reason, o.passages) for o in outcomes]


def test_a_20mb_jsonl_with_one_oversized_record_stores_every_other_record(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.jsonl"
    oversized_line = 0
    numbers: list[int] = []
    with path.open("w", encoding="utf-8") as handle:
        number = 0
        while handle.tell() < FILE_BYTES:
            number += 1
            if number == 150:  # in the middle of the file, between chunks of lines
                huge = {
                    "id": "huge-one",
                    "title": "Too big",
                    "text": "word " * (DEFAULT_CAP // 5 + 99),
                }
                handle.write(json.dumps(huge) + "\n")
                oversized_line = number
                continue
            row = {**record(number), "page": "<p>filler</p>" * (PAGE_FIELD_BYTES // 13)}
            handle.write(json.dumps(row) + "\n")
            numbers.append(number)
    assert path.stat().st_size >= FILE_BYTES > DEFAULT_CAP
    status = main(["--config", _config(settings, tmp_path), "ingest", str(path), "--json"])
    out, err = capsys.readouterr()
    outcomes = [json.loads(line) for line in out.splitlines()]
    failed = [o for o in outcomes if o["status"] != "added"]
    assert status == 1  # one record failed
    assert failed == [
        {
            "input": f"{path}:{oversized_line}",
            "status": "failed",
            "article_id": None,
            "title": None,
            "reason": f'line {oversized_line} (id "huge-one"): the record is '
            f"{len(json.dumps(huge)):,} bytes, over the {DEFAULT_CAP:,}-byte limit for one record",
        }
    ]
    assert len(outcomes) == len(numbers) + 1
    assert _stored(settings) == {f"gen-{n}" for n in numbers}
    assert f"added {len(numbers)}, duplicate 0, failed 1" in err


@pytest.mark.parametrize("group_bytes", [pipeline.GROUP_BYTES, 0])
@pytest.mark.parametrize("workers", [0, 2])
def test_jsonl_gz_over_the_cap_streams_like_the_one_by_one_path(
    tmp_path: Path, workers: int, group_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .jsonl.gz larger than the cap (compressed and not): each record is judged alone,
    and bulk outcomes equal those of the one-by-one path, whether the file is read by a
    worker (small: in a group) or by the main process in chunks of lines (large)."""
    monkeypatch.setattr(pipeline, "GROUP_BYTES", group_bytes)
    cap = 6_000
    lines = [json.dumps(record(n)) for n in range(40)]
    lines[7] = json.dumps({**record(7), "text": record(7)["text"] * 4})  # over the cap
    lines.insert(10, "")  # not a record: bad records after it are told by line number
    lines[15] = "{not json"
    data = ("\r\n".join(lines) + "\n").encode()
    path = tmp_path / "wire.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    assert path.stat().st_size > cap and len(lines[7]) > cap > max(len(x) for x in lines[8:])
    single = NewsService.open(make_settings(tmp_path / "s", ingest={"max_input_bytes": cap}))
    bulk = NewsService.open(make_settings(tmp_path / "b", ingest={"max_input_bytes": cap}))
    try:
        expected = single.ingest_paths([path], scope=Scope())
        read: list[int] = []
        got = list(ingest_many(bulk, [path], Scope(), workers=workers, read=read.append))
    finally:
        single.close()
        bulk.close()
    assert _view(got) == _view(expected)
    failed = {o.input: o.reason for o in got if o.status == "failed"}
    assert set(failed) == {f"{path}:8", f"{path}:16"}
    assert str(failed[f"{path}:8"]).startswith('line 8 (id "gen-7"): the record is ')
    assert [o.input for o in got][-1] == f"{path}:40"  # 41 lines, 40 records
    assert sum(o.status == "added" for o in got) == 38
    assert sum(read) == path.stat().st_size


def test_a_truncated_gzip_keeps_the_records_before_the_damage(
    settings: Settings, tmp_path: Path
) -> None:
    whole = gzip.compress(b"".join(json.dumps(record(n)).encode() + b"\n" for n in range(300)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    service = NewsService.open(settings)
    try:
        got = list(ingest_many(service, [path], Scope(), workers=0))
    finally:
        service.close()
    added = [o for o in got if o.status == "added"]
    assert 0 < len(added) < 300
    assert [o.input for o in added] == [f"{path}:{n}" for n in range(1, len(added) + 1)]
    assert got[-1].status == "failed"
    assert "the gzip stream is truncated after line" in (got[-1].reason or "")


def _first_and_rest(
    settings: Settings, tmp_path: Path
) -> tuple[IngestOutcome, int, int, list[IngestOutcome]]:
    """Ingest the folder's JSONL files as a lazy stream: the first outcome, how many files
    had been pulled when it came out, how many in all, and the other outcomes."""
    pulled = 0

    def files() -> Iterator[Path]:
        nonlocal pulled
        for path in sorted(tmp_path.glob("*.jsonl")):
            pulled += 1
            yield path

    service = NewsService.open(settings)
    try:
        stream = ingest_many(service, files(), Scope(), workers=0)
        first = next(stream)
        pulled_at_first = pulled
        rest = list(stream)
    finally:
        service.close()
    return first, pulled_at_first, pulled, rest


def test_directory_inputs_are_taken_as_they_are_needed(settings: Settings, tmp_path: Path) -> None:
    """The pipeline pulls inputs as it goes: when the first outcomes come out, most of
    a long stream of files has not been asked for yet."""
    for n in range(200):
        write_jsonl(tmp_path / f"{n:03d}.jsonl", range(n, n + 1))
    first, pulled_at_first, pulled, rest = _first_and_rest(settings, tmp_path)
    assert first.status == "added"
    assert pulled_at_first < 100 and pulled == 200
    assert len(rest) == 199


def _ingest_cli(
    config: str, path: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[str, str]:
    assert main(["--config", config, "ingest", str(path), *flags]) == 0
    return capsys.readouterr()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "corpus.jsonl", range(60))


def _without_notices(stderr: str) -> str:
    """Standard error less the one-time notice that a new database file was created."""
    return "".join(
        line
        for line in stderr.splitlines(keepends=True)
        if not line.startswith("newsbot: created the database")
    )


def test_no_progress_bar_when_not_on_a_terminal(
    settings: Settings,
    tmp_path: Path,
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "DELAY_S", 0.0)  # a bar would show at once
    out, err = _ingest_cli(_config(settings, tmp_path), corpus, capsys)
    assert out.count("\nadded ") == 59 and "\r" not in out + err
    assert _without_notices(err) == "added 60, duplicate 0, failed 0\n"


def test_progress_bar_on_a_terminal_but_not_under_json(
    tmp_path: Path,
    corpus: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "DELAY_S", 0.0)
    monkeypatch.setattr(progress, "REDRAW_S", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    settings = make_settings(tmp_path / "a")
    _ingest_cli(_config(settings, tmp_path), corpus, capsys)
    drawn = terminal.getvalue()
    assert "\r[" in drawn and "60 records" in drawn and "100%" in drawn
    assert _without_notices(drawn).endswith("added 60, duplicate 0, failed 0\n")
    terminal.truncate(0)
    terminal.seek(0)
    settings = make_settings(tmp_path / "b")
    out, _ = _ingest_cli(_config(settings, tmp_path), corpus, capsys, "--json")
    assert len(out.splitlines()) == 60
    assert _without_notices(terminal.getvalue()) == "added 60, duplicate 0, failed 0\n"


def test_tasks_keep_small_files_grouped_and_stream_jsonl_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "GROUP_INPUTS", 2)
    texts = []
    for n in range(5):
        page = tmp_path / f"page{n}.txt"
        page.write_text(f"Story {n}\n\n" + record(n)["text"], encoding="utf-8")
        texts.append(page)
    corpus = write_jsonl(tmp_path / "c.jsonl", range(300))
    small = write_jsonl(tmp_path / "small.jsonl", range(3))
    assert small.stat().st_size <= pipeline.GROUP_BYTES < corpus.stat().st_size
    inputs = [texts[0], corpus, small, *texts[1:]]
    tasks: list[Any] = list(pipeline._tasks(inputs, ExtractOptions(max_input_bytes=10_000)))
    groups = [t for t in tasks if isinstance(t, list)]
    chunks = [t for t in tasks if not isinstance(t, list)]
    # A small JSONL file travels in a group: its worker reads it record by record too.
    assert groups == [[texts[0]], [small, texts[1]], texts[2:4], [texts[4]]]
    assert all(c.name == str(corpus) for c in chunks) and chunks[-1].last
    assert sum(len(c.entries) for c in chunks) == 300 and len(chunks) > 1
    assert sum(c.read for c in chunks) == corpus.stat().st_size
    assert tasks.index(chunks[0]) == 1  # the JSONL file in its place among the inputs


def test_whole_corpus_counts(settings: Settings, tmp_path: Path) -> None:
    """Every record of a many-chunk file is stored once, in order, with no gaps."""
    path = write_jsonl(tmp_path / "many.jsonl", range(400))
    service = NewsService.open(settings)
    try:
        got = list(ingest_many(service, [path], Scope(), workers=2, batch_size=64))
        with service.sessions() as session:
            count = session.scalar(select(func.count()).select_from(Article))
    finally:
        service.close()
    assert [o.input for o in got] == [f"{path}:{n}" for n in range(1, 401)]
    assert count == 400


def test_failures_are_released_without_waiting_for_articles(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream of bad records fills no batch: its outcomes still come out as it goes
    (at most MAX_QUEUED held), not all at the end."""
    monkeypatch.setattr(pipeline, "MAX_QUEUED", 10)
    for n in range(40):
        (tmp_path / f"{n:02d}.jsonl").write_text("{not json\n" * 10, encoding="utf-8")
    first, pulled_at_first, pulled, rest = _first_and_rest(settings, tmp_path)
    assert first.status == "failed" and pulled_at_first < 40 and pulled == 40
    assert len(rest) == 399 and all(o.status == "failed" for o in rest)
