"""The ``sitemap`` spider: fetch the pages a site lists in its sitemaps, follow no links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawler.errors import Fate
from crawler.robots import ROBOTS_MAX_BYTES, ROBOTS_META
from crawler.spiders.base import CorpusSpider, start_meta
from crawler.xmlstream import NotXml, TooLarge, child_text, elements, local_name

_SITEMAP_PATHS = (".xml", ".xml.gz", ".gz")


class SitemapSpider(CorpusSpider):
    """Read sitemaps (plain, gzip, sitemap indexes) and fetch the pages they list.

    ``scrapy crawl sitemap -a url=http://127.0.0.1:8000/`` reads the ``Sitemap:`` lines of the
    site's robots.txt (``/sitemap.xml`` if there are none); a URL ending in ``.xml`` or
    ``.xml.gz`` is read as a sitemap itself. Each sitemap is parsed as a stream, without
    expanding entities, up to ``YULIAO_SITEMAP_MAX_URLS`` entries and
    ``YULIAO_SITEMAP_MAX_BYTES`` bytes after decompression (the protocol's own limits).
    """

    name = "sitemap"
    custom_settings: ClassVar[dict[str, Any]] = {"DEPTH_LIMIT": 0}  # listed pages, any depth

    def start_request(self, url: str) -> scrapy.Request:
        if urlsplit(url).path.lower().endswith(_SITEMAP_PATHS):
            return self.sitemap_request(url, seed=url)
        robots = urlsplit(url)._replace(path="/robots.txt", query="", fragment="").geturl()
        return scrapy.Request(
            robots,
            callback=self.parse_robots,
            errback=self.on_error,
            meta={
                **start_meta(url),
                "dont_obey_robotstxt": True,
                "handle_httpstatus_all": True,
                ROBOTS_META: True,  # read at most ROBOTS_MAX_BYTES of it
            },
        )

    def sitemap_request(self, url: str, *, seed: str | None = None) -> scrapy.Request:
        maxsize = self.crawler.settings.getint("YULIAO_SITEMAP_MAX_BYTES")
        return scrapy.Request(
            url,
            callback=self.parse_sitemap,
            errback=self.on_error,
            meta={**start_meta(seed), "download_maxsize": maxsize, "allow_offsite": True},
        )

    def parse_robots(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        """The sitemaps named in robots.txt, or the conventional ``/sitemap.xml``."""
        text = response.body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace")
        lines = text.splitlines() if response.status == 200 else []
        found = [
            line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")
        ]
        seed = response.meta.get("seed")
        for url in found or [response.urljoin("/sitemap.xml")]:
            yield self.sitemap_request(url, seed=seed)

    def parse_sitemap(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        """Pages and nested sitemaps, read as a stream and capped."""
        self._seed_fetched(response)
        settings = self.crawler.settings
        cap = settings.getint("YULIAO_SITEMAP_MAX_URLS")
        pages: list[str] = []
        try:
            for n, entry in enumerate(self._entries(response), start=1):
                if n > cap:
                    self.logger.warning(
                        "%s: more than %d entries, the rest ignored", response.url, cap
                    )
                    self.crawler.stats.inc_value("yuliao/sitemaps_capped")
                    break
                kind, url = entry
                if kind == "sitemap":
                    yield self.sitemap_request(response.urljoin(url))
                else:
                    pages.append(response.urljoin(url))
        except (NotXml, TooLarge) as exc:
            self._unreadable(response, exc)
        self.crawler.stats.inc_value("yuliao/sitemaps_read")
        yield from self.allowed_requests(pages, depth=0)

    def _entries(self, response: Response) -> Iterator[tuple[str, str]]:
        max_bytes = self.crawler.settings.getint("YULIAO_SITEMAP_MAX_BYTES")
        for element in elements(response.body, ("url", "sitemap"), max_bytes=max_bytes):
            loc = child_text(element, "loc")
            if loc:
                yield local_name(element), loc

    def _unreadable(self, response: Response, exc: Exception) -> None:
        """Count a sitemap read in part: too large is the crawl's limit, not XML a failure."""
        too_large = isinstance(exc, TooLarge)
        fate: Fate = "dropped" if too_large else "failed"
        reason = "too_large" if too_large else "sitemap_not_xml"
        self.logger.warning("sitemap %s: %s", response.url, exc)
        self.frontier.record(None, fate, reason)
        self._seed_failed(response.meta, reason)
