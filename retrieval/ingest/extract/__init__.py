"""Extraction: bytes or files in, ``ExtractedArticle`` values out.

Whole-input failures raise the domain errors of ``retrieval.errors`` at the call
(empty, binary, too large, unsupported, no article); per-record failures of a
multi-record input (a bad JSONL line) are yielded as ``MalformedRecord`` values so
the other records still go through.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from retrieval.errors import EmptyInput, InputError, InputTooLarge, UnsupportedInput
from retrieval.ingest.extract.charset import (
    charset_from_content_type,
    decode_bytes,
    gunzip_capped,
    html_meta_charset,
)
from retrieval.ingest.extract.detect import (
    detect_kind,
    inner_name,
    is_gzip,
    kind_from_content_type,
    kind_from_name,
    refuse_known_binary,
)
from retrieval.ingest.extract.jsonl import extract_jsonl
from retrieval.ingest.extract.jsonl_file import extract_jsonl_file, streams_as_jsonl
from retrieval.ingest.extract.model import (
    ExtractedArticle,
    ExtractOptions,
    InputKind,
    article_to_json,
)
from retrieval.ingest.extract.plaintext import extract_text

__all__ = [
    "ExtractOptions",
    "ExtractedArticle",
    "article_to_json",
    "extract_bytes",
    "extract_path",
]


def extract_bytes(
    data: bytes,
    *,
    name: str,
    options: ExtractOptions = ExtractOptions(),  # noqa: B008 - frozen, shared safely
    url: str | None = None,
    content_type: str | None = None,
) -> Iterator[ExtractedArticle | InputError]:
    """Articles in ``data``; raises for whole-input failures before returning."""
    _check_size(len(data), options.max_input_bytes, name)
    if not data.strip():
        raise EmptyInput(f"{name} is empty", input_name=name)
    if is_gzip(name, data):
        data = gunzip_capped(data, limit=options.max_input_bytes, input_name=name)
        name = inner_name(name)
        if not data.strip():
            raise EmptyInput(f"{name} is empty once decompressed", input_name=name)
        if data[:2] == b"\x1f\x8b":
            raise UnsupportedInput(f"{name} is compressed twice", input_name=name)
    refuse_known_binary(name, data)
    declared_kind: InputKind | None = (
        options.kind if options.kind != "auto" else kind_from_name(name)
    ) or kind_from_content_type(content_type)
    # Both declarations are kept, header first: each is checked against the bytes.
    meta = html_meta_charset(data) if declared_kind in (None, "html") else None
    declared = (charset_from_content_type(content_type), meta)
    text = decode_bytes(data, declared=declared, input_name=name)
    if not text.strip():
        raise EmptyInput(f"{name} holds only whitespace", input_name=name)
    kind = declared_kind or detect_kind(name, text, content_type)
    if kind == "jsonl":
        return extract_jsonl(text, name=name)
    if kind == "html":
        # trafilatura and lxml load with the first page: answering questions and
        # reading JSON Lines or text never needs them.
        from retrieval.ingest.extract.html import extract_html  # noqa: PLC0415

        return iter([extract_html(text, name=name, url=url)])
    return iter([extract_text(text, name=name, url=url)])


def extract_path(
    path: Path,
    options: ExtractOptions = ExtractOptions(),  # noqa: B008 - frozen, shared safely
) -> Iterator[ExtractedArticle | InputError]:
    """Articles in the file at ``path``; its size is checked before it is read (a JSONL
    file is read a record at a time, and the size of each record is checked)."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnsupportedInput(f"cannot read {name}: {exc.strerror}", input_name=name) from None
    if not path.is_file():
        raise UnsupportedInput(f"{name} is not a regular file", input_name=name)
    if streams_as_jsonl(path, size, options):  # the cap applies to each record
        return extract_jsonl_file(path, options)
    _check_size(size, options.max_input_bytes, name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnsupportedInput(f"cannot read {name}: {exc.strerror}", input_name=name) from None
    return extract_bytes(data, name=name, options=options)


def _check_size(size: int, limit: int, name: str) -> None:
    if size > limit:
        raise InputTooLarge(
            f"{name} is {size} bytes, over the {limit}-byte limit", input_name=name, limit=limit
        )
