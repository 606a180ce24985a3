"""The corpus of one crawl, and the single thread that writes to it.

Every write (document batches, frontier batches, the crawl's start and end) goes through one
thread, in order: the reactor never waits for a database lock, writes never contend with each
other, and a page is marked done only after its document has been committed. Reads of the
frontier run on the calling thread (SQLite WAL readers do not wait for the writer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from crawler.summary import crawl_status
from storage import Corpus, resolve_db_url

T = TypeVar("T")

logger = logging.getLogger(__name__)


class CrawlStore:
    """The corpus, the frontier of crawl ``name`` in it, and the writer thread."""

    def __init__(self, db: str | None, name: str) -> None:
        self.name = name
        self.corpus = Corpus(resolve_db_url(db))
        self.frontier = self.corpus.frontier(name)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="yuliao-db")

    async def write(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` on the writer thread; the reactor goes on meanwhile."""
        return await asyncio.wrap_future(self._thread.submit(func, *args))

    def write_now(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func(*args)`` on the writer thread, after the writes queued before it, and wait."""
        return self._thread.submit(func, *args).result()

    def start(self, seeds: list[str], settings: Mapping[str, Any]) -> bool:
        """Record the crawl as running; ``True`` when it resumes an unfinished run."""
        resumed = self.write_now(self.frontier.prepare_run)
        self.write_now(self.corpus.ensure_crawl, self.name, seeds, dict(settings))
        return resumed

    def finish(self, reason: str, stats: Mapping[str, Any]) -> None:
        """Record how the crawl ended, then close the writer thread and the corpus."""
        status = crawl_status(reason)
        try:
            self.write_now(self.corpus.finish_crawl, self.name, status, stats)
        finally:
            self.close()

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.corpus.close()
