"""Bulk ingest: prepare in a process pool, store in batches, index what was stored.

Worker processes read, extract, normalise, split, fingerprint and tokenize; the main
process stores batches of ``batch_size`` articles, one transaction each, then adds the
batch's passages to the index with the tokens the workers computed. Outcomes come out
in input order, each input's after the batch holding its last article is committed,
and ``progress`` is called once per input at that point.

A JSONL file is streamed: the main process reads its lines and sends them to the
workers in chunks (``bulk.lines``), the size cap applies to each record, and ``read``
is told how many bytes of the file each released chunk covered. Sources are taken
from the iterable as they are needed, so a directory walk is never listed whole.
Memory is bounded by the chunks in flight and one batch, whatever the input size.

A batch is atomic: it commits whole or not at all. If it fails (a constraint, or a
clash with another process storing the same article), it is rolled back and its
articles are stored one transaction each through ``ingest.store``, so one bad article
costs the others nothing and none is ever half stored. A database outage is not an
article's fault: it ends the ingest with ``StorageUnavailable``, as on the single path.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.ingest.bulk import prepare as prepare_module
from retrieval.ingest.bulk.apply import index_batch, store_alone
from retrieval.ingest.bulk.lines import LineChunk, line_chunks
from retrieval.ingest.bulk.prepare import (
    SPLIT_CHUNK,
    Context,
    Item,
    Labelled,
    Ready,
    Split,
    init_worker,
    prepare_chunk,
    prepare_group,
    prepare_input,
    prepare_lines,
)
from retrieval.ingest.extract import ExtractedArticle, ExtractOptions
from retrieval.ingest.extract.jsonl_file import streams_as_jsonl
from retrieval.ingest.stages import IngestOutcome
from retrieval.results import Scope

if TYPE_CHECKING:
    from retrieval.service import NewsService

# Articles stored per transaction: the first batch holds BATCH_START, and each next
# one twice as many up to BATCH_SIZE, so the first outcomes (and a crash's loss) stay
# small while a long ingest runs at full batch size.
BATCH_SIZE = 500
BATCH_START = 32
# Entries (failed records' outcomes, progress marks) held at most before they are
# released, however few articles are among them: a file of mostly bad records must not
# pile its outcomes up in memory until the next full batch.
MAX_QUEUED = 4 * BATCH_SIZE
# Tasks in flight per worker: enough to keep workers busy while the main process
# stores, few enough that outcomes are not held back long.
INPUTS_PER_WORKER = 4
# Small files go to a worker in groups of up to GROUP_INPUTS files and GROUP_BYTES
# bytes: one task per file (a clean article takes about a millisecond to prepare)
# costs the main process, which also stores, more in task handling than it saves.
GROUP_INPUTS = 16
GROUP_BYTES = 256_000
# Below this many inputs and bytes a pool costs more to start than it saves.
PARALLEL_MIN_INPUTS = 8
PARALLEL_MIN_BYTES = 1_000_000

# An input: a file, or an already extracted article with the label for its outcome.
Source = Path | tuple[str, ExtractedArticle]
Progress = Callable[[], None]
Read = Callable[[int], None]


@dataclass(frozen=True)
class _Advance:
    """Marks, in the stream of items, bytes of input read and the end of an input."""

    read: int
    done: bool


# A task for the preparers: a group of small inputs, or a chunk of a JSONL file.
_Task = list["Source"] | LineChunk


def ingest_many(
    service: NewsService,
    sources: Iterable[Source],
    scope: Scope,
    *,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: Progress | None = None,
    read: Read | None = None,
) -> Iterator[IngestOutcome]:
    """Ingest many inputs; one outcome per article or failed input, in input order.

    ``workers``: preparing processes; None picks the CPU count when the inputs are many
    or large (a known-length sequence), else 0 (prepare in this process).
    ``progress`` is called when an input is done, ``read`` with the bytes of input
    files (as on disk) whose outcomes have just been released.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if workers is None:
        sources = _known_length(sources)
        workers = _default_workers(sources)
    context = Context(
        service.tokenizer,
        ExtractOptions(max_input_bytes=service.settings.ingest.max_input_bytes),
        service.settings.ingest,
    )
    batcher = _Batcher(service, scope, batch_size, progress, read)
    with _Preparer(context, workers) as preparer:
        for entry in preparer.stream(sources):
            yield from batcher.push(entry)
    yield from batcher.flush()


def _known_length(sources: Iterable[Source]) -> Iterable[Source]:
    """The sources as a list when they are few (so their sizes can be judged), else an
    iterator over them all, taken as needed."""
    if isinstance(sources, Sequence):
        return sources
    stream = iter(sources)
    head = list(itertools.islice(stream, PARALLEL_MIN_INPUTS))
    return head if len(head) < PARALLEL_MIN_INPUTS else itertools.chain(head, stream)


