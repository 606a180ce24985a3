"""The ``feed`` spider: fetch the articles an RSS or Atom feed links to, follow nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse

from crawler.spiders.base import CorpusSpider, start_meta
from crawler.xmlstream import NotXml, TooLarge, elements, local_name

_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


class FeedSpider(CorpusSpider):
    """Read RSS 2.0, RSS 1.0 and Atom feeds and fetch the pages of their items.

    ``scrapy crawl feed -a url=http://127.0.0.1:8000/feed.xml``. A start URL that turns out to
    be an HTML page is searched for ``<link rel="alternate">`` feeds. A document that is not
    XML is recorded as ``not_a_feed``; entities are never expanded.
    """

    name = "feed"
    custom_settings: ClassVar[dict[str, Any]] = {"DEPTH_LIMIT": 0}

    def start_request(self, url: str) -> scrapy.Request:
        return self.feed_request(url, seed=url)

    def feed_request(self, url: str, *, seed: str | None) -> scrapy.Request:
        maxsize = self.crawler.settings.getint("YULIAO_SITEMAP_MAX_BYTES")
        meta = {**start_meta(seed), "download_maxsize": maxsize}
        return scrapy.Request(url, callback=self.parse_feed, errback=self.on_error, meta=meta)

    def parse_feed(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        """The item pages of a feed, or the feeds an HTML page announces."""
        self._seed_fetched(response)
        if isinstance(response, TextResponse) and b"<html" in response.body[:2048].lower():
            yield from self._announced(response)
            return
        max_bytes = self.crawler.settings.getint("YULIAO_SITEMAP_MAX_BYTES")
        links: list[str] = []
        try:
            for entry in elements(response.body, ("item", "entry"), max_bytes=max_bytes):
                link = _entry_link(entry)
                if link:
                    links.append(response.urljoin(link))
        except (NotXml, TooLarge) as exc:
            self.logger.warning("feed %s: %s", response.url, exc)
            reason = "too_large" if isinstance(exc, TooLarge) else "not_a_feed"
            self.frontier.record(None, "failed", reason)
            self._seed_failed(response.meta, reason)
        yield from self.allowed_requests(links, depth=0)

    def _announced(self, response: TextResponse) -> Iterator[scrapy.Request]:
        selector = ", ".join(
            f'link[rel~="alternate"][type="{kind}"]::attr(href)' for kind in _FEED_TYPES
        )
        feeds = response.css(selector).getall()
        if not feeds:
            self.frontier.record(None, "failed", "not_a_feed")
            self._seed_failed(response.meta, "not_a_feed")
        for href in feeds:
            yield self.feed_request(response.urljoin(href), seed=response.meta.get("seed"))


def _entry_link(entry: Any) -> str:
    """An item's article URL: RSS ``<link>text</link>``, Atom ``<link rel="alternate" href>``."""
    for child in entry:
        if local_name(child) != "link":
            continue
        href = child.get("href")
        if href is None and child.text:
            return str(child.text).strip()
        if href and child.get("rel", "alternate") == "alternate":
            return str(href).strip()
    return ""
