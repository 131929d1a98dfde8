"""Bulk ingest: prepare in a process pool, store in batches, index what was stored.

Worker processes read, extract, normalise, split, fingerprint and tokenize; the main
process stores batches of ``batch_size`` articles, one transaction each, then adds the
batch's passages to the index with the tokens the workers computed. Outcomes come out
in input order, each input's after the batch holding its last article is committed,
and ``progress`` is called once per input at that point.

A batch is atomic: it commits whole or not at all. If it fails (a constraint, or a
clash with another process storing the same article), it is rolled back and its
articles are stored one transaction each through ``ingest.store``, so one bad article
costs the others nothing and none is ever half stored. A database outage is not an
article's fault: it ends the ingest with ``StorageUnavailable``, as on the single path.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.bulk.apply import index_batch, store_alone
from retrieval.bulk.prepare import (
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
)
from retrieval.extract import ExtractedArticle, ExtractOptions
from retrieval.ingest import IngestOutcome
from retrieval.results import Scope

if TYPE_CHECKING:
    from retrieval.service import NewsService

# Articles stored per transaction: the first batch holds BATCH_START, and each next
# one twice as many up to BATCH_SIZE, so the first outcomes (and a crash's loss) stay
# small while a long ingest runs at full batch size.
BATCH_SIZE = 500
BATCH_START = 32
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


@dataclass(frozen=True)
class _InputDone:
    """Marks the end of one input's items in the stream (for progress)."""


_DONE = _InputDone()


def ingest_many(
    service: NewsService,
    sources: Iterable[Source],
    scope: Scope,
    *,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Iterator[IngestOutcome]:
    """Ingest many inputs; one outcome per article or failed input, in input order.

    ``workers``: preparing processes; None picks the CPU count when the inputs are many
    or large (a known-length sequence), else 0 (prepare in this process).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if workers is None:
        workers = _default_workers(sources)
    context = Context(
        service.tokenizer,
        ExtractOptions(max_input_bytes=service.settings.ingest.max_input_bytes),
        service.settings.ingest,
    )
    batcher = _Batcher(service, scope, batch_size, progress)
    with _Preparer(context, workers) as preparer:
        for entry in preparer.stream(sources):
            yield from batcher.push(entry)
    yield from batcher.flush()


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
        self, service: NewsService, scope: Scope, batch_size: int, progress: Progress | None
    ) -> None:
        self._service = service
        self._scope = scope
        self._batch_size = batch_size
        self._target = min(BATCH_START, batch_size)
        self._progress = progress
        self._queue: list[Item | _InputDone] = []
        self._ready = 0

    def push(self, entry: Item | _InputDone) -> Iterator[IngestOutcome]:
        self._queue.append(entry)
        if isinstance(entry, Ready):
            self._ready += 1
            if self._ready >= self._target:
                self._target = min(2 * self._target, self._batch_size)
                yield from self.flush()

    def flush(self) -> Iterator[IngestOutcome]:
        """Store the queued articles and release every queued outcome, in order."""
        queue, self._queue, self._ready = self._queue, [], 0
        ready = [e for e in queue if isinstance(e, Ready)]
        stored = iter(self._store(ready) if ready else [])
        for entry in queue:
            if isinstance(entry, _InputDone):
                if self._progress is not None:
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
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context(start),
                initializer=init_worker,
                initargs=(self._context,),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stream(self, sources: Iterable[Source]) -> Iterator[Item | _InputDone]:
        if self._pool is None:
            for source in sources:
                yield from self._local(source)
                yield _DONE
            return
        window: deque[Future[Any]] = deque()
        for group in _groups(sources):
            window.append(self._pool.submit(prepare_group, [_unit(s) for s in group]))
            if len(window) >= self._workers * INPUTS_PER_WORKER:
                yield from self._drain(window.popleft())
        while window:
            yield from self._drain(window.popleft())

    def _drain(self, future: Future[Any]) -> Iterator[Item | _InputDone]:
        results: list[list[Item] | Split] = future.result()
        for result in results:
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
            yield _DONE

    def _local(self, source: Source) -> list[Item]:
        result = prepare_input(_unit(source), self._context)
        if isinstance(result, Split):
            return prepare_chunk(result.entries, self._context)
        return result


def _groups(sources: Iterable[Source]) -> Iterator[list[Source]]:
    """Consecutive sources in groups of small ones; a large file travels alone."""
    group: list[Source] = []
    size = 0
    for source in sources:
        weight = _size(source) if isinstance(source, Path) else 0
        if group and (len(group) >= GROUP_INPUTS or size + weight > GROUP_BYTES):
            yield group
            group, size = [], 0
        group.append(source)
        size += weight
    if group:
        yield group


def _unit(source: Source) -> Path | Labelled:
    return source if isinstance(source, Path) else Labelled(*source)
