"""Pages that were fetched earlier (WARC files, kept raw pages), analyzed as a crawl does.

The crawl's worker functions (:mod:`crawler.work`, called by :mod:`crawler.replay_worker`) run
in the crawl's kind of pool (:mod:`crawler.pool`), one call per page, so a replayed page gets
exactly the tokens and hashes a crawl would give it; pages are dropped for the crawl's
reasons. A user dictionary, if any, is loaded once in each worker process.
"""

from __future__ import annotations

import asyncio
import email.message
import os
from collections.abc import AsyncIterator, Coroutine, Iterable, Mapping
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler import settings
from crawler.items import PageItem
from crawler.pool import WorkerPool
from crawler.replay_worker import ReplayOptions, analyze_page, current_tokenizer
from crawler.work import PageTimeout


def http_charset(headers: Mapping[str, str]) -> str | None:
    """The charset parameter of a response's Content-Type header, if it has one."""
    message = email.message.Message()
    for name, value in headers.items():
        if name.lower() == "content-type":
            message["Content-Type"] = value
    charset = message.get_content_charset()
    return str(charset) if charset else None


class Replayer:
    """A pool of workers that analyze pages, several at a time, results as they finish."""

    def __init__(self, options: ReplayOptions, *, workers: int = 0) -> None:
        self.options = options
        self.pool = WorkerPool(
            workers or os.cpu_count() or 1,
            limit=settings.YULIAO_PAGE_TIMEOUT,
            max_calls=settings.YULIAO_WORKER_MAX_CALLS,
        )
        self.window = 2 * self.pool.workers  # pages handed out at once: no worker waits

    async def tokenizer(self) -> str:
        """The tokenizer version of the workers (raises ``NlpError`` for a bad dictionary)."""
        return await self.pool.run(current_tokenizer, self.options)

    async def analyze(self, items: Iterable[PageItem]) -> AsyncIterator[tuple[PageItem, str]]:
        """Each item, filled in, with ``""``, or with the reason it was dropped."""
        source = iter(items)
        running: set[asyncio.Task[tuple[PageItem, str]]] = set()
        while True:
            while len(running) < self.window and (item := next(source, None)) is not None:
                running.add(asyncio.create_task(self._analyze(item)))
            if not running:
                return
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()

    def run(self, main: Coroutine[Any, Any, None]) -> bool:
        """Run ``main`` to the end, then stop the workers; ``False`` if Ctrl-C stopped it."""
        try:
            asyncio.run(main)
        except KeyboardInterrupt:
            return False
        finally:
            self.pool.shutdown()
        return True

    async def _analyze(self, item: PageItem) -> tuple[PageItem, str]:
        args = (item.body, item.http_charset, item.url, self.options)
        try:
            result = await self.pool.run(analyze_page, *args)
        except PageTimeout:
            return item, "timeout"
        except BrokenProcessPool:
            return item, "worker_crashed"
        if isinstance(result, str):
            return item, result
        item.encoding, item.encoding_source = result.encoding, result.encoding_source
        item.extracted, item.analysis = result.extracted, result.analysis
        return item, ""
