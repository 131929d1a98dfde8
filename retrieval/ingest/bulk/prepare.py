"""The CPU-bound half of bulk ingest, run in worker processes: extract, prepare, tokenize.

Everything here is pure (no database), so it runs in a process pool while the main
process stores earlier batches. Each prepared article carries its passages' index
tokens, computed exactly as indexing computes them (``ranking_text`` of title and
passage), so the main process adds them to the index without tokenizing again.
Failures become ``IngestOutcome`` values here: exceptions do not cross processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.config import IngestSettings
from retrieval.errors import InputError, MalformedRecord, NewsbotError
from retrieval.index.tokenizer import Tokenizer
from retrieval.ingest.dedupe import band_buckets
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions, extract_path
from retrieval.ingest.extract.jsonl_file import RawLine, parse_line
from retrieval.ingest.stages import IngestOutcome, PreparedArticle, prepare

# An input with more records than this (a JSONL file) is prepared in chunks of
# SPLIT_CHUNK records spread over the workers, instead of by the worker that read it.
SPLIT_RECORDS = 64
SPLIT_CHUNK = 128


@dataclass(frozen=True)
class Ready:
    """A prepared article, the label of its outcome, its MinHash band buckets and each
    passage's index tokens: everything the main process needs, computed here."""

    label: str
    prepared: PreparedArticle
    bands: tuple[tuple[int, int], ...]
    tokens: tuple[list[str], ...]


# What preparing yields per record, in input order.
Item = Ready | IngestOutcome


@dataclass(frozen=True)
class Labelled:
    """A record of a many-record input, labelled, waiting to be prepared."""

    label: str
    article: ExtractedArticle


@dataclass(frozen=True)
class RawRecord:
    """A line of a JSONL file read in the main process, labelled, not yet parsed."""

    label: str
    line: RawLine


@dataclass(frozen=True)
class Split:
    """A many-record input, extracted but not prepared: its records go out in chunks."""

    entries: list[Labelled | IngestOutcome]


@dataclass(frozen=True)
class Context:
    """What a worker needs; sent once per worker process."""

    tokenizer: Tokenizer
    options: ExtractOptions
    settings: IngestSettings


_context: Context | None = None


def init_worker(context: Context) -> None:
    """Pool initializer: keep the context (and the tokenizer's word cache) per process."""
    global _context  # noqa: PLW0603 - one context per worker process
    _context = context


def _current(context: Context | None) -> Context:
    """The given context (in-process use), else the worker process's."""
    if context is not None:
        return context
    if _context is None:
        raise RuntimeError("bulk preparation used before init_worker")
    return _context


def prepare_input(source: Path | Labelled, context: Context | None = None) -> list[Item] | Split:
    """A file's records prepared (or split off for chunked preparation), or one record."""
    context = _current(context)
    if isinstance(source, Labelled):
        return [prepare_one(source, context)]
    name = str(source)
    try:
        records = list(extract_path(source, context.options))
    except InputError as exc:
        return [IngestOutcome(name, "failed", reason=exc.reason)]
    entries = label_records(name, records)
    if len(records) > SPLIT_RECORDS:
        return Split(entries)
    return [prepare_one(e, context) if isinstance(e, Labelled) else e for e in entries]


def prepare_group(
    sources: Sequence[Path | Labelled], context: Context | None = None
) -> list[list[Item] | Split]:
    """``prepare_input`` of each of a group of small inputs, in order (one task for all)."""
    context = _current(context)
    return [prepare_input(source, context) for source in sources]


def prepare_chunk(
    entries: Sequence[Labelled | IngestOutcome], context: Context | None = None
) -> list[Item]:
    """Prepare a chunk of a split input's records."""
    context = _current(context)
    return [prepare_one(e, context) if isinstance(e, Labelled) else e for e in entries]


def prepare_lines(
    name: str, entries: Sequence[RawRecord | IngestOutcome], context: Context | None = None
) -> list[Item]:
    """Parse and prepare a chunk of a JSONL file's lines (read by the main process)."""
    context = _current(context)
    out: list[Item] = []
    for entry in entries:
        if isinstance(entry, IngestOutcome):
            out.append(entry)
            continue
        record = parse_line(entry.line, name)
        if isinstance(record, MalformedRecord):
            out.append(failed_record(name, entry.label, record))
        else:
            out.append(prepare_one(Labelled(entry.label, record), context))
    return out


def record_label(name: str, number: int, many: bool) -> str:
    """The label of a file's ``number``-th record (as ``NewsService`` labels them)."""
    return f"{name}:{number}" if many else name


def failed_record(name: str, label: str, error: InputError) -> IngestOutcome:
    """The outcome of a bad record: labelled by its line when it has one."""
    line = getattr(error, "line", None)
    return IngestOutcome(f"{name}:{line}" if line else label, "failed", reason=error.reason)


def label_records(
    name: str, records: Sequence[ExtractedArticle | InputError]
) -> list[Labelled | IngestOutcome]:
    """Each record with the label its outcome gets (as ``NewsService`` labels them)."""
    many = len(records) > 1
    out: list[Labelled | IngestOutcome] = []
    for number, record in enumerate(records, start=1):
        label = record_label(name, number, many)
        if isinstance(record, InputError):
            out.append(failed_record(name, label, record))
        else:
            out.append(Labelled(label, record))
    return out


def prepare_one(entry: Labelled, context: Context) -> Item:
    """Normalise, fingerprint, split and tokenize one article."""
    article = entry.article
    try:
        prepared = prepare(article, context.settings)
    except NewsbotError as exc:
        return IngestOutcome(entry.label, "failed", title=article.title or None, reason=exc.reason)
    tokenize = context.tokenizer.tokenize
    # The terms of ``ranking_text(title, text)`` (the title, a line break, the passage):
    # the title's line adds its own terms before the passage's, since no word and no
    # normalisation crosses a line break (tests/retrieval/index/test_tokenizer.py), so the
    # title is tokenized once per article rather than once per passage.
    title = tokenize(prepared.title)
    tokens = tuple(title + tokenize(p.text) for p in prepared.passages)
    return Ready(entry.label, prepared, tuple(band_buckets(prepared.minhash)), tokens)
