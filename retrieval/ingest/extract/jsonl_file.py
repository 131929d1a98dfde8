"""JSON Lines files read record by record, with the size cap applied to each record.

A JSONL file is a container of articles, not one document: ``max_input_bytes`` bounds
one page or one record, and applied to a whole corpus file it refused files of
thousands of small records. So a JSONL file (named ``.jsonl`` or ``.ndjson``, plain or
gzip; or with a name that gives no kind, over the cap, whose first lines are JSON
objects) is read a line at a time in bounded memory. A line over the cap is skipped
without being held whole and reported with its line number (and its id when one shows
near its start); the other records go through. Each line is decoded by the same rules
as a whole input (``decode_bytes``) and parsed as ``extract_jsonl`` parses a line.
Whole-input failures (empty, not gzip, compressed twice, a binary format) are still
raised before the first record, as for any other input.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, cast

from retrieval.errors import (
    BinaryInput,
    EmptyInput,
    InputError,
    MalformedRecord,
    RecordTooLarge,
    UnsupportedInput,
)
from retrieval.ingest.extract.charset import decode_bytes
from retrieval.ingest.extract.detect import (
    inner_name,
    is_gzip,
    kind_from_content,
    kind_from_name,
    refuse_known_binary,
)
from retrieval.ingest.extract.jsonl import record_to_article
from retrieval.ingest.extract.model import ExtractedArticle, ExtractOptions

# Bytes read (decompressed) from the start of a file for the whole-input checks and,
# when the name gives no kind, to sniff whether the file is JSONL.
HEAD_BYTES = 64 * 1024
# Bytes at the start of an oversized line searched for its "id" (records usually
# begin with it); an id longer than 200 characters is not shown.
ID_SCAN_BYTES = 4096
_ID = re.compile(rb'"id"\s*:\s*("(?:[^"\\\r\n]|\\.){1,200}"|-?\d{1,30})')
# Read size while skipping the rest of an oversized line: memory stays bounded
# however long the line is.
SKIP_BYTES = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
# Encodings whose newline is not the byte b"\n" (UTF-32 first: its little-endian BOM
# starts with UTF-16's). Their lines are read as text and re-encoded as UTF-8.
_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Errors of reading a damaged file part way through.
_READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeError)


@dataclass(frozen=True, slots=True)
class RawLine:
    """One non-blank line of a JSONL file, undecoded, and its 1-based line number."""

    number: int
    data: bytes


def streams_as_jsonl(path: Path, size: int, options: ExtractOptions) -> bool:
    """Whether the file is read record by record rather than whole.

    By name when it gives the kind; a file whose name does not is read whole when it
    fits under the cap (as every input is), and record by record when it is larger
    and its first lines are JSON objects.
    """
    if options.kind != "auto":
        return options.kind == "jsonl"
    kind = kind_from_name(inner_name(str(path)))
    if kind is not None:
        return kind == "jsonl"
    if size <= options.max_input_bytes:
        return False
    try:
        head = read_head(path)
        text = decode_bytes(head[: head.rfind(b"\n") + 1], declared=None, input_name=str(path))
    except InputError:
        return False  # the whole-input path reports what is wrong with it
    return kind_from_content(text) == "jsonl"


def read_head(path: Path) -> bytes:
    """The first ``HEAD_BYTES`` of the file, decompressed when it is gzip."""
    name = str(path)
    try:
        with _Opened(path) as opened:
            return opened.stream.read(HEAD_BYTES)
    except EOFError:
        raise BinaryInput(f"{name} is a truncated gzip file", input_name=name) from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise BinaryInput(f"{name} is not a valid gzip file ({exc})", input_name=name) from None
    except OSError as exc:
        raise UnsupportedInput(f"cannot read {name}: {exc.strerror}", input_name=name) from None


def check_head(path: Path) -> None:
    """Raise the whole-input failures a JSONL file can have, before its first record."""
    name = str(path)
    head = read_head(path)
    if not head.strip() and len(head) < HEAD_BYTES:
        raise EmptyInput(f"{name} is empty", input_name=name)
    if _is_gzip_file(path) and head.startswith(_GZIP_MAGIC):
        raise UnsupportedInput(f"{inner_name(name)} is compressed twice", input_name=name)
    refuse_known_binary(inner_name(name), head)


def extract_jsonl_file(
    path: Path, options: ExtractOptions
) -> Iterator[ExtractedArticle | InputError]:
    """Articles of a JSONL file, one line at a time; whole-input failures raise here."""
    check_head(path)
    return _articles(path, options.max_input_bytes)


def _articles(path: Path, limit: int) -> Iterator[ExtractedArticle | InputError]:
    name = str(path)
    with JsonlReader(path, limit) as reader:
        for entry in reader:
            yield parse_line(entry, name) if isinstance(entry, RawLine) else entry


def parse_line(raw: RawLine, name: str) -> ExtractedArticle | MalformedRecord:
    """The article of one line, or why the line is not one."""
    try:
        text = decode_bytes(raw.data, declared=None, input_name="the record")
    except InputError as exc:
        return MalformedRecord(f"line {raw.number}: {exc.reason}", input_name=name, line=raw.number)
    try:
        return record_to_article(text, name=name, line=raw.number)
    except MalformedRecord as exc:
        return exc


class JsonlReader:
    """The non-blank lines of a JSONL file, plain or gzip, in bounded memory.

    A line over ``limit`` bytes comes out as a ``RecordTooLarge``; a file damaged part
    way through (a truncated gzip stream) ends with a ``MalformedRecord`` saying where.
    ``position`` is how far into the file on disk reading has got (for progress).
    """

    def __init__(self, path: Path, limit: int) -> None:
        self._name = str(path)
        self._limit = limit
        self._opened = _Opened(path)

    def __enter__(self) -> JsonlReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._opened.close()

    @property
    def position(self) -> int:
        return self._opened.raw.tell()

    def __iter__(self) -> Iterator[RawLine | MalformedRecord]:
        number = 0
        try:
            read = self._opened.line_reader()
            while line := read(self._limit + 1):
                number += 1
                complete = line.endswith(b"\n")
                data = line[:-1] if complete else line
                if len(data) > self._limit:
                    yield self._too_large(number, data, 0 if complete else _skip_line(read))
                elif data.strip():
                    yield RawLine(number, data)
        except _READ_ERRORS as exc:
            yield MalformedRecord(
                f"{self._name}: {_read_failure(exc)} after line {number}; the rest is not read",
                input_name=self._name,
            )

    def _too_large(self, number: int, data: bytes, rest: int) -> RecordTooLarge:
        size = len(data) + rest
        found = _ID.search(data[:ID_SCAN_BYTES])
        ident = f" (id {found.group(1).decode('utf-8', 'replace')})" if found else ""
        return RecordTooLarge(
            f"line {number}{ident}: the record is {size:,} bytes, over the "
            f"{self._limit:,}-byte limit for one record",
            input_name=self._name,
            line=number,
            size=size,
            limit=self._limit,
        )


def _skip_line(read: Callable[[int], bytes]) -> int:
    """Read past the rest of the current line; the bytes skipped (newline excluded)."""
    skipped = 0
    while chunk := read(SKIP_BYTES):
        if chunk.endswith(b"\n"):
            return skipped + len(chunk) - 1
        skipped += len(chunk)
    return skipped


def _read_failure(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the gzip stream is truncated"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"the gzip stream is damaged ({exc})"
    if isinstance(exc, UnicodeError):
        return f"the text cannot be decoded ({exc})"
    return f"read error ({exc})"


def _is_gzip_file(path: Path) -> bool:
    with path.open("rb") as raw:
        return is_gzip(str(path), raw.read(2))


class _Opened:
    """A file on disk (``raw``, for its position) and its decompressed ``stream``."""

    def __init__(self, path: Path) -> None:
        self.raw = path.open("rb")
        self._text: io.TextIOWrapper | None = None
        try:
            gz = is_gzip(str(path), self.raw.read(2))
            self.raw.seek(0)
            self.stream: io.BufferedIOBase = (
                gzip.GzipFile(fileobj=self.raw, mode="rb") if gz else self.raw
            )
        except BaseException:
            self.raw.close()
            raise

    def __enter__(self) -> _Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._text is not None:
            self._text.detach()
        self.stream.close()
        self.raw.close()

    def line_reader(self) -> Callable[[int], bytes]:
        """``readline(size)`` giving UTF-8 (or undecoded) bytes whatever the encoding."""
        peek: Callable[[int], bytes] | None = getattr(self.stream, "peek", None)
        start = peek(4)[:4] if peek is not None else b""
        for bom, encoding in _WIDE_BOMS:
            if start.startswith(bom):
                buffer = cast("IO[bytes]", self.stream)  # typeshed: a BufferedIOBase is one
                self._text = io.TextIOWrapper(buffer, encoding=encoding, newline="\n")
                text = self._text
                return lambda size: text.readline(size).encode("utf-8")
        return self.stream.readline
