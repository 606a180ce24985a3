"""The ``site`` spider: follow links within the start URLs' sites, depth-limited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from crawler.links import page_hrefs
from crawler.spiders.base import CorpusSpider
from crawler.urls import link_targets


class SiteSpider(CorpusSpider):
    """Crawl every HTML page reachable from the start URLs without leaving their sites.

    ``scrapy crawl site -a url=http://127.0.0.1:8000/`` (more sites: ``-a allow_domain=…``).
    Depth comes from ``DEPTH_LIMIT``, the page budget from ``CLOSESPIDER_PAGECOUNT``. Links are
    canonicalized (see :mod:`crawler.urls`); unusable ones are counted, never fatal.
    """

    name = "site"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        item = self.page_item(response)
        if item is None:
            return
        yield from self.follow(response)  # before the item: links are recorded first
        yield item

    def follow(self, response: Response) -> Iterator[Any]:
        """Requests for the page's links within the allowed sites and the depth limit."""
        depth = int(response.meta.get("depth", 0)) + 1
        limit = self.crawler.settings.getint("DEPTH_LIMIT")
        urls = self._link_urls(response)
        if limit and depth > limit:
            self.crawler.stats.inc_value("yuliao/links_skipped/depth_limit", len(urls))
            return
        yield from self.allowed_requests(urls, depth)

    def _link_urls(self, response: Response) -> list[str]:
        """The page's link targets (Scrapy's LinkExtractor costs several times more per page)."""
        assert isinstance(response, TextResponse)  # page_item lets only text through
        return list(link_targets(page_hrefs(response), response.urljoin))
