"""One process pool per crawl for the CPU-heavy steps (extraction, segmentation).

The GIL makes threads useless for this work, and running it on the reactor thread would
stall downloads, so the pipelines await it from a ``ProcessPoolExecutor`` instead.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakKeyDictionary

from scrapy import signals

from crawler.work import warm_up

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

T = TypeVar("T")

_POOLS: WeakKeyDictionary[Crawler, WorkerPool] = WeakKeyDictionary()


class WorkerPool:
    """Worker processes shared by the pipelines of one crawl, stopped with its engine."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"YULIAO_WORKERS must be positive, got {workers}")
        # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._executor = ProcessPoolExecutor(workers, mp_context=context, initializer=warm_up)

    @classmethod
    def of(cls, crawler: Crawler) -> WorkerPool:
        """The pool of ``crawler``, created on first use from ``YULIAO_WORKERS``."""
        pool = _POOLS.get(crawler)
        if pool is None:
            workers = crawler.settings.getint("YULIAO_WORKERS") or os.cpu_count() or 1
            pool = _POOLS[crawler] = cls(workers)
            crawler.signals.connect(pool.shutdown, signal=signals.engine_stopped)
        return pool

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` in a worker process without blocking the reactor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(func, *args))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
