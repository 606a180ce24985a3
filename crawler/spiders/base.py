"""What every yuliao spider shares: start URLs, allowed hosts, page requests, items, errors.

A page request always comes from :meth:`CorpusSpider.page_request`, because the scheduler
rebuilds requests from the frontier's URLs and depths; what happened to each page is recorded
through the crawl's frontier (:mod:`crawler.frontier`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.context import CrawlContext
from crawler.errors import classify
from crawler.frontier import CrawlFrontier
from crawler.items import PageItem
from crawler.seeds import check_url_file, parse_seeds, read_url_file
from crawler.urls import UnusableUrl, canonicalize, host_of

_HTML_TYPES = (b"html", b"xhtml")


class CorpusSpider(scrapy.Spider):
    """Base of the spiders; subclasses say how start URLs are read and links found.

    Arguments (``scrapy crawl NAME -a url=… -a urls_file=… -a allow_domain=…``):
        url: start URLs, separated by spaces or commas.
        urls_file: a file of start URLs, one per line.
        allow_domain: more domains pages may come from, comma-separated.
    """

    restrict_hosts = True  # only pages from the start URLs' hosts and allow_domain

    def __init__(
        self, url: str = "", urls_file: str = "", allow_domain: str = "", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.seeds = [_canonical_seed(seed) for seed in parse_seeds(url)]
        self.urls_file = urls_file
        if urls_file:
            check_url_file(urls_file)
        elif not self.seeds:
            raise ValueError("no start URL: pass -a url=URL or -a urls_file=FILE")
        if self.restrict_hosts:
            extra = {domain.strip().lower() for domain in allow_domain.split(",")}
            self.allowed_domains = sorted({host_of(u) for u in self._start_urls()} | extra - {""})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # The user's own hosts may be private (an intranet, a test): allow them all before the
        # first request, since Scrapy sends queued requests (of a resumed crawl) in between.
        addresses = CrawlContext.of(self.crawler).addresses
        for url in self._start_urls():
            addresses.name(url)
        for url in self._start_urls():
            yield self.start_request(url)

    def start_request(self, url: str) -> scrapy.Request:
        """The request for a start URL; pages by default."""
        return scrapy.Request(url, errback=self.on_error, meta={"depth": 0})

    def page_request(self, url: str, depth: int) -> scrapy.Request:
        """The request for a page of the frontier (``url`` canonical)."""
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"depth": depth, "frontier_url": url},
            dont_filter=True,  # the frontier has deduplicated it already
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        item = self.page_item(response)
        if item is not None:
            yield item

    def page_item(self, response: Response) -> PageItem | None:
        """The page as an item, or ``None`` (recorded as dropped) if it is not HTML."""
        self._seed_fetched(response)
        frontier_url = response.meta.get("frontier_url", response.url)
        if not isinstance(response, TextResponse) or not _is_html(response):
            self.frontier.record(frontier_url, "dropped", "not_html", final=response.url)
            return None
        return PageItem(
            url=response.url,
            body=response.body,
            request_url=frontier_url,
            status=response.status,
            headers=_headers(response),
            http_charset=_http_charset(response),
            depth=int(response.meta.get("depth", 0)),
            fetched_at=datetime.now(timezone.utc),
        )

    def on_error(self, failure: Failure) -> None:
        """Record a request that ended without a response the spider could use."""
        fate, reason, retry_later = classify(failure)
        request = failure.request  # type: ignore[attr-defined]
        frontier_url = request.meta.get("frontier_url")
        self.frontier.record(frontier_url, fate, reason, final=request.url, retry_later=retry_later)
        level = logging.INFO if fate == "failed" else logging.DEBUG
        self.logger.log(level, "%s: %s (%s)", fate, request.url, reason.replace("_", " "))
        self._seed_failed(request.meta, reason)

    @property
    def frontier(self) -> CrawlFrontier:
        return CrawlContext.of(self.crawler).frontier

    def allowed_requests(self, urls: Iterable[str], depth: int) -> Iterator[scrapy.Request]:
        """Requests for the usable links among ``urls`` on allowed sites; others counted.

        Links the frontier met lately get no request: the scheduler would drop it.
        """
        frontier = self.frontier
        for url in urls:
            try:
                canonical = canonicalize(url)
            except UnusableUrl as exc:
                self.crawler.stats.inc_value(f"yuliao/links_skipped/{exc.reason}")
                continue
            if not self._allowed(canonical):
                self.crawler.stats.inc_value("yuliao/links_skipped/other_site")
            elif not frontier.met(canonical):
                yield scrapy.Request(canonical, meta={"depth": depth})

    def _allowed(self, url: str) -> bool:
        if not self.restrict_hosts:
            return True
        host = host_of(url)
        return any(host == d or host.endswith(f".{d}") for d in self.allowed_domains)

    def _start_urls(self) -> Iterator[str]:
        yield from self.seeds
        if self.urls_file:
            for url in read_url_file(self.urls_file):
                try:
                    yield canonicalize(url)
                except UnusableUrl as exc:
                    self.logger.warning("skipped start URL: %s", exc)

    def _seed_fetched(self, response: Response) -> None:
        if _seed_of(response.meta, self.seeds):
            self.crawler.stats.inc_value("yuliao/seeds_fetched")

    def _seed_failed(self, meta: dict[str, Any], reason: str) -> None:
        seed = _seed_of(meta, self.seeds)
        if seed:
            self.crawler.stats.set_value(f"yuliao/seed_error/{seed}", reason)


def start_meta(seed: str | None) -> dict[str, Any]:
    """Meta of a request that is not a page of the frontier (sitemaps, feeds, robots.txt)."""
    return {"frontier": False, "seed": seed} if seed else {"frontier": False}


def _seed_of(meta: dict[str, Any], seeds: list[str]) -> str | None:
    """The start URL a request stands for: a seed page, or the sitemap or feed of one."""
    if meta.get("frontier_url") in seeds:
        return str(meta["frontier_url"])
    return meta.get("seed")


def _canonical_seed(url: str) -> str:
    try:
        return canonicalize(url)
    except UnusableUrl as exc:
        raise ValueError(f"unusable start URL: {exc}") from exc


def _content_type(response: Response) -> bytes:
    return (response.headers.get(b"Content-Type") or b"text/html").lower()


def _is_html(response: Response) -> bool:
    return any(kind in _content_type(response) for kind in _HTML_TYPES)


def _http_charset(response: Response) -> str | None:
    """The charset parameter of Content-Type, if the server sent one."""
    for param in _content_type(response).split(b";")[1:]:
        key, _, value = param.strip().partition(b"=")
        if key == b"charset" and value:
            return value.strip(b"\"' ").decode("ascii", "replace")
    return None


def _headers(response: Response) -> dict[str, str]:
    """The response headers as text, one value per name (repeated ones joined)."""
    return {
        key.decode("latin-1"): ", ".join(v.decode("latin-1") for v in values)
        for key, values in response.headers.items()
    }
