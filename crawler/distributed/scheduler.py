"""The scheduler of a worker in a distributed crawl: pages from Redis, outcomes to the database.

Set ``SCHEDULER = "crawler.distributed.scheduler.RedisScheduler"`` and ``REDIS_URL`` (what
``yuliao crawl --frontier URL`` does). It is the database-backed scheduler with its queue and
seen-set moved to Redis (:mod:`crawler.distributed.shared`): found pages are still recorded in
the frontier table, and a page's lease ends once its outcome is committed there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from redis.exceptions import LockError, RedisError
from scrapy.exceptions import CloseSpider

from crawler.distributed.shared import Beat, LeaseQueue, connect, describe
from crawler.scheduler import FrontierScheduler

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from storage.frontier import FrontierUrl, Outcome

T = TypeVar("T")

logger = logging.getLogger(__name__)

_LEASE_BATCH = 8  # pages leased at a time: enough to keep a worker busy, few to share
_REBUILD_BATCH = 5000  # frontier rows read at a time when a session is rebuilt
_FAILED = "frontier_error"  # the close reason when Redis fails


class RedisScheduler(FrontierScheduler):
    """One worker's scheduler: the shared queue, leased; the crawl's record, in the database.

    Settings: ``REDIS_URL``, ``REDIS_PARAMS`` (scrapy-redis's), ``YULIAO_LEASE_S`` (a silent
    worker's leases go back after this long), ``YULIAO_IDLE_STOP_S`` (stop when nothing has
    been queued, leased or fetched anywhere for this long).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.server = connect(settings)
        self.where = describe(settings.get("REDIS_URL") or "redis://localhost:6379")
        self.lease_s = settings.getfloat("YULIAO_LEASE_S", 60.0)
        self.idle_stop_s = settings.getfloat("YULIAO_IDLE_STOP_S", 30.0)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.remote = Beat(queued=0, leased=0, reclaimed=0, busy=0)
        self._active = time.monotonic()  # when work was last seen, here or anywhere
        self._failed = False
        self._problem: str | None = None  # a Redis error met on the writer thread
        self._closing: asyncio.Future[None] | None = None

    def open(self, spider: Spider) -> None:
        self.frontier = self.context.frontier
        self.shared = LeaseQueue(
            self.server, spider, self.context.name, self.worker, lease_s=self.lease_s
        )
        self.dupefilter = self.shared.seen  # sitemaps and feeds: each fetched by one worker
        try:
            with self.shared.lock(timeout=max(120.0, self.lease_s)) as lock:
                super().open(spider)  # the crawl's record is prepared by one worker at a time
                if self.shared.join():
                    self._rebuild(lock.reacquire)
                    self.shared.begin()
                self.remote = self._beat()
        except (RedisError, LockError) as exc:
            self._note_failure(_message(exc))
            raise CloseSpider(_FAILED) from exc
        self.frontier.committed = self._committed
        self._active = time.monotonic()

    def close(self, reason: str) -> None:
        super().close(reason)  # writes the last outcomes: their leases end
        if self._problem and not self._failed:
            self._note_failure(self._problem)
        returned = self._redis(self.shared.leave, 0)
        if returned:
            logger.info("put %d unfinished pages back in the shared queue", returned)

    def enqueue_request(self, request: Request) -> bool:
        if self._failed and request.meta.get("frontier") is False:
            return False  # Redis decides which worker reads a sitemap or a feed
        try:
            return super().enqueue_request(request)
        except RedisError as exc:
            self._fail(_message(exc))
            return False

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0 or not (self._failed or self._idle())

    def __len__(self) -> int:
        return len(self.queue) + self.remote.queued

    def _discover(self, url: str, depth: int) -> bool:
        # Recorded first, even once Redis failed: a page is done only with its links recorded.
        if not self.frontier.discover(url, depth):
            return False  # this worker met it before, and offered it to Redis then
        request = self.spider.page_request(url, depth)  # type: ignore[attr-defined]
        return not self._failed and self.shared.push(request)

    def _claim(self, url: str) -> bool:
        if self._failed or not self.shared.seen.add(url):
            return False
        self.frontier.remember(url)
        return True

    def _refill(self, *, settle: bool) -> None:
        if len(self.queue) < _LEASE_BATCH:
            for request in self._redis(lambda: self.shared.lease(_LEASE_BATCH), []):
                # The worker that found the page may write its frontier row after this one
                # stores it: write the row here too, before the outcome (a no-op if known).
                self.frontier.discover(request.url, int(request.meta.get("depth", 0)))
                self.queue.push(request)

    def _tick(self) -> None:
        super()._tick()
        if self._problem:
            self._fail(self._problem)
        self.remote = self._redis(self._beat, self.remote)
        engine = self.crawler.engine
        if self._failed or engine is None or engine.spider is None:
            return
        if self.remote.reclaimed:
            logger.info("put back %d pages leased by a stopped worker", self.remote.reclaimed)
            self._stats().inc_value("yuliao/reclaimed", self.remote.reclaimed)
        if not self.remote.idle or len(self.queue):
            self._active = time.monotonic()
        if self.remote.queued and not len(self.queue):
            self._wake()
        elif self._idle() and engine.spider_is_idle():
            self._close("finished")

    def _beat(self) -> Beat:
        engine = self.crawler.engine
        busy = bool(engine is not None and engine.downloader.active) or len(self.queue) > 0
        return self.shared.beat(busy=busy)

    def _wake(self) -> None:
        """Hand the engine a page now: an engine with nothing to do looks again only every 5 s."""
        assert self.crawler.engine is not None
        for request in self._redis(lambda: self.shared.lease(1), []):
            self.crawler.engine.crawl(request)

    def _idle(self) -> bool:
        """Whether nothing was queued, leased or fetched anywhere for ``YULIAO_IDLE_STOP_S``."""
        return time.monotonic() - self._active >= self.idle_stop_s

    def _committed(self, outcomes: Sequence[Outcome]) -> None:
        """End the leases of pages whose outcomes are committed (runs on the writer thread)."""
        if self._failed or self._problem:
            return
        try:
            self.shared.ack([outcome.url for outcome in outcomes])
        except RedisError as exc:
            self._problem = _message(exc)  # the reactor stops the crawl at its next tick

    def _rebuild(self, keep_lock: Callable[[], object]) -> None:
        """Fill new keys from the database: every known URL is seen, pending ones queued."""
        frontier = self.context.store.frontier
        for rows in _batches(frontier.known):
            self.shared.see(row.url for row in rows)
            keep_lock()
        queued = 0
        for rows in _batches(frontier.pending):
            self.shared.queue((row.url, row.depth) for row in rows)
            queued += len(rows)
            keep_lock()
        if queued:
            logger.info("queued %d pending pages from the database in %s", queued, self.where)

    def _redis(self, call: Callable[[], T], default: T) -> T:
        """``call()``, or ``default`` once Redis has failed (the worker then stops)."""
        if self._failed:
            return default
        try:
            return call()
        except RedisError as exc:
            self._fail(_message(exc))
            return default

    def _fail(self, problem: str) -> None:
        """Stop this worker: what it committed stays; a re-run resumes from the database."""
        if self._failed:
            return
        self._note_failure(problem)
        self._close(_FAILED)

    def _close(self, reason: str) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and self._closing is None:
            self._closing = asyncio.ensure_future(engine.close_spider_async(reason=reason))

    def _note_failure(self, problem: str) -> None:
        self._failed = True
        message = f"frontier {self.where}: {problem}; run the crawl again to resume"
        logger.error("%s", message)
        self._stats().set_value("yuliao/error", message)


def _message(exc: Exception) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


def _batches(read: Callable[..., list[FrontierUrl]]) -> Iterator[list[FrontierUrl]]:
    """Every row of a frontier listing (``known``, ``pending``), a batch at a time."""
    after = 0
    while rows := read(after=after, limit=_REBUILD_BATCH):
        yield rows
        after = rows[-1].id
