"""robots.txt by the rules of RFC 9309, and its Crawl-delay, for every host of a crawl.

Scrapy's own middleware treats a robots.txt it cannot read (5xx, timeout, refused) as "allow
everything" and ignores Crawl-delay. Here:

- 2xx: the first 500 KiB are read and parsed (Protego), the download stopped there; garbage or
  an HTML page parse to "allow all";
- 3xx: followed, up to 5 hops (more: "unavailable", so allow all);
- 4xx except 429: no robots.txt, allow all;
- 429, 5xx, and network errors: complete disallow. The host's pages are not fetched; they stay
  pending for the next run of the crawl, and robots.txt is asked again after
  ``YULIAO_ROBOTS_RETRY_S`` seconds;
- ``Crawl-delay: N`` sets the least gap between two requests to the host (no jitter, and
  AutoThrottle never goes below it); above ``YULIAO_CRAWL_DELAY_MAX`` the host is skipped, with a
  message. ``YULIAO_CRAWL_DELAY_MAX = 0`` ignores Crawl-delay.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, TypeAlias
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.python.failure import Failure

from crawler.context import CrawlContext
from crawler.errors import HostSkipped, RobotsUnavailable, network_reason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: parse at least 500 KiB
ROBOTS_MAX_REDIRECTS = 5
ROBOTS_META = "robots_txt"  # meta key of a robots.txt request: read at most ROBOTS_MAX_BYTES


class _Unavailable:
    """The parser of a host whose robots.txt could not be read: nothing is allowed, for now."""

    def __init__(self, reason: str, retry_after: float) -> None:
        self.reason = reason
        self.until = time.monotonic() + retry_after

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


Rules: TypeAlias = "RobotParser | _Unavailable | None"


class RobotsMiddleware(RobotsTxtMiddleware):
    """Obey robots.txt (RFC 9309) and its Crawl-delay; replaces Scrapy's RobotsTxtMiddleware."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.retry_after = settings.getfloat("YULIAO_ROBOTS_RETRY_S", 600.0)
        self.max_crawl_delay = settings.getfloat("YULIAO_CRAWL_DELAY_MAX", 60.0)
        self.hosts = CrawlContext.of(crawler).hosts
        self._rules_of: dict[str, asyncio.Future[Rules] | Rules] = {}
        self._read: WeakKeyDictionary[Request, int] = WeakKeyDictionary()
        crawler.signals.connect(self._stop_reading, signal=signals.bytes_received)

    async def process_request(self, request: Request) -> None:  # type: ignore[override]
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        rules = await self.robot_parser(request)
        if isinstance(rules, _Unavailable):
            if time.monotonic() < rules.until:
                raise RobotsUnavailable(_unavailable_reason(rules.reason))
            self._rules_of.pop(urlparse_cached(request).netloc, None)  # ask again
            rules = await self.robot_parser(request)
            if isinstance(rules, _Unavailable):
                raise RobotsUnavailable(_unavailable_reason(rules.reason))
        self.process_request_2(rules, request)
        skipped = self.hosts.skipped.get(urlparse_cached(request).hostname or "")
        if skipped:  # robots.txt asked for a Crawl-delay over the cap
            raise HostSkipped(skipped)

    async def robot_parser(self, request: Request) -> Rules:  # type: ignore[override]
        """The rules for the request's host and port, fetched once (concurrent callers wait)."""
        url = urlparse_cached(request)
        netloc = url.netloc
        known = self._rules_of.get(netloc)
        if known is None and netloc not in self._rules_of:
            waiting: asyncio.Future[Rules] = asyncio.get_running_loop().create_future()
            self._rules_of[netloc] = waiting
            rules = await self._fetch(f"{url.scheme}://{netloc}/robots.txt", url.hostname or "")
            self._rules_of[netloc] = rules
            waiting.set_result(rules)
            return rules
        if isinstance(known, asyncio.Future):
            return await known
        return known

    async def _fetch(self, url: str, host: str) -> Rules:
        robots = Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            meta={
                "dont_obey_robotstxt": True,
                "redirect_ttl": ROBOTS_MAX_REDIRECTS,
                ROBOTS_META: True,
            },
            callback=NO_CALLBACK,
        )
        assert self.crawler.engine is not None
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots)
        except IgnoreRequest:
            return None  # too many redirects (RFC 9309: unavailable), or the host is skipped
        except Exception as exc:  # noqa: BLE001 - every download error means the same here
            return self._note_unavailable(url, network_reason(Failure(exc)))
        return await self._rules(response, host)

    async def _rules(self, response: Response, host: str) -> Rules:
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        status = response.status
        if status == 429 or status >= 500:
            return self._note_unavailable(response.url, f"http_{status}")
        if not 200 <= status < 300:
            return None  # 3xx past the redirect limit, 4xx: no rules
        if "download_stopped" in response.flags:
            logger.info("%s is over %d bytes: the rest is not read", response.url, ROBOTS_MAX_BYTES)
        body = response.body[:ROBOTS_MAX_BYTES]
        rules = await asyncio.to_thread(build_from_crawler, self._parserimpl, self.crawler, body)
        self._apply_crawl_delay(rules, host, response.url)
        return rules

    def _stop_reading(self, data: bytes, request: Request) -> None:
        """End a robots.txt download past ``ROBOTS_MAX_BYTES``: the rest would not be parsed."""
        if request.meta.get(ROBOTS_META):
            read = self._read[request] = self._read.get(request, 0) + len(data)
            if read > ROBOTS_MAX_BYTES:
                raise StopDownload(fail=False)  # the response keeps what was read

    def _note_unavailable(self, url: str, reason: str) -> _Unavailable:
        logger.warning(
            "robots.txt unavailable (%s): not crawling %s for now", reason.replace("_", " "), url
        )
        return _Unavailable(reason, self.retry_after)

    def _apply_crawl_delay(self, rules: RobotParser, host: str, url: str) -> None:
        agent = self._robotstxt_useragent or self._default_useragent
        delay = rules.crawl_delay(agent)
        if not delay or not self.max_crawl_delay:
            return
        if delay > self.max_crawl_delay:
            self.hosts.skip(
                host,
                "crawl_delay_too_long",
                f"{url} asks for Crawl-delay {delay:g} s, over the cap of "
                f"{self.max_crawl_delay:g} s (YULIAO_CRAWL_DELAY_MAX)",
            )
            return
        self.hosts.set_min_delay(host, delay)


def _unavailable_reason(reason: str) -> str:
    """Network errors name themselves (the host is down); HTTP statuses blame robots.txt."""
    return "robots_txt_unavailable" if reason.startswith("http_") else reason
