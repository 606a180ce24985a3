"""Item pipelines: extract the main text, analyze it, store it. One job each.

Drops are counted by reason in the crawl stats as ``yuliao/dropped/<reason>``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

import nlp
from crawler.items import PageItem
from crawler.pool import WorkerPool
from crawler.work import extract_page
from nlp.extract import EXTRACTOR_VERSION
from storage import Corpus, NewDocument, resolve_db_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class _Stage:
    """What every pipeline shares: the crawler, its stats and the drop counter."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"yuliao/{key}", count)

    def _drop(self, reason: str, item: PageItem) -> NoReturn:
        self._inc(f"dropped/{reason}")
        raise DropItem(f"{reason.replace('_', ' ')}: {item.url}")


class ExtractPipeline(_Stage):
    """Decode the page's bytes and keep its main text (in a worker process)."""

    async def process_item(self, item: PageItem) -> PageItem:
        decoded, extracted = await WorkerPool.of(self.crawler).run(
            extract_page, item.body, item.http_charset, item.url
        )
        if extracted is None or not extracted.text.strip():
            self._drop("no_main_text", item)
        item.encoding, item.encoding_source = decoded.encoding, decoded.source
        item.extracted = extracted
        return item


class NlpPipeline(_Stage):
    """Normalize, detect the language, split sentences and tokens (in a worker process)."""

    async def process_item(self, item: PageItem) -> PageItem:
        assert item.extracted is not None
        analysis = await WorkerPool.of(self.crawler).run(nlp.analyze, item.extracted.text)
        if not analysis.tokens:
            self._drop("no_tokens", item)
        item.analysis = analysis
        return item


class StoragePipeline(_Stage):
    """Write documents to the corpus in batches, one transaction per batch."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.batch_size = max(1, settings.getint("YULIAO_BATCH_SIZE", 50))
        self.crawl_name: str | None = settings.get("YULIAO_CRAWL_NAME")
        self.corpus = Corpus(resolve_db_url(settings.get("YULIAO_DB")))
        self._pending: list[NewDocument] = []
        self._last_flush = time.monotonic()
        self._lock = asyncio.Lock()

    def open_spider(self) -> None:
        if self.crawl_name:
            seeds = getattr(self.crawler.spider, "seeds", [])
            self.corpus.ensure_crawl(self.crawl_name, seeds=seeds, settings={})

    async def close_spider(self) -> None:
        await self._flush()
        if self.crawl_name:
            assert self.crawler.stats is not None
            stats = _json_safe(self.crawler.stats.get_stats())
            self.corpus.finish_crawl(self.crawl_name, status="finished", stats=stats)
        self.corpus.close()

    async def process_item(self, item: PageItem) -> PageItem:
        self._pending.append(self._document(item))
        if len(self._pending) >= self.batch_size or time.monotonic() - self._last_flush > 5:
            await self._flush()
        return item

    async def _flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            self._last_flush = time.monotonic()
            if batch:
                stored = await asyncio.to_thread(self.corpus.upsert_many, batch)
                self._inc("stored", stored)

    def _document(self, item: PageItem) -> NewDocument:
        extracted, analysis = item.extracted, item.analysis
        assert extracted is not None
        assert analysis is not None
        return NewDocument(
            url=item.url,
            text=analysis.text,
            tokens=" ".join(token.text for token in analysis.tokens),
            lang=analysis.lang,
            content_hash=analysis.content_hash,
            simhash=analysis.fingerprint,
            n_chars=analysis.n_chars,
            n_tokens=analysis.n_tokens,
            n_sentences=analysis.n_sentences,
            domain=urlsplit(item.url).hostname or "",
            canonical_url=extracted.canonical_url,
            crawl_name=self.crawl_name,
            http_status=item.status,
            fetched_at=item.fetched_at,
            published_at=extracted.published,
            title=extracted.title,
            author=extracted.author,
            encoding=item.encoding,
            encoding_source=item.encoding_source,
            tokenizer=analysis.tokenizer,
            extractor=EXTRACTOR_VERSION,
        )


def _json_safe(stats: dict[str, object]) -> dict[str, object]:
    """Crawl stats as JSON values (Scrapy keeps datetimes in them)."""
    return {
        key: value if isinstance(value, (int, float, str)) else str(value)
        for key, value in stats.items()
    }