def _default_workers(sources: Iterable[Source]) -> int:
    if not isinstance(sources, Sequence):
        return os.cpu_count() or 1
    paths = [s for s in sources if isinstance(s, Path)]
    big = len(sources) >= PARALLEL_MIN_INPUTS or sum(_size(p) for p in paths) >= PARALLEL_MIN_BYTES
    return (os.cpu_count() or 1) if big else 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class _Batcher:
    """Collects items in input order; stores and releases them a batch at a time."""

    def __init__(
        self,
        service: NewsService,
        scope: Scope,
        batch_size: int,
        progress: Progress | None,
        read: Read | None,
    ) -> None:
        self._service = service
        self._scope = scope
        self._batch_size = batch_size
        self._target = min(BATCH_START, batch_size)
        self._progress = progress
        self._read = read
        self._queue: list[Item | _Advance] = []
        self._ready = 0

    def push(self, entry: Item | _Advance) -> Iterator[IngestOutcome]:
        self._queue.append(entry)
        if isinstance(entry, Ready):
            self._ready += 1
            if self._ready >= self._target:
                self._target = min(2 * self._target, self._batch_size)
                yield from self.flush()
        elif len(self._queue) >= MAX_QUEUED:
            yield from self.flush()

    def flush(self) -> Iterator[IngestOutcome]:
        """Store the queued articles and release every queued outcome, in order."""
        queue, self._queue, self._ready = self._queue, [], 0
        ready = [e for e in queue if isinstance(e, Ready)]
        stored = iter(self._store(ready) if ready else [])
        for entry in queue:
            if isinstance(entry, _Advance):
                if self._read is not None and entry.read:
                    self._read(entry.read)
                if self._progress is not None and entry.done:
                    self._progress()
            elif isinstance(entry, Ready):
                yield next(stored)
            else:
                yield entry

    def _store(self, ready: list[Ready]) -> list[IngestOutcome]:
        outcomes = index_batch(self._service, ready, self._scope)
        if outcomes is not None:
            return outcomes
        return [store_alone(self._service, item, self._scope) for item in ready]


class _Preparer:
    """Items of every input, in input order, prepared in a pool or in this process."""

    def __init__(self, context: Context, workers: int) -> None:
        self._context = context
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Preparer:
        if self._workers > 0:
            methods = multiprocessing.get_all_start_methods()
            start = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(start)
            if start == "forkserver":
                # The fork server imports the preparing code once and each worker is
                # forked from it ready to run (and sharing those pages), instead of
                # every worker importing extraction, trafilatura and lxml itself.
                # No effect when this process's fork server is already running.
                context.set_forkserver_preload([prepare_module.__name__])
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=context,
                initializer=init_worker,
                initargs=(self._context,),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stream(self, sources: Iterable[Source]) -> Iterator[Item | _Advance]:
        if self._pool is None:
            for task in _tasks(sources, self._context.options):
                yield from self._local(task)
            return
        window: deque[tuple[_Task, Future[Any]]] = deque()
        for task in _tasks(sources, self._context.options):
            window.append((task, self._submit(task)))
            if len(window) >= self._workers * INPUTS_PER_WORKER:
                yield from self._drain(*window.popleft())
        while window:
            yield from self._drain(*window.popleft())

    def _submit(self, task: _Task) -> Future[Any]:
        assert self._pool is not None
        if isinstance(task, LineChunk):
            return self._pool.submit(prepare_lines, task.name, task.entries)
        return self._pool.submit(prepare_group, [_unit(s) for s in task])

    def _drain(self, task: _Task, future: Future[Any]) -> Iterator[Item | _Advance]:
        if isinstance(task, LineChunk):
            yield from future.result()
            yield _Advance(task.read, task.last)
            return
        results: list[list[Item] | Split] = future.result()
        for source, result in zip(task, results, strict=True):
            if isinstance(result, Split) and self._pool is not None:
                entries = result.entries
                chunks = [
                    self._pool.submit(prepare_chunk, entries[i : i + SPLIT_CHUNK])
                    for i in range(0, len(entries), SPLIT_CHUNK)
                ]
                for chunk in chunks:
                    yield from chunk.result()
            elif isinstance(result, list):
                yield from result
            yield _Advance(_weight(source), done=True)

    def _local(self, task: _Task) -> Iterator[Item | _Advance]:
        if isinstance(task, LineChunk):
            yield from prepare_lines(task.name, task.entries, self._context)
            yield _Advance(task.read, task.last)
            return
        for source in task:
            result = prepare_input(_unit(source), self._context)
            if isinstance(result, Split):
                yield from prepare_chunk(result.entries, self._context)
            else:
                yield from result
            yield _Advance(_weight(source), done=True)


def _tasks(sources: Iterable[Source], options: ExtractOptions) -> Iterator[_Task]:
    """Groups of small inputs, and JSONL files (read here) in chunks of lines."""
    pending: list[Source] = []

    def held() -> Iterator[Source]:
        yield from pending
        pending.clear()

    for source in sources:
        size = _streamed_size(source, options) if isinstance(source, Path) else None
        if isinstance(source, Path) and size is not None:
            yield from _groups(held())
            yield from line_chunks(source, options, size)
        else:
            pending.append(source)
            if len(pending) >= GROUP_INPUTS:
                yield from _groups(held())
    yield from _groups(held())


def _streamed_size(source: Path, options: ExtractOptions) -> int | None:
    """The size of a regular file read as JSONL lines here; None for other inputs.

    A JSONL file of at most GROUP_BYTES joins a group like any small file: a task per
    file of a few records would cost more than it spreads, and the worker's
    ``extract_path`` reads it record by record, with the same cap per record.
    """
    try:
        status = source.stat()
    except OSError:
        return None  # the worker reports it, as for any input
    if not stat.S_ISREG(status.st_mode):
        return None
    if status.st_size <= GROUP_BYTES or not streams_as_jsonl(source, status.st_size, options):
        return None
    return status.st_size


def _weight(source: Source) -> int:
    return _size(source) if isinstance(source, Path) else 0


def _groups(sources: Iterable[Source]) -> Iterator[list[Source]]:
    """Consecutive sources in groups of small ones; a large file travels alone."""
    group: list[Source] = []
    size = 0
    for source in sources:
        weight = _weight(source)
        if group and (len(group) >= GROUP_INPUTS or size + weight > GROUP_BYTES):
            yield group
            group, size = [], 0
        group.append(source)
        size += weight
    if group:
        yield group


def _unit(source: Source) -> Path | Labelled:
    return source if isinstance(source, Path) else Labelled(*source)
