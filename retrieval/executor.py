"""The engine's one executor: threads for blocking calls, and processes that answer.

``NewsService`` owns one ``EngineExecutor``. Its threads run the blocking engine calls
of long-running processes (the bot's commands, the feed poller, the digest scheduler,
``newsbot worker``'s jobs), so nothing else in the code keeps a pool of its own.

Answers are CPU bound, and Python runs one thread at a time, so threads answer on one
core however many there are. The executor can also start answering processes: each
opens the same database and the same memory-mapped index snapshot (the postings are
shared through the page cache) through an ``opener`` it is given, and answers a
service method by name. Every call carries the caller's change-log position, and a
process first applies the change log up to at least that position, so it never
answers from an index older than the caller's: an article the bot has ingested (or
caught up with) is searchable in every process (``NewsService.refresh_to``).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import Queue
from typing import Any, ParamSpec, Protocol, TypeVar

from retrieval.errors import EngineUnavailable

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Thread names, as seen in logs and thread dumps.
THREAD_PREFIX = "newsbot-engine"
# Seconds to wait for starting processes to open the database and the snapshot before
# giving up: opening from a fresh snapshot takes about a second, and rebuilding a
# missing one from a large database takes minutes.
START_TIMEOUT_SECONDS = 600.0


class Answerer(Protocol):
    """What an answering process needs of the service it opens."""

    def refresh_to(self, position: int) -> int: ...


# The service of this answering process (set by ``_open_in_process``; None elsewhere).
_process_service: Answerer | None = None


def _open_in_process(opener: Callable[[], Answerer], ready: Queue[int]) -> None:
    """Runs first in each answering process: open the service it answers from, then
    report the process id on ``ready``."""
    global _process_service  # noqa: PLW0603 - one service per answering process
    # Ctrl-C reaches the whole process group; the parent stops these processes itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _process_service = opener()
    ready.put(os.getpid())


def _nothing() -> None:
    """A call that makes the pool start a process (it starts them on demand)."""


def _call_in_process(method: str, position: int, args: tuple[Any, ...], kwargs: Any) -> Any:
    """Catch up to ``position``, then return ``service.method(*args, **kwargs)``."""
    service = _process_service
    if service is None:
        raise EngineUnavailable("this answering process has no engine", part="answers")
    service.refresh_to(position)
    return getattr(service, method)(*args, **kwargs)


class EngineExecutor:
    """A pool of ``threads`` threads, plus answering processes once started."""

    def __init__(self, threads: int) -> None:
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix=THREAD_PREFIX)
        self._processes: ProcessPoolExecutor | None = None
        self._count = 0
        self._opener: Callable[[], Answerer] | None = None
        # Where starting processes report their ids once open (made with each pool).
        self._ready: Queue[int] | None = None

    # -------------------------------------------------------------------- threads
    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` in one of the threads."""
        return self._threads.submit(fn, *args, **kwargs)

    # ------------------------------------------------------------------ processes
    @property
    def processes(self) -> int:
        """How many answering processes run (0: none started)."""
        return self._count if self._processes is not None else 0

    def start_processes(self, count: int, opener: Callable[[], Answerer]) -> list[int]:
        """Start ``count`` answering processes, each running ``opener()`` (a picklable
        callable, such as a ``functools.partial`` of a class method) to open its
        service; returns their process ids once every one is ready."""
        self.stop_processes()
        self._count, self._opener = count, opener
        self._processes = self._new_pool()
        # A pool starts a process for each call that finds none idle, so ``count`` calls
        # at once start them all; each process reports on ``_ready`` once it is open.
        started = [self._processes.submit(_nothing) for _ in range(count)]
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            for future in started:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            ready = self._ready
            assert ready is not None
            pids = [ready.get(timeout=max(0.0, deadline - time.monotonic())) for _ in range(count)]
        except (BrokenProcessPool, TimeoutError, queue.Empty) as exc:
            self.stop_processes()
            raise EngineUnavailable(
                f"the answering processes did not start ({exc or type(exc).__name__})",
                part="answers",
            ) from exc
        return sorted(pids)

    def _new_pool(self) -> ProcessPoolExecutor:
        assert self._opener is not None
        # A new interpreter per process: forking a process that runs threads (the bot's
        # event loop, database pools) can copy a lock in a held state.
        context = multiprocessing.get_context("spawn")
        self._ready = context.Queue()
        return ProcessPoolExecutor(
            self._count,
            mp_context=context,
            initializer=_open_in_process,
            initargs=(self._opener, self._ready),
        )

    def submit_to_process(
        self, method: str, position: int, /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        """``service.method(*args, **kwargs)`` in an answering process, once its index has
        applied the change log up to ``position``. A process that died (killed, out of
        memory) fails its calls with ``EngineUnavailable``; the next call starts new ones.
        """
        if self._processes is None:
            raise EngineUnavailable("no answering processes are running", part="answers")
        try:
            inner = self._processes.submit(_call_in_process, method, position, args, kwargs)
        except BrokenProcessPool:
            log.warning("an answering process stopped; starting new ones")
            self._processes.shutdown(wait=False, cancel_futures=True)
            self._processes = self._new_pool()
            inner = self._processes.submit(_call_in_process, method, position, args, kwargs)
        outer: Future[Any] = Future()
        inner.add_done_callback(functools.partial(_settle, outer))
        # A caller that gives up (a cancelled command) frees its place in the queue.
        outer.add_done_callback(lambda done: inner.cancel() if done.cancelled() else None)
        return outer

    def stop_processes(self) -> None:
        """Stop the answering processes (calls in flight are cancelled)."""
        processes, self._processes = self._processes, None
        if processes is not None:
            processes.shutdown(wait=True, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the processes and the threads (queued thread calls are cancelled)."""
        self.stop_processes()
        self._threads.shutdown(wait=False, cancel_futures=True)


def _settle(outer: Future[Any], inner: Future[Any]) -> None:
    """Copy ``inner``'s outcome to ``outer``; a dead process becomes EngineUnavailable."""
    if outer.done():
        return  # the caller cancelled it
    if inner.cancelled():
        outer.cancel()
        return
    error = inner.exception()
    if isinstance(error, BrokenProcessPool):
        outer.set_exception(
            EngineUnavailable(
                "the process answering this question stopped; ask again", part="answers"
            )
        )
    elif error is not None:
        outer.set_exception(error)
    else:
        outer.set_result(inner.result())
