"""Downloader middlewares and the throttle that make the crawl polite beyond Scrapy's defaults.

- :class:`PolitenessMiddleware` sends nothing to a host the crawl decided to skip;
- :class:`RetryAfterMiddleware` honours ``Retry-After`` on 429 and 503 (and backs off
  exponentially without it), within Scrapy's retry limit; a wait above
  ``YULIAO_RETRY_AFTER_MAX`` seconds skips the host, with a message, instead of hanging;
- :class:`CrawlDelayThrottle` is AutoThrottle that never goes below a host's Crawl-delay.

robots.txt itself is :mod:`crawler.robots`.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.context import CrawlContext
from crawler.errors import HostSkipped

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

    from crawler.hosts import HostPolicy

logger = logging.getLogger(__name__)

_THROTTLED = (429, 503)


class PolitenessMiddleware:
    """Refuse requests to skipped hosts before anything else happens to them."""

    def __init__(self, crawler: Crawler) -> None:
        self.hosts = CrawlContext.of(crawler).hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        reason = self.hosts.skipped.get(urlparse_cached(request).hostname or "")
        if reason:
            raise HostSkipped(reason)


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, plus a pause of the host on 429/503 as long as the server asks."""

    hosts: HostPolicy

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("YULIAO_RETRY_AFTER_MAX", 120.0)
        self.backoff = settings.getfloat("YULIAO_RETRY_BACKOFF_S", 1.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.hosts = CrawlContext.of(crawler).hosts
        return middleware

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if response.status in _THROTTLED and not request.meta.get("dont_retry"):
            self._pause(request, response)
        return super().process_response(request, response)

    def _pause(self, request: Request, response: Response) -> None:
        host = urlparse_cached(request).hostname or ""
        wait = retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_wait:
            self.hosts.skip(
                host,
                "retry_after_too_long",
                f"{response.url} asks to retry after {wait:g} s, over the cap of "
                f"{self.max_wait:g} s (YULIAO_RETRY_AFTER_MAX)",
            )
            raise HostSkipped("retry_after_too_long")
        if wait is None:
            wait = self.backoff * 2 ** int(request.meta.get("retry_times", 0))
        self.hosts.pause(host, min(wait, self.max_wait))


class CrawlDelayThrottle(AutoThrottle):
    """AutoThrottle whose delay for a host never drops below the host's Crawl-delay."""

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key = request.meta.get("download_slot")
        slot = self.crawler.engine.downloader.slots.get(key) if key else None
        if slot is not None:
            slot.delay = max(slot.delay, CrawlContext.of(self.crawler).hosts.min_delay(key))


def retry_after(value: bytes | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
