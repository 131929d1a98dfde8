"""A JSONL file cut into chunks of raw lines, read in the main process.

Reading lines is cheap; decoding, parsing, normalising and tokenizing them is not. So
the main process reads a JSONL file and hands its lines to the workers in chunks of
at most ``CHUNK_RECORDS`` records and about ``CHUNK_BYTES`` bytes: memory holds the
chunks in flight, never the file, and no article crosses between processes twice.
Labels are given here, where the count of records is known: a file of one record is
labelled by its name and the others ``name:n``, as ``NewsService`` labels them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import InputError, MalformedRecord
from retrieval.ingest.bulk.prepare import RawRecord, failed_record, record_label
from retrieval.ingest.extract import ExtractOptions
from retrieval.ingest.extract.jsonl_file import JsonlReader, RawLine, check_head
from retrieval.ingest.stages import IngestOutcome

# Records per chunk: about 0.1 s of a worker's time on clean articles, so a chunk is
# worth sending, and 4 chunks a worker in flight keep outcomes coming steadily.
CHUNK_RECORDS = 128
# Bytes of lines per chunk (a chunk ends at the line that reaches it): bounds the
# memory of chunks in flight when records are large.
CHUNK_BYTES = 1_000_000


@dataclass(frozen=True)
class LineChunk:
    """Consecutive records of one JSONL file, and how far into the file they reach."""

    name: str
    entries: list[RawRecord | IngestOutcome]
    read: int  # bytes of the file on disk read since the previous chunk
    last: bool  # the file's last chunk


def line_chunks(path: Path, options: ExtractOptions, size: int) -> Iterator[LineChunk]:
    """The file's records in chunks; a whole-input failure is one chunk of one outcome."""
    name = str(path)
    try:
        check_head(path)
        reader = JsonlReader(path, options.max_input_bytes)
    except InputError as exc:
        yield LineChunk(name, [IngestOutcome(name, "failed", reason=exc.reason)], size, True)
        return
    with reader:
        chunk: list[RawRecord | IngestOutcome] = []
        weight = seen = 0
        for entry in _labelled(name, iter(reader)):
            chunk.append(entry)
            weight += len(entry.line.data) if isinstance(entry, RawRecord) else 0
            if len(chunk) >= CHUNK_RECORDS or weight >= CHUNK_BYTES:
                position = min(reader.position, size)
                yield LineChunk(name, chunk, position - seen, last=False)
                chunk, weight, seen = [], 0, position
        yield LineChunk(name, chunk, max(size - seen, 0), last=True)


def _labelled(
    name: str, entries: Iterator[RawLine | MalformedRecord]
) -> Iterator[RawRecord | IngestOutcome]:
    """Each line with its label; a bad one already as its outcome."""
    first = next(entries, None)
    if first is None:
        return
    second = next(entries, None)
    many = second is not None
    head = [first] if second is None else [first, second]
    for number, entry in enumerate(itertools.chain(head, entries), start=1):
        label = record_label(name, number, many)
        if isinstance(entry, RawLine):
            yield RawRecord(label, entry)
        else:
            yield failed_record(name, label, entry)
