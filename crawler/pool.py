"""One process pool per crawl for the CPU-heavy steps (extraction, segmentation).

The GIL makes threads useless for this work, and running it on the reactor thread would
stall downloads, so the pipelines await it from a ``ProcessPoolExecutor`` instead, with:

- a bounded queue: at most one page per worker is handed to the executor; the others wait
  here, counted in :attr:`WorkerPool.waiting`, which the scheduler reads to stop fetching
  while the workers are behind (backpressure);
- a time limit per page: the worker interrupts a call at the limit itself
  (:func:`crawler.work.call_with_limit`); a call that still does not come back (stuck in
  native code) gets its pool replaced, and the pages that were running or queued beside it
  are submitted again to the new one;
- the limit does not count the workers' start-up (spawn, imports, dictionaries: seconds on
  a busy machine; pages wait for it up to ``startup`` seconds): charged to the first pages,
  it would time them out and replace the pool by one that starts just as slowly;
- fresh workers every ``max_calls`` calls, so that what libraries cache or leak in a worker
  stays bounded however long the crawl (the old pool finishes its calls, then exits;
  ``max_tasks_per_child`` is not used: it deadlocks on Python 3.11-3.13, CPython gh-115634).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from crawler.work import PageTimeout, call_with_limit, warm_up

T = TypeVar("T")

logger = logging.getLogger(__name__)


class WorkerPool:
    """Worker processes shared by the pipelines of one crawl."""

    def __init__(
        self,
        workers: int,
        *,
        limit: float,
        grace: float = 5.0,
        startup: float = 60.0,
        max_calls: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError(f"YULIAO_WORKERS must be positive, got {workers}")
        if limit <= 0:
            raise ValueError(f"YULIAO_PAGE_TIMEOUT must be positive, got {limit}")
        self.workers = workers
        self.limit = limit
        self.grace = grace  # past the limit, how long a worker may take to interrupt itself
        self.startup = startup  # how long pages wait for new workers before their clock runs
        self.longest = 0.0  # seconds, the longest call so far (timed in the worker)
        self.max_calls = max_calls
        self._calls = 0
        self.waiting = 0  # pages waiting for a free worker
        self.pids: set[int] = set()
        self._free = asyncio.Semaphore(workers)
        self._executor = _executor(workers)
        self._starting: list[Future[int]] = []  # one start-up call per worker of the executor

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in a worker process without blocking the reactor.

        Raises:
            PageTimeout: the call took longer than the per-page limit.
        """
        self.waiting += 1
        try:
            await self._free.acquire()
        finally:
            self.waiting -= 1
        try:
            return await self._call(func, args)
        finally:
            self._free.release()

    def start(self) -> None:
        """Start the workers now, so their warm-up overlaps the crawl's start (idempotent)."""
        if self._starting:
            return
        self._starting = [self._executor.submit(os.getpid) for _ in range(self.workers)]
        for future in self._starting:
            future.add_done_callback(self._started)

    def _started(self, future: Future[int]) -> None:
        if not future.cancelled() and future.exception() is None:
            self.pids.add(future.result())

    def shutdown(self) -> None:
        """Stop the workers; a page still running after a moment is abandoned."""
        _stop(self._executor, grace=1.0)

    async def _call(self, func: Callable[..., T], args: tuple[Any, ...]) -> T:
        self._calls += 1
        if self.max_calls and self._calls > self.max_calls:
            self._renew()
        job = partial(call_with_limit, self.limit, func, *args)
        for attempt in range(2):
            executor = await self._started_executor()
            try:
                pid, seconds, result = await self._attempt(executor, job)
            except BrokenProcessPool:
                self._replace(executor, "a worker process died")
                if attempt:
                    raise
                continue
            self.pids.add(pid)
            self.longest = max(self.longest, seconds)
            return result
        raise AssertionError("unreachable")

    async def _attempt(
        self, executor: ProcessPoolExecutor, job: Callable[[], tuple[int, float, T]]
    ) -> tuple[int, float, T]:
        """One try of a call in ``executor``.

        Raises:
            PageTimeout: the call did not come back in time; its pool is replaced.
            BrokenProcessPool: a worker died, or the call was cancelled in the queue of a pool
                replaced meanwhile: it is to be submitted again, not to end as a cancelled
                page, which Scrapy would neither drop nor count as an error (left unrecorded).
        """
        call = asyncio.wrap_future(executor.submit(job))
        try:
            done, _ = await asyncio.wait([call], timeout=self.limit + self.grace)
        finally:
            call.cancel()  # a no-op once it is done; else nothing waits for it any more
        if not done:
            self._replace(executor, f"a page ran past {self.limit:g} s")
            raise PageTimeout(f"over {self.limit:g} s, worker restarted")
        if call.cancelled():
            raise BrokenProcessPool("the worker processes were restarted")
        return call.result()

    async def _started_executor(self) -> ProcessPoolExecutor:
        """The executor to hand a call to, once its workers have started (or ``startup`` s)."""
        self.start()
        starting = [asyncio.wrap_future(future) for future in self._starting if not future.done()]
        if starting:
            started = asyncio.gather(*starting, return_exceptions=True)
            await asyncio.wait([started], timeout=self.startup)
        return self._executor

    def _renew(self) -> None:
        """Fresh workers for the next calls; the old ones finish theirs, then exit."""
        self._calls = 1
        self._fresh().shutdown(wait=False)
        logger.debug("worker processes renewed after %d calls", self.max_calls)

    def _replace(self, executor: ProcessPoolExecutor, why: str) -> None:
        """Swap in a fresh pool (once per broken one) and kill the old one's processes."""
        if executor is not self._executor:
            return
        logger.warning("%s: restarting the worker processes", why)
        _stop(self._fresh())

    def _fresh(self) -> ProcessPoolExecutor:
        """Put fresh workers in place, starting now; return the executor they replace."""
        old, self._executor, self._starting = self._executor, _executor(self.workers), []
        self.start()
        return old


def _executor(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=warm_up, initargs=(os.getpid(),)
    )


def _stop(executor: ProcessPoolExecutor, *, grace: float = 0.0) -> None:
    """Cancel queued calls; end the worker processes, after ``grace`` seconds if still busy.

    Cancelling first also clears the calls cancelled before: CPython 3.11 fails on those when
    it marks the calls of a broken pool.
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())  # CPython's
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.terminate()
