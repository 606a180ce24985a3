"""The ``site`` spider: follow links within the seeds' sites, depth-limited."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.errors import classify
from crawler.items import PageItem
from crawler.seeds import parse_seeds


class SiteSpider(scrapy.Spider):
    """Crawl every HTML page reachable from the seeds without leaving their hosts.

    ``scrapy crawl site -a url=http://127.0.0.1:8000/`` (several URLs: separate with spaces
    or commas). Depth comes from ``DEPTH_LIMIT``, the page budget from ``CLOSESPIDER_PAGECOUNT``.
    """

    name = "site"
    links = LinkExtractor()  # skips mailto:, tel:, javascript: and binary file extensions

    def __init__(self, url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seeds = parse_seeds(url)
        self.allowed_domains = sorted({urlsplit(seed).hostname or "" for seed in self.seeds})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for seed in self.seeds:
            yield scrapy.Request(seed, errback=self.on_error, cb_kwargs={"seed": True})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[PageItem | scrapy.Request]:
        if kwargs.get("seed"):
            self._count("seeds_fetched")
        if not isinstance(response, TextResponse) or b"html" not in _content_type(response):
            self._count("dropped/not_html")
            return
        yield PageItem(
            url=response.url,
            body=response.body,
            status=response.status,
            http_charset=_http_charset(response),
            depth=int(response.meta.get("depth", 0)),
            fetched_at=datetime.now(timezone.utc),
        )
        for link in self.links.extract_links(response):
            yield response.follow(link, errback=self.on_error)

    def on_error(self, failure: Failure) -> None:
        """Count a request that ended without a response the spider could use."""
        outcome, reason = classify(failure)
        self._count(f"{outcome}/{reason}")
        request = failure.request  # type: ignore[attr-defined]
        self.logger.warning("%s: %s (%s)", outcome, request.url, reason.replace("_", " "))
        if request.cb_kwargs.get("seed"):
            self.crawler.stats.set_value(f"yuliao/seed_error/{request.url}", reason)

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"yuliao/{key}")


def _content_type(response: Response) -> bytes:
    return (response.headers.get(b"Content-Type") or b"text/html").lower()


def _http_charset(response: Response) -> str | None:
    """The charset parameter of Content-Type, if the server sent one."""
    for param in _content_type(response).split(b";")[1:]:
        key, _, value = param.strip().partition(b"=")
        if key == b"charset" and value:
            return value.strip(b"\"' ").decode("ascii", "replace")
    return None
