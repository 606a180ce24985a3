"""What the components of one crawl share: its name, its store, its frontier, its worker pool.

The scheduler, the pipelines and the extensions are built separately by Scrapy; each asks
``CrawlContext.of(crawler)`` and gets the same object. Parts are made on first use, so a crawl
that never stores anything never opens a worker process.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import signals

from crawler.addresses import AddressPolicy
from crawler.frontier import CrawlFrontier
from crawler.guard import allow_list, installed_resolver
from crawler.hosts import HostPolicy
from crawler.pool import WorkerPool
from crawler.store import CrawlStore
from storage import StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_CONTEXTS: WeakKeyDictionary[Crawler, CrawlContext] = WeakKeyDictionary()


class CrawlContext:
    """The shared state of one crawl; closed when its spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlContext:
        context = _CONTEXTS.get(crawler)
        if context is None:
            context = _CONTEXTS[crawler] = cls(crawler)
        return context

    @cached_property
    def name(self) -> str:
        """``YULIAO_CRAWL_NAME``, else the first start URL's host and port, else the spider's."""
        named = self.crawler.settings.get("YULIAO_CRAWL_NAME")
        seeds = getattr(self.crawler.spider, "seeds", None)
        if named:
            return str(named)
        if seeds:
            return urlsplit(seeds[0]).netloc
        return self.crawler.spidercls.name

    @cached_property
    def store(self) -> CrawlStore:
        """The corpus, opened when the spider opens; the crawl's end is recorded when it closes."""
        store = CrawlStore(self.crawler.settings.get("YULIAO_DB"), self.name)
        # Connected now, after the extensions: their figures are in the stats by then.
        self.crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        return store

    @cached_property
    def frontier(self) -> CrawlFrontier:
        return CrawlFrontier(self.crawler, self.store)

    @cached_property
    def addresses(self) -> AddressPolicy:
        """The hosts this crawl may reach although they are not public (the resolver's)."""
        resolver = installed_resolver()
        return resolver.policy if resolver else allow_list(self.crawler.settings)

    @cached_property
    def hosts(self) -> HostPolicy:
        return HostPolicy(self.crawler)

    @cached_property
    def pool(self) -> WorkerPool:
        settings = self.crawler.settings
        workers = settings.getint("YULIAO_WORKERS") or os.cpu_count() or 1
        return WorkerPool(
            workers,
            limit=settings.getfloat("YULIAO_PAGE_TIMEOUT", 20.0),
            max_calls=settings.getint("YULIAO_WORKER_MAX_CALLS", 2000),
        )

    def _spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        try:
            self.store.finish(reason, _json_safe(self.crawler.stats.get_stats()))
        except StorageError as exc:
            logger.error("could not record the end of the crawl: %s", exc)

    def stop_workers(self) -> None:
        """End the worker processes, if any were started (idempotent)."""
        if "pool" in self.__dict__:
            self.pool.shutdown()

    def _engine_stopped(self) -> None:
        self.stop_workers()


def _json_safe(stats: dict[str, Any]) -> dict[str, Any]:
    """Crawl stats as JSON values (Scrapy keeps datetimes in them)."""
    return {
        key: value if isinstance(value, (int, float, str)) else str(value)
        for key, value in stats.items()
    }
