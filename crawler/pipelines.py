"""Item pipelines: extract the main text, analyze it, store it. One job each.

Drops are counted by reason in the crawl stats as ``yuliao/dropped/<reason>`` and recorded in
the frontier (see :mod:`crawler.frontier`); the pages that are stored are marked done only
once their batch is committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import create_looping_call

from crawler.context import CrawlContext
from crawler.items import PageItem
from crawler.work import (
    PageTimeout,
    analyze_text,
    extract_page,
    unusable_body,
    unusable_extraction,
)
from storage import NewDocument, StorageError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

T = TypeVar("T")

logger = logging.getLogger(__name__)


class PageDropped(DropItem):
    """A page the pipelines chose not to store; ``reason`` is its stats key."""

    def __init__(self, reason: str, item: PageItem) -> None:
        super().__init__(f"{reason.replace('_', ' ')}: {item.url}", log_level="DEBUG")
        self.reason = reason


class _Stage:
    """What every pipeline shares: the crawler, its context, and dropping a page by reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.context = CrawlContext.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _drop(self, reason: str, item: PageItem) -> NoReturn:
        raise PageDropped(reason, item)


class _WorkerStage(_Stage):
    """A stage whose work runs in the worker pool, dropping pages that time out."""

    async def _run(self, item: PageItem, func: Callable[..., T], *args: Any) -> T:
        try:
            return await self.context.pool.run(func, *args)
        except PageTimeout:
            self._drop("timeout", item)
        except BrokenProcessPool:
            self._drop("worker_crashed", item)


class ExtractPipeline(_WorkerStage):
    """Decode the page's bytes and keep its main text (in a worker process)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_chars = crawler.settings.getint("YULIAO_MAX_CHARS", 1_000_000)

    def open_spider(self) -> None:
        self.context.pool.start()

    async def process_item(self, item: PageItem) -> PageItem:
        reason = unusable_body(item.body, item.http_charset)
        if reason:
            self._drop(reason, item)
        encoding, source, extracted = await self._run(
            item, extract_page, item.body, item.http_charset, item.url
        )
        reason = unusable_extraction(source, extracted, self.max_chars)
        if reason:
            self._drop(reason, item)
        item.encoding, item.encoding_source, item.extracted = encoding, source, extracted
        return item


class NlpPipeline(_WorkerStage):
    """Normalize, detect the language, split sentences and tokens (in a worker process).

    ``YULIAO_LANGS`` (a list such as ``["zh", "en"]``) keeps only pages in those languages.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.langs = frozenset(crawler.settings.getlist("YULIAO_LANGS"))

    async def process_item(self, item: PageItem) -> PageItem:
        assert item.extracted is not None
        analysis = await self._run(item, analyze_text, item.extracted.text)
        if not analysis.n_tokens:
            self._drop("no_tokens", item)
        if self.langs and analysis.lang not in self.langs:
            self._drop("lang", item)
        item.analysis = analysis
        return item


class StoragePipeline(_Stage):
    """Write documents to the corpus in batches, one transaction per batch.

    A batch is written when it holds ``YULIAO_BATCH_SIZE`` documents or its oldest is
    ``YULIAO_BATCH_SECONDS`` old (checked by a timer too, for the last pages of a crawl that
    waits for them), so a kill loses at most that much work.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.batch_size = max(1, settings.getint("YULIAO_BATCH_SIZE", 50))
        # 0 writes each page at once
        self.batch_seconds = max(0.0, settings.getfloat("YULIAO_BATCH_SECONDS", 2.0))
        self.keep_html = settings.getbool("YULIAO_KEEP_HTML", True)
        self._pending: list[tuple[PageItem, NewDocument]] = []
        self._oldest = time.monotonic()
        self._lock = asyncio.Lock()
        self._timer = create_looping_call(self._flush_if_due)
        self._flushing: asyncio.Future[None] | None = None  # the timer's flush, if any
        crawler.signals.connect(self._item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self._item_error, signal=signals.item_error)

    def open_spider(self) -> None:
        self._timer.start(max(self.batch_seconds, 0.1), now=False)  # 0 must not spin

    async def close_spider(self) -> None:
        if self._timer.running:
            self._timer.stop()
        await self._flush()

    async def process_item(self, item: PageItem) -> PageItem:
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append((item, item.document(self.context.name, keep_html=self.keep_html)))
        if len(self._pending) >= self.batch_size or self._due():
            await self._flush()
        return item

    def _due(self) -> bool:
        return time.monotonic() - self._oldest >= self.batch_seconds

    def _flush_if_due(self) -> None:
        if self._pending and self._due():
            self._flushing = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            store = self.context.store
            try:
                await store.write(store.corpus.upsert_many, [doc for _, doc in batch])
            except StorageError as exc:
                self.context.frontier.fail(exc)  # the batch's pages stay pending
                return
            self.context.frontier.stored((item.request_url, item.url) for item, _ in batch)

    def _item_dropped(self, item: object, exception: BaseException) -> None:
        if isinstance(item, PageItem):
            reason = getattr(exception, "reason", "dropped")
            self.context.frontier.record(item.request_url, "dropped", reason, final=item.url)

    def _item_error(self, item: object) -> None:
        if isinstance(item, PageItem):
            frontier = self.context.frontier
            frontier.record(item.request_url, "failed", "processing_error", final=item.url)
