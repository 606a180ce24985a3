"""A Scrapy scheduler whose queue and seen-set are the crawl's frontier table.

Page requests are not kept in memory: the scheduler records their URL and depth in the
frontier and, when its small in-memory queue runs low, loads the next pending URLs from the
database and rebuilds their requests with the spider's :meth:`page_request`. So a crawl killed
at any moment resumes from the database, and memory does not grow with the size of the site.

Requests that are not pages of the frontier go straight to the in-memory queue: sitemaps and
feeds (``meta["frontier"] = False``, deduplicated in memory: there are few), retries (same URL,
same frontier row) and redirects (the target is recorded at once; a target the crawl already
knows ends there, which also ends redirect loops).

Backpressure: while more pages wait for a worker process than ``YULIAO_MAX_BACKLOG``, no new
request is handed to the downloader.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import BaseScheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.pqueues import DownloaderAwarePriorityQueue
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.asyncio import create_looping_call

from crawler.context import CrawlContext
from crawler.urls import UnusableUrl, canonicalize

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

_REFILL = 500  # pending URLs loaded at a time, when fewer than half that are queued


class FrontierScheduler(BaseScheduler):
    """The database-backed scheduler; set ``SCHEDULER = "crawler.scheduler.FrontierScheduler"``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.context = CrawlContext.of(crawler)
        self.max_backlog = crawler.settings.getint("YULIAO_MAX_BACKLOG", 0)
        self.queue = DownloaderAwarePriorityQueue.from_crawler(crawler, FifoMemoryQueue, key="")
        self.dupefilter = RFPDupeFilter.from_crawler(crawler)
        self._ticker = create_looping_call(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.frontier = self.context.frontier
        seeds = list(getattr(spider, "seeds", []))
        if self.frontier.start(seeds, _settings_record(self.crawler)):
            logger.info(
                "resuming crawl %r: %d URLs to fetch", self.context.name, self.frontier.backlog
            )
        self._ticker.start(0.25, now=False)

    def close(self, reason: str) -> None:
        if self._ticker.running:
            self._ticker.stop()
        self.frontier.flush_now()

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0 or self.frontier.has_more()

    def enqueue_request(self, request: Request) -> bool:
        stats = self._stats()
        if request.meta.get("frontier") is False:
            if not request.dont_filter and self.dupefilter.request_seen(request):
                return False
            self.queue.push(request)
        elif "frontier_url" in request.meta:
            if not self._follow(request):
                return False
            self.queue.push(request)
        elif not self._discover(request.url, int(request.meta.get("depth", 0))):
            stats.inc_value("dupefilter/filtered")
            return False
        stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        if self.max_backlog and self.context.pool.waiting >= self.max_backlog:
            return None  # the workers are behind: let them catch up before fetching more
        if len(self.queue) < _REFILL // 2:
            self._refill(settle=not self.queue)
        request = self.queue.pop()
        if request is not None:
            self._stats().inc_value("scheduler/dequeued")
        return request

    def __len__(self) -> int:
        """Requests waiting: in memory and, as far as known, in the database."""
        return len(self.queue) + self.frontier.backlog

    def _refill(self, *, settle: bool) -> None:
        build = self.spider.page_request  # type: ignore[attr-defined]
        for row in self.frontier.load(_REFILL, settle=settle):
            self.queue.push(build(row.url, row.depth))

    def _follow(self, request: Request) -> bool:
        """Whether a retry or a redirect of a frontier page should be fetched.

        A redirect is followed under the page's own frontier row (the URL fetched last is
        recorded with the page's fate), unless its target is already known to the crawl.
        """
        source = request.meta["frontier_url"]
        hop = request.meta.get("frontier_hop", source)
        try:
            target = canonicalize(request.url)
        except UnusableUrl as exc:
            self.frontier.record(source, "dropped", f"redirect_{exc.reason}", final=hop)
            return False
        if target == hop:
            return True  # a retry, or a redirect to the same page
        if target in _canonical(request.meta.get("redirect_urls", ())):
            self.frontier.record(source, "failed", "redirect_loop", final=hop)
            return False
        if not self._claim(target):
            self.frontier.record(source, "dropped", "redirect_to_known_url", final=hop)
            return False
        request.meta["frontier_hop"] = target
        return True

    def _discover(self, url: str, depth: int) -> bool:
        """Queue a found page (``url`` canonical) unless the crawl knows it; ``False`` if known."""
        return self.frontier.discover(url, depth)

    def _claim(self, url: str) -> bool:
        """Note ``url`` (canonical) as met, a redirect target; ``False`` if the crawl knew it."""
        if self.frontier.known(url):
            return False
        self.frontier.remember(url)
        return True

    def _tick(self) -> None:
        self.frontier.tick()

    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats


def _canonical(urls: Iterable[str]) -> set[str]:
    found = set()
    for url in urls:
        with contextlib.suppress(UnusableUrl):
            found.add(canonicalize(url))
    return found


def _settings_record(crawler: Crawler) -> dict[str, object]:
    """The settings worth recording with the crawl (JSON values)."""
    names = ("DEPTH_LIMIT", "CLOSESPIDER_PAGECOUNT", "CONCURRENT_REQUESTS_PER_DOMAIN")
    record: dict[str, object] = {name.lower(): crawler.settings.get(name) for name in names}
    record["spider"] = crawler.spidercls.name
    return record
